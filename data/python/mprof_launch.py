"""Run a Python program as `mprof run` and `mprof lines` do.

    python3 mprof_launch.py [--heap SEC] [--lines [LINES-OPTIONS]] [--] (SCRIPT | -m MODULE | -c CODE) [ARGS...]

    LINES-OPTIONS: --output FILE, --precision N, --backend rss|pss|uss|tracemalloc,
                   --include-children, --pdb-mmem MIB, --timestamp

Makes `profile` a builtin (and `from memory_profiler import profile` give the
same), then runs the program as `python3 SCRIPT ARGS...` would: as __main__,
with the same sys.argv and sys.path[0]. With --lines, decorated functions are
traced line by line and their tables printed at exit (to FILE, or stdout);
with --timestamp too, each call is recorded instead and printed as a FUNC
record. With --heap SEC, the Python heap's size (tracemalloc) is sent to
mprof run every SEC seconds (mprof run --python-heap). mprof lines and mprof
run check the options; this only reads them.
"""

import os
import sys

USAGE = ("usage: mprof_launch.py [--heap SEC] [--lines [--output FILE] [--precision N] [--backend NAME] "
         "[--include-children] [--pdb-mmem MIB] [--timestamp]] [--] "
         "(SCRIPT | -m MODULE | -c CODE) [ARGS...]")

# option: (key of the options, how its value is read; None: a flag)
OPTIONS = {
    "--lines": ("lines", None),
    "--output": ("output", str),
    "--precision": ("precision", int),
    "--backend": ("backend", str),
    "--include-children": ("children", None),
    "--pdb-mmem": ("max_mem", float),
    "--timestamp": ("timestamps", None),
    "--heap": ("heap", float),
}


def _usage(msg):
    sys.stderr.write("mprof: python helper: %s\n%s\n" % (msg, USAGE))
    sys.exit(2)


def _parse(argv):
    opts = {"lines": False, "output": None, "precision": 3, "backend": "rss",
            "children": False, "max_mem": None, "timestamps": False, "heap": None}
    i = 0
    while i < len(argv) and argv[i] != "--" and argv[i].startswith("--"):
        if argv[i] not in OPTIONS:
            _usage("unknown option %s" % argv[i])
        key, kind = OPTIONS[argv[i]]
        if kind is None:
            opts[key] = True
        elif i + 1 >= len(argv):
            _usage("option %s needs a value" % argv[i])
        else:
            try:
                opts[key] = kind(argv[i + 1])
            except ValueError:
                _usage("option %s: '%s' is not a number" % (argv[i], argv[i + 1]))
            i += 1
        i += 1
    if i < len(argv) and argv[i] == "--":
        i += 1
    rest = argv[i:]
    if not rest:
        _usage("no program to run")
    return opts, rest


def _our_frame(tb):
    name = tb.tb_frame.f_code.co_filename
    return name == __file__ or os.path.basename(name) in ("runpy.py", "mprof_launch.py", "<frozen runpy>")


def _run(target):
    import runpy
    if target[0] == "-m":
        if len(target) < 2:
            _usage("-m needs a module name")
        sys.argv = [target[1]] + target[2:]     # runpy puts the module's path first
        sys.path[0] = os.getcwd()
        try:
            import importlib.util
            found = importlib.util.find_spec(target[1]) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            sys.stderr.write("%s: No module named %s\n" % (sys.executable, target[1]))
            sys.exit(1)
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    elif target[0] == "-c":
        import types
        if len(target) < 2:
            _usage("-c needs a command")
        sys.argv = ["-c"] + target[2:]
        sys.path[0] = ""
        main = types.ModuleType("__main__")
        main.__builtins__ = __builtins__
        sys.modules["__main__"] = main
        exec(compile(target[1], "<string>", "exec"), main.__dict__)
    else:
        script = target[0]
        if not os.path.exists(script):
            sys.stderr.write("%s: can't open file %r: [Errno 2] No such file or directory\n"
                             % (sys.executable, script))
            sys.exit(2)
        sys.argv = list(target)
        sys.path[0] = os.path.dirname(os.path.realpath(script))
        runpy.run_path(script, run_name="__main__")


def main():
    opts, target = _parse(sys.argv[1:])
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path[0] != here:
        sys.path.insert(0, here)
    import mprof_profile
    if opts["lines"]:
        import mprof_lines
        prof = mprof_lines.install(opts["output"], opts["precision"], opts["backend"],
                                   opts["children"], opts["max_mem"], opts["timestamps"])
        mprof_profile.install(prof)
    else:
        mprof_profile.install()
    if opts["heap"]:
        mprof_profile.start_heap(opts["heap"])
    try:
        _run(target)
    except SystemExit:
        raise
    except Exception as e:      # report as python3 would, without our frames
        tb = e.__traceback__
        while tb is not None and _our_frame(tb):
            tb = tb.tb_next
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        sys.exit(1)


if __name__ == "__main__":
    main()
