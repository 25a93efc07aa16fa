/* mprof plot: draw profiles to a picture (PNG, JPEG, SVG, SVGZ, PDF, PostScript,
 * EPS), an HTML page, or the terminal. */
#include "commands.h"
#include "options.h"
#include "output.h"
#include "plot_draw.h"
#include "plot_model.h"
#include "profile_list.h"
#include "util.h"
#include "view_html.h"
#include "view_term.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct plot_args {
	const char *output, *title, *width, *height, *backend;
	bool no_funcs, flame, slope, terminal, window;
	double w0, w1, dpi;
	enum view_color color;
	/* from the above, once all are read */
	bool html;
	long cols, lines;          /* --terminal: its size; 0: the terminal's */
	enum output_format fmt;    /* a picture's */
};

static int parse_window(const char *arg, double *w0, double *w1)
{
	const char *comma = strchr(arg, ',');
	char *a;
	int rc;

	if (!comma || strchr(comma + 1, ','))
		return -1;
	a = xstrndup(arg, (size_t)(comma - arg));
	rc = parse_finite(a, w0) == 0 && parse_finite(comma + 1, w1) == 0 && *w0 < *w1 ? 0 : -1;
	free(a);
	return rc;
}

static int window_value(struct opt_parser *p, void *field, const char *arg)
{
	struct plot_args *a = p->values;

	if (parse_window(arg, &a->w0, &a->w1) < 0)
		return opt_bad_value(p, "'%s': expected T0,T1 in seconds with T0 < T1", arg);
	*(bool *)field = true;
	return 0;
}

static int color_value(struct opt_parser *p, void *field, const char *arg)
{
	if (view_color_parse(arg, field) < 0)
		return opt_bad_value(p, "'%s': expected auto, always or never", arg);
	return 0;
}

static int dpi_value(struct opt_parser *p, void *field, const char *arg)
{
	double *dpi = field;

	if (parse_finite(arg, dpi) < 0 || *dpi < 10 || *dpi > 1200)
		return opt_bad_value(p, "'%s': expected a number from 10 to 1200", arg);
	return 0;
}

static int backend_value(struct opt_parser *p, void *field, const char *arg)
{
	*(const char **)field = arg;
	fprintf(stderr, "mprof plot: note: --backend %s ignored (mprof draws with cairo)\n", arg);
	return 0;
}

static const struct opt plot_opts[] = {
	OPT_STRING('o', "output", "FILE", struct plot_args, output,
		   "write FILE: .png, .jpg (.jpeg), .svg, .svgz, .pdf, .ps,\n"
		   ".eps, or .html (a page to zoom and hover in a\n"
		   "browser); default: the profile's name with .png,\n"
		   "beside it; '-': draw on standard output"),
	OPT_BOOL(0, "terminal", struct plot_args, terminal, "draw in the terminal (as -o -), sized to it"),
	OPT_CALLBACK(0, "color", "WHEN", struct plot_args, color, color_value,
		     "terminal colours: auto (a terminal and NO_COLOR unset),\n"
		     "always or never"),
	OPT_STRING('t', "title", "TEXT", struct plot_args, title,
		   "title (default: the profiled command line)"),
	OPT_BOOL('n', "no-function-ts", struct plot_args, no_funcs, "no function brackets and no peak lines"),
	OPT_CALLBACK('w', "window", "T0,T1", struct plot_args, window, window_value,
		     "only the time from T0 to T1 seconds"),
	OPT_BOOL('f', "flame", struct plot_args, flame, "calls as a flame graph under the plot"),
	OPT_BOOL('s', "slope", struct plot_args, slope, "trend lines and their slopes (MiB/s)"),
	OPT_STRING(0, "width", "PX", struct plot_args, width,
		   "picture width in pixels (default 14 inches at --dpi)"),
	OPT_STRING(0, "height", "PX", struct plot_args, height,
		   "picture height in pixels (default 6 inches at --dpi)\n"
		   "(with --terminal: characters and lines)"),
	OPT_CALLBACK(0, "dpi", "N", struct plot_args, dpi, dpi_value,
		     "resolution: text and lines scale with it (default 90)"),
	OPT_CALLBACK(0, "backend", "NAME", struct plot_args, backend, backend_value,
		     "accepted for the Python tool's scripts, and ignored"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_plot = {
	"plot", OPT_USAGE("mprof plot [options] [FILE|INDEX ...]"),
	"Draw profiles written by 'mprof run' (or the Python tool). With no FILE, the\n"
	"newest mprofile_*.dat in the current directory; several are overlaid. An\n"
	"integer is an index (0 the oldest profile, -1 the newest), as in 'mprof list'.\n",
	plot_opts, NULL, 0,
};

static int parse_pixels(const char *arg, int *out)
{
	long v;

	if (parse_long(arg, &v) < 0 || v < 100 || v > 20000)
		return -1;
	*out = (int)v;
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

static bool is_html(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && !strcasecmp(path + n - 5, ".html")) || (n > 4 && !strcasecmp(path + n - 4, ".htm"));
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The options, and the checks between them (dies on a usage error); opt gets
 * what the views read. Returns the number of arguments, left in argv. */
static int parse_args(struct plot_args *a, struct plot_options *opt, int argc, char **argv)
{
	int width = 0, height = 0, nargs = opt_parse(&opt_cmd_plot, a, argc, argv);

	if (a->output && !strcmp(a->output, "-"))
		a->terminal = true;
	else if (a->terminal && a->output)
		die_usage("plot", "--terminal draws on standard output: leave out --output %s", a->output);
	a->html = a->output && is_html(a->output);
	if (a->terminal) {
		if (a->width && (parse_long(a->width, &a->cols) < 0 || a->cols < VIEW_TERM_MIN_WIDTH ||
				 a->cols > 1000))
			die_usage("plot", "option --width: '%s': expected characters from %d to 1000", a->width,
				  VIEW_TERM_MIN_WIDTH);
		if (a->height && (parse_long(a->height, &a->lines) < 0 || a->lines < VIEW_TERM_MIN_HEIGHT ||
				  a->lines > 1000))
			die_usage("plot", "option --height: '%s': expected lines from %d to 1000", a->height,
				  VIEW_TERM_MIN_HEIGHT);
	} else {
		if (a->width && parse_pixels(a->width, &width) < 0)
			die_usage("plot", "option --width: '%s': expected pixels from 100 to 20000", a->width);
		if (a->height && parse_pixels(a->height, &height) < 0)
			die_usage("plot", "option --height: '%s': expected pixels from 100 to 20000", a->height);
	}
	*opt = (struct plot_options){ .no_funcs = a->no_funcs, .flame = a->flame, .slope = a->slope,
				      .window = a->window, .w0 = a->w0, .w1 = a->w1, .dpi = a->dpi };
	opt->width = width ? width : (int)lround(PLOT_DEFAULT_WIDTH_IN * opt->dpi);
	opt->height = height ? height : (int)lround(PLOT_DEFAULT_HEIGHT_IN * opt->dpi);
	if (opt->width < 100 || opt->width > 20000 || opt->height < 100 || opt->height > 20000)
		die_usage("plot", "option --dpi: %g makes a %d x %d picture; give --width and --height",
			  opt->dpi, opt->width, opt->height);
	if (a->output && !a->terminal && !a->html && output_format_of(a->output, &a->fmt) < 0)
		die_usage("plot", "option --output: '%s': unknown format; use %s, .html for a page, "
			  "or - for the terminal", a->output, output_format_list());
	return nargs;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_args a = { .dpi = PLOT_DEFAULT_DPI, .color = VIEW_COLOR_AUTO, .fmt = OUTPUT_PNG };
	struct plot_options opt;
	int nargs = parse_args(&a, &opt, argc, argv);
	struct plot_model_config cfg = { 0 };
	const char *out_arg = a.output, *title_arg = a.title;
	char *out_path = NULL, *title = NULL;
	struct strvec files = { 0 };
	struct plot_model *models = NULL;
	const char **names = NULL;
	enum output_format fmt = a.fmt;
	struct output out;
	cairo_t *cr;
	int rc = EXIT_FAIL;
	bool terminal = a.terminal, html = a.html;
	long cols = a.cols, lines = a.lines;
	enum view_color color = a.color;
	size_t loaded = 0;

	if (profile_resolve(argv, nargs, &files) < 0)
		goto cleanup;

	cfg.window = opt.window;
	cfg.w0 = opt.w0;
	cfg.w1 = opt.w1;
	cfg.slope = opt.slope;
	cfg.nbuckets = PLOT_DEFAULT_BUCKETS;
	while (cfg.nbuckets < (size_t)opt.width * 4)
		cfg.nbuckets *= 2;
	if (html)
		cfg.nbuckets = VIEW_HTML_BUCKETS; /* finer, for zooming */
	models = xcalloc(files.n, sizeof(*models));
	names = xcalloc(files.n, sizeof(*names));
	for (size_t i = 0; i < files.n; i++, loaded++) {
		if (plot_model_read(&models[i], files.v[i], &cfg) < 0)
			goto cleanup;
		names[i] = base_name(files.v[i]);
	}
	if (title_arg)
		opt.title = title = plot_display_text(title_arg, strlen(title_arg), false);

	if (terminal || html) {
		struct view_term_options tv;

		view_term_resolve(&tv, STDOUT_FILENO, (int)cols, (int)lines, color);
		if (terminal ? view_term_write(stdout, models, files.n, names, &opt, &tv) :
			       view_html_write(out_arg, models, files.n, names, &opt))
			goto cleanup;
		rc = EXIT_OK;
		goto cleanup;
	}
	out_path = out_arg ? xstrdup(out_arg) : default_output(files.v[0]);
	if (output_open(&out, out_path, fmt, opt.width, opt.height, opt.dpi,
			opt.title ? opt.title : models[0].cmdline) < 0)
		goto cleanup;
	cr = cairo_create(out.surface);
	if (out.vector)
		cairo_scale(cr, out.scale, out.scale);
	plot_render(cr, models, files.n, names, &opt, out.vector);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		error("cannot draw '%s': %s", out_path, cairo_status_to_string(cairo_status(cr)));
		cairo_destroy(cr);
		output_abort(&out);
		goto cleanup;
	}
	cairo_destroy(cr);
	if (output_finish(&out) < 0)
		goto cleanup;
	if (!out_arg)
		printf("%s\n", out_path);
	rc = EXIT_OK;
cleanup:
	for (size_t i = 0; i < loaded; i++)
		plot_model_release(&models[i]);
	free(models);
	free(names);
	free(out_path);
	free(title);
	strvec_clear(&files);
	return rc;
}
