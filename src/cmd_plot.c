/* mprof plot: draw profiles to a picture (PNG, JPEG, SVG, SVGZ, PDF, PostScript,
 * EPS), an HTML page, or the terminal. */
#include "commands.h"
#include "output.h"
#include "plot_draw.h"
#include "plot_model.h"
#include "profile_list.h"
#include "util.h"
#include "view_html.h"
#include "view_term.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const plot_usage[] = {
	"usage: mprof plot [options] [FILE|INDEX ...]",
	"",
	"Draw profiles written by 'mprof run' (or the Python tool). With no FILE, the",
	"newest mprofile_*.dat in the current directory; several are overlaid.",
	"",
	"  -o, --output FILE     write FILE: .png, .jpg (.jpeg), .svg, .svgz, .pdf, .ps,",
	"                        .eps, or .html (a page to zoom and hover in a",
	"                        browser); default: the profile's name with .png,",
	"                        beside it; '-': draw on standard output",
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

int cmd_plot(int argc, char **argv)
{
	struct plot_options opt = { .dpi = PLOT_DEFAULT_DPI };
	struct plot_model_config cfg = { 0 };
	const char *out_arg = NULL, *title_arg = NULL;
	char *out_path = NULL, *title = NULL;
	struct strvec files = { 0 };
	struct plot_model *models = NULL;
	const char **names = NULL;
	enum output_format fmt = OUTPUT_PNG;
	struct output out;
	cairo_t *cr;
	int width = 0, height = 0, c, rc = EXIT_FAIL;
	const char *width_arg = NULL, *height_arg = NULL;
	bool terminal = false, html = false;
	long cols = 0, lines = 0;
	enum view_color color = VIEW_COLOR_AUTO;
	size_t loaded = 0;

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
	if (out_arg && !strcmp(out_arg, "-"))
		terminal = true;
	else if (terminal && out_arg)
		die_usage("plot", "--terminal draws on standard output: leave out --output %s", out_arg);
	html = out_arg && is_html(out_arg);
	if (terminal) {
		if (width_arg && (parse_long(width_arg, &cols) < 0 || cols < VIEW_TERM_MIN_WIDTH || cols > 1000))
			die_usage("plot", "option --width: '%s': expected characters from %d to 1000", width_arg,
				  VIEW_TERM_MIN_WIDTH);
		if (height_arg && (parse_long(height_arg, &lines) < 0 || lines < VIEW_TERM_MIN_HEIGHT ||
				   lines > 1000))
			die_usage("plot", "option --height: '%s': expected lines from %d to 1000", height_arg,
				  VIEW_TERM_MIN_HEIGHT);
	} else {
		if (width_arg && parse_pixels(width_arg, &width) < 0)
			die_usage("plot", "option --width: '%s': expected pixels from 100 to 20000", width_arg);
		if (height_arg && parse_pixels(height_arg, &height) < 0)
			die_usage("plot", "option --height: '%s': expected pixels from 100 to 20000", height_arg);
	}
	opt.width = width ? width : (int)lround(PLOT_DEFAULT_WIDTH_IN * opt.dpi);
	opt.height = height ? height : (int)lround(PLOT_DEFAULT_HEIGHT_IN * opt.dpi);
	if (opt.width < 100 || opt.width > 20000 || opt.height < 100 || opt.height > 20000)
		die_usage("plot", "option --dpi: %g makes a %d x %d picture; give --width and --height",
			  opt.dpi, opt.width, opt.height);
	if (out_arg && !terminal && !html && output_format_of(out_arg, &fmt) < 0)
		die_usage("plot", "option --output: '%s': unknown format; use %s, .html for a page, "
			  "or - for the terminal", out_arg, output_format_list());
	if (profile_resolve(argv + optind, argc - optind, &files) < 0)
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
