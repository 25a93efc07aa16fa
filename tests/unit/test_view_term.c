/* mprof plot --terminal: golden drawings at fixed sizes, with and without
 * colour, and how the size and the colours are chosen.
 *
 * To rewrite the golden files after a deliberate change:
 *   MPROF_UPDATE_GOLDEN=1 meson test -C BUILD view_term
 * then read the diff of tests/data/term/ before committing it. */
#include "testlib.h"
#include "plot_model.h"
#include "util.h"
#include "view_term.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- golden drawings ---- */

static const struct {
	const char *golden;           /* tests/data/term/NAME */
	const char *files[3];         /* fixtures */
	const char *args[6];          /* options before the files */
} goldens[] = {
	{ "plain-80x24.txt", { "plain.dat" }, { "--width=80", "--height=24", "--color=never" } },
	{ "plain-80x24-color.txt", { "plain.dat" }, { "--width=80", "--height=24", "--color=always" } },
	{ "details-nested-100x30.txt", { "details-nested.dat" }, { "--width=100", "--height=30", "--color=never" } },
	{ "details-nested-100x30-color.txt", { "details-nested.dat" },
	  { "--width=100", "--height=30", "--color=always" } },
	{ "details-nested-60x16.txt", { "details-nested.dat" }, { "--width=60", "--height=16", "--color=never" } },
	{ "details-nested-window-80x20.txt", { "details-nested.dat" },
	  { "--width=80", "--height=20", "--color=never", "-w", "0.5,1.25" } },
	{ "details-nested-n-80x20.txt", { "details-nested.dat" },
	  { "--width=80", "--height=20", "--color=never", "-n" } },
	{ "legacy-5field-func-90x24.txt", { "legacy-5field-func.dat" },
	  { "--width=90", "--height=24", "--color=never" } },
	{ "multiprocess-72x20.txt", { "multiprocess.dat" }, { "--width=72", "--height=20", "--color=never" } },
	{ "multiprocess-72x20-color.txt", { "multiprocess.dat" }, { "--width=72", "--height=20", "--color=always" } },
	{ "include-children-50x12.txt", { "include-children.dat" },
	  { "--width=50", "--height=12", "--color=never" } },
	{ "steps-10ms-slope-80x24.txt", { "steps-10ms.dat" },
	  { "--width=80", "--height=24", "--color=never", "-s" } },
	{ "overlay-plain-details-80x24-color.txt", { "plain.dat", "details-nested.dat" },
	  { "--width=80", "--height=24", "--color=always" } },
	/* a child with its name, markers, the kernel's peak, an unfinished call */
	{ "extras-70x18-color.txt", { "term/extras.dat" }, { "--width=70", "--height=18", "--color=always" } },
	{ "extras-window-70x18.txt", { "term/extras.dat" },
	  { "--width=70", "--height=18", "--color=never", "-w", "0.2,0.8" } },
	/* --breakdown: the kinds stacked under the line; the Python heap's line */
	{ "kinds-breakdown-72x20.txt", { "term/kinds.dat" }, { "--width=72", "--height=20", "--color=never", "--breakdown" } },
	{ "kinds-breakdown-72x20-color.txt", { "term/kinds.dat" },
	  { "--width=72", "--height=20", "--color=always", "--breakdown" } },
	/* a run in a cgroup: its breakdown stacked under its charge */
	{ "cgroup-breakdown-72x20.txt", { "term/cgroup.dat" },
	  { "--width=72", "--height=20", "--color=never", "--breakdown" } },
	{ "cgroup-breakdown-72x20-color.txt", { "term/cgroup.dat" },
	  { "--width=72", "--height=20", "--color=always", "--breakdown" } },
	/* memory pressure: the stall rates in a lane under the tick labels */
	{ "pressure-72x20.txt", { "term/pressure.dat" }, { "--width=72", "--height=20", "--color=never" } },
	{ "pressure-72x20-color.txt", { "term/pressure.dat" }, { "--width=72", "--height=20", "--color=always" } },
	/* interval peaks: a band up to each interval's peak, a child's too */
	{ "ipeak-spikes-72x20.txt", { "term/ipeak-spikes.dat" }, { "--width=72", "--height=20", "--color=never" } },
	{ "ipeak-spikes-72x20-color.txt", { "term/ipeak-spikes.dat" },
	  { "--width=72", "--height=20", "--color=always" } },
};

static void run_plot(struct tl_result *r, const char *const *args, const char *const *files,
		     const char *const *env)
{
	const char *argv[16];
	char *paths[3] = { NULL };
	size_t n = 0;

	argv[n++] = "mprof";
	argv[n++] = "plot";
	argv[n++] = "--terminal";
	for (size_t i = 0; i < 6 && args[i]; i++)
		argv[n++] = args[i];
	for (size_t i = 0; i < 3 && files[i]; i++)
		argv[n++] = paths[i] = str_starts_with(files[i], "term/") ? tl_data(files[i]) : tl_fixture(files[i]);
	argv[n] = NULL;
	tl_run_env(r, NULL, env, 60, argv);
	for (size_t i = 0; i < 3; i++)
		free(paths[i]);
}

/* Cells a line takes: code points, escape sequences left out. */
static int line_cells(const char *s, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\033') {
			while (i < len && s[i] != 'm')
				i++;
			continue;
		}
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	}
	return n;
}

static const char *const golden_env[] = { "TZ=UTC", NULL };

START_TEST(test_golden)
{
	struct tl_result r;
	char *name = xasprintf("term/%s", goldens[_i].golden), *path = tl_data(name), *want;
	const char *up = getenv("MPROF_UPDATE_GOLDEN");
	int width = 0, height = 0, lines = 0;

	run_plot(&r, goldens[_i].args, goldens[_i].files, golden_env);
	ck_assert_msg(r.status == 0, "%s: exit %d: %s", goldens[_i].golden, r.status, r.err);
	ck_assert_str_eq(r.err, "");
	if (up && *up) {
		tl_write_file(path, r.out);
		fprintf(stderr, "wrote %s\n", path);
	}
	want = tl_read_file(path, NULL);
	ck_assert_msg(want != NULL, "missing golden file %s (MPROF_UPDATE_GOLDEN=1 writes it)", path);
	ck_assert_msg(strcmp(r.out, want) == 0, "%s differs; got:\n%s", goldens[_i].golden, r.out);

	/* exactly the size asked for: as many lines, none wider */
	for (size_t i = 0; goldens[_i].args[i]; i++) {
		sscanf(goldens[_i].args[i], "--width=%d", &width);
		sscanf(goldens[_i].args[i], "--height=%d", &height);
	}
	for (const char *p = r.out, *nl; *p; p = nl + 1, lines++) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_le(line_cells(p, (size_t)(nl - p)), width);
	}
	ck_assert_int_eq(lines, height);
	ck_assert_int_eq(strstr(goldens[_i].golden, "color") != NULL, strchr(r.out, '\033') != NULL);
	free(want);
	free(path);
	free(name);
	tl_result_free(&r);
}
END_TEST

/* ---- what the drawings must show ---- */

static const struct {
	const char *file;
	const char *args[4];
	const char *want[4];      /* substrings of the output */
	const char *not_want;
} shows[] = {
	/* axes in MiB and seconds, the peak marked and labelled */
	{ "plain.dat", { "--width=80", "--height=24" },
	  { "MiB", "1.0", "\u25cf", "peak 181.9 MiB at 1.005 s" }, NULL },
	/* calls as labelled bars, nested calls on their own rows */
	{ "details-nested.dat", { "--width=120", "--height=30" },
	  { "\u251cgrow 0.621 s", "\u251cchurn_phase 0.485 s", "\u251cchurn 0.385 s", "\u251cgrow 0.203 s" }, NULL },
	/* -n: no bars, no peak */
	{ "details-nested.dat", { "--width=120", "--height=30", "-n" }, { "MiB" }, "grow" },
	/* markers, the kernel's peak */
	{ "term/extras.dat", { "--width=70", "--height=18" },
	  { "\u25b2a", "\u25b2b", "\u2508 kernel peak 5.00 MiB", "child 7 (kid)" }, NULL },
	/* children in the legend */
	{ "multiprocess.dat", { "--width=100", "--height=24" },
	  { "child 9383", "child 9384", "child 9385" }, NULL },
	/* small: the short peak label */
	{ "steps-10ms.dat", { "--width=40", "--height=10" }, { "\u25cf", "201.3 MiB" }, "peak 201" },
	/* wide: the long peak label; the unit after the time labels */
	{ "steps-10ms.dat", { "--width=130", "--height=20" }, { "2.0       s\n", "peak 201.3 MiB at 1.094 s" }, NULL },
};

START_TEST(test_shows)
{
	struct tl_result r;
	const char *files[] = { shows[_i].file, NULL };

	run_plot(&r, shows[_i].args, files, golden_env);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	for (size_t k = 0; k < 4 && shows[_i].want[k]; k++)
		ck_assert_msg(strstr(r.out, shows[_i].want[k]), "'%s' missing from:\n%s", shows[_i].want[k], r.out);
	if (shows[_i].not_want)
		ck_assert_msg(!strstr(r.out, shows[_i].not_want), "'%s' in:\n%s", shows[_i].not_want, r.out);
	/* standard output is a pipe here: no colours unless asked for */
	ck_assert_ptr_null(strchr(r.out, '\033'));
	tl_result_free(&r);
}
END_TEST

/* ---- size and colours ---- */

START_TEST(test_size_from_env)
{
	const char *const env[] = { "COLUMNS=64", "LINES=15", "TZ=UTC", NULL };
	const char *const args[] = { NULL };
	const char *const files[] = { "plain.dat", NULL };
	struct tl_result r;
	int lines = 0, widest = 0;

	run_plot(&r, args, files, env);
	ck_assert_int_eq(r.status, 0);
	for (const char *p = r.out, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++)
		if (line_cells(p, (size_t)(nl - p)) > widest)
			widest = line_cells(p, (size_t)(nl - p));
	ck_assert_int_eq(lines, 14); /* LINES less one for the prompt */
	ck_assert_int_le(widest, 64);
	ck_assert_int_ge(widest, 60);
	tl_result_free(&r);
}
END_TEST

START_TEST(test_dash_output)
{
	const char *argv[] = { "mprof", "plot", "-o", "-", "--width", "50", "--height", "12", NULL, NULL };
	struct tl_result r;
	char *f = tl_fixture("plain.dat");

	argv[8] = f;
	tl_run_env(&r, NULL, golden_env, 60, argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(tl_count_prefix(r.out, ""), 12);
	ck_assert_ptr_nonnull(strstr(r.out, "peak 181.9 MiB"));
	tl_result_free(&r);
	free(f);
}
END_TEST

static const struct {
	const char *args[4];
	const char *err;
} bad[] = {
	{ { "--terminal", "--width=10" }, "expected characters" },
	{ { "--terminal", "--height=3" }, "expected lines" },
	{ { "--terminal", "--color=sometimes" }, "expected auto, always or never" },
	{ { "--terminal", "-o", "x.png" }, "leave out --output" },
};

START_TEST(test_bad_options)
{
	const char *argv[10] = { "mprof", "plot" };
	struct tl_result r;
	char *f = tl_fixture("plain.dat");
	size_t n = 2;

	for (size_t i = 0; i < 4 && bad[_i].args[i]; i++)
		argv[n++] = bad[_i].args[i];
	argv[n++] = f;
	tl_run_env(&r, NULL, NULL, 60, argv);
	ck_assert_int_eq(r.status, EXIT_USAGE);
	ck_assert_msg(strstr(r.err, bad[_i].err), "'%s' not in '%s'", bad[_i].err, r.err);
	ck_assert_str_eq(r.out, "");
	tl_result_free(&r);
	free(f);
}
END_TEST

/* A pseudo-terminal of 90 x 31: its size, and colours unless NO_COLOR. */
static int open_pty(int *master)
{
	struct winsize ws = { .ws_row = 31, .ws_col = 90 };
	int fd;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0)
		return -1;
	fd = open(ptsname(*master), O_RDWR | O_NOCTTY);
	if (fd >= 0)
		ioctl(fd, TIOCSWINSZ, &ws);
	return fd;
}

static const struct {
	const char *no_color;     /* NULL: unset */
	const char *columns;
	int width;                /* --width */
	enum view_color color;
	int want_w, want_h;
	bool want_color;
} resolve[] = {
	{ NULL, NULL, 0, VIEW_COLOR_AUTO, 90, 30, true },
	{ "1", NULL, 0, VIEW_COLOR_AUTO, 90, 30, false },
	{ "", NULL, 0, VIEW_COLOR_AUTO, 90, 30, true },       /* NO_COLOR set but empty: ignored */
	{ "1", NULL, 0, VIEW_COLOR_ALWAYS, 90, 30, true },
	{ NULL, NULL, 0, VIEW_COLOR_NEVER, 90, 30, false },
	{ NULL, "120", 0, VIEW_COLOR_AUTO, 120, 30, true },   /* COLUMNS beats the terminal */
	{ NULL, "120", 70, VIEW_COLOR_AUTO, 70, 30, true },   /* --width beats COLUMNS */
	{ NULL, "5", 0, VIEW_COLOR_AUTO, VIEW_TERM_MIN_WIDTH, 30, true },
};

START_TEST(test_resolve_tty)
{
	struct view_term_options t;
	int master, fd = open_pty(&master);

	if (fd < 0) {
		tl_skip("the terminal view's size and colour on a terminal: no pseudo-terminal here");
		return;
	}
	unsetenv("LINES");
	if (resolve[_i].no_color)
		setenv("NO_COLOR", resolve[_i].no_color, 1);
	else
		unsetenv("NO_COLOR");
	if (resolve[_i].columns)
		setenv("COLUMNS", resolve[_i].columns, 1);
	else
		unsetenv("COLUMNS");
	view_term_resolve(&t, fd, resolve[_i].width, 0, resolve[_i].color);
	ck_assert_int_eq(t.width, resolve[_i].want_w);
	ck_assert_int_eq(t.height, resolve[_i].want_h);
	ck_assert_int_eq(t.color, resolve[_i].want_color);
	close(fd);
	close(master);
}
END_TEST

START_TEST(test_resolve_pipe)
{
	struct view_term_options t;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	unsetenv("COLUMNS");
	unsetenv("LINES");
	unsetenv("NO_COLOR");
	view_term_resolve(&t, p[1], 0, 0, VIEW_COLOR_AUTO);
	ck_assert_int_eq(t.width, 80);
	ck_assert_int_eq(t.height, 23);
	ck_assert(!t.color);
	view_term_resolve(&t, p[1], 0, 0, VIEW_COLOR_ALWAYS);
	ck_assert(t.color);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_color_names)
{
	enum view_color c;

	ck_assert_int_eq(view_color_parse("always", &c), 0);
	ck_assert_int_eq(c, VIEW_COLOR_ALWAYS);
	ck_assert_int_eq(view_color_parse("NEVER", &c), 0);
	ck_assert_int_eq(c, VIEW_COLOR_NEVER);
	ck_assert_int_eq(view_color_parse("auto", &c), 0);
	ck_assert_int_eq(c, VIEW_COLOR_AUTO);
	ck_assert_int_eq(view_color_parse("", &c), -1);
	ck_assert_int_eq(view_color_parse("sometimes", &c), -1);
}
END_TEST

/* A model straight from the library: the drawing fits any size, down to the
 * smallest, with a long title and many calls. */
START_TEST(test_any_size)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "many.dat");
	FILE *f = fopen(path, "w");
	struct plot_model m = { 0 };
	struct plot_options opt = { 0 };
	struct scene sc;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./a-program-with-a-very-long-name-that-does-not-fit-%0200d\n", 7);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "MEM %.6f %.4f\n", 10 + (i % 97) * 0.5, 1000.0 + i * 0.01);
	for (int i = 0; i < 400; i++)
		fprintf(f, "FUNC mod.f%d %.4f %.4f %.4f %.4f %d\n", i % 7, 10.0, 1000.0 + i * 0.12,
			20.0, 1000.0 + i * 0.12 + 0.1, i % 4);
	fprintf(f, "MARK m1 10 1010\nMARK m2 10 1010.5\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(plot_model_read(&m, path, &opt, 0), 0);
	ck_assert_int_eq(scene_build(&sc, &m, 1, &opt), 0);
	for (int w = VIEW_TERM_MIN_WIDTH; w <= 200; w += 17)
		for (int h = VIEW_TERM_MIN_HEIGHT; h <= 60; h += 13) {
			struct view_term_options t = { .width = w, .height = h, .color = (w + h) % 2 };
			char *buf = NULL;
			size_t len = 0;
			FILE *out = open_memstream(&buf, &len);
			int lines = 0;

			ck_assert_int_eq(view_term_write(out, &sc, &t), 0);
			fclose(out);
			for (const char *p = buf, *nl; (nl = strchr(p, '\n')); p = nl + 1, lines++)
				ck_assert_msg(line_cells(p, (size_t)(nl - p)) <= w, "%dx%d: a line too wide", w, h);
			ck_assert_msg(lines == h, "%dx%d: %d lines", w, h, lines);
			free(buf);
		}
	scene_release(&sc);
	plot_model_release(&m);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view_term");
	TCase *tg = tcase_create("golden");
	TCase *tc = tcase_create("options");

	tcase_add_loop_test(tg, test_golden, 0, ARRAY_SIZE(goldens));
	tcase_add_loop_test(tg, test_shows, 0, ARRAY_SIZE(shows));
	suite_add_tcase(s, tg);
	tcase_add_test(tc, test_size_from_env);
	tcase_add_test(tc, test_dash_output);
	tcase_add_loop_test(tc, test_bad_options, 0, ARRAY_SIZE(bad));
	tcase_add_loop_test(tc, test_resolve_tty, 0, ARRAY_SIZE(resolve));
	tcase_add_test(tc, test_resolve_pipe);
	tcase_add_test(tc, test_color_names);
	tcase_add_test(tc, test_any_size);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
