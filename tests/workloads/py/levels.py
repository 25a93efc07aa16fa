"""Decorated functions whose nesting levels must come out right: recursion,
exceptions, generators, coroutines, a timestamp block and a thread. `profile`
is not imported: mprof injects it."""
import asyncio
import threading


@profile
def rec(n):
    if n:
        rec(n - 1)


@profile
def boom():
    raise ValueError("boom")


@profile
def catch():
    try:
        boom()
    except ValueError:
        pass


@profile
def gen(n):
    for i in range(n):
        yield i


@profile
def consume():
    return sum(gen(2))


@profile
async def acoro():
    await asyncio.sleep(0)
    return 7


def main():
    rec(2)                      # rec 2, rec 1, rec 0
    catch()                     # boom 1, catch 0
    try:
        boom()                  # boom 0: the level is right after an exception
    except ValueError:
        pass
    assert consume() == 1       # gen 1 (x3), consume 0
    g = gen(5)
    next(g)                     # gen 0
    g.close()                   # gen 0
    with profile.timestamp("blk"):
        rec(0)                  # rec 1, .blk 0
    t = threading.Thread(target=rec, args=(1,))
    t.start()                   # rec 1, rec 0 in another thread
    t.join()
    assert asyncio.run(acoro()) == 7    # acoro 0 (x2)
    print("levels done")


if __name__ == "__main__":
    main()
