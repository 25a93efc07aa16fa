/* plot_loader: 'mprof plot' lives in a module (mprof-plot.so) with cairo and
 * libpng, loaded only when plotting, so that run, mark and the other commands
 * start without them. The module sits beside the program in the build tree and
 * in $libdir/mprof once installed; MPROF_PLUGINDIR overrides both. */
#include "commands.h"
#include "plot_loader.h"
#include "config.h"
#include "util.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLOT_MODULE "mprof-plot.so"

static void *open_module(char **tried)
{
	const char *env = getenv("MPROF_PLUGINDIR");
	char exe[PATH_MAX];
	ssize_t n;
	void *h;

	if (env && *env) {
		*tried = xasprintf("%s/%s", env, PLOT_MODULE);
		return dlopen(*tried, RTLD_NOW | RTLD_LOCAL);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			*tried = xasprintf("%s/%s", exe, PLOT_MODULE);
			if (access(*tried, F_OK) == 0)
				return dlopen(*tried, RTLD_NOW | RTLD_LOCAL);
			free(*tried);
		}
	}
	*tried = xasprintf("%s/%s", MPROF_PLUGINDIR, PLOT_MODULE);
	h = dlopen(*tried, RTLD_NOW | RTLD_LOCAL);
	return h;
}

void *plot_module_symbol(const char *name)
{
	static void *h;
	char *path = NULL;
	void *fn;

	if (!h)
		h = open_module(&path);
	if (!h) {
		error("plotting is not available: %s", dlerror());
		free(path);
		return NULL;
	}
	free(path);
	fn = dlsym(h, name);
	if (!fn)
		error("plotting is not available: the module has no %s", name);
	return fn;
}

int cmd_plot_module(int argc, char **argv)
{
	char *path = NULL;
	void *h = open_module(&path);
	int (*fn)(int, char **);

	if (!h)
		die("plotting is not available: %s", dlerror());
	*(void **)&fn = dlsym(h, "cmd_plot");
	if (!fn)
		die("plotting is not available: '%s' has no cmd_plot", path);
	free(path);
	/* The module stays loaded until the program exits. */
	return fn(argc, argv);
}
