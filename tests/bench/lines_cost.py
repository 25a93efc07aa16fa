#!/usr/bin/env python3
"""Overhead of line-by-line profiling: `mprof lines` against
`python3 -m memory_profiler`, on the same script and interpreter, in the same
session.

    tests/bench/lines_cost.py [--python /usr/bin/python3] [--n N]

The script runs a decorated function of a few lines in a loop (about 3N line
events). Figures, each the median of 3 runs:
  - the function's own time (measured inside the script) and the whole run's
    wall time, undecorated (profile is then a no-op);
  - the same under `mprof lines PY script.py` and `PY -m memory_profiler script.py`;
  - overhead = profiled time / undecorated time, and its ratio between the tools.
mprof is $MPROF, else src/mprof of $MPROF_BUILD_DIR or build/, else on PATH.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

WORKLOAD = '''
import builtins, sys, time
if not hasattr(builtins, "profile"):
    def profile(f):
        return f

@profile
def work(n):
    total = 0
    kept = []
    for i in range(n):
        total += i * i
        if i % 100 == 0:
            kept.append(bytearray(4096))
    return total, len(kept)

n, out = int(sys.argv[1]), sys.argv[2]
t = time.perf_counter()
work(n)
dt = time.perf_counter() - t
with open(out, "w") as fh:
    fh.write("%.9f" % dt)
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


def measure(cmd, out, runs=3):
    """Median (function seconds, wall seconds), or None."""
    fn, wall = [], []
    for _ in range(runs):
        if os.path.exists(out):
            os.unlink(out)
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=900)
        w = time.perf_counter() - t
        if r.returncode != 0 or not os.path.exists(out):
            sys.stderr.write("%s: exit %d: %s\n" % (" ".join(cmd[:3]), r.returncode,
                                                     r.stderr[-400:]))
            return None
        with open(out) as fh:
            fn.append(float(fh.read()))
        wall.append(w)
    return statistics.median(fn), statistics.median(wall)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                    else sys.executable)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    mprof = find_mprof()
    with tempfile.TemporaryDirectory(prefix="lines-cost-") as tmp:
        script = os.path.join(tmp, "work.py")
        out = os.path.join(tmp, "out")
        with open(script, "w") as fh:
            fh.write(WORKLOAD)
        n = str(args.n)
        base = measure([args.python, script, n, out], out)
        ours = measure([mprof, "lines", "-o", os.path.join(tmp, "ours.txt"), args.python, script,
                        n, out], out) if mprof else None
        has_mp = subprocess.run([args.python, "-c", "import memory_profiler"],
                                capture_output=True).returncode == 0
        theirs = measure([args.python, "-m", "memory_profiler", "-o", os.path.join(tmp, "py.txt"),
                          script, n, out], out) if has_mp else None
    print("Line-by-line profiling, %d loop iterations (%s), median of 3 runs:" % (args.n, args.python))
    if base is None:
        print("  undecorated run failed")
        return
    print("  %-32s function %8.3f s   run %7.3f s" % ("undecorated", base[0], base[1]))
    for name, v in (("mprof lines", ours), ("python3 -m memory_profiler", theirs)):
        if v is None:
            print("  %-32s n/a" % name)
        else:
            print("  %-32s function %8.3f s   run %7.3f s   overhead x%.1f (function), x%.1f (run)"
                  % (name, v[0], v[1], v[0] / base[0], v[1] / base[1]))
    if ours and theirs:
        print("  the Python tool's overhead (time added to the function) is %.1fx mprof's"
              % ((theirs[0] - base[0]) / max(ours[0] - base[0], 1e-9)))


if __name__ == "__main__":
    main()
