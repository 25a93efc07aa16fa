/* mprof lines: line-by-line memory of decorated Python functions. */
#include "testlib.h"
#include "profile.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PYDIR SOURCE_ROOT "/tests/workloads/py"
#define KNOWN PYDIR "/lines_known.py"
/* "Line #", "Mem usage", "Increment", "Occurrences" and the gaps: where the
 * line's text starts in a row, as in the Python tool's layout. */
#define CONTENTS_AT (6 + 1 + 12 + 1 + 12 + 2 + 10 + 3)

static char *known_out; /* stdout of `mprof lines lines_known.py`, run once */

/* A small script in a fresh directory dir (caller removes it), also importable
 * as module "small". */
static char *small_script(char **dir)
{
	char *path;

	*dir = tl_tmpdir();
	path = tl_path(*dir, "small.py");
	tl_write_file(path, "import sys\n"
			    "\n"
			    "@profile\n"
			    "def f():\n"
			    "    a = bytearray(10 << 20)  # ALLOC10\n"
			    "    return len(a)\n"
			    "\n"
			    "print('small', f())\n"
			    "sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)\n");
	return path;
}

static void run_known(void)
{
	struct tl_result r;

	tl_run(&r, NULL, "mprof", "lines", KNOWN);
	if (r.status != 0) {
		fprintf(stderr, "mprof lines %s: status %d: %s\n", KNOWN, r.status, r.err);
		abort();
	}
	known_out = xstrdup(r.out);
	tl_result_free(&r);
}

static void free_known(void)
{
	free(known_out);
}

struct row {
	int lineno, occ;
	double mem, inc;
	bool has_values;
	const char *text; /* into the output */
};

/* The row whose line contains marker (the first one). */
static struct row find_row(const char *out, const char *marker)
{
	const char *hit = strstr(out, marker), *start;
	struct row r = { 0 };

	ck_assert_msg(hit != NULL, "no row with '%s' in:\n%s", marker, out);
	for (start = hit; start > out && start[-1] != '\n'; start--)
		;
	r.text = start;
	ck_assert_msg(hit - start >= CONTENTS_AT, "row too short: %.80s", start);
	r.has_values = sscanf(start, "%d %lf MiB %lf MiB %d", &r.lineno, &r.mem, &r.inc, &r.occ) == 4;
	if (!r.has_values)
		ck_assert_int_eq(sscanf(start, "%d", &r.lineno), 1);
	return r;
}

/* The row just before the one containing marker (the decorator line of a
 * function, when marker is its def line). */
static struct row row_before(const char *out, const char *marker)
{
	struct row def = find_row(out, marker), r = { 0 };
	const char *prev = def.text - 1;

	while (prev > out && prev[-1] != '\n')
		prev--;
	r.text = prev;
	r.has_values = sscanf(prev, "%d %lf MiB %lf MiB %d", &r.lineno, &r.mem, &r.inc, &r.occ) == 4;
	return r;
}

static const struct {
	const char *marker;
	int occ;
	double inc, tolerance; /* NAN: not checked */
} known_rows[] = {
	{ "# ALLOC10", 1, 10.0, 1.0 },       /* +10 MiB within 10% */
	{ "# LOOP", 8, 0.0, 0.5 },           /* a loop header runs n+1 times */
	{ "# BODY", 7, 0.0, 0.5 },
	{ "# TRANSIENT", 3, 0.0, 2.0 },      /* allocates and frees on one line: about 0 */
	{ "# ALLOCLOOP", 3, 120.0, 6.0 },    /* +40 MiB, three times */
	{ "# FREELOOP", 3, -120.0, 6.0 },    /* and back: the pair adds up to about 0 */
	{ "# ALLOC30", 1, 30.0, 3.0 },
	{ "# FREE30", 1, -30.0, 3.0 },       /* a line that frees is negative */
	{ "# RECTEST", 4, NAN, 0 },          /* recursion: every level's runs */
	{ "# RECCALL", 3, NAN, 0 },
	{ "# BEFORERAISE", 1, NAN, 0 },      /* an exception leaves the function */
	{ "# RAISE", 1, NAN, 0 },
	{ "# GENLOOP", 5, NAN, 0 },          /* a generator: its lines across resumptions */
	{ "# YIELD", 4, NAN, 0 },
	{ "# IMPORTED", 1, NAN, 0 },         /* from memory_profiler import profile */
	{ "# THREADLINE", 1, NAN, 0 },       /* a function run by another thread */
};

START_TEST(test_known_rows)
{
	struct row r = find_row(known_out, known_rows[_i].marker);

	ck_assert_msg(r.has_values, "row '%s' has no values", known_rows[_i].marker);
	ck_assert_int_eq(r.occ, known_rows[_i].occ);
	if (!isnan(known_rows[_i].inc))
		ck_assert_msg(fabs(r.inc - known_rows[_i].inc) <= known_rows[_i].tolerance,
			      "%s: increment %.3f, want %.1f +- %.1f", known_rows[_i].marker, r.inc,
			      known_rows[_i].inc, known_rows[_i].tolerance);
}
END_TEST

/* Mem usage is the highest memory seen after a line: the peak of a loop that
 * allocates and frees shows on the allocating line. */
START_TEST(test_mem_usage_shows_peak)
{
	struct row a = find_row(known_out, "# ALLOC10"), loop = find_row(known_out, "# ALLOCLOOP");
	struct row freed = find_row(known_out, "# FREELOOP");

	ck_assert(loop.mem >= a.mem + 38);
	ck_assert(freed.mem < loop.mem - 38);
}
END_TEST

/* The first row of a table (the decorator line) holds the calls and the net
 * change of whole calls, which is the sum of the Increments below it. */
START_TEST(test_increments_add_up)
{
	struct row def = row_before(known_out, "def known():"), r;
	const char *p = strstr(known_out, "def known():");
	double sum = 0;
	int rows = 0;

	ck_assert(def.has_values);
	ck_assert_int_eq(def.occ, 1);
	p = strchr(p, '\n') + 1;
	while (*p != '\n') { /* the rows, up to the blank line after the table */
		if (sscanf(p, "%*d %*f MiB %lf MiB", &r.inc) == 1) {
			sum += r.inc;
			rows++;
		}
		p = strchr(p, '\n') + 1;
	}
	ck_assert_int_ge(rows, 10);
	/* each printed value is rounded to 0.0005 */
	ck_assert_msg(fabs(sum - def.inc) <= 0.0005 * (rows + 1), "sum %.4f, first row %.4f", sum,
		      def.inc);
	/* the recursive function: one call per level */
	ck_assert_int_eq(row_before(known_out, "def rec(n):").occ, 4);
}
END_TEST

START_TEST(test_layout)
{
	const char *header = "Line #    Mem usage    Increment  Occurrences   Line Contents\n"
			     "=============================================================\n";
	struct row r = find_row(known_out, "# ALLOC10");
	char *filename = xasprintf("Filename: %s\n\n", KNOWN);

	ck_assert_ptr_nonnull(strstr(known_out, header));
	ck_assert_ptr_nonnull(strstr(known_out, filename));
	ck_assert_int_eq(tl_count_prefix(known_out, "Filename: "), 6);
	ck_assert(strncmp(r.text + CONTENTS_AT, "    a = bytearray(10 << 20)", 27) == 0);
	ck_assert(strncmp(r.text + 6 + 1 + 12 - 4, " MiB", 4) == 0);
	/* a line without values (the def line) has blank columns */
	r = find_row(known_out, "def known():");
	ck_assert(!r.has_values);
	ck_assert_uint_eq(strspn(r.text + 6, " "), CONTENTS_AT - 6);
	ck_assert(str_starts_with(r.text + CONTENTS_AT, "def known():\n"));
	/* the script's own output comes first; tables follow */
	ck_assert(str_starts_with(known_out, "script output 10485760\n"));
	free(filename);
}
END_TEST

static const struct {
	const char *precision;
	int decimals;
} precisions[] = {
	{ "0", 0 },
	{ "1", 1 },
	{ "5", 5 },
};

START_TEST(test_precision)
{
	struct tl_result r;
	struct row row;
	char mem[64], inc[64], *dir, *script = small_script(&dir);
	const char *dot;

	tl_run(&r, NULL, "mprof", "lines", "--precision", precisions[_i].precision, script);
	ck_assert_int_eq(r.status, 0);
	row = find_row(r.out, "# ALLOC10");
	ck_assert_int_eq(sscanf(row.text, "%*d %63s MiB %63s MiB", mem, inc), 2);
	dot = strchr(inc, '.');
	ck_assert_uint_eq(dot ? strlen(dot + 1) : 0, (size_t)precisions[_i].decimals);
	dot = strchr(mem, '.');
	ck_assert_uint_eq(dot ? strlen(dot + 1) : 0, (size_t)precisions[_i].decimals);
	if (precisions[_i].decimals == 1) { /* the Python tool's column widths */
		char want[80];

		snprintf(want, sizeof(want), "%9s MiB", inc);
		ck_assert_msg(strncmp(row.text + 6 + 1 + 12, want, 13) == 0, "%s", row.text);
	}
	tl_result_free(&r);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* -o FILE: the tables go to FILE; the script's output and status pass through. */
START_TEST(test_output_file_and_status)
{
	struct tl_result r;
	char *dir, *script = small_script(&dir), *path = tl_path(dir, "lines.txt"), *text;

	tl_run(&r, NULL, "mprof", "lines", "-o", path, script, "4");
	ck_assert_int_eq(r.status, 4);
	ck_assert_str_eq(r.out, "small 10485760\n");
	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(tl_count_prefix(text, "Filename: "), 1);
	ck_assert(find_row(text, "# ALLOC10").has_values);
	free(text);
	tl_result_free(&r);
	free(path);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_module)
{
	struct tl_result r;
	char *dir, *script = small_script(&dir);

	tl_run(&r, dir, "mprof", "lines", "-m", "small", "0");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert(str_starts_with(r.out, "small 10485760\n"));
	ck_assert(find_row(r.out, "# ALLOC10").has_values);
	tl_result_free(&r);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The same lines, line numbers and counts as python -m memory_profiler, where
 * it is installed (Debian's /usr/bin/python3 here). */
START_TEST(test_same_table_as_python_tool)
{
	struct tl_result r, py;
	char *dir = tl_tmpdir(), *script = tl_path(dir, "simple.py");
	const char *markers[] = { "@profile", "def f(n):", "# A", "# L", "# B", "# R" };

	tl_run(&py, NULL, "/usr/bin/python3", "-c", "import memory_profiler");
	if (py.status != 0) {
		tl_skip("the same table as python3 -m memory_profiler: /usr/bin/python3 cannot import "
			"memory_profiler (Debian: python3-memory-profiler)");
		tl_result_free(&py);
		goto cleanup;
	}
	tl_result_free(&py);
	tl_write_file(script, "@profile\n"
			      "def f(n):\n"
			      "    a = bytearray(10 << 20)  # A\n"
			      "    for i in range(n):  # L\n"
			      "        a[i] = 1  # B\n"
			      "    return len(a)  # R\n"
			      "\n"
			      "f(5)\n");
	tl_run(&r, NULL, "mprof", "lines", script);
	tl_run(&py, NULL, "/usr/bin/python3", "-m", "memory_profiler", script);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(py.status, 0);
	for (size_t i = 0; i < ARRAY_SIZE(markers); i++) {
		struct row a = find_row(r.out, markers[i]), b = find_row(py.out, markers[i]);

		ck_assert_int_eq(a.lineno, b.lineno);
		ck_assert_int_eq(a.has_values, b.has_values);
		if (i >= 2) /* the first row counts calls here; the Python tool also 1 */
			ck_assert_int_eq(a.occ, b.occ);
		ck_assert(strncmp(a.text, b.text, 6) == 0);
		ck_assert(strncmp(a.text + CONTENTS_AT, b.text + CONTENTS_AT,
				  strcspn(b.text + CONTENTS_AT, "\n")) == 0);
	}
	/* the line that allocates 10 MiB: both see it */
	ck_assert(fabs(find_row(r.out, "# A").inc - find_row(py.out, "# A").inc) < 1.0);
	tl_result_free(&r);
	tl_result_free(&py);
cleanup:
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A script in a fresh directory *dir (caller removes it). */
static char *script_in(char **dir, const char *name, const char *text)
{
	char *path;

	*dir = tl_tmpdir();
	path = tl_path(*dir, name);
	tl_write_file(path, text);
	return path;
}

/* Remove what script_in made. */
static void script_done(char *dir, char *script)
{
	free(script);
	tl_rmrf(dir);
	free(dir);
}

/* Decimals of the Increment column in a row. */
static int row_decimals(const struct row *r)
{
	char inc[64];
	const char *dot;

	ck_assert_int_eq(sscanf(r->text, "%*d %*s MiB %63s MiB", inc), 1);
	dot = strchr(inc, '.');
	return dot ? (int)strlen(dot + 1) : 0;
}

#define STREAM_SCRIPT \
	"import sys\n" \
	"try:\n" \
	"    from memory_profiler import profile\n" \
	"except ImportError:\n" \
	"    pass\n" \
	"fp = open(sys.argv[1], 'w')\n" \
	"\n" \
	"@profile(stream=fp, precision=4)\n" \
	"def f():\n" \
	"    a = bytearray(10 << 20)  # ALLOC10\n" \
	"    return len(a)\n" \
	"\n" \
	"@profile(precision=1)\n" \
	"def g():\n" \
	"    b = bytearray(5 << 20)  # ALLOC5\n" \
	"    return len(b)\n" \
	"\n" \
	"@profile\n" \
	"def h():\n" \
	"    return 1  # PLAIN\n" \
	"\n" \
	"f(); g(); h()\n" \
	"if len(sys.argv) > 2:\n" \
	"    fp.close()\n"

/* @profile(stream=f, precision=N): that function's table goes to f with N
 * decimals, as the Python tool's profile writes it; the others go with
 * --precision to the output. */
START_TEST(test_decorator_stream_precision)
{
	char *dir, *script = script_in(&dir, "st.py", STREAM_SCRIPT);
	char *path = tl_path(dir, "f.txt"), *text;
	struct tl_result r;
	struct row row;

	tl_run(&r, NULL, "mprof", "lines", script, path);
	ck_assert_msg(r.status == 0, "%s", r.err);
	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(tl_count_prefix(text, "Filename: "), 1);
	row = find_row(text, "# ALLOC10");
	ck_assert_int_eq(row_decimals(&row), 4);
	ck_assert(strncmp(row.text + 6 + 1 + 12, "  10.", 5) == 0); /* "{:8.4f} MiB" */
	ck_assert_ptr_null(strstr(r.out, "# ALLOC10"));
	row = find_row(r.out, "# ALLOC5");
	ck_assert_int_eq(row_decimals(&row), 1);
	row = find_row(r.out, "# PLAIN");
	ck_assert_int_eq(row_decimals(&row), 3);
	free(text);
	tl_result_free(&r);

	/* closed before the end: said, and the table goes with the others */
	tl_run(&r, NULL, "mprof", "lines", script, path, "close");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "the stream given to @profile of f is closed"));
	ck_assert_int_eq(row_decimals((row = find_row(r.out, "# ALLOC10"), &row)), 4);
	tl_result_free(&r);
	free(path);
	script_done(dir, script);
}
END_TEST

/* The same table, in the same file, as the Python tool's own profile writes
 * when the script runs under plain python3. */
START_TEST(test_stream_same_as_python_tool)
{
	char *dir, *script = script_in(&dir, "st.py", STREAM_SCRIPT);
	char *ours = tl_path(dir, "ours.txt"), *theirs = tl_path(dir, "theirs.txt"), *a, *b;
	struct tl_result r;
	struct row ra, rb;

	tl_run(&r, NULL, "/usr/bin/python3", "-c", "import memory_profiler");
	if (r.status != 0) {
		tl_skip("/usr/bin/python3 has no memory_profiler: no comparison");
		tl_result_free(&r);
		goto cleanup;
	}
	tl_result_free(&r);
	tl_run(&r, NULL, "/usr/bin/python3", script, theirs);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "lines", "/usr/bin/python3", script, ours);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	a = tl_read_file(ours, NULL);
	b = tl_read_file(theirs, NULL);
	ra = find_row(a, "# ALLOC10");
	rb = find_row(b, "# ALLOC10");
	ck_assert_int_eq(ra.lineno, rb.lineno);
	ck_assert_int_eq(row_decimals(&ra), row_decimals(&rb));
	ck_assert(strncmp(ra.text + CONTENTS_AT, rb.text + CONTENTS_AT, 20) == 0);
	ck_assert(fabs(ra.inc - rb.inc) < 1.0);
	free(a);
	free(b);
cleanup:
	free(ours);
	free(theirs);
	script_done(dir, script);
}
END_TEST

/* Memory a Python line maps outside the Python heap: resident memory sees
 * it, tracemalloc does not; both see a bytearray. */
#define HEAP_SCRIPT \
	"import mmap\n" \
	"@profile\n" \
	"def f():\n" \
	"    a = bytearray(10 << 20)  # ALLOC10\n" \
	"    m = mmap.mmap(-1, 30 << 20)  # MAP\n" \
	"    m.write(b'x' * (30 << 20))  # TOUCH\n" \
	"    return len(a) + len(m)\n" \
	"f()\n"

/* A pss or uss reading also counts pages that other processes map or drop
 * meanwhile (the interpreter's and libraries' private file pages, reclaimed
 * on a busy machine: seen once, 1.6 MiB less), hence a wider margin. */
static const struct {
	const char *backend;
	double alloc10, touch; /* Increments */
	double margin;         /* of ALLOC10 */
} backends[] = {
	{ "rss", 10, 30, 1.5 },
	{ "psutil", 10, 30, 1.5 },
	{ "posix", 10, 30, 1.5 },
	{ "uss", 10, 30, 3.0 },
	{ "psutil_uss", 10, 30, 3.0 },
	{ "pss", 10, 30, 3.0 },
	{ "tracemalloc", 10, 0, 1.5 },
};

START_TEST(test_backends)
{
	char *dir, *script = script_in(&dir, "heap.py", HEAP_SCRIPT);
	struct tl_result r;
	struct row row;

	if (strcmp(backends[_i].backend, "rss") && strcmp(backends[_i].backend, "tracemalloc") &&
	    strcmp(backends[_i].backend, "psutil") && strcmp(backends[_i].backend, "posix") &&
	    access("/proc/self/smaps_rollup", R_OK) != 0) {
		tl_skip("no /proc/self/smaps_rollup: --backend %s not tried", backends[_i].backend);
		goto cleanup;
	}
	/* Two tries: on a loaded machine a pss or uss reading can take in pages
	 * that the interpreter shares or unshares meanwhile (seen once: +4 MiB). */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt)
			tl_result_free(&r);
		tl_run(&r, NULL, "mprof", "lines", "--backend", backends[_i].backend, script);
		ck_assert_msg(r.status == 0, "%s: %s", backends[_i].backend, r.err);
		row = find_row(r.out, "# ALLOC10");
		if (fabs(row.inc - backends[_i].alloc10) < backends[_i].margin)
			break;
	}
	ck_assert_msg(fabs(row.inc - backends[_i].alloc10) < backends[_i].margin, "%s: ALLOC10 %.3f",
		      backends[_i].backend, row.inc);
	/* 30 MiB mapped and touched, and a 30 MiB bytes made and freed on the
	 * way: other pages come and go with it (PSS shares, malloc's arenas) */
	row = find_row(r.out, "# TOUCH");
	ck_assert_msg(fabs(row.inc - backends[_i].touch) < 8.0, "%s: TOUCH %.3f",
		      backends[_i].backend, row.inc);
	tl_result_free(&r);
cleanup:
	script_done(dir, script);
}
END_TEST

/* A child that holds 60 MiB from READY to WAIT. */
#define CHILD_SCRIPT \
	"import subprocess, sys\n" \
	"CHILD = \"import sys; x = b'x' * (60 << 20); print('ready', flush=True); sys.stdin.read()\"\n" \
	"@profile\n" \
	"def f():\n" \
	"    p = subprocess.Popen([sys.executable, '-c', CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n" \
	"    p.stdout.readline()  # READY\n" \
	"    p.stdin.close()  # RELEASE\n" \
	"    p.wait()  # WAIT\n" \
	"f()\n"

START_TEST(test_include_children)
{
	char *dir, *script = script_in(&dir, "kids.py", CHILD_SCRIPT);
	struct tl_result r;
	struct row row;
	double release;

	tl_run(&r, NULL, "mprof", "lines", "--include-children", script);
	ck_assert_msg(r.status == 0, "%s", r.err);
	row = find_row(r.out, "# READY");
	ck_assert_msg(row.inc > 50, "READY: %.3f MiB", row.inc);
	/* the child frees and ends while RELEASE or WAIT run */
	release = find_row(r.out, "# RELEASE").inc;
	row = find_row(r.out, "# WAIT");
	ck_assert_msg(release + row.inc < -50, "the child's memory does not go away: %.3f + %.3f MiB",
		      release, row.inc);
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "lines", script);
	ck_assert_msg(r.status == 0, "%s", r.err);
	row = find_row(r.out, "# READY");
	ck_assert_msg(fabs(row.inc) < 5, "READY without children: %.3f MiB", row.inc);
	tl_result_free(&r);
	script_done(dir, script);
}
END_TEST

/* --pdb-mmem: the debugger, with the script's standard input, at the line
 * after memory reached the limit; the tables are still printed. */
START_TEST(test_pdb_mmem)
{
	char *dir, *script = script_in(&dir, "pd.py", "@profile\n"
						    "def f():\n"
						    "    a = bytearray(10 << 20)  # ALLOC10\n"
						    "    b = bytearray(40 << 20)  # ALLOC40\n"
						    "    c = 1  # AFTER\n"
						    "    return len(a) + c\n"
						    "print('result', f())\n");
	char *cmd = xasprintf("printf 'p len(b) >> 20\\nc\\n' | '%s' lines --pdb-mmem 45 '%s'",
			      MPROF_BIN, script);
	struct tl_result r;

	tl_run(&r, NULL, "sh", "-c", cmd);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "exceeded the maximum of 45.00 MiB\nStepping into the debugger\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "-> c = 1  # AFTER\n(Pdb) 40\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "result 10485761\n"));
	ck_assert(find_row(r.out, "# ALLOC40").has_values);
	tl_result_free(&r);
	/* below the limit: no debugger */
	tl_run(&r, NULL, "mprof", "lines", "--pdb-mmem", "100000", script);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(strstr(r.out, "Stepping into the debugger"));
	tl_result_free(&r);
	free(cmd);
	script_done(dir, script);
}
END_TEST

/* --timestamp: a FUNC record per call and per block, levels per thread, in
 * the format of mprofile(5). */
START_TEST(test_timestamp)
{
	char *dir, *script = script_in(&dir, "ts.py", "@profile\n"
						    "def f():\n"
						    "    return bytearray(1 << 20)\n"
						    "f()\n"
						    "with profile.timestamp('two words'):\n"
						    "    f()\n");
	char *path = tl_path(dir, "ts.txt"), *text, *line, *save = NULL;
	const char *want[] = { "__main__.f 0", "__main__.f 1", ".two\\x20words 0" };
	struct tl_result r;
	size_t n = 0;

	tl_run(&r, NULL, "mprof", "lines", "--timestamp", "-o", path, script);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "");
	tl_result_free(&r);
	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		struct record rec;
		const char *why;
		char got[128];

		ck_assert_uint_lt(n, ARRAY_SIZE(want));
		ck_assert_int_eq(profile_parse_line(line, strlen(line), &rec, &why), 1);
		ck_assert_int_eq(rec.kind, REC_FUNC);
		ck_assert_ptr_null(why);
		snprintf(got, sizeof(got), "%.*s %d", (int)rec.text_len, rec.text, rec.level);
		ck_assert_str_eq(got, want[n]);
		ck_assert(rec.t > 1e9 && rec.t_end >= rec.t && rec.mem > 0);
	}
	ck_assert_uint_eq(n, ARRAY_SIZE(want));
	free(text);
	free(path);
	script_done(dir, script);
}
END_TEST

static const struct {
	const char *args[4];
	int status;
	const char *err;
} errors[] = {
	{ { "--backend", "tracemalloc", "--include-children", "a.py" }, 2,
	  "mprof lines: options --include-children and --backend tracemalloc: tracemalloc counts "
	  "the Python heap of this process only" },
	{ { "--backend", "heap", "a.py" }, 2, "mprof lines: option --backend: 'heap' is not one of" },
	{ { "--pdb-mmem", "x", "a.py" }, 2, "mprof lines: option --pdb-mmem: a memory in MiB above 0" },
	{ { "--pdb-mmem", "0", "a.py" }, 2, "mprof lines: option --pdb-mmem: a memory in MiB above 0" },
	{ { "--pdb-mmem", "5", "--timestamp", "a.py" }, 2,
	  "mprof lines: options --pdb-mmem and --timestamp: --timestamp does not trace lines" },
	{ { NULL }, 2, "mprof lines: a Python script to run is needed" },
	{ { "--precision", "x", "a.py" }, 2, "mprof lines: option --precision: a whole number" },
	{ { "--precision", "13", "a.py" }, 2, "mprof lines: option --precision: a whole number" },
	{ { "--frob", "a.py" }, 2, "mprof lines: unknown option '--frob'" },
	{ { "-o" }, 2, "mprof lines: option '-o' needs a value" },
	{ { "/nonexistent/a.py" }, 2, "can't open file '/nonexistent/a.py'" },
	{ { "--help" }, 0, "" },
};

START_TEST(test_errors)
{
	struct tl_result r;
	const char *argv[8] = { "mprof", "lines" };

	for (size_t k = 0; k < 4 && errors[_i].args[k]; k++)
		argv[2 + k] = errors[_i].args[k];
	tl_run_env(&r, NULL, NULL, 60, argv);
	ck_assert_int_eq(r.status, errors[_i].status);
	ck_assert_msg(strstr(r.err, errors[_i].err) != NULL, "stderr: '%s'", r.err);
	tl_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lines");
	TCase *tc = tcase_create("lines");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, run_known, free_known);
	tcase_add_loop_test(tc, test_known_rows, 0, ARRAY_SIZE(known_rows));
	tcase_add_test(tc, test_mem_usage_shows_peak);
	tcase_add_test(tc, test_increments_add_up);
	tcase_add_test(tc, test_layout);
	tcase_add_loop_test(tc, test_precision, 0, ARRAY_SIZE(precisions));
	tcase_add_test(tc, test_output_file_and_status);
	tcase_add_test(tc, test_module);
	tcase_add_test(tc, test_same_table_as_python_tool);
	tcase_add_loop_test(tc, test_errors, 0, ARRAY_SIZE(errors));
	tcase_add_test(tc, test_decorator_stream_precision);
	tcase_add_test(tc, test_stream_same_as_python_tool);
	tcase_add_loop_test(tc, test_backends, 0, ARRAY_SIZE(backends));
	tcase_add_test(tc, test_include_children);
	tcase_add_test(tc, test_pdb_mmem);
	tcase_add_test(tc, test_timestamp);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
