/* pyinject: running Python programs with mprof's `profile` injected, and
 * finding mprof's data files.
 *
 * The Python helper (data/python/mprof_launch.py) makes `profile` a builtin and
 * the `profile` of `memory_profiler`, then runs the program as python3 would.
 */
#ifndef MPROF_PYINJECT_H
#define MPROF_PYINJECT_H

#include "util.h"

#include <stdbool.h>

/* The launcher, relative to the data directory. */
#define PYTHON_LAUNCHER "python/mprof_launch.py"

/* The path of data file `name`: under $MPROF_DATADIR if set, else under the
 * source tree's data/ when this program runs from its build tree, else under
 * the installed data directory. Caller frees. NULL (reported) if it is not
 * there. */
char *mprof_data_path(const char *name);

/* Whether prog (argv[0] of a target) is a Python script mprof runs under
 * python3 without being told: its name ends in ".py". */
bool python_is_script(const char *prog);

/* Whether prog names a Python interpreter: its base name starts with
 * "python" (python3, python3.12, /usr/bin/python). */
bool python_is_interpreter(const char *prog);

/* Fill argv_out (appended to) with the command that runs prog under python3
 * with the launcher:
 *   explicit_python false:  prog is "script.py args..."
 *   explicit_python true:   prog is "python3 [options] script.py args...",
 *                           "python3 [options] -m module args...",
 *                           "python3 [options] -c code args...", or, when
 *                           prog[0] is not a python interpreter, "script args..."
 *                           (an existing file or a *.py) or "module args...".
 * -1 (reported) if the launcher is missing or prog names nothing to run. */
int python_command(char *const *prog, bool explicit_python, struct strvec *argv_out);

/* The same, with options for the launcher itself (NULL-terminated, may be
 * NULL), e.g. { "--lines", NULL }. */
int python_command_opts(char *const *prog, bool explicit_python, const char *const *launcher_opts,
			struct strvec *argv_out);

#endif
