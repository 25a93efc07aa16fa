#include "pyinject.h"

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- data files ---- */

/* Whether this program runs from the build tree it was built in. */
static bool in_build_tree(void)
{
#ifdef MPROF_BUILD_ROOT
	char *exe = realpath("/proc/self/exe", NULL);
	char *root = realpath(MPROF_BUILD_ROOT, NULL);
	bool in = false;

	if (exe && root) {
		size_t n = strlen(root);

		in = strncmp(exe, root, n) == 0 && exe[n] == '/';
	}
	free(exe);
	free(root);
	return in;
#else
	return false;
#endif
}

char *mprof_data_path(const char *name)
{
	const char *env = getenv("MPROF_DATADIR");
	const char *dir;
	char *path;

	if (env && *env)
		dir = env;
	else if (in_build_tree())
		dir = MPROF_BUILD_DATADIR;
	else
		dir = MPROF_DATADIR;
	path = xasprintf("%s/%s", dir, name);
	if (access(path, R_OK) == 0)
		return path;
	error_errno("cannot find mprof's data file '%s'%s", path,
		    env && *env ? " (from MPROF_DATADIR)" : "");
	free(path);
	return NULL;
}

/* ---- python command lines ---- */

bool python_is_script(const char *prog)
{
	return prog && str_ends_with(prog, ".py");
}

bool python_is_interpreter(const char *prog)
{
	return str_starts_with(path_base(prog), "python");
}

/* Python's own options that take a separate argument. */
static bool python_option_has_arg(const char *opt)
{
	return !strcmp(opt, "-X") || !strcmp(opt, "-W") || !strcmp(opt, "--check-hash-based-pycs");
}

int python_command_opts(char *const *prog, bool explicit_python, const char *const *launcher_opts,
			struct strvec *argv_out)
{
	struct strvec cmd = { 0 };
	char *launcher;
	size_t i = 0;
	bool module = false;

	if (!prog || !prog[0])
		return error("no Python program to run");
	if (explicit_python && python_is_interpreter(prog[0])) {
		strvec_push(&cmd, prog[0]);
		for (i = 1; prog[i] && prog[i][0] == '-' && strcmp(prog[i], "-m") != 0 &&
			    strcmp(prog[i], "-c") != 0; i++) {
			if (!strcmp(prog[i], "-")) {
				error("'%s -': cannot profile a program read from standard input; "
				      "give a script", prog[0]);
				goto fail;
			}
			if (!strcmp(prog[i], "--")) {
				i++;
				break;
			}
			strvec_push(&cmd, prog[i]);
			if (python_option_has_arg(prog[i]) && prog[i + 1])
				strvec_push(&cmd, prog[++i]);
		}
		if (!prog[i]) {
			error("'%s' has no script, -m module or -c command to run", prog[0]);
			goto fail;
		}
		if ((!strcmp(prog[i], "-m") || !strcmp(prog[i], "-c")) && !prog[i + 1]) {
			error("'%s %s' needs an argument", prog[0], prog[i]);
			goto fail;
		}
	} else {
		strvec_push(&cmd, "python3");
		/* The Python tool's "--python MODULE args" */
		module = explicit_python && !python_is_script(prog[0]) && access(prog[0], F_OK) != 0;
	}
	launcher = mprof_data_path(PYTHON_LAUNCHER);
	if (!launcher)
		goto fail;
	strvec_push_nodup(&cmd, launcher);
	for (size_t k = 0; launcher_opts && launcher_opts[k]; k++)
		strvec_push(&cmd, launcher_opts[k]);
	strvec_push(&cmd, "--");
	if (module)
		strvec_push(&cmd, "-m");
	for (; prog[i]; i++)
		strvec_push(&cmd, prog[i]);
	for (size_t k = 0; k < cmd.n; k++)
		strvec_push_nodup(argv_out, cmd.v[k]);
	free(cmd.v);
	return 0;
fail:
	strvec_clear(&cmd);
	return -1;
}

int python_command(char *const *prog, bool explicit_python, struct strvec *argv_out)
{
	return python_command_opts(prog, explicit_python, NULL, argv_out);
}
