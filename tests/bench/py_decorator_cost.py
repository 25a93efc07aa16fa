#!/usr/bin/env python3
"""What one call of an @profile-decorated Python function costs, in mprof
and in the Python tool, measured in the same session on the same interpreter.

    tests/bench/py_decorator_cost.py [--python /usr/bin/python3] [--calls N]

A workload script times N calls of a trivial function, undecorated or
decorated with the injected `profile`, and writes the time per call:
  undecorated               python3 w.py plain
  mprof, not profiled       python3 data/python/mprof_launch.py w.py decorated
                            (MPROF_EVENTS unset: profile returns the function)
  mprof, FIFO read lazily   the same with MPROF_EVENTS naming a FIFO that this
                            script drains every 5 ms (the cost in the program:
                            two os.write calls per call)
  mprof run                 mprof run --python PY w.py decorated
  Python tool               python3-mprof run w.py decorated   (its TimeStamper:
                            memory read through psutil at each call's start and end)
The cost of the decorator is the time per call minus the undecorated one.
mprof is $MPROF, else build/src/mprof of $MPROF_BUILD_DIR, else mprof on PATH.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LAUNCHER = os.path.join(ROOT, "data", "python", "mprof_launch.py")

WORKLOAD = '''
import sys, time
mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def f(x):
    return x

if mode == "decorated":
    f = profile(f)
for i in range(200):        # warm up, and let the channel open
    f(i)
t = time.perf_counter()
for i in range(n):
    f(i)
dt = time.perf_counter() - t
with open(out, "w") as fh:
    fh.write("%.12f" % (dt / n))
'''


def find_mprof():
    if os.environ.get("MPROF"):
        return os.environ["MPROF"]
    bdir = os.environ.get("MPROF_BUILD_DIR")
    for d in ([bdir] if bdir else []) + [os.path.join(ROOT, "build")]:
        exe = os.path.join(d, "src", "mprof")
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which("mprof")


def per_call(cmd, out, env=None, runs=3):
    """Median seconds per call over runs, or None."""
    vals = []
    for _ in range(runs):
        if os.path.exists(out):
            os.unlink(out)
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=600)
        if r.returncode != 0 or not os.path.exists(out):
            sys.stderr.write("%s: exit %d: %s\n" % (cmd[0], r.returncode, r.stderr[-500:]))
            return None
        with open(out) as fh:
            vals.append(float(fh.read()))
    return statistics.median(vals)


def drain_every_5ms(path):
    """Read and drop what is written to the FIFO path, every 5 ms."""
    os.mkfifo(path, 0o600)
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def loop():
        while True:
            try:
                while os.read(fd, 65536):
                    pass
            except BlockingIOError:
                pass
            time.sleep(0.005)
    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                    else sys.executable)
    ap.add_argument("--calls", type=int, default=100000)
    args = ap.parse_args()
    mprof = find_mprof()
    pytool = shutil.which("python3-mprof")
    n = args.calls
    n_py = max(n // 10, 1000)   # the Python tool is slower per call
    with tempfile.TemporaryDirectory(prefix="py-decorator-cost-") as tmp:
        w = os.path.join(tmp, "w.py")
        out = os.path.join(tmp, "out")
        with open(w, "w") as fh:
            fh.write(WORKLOAD)
        env = dict(os.environ)
        env.pop("MPROF_EVENTS", None)
        rows = []
        plain = per_call([args.python, w, "plain", str(n), out], out, env)
        rows.append(("undecorated call", plain, n))
        off = per_call([args.python, LAUNCHER, "--", w, "decorated", str(n), out], out, env)
        rows.append(("mprof @profile, not profiled", off, n))
        fifo = os.path.join(tmp, "events")
        drain_every_5ms(fifo)
        lazy = per_call([args.python, LAUNCHER, "--", w, "decorated", str(n), out], out,
                        dict(env, MPROF_EVENTS=fifo))
        rows.append(("mprof @profile, FIFO read lazily", lazy, n))
        ours = None
        if mprof:
            dat = os.path.join(tmp, "ours.dat")
            ours = per_call([mprof, "run", "--force", "-o", dat, "--python", args.python, w,
                             "decorated", str(n), out], out, env)
        rows.append(("mprof run: @profile call", ours, n))
        theirs = None
        if pytool:
            dat = os.path.join(tmp, "py.dat")
            theirs = per_call([pytool, "run", "-o", dat, w, "decorated", str(n_py), out], out,
                              dict(env, PYTHONWARNINGS="ignore"))
            if os.path.exists(dat):
                os.unlink(dat)
        rows.append(("python3-mprof run: @profile call", theirs, n_py))
    print("Python @profile call cost (%s), median of 3 runs:" % args.python)
    for name, v, calls in rows:
        if v is None:
            print("  %-34s n/a" % name)
            continue
        extra = "" if plain is None or name == "undecorated call" else \
            ", decorator adds %.2f us" % ((v - plain) * 1e6)
        print("  %-34s %8.2f us per call (%d calls%s)" % (name, v * 1e6, calls, extra))
    if ours is not None and theirs is not None and plain is not None and ours > plain:
        print("  the Python tool's decorator costs %.0fx mprof's"
              % ((theirs - plain) / (ours - plain)))


if __name__ == "__main__":
    main()
