#!/usr/bin/env python3
"""What mprof run --python-heap costs a Python program: tracemalloc traces
every allocation, and a thread of the helper reads its size every interval.

    tests/bench/pyheap_cost.py [--python /usr/bin/python3] [--n N] [--runs R]

The workload allocates N small objects (a list of 2-tuples), frees them, and
times that, in one interpreter per run, interleaved:
  plain                 python3 w.py
  tracemalloc           the same after tracemalloc.start() (no thread)
  --python-heap 0.1     the helper's start_heap(0.1): tracemalloc and the thread
  --python-heap 0.01    the same at 0.01 s (its shortest period)
and prints each one's median time, its ratio to plain, and the peak resident
memory of the run (tracemalloc keeps a trace for each live allocation).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HELPERS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "data", "python")

WORKLOAD = r'''
import os, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
if mode != "plain":
    if mode == "tracemalloc":
        import tracemalloc
        tracemalloc.start()
    else:
        sys.path.insert(0, sys.argv[3])
        import mprof_profile
        mprof_profile._fd = os.open(os.devnull, os.O_WRONLY)   # the thread sends to nowhere
        mprof_profile.start_heap(float(mode))
t = time.perf_counter()
data = [(i, i + 1) for i in range(n)]
del data
print(time.perf_counter() - t)
'''


def run(py, path, mode, n):
    out = subprocess.run([py, path, mode, str(n), HELPERS], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    modes = ["plain", "tracemalloc", "0.1", "0.01"]
    times = {m: [] for m in modes}
    rss = {}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.py")
        with open(path, "w") as f:
            f.write(WORKLOAD)
        for _ in range(a.runs):
            for m in modes:
                times[m].append(run(a.python, path, m, a.n))
        for m in modes:   # each alone, for its peak resident memory
            r = subprocess.run(["/usr/bin/time", "-f", "%M", a.python, path, m, str(a.n), HELPERS],
                               check=True, capture_output=True, text=True)
            rss[m] = int(r.stderr.strip().splitlines()[-1]) / 1024
    base = statistics.median(times["plain"])
    print("%d small objects allocated and freed, median of %d runs" % (a.n, a.runs))
    for m in modes:
        med = statistics.median(times[m])
        name = m if m in ("plain", "tracemalloc") else "--python-heap at %s s" % m
        print("  %-26s %7.3f s  x%.2f  peak RSS %.0f MiB" % (name, med, med / base, rss[m]))


if __name__ == "__main__":
    main()
