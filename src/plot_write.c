#include "plot_write.h"

#include "output.h"
#include "plot_draw.h"
#include "plot_model.h"
#include "scene.h"
#include "util.h"
#include "view_html.h"
#include "view_term.h"

#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool is_html(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcasecmp(path + n - 5, ".html")) || (n > 4 && !strcasecmp(path + n - 4, ".htm"));
}

int plot_view_of(const struct plot_target *to, enum plot_view *view)
{
	enum output_format fmt;

	if (to->terminal || (to->output && !strcmp(to->output, "-")))
		*view = PLOT_VIEW_TERMINAL;
	else if (to->output && is_html(to->output))
		*view = PLOT_VIEW_HTML;
	else if (!to->output || output_format_of(to->output, &fmt) == 0)
		*view = PLOT_VIEW_PICTURE;
	else
		return -1;
	return 0;
}

/* name.dat -> name.png beside it */
static char *default_output(const char *profile)
{
	size_t n = strlen(profile);

	if (str_ends_with(profile, ".dat"))
		n -= 4;
	return xasprintf("%.*s.png", (int)n, profile);
}

/* Buckets to read with: finer than the picture's pixels; for a page, much
 * finer, for zooming. */
static size_t buckets_for(enum plot_view view, const struct plot_options *opt)
{
	size_t n = PLOT_DEFAULT_BUCKETS;

	if (view == PLOT_VIEW_HTML)
		return VIEW_HTML_BUCKETS;
	while (n < (size_t)opt->width * 4)
		n *= 2;
	return n;
}

/* The picture: a cairo surface for the format, the scene drawn on it. */
static int write_picture(const struct scene *sc, const struct plot_options *opt, const char *path)
{
	enum output_format fmt = OUTPUT_PNG;
	struct output out;
	cairo_t *cr;

	if (output_format_of(path, &fmt) < 0)
		return error("'%s': unknown format", path);
	if (output_open(&out, path, fmt, opt->width, opt->height, opt->dpi, sc->title ? sc->title : "mprof") < 0)
		return -1;
	cr = cairo_create(out.surface);
	if (out.vector)
		cairo_scale(cr, out.scale, out.scale);
	plot_render(cr, sc, opt, out.vector, NULL);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		error("cannot draw '%s': %s", path, cairo_status_to_string(cairo_status(cr)));
		cairo_destroy(cr);
		output_abort(&out);
		return -1;
	}
	cairo_destroy(cr);
	return output_finish(&out);
}

static int write_view(const struct scene *sc, enum plot_view view, const struct plot_options *opt,
		      const struct plot_target *to, const char *first)
{
	struct view_term_options tv;
	char *path;
	int rc;

	switch (view) {
	case PLOT_VIEW_TERMINAL:
		view_term_resolve(&tv, STDOUT_FILENO, to->cols, to->lines, to->color);
		return view_term_write(stdout, sc, &tv);
	case PLOT_VIEW_HTML:
		return view_html_write(to->output, sc);
	case PLOT_VIEW_PICTURE:
		break;
	}
	path = to->output ? xstrdup(to->output) : default_output(first);
	rc = write_picture(sc, opt, path);
	if (rc == 0 && !to->output)
		printf("%s\n", path);
	free(path);
	return rc;
}

int plot_write(char *const *paths, size_t n, const struct plot_options *opt, const struct plot_target *to)
{
	struct plot_model *models = xcalloc(n + 1, sizeof(*models));
	enum plot_view view;
	struct scene sc;
	size_t loaded = 0;
	int rc = -1;

	if (plot_view_of(to, &view) < 0) {
		error("'%s': unknown format", to->output);
		goto cleanup;
	}
	for (; loaded < n; loaded++)
		if (plot_model_read(&models[loaded], paths[loaded], opt, buckets_for(view, opt)) < 0 ||
		    (opt->align && plot_model_align(&models[loaded], opt->align) < 0)) {
			loaded++;
			goto cleanup;
		}
	if (scene_build(&sc, models, n, opt) < 0)
		goto cleanup;
	rc = write_view(&sc, view, opt, to, paths[0]);
	scene_release(&sc);
cleanup:
	for (size_t i = 0; i < loaded; i++)
		plot_model_release(&models[i]);
	free(models);
	return rc;
}
