/* A profile read on several threads gives the records, the errors and the
 * line numbers that a reading on one thread gives, wherever the chunks
 * start. */
#include "testlib.h"
#include "peak.h"
#include "plot_model.h"
#include "profile.h"
#include "profile_par.h"
#include "util.h"

#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a reading as text ---- */

struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	XGROW(t->s, t->cap, t->len + (size_t)n + 1);
	memcpy(t->s + t->len, tmp, (size_t)n + 1);
	t->len += (size_t)n;
}

static uint64_t bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* Each record, bit for bit, then how the reading ended and what it said on
 * standard error (the file's name replaced by FILE). */
static char *read_text(const char *path, const char *dir)
{
	struct text t = { 0 };
	struct profile_reader r;
	struct record rec;
	char *errpath = tl_path(dir, "stderr.txt"), *err, *hit;
	int saved = dup(2), fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600), rc = -2;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	if (profile_reader_open(&r, path) == 0) {
		while ((rc = profile_reader_next(&r, &rec)) > 0) {
			put(&t, "%d %lx %lx %lx %lx %d %d %ld %d %ld [", rec.kind,
			    (unsigned long)bits(rec.mem), (unsigned long)bits(rec.t),
			    (unsigned long)bits(rec.mem_end), (unsigned long)bits(rec.t_end), rec.level,
			    rec.unfinished, rec.pid, rec.status, rec.lineno);
			for (size_t i = 0; rec.text && i < rec.text_len; i += 200)
				put(&t, "%.*s", (int)(rec.text_len - i < 200 ? rec.text_len - i : 200),
				    rec.text + i);
			put(&t, "]\n");
		}
		profile_reader_close(&r);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	put(&t, "rc %d\n", rc);
	err = tl_read_file(errpath, NULL);
	ck_assert_ptr_nonnull(err);
	for (char *p = err; (hit = strstr(p, path)); p = hit + 4) {
		memcpy(hit, "FILE", 4);
		memmove(hit + 4, hit + strlen(path), strlen(hit + strlen(path)) + 1);
	}
	put(&t, "%s", err);
	free(err);
	free(errpath);
	return t.s;
}

/* content written to a fresh file name each time (a note is said once per
 * file name), read with the given chunk size and threads (1: one thread). */
static char *read_tuned(const char *dir, const char *content, size_t len, size_t chunk,
			int threads)
{
	static unsigned seq;
	char name[32], *path, *text;
	FILE *f;

	snprintf(name, sizeof(name), "p%u.dat", seq++);
	path = tl_path(dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(content, 1, len, f), len);
	fclose(f);
	profile_par_tune(chunk, 1, threads);
	text = read_text(path, dir);
	profile_par_tune(0, 0, 0);
	unlink(path);
	free(path);
	return text;
}

/* ---- files ---- */

static const char *const small_files[] = {
	/* samples with FUNC records first, as the Python tool may write them */
	"FUNC f 1.0 10.0 2.0 11.0 0\nCMDLINE prog a\nMEM 1.5 10.0\nMEM 2.25 10.5\n"
	"MEM 1e1 10.7\nCHLD 12 3.5 10.9\n\nMEM 3.000001 11.0\nMARK go 1.0 10.2\n",
	/* FUNC at the end, blank and unknown lines, CRLF, untagged old lines */
	"CMDLINE x\r\nMEM 0.5 1.0\r\nXYZ 1 2\n1.0 2.0\nMEM 0.75 1.5\nMEM +1.25 2.0\n"
	"MEM 1.0000001 2.5\nFUNC g 0.5 1.0 0.75 2.5\nEXIT 2.6 exit 0\n",
	/* a spaced label (a note) and a bad record: the error names its line */
	"MEM 1 1\nFUNC a b c 1 1 2 2 0\nMEM 2 2\nMEM 3 3\nMEM 4 x\nMEM 5 5\n",
	/* the last line without its newline */
	"MEM 1 1\nMEM 2 2\nMEM 3 3\nPEAK 9 3\nMEM 4 4",
	/* a bad record first, samples after */
	"MEM -1 1\nMEM 2 2\nMEM 3 3\n",
	"", "\n", "MEM 1 1\n", "\n\n\nMEM 1 1\n\n\n",
};

/* Every record kind, odd but valid forms, blank and unknown lines, in a
 * shuffled order. */
static char *shuffled_file(unsigned seed, size_t nlines, size_t *len)
{
	struct text t = { 0 };

	for (size_t i = 0; i < nlines; i++) {
		unsigned k = (unsigned)rand_r(&seed) % 24;
		double v = (double)(rand_r(&seed) % 1000000) / 1000.0, w = v + (double)(rand_r(&seed) % 100);

		switch (k) {
		case 0: put(&t, "FUNC mod.f%u %.4f %.6f %.4f %.6f %u\n", k, v, v, w, w, seed % 3); break;
		case 1: put(&t, "FUNC old%u %.4f %.6f %.4f %.6f\n", seed % 5, v, v, w, w); break;
		case 2: put(&t, "CHLD %u %.6f %.6f\n", 100 + seed % 4, v, w); break;
		case 3: put(&t, "MARK m%u %.6f %.6f\n", seed % 7, v, w); break;
		case 4: put(&t, "PEAK %.6f %.6f\nCHLDPEAK %u %.6f %.6f\n", w, v, 100 + seed % 4, w, v); break;
		case 5: put(&t, "CHLDCMD %u name\\x20%u\n", 100 + seed % 4, seed % 9); break;
		case 6: put(&t, "\n"); break;
		case 7: put(&t, "UNKNOWN %u\n", seed); break;
		case 8: put(&t, "MEM %.9g %.9g\n", v, w); break;
		case 9: put(&t, "MEM %.6f %.6f\r\n", v, w); break;
		case 10: put(&t, "MEM %.3e %.6f\n", v, w); break;
		case 11: put(&t, "MEM  %.6f\t%.6f\n", v, w); break;
		default: put(&t, "MEM %.6f %.6f\n", v, w); break;
		}
	}
	*len = t.len;
	return t.s;
}

/* ---- checks ---- */

/* Every chunk size from 1 byte to the whole file, two and three threads. */
START_TEST(test_every_boundary)
{
	const char *content = small_files[_i];
	size_t len = strlen(content);
	char *dir = tl_tmpdir(), *want = read_tuned(dir, content, len, 1, 1);

	for (size_t chunk = 1; chunk <= len + 1; chunk++) {
		for (int threads = 2; threads <= 3; threads++) {
			char *got = read_tuned(dir, content, len, chunk, threads);

			if (strcmp(got, want) != 0)
				ck_abort_msg("chunk %zu, %d threads:\n%s\nwant:\n%s", chunk, threads, got, want);
			free(got);
		}
	}
	free(want);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A line longer than a chunk and than what a worker reads past its chunk,
 * before and after samples; one past the longest line the reader takes. */
START_TEST(test_long_lines)
{
	size_t n = _i ? PROFILE_READ_BUF + 10 : 100000, len;
	char *dir = tl_tmpdir(), *content = xmalloc(n + 200), *want;

	len = (size_t)sprintf(content, "MEM 1 1\n%s ", _i ? "FUNC" : "CMDLINE");
	memset(content + len, 'a', n);
	len += n;
	len += (size_t)sprintf(content + len, "\nMEM 2 2\nMEM 3 3\n");
	want = read_tuned(dir, content, len, 1, 1);
	for (size_t chunk = 3; chunk < len; chunk = chunk * 3 + 1) {
		char *got = read_tuned(dir, content, len, chunk, 2);

		ck_assert_str_eq(got, want);
		free(got);
	}
	if (_i)
		ck_assert_ptr_nonnull(strstr(want, ":2: bad FUNC record: line longer than"));
	free(want);
	free(content);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Shuffled files of every record kind, chunk sizes round and odd. */
START_TEST(test_shuffled)
{
	size_t len;
	char *content = shuffled_file(1234u + (unsigned)_i, 4000, &len);
	char *dir = tl_tmpdir(), *want = read_tuned(dir, content, len, 1, 1);
	static const size_t chunks[] = { 7, 64, 1000, 4096, 65521 };

	for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
		for (int threads = 2; threads <= 4; threads++) {
			char *got = read_tuned(dir, content, len, chunks[c], threads);

			ck_assert_str_eq(got, want);
			free(got);
		}
	}
	free(want);
	free(content);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The Python tool's files, read whole and in chunks. */
static const char *const fixtures[] = {
	"details-nested.dat", "legacy-5field-func.dat", "plain.dat", "no-samples.dat",
	"include-children.dat", "multiprocess.dat", "steps-10ms.dat",
};

START_TEST(test_fixtures)
{
	char *path = tl_fixture(fixtures[_i]), *dir = tl_tmpdir(), *content, *want;
	size_t len;

	content = tl_read_file(path, &len);
	ck_assert_ptr_nonnull(content);
	want = read_tuned(dir, content, len, 1, 1);
	ck_assert_ptr_nonnull(strstr(want, "rc 0\n"));
	for (size_t chunk = 1; chunk <= len + 1; chunk += chunk < 64 ? 1 : 61) {
		char *got = read_tuned(dir, content, len, chunk, 2);

		ck_assert_str_eq(got, want);
		free(got);
	}
	free(want);
	free(content);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* What peak and plot make of a shuffled file, on one thread and on several. */
START_TEST(test_consumers)
{
	size_t len;
	char *content = shuffled_file(99, 20000, &len), *dir = tl_tmpdir();
	char *path = tl_path(dir, "s.dat");
	struct peak p1, p2;
	struct plot_model m1, m2;

	tl_write_file(path, content);
	profile_par_tune(1, 1, 1);
	ck_assert_int_eq(peak_read(&p1, path, NULL), 0);
	ck_assert_int_eq(plot_model_read(&m1, path, NULL, 0), 0);
	profile_par_tune(997, 1, 3);
	ck_assert_int_eq(peak_read(&p2, path, NULL), 0);
	ck_assert_int_eq(plot_model_read(&m2, path, NULL, 0), 0);
	profile_par_tune(0, 0, 0);
	ck_assert_uint_gt(p1.samples, 10000);
	ck_assert_uint_eq(p1.samples, p2.samples);
	ck_assert_uint_eq(bits(p1.mem), bits(p2.mem));
	ck_assert_uint_eq(bits(p1.kernel), bits(p2.kernel));
	ck_assert_uint_eq(p1.nchildren, p2.nchildren);
	ck_assert_int_eq(memcmp(p1.children, p2.children, p1.nchildren * sizeof(*p1.children)), 0);
	ck_assert_uint_eq(m1.records, m2.records);
	ck_assert_uint_eq(m1.main.n, m2.main.n);
	ck_assert_uint_eq(bits(m1.main.peak.v), bits(m2.main.peak.v));
	ck_assert_uint_eq(bits(m1.grid.width), bits(m2.grid.width));
	ck_assert_uint_eq(m1.nspans, m2.nspans);
	ck_assert_uint_eq(m1.nfuncs, m2.nfuncs);
	ck_assert_uint_eq(m1.nmarks, m2.nmarks);
	for (size_t i = 0; i < m1.grid.nbuckets; i++) {
		const struct plot_bucket *a = plot_series_bucket(&m1, &m1.main, i);
		const struct plot_bucket *b = plot_series_bucket(&m2, &m2.main, i);

		ck_assert_int_eq(!a, !b);
		if (a)
			ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0);
	}
	peak_release(&p1);
	peak_release(&p2);
	plot_model_release(&m1);
	plot_model_release(&m2);
	free(content);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Samples' indices by time, then by place in the file. */
static const double *by_time_t;

static int cmp_by_time(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	if (by_time_t[a] != by_time_t[b])
		return by_time_t[a] < by_time_t[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* A random walk, its times in order but for runs of equal times and a step
 * back now and then; a tie for the peak. */
static char *write_jiggled_walk(const char *dir, double *t, double *v, size_t n)
{
	char *path = tl_path(dir, "w.dat");
	FILE *f = fopen(path, "w");
	double x = 100, t0 = strtod("1795695938.0000", NULL);
	unsigned seed = 5;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE walk\n");
	for (size_t i = 0; i < n; i++) {
		char a[40], b[40];
		double ms = (double)i;

		seed = seed * 1103515245u + 12345u;
		x += ((double)(seed >> 16 & 0xff) - 127.5) / 64;
		x = x < 1 ? 1 : x;
		if (i % 3 == 1 && (seed >> 30 & 1))
			ms -= 1;
		if (i % 7 == 3 && (seed >> 29 & 1))
			ms -= 2.5;
		snprintf(a, sizeof(a), "%.6f", i == 40000 || i == 50000 ? 999.0 : x);
		snprintf(b, sizeof(b), "%.4f", 1795695938.0 + ms * 0.001);
		fprintf(f, "MEM %s %s\n", a, b);
		v[i] = strtod(a, NULL);
		t[i] = strtod(b, NULL) - t0;
	}
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Plot's buckets from a large file read on several threads hold exactly its
 * samples: a bucket's are those from its first time to its last, their
 * count, lowest and highest values, the first of its first time and the
 * last of its last time (in the file's order); the peak is the highest
 * sample, the earliest of equals. */
START_TEST(test_plot_buckets_hold_the_samples)
{
	enum { N = 60000 };
	char *dir = tl_tmpdir(), *path;
	double *t = malloc(N * sizeof(*t)), *v = malloc(N * sizeof(*v));
	size_t *order = malloc(N * sizeof(*order)), covered = 0, pk = 0;
	struct plot_model m;

	path = write_jiggled_walk(dir, t, v, N);
	for (size_t i = 0; i < N; i++) {
		order[i] = i;
		if (v[i] > v[pk] || (v[i] == v[pk] && t[i] < t[pk]))
			pk = i;
	}
	by_time_t = t;
	qsort(order, N, sizeof(*order), cmp_by_time);
	profile_par_tune(4096, 1, 2);
	ck_assert_int_eq(plot_model_read(&m, path, NULL, 0), 0);
	profile_par_tune(0, 0, 0);
	ck_assert_uint_eq(m.main.n, N);
	ck_assert(m.main.peak.v == v[pk] && m.main.peak.t == t[pk]);
	for (size_t k = 0, i = 0; k < m.grid.nbuckets; k++) {
		const struct plot_bucket *b = plot_series_bucket(&m, &m.main, k);
		float lo = INFINITY, hi = -INFINITY;
		size_t j, last;

		if (!b)
			continue;
		ck_assert(i < N && t[order[i]] == b->tfirst);
		for (j = i, last = order[i]; j < N && t[order[j]] <= b->tlast; j++) {
			lo = fminf(lo, (float)v[order[j]]);
			hi = fmaxf(hi, (float)v[order[j]]);
			if (t[order[j]] == b->tlast && order[j] > last)
				last = order[j];
		}
		ck_assert_uint_eq(b->n, j - i);
		ck_assert(b->first == (float)v[order[i]]);
		ck_assert(b->tlast == t[last] && b->last == (float)v[last]);
		ck_assert(b->min == lo && b->max == hi);
		covered += j - i;
		i = j;
	}
	ck_assert_uint_eq(covered, N);
	plot_model_release(&m);
	free(t);
	free(v);
	free(order);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A small file, and what is not a regular file, are read on one thread; a
 * large one on several. */
START_TEST(test_when_parallel)
{
	size_t len;
	char *content = shuffled_file(7, 2000, &len), *dir = tl_tmpdir();
	char *path = tl_path(dir, "s.dat"), *fifo = tl_path(dir, "fifo");
	struct profile_reader r;
	int fd;

	tl_write_file(path, content);
	profile_par_tune(0, 0, 0);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	ck_assert_ptr_null(r.par); /* smaller than the default threshold */
	profile_reader_close(&r);
	profile_par_tune(1024, len, 2);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	ck_assert_ptr_nonnull(r.par);
	profile_reader_close(&r);
	profile_par_tune(1024, len + 1, 2);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	ck_assert_ptr_null(r.par);
	profile_reader_close(&r);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	fd = open(fifo, O_RDWR); /* a writer, so that opening it to read does not block */
	ck_assert_int_ge(fd, 0);
	profile_par_tune(1, 1, 2);
	ck_assert_int_eq(profile_reader_open(&r, fifo), 0);
	ck_assert_ptr_null(r.par);
	profile_reader_close(&r);
	profile_par_tune(0, 0, 0);
	close(fd);
	free(content);
	free(path);
	free(fifo);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile_par");
	TCase *tc = tcase_create("chunks");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_every_boundary, 0, ARRAY_SIZE(small_files));
	tcase_add_loop_test(tc, test_long_lines, 0, 2);
	tcase_add_loop_test(tc, test_shuffled, 0, 3);
	tcase_add_loop_test(tc, test_fixtures, 0, ARRAY_SIZE(fixtures));
	tcase_add_test(tc, test_consumers);
	tcase_add_test(tc, test_plot_buckets_hold_the_samples);
	tcase_add_test(tc, test_when_parallel);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
