/* mprof run --breakdown: resident anonymous, file-backed and shared memory
 * and swap per sample (KIND, CHLDKIND), from /proc/PID/status; the parser on
 * recorded texts, then end to end on the memwork workload holding known
 * amounts of each kind. */
#include "testlib.h"
#include "breakdown.h"
#include "profile.h"
#include "util.h"

#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#define MW MEMWORK_BIN
#define ANON_MIB 48
#define FILE_MIB 64
#define SHM_MIB 32

/* ---- the parser ---- */

static const struct {
	const char *text;
	bool ok;
	uint64_t kb[MEM_KIND_COUNT];
} parse_cases[] = {
	{ "Name:\tx\nVmRSS:\t  300 kB\nRssAnon:\t  100 kB\nRssFile:\t  150 kB\nRssShmem:\t  50 kB\n"
	  "VmSwap:\t   7 kB\nThreads:\t1\n", true, { 100, 150, 50, 7 } },
	/* any order; other R and V lines are not taken for them */
	{ "VmSwap:\t0 kB\nRssShmem:\t1 kB\nVmRSS:\t9 kB\nRssFile:\t2 kB\nRssAnon:\t3 kB\n", true, { 3, 2, 1, 0 } },
	/* a zombie: no memory lines */
	{ "Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n", false, { 0 } },
	{ "RssAnon:\t1 kB\nRssFile:\t2 kB\nRssShmem:\t3 kB\n", false, { 0 } },
	{ "RssAnon:\tx kB\nRssFile:\t2 kB\nRssShmem:\t3 kB\nVmSwap:\t4 kB\n", false, { 0 } },
	{ "", false, { 0 } },
};

START_TEST(test_parse)
{
	struct mem_kinds k = { { 1, 1, 1, 1 } };
	bool ok = kinds_parse(parse_cases[_i].text, &k);

	ck_assert_int_eq(ok, parse_cases[_i].ok);
	for (int j = 0; j < MEM_KIND_COUNT; j++)
		ck_assert_uint_eq(k.v[j], ok ? parse_cases[_i].kb[j] * 1024 : 1);
}
END_TEST

START_TEST(test_read_self)
{
	struct kinds_reader r;
	struct mem_kinds k;

	kinds_reader_init(&r, getpid());
	ck_assert(kinds_read(&r, &k));
	ck_assert_uint_gt(k.v[MEM_KIND_ANON] + k.v[MEM_KIND_FILE], 0);
	ck_assert(kinds_read(&r, &k)); /* again, through the kept descriptor */
	ck_assert_int_ge(r.fd, 0);
	kinds_reader_close(&r);
	kinds_reader_init(&r, 0x7ffffff0);
	ck_assert(!kinds_read(&r, &k));
	kinds_reader_close(&r);
}
END_TEST

/* ---- end to end ---- */

struct kinds_seen {
	int kind, chldkind, mem;
	long child;
	double max[MEM_KIND_COUNT], child_max[MEM_KIND_COUNT];
	char header[256];
};

static void read_kinds(const char *dir, struct kinds_seen *ks)
{
	char *path = tl_path(dir, "out.dat");
	struct profile_reader pr;
	struct record rec;
	int rc;

	memset(ks, 0, sizeof(*ks));
	ck_assert_int_eq(profile_reader_open(&pr, path), 0);
	while ((rc = profile_reader_next(&pr, &rec)) > 0) {
		if (rec.kind == REC_MEM)
			ks->mem++;
		if (rec.kind == REC_MPROF)
			snprintf(ks->header, sizeof(ks->header), "%.*s", (int)rec.text_len, rec.text);
		if (rec.kind != REC_KIND && rec.kind != REC_CHLDKIND)
			continue;
		if (rec.kind == REC_CHLDKIND) {
			ck_assert(!ks->child || ks->child == rec.pid);
			ks->child = rec.pid;
		}
		*(rec.kind == REC_KIND ? &ks->kind : &ks->chldkind) += 1;
		for (int j = 0; j < MEM_KIND_COUNT; j++) {
			double *m = rec.kind == REC_KIND ? &ks->max[j] : &ks->child_max[j];

			if (rec.kinds[j] > *m)
				*m = rec.kinds[j];
		}
	}
	ck_assert_int_eq(rc, 0);
	profile_reader_close(&pr);
	free(path);
}

/* Within 5% of what is held (a few MiB of the program's own code and data
 * aside, counted in the 5%); 2 MiB at most where nothing is held. */
static void check_amounts(const double got[MEM_KIND_COUNT], const double want[MEM_KIND_COUNT], const char *who)
{
	for (int j = 0; j < MEM_KIND_COUNT; j++) {
		double tol = want[j] > 0 ? want[j] * 0.05 : 2;

		ck_assert_msg(got[j] >= want[j] - tol && got[j] <= want[j] + tol, "%s: %s %.3f MiB, expected %.0f MiB",
			      who, mem_kind_name(j), got[j], want[j]);
	}
}

/* What memwork's "alloc A mapfile F PATH shm S" holds. A file on tmpfs is
 * shared memory, not file-backed. */
static void expected(const char *dir, double want[MEM_KIND_COUNT])
{
	struct statfs fs;
	bool tmpfs = statfs(dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC;

	want[MEM_KIND_ANON] = ANON_MIB;
	want[MEM_KIND_FILE] = tmpfs ? 0 : FILE_MIB;
	want[MEM_KIND_SHMEM] = SHM_MIB + (tmpfs ? FILE_MIB : 0);
	want[MEM_KIND_SWAP] = 0;
}

static void run_mprof(struct tl_result *r, const char *dir, const char *mode, bool child)
{
	char *file = tl_path(dir, "mapped");
	char anon[16], fmib[16], smib[16];
	const char *argv[32];
	int n = 0;

	snprintf(anon, sizeof(anon), "%d", ANON_MIB);
	snprintf(fmib, sizeof(fmib), "%d", FILE_MIB);
	snprintf(smib, sizeof(smib), "%d", SHM_MIB);
	for (const char *const *a = (const char *const[]){ "mprof", "run", "--breakdown", mode, "-T", "0.05",
							    "-o", "out.dat", MW, "sleep", "50", NULL }; *a; a++)
		argv[n++] = *a;
	if (child)
		argv[n++] = "child";
	for (const char *const *a = (const char *const[]){ "alloc", anon, "mapfile", fmib, file, "shm", smib,
							    "sleep", "600", NULL }; *a; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	tl_run_env(r, dir, NULL, 120, argv);
	free(file);
}

START_TEST(test_program_alone)
{
	char *dir = tl_tmpdir();
	struct tl_result r;
	struct kinds_seen ks;
	double want[MEM_KIND_COUNT];

	run_mprof(&r, dir, "--force", false);
	ck_assert_msg(r.status == 0, "%s", r.err);
	read_kinds(dir, &ks);
	ck_assert_int_gt(ks.kind, 5);
	ck_assert_int_eq(ks.kind, ks.mem); /* one with each sample */
	ck_assert_int_eq(ks.chldkind, 0);
	ck_assert_msg(strstr(ks.header, " breakdown=1"), "%s", ks.header);
	expected(dir, want);
	check_amounts(ks.max, want, "program");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_child_multiprocess)
{
	char *dir = tl_tmpdir();
	struct tl_result r;
	struct kinds_seen ks;
	double want[MEM_KIND_COUNT], none[MEM_KIND_COUNT] = { 0 };

	run_mprof(&r, dir, "-M", true);
	ck_assert_msg(r.status == 0, "%s", r.err);
	read_kinds(dir, &ks);
	ck_assert_int_gt(ks.chldkind, 3);
	ck_assert_int_gt(ks.child, 0);
	expected(dir, want);
	check_amounts(ks.child_max, want, "child");
	/* the parent holds none of it */
	check_amounts(ks.max, none, "parent");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_children_summed)
{
	char *dir = tl_tmpdir();
	struct tl_result r;
	struct kinds_seen ks;
	double want[MEM_KIND_COUNT];

	run_mprof(&r, dir, "-C", true);
	ck_assert_msg(r.status == 0, "%s", r.err);
	read_kinds(dir, &ks);
	ck_assert_int_eq(ks.chldkind, 0);
	expected(dir, want);
	/* the parent's own few MiB of code and data are in the sum too */
	check_amounts(ks.max, want, "tree");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_python_tool_reads_ours)
{
	const char *py = "/usr/bin/python3-mprof";
	char *dir, *png;
	struct tl_result r;

	if (access(py, X_OK) != 0) {
		tl_skip("the Python tool reading KIND records: %s is not installed", py);
		return;
	}
	dir = tl_tmpdir();
	run_mprof(&r, dir, "-M", true);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run_env(&r, dir, NULL, 60, (const char *const[]){ py, "peak", "out.dat", NULL });
	ck_assert_msg(r.status == 0 && str_starts_with(r.out, "out.dat\t"), "%s%s", r.out, r.err);
	ck_assert_msg(strstr(r.out, "Child "), "%s", r.out);
	tl_result_free(&r);
	tl_run_env(&r, dir, (const char *const[]){ "MPLBACKEND=Agg", NULL }, 120,
		   (const char *const[]){ py, "plot", "-o", "py.png", "out.dat", NULL });
	ck_assert_msg(r.status == 0, "python3-mprof plot: %s", r.err);
	png = tl_path(dir, "py.png");
	ck_assert_msg(access(png, F_OK) == 0, "python3-mprof plot wrote no picture");
	free(png);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("breakdown");
	TCase *tc = tcase_create("breakdown");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_parse, 0, ARRAY_SIZE(parse_cases));
	tcase_add_test(tc, test_read_self);
	tcase_add_test(tc, test_program_alone);
	tcase_add_test(tc, test_child_multiprocess);
	tcase_add_test(tc, test_children_summed);
	tcase_add_test(tc, test_python_tool_reads_ours);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
