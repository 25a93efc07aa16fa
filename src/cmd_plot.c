/* mprof plot: draw profiles to PNG, SVG or PDF, an HTML page, or the terminal. */
#include "commands.h"
#include "output.h"
#include "plot_model.h"
#include "plot_write.h"
#include "profile_list.h"
#include "util.h"
#include "view_term.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const plot_usage[] = {
	"usage: mprof plot [options] [FILE|INDEX ...]",
	"",
	"Draw profiles written by 'mprof run' (or the Python tool). With no FILE, the",
	"newest mprofile_*.dat in the current directory; several are overlaid.",
	"",
	"  -o, --output FILE     write FILE: .png, .svg, .pdf, or .html (a page to zoom",
	"                        and hover in a browser); default: the profile's name",
	"                        with .png, beside it; '-': draw on standard output",
	"      --terminal        draw in the terminal (as -o -), sized to it",
	"      --color WHEN      terminal colours: auto (a terminal and NO_COLOR unset),",
	"                        always or never",
	"  -t, --title TEXT      title (default: the profiled command line)",
	"  -n, --no-function-ts  no function brackets and no peak lines",
	"  -w, --window T0,T1    only the time from T0 to T1 seconds",
	"  -f, --flame           calls as a flame graph under the plot",
	"  -s, --slope           trend lines and their slopes (MiB/s)",
	"      --width PX        picture width in pixels (default 14 inches at --dpi)",
	"      --height PX       picture height in pixels (default 6 inches at --dpi)",
	"                        (with --terminal: characters and lines)",
	"      --dpi N           resolution: text and lines scale with it (default 90)",
	"      --backend NAME    accepted for the Python tool's scripts, and ignored",
	"  -h, --help            this help",
	NULL,
};

enum {
	OPT_WIDTH = 256,
	OPT_HEIGHT,
	OPT_DPI,
	OPT_BACKEND,
	OPT_TERMINAL,
	OPT_COLOR,
};

static const struct option plot_options_table[] = {
	{ "output",         required_argument, NULL, 'o' },
	{ "title",          required_argument, NULL, 't' },
	{ "no-function-ts", no_argument,       NULL, 'n' },
	{ "window",         required_argument, NULL, 'w' },
	{ "flame",          no_argument,       NULL, 'f' },
	{ "slope",          no_argument,       NULL, 's' },
	{ "width",          required_argument, NULL, OPT_WIDTH },
	{ "height",         required_argument, NULL, OPT_HEIGHT },
	{ "dpi",            required_argument, NULL, OPT_DPI },
	{ "backend",        required_argument, NULL, OPT_BACKEND },
	{ "terminal",       no_argument,       NULL, OPT_TERMINAL },
	{ "color",          required_argument, NULL, OPT_COLOR },
	{ "help",           no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void print_usage(FILE *f)
{
	for (size_t i = 0; plot_usage[i]; i++)
		fprintf(f, "%s\n", plot_usage[i]);
}

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

static int parse_pixels(const char *arg, int *out)
{
	long v;

	if (parse_long(arg, &v) < 0 || v < 100 || v > 20000)
		return -1;
	*out = (int)v;
	return 0;
}

/* What the options left for the plot itself. */
struct plot_args {
	const char *out, *title, *width, *height;
	bool terminal;
	enum view_color color;
};

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

/* The options checked, the profiles found, the plot drawn by plot_write. */
static int plot_files(int argc, char **argv, struct plot_options *opt, const struct plot_args *a)
{
	struct plot_target to = { a->out, a->terminal, 0, 0, a->color };
	struct strvec files = { 0 };
	enum plot_view view;
	char *title = NULL;
	int rc = EXIT_FAIL;

	if (a->out && !strcmp(a->out, "-"))
		to.terminal = true;
	else if (a->terminal && a->out)
		die_usage("plot", "--terminal draws on standard output: leave out --output %s", a->out);
	check_size(a, opt, &to);
	if (plot_view_of(&to, &view) < 0)
		die_usage("plot", "option --output: '%s': unknown format; use %s, .html for a page, "
			  "or - for the terminal", a->out, output_format_list());
	if (profile_resolve(argv, argc, &files) < 0)
		goto cleanup;
	if (a->title)
		opt->title = title = plot_display_text(a->title, strlen(a->title), false);
	if (plot_write(files.v, files.n, opt, &to) == 0)
		rc = EXIT_OK;
cleanup:
	free(title);
	strvec_clear(&files);
	return rc;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_options opt = { .dpi = PLOT_DEFAULT_DPI };
	const char *out_arg = NULL, *title_arg = NULL;
	int c;
	const char *width_arg = NULL, *height_arg = NULL;
	bool terminal = false;
	enum view_color color = VIEW_COLOR_AUTO;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:t:nw:fsh", plot_options_table, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_arg = optarg;
			break;
		case 't':
			title_arg = optarg;
			break;
		case 'n':
			opt.no_funcs = true;
			break;
		case 'w':
			if (parse_window(optarg, &opt.w0, &opt.w1) < 0)
				die_usage("plot", "option --window: '%s': expected T0,T1 in seconds with T0 < T1",
					  optarg);
			opt.window = true;
			break;
		case 'f':
			opt.flame = true;
			break;
		case 's':
			opt.slope = true;
			break;
		case OPT_WIDTH:
			width_arg = optarg; /* pixels, or characters with --terminal */
			break;
		case OPT_HEIGHT:
			height_arg = optarg;
			break;
		case OPT_TERMINAL:
			terminal = true;
			break;
		case OPT_COLOR:
			if (view_color_parse(optarg, &color) < 0)
				die_usage("plot", "option --color: '%s': expected auto, always or never", optarg);
			break;
		case OPT_DPI:
			if (parse_finite(optarg, &opt.dpi) < 0 || opt.dpi < 10 || opt.dpi > 1200)
				die_usage("plot", "option --dpi: '%s': expected a number from 10 to 1200", optarg);
			break;
		case OPT_BACKEND:
			fprintf(stderr, "mprof plot: note: --backend %s ignored (mprof draws with cairo)\n", optarg);
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case ':':
			die_usage("plot", "option %s needs a value", argv[optind - 1]);
		default:
			if (optopt)
				die_usage("plot", "unknown option -%c", optopt);
			die_usage("plot", "unknown option %s", argv[optind - 1]);
		}
	}
	return plot_files(argc - optind, argv + optind, &opt,
			  &(struct plot_args){ out_arg, title_arg, width_arg, height_arg, terminal, color });
}
