"""The `profile` that `mprof run` injects into Python programs.

    @profile                         # a bracket per call on `mprof plot`
    def grow(n): ...

    with profile.timestamp("load"):  # a bracket named ".load"
        ...

Each call of a decorated function is sent to mprof as a span (see the event
protocol in mprofile(5)) named `module.function`, as Python's memory_profiler
names it. The nesting level is kept per thread by mprof from the order of the
events, so it stays right through recursion, exceptions and threads. A
generator or coroutine is bracketed each time it runs (from a resumption to
the next yield), as only then is its frame on the stack.

Not under `mprof run` (MPROF_EVENTS unset), `profile` returns the function
itself and `profile.timestamp` does nothing.

Pure standard library, Python 3.8 and newer.
"""

import functools
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import select
import sys
import threading
import time
import types

__all__ = ["profile", "install", "drive", "bracket", "Block", "encode_name",
           "function_name", "start_heap"]

EVENTS_ENV = "MPROF_EVENTS"
LINE_MAX = 4096     # an event, newline included: one atomic pipe write
WAIT_MS = 1000      # how long to wait for room in a full channel

# ---- the channel ----

_fd = None          # write end of the FIFO, or None when not profiled
_guard = None       # a read end kept open so that writes never raise SIGPIPE
_tls = threading.local()


def _open_channel():
    """Open the FIFO named by MPROF_EVENTS; False when not profiled."""
    global _fd, _guard
    path = os.environ.get(EVENTS_ENV)
    if not path:
        return False
    flags = os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, os.O_WRONLY | flags)
    except OSError:
        return False        # ENXIO: nobody reads it any more
    try:
        guard = os.open(path, os.O_RDONLY | flags)
    except OSError:
        os.close(fd)
        return False
    _fd, _guard = fd, guard
    return True


def _close_channel():
    """Stop sending, for good. The descriptors stay open: another thread may
    be writing to them, and closed, their numbers could be reused for one of
    the program's files."""
    global _fd
    _fd = None


def _forked_child():
    global _tls
    _tls = threading.local()


def _ids():
    """b"<pid> <tid> " of this thread, cached."""
    try:
        return _tls.ids
    except AttributeError:
        ids = b"%d %d " % (os.getpid(), threading.get_native_id())
        _tls.ids = ids
        return ids


def _send(kind, name, _time=time.time, _write=os.write):
    """Send one event: kind is b"B", b"E", b"M" or b"H", name bytes (or b"")."""
    fd = _fd
    if fd is None:
        return
    try:
        ids = _tls.ids
    except AttributeError:
        ids = _ids()
    line = b"%s %s%.6f%s\n" % (kind, ids, _time(), name)
    try:
        _write(fd, line)
    except BlockingIOError:
        _send_slow(fd, line)
    except OSError:
        _close_channel()


def _send_slow(fd, line):
    """The pipe is full: wait a while for mprof to read it, else give up."""
    while True:
        try:
            ready = select.select([], [fd], [], WAIT_MS / 1000)[1]
        except InterruptedError:
            continue
        except (OSError, ValueError):
            ready = []
        if not ready:
            _close_channel()
            return
        try:
            os.write(fd, line)
            return
        except BlockingIOError:
            continue
        except OSError:
            _close_channel()
            return


def encode_name(name):
    """A name as the bytes of an event field: " name", newline-free, cut to fit."""
    if isinstance(name, bytes):
        b = name
    else:
        b = str(name).encode("utf-8", "surrogateescape")
    b = b.replace(b"\n", b" ") or b"?"
    limit = LINE_MAX - 80   # room for the kind, ids, time and newline
    if len(b) > limit:
        b = b[:limit]
        b = b.decode("utf-8", "ignore").encode("utf-8") or b"?"
    return b" " + b


def function_name(func):
    """`module.function`, as the Python tool names a decorated function."""
    return "%s.%s" % (getattr(func, "__module__", None), getattr(func, "__name__", "?"))


# ---- brackets ----

def drive(gen, enter, leave):
    """Run a generator or coroutine with enter() before each step of it (a
    resumption to its next yield, and its close) and leave(what enter gave)
    after. A generator itself, so that callers `yield from` it. Shared by
    the brackets here and the line tracer of `mprof lines`."""
    value, error = None, None
    while True:
        token = enter()
        try:
            if error is not None:
                e, error = error, None
                out = gen.throw(e)
            else:
                out = gen.send(value)
        except StopIteration as stop:
            return stop.value
        finally:
            leave(token)
        try:
            value = yield out
        except GeneratorExit:
            token = enter()
            try:
                gen.close()
            finally:
                leave(token)
            raise
        except BaseException as e:      # thrown in: pass it on to gen
            error = e
            value = None


@types.coroutine
def _drive_await(coro, enter, leave):
    return (yield from drive(coro, enter, leave))


def bracket(func, name, send=None):
    """func, sending a span named name (bytes of encode_name) per call, or per
    step of a generator or coroutine, through send(kind, name) (by default
    to mprof run)."""
    if send is None:
        send = _send
    if inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func):
        def enter():
            send(b"B", name)

        def leave(_):
            send(b"E", name)
    if inspect.isgeneratorfunction(func):
        def wrapper(*args, **kwargs):
            return (yield from drive(func(*args, **kwargs), enter, leave))
    elif inspect.iscoroutinefunction(func):
        async def wrapper(*args, **kwargs):
            return await _drive_await(func(*args, **kwargs), enter, leave)
    else:
        def wrapper(*args, **kwargs):
            send(b"B", name)
            try:
                return func(*args, **kwargs)
            finally:
                send(b"E", name)
    functools.update_wrapper(wrapper, func)
    return wrapper


class Block:
    """A `with` block sent as a span (name: bytes of encode_name), through
    send(kind, name), by default to mprof run."""
    __slots__ = ("_name", "_send")

    def __init__(self, name, send=None):
        self._name = name
        self._send = send if send is not None else _send

    def __enter__(self):
        self._send(b"B", self._name)
        return self

    def __exit__(self, *exc):
        self._send(b"E", self._name)
        return False


class _Nothing:
    """A `with` block that does nothing (shared with mprof_lines)."""
    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


NOTHING = _Nothing()


class Profile:
    """The injected `profile`: a decorator, and `profile.timestamp(label)`.

    The Python tool's forms are accepted: @profile, @profile(precision=N),
    profile(func, stream=...); extra arguments are ignored here.
    """

    def __call__(self, func=None, precision=None, **kwargs):
        if func is None:
            return functools.partial(self.__call__, precision=precision, **kwargs)
        if not callable(func):
            raise ValueError("Value must be callable")
        if _fd is None:
            return func
        return bracket(func, encode_name(function_name(func)))

    def timestamp(self, name="<block>"):
        if _fd is None:
            return NOTHING
        return Block(encode_name("." + str(name)))

    def __repr__(self):
        return "<mprof profile: %s>" % ("sending to mprof run" if _fd is not None
                                        else "not profiled")


profile = Profile()


# ---- the Python heap (mprof run --python-heap) ----

HEAP_MIN_S = 0.01   # the heap is not sent more often than this


def start_heap(interval):
    """Trace allocations with tracemalloc and send its current size to mprof
    run (an H event) every `interval` seconds (at least HEAP_MIN_S), on a
    schedule of its own, from a daemon thread. False when not profiled."""
    if _fd is None:
        return False
    import tracemalloc
    if not tracemalloc.is_tracing():
        tracemalloc.start()
    period = max(float(interval), HEAP_MIN_S)

    def loop(_get=tracemalloc.get_traced_memory, _clock=time.monotonic):
        due = _clock()
        while _fd is not None:
            _send(b"H", b" %d" % _get()[0])
            due += period
            now = _clock()
            if due < now:       # late (a busy machine): skip what was missed
                due = now + period - (now - due) % period
            time.sleep(due - now)

    threading.Thread(target=loop, name="mprof-heap", daemon=True).start()
    return True


# ---- `from memory_profiler import profile` ----

class _Shim(importlib.abc.Loader):
    """memory_profiler when it is not installed: just `profile`."""

    def __init__(self, prof):
        self._profile = prof

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.profile = self._profile
        module.__doc__ = "Stand-in for memory_profiler under mprof: only `profile`."


class _Patch(importlib.abc.Loader):
    """The installed memory_profiler, with mprof's `profile` in place of its own."""

    def __init__(self, loader, prof):
        self._loader = loader
        self._profile = prof

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        try:
            self._loader.exec_module(module)
        except ImportError:         # e.g. psutil missing: use the stand-in
            module.__dict__.clear()
            module.__name__ = "memory_profiler"
            _Shim(self._profile).exec_module(module)
            return
        module.profile = self._profile

    def __getattr__(self, name):    # get_source, get_filename, ... for inspect
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, prof):
        self._profile = prof

    def find_spec(self, fullname, path, target=None):
        if fullname != "memory_profiler":
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None:
            return importlib.util.spec_from_loader(fullname, _Shim(self._profile))
        spec.loader = _Patch(spec.loader, self._profile)
        return spec


def install(prof=None):
    """Open the channel and make `profile` a builtin and memory_profiler's."""
    import builtins
    if prof is None:
        _open_channel()
        prof = profile
    builtins.profile = prof
    sys.modules.pop("memory_profiler", None)
    sys.meta_path.insert(0, _Finder(prof))
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked_child)
    return prof
