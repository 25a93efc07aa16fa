"""Line-by-line memory of decorated functions, for `mprof lines`.

The injected `profile` registers a function; each call of it traces that
function's own lines (sys.settrace, in the calling thread only) and reads the
resident memory (/proc/self/statm, kept open) once per line event. At exit,
one table per function, in the layout of Python's memory_profiler:

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
"""

import atexit
import functools
import inspect
import linecache
import os
import sys

import mprof_profile

__all__ = ["LineProfiler", "install"]

MIB = 1024.0 * 1024.0


class _Nothing:
    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class LineProfiler:
    """The `profile` of `mprof lines`: a decorator; `timestamp` is a no-op."""

    def __init__(self, precision=1):
        self.precision = precision
        self.tables = {}            # code -> {lineno: [increment, max memory, count]}
        self.order = []             # codes, in the order they were decorated
        # id(frame) -> [line running, memory before it, memory at entry,
        #               whether the line's end counts as a run of it]
        self.states = {}
        self._statm = None
        self._page_mib = os.sysconf("SC_PAGE_SIZE") / MIB
        try:
            self._statm = os.open("/proc/self/statm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            pass
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reopen)

    def _reopen(self):
        # the descriptor is the parent's file: /proc/self resolved at open
        try:
            os.close(self._statm)
            self._statm = os.open("/proc/self/statm", os.O_RDONLY)
        except (OSError, TypeError):
            self._statm = None

    def memory(self, _pread=os.pread):
        """Resident memory in MiB, as mprof run measures it."""
        try:
            return int(_pread(self._statm, 64, 0).split()[1]) * self._page_mib
        except (OSError, TypeError, IndexError, ValueError):
            return 0.0

    # ---- the decorator ----

    def __call__(self, func=None, precision=None, **kwargs):
        if func is None:
            return functools.partial(self.__call__, precision=precision, **kwargs)
        if not callable(func):
            raise ValueError("Value must be callable")
        code = getattr(func, "__code__", None)
        if code is None:
            return func
        if code not in self.tables:
            self.tables[code] = {}
            self.order.append(code)
        return self._wrap(func)

    def timestamp(self, name="<block>"):
        return _Nothing()

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
        return self._local

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
        template = "{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}"
        mem_format = "{0:" + "%d.%df" % (self.precision + 4, self.precision) + "} MiB"
        for code in self.order:
            table = self.tables[code]
            filename = code.co_filename
            try:
                lines, start = inspect.getsourcelines(code)
            except (OSError, TypeError):
                continue
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


def install(output=None, precision=1):
    """Make the line profiler; print its tables at exit to output (or stdout)."""
    prof = LineProfiler(precision)
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
