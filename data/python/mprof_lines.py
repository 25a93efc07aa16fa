"""Line-by-line memory of decorated functions, for `mprof lines`.

The injected `profile` registers a function; each call of it traces that
function's own lines (sys.settrace, in the calling thread only) and reads the
memory once per line event. At exit, one table per function, in the layout of
Python's memory_profiler:

  Mem usage    the highest memory seen just after the line ran
  Increment    memory after the line minus memory before it, summed over all
               the times it ran: it adds up. A line that allocates 10 MiB once
               shows +10 MiB; one that allocates and frees in a loop about 0.
               On the first line (the decorator or def), the net change of
               whole calls, which is the sum of the Increments below it.
  Occurrences  how many times the line ran (the first line: calls)

Memory used inside calls made by a line (including nested functions, lambdas
and comprehensions) counts for that line. A generator's lines are measured
each time it runs, from a resumption to its next yield.

Memory is resident memory (/proc/self/statm, kept open) unless told
otherwise: PSS or USS (smaps_rollup), or the Python heap that tracemalloc
counts; with children, that of every descendant process is added.
With timestamps, each call is recorded instead, and written at exit as FUNC
records of mprofile(5).
"""

import atexit
import functools
import inspect
import linecache
import os
import sys
import threading
import time

import mprof_profile

__all__ = ["LineProfiler", "TimestampProfiler", "meter", "install"]

MIB = 1024.0 * 1024.0
BACKENDS = ("rss", "pss", "uss", "tracemalloc")
CLOEXEC = getattr(os, "O_CLOEXEC", 0)


# ---- memory ----

def _rollup_mib(data, backend):
    """MiB from the text of smaps_rollup: Pss, or the private pages (USS)."""
    keys = (b"\nPss:",) if backend == "pss" else \
        (b"\nPrivate_Clean:", b"\nPrivate_Dirty:", b"\nPrivate_Hugetlb:")
    kib = 0
    for key in keys:
        i = data.find(key)
        if i >= 0:
            kib += int(data[i + len(key):].split(None, 1)[0])
    return kib / 1024.0


def _proc_mib(pid, backend, page_mib):
    """Memory of another process, or 0 when it is gone."""
    name = "statm" if backend == "rss" else "smaps_rollup"
    try:
        with open("/proc/%d/%s" % (pid, name), "rb") as fh:
            data = fh.read()
        if backend == "rss":
            return int(data.split()[1]) * page_mib
        return _rollup_mib(data, backend)
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid):
    """The child processes of pid, from each of its threads' children file."""
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as fh:
                out.extend(int(p) for p in fh.read().split())
        except (OSError, ValueError):
            pass
    return out


def descendants(pid):
    """Every process below pid."""
    found, todo = [], _children(pid)
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def meter(backend="rss", children=False):
    """A function that returns the memory of this process in MiB, as mprof run
    measures it with --backend (rss, pss, uss), or the Python heap that
    tracemalloc counts (started here); with children, plus that of every
    descendant process."""
    if backend == "tracemalloc":
        import tracemalloc
        if not tracemalloc.is_tracing():
            tracemalloc.start()
        return lambda _get=tracemalloc.get_traced_memory: _get()[0] / MIB
    page_mib = os.sysconf("SC_PAGE_SIZE") / MIB
    name = "/proc/self/statm" if backend == "rss" else "/proc/self/smaps_rollup"
    fd = [None]

    def reopen():
        # the descriptor is the parent's file: /proc/self resolved at open
        if fd[0] is not None:
            os.close(fd[0])
        try:
            fd[0] = os.open(name, os.O_RDONLY | CLOEXEC)
        except OSError:
            fd[0] = None
    reopen()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=reopen)

    def own(_pread=os.pread, _fd=fd, _page=page_mib, _rollup=_rollup_mib, _backend=backend):
        try:
            if _backend == "rss":
                return int(_pread(_fd[0], 64, 0).split()[1]) * _page
            return _rollup(_pread(_fd[0], 4096, 0), _backend)
        except (OSError, TypeError, IndexError, ValueError):
            return 0.0
    if not children:
        return own
    return lambda: own() + sum(_proc_mib(p, backend, page_mib) for p in descendants(os.getpid()))


def _writable(stream, code):
    """stream, if a table can still be written to it; else None (said)."""
    if stream is None:
        return None
    if getattr(stream, "closed", False):
        sys.stderr.write("mprof lines: the stream given to @profile of %s is closed; "
                         "its table goes with the others\n" % code.co_name)
        return None
    return stream


class LineProfiler:
    """The `profile` of `mprof lines`: a decorator; `timestamp` is a no-op.
    @profile(precision=N, stream=f) prints that function's table with N
    decimals, to f."""

    def __init__(self, precision=3, memory=None, max_mem=None):
        self.precision = precision
        self.memory = memory if memory is not None else meter()
        self.max_mem = max_mem      # MiB: stop in the debugger there (None: never)
        self.tables = {}            # code -> {lineno: [increment, max memory, count]}
        self.order = []             # codes, in the order they were decorated
        self.options = {}           # code -> (precision, stream) given to the decorator
        # id(frame) -> [line running, memory before it, memory at entry,
        #               whether the line's end counts as a run of it]
        self.states = {}
        self._line_trace = self._local if max_mem is None else self._local_pdb

    # ---- the decorator ----

    def __call__(self, func=None, stream=None, precision=None, **kwargs):
        if func is None:
            return functools.partial(self.__call__, stream=stream, precision=precision, **kwargs)
        if not callable(func):
            raise ValueError("Value must be callable")
        code = getattr(func, "__code__", None)
        if code is None:
            return func
        if code not in self.tables:
            self.tables[code] = {}
            self.order.append(code)
        if precision is not None or stream is not None:
            self.options[code] = (None if precision is None else int(precision), stream)
        return self._wrap(func)

    def timestamp(self, name="<block>"):
        return mprof_profile.NOTHING

    def _wrap(self, func):
        trace = self._trace

        def start():
            previous = sys.gettrace()
            if previous is not trace:
                sys.settrace(trace)
            return previous

        def stop(previous):
            if previous is not trace:
                sys.settrace(previous)

        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                return (yield from mprof_profile.drive(func(*args, **kwargs), start, stop))
        else:
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                previous = start()
                try:
                    return func(*args, **kwargs)
                finally:
                    if previous is not trace:
                        sys.settrace(previous)
        return wrapper

    # ---- tracing ----

    def _trace(self, frame, event, arg):
        """The thread's trace function: only registered code is followed."""
        if event != "call":
            return None
        code = frame.f_code
        table = self.tables.get(code)
        if table is None:
            return None
        m = self.memory()
        if frame.f_lineno == code.co_firstlineno:    # a call, not a resumption
            rec = table.get(code.co_firstlineno)
            if rec is None:
                table[code.co_firstlineno] = [0.0, m, 1]
            else:
                rec[2] += 1
                if m > rec[1]:
                    rec[1] = m
            self.states[id(frame)] = [None, m, m, True]
        else:   # a generator resumes inside its yield line, already counted
            self.states[id(frame)] = [frame.f_lineno, m, m, False]
        return self._line_trace

    def _local(self, frame, event, arg):
        if event == "line":
            state = self.states.get(id(frame))
            if state is None:
                return self._local
            if state[0] is None:                      # the first line: memory read at entry
                state[0] = frame.f_lineno
                return self._local
            m = self.memory()
            self._account(frame.f_code, state[0], m - state[1], m, state[3])
            state[0] = frame.f_lineno
            state[1] = m
            state[3] = True
        elif event == "return":
            state = self.states.pop(id(frame), None)
            if state is None:
                return None
            m = self.memory()
            code = frame.f_code
            if state[0] is not None:
                self._account(code, state[0], m - state[1], m, state[3])
            self.tables[code][code.co_firstlineno][0] += m - state[2]
        return self._local

    def _local_pdb(self, frame, event, arg):
        """_local, and the debugger once memory reaches max_mem after a line."""
        self._local(frame, event, arg)
        if event == "line":
            m = self.memory()
            if m >= self.max_mem:
                return self._debug(frame, m)
        return self._local_pdb

    def _debug(self, frame, m):
        import pdb
        sys.stdout.write("Current memory %.2f MiB exceeded the maximum of %.2f MiB\n"
                         "Stepping into the debugger\n" % (m, self.max_mem))
        sys.stdout.flush()
        debugger = pdb.Pdb()
        debugger.set_trace(frame)
        # from here on the debugger traces: the rest of this call is not measured
        self.states.pop(id(frame), None)
        return debugger.trace_dispatch(frame, "line", None)    # stop before this line

    def _account(self, code, line, inc, m, count):
        table = self.tables[code]
        rec = table.get(line)
        if rec is None:
            table[line] = [inc, m, 1 if count else 0]
            return
        rec[0] += inc
        if m > rec[1]:
            rec[1] = m
        if count:
            rec[2] += 1

    # ---- the tables ----

    def show_results(self, stream):
        for code in self.order:
            precision, out = self.options.get(code, (None, None))
            out = _writable(out, code) or stream
            self._show_table(code, out, self.precision if precision is None else precision)
            if out is not stream:
                out.flush()

    def _show_table(self, code, stream, precision):
        template = "{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}"
        mem_format = "{0:" + "%d.%df" % (precision + 4, precision) + "} MiB"
        table = self.tables[code]
        filename = code.co_filename
        try:
            lines, start = inspect.getsourcelines(code)
        except (OSError, TypeError):
            return
        all_lines = linecache.getlines(filename)
        header = template.format("Line #", "Mem usage", "Increment", "Occurrences",
                                 "Line Contents")
        stream.write("Filename: " + filename + "\n\n")
        stream.write(header + "\n")
        stream.write("=" * len(header) + "\n")
        for lineno in range(start, start + len(lines)):
            rec = table.get(lineno)
            text = all_lines[lineno - 1] if lineno - 1 < len(all_lines) else "\n"
            if rec:
                row = template.format(lineno, mem_format.format(rec[1]),
                                      mem_format.format(rec[0]), rec[2], text)
            else:
                row = template.format(lineno, "", "", "", text)
            stream.write(row if row.endswith("\n") else row + "\n")
        stream.write("\n\n")


# ---- timestamps ----

def escape_name(b):
    """Bytes of a name as mprofile(5) writes it: blanks, control bytes,
    backslash, DEL and bytes that are not UTF-8 as \\xHH."""
    out = []
    for c in b.decode("utf-8", "surrogateescape"):
        o = ord(c)
        if 0xdc80 <= o <= 0xdcff:
            out.append("\\x%02x" % (o - 0xdc00))
        elif o <= 0x20 or o == 0x7f or c == "\\":
            out.append("\\x%02x" % o)
        else:
            out.append(c)
    return "".join(out) or "?"


class TimestampProfiler:
    """The `profile` of `mprof lines --timestamp`: each call of a decorated
    function (each step of a generator) and each profile.timestamp block is
    a span, with memory and time at its start and end, and its nesting level
    in its thread; at exit, one FUNC record each."""

    def __init__(self, memory=None):
        self.memory = memory if memory is not None else meter()
        self.stacks = {}            # (pid, thread id) -> open spans [name, mem, t]
        self.spans = []             # (name, mem, t, mem end, t end, level, unfinished)

    def _event(self, kind, name):
        m, t = self.memory(), time.time()
        stack = self.stacks.setdefault((os.getpid(), threading.get_native_id()), [])
        if kind == b"B":
            stack.append((name, m, t))
        elif stack:
            begun = stack.pop()
            self.spans.append(begun + (m, t, len(stack), False))

    def __call__(self, func=None, stream=None, precision=None, **kwargs):
        if func is None:
            return functools.partial(self.__call__, stream=stream, precision=precision, **kwargs)
        if not callable(func):
            raise ValueError("Value must be callable")
        name = mprof_profile.encode_name(mprof_profile.function_name(func))
        return mprof_profile.bracket(func, name, self._event)

    def timestamp(self, name="<block>"):
        return mprof_profile.Block(mprof_profile.encode_name("." + str(name)), self._event)

    def show_results(self, stream):
        m, t = self.memory(), time.time()
        for stack in self.stacks.values():      # threads still in a span at exit
            while stack:
                begun = stack.pop()
                self.spans.append(begun + (m, t, len(stack), True))
        for name, m0, t0, m1, t1, level, unfinished in self.spans:
            stream.write("FUNC %s %.4f %.6f %.4f %.6f %d%s\n" % (
                escape_name(name[1:]), m0, t0, m1, max(t1, t0), level,
                " unfinished" if unfinished else ""))


def install(output=None, precision=3, backend="rss", children=False, max_mem=None,
            timestamps=False):
    """Make the profiler; print its tables (or spans) at exit to output, or
    stdout."""
    memory = meter(backend, children)
    prof = TimestampProfiler(memory) if timestamps else LineProfiler(precision, memory, max_mem)
    path = os.path.abspath(output) if output else None

    def report():
        sys.settrace(None)
        if path:
            with open(path, "w") as fh:
                prof.show_results(fh)
        else:
            try:
                sys.stdout.flush()
                prof.show_results(sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:     # `mprof lines ... | head`
                pass
    atexit.register(report)
    return prof
