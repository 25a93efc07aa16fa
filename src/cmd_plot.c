/* mprof plot: draw profiles to a picture (PNG, JPEG, SVG, SVGZ, PDF, PostScript,
 * EPS), an HTML page, or the terminal. */
#include "commands.h"
#include "follow.h"
#include "options.h"
#include "output.h"
#include "plot_model.h"
#include "plot_write.h"
#include "profile_list.h"
#include "util.h"
#include "view_term.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct plot_args {
	const char *output, *title, *width, *height, *backend, *align;
	bool no_funcs, flame, slope, terminal, window, breakdown, follow;
	double w0, w1, dpi, last;
	enum view_color color;
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

static int last_value(struct opt_parser *p, void *field, const char *arg)
{
	double *v = field;

	if (parse_finite(arg, v) < 0 || *v <= 0)
		return opt_bad_value(p, "'%s' is not a number of seconds > 0", arg);
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
	OPT_STRING(0, "align", "NAME", struct plot_args, align,
		   "overlays: time 0 at each profile's first marker NAME, or\n"
		   "else the first call of function NAME, not at its first sample"),
	OPT_BOOL('s', "slope", struct plot_args, slope, "trend lines and their slopes (MiB/s)"),
	OPT_BOOL(0, "breakdown", struct plot_args, breakdown,
		 "the kinds of memory (mprof run --breakdown), stacked\n"
		 "under the line: anonymous, file-backed, shared, swap"),
	OPT_STRING(0, "width", "PX", struct plot_args, width,
		   "picture width in pixels (default 14 inches at --dpi)"),
	OPT_STRING(0, "height", "PX", struct plot_args, height,
		   "picture height in pixels (default 6 inches at --dpi)\n"
		   "(with --terminal: characters and lines)"),
	OPT_CALLBACK(0, "dpi", "N", struct plot_args, dpi, dpi_value,
		     "resolution: text and lines scale with it (default 90)"),
	OPT_CALLBACK(0, "backend", "NAME", struct plot_args, backend, backend_value,
		     "accepted for the Python tool's scripts, and ignored"),
	OPT_BOOL(0, "follow", struct plot_args, follow,
		 "draw a profile still being written as it grows, until\n"
		 "its run ends (--terminal, q stops; or -o FILE.html)"),
	OPT_CALLBACK(0, "last", "SEC", struct plot_args, last, last_value,
		     "--follow --terminal: show only the last SEC seconds"),
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

/* --width and --height: characters and lines in the terminal, else pixels
 * (and the default size at --dpi). */
static void check_size(const struct plot_args *a, struct plot_options *opt, struct plot_target *to)
{
	long cols = 0, lines = 0;
	int width = 0, height = 0;

	if (to->terminal) {
		if (a->width && (parse_long(a->width, &cols) < 0 || cols < VIEW_TERM_MIN_WIDTH || cols > 1000))
			die_usage("plot", "option --width: '%s': expected characters from %d to 1000", a->width,
				  VIEW_TERM_MIN_WIDTH);
		if (a->height && (parse_long(a->height, &lines) < 0 || lines < VIEW_TERM_MIN_HEIGHT || lines > 1000))
			die_usage("plot", "option --height: '%s': expected lines from %d to 1000", a->height,
				  VIEW_TERM_MIN_HEIGHT);
		to->cols = (int)cols;
		to->lines = (int)lines;
	} else {
		if (a->width && parse_pixels(a->width, &width) < 0)
			die_usage("plot", "option --width: '%s': expected pixels from 100 to 20000", a->width);
		if (a->height && parse_pixels(a->height, &height) < 0)
			die_usage("plot", "option --height: '%s': expected pixels from 100 to 20000", a->height);
	}
	opt->width = width ? width : (int)lround(PLOT_DEFAULT_WIDTH_IN * opt->dpi);
	opt->height = height ? height : (int)lround(PLOT_DEFAULT_HEIGHT_IN * opt->dpi);
	if (opt->width < 100 || opt->width > 20000 || opt->height < 100 || opt->height > 20000)
		die_usage("plot", "option --dpi: %g makes a %d x %d picture; give --width and --height",
			  opt->dpi, opt->width, opt->height);
}

/* The options, and the checks between them (dies on a usage error): opt gets
 * what the model and the scene read, to where the plot goes. Returns the
 * number of arguments, left in argv. */
static int parse_args(struct plot_args *a, struct plot_options *opt, struct plot_target *to,
		      int argc, char **argv)
{
	int nargs = opt_parse(&opt_cmd_plot, a, argc, argv);
	enum plot_view view;

	*to = (struct plot_target){ a->output, a->terminal, 0, 0, a->color };
	if (a->output && !strcmp(a->output, "-"))
		to->terminal = true;
	else if (a->terminal && a->output)
		die_usage("plot", "--terminal draws on standard output: leave out --output %s", a->output);
	*opt = (struct plot_options){ .no_funcs = a->no_funcs, .flame = a->flame, .slope = a->slope,
				      .breakdown = a->breakdown, .window = a->window, .w0 = a->w0, .w1 = a->w1,
				      .dpi = a->dpi, .align = a->align };
	check_size(a, opt, to);
	if (a->last > 0 && !a->follow)
		die_usage("plot", "--last goes with --follow");
	if (a->follow && !to->terminal && !(a->output && (str_ends_with(a->output, ".html") ||
							  str_ends_with(a->output, ".htm"))))
		die_usage("plot", "--follow draws in the terminal (--terminal) or on a page (-o FILE.html)");
	if (plot_view_of(to, &view) < 0)
		die_usage("plot", "option --output: '%s': unknown format; use %s, .html for a page, "
			  "or - for the terminal", a->output, output_format_list());
	return nargs;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_args a = { .dpi = PLOT_DEFAULT_DPI, .color = VIEW_COLOR_AUTO };
	struct plot_options opt;
	struct plot_target to;
	int nargs = parse_args(&a, &opt, &to, argc, argv);
	struct strvec files = { 0 };
	char *title = NULL;
	int rc = EXIT_FAIL;

	if (profile_resolve(argv, nargs, &files) < 0)
		goto cleanup;
	if (a.title)
		opt.title = title = plot_display_text(a.title, strlen(a.title), false);
	if (a.follow) {
		if (files.n != 1)
			die_usage("plot", "--follow draws one profile, not %zu", files.n);
		if (follow_run(files.v[0], &opt, &to, a.last) == 0)
			rc = EXIT_OK;
	} else if (plot_write(files.v, files.n, &opt, &to) == 0) {
		rc = EXIT_OK;
	}
cleanup:
	free(title);
	strvec_clear(&files);
	return rc;
}
