"""Known allocations per line, for mprof lines. Lines are found by the
comment at their end, so keep each marker unique. Blocks of 40 MiB are always
mapped and unmapped by glibc's malloc (above its largest mmap threshold), so
freeing them gives the memory back."""
import sys
import threading

from memory_profiler import profile as mp_profile


@profile
def known():
    a = bytearray(10 << 20)                 # ALLOC10
    total = 0
    for i in range(7):                      # LOOP
        total += i                          # BODY
    for i in range(3):
        n = len(bytearray(40 << 20))        # TRANSIENT
    for i in range(3):
        t = bytearray(40 << 20)             # ALLOCLOOP
        del t                               # FREELOOP
    b = bytearray(30 << 20)                 # ALLOC30
    del b                                   # FREE30
    with profile.timestamp("ignored"):
        pass
    return a


@profile
def rec(n):
    if n:                                   # RECTEST
        rec(n - 1)                          # RECCALL


@profile
def boom():
    x = bytearray(1 << 20)                  # BEFORERAISE
    raise ValueError("boom")                # RAISE


@profile
def gen(n):
    for i in range(n):                      # GENLOOP
        yield i                             # YIELD


@mp_profile
def imported():
    return 1                                # IMPORTED


@profile
def in_thread():
    y = 1                                   # THREADLINE
    return y


def main():
    keep = known()
    rec(3)
    try:
        boom()
    except ValueError:
        pass
    assert sum(gen(4)) == 6
    imported()
    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    print("script output", len(keep))
    if len(sys.argv) > 1:
        sys.exit(int(sys.argv[1]))


if __name__ == "__main__":
    main()
