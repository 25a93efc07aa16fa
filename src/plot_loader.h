/* plot_loader: the plot module, loaded on demand (see plot_loader.c). */
#ifndef MPROF_PLOT_LOADER_H
#define MPROF_PLOT_LOADER_H

/* A function of the plot module, loading it the first time; NULL (reported)
 * when the module or the name cannot be found. */
void *plot_module_symbol(const char *name);

#endif
