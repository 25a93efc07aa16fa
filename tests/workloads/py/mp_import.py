"""A script that imports profile itself, as the Python tool's users often do."""
import sys

from memory_profiler import profile

import memory_profiler


@profile
def work():
    return sum(range(1000))


@profile(precision=3)
def work2():
    return 1


if __name__ == "__main__":
    work()
    work2()
    print("same:", memory_profiler.profile is profile)
    print("argv:", sys.argv[1:])
