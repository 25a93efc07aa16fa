/* cgroup: the hierarchy, the parsers and the reader against a recorded v2
 * tree (tests/data/cgroup-v2), where a job's cgroup may be made (fake trees,
 * as an ordinary user), and real cgroups on the machine's hierarchy as root:
 * a job with known memory, an OOM kill under a limit, removal, attach.
 *
 * Checks that cannot run here (not root, no writable memory controller) print
 * "SKIP: reason" and are counted at the end. */
#include "testlib.h"
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ull * 1024ull)
#define NOBODY 65534

/* --- skips, counted across Check's forked tests --- */

static int *skips;

static void skip(const char *fmt, ...) MPROF_PRINTF(1, 2);

static void skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tl_skip("%s", msg);
	if (skips)
		__atomic_add_fetch(skips, 1, __ATOMIC_SEQ_CST);
}

/* --- small helpers --- */

static char *data_path(const char *rel)
{
	char *base = tl_data("cgroup-v2");
	char *p = tl_path(base, rel);

	free(base);
	return p;
}

static char *data_text(const char *rel)
{
	char *p = data_path(rel);
	char *text = tl_read_file(p, NULL);

	ck_assert_msg(text != NULL, "cannot read %s", p);
	free(p);
	return text;
}

#define NGINX "sys/fs/cgroup/system.slice/nginx.service"
#define DOCKER_ID "3f4e1a9c2b7d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define PODMAN_ID "9b1c07d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8"

/* Copy the files of a recorded cgroup into a directory. */
static void copy_files(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;

	ck_assert_msg(d != NULL, "cannot open %s", from);
	while ((e = readdir(d))) {
		char *src, *dst, *text;

		if (e->d_type != DT_REG)
			continue;
		src = tl_path(from, e->d_name);
		dst = tl_path(to, e->d_name);
		text = tl_read_file(src, NULL);
		ck_assert_ptr_nonnull(text);
		tl_write_file(dst, text);
		free(text);
		free(src);
		free(dst);
	}
	closedir(d);
}

/* tmpl with its "%s" (if any) replaced by val. */
static char *subst(const char *tmpl, const char *val)
{
	const char *at = strstr(tmpl, "%s");

	if (!at)
		return xstrdup(tmpl);
	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, val, at + 2);
}

static bool near(double a, double b, double rel)
{
	double d = a > b ? a - b : b - a;

	return d <= rel * (a > b ? a : b);
}

/* --- parsers --- */

static const struct {
	const char *text;
	int rc;
	uint64_t v;
} u64_cases[] = {
	{ "51396608\n", 0, 51396608 },
	{ "0\n", 0, 0 },
	{ "max\n", 0, UINT64_MAX },
	{ "max", 0, UINT64_MAX },
	{ "18446744073709551615\n", 0, UINT64_MAX },
	{ "18446744073709551616\n", -1, 0 },
	{ "", -1, 0 },
	{ "\n", -1, 0 },
	{ "12a\n", -1, 0 },
	{ "-1\n", -1, 0 },
	{ "maxi\n", -1, 0 },
	{ "1\n2\n", -1, 0 },
	{ " 1\n", -1, 0 },
};

START_TEST(test_parse_u64)
{
	uint64_t v = 7;
	int rc = cgroup_parse_u64(u64_cases[_i].text, &v);

	ck_assert_msg(rc == u64_cases[_i].rc, "'%s': %d", u64_cases[_i].text, rc);
	if (rc == 0)
		ck_assert_uint_eq(v, u64_cases[_i].v);
	else
		ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* The recorded memory.stat of a service: each field from its line, and the
 * breakdown adds up to memory.current. */
START_TEST(test_parse_stat_recorded)
{
	char *text = data_text(NGINX "/memory.stat");
	char *cur = data_text(NGINX "/memory.current");
	struct cgroup_stat st;
	unsigned have = 0;
	uint64_t current;

	ck_assert_int_eq(cgroup_parse_stat(text, CGROUP_V2, &st, &have), 0);
	ck_assert_uint_eq(st.anon, 31457280);
	ck_assert_uint_eq(st.file, 16777216);
	ck_assert_uint_eq(st.kernel, 3145728);
	ck_assert_uint_eq(st.shmem, 2097152);
	ck_assert_uint_eq(st.sock, 12288);
	ck_assert_uint_eq(st.file_active, 6291456);
	ck_assert_uint_eq(st.file_inactive, 8388608);
	ck_assert_uint_eq(st.file_mapped, 9437184);
	ck_assert_uint_eq(st.file_dirty, 4096);
	ck_assert_uint_eq(have, CGROUP_HAVE_KERNEL | CGROUP_HAVE_SOCK);
	/* shmem sits on the anonymous lists */
	ck_assert_uint_eq(st.file_active + st.file_inactive, st.file - st.shmem);
	ck_assert_int_eq(cgroup_parse_u64(cur, &current), 0);
	ck_assert(near((double)(st.anon + st.file + st.kernel + st.sock), (double)current, 0.01));
	free(text);
	free(cur);
}
END_TEST

/* Before Linux 5.18 memory.stat had no "kernel" line: its parts add up
 * (slab once: the line, or its halves). */
START_TEST(test_parse_stat_kernel_parts)
{
	const char *text = "anon 1000\nfile 2000\nkernel_stack 10\npagetables 20\npercpu 30\n"
			   "sock 5\nshmem 100\nfile_mapped 50\nslab_reclaimable 300\n"
			   "slab_unreclaimable 100\nslab 400\npgfault 99\n";
	struct cgroup_stat st;
	unsigned have = 0;

	ck_assert_int_eq(cgroup_parse_stat(text, CGROUP_V2, &st, &have), 0);
	ck_assert_uint_eq(st.kernel, 10 + 20 + 30 + 400);
	ck_assert_uint_eq(st.anon, 1000);
	ck_assert_uint_eq(st.sock, 5);
	ck_assert(have & CGROUP_HAVE_KERNEL);
	/* before 5.9: no "slab" line, its halves */
	ck_assert_int_eq(cgroup_parse_stat("anon 1\nfile 2\nslab_reclaimable 300\nkernel_stack 10\n"
					   "slab_unreclaimable 100\n", CGROUP_V2, &st, &have), 0);
	ck_assert_uint_eq(st.kernel, 10 + 300 + 100);
}
END_TEST

/* v1 names, and its hierarchical total_* lines preferred wherever they are. */
static const char *const v1_stats[] = {
	"cache 53248\nrss 1679360\nrss_huge 0\nshmem 4096\nmapped_file 8192\ndirty 28672\n"
	"inactive_anon 1581056\nactive_anon 12288\ninactive_file 32768\nactive_file 20480\n"
	"hierarchical_memory_limit 9223372036854771712\n"
	"total_cache 153248\ntotal_rss 2679360\ntotal_shmem 14096\ntotal_mapped_file 18192\n"
	"total_dirty 38672\ntotal_inactive_file 132768\ntotal_active_file 20480\n",
	"total_cache 153248\ntotal_rss 2679360\ntotal_shmem 14096\ntotal_mapped_file 18192\n"
	"total_dirty 38672\ntotal_inactive_file 132768\ntotal_active_file 20480\n"
	"cache 53248\nrss 1679360\nshmem 4096\nmapped_file 8192\ndirty 28672\n"
	"inactive_file 32768\nactive_file 20480\n",
};

START_TEST(test_parse_stat_v1)
{
	struct cgroup_stat st;
	unsigned have = 0;

	ck_assert_int_eq(cgroup_parse_stat(v1_stats[_i], CGROUP_V1, &st, &have), 0);
	ck_assert_uint_eq(st.anon, 2679360);
	ck_assert_uint_eq(st.file, 153248);
	ck_assert_uint_eq(st.shmem, 14096);
	ck_assert_uint_eq(st.file_mapped, 18192);
	ck_assert_uint_eq(st.file_dirty, 38672);
	ck_assert_uint_eq(st.file_inactive, 132768);
	ck_assert_uint_eq(st.file_active, 20480);
	/* kernel and sock are not in v1's memory.stat */
	ck_assert_uint_eq(have, 0);
	ck_assert_uint_eq(st.sock, 0);
	/* a cgroup without children: only its own lines (old kernels) */
	ck_assert_int_eq(cgroup_parse_stat("cache 5\nrss 7\n", CGROUP_V1, &st, &have), 0);
	ck_assert_uint_eq(st.anon, 7);
	ck_assert_uint_eq(st.file, 5);
}
END_TEST

/* Texts not in the kernel's formats: -1 (EINVAL), never a crash. */
enum which { STAT_V2, STAT_V1, EVENTS, OOM_CONTROL, PRESSURE };

static const struct {
	enum which which;
	const char *text;
} bad_cases[] = {
	{ STAT_V2, "" },
	{ STAT_V2, "anon 1\n" },                 /* no file */
	{ STAT_V2, "file 1\n" },                 /* no anon */
	{ STAT_V2, "anon 1\nfile\n" },
	{ STAT_V2, "anon 1\nfile x\n" },
	{ STAT_V2, "anon 1\nfile 2 3\n" },
	{ STAT_V2, "anon 1\nfile 99999999999999999999\n" },
	{ STAT_V2, " anon 1\nfile 2\n" },
	{ STAT_V1, "rss 1\n" },
	{ STAT_V1, "total_cache 1\n" },
	{ EVENTS, "" },
	{ EVENTS, "low 0\nhigh 0\nmax 0\noom 0\n" },  /* no oom_kill */
	{ EVENTS, "high 0\nmax 0\noom 0\noom_kill -1\n" },
	{ OOM_CONTROL, "oom_kill_disable 0\noom_kill 0\n" },
	{ OOM_CONTROL, "under_oom yes\n" },
	{ PRESSURE, "" },
	{ PRESSURE, "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" },
	{ PRESSURE, "some avg10=0.00 avg60=0.00 avg300=0.00\n" },
	{ PRESSURE, "some avg10=x avg60=0.00 avg300=0.00 total=0\n" },
	{ PRESSURE, "some avg10=1. avg60=0.00 avg300=0.00 total=0\n" },
	{ PRESSURE, "some avg10 avg60=0.00 avg300=0.00 total=0\n" },
	{ PRESSURE, "some avg10=0.00 avg60=0.00 avg300=0.00 total=0 \n" },
	{ PRESSURE, "other avg10=0.00 avg60=0.00 avg300=0.00 total=0\n" },
};

START_TEST(test_parse_bad)
{
	struct cgroup_stat st;
	struct cgroup_events ev = { 0 };
	struct cgroup_pressure pr;
	unsigned have = 0;
	const char *text = bad_cases[_i].text;
	int rc = 0;

	errno = 0;
	switch (bad_cases[_i].which) {
	case STAT_V2: rc = cgroup_parse_stat(text, CGROUP_V2, &st, &have); break;
	case STAT_V1: rc = cgroup_parse_stat(text, CGROUP_V1, &st, &have); break;
	case EVENTS: rc = cgroup_parse_events(text, &ev, &have); break;
	case OOM_CONTROL: rc = cgroup_parse_oom_control(text, &ev, &have); break;
	case PRESSURE: rc = cgroup_parse_pressure(text, &pr); break;
	}
	ck_assert_msg(rc == -1 && errno == EINVAL, "case %d '%s': rc %d", _i, text, rc);
}
END_TEST

START_TEST(test_parse_pressure)
{
	char *text = data_text("later/system.slice/nginx.service/memory.pressure");
	struct cgroup_pressure pr;

	ck_assert_int_eq(cgroup_parse_pressure(text, &pr), 0);
	ck_assert_double_eq_tol(pr.some.avg10, 12.50, 1e-9);
	ck_assert_double_eq_tol(pr.some.avg60, 3.14, 1e-9);
	ck_assert_double_eq_tol(pr.some.avg300, 0.71, 1e-9);
	ck_assert_uint_eq(pr.some.total_us, 2845112);
	ck_assert_double_eq_tol(pr.full.avg10, 9.87, 1e-9);
	ck_assert_uint_eq(pr.full.total_us, 2234001);
	free(text);
	/* keys in any order, an unknown key skipped, no full line (old kernels) */
	ck_assert_int_eq(cgroup_parse_pressure("some total=7 avg300=0.01 new=3 avg60=0.10 avg10=1.5\n",
					       &pr), 0);
	ck_assert_uint_eq(pr.some.total_us, 7);
	ck_assert_double_eq_tol(pr.some.avg10, 1.5, 1e-9);
	ck_assert_uint_eq(pr.full.total_us, 0);
}
END_TEST

START_TEST(test_parse_events)
{
	char *before = data_text(NGINX "/memory.events");
	char *after = data_text("later/system.slice/nginx.service/memory.events");
	struct cgroup_events a, b;
	unsigned have = 0, bits;

	ck_assert_int_eq(cgroup_parse_events(before, &a, &have), 0);
	ck_assert_int_eq(cgroup_parse_events(after, &b, &have), 0);
	ck_assert_uint_eq(b.max, 1893);
	ck_assert_uint_eq(b.oom, 2);
	ck_assert_uint_eq(b.oom_kill, 1);
	ck_assert_uint_eq(b.high, 0);
	ck_assert_uint_eq(have, CGROUP_HAVE_EV_HIGH | CGROUP_HAVE_EV_MAX | CGROUP_HAVE_EV_OOM_KILL);
	bits = cgroup_events_changed(&a, &b);
	ck_assert_uint_eq(bits, CGROUP_EV_MAX | CGROUP_EV_OOM | CGROUP_EV_OOM_KILL);
	ck_assert_uint_eq(cgroup_events_changed(&b, &b), 0);
	ck_assert_uint_eq(cgroup_events_changed(&b, &a), 0);
	ck_assert_str_eq(cgroup_event_name(CGROUP_EV_OOM_KILL), "oom_kill");
	ck_assert_str_eq(cgroup_event_name(CGROUP_EV_HIGH), "high");
	ck_assert_ptr_null(cgroup_event_name(CGROUP_EV_MAX | CGROUP_EV_OOM));
	/* v1: oom_kill from memory.oom_control (4.13), under_oom a state */
	memset(&a, 0, sizeof(a));
	have = 0;
	ck_assert_int_eq(cgroup_parse_oom_control("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
						  &a, &have), 0);
	ck_assert_uint_eq(a.oom_kill, 3);
	ck_assert_uint_eq(have, CGROUP_HAVE_EV_OOM_KILL);
	b = a;
	have = 0;
	ck_assert_int_eq(cgroup_parse_oom_control("oom_kill_disable 1\nunder_oom 1\n", &b, &have), 0);
	ck_assert(b.under_oom);
	ck_assert_uint_eq(have, 0);
	ck_assert_uint_eq(cgroup_events_changed(&a, &b), CGROUP_EV_OOM);
	free(before);
	free(after);
}
END_TEST

/* --- the reader, on the recorded tree --- */

/* A copy of the recorded service, read; then the files change in place to
 * the later recording (an OOM kill): the kept-open files see the new texts. */
START_TEST(test_reader_recorded)
{
	char *dir = tl_tmpdir(), *from = data_path(NGINX), *later = data_path("later/system.slice/nginx.service");
	struct cgroup_reader r;
	struct cgroup_sample a, b;

	copy_files(from, dir);
	ck_assert_int_eq(cgroup_reader_open(&r, CGROUP_V2, dir, NULL), 0);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &a), 0);
	ck_assert_uint_eq(a.have & CGROUP_ALL, CGROUP_ALL);
	ck_assert_uint_eq(a.current, 51396608);
	ck_assert_uint_eq(a.peak, 66584576);
	ck_assert_uint_eq(a.stat.anon, 31457280);
	ck_assert_uint_eq(a.pressure.some.total_us, 1532);
	ck_assert_uint_eq(a.events.oom_kill, 0);
	copy_files(later, dir);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &b), 0);
	ck_assert_uint_eq(b.current, 67104768);
	ck_assert_uint_eq(b.peak, 67108864);
	ck_assert_uint_eq(b.stat.anon, 62914560);
	ck_assert_uint_eq(b.stat.file, 1048576);
	ck_assert_double_eq_tol(b.pressure.some.avg10, 12.5, 1e-9);
	ck_assert_uint_eq(cgroup_events_changed(&a.events, &b.events),
			  CGROUP_EV_MAX | CGROUP_EV_OOM | CGROUP_EV_OOM_KILL);
	/* only what is asked for */
	ck_assert_int_eq(cgroup_read(&r, CGROUP_CURRENT, &b), 0);
	ck_assert_uint_eq(b.have, CGROUP_CURRENT);
	ck_assert_uint_eq(b.stat.anon, 0);
	cgroup_reader_close(&r);
	tl_rmrf(dir);
	free(dir);
	free(from);
	free(later);
}
END_TEST

/* An old kernel: no memory.peak (5.19), no PSI. The sample says so. */
START_TEST(test_reader_optional_files)
{
	char *dir = tl_tmpdir(), *p;
	struct cgroup_reader r;
	struct cgroup_sample s;

	p = tl_path(dir, "memory.current");
	tl_write_file(p, "4096\n");
	free(p);
	p = tl_path(dir, "memory.stat");
	tl_write_file(p, "anon 4096\nfile 0\n");
	free(p);
	ck_assert_int_eq(cgroup_reader_open(&r, CGROUP_V2, dir, NULL), 0);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
	ck_assert_uint_eq(s.have & CGROUP_ALL, CGROUP_CURRENT | CGROUP_STAT | CGROUP_EVENTS);
	ck_assert_uint_eq(s.have & CGROUP_HAVE_EV_OOM_KILL, 0);
	ck_assert_uint_eq(s.current, 4096);
	/* a broken text is an error of the sample, not a crash */
	p = tl_path(dir, "memory.stat");
	tl_write_file(p, "anon\n");
	free(p);
	errno = 0;
	ck_assert_int_eq(cgroup_read(&r, CGROUP_STAT, &s), -1);
	ck_assert_int_eq(errno, EINVAL);
	cgroup_reader_close(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static const struct {
	enum cgroup_version v;
	bool exists;
	const char *msg;
} missing_cases[] = {
	{ CGROUP_V2, true, "has no memory.current: the memory controller is not enabled for it" },
	{ CGROUP_V1, true, "has no memory.usage_in_bytes: it is not a cgroup of the v1 memory controller" },
	{ CGROUP_V2, false, "cannot open the cgroup" },
};

START_TEST(test_reader_not_a_memory_cgroup)
{
	char *dir = tl_tmpdir();
	char *path = missing_cases[_i].exists ? xstrdup(dir) : tl_path(dir, "gone");
	struct cgroup_reader r;

	error_set_quiet(true);
	ck_assert_int_eq(cgroup_reader_open(&r, missing_cases[_i].v, path, NULL), -1);
	error_set_quiet(false);
	ck_assert_msg(strstr(error_last(), missing_cases[_i].msg) && strstr(error_last(), path),
		      "%s", error_last());
	ck_assert_ptr_null(r.path);
	tl_rmrf(dir);
	free(dir);
	free(path);
}
END_TEST

/* --reset-peak: v2 writes to a memory.peak of its own (6.12); where the file
 * is read-only (before 6.12), a message that says so. */
START_TEST(test_reset_peak)
{
	char *dir = tl_tmpdir(), *from = data_path(NGINX), *peak, *text;
	struct cgroup_reader r;
	struct cgroup_sample s;

	copy_files(from, dir);
	peak = tl_path(dir, "memory.peak");
	ck_assert_int_eq(chmod(peak, 0444), 0);
	ck_assert_int_eq(cgroup_reader_open(&r, CGROUP_V2, dir, NULL), 0);
	error_set_quiet(true);
	ck_assert_int_eq(cgroup_reader_reset_peak(&r), -1);
	error_set_quiet(false);
	ck_assert_msg(strstr(error_last(), "memory.peak is read-only before Linux 6.12"), "%s",
		      error_last());
	text = tl_read_file(peak, NULL);
	ck_assert_str_eq(text, "66584576\n");
	free(text);
	ck_assert_int_eq(chmod(peak, 0644), 0);
	ck_assert_int_eq(cgroup_reader_reset_peak(&r), 0);
	text = tl_read_file(peak, NULL);
	ck_assert_msg(str_starts_with(text, "reset\n"), "%s", text);
	free(text);
	/* the reader now reads through the file it wrote to */
	tl_write_file(peak, "4096\n");
	ck_assert_int_eq(cgroup_read(&r, CGROUP_PEAK, &s), 0);
	ck_assert_uint_eq(s.peak, 4096);
	cgroup_reader_close(&r);
	tl_rmrf(dir);
	free(dir);
	free(from);
	free(peak);
}
END_TEST

/* --- the hierarchies --- */

static const char hybrid_mountinfo[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] =
	"9:name=systemd:/\n4:memory:/process_api/ca9b\n1:cpu:/\n0::/\n";

static const struct {
	const char *what;
	const char *mountinfo, *self;
	bool recorded;             /* files under the recorded tree (else an empty dir) */
	int rc;
	enum cgroup_version v;
	const char *mem_mount, *mem_self, *v2_mount, *name, *err;
} sys_cases[] = {
	{ "v2 host", NULL, NULL, true, 0, CGROUP_V2, "/sys/fs/cgroup",
	  "/user.slice/user-1000.slice/session-3.scope", "/sys/fs/cgroup", "v2", NULL },
	{ "hybrid", hybrid_mountinfo, hybrid_self, false, 0, CGROUP_V1, "/sys/fs/cgroup/memory",
	  "/process_api/ca9b", "/sys/fs/cgroup/unified", "v1+v2", NULL },
	{ "v1 only, memory with cpuset, options after optional fields",
	  "35 31 0:32 / /sys/fs/cgroup/cpuset,memory rw shared:3 master:1 - cgroup cg rw,cpuset,memory\n",
	  "5:cpuset,memory:/a/b\n", false, 0, CGROUP_V1, "/sys/fs/cgroup/cpuset,memory", "/a/b",
	  NULL, "v1", NULL },
	{ "container: the mount shows a part of the hierarchy",
	  "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
	  "4:memory:/docker/abc/sub\n", false, 0, CGROUP_V1, "/sys/fs/cgroup/memory", "/sub",
	  NULL, "v1", NULL },
	{ "container: our cgroup is the mount's root",
	  "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
	  "4:memory:/docker/abc\n", false, 0, CGROUP_V1, "/sys/fs/cgroup/memory", "/", NULL, "v1", NULL },
	{ "our cgroup outside what is mounted",
	  "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n",
	  "4:memory:/docker/abcd\n", false, 0, CGROUP_V1, "/sys/fs/cgroup/memory", NULL, NULL, "v1", NULL },
	{ "escaped mount point",
	  "35 31 0:32 / /mnt/cg\\040mem rw - cgroup none rw,memory\n",
	  "4:memory:/\n", false, 0, CGROUP_V1, "/mnt/cg mem", "/", NULL, "v1", NULL },
	{ "v2 without memory, no v1", "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
	  "0::/\n", false, -1, CGROUP_NONE, NULL, NULL, NULL, NULL,
	  "cgroup v2 at /sys/fs/cgroup/unified has no memory in its cgroup.controllers" },
	{ "no cgroups", "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n", "", false, -1, CGROUP_NONE,
	  NULL, NULL, NULL, NULL, "no cgroup hierarchy with the memory controller is mounted" },
	{ "garbage", "x\n\n- - -\n1 2 3\n", "::\n:\n", false, -1, CGROUP_NONE,
	  NULL, NULL, NULL, NULL, "no cgroup hierarchy with the memory controller is mounted" },
};

static void check_mount(const char *got, const char *root, const char *want)
{
	if (!want) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(str_starts_with(got, root) && strcmp(got + strlen(root), want) == 0,
		      "%s, not %s%s", got, root, want);
}

START_TEST(test_sys_parse)
{
	char *root = sys_cases[_i].recorded ? data_path("") : tl_tmpdir();
	char *mi = sys_cases[_i].mountinfo ? xstrdup(sys_cases[_i].mountinfo) : data_text("mountinfo");
	char *self = sys_cases[_i].self ? xstrdup(sys_cases[_i].self) : data_text("cgroup");
	struct cgroup_sys sys;
	int rc;

	root[strlen(root) - (sys_cases[_i].recorded ? 1 : 0)] = '\0'; /* no trailing '/' */
	error_set_quiet(true);
	rc = cgroup_sys_parse(&sys, mi, self, root);
	error_set_quiet(false);
	ck_assert_msg(rc == sys_cases[_i].rc, "%s: %d %s", sys_cases[_i].what, rc, error_last());
	ck_assert_int_eq(sys.version, sys_cases[_i].v);
	if (rc < 0) {
		ck_assert_msg(strstr(error_last(), sys_cases[_i].err), "%s", error_last());
	} else {
		check_mount(sys.mem_mount, root, sys_cases[_i].mem_mount);
		check_mount(sys.v2_mount, root, sys_cases[_i].v2_mount);
		if (sys_cases[_i].mem_self)
			ck_assert_str_eq(sys.mem_self, sys_cases[_i].mem_self);
		else
			ck_assert_ptr_null(sys.mem_self);
		ck_assert_str_eq(cgroup_sys_name(&sys), sys_cases[_i].name);
	}
	cgroup_sys_release(&sys);
	if (!sys_cases[_i].recorded)
		tl_rmrf(root);
	free(root);
	free(mi);
	free(self);
}
END_TEST

/* This machine: what detection finds agrees with /proc/self/cgroup. */
START_TEST(test_sys_detect)
{
	struct cgroup_sys sys;
	char *self = tl_read_file("/proc/self/cgroup", NULL);
	char *own;
	struct stat st;

	ck_assert_ptr_nonnull(self);
	error_set_quiet(true);
	if (cgroup_sys_detect(&sys) < 0) {
		error_set_quiet(false);
		skip("no memory cgroup hierarchy on this machine: %s", error_last());
		free(self);
		return;
	}
	error_set_quiet(false);
	ck_assert_ptr_nonnull(sys.mem_self);
	if (sys.version == CGROUP_V1)
		ck_assert_msg(strstr(self, ":memory:") || strstr(self, ",memory:"), "%s", self);
	else
		ck_assert(strstr(self, "0::") != NULL);
	ck_assert_msg(strstr(self, sys.mem_self), "%s not in %s", sys.mem_self, self);
	own = strcmp(sys.mem_self, "/") ? xasprintf("%s%s", sys.mem_mount, sys.mem_self)
					: xstrdup(sys.mem_mount);
	ck_assert_msg(stat(own, &st) == 0 && S_ISDIR(st.st_mode), "%s", own);
	free(own);
	cgroup_sys_release(&sys);
	free(self);
}
END_TEST

/* --- units and containers, on the recorded tree --- */

static const struct {
	enum cgroup_by by;
	const char *arg;
	const char *rel;  /* NULL: an error containing err */
	const char *err;
} find_cases[] = {
	{ CGROUP_BY_UNIT, "nginx", "/system.slice/nginx.service", NULL },
	{ CGROUP_BY_UNIT, "nginx.service", "/system.slice/nginx.service", NULL },
	{ CGROUP_BY_UNIT, "docker", "/system.slice/docker.service", NULL },
	{ CGROUP_BY_UNIT, "getty@tty1", "/system.slice/system-getty.slice/getty@tty1.service", NULL },
	{ CGROUP_BY_UNIT, "session-3.scope", "/user.slice/user-1000.slice/session-3.scope", NULL },
	{ CGROUP_BY_UNIT, "session-3", "/user.slice/user-1000.slice/session-3.scope", NULL },
	{ CGROUP_BY_UNIT, "user-1000.slice", "/user.slice/user-1000.slice", NULL },
	{ CGROUP_BY_UNIT, "pipewire",
	  "/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service", NULL },
	{ CGROUP_BY_UNIT, "cron", NULL,
	  "unit 'cron' matches 2 cgroups under %s: /system.slice/cron.service, "
	  "/user.slice/user-1000.slice/user@1000.service/app.slice/cron.service; give one with --cgroup PATH" },
	{ CGROUP_BY_UNIT, "nosuch", NULL, "no cgroup of unit 'nosuch' under %s" },
	{ CGROUP_BY_UNIT, "user-1000", NULL, "no cgroup of unit 'user-1000'" },
	{ CGROUP_BY_UNIT, "../etc", NULL, "'../etc' is not a systemd unit name" },
	{ CGROUP_BY_UNIT, "", NULL, "'' is not a systemd unit name" },
	{ CGROUP_BY_CONTAINER, "3f4e1a", "/system.slice/docker-" DOCKER_ID ".scope", NULL },
	{ CGROUP_BY_CONTAINER, "3F4E1A9C", "/system.slice/docker-" DOCKER_ID ".scope", NULL },
	{ CGROUP_BY_CONTAINER, DOCKER_ID, "/system.slice/docker-" DOCKER_ID ".scope", NULL },
	{ CGROUP_BY_CONTAINER, "9b1c", "/machine.slice/libpod-" PODMAN_ID ".scope", NULL },
	{ CGROUP_BY_CONTAINER, "3f4e", NULL, "container '3f4e' matches 2 cgroups" },
	{ CGROUP_BY_CONTAINER, "abcdef", NULL, "no cgroup of container 'abcdef'" },
	{ CGROUP_BY_CONTAINER, "nginx", NULL, "'nginx' is not a container id" },
	{ CGROUP_BY_CONTAINER, "", NULL, "'' is not a container id" },
};

START_TEST(test_find)
{
	char *mount = data_path("sys/fs/cgroup"), *rel = (char *)"x";
	int rc;

	error_set_quiet(true);
	if (find_cases[_i].by == CGROUP_BY_UNIT)
		rc = cgroup_find_unit(mount, find_cases[_i].arg, &rel);
	else
		rc = cgroup_find_container(mount, find_cases[_i].arg, &rel);
	error_set_quiet(false);
	if (find_cases[_i].rel) {
		ck_assert_msg(rc == 0, "%s: %s", find_cases[_i].arg, error_last());
		ck_assert_str_eq(rel, find_cases[_i].rel);
	} else {
		char *want = subst(find_cases[_i].err, mount);

		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(rel);
		ck_assert_msg(strstr(error_last(), want), "'%s'\nnot in '%s'", want, error_last());
		free(want);
	}
	free(rel);
	free(mount);
}
END_TEST

/* The files under root, with their modes, times and contents (full), or
 * only the names of the directories, as one string. */
static char *tree_state(const char *root, bool full);

/* Attach by unit, by container, by path: the right cgroup is read, and
 * nothing in the tree changes. */
static const struct {
	enum cgroup_by by;
	const char *arg;
	uint64_t current;
} attach_cases[] = {
	{ CGROUP_BY_UNIT, "nginx", 51396608 },
	{ CGROUP_BY_CONTAINER, "3f4e1a9", 402661376 },
	{ CGROUP_BY_PATH, "/system.slice/nginx.service", 51396608 },
	{ CGROUP_BY_PATH, "system.slice/nginx.service", 51396608 },
	{ CGROUP_BY_PATH, "@" NGINX, 51396608 },  /* @: the full path of the directory */
};

START_TEST(test_attach_recorded)
{
	char *root = data_path(""), *mi = data_text("mountinfo"), *self = data_text("cgroup");
	char *before, *after, *arg;
	struct cgroup_sys sys;
	struct cgroup_reader r;
	struct cgroup_sample s;

	root[strlen(root) - 1] = '\0';
	ck_assert_int_eq(cgroup_sys_parse(&sys, mi, self, root), 0);
	arg = attach_cases[_i].arg[0] == '@' ? xasprintf("%s/%s", root, attach_cases[_i].arg + 1)
					     : xstrdup(attach_cases[_i].arg);
	before = tree_state(root, true);
	ck_assert_msg(cgroup_attach(&r, &sys, attach_cases[_i].by, arg) == 0, "%s", error_last());
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
	ck_assert_uint_eq(s.current, attach_cases[_i].current);
	ck_assert(s.have & CGROUP_PEAK);
	ck_assert(s.have & CGROUP_PRESSURE);
	cgroup_reader_close(&r);
	after = tree_state(root, true);
	ck_assert_str_eq(before, after);
	error_set_quiet(true);
	ck_assert_int_eq(cgroup_attach(&r, &sys, CGROUP_BY_PATH, "/system.slice/nosuch"), -1);
	error_set_quiet(false);
	ck_assert_msg(strstr(error_last(), "no cgroup '/system.slice/nosuch'"), "%s", error_last());
	cgroup_sys_release(&sys);
	free(before);
	free(after);
	free(arg);
	free(root);
	free(mi);
	free(self);
}
END_TEST

static char *state_buf;
static size_t state_len;
static bool state_full;

static int state_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char line[4200];
	char *text = flag == FTW_F && state_full ? tl_read_file(path, NULL) : NULL;
	int n;

	(void)ftw;
	if (!state_full && flag != FTW_D && flag != FTW_DNR)
		return 0;
	if (state_full)
		n = snprintf(line, sizeof(line), "%s %o %lld.%09ld %s\n", path, (unsigned)st->st_mode,
			     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, text ? text : "");
	else
		n = snprintf(line, sizeof(line), "%s\n", path);
	free(text);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	state_buf = xrealloc(state_buf, state_len + (size_t)n + 1);
	memcpy(state_buf + state_len, line, (size_t)n);
	state_len += (size_t)n;
	state_buf[state_len] = '\0';
	return 0;
}

/* (No Check asserts: also used in children that are not Check's.) */
static char *tree_state(const char *root, bool full)
{
	char *s;

	state_buf = xstrdup("");
	state_len = 0;
	state_full = full;
	if (nftw(root, state_one, 16, FTW_PHYS) != 0) {
		free(state_buf);
		state_buf = xasprintf("cannot walk %s: %s", root, strerror(errno));
	}
	s = state_buf;
	state_buf = NULL;
	return s;
}

/* Directories made read-only by a test, writable again so that they go. */
static int make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static void rmrf_all(const char *dir)
{
	nftw(dir, make_writable, 16, FTW_PHYS);
	tl_rmrf(dir);
}

/* --- where a job's cgroup goes: fake trees, as an ordinary user --- */

/* Run fn(arg, out) in a child that is an ordinary user (root drops to nobody;
 * the directory dir is handed over to it). fn writes "PASS" or what failed
 * to out (a memory stream); Check's asserts are not used in the child. */
static void as_user(const char *dir, void (*fn)(const void *arg, FILE *out), const void *arg)
{
	char buf[2048] = "";
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (geteuid() == 0)
		ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *msg = NULL;
		size_t mlen = 0;
		FILE *out = open_memstream(&msg, &mlen);

		close(pfd[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
				       setresuid(NOBODY, NOBODY, NOBODY) < 0)) {
			fprintf(out, "cannot become an ordinary user: %s", strerror(errno));
		} else {
			error_set_quiet(true);
			fn(arg, out);
		}
		fclose(out);
		if (write(pfd[1], msg, mlen) != (ssize_t)mlen)
			_exit(1);
		free(msg);
		_exit(0);
	}
	close(pfd[1]);
	while (len < sizeof(buf) - 1 && (n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_msg(strcmp(buf, "PASS") == 0, "%s", buf);
}

struct place_case {
	const char *what;
	enum cgroup_version v;
	bool at_root;             /* our cgroup is the hierarchy's root */
	const char *own_controllers, *own_subtree, *up_subtree;
	bool own_writable, up_writable, others;
	const char *want;         /* "up", "own", "root", "deleg"; NULL: error */
	const char *err;
	const char *create_err;   /* cgroup_create in the fake tree fails so, leaving nothing */
};

static const struct place_case place_cases[] = {
	{ "v2: beside our cgroup (root, or a user in its user manager)", CGROUP_V2, false,
	  "memory pids", "", "memory pids", false, true, true, "up", NULL, "cannot set %s/mprof-" },
	{ "v2 root, parent without memory", CGROUP_V2, false, "pids", "", "pids", false, true, false,
	  NULL, "does not enable the memory controller for its children", NULL },
	{ "v2 delegated scope", CGROUP_V2, false, "cpu memory pids", "", "memory pids", true, false,
	  false, "deleg", NULL, "cannot move mprof into %s/mprof-" },
	{ "v2 delegated, other processes", CGROUP_V2, false, "cpu memory pids", "", "memory", true,
	  false, true, NULL, "other processes than mprof are in it; start mprof as the only process "
	  "of its scope: systemd-run --user --scope -p Delegate=yes mprof run --cgroup ...", NULL },
	{ "v2 delegated without memory", CGROUP_V2, false, "cpu pids", "", "memory", true, false,
	  false, NULL, "the memory controller is not delegated to it", NULL },
	{ "v2 not delegated", CGROUP_V2, false, "memory pids", "", "memory pids", false, false, false,
	  NULL, "Permission denied; run as root, or in a delegated scope: "
	  "systemd-run --user --scope -p Delegate=yes mprof run --cgroup ...", NULL },
	{ "v2 at the root", CGROUP_V2, true, "memory", "memory", NULL, true, false, true,
	  "root", NULL, "cannot set %s/mprof-" },
	{ "v2 at the root, memory not enabled", CGROUP_V2, true, "memory", "", NULL, true, false,
	  true, NULL, "the memory controller is not enabled for its children; enable it: "
	  "echo +memory > ", NULL },
	{ "v1 own cgroup", CGROUP_V1, false, NULL, NULL, NULL, true, false, true, "own", NULL,
	  "cannot set %s/mprof-" },
	{ "v1 not ours", CGROUP_V1, false, NULL, NULL, NULL, false, true, true, NULL,
	  "Permission denied; run as root (sudo mprof run --cgroup ...): the v1 memory controller "
	  "is not delegated to users", NULL },
};

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(text ? text : "", f);
		fclose(f);
		chmod(p, mode);
	}
	free(p);
}

/* root/a.slice/b.scope, our cgroup (or root itself), with the case's files. */
static void make_fake_tree(const struct place_case *c, const char *root, char **own, char **up)
{
	char pids[64];

	*up = xasprintf("%s/a.slice", root);
	*own = c->at_root ? xstrdup(root) : xasprintf("%s/b.scope", *up);
	mkdir(*up, 0755);
	mkdir(*own, 0755);
	snprintf(pids, sizeof(pids), "%ld\n%s", (long)getpid(), c->others ? "4242\n" : "");
	put(*own, "cgroup.procs", pids, c->own_writable ? 0644 : 0444);
	put(*own, "cgroup.controllers", c->own_controllers, 0444);
	put(*own, "cgroup.subtree_control", c->own_subtree, c->own_writable ? 0644 : 0444);
	if (!c->at_root) {
		put(*up, "cgroup.procs", "", c->up_writable ? 0644 : 0444);
		put(*up, "cgroup.subtree_control", c->up_subtree, 0644);
		chmod(*up, c->up_writable ? 0755 : 0555);
	}
	if (!c->own_writable)
		chmod(*own, 0555);
}

static void place_check(const void *arg, FILE *out)
{
	const struct place_case *c = arg;
	/* relative to the directory we are in: its parents may be closed to us */
	char *root = xstrdup("."), *own, *up, *want = NULL, *before, *after, *err;
	struct cgroup_sys sys = { .version = c->v };
	struct cgroup_place pl;
	struct cgroup cg;
	int rc;

	make_fake_tree(c, root, &own, &up);
	sys.mem_mount = root;
	sys.mem_self = (char *)(c->at_root ? "/" : "/a.slice/b.scope");
	rc = cgroup_place_find(&sys, &pl);
	if (c->want) {
		want = xstrdup(strcmp(c->want, "up") == 0 ? up : strcmp(c->want, "root") == 0 ? root : own);
		if (rc < 0)
			fprintf(out, "%s: %s", c->what, error_last());
		else if (strcmp(pl.parent, want) != 0)
			fprintf(out, "%s: parent %s, not %s", c->what, pl.parent, want);
		else if (strcmp(c->want, "deleg") == 0 && (!pl.deleg || strcmp(pl.deleg, own) ||
							   !pl.leaf || !str_starts_with(pl.leaf, own)))
			fprintf(out, "%s: not the delegated case", c->what);
		else if (strcmp(c->want, "deleg") != 0 && (pl.deleg || pl.leaf))
			fprintf(out, "%s: delegated case", c->what);
	} else if (rc == 0 || !strstr(error_last(), c->err)) {
		fprintf(out, "%s: got %d '%s', not '%s'", c->what, rc, rc ? error_last() : "", c->err);
	}
	cgroup_place_release(&pl);
	if (!ftell(out) && c->create_err) {
		/* a fake tree has no cgroup files: creating fails half-way */
		before = tree_state(root, false);
		err = subst(c->create_err, want);
		if (cgroup_create(&cg, &sys, 64 * MIB) == 0 || !strstr(error_last(), err))
			fprintf(out, "%s: create: '%s', not '%s'", c->what, error_last(), err);
		after = tree_state(root, false);
		if (!ftell(out) && strcmp(before, after) != 0)
			fprintf(out, "%s: left behind:\n%s\nwas:\n%s", c->what, after, before);
		free(before);
		free(after);
		free(err);
	}
	if (!ftell(out))
		fputs("PASS", out);
	free(want);
	free(own);
	free(up);
	free(root);
}

START_TEST(test_place)
{
	char *dir = tl_tmpdir(), *old = getcwd(NULL, 0);

	ck_assert_int_eq(chdir(dir), 0);
	as_user(dir, place_check, &place_cases[_i]);
	ck_assert_int_eq(chdir(old), 0);
	rmrf_all(dir);
	free(dir);
	free(old);
}
END_TEST

/* --- real cgroups on this machine --- */

/* The machine's hierarchy, when mprof can make cgroups in it (as root, or
 * an ordinary user in a delegated v2 cgroup); else a SKIP. */
static bool real_sys(struct cgroup_sys *sys, const char *what)
{
	struct cgroup_place pl;

	error_set_quiet(true);
	if (cgroup_sys_detect(sys) < 0) {
		error_set_quiet(false);
		skip("%s: %s", what, error_last());
		return false;
	}
	if (cgroup_place_find(sys, &pl) < 0) {
		error_set_quiet(false);
		skip("%s: mprof cannot make cgroups here (root, or a delegated v2 cgroup): %s", what,
		     error_last());
		cgroup_sys_release(sys);
		return false;
	}
	error_set_quiet(false);
	cgroup_place_release(&pl);
	return true;
}

struct job {
	pid_t pid;
	int in, out;
};

/* cgwork in the cgroup: the child joins it before exec, and dies with us. */
static void job_start(struct job *j, const struct cgroup *cg, const char *const args[])
{
	const char *argv[16] = { CGWORK_BIN };
	int in[2], out[2];

	for (size_t i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	fflush(NULL);
	j->pid = fork();
	ck_assert_int_ge(j->pid, 0);
	if (j->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (cgroup_join_child(cg) < 0) {
			fprintf(stderr, "cannot join the cgroup: %s\n", strerror(errno));
			_exit(126);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	j->in = in[1];
	j->out = out[0];
}

/* True when the job said "ready"; false when it ended first. */
static bool job_ready(struct job *j)
{
	char buf[16] = "";
	struct pollfd p = { j->out, POLLIN, 0 };
	ssize_t n;

	ck_assert_msg(poll(&p, 1, 120000) == 1, "the job never got ready");
	n = read(j->out, buf, sizeof(buf) - 1);
	return n > 0 && strncmp(buf, "ready", 5) == 0;
}

/* Let it go, and its wait status. */
static int job_end(struct job *j)
{
	int status;

	close(j->in);
	close(j->out);
	ck_assert_int_eq(waitpid(j->pid, &status, 0), j->pid);
	return status;
}

static bool gone(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 && errno == ENOENT;
}

/* A number from a flat keyed file, read with stdio: the kernel's figure,
 * apart from the reader. */
static uint64_t kernel_value(const char *dir, const char *file, const char *key)
{
	char *p = xasprintf("%s/%s", dir, file), name[128];
	unsigned long long v;
	FILE *f = fopen(p, "r");
	uint64_t found = UINT64_MAX;

	ck_assert_msg(f != NULL, "%s", p);
	if (!key && fscanf(f, "%llu", &v) == 1)
		found = v;
	while (key && fscanf(f, "%127s %llu", name, &v) == 2)
		if (strcmp(name, key) == 0)
			found = v;
	fclose(f);
	free(p);
	ck_assert_msg(found != UINT64_MAX, "no %s in %s/%s", key, dir, file);
	return found;
}

/* Our own cgroup in a hierarchy, from /proc/PID/cgroup. */
static bool in_cgroup(pid_t pid, const char *mount, const char *path)
{
	char *proc = xasprintf("/proc/%d/cgroup", (int)pid);
	char *text = tl_read_file(proc, NULL);
	char *want = xasprintf(":%s\n", path + strlen(mount));
	bool yes = text && strstr(text, want);

	free(proc);
	free(text);
	free(want);
	return yes;
}

static bool on_tmpfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == 0x01021994;
}

/* A job with 64 MiB of anonymous memory and a 32 MiB written file: the
 * reader's figures against the known sizes and the kernel's own. */
START_TEST(test_real_job)
{
	const char *stat_file = "memory.stat";
	struct cgroup_sys sys;
	struct cgroup cg;
	struct cgroup_reader r;
	struct cgroup_sample s;
	struct job j;
	char *dir, *file;
	bool v1;
	uint64_t sum, kcur, kanon;

	if (!real_sys(&sys, "a job in a cgroup of its own"))
		return;
	v1 = sys.version == CGROUP_V1;
	dir = tl_tmpdir();
	file = tl_path(dir, "cache");
	ck_assert_msg(cgroup_create(&cg, &sys, 0) == 0, "%s", error_last());
	ck_assert_int_eq(cgroup_reader_open(&r, sys.version, cg.path, cg.psi_path), 0);
	job_start(&j, &cg, (const char *const[]){ "-a", "64", "-f", file, "-s", "32", "-w", NULL });
	ck_assert(job_ready(&j));
	ck_assert(in_cgroup(j.pid, sys.mem_mount, cg.path));
	if (cg.psi_path)
		ck_assert(in_cgroup(j.pid, sys.v2_mount, cg.psi_path));
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
	kcur = kernel_value(cg.path, v1 ? "memory.usage_in_bytes" : "memory.current", NULL);
	kanon = kernel_value(cg.path, stat_file, v1 ? "total_rss" : "anon");
	printf("job: current %.1f MiB (kernel %.1f), anon %.1f, file %.1f, shmem %.1f, kernel %.1f, "
	       "peak %.1f MiB, pressure %s\n", s.current / (double)MIB, kcur / (double)MIB,
	       s.stat.anon / (double)MIB, s.stat.file / (double)MIB, s.stat.shmem / (double)MIB,
	       s.stat.kernel / (double)MIB, s.peak / (double)MIB,
	       (s.have & CGROUP_PRESSURE) ? "yes" : "no");
	fflush(stdout);
	/* the known sizes */
	ck_assert_msg(s.stat.anon >= 64 * MIB && s.stat.anon <= 64 * MIB * 103 / 100,
		      "anon %llu", (unsigned long long)s.stat.anon);
	ck_assert_msg(s.stat.file >= 32 * MIB && s.stat.file <= 32 * MIB * 110 / 100,
		      "file %llu", (unsigned long long)s.stat.file);
	if (on_tmpfs(dir))
		ck_assert(near((double)s.stat.shmem, 32.0 * MIB, 0.05));
	else
		ck_assert_uint_lt(s.stat.shmem, MIB);
	/* the kernel's own figures */
	ck_assert(near((double)s.current, (double)kcur, 0.01));
	ck_assert(near((double)s.stat.anon, (double)kanon, 0.01));
	ck_assert(s.have & CGROUP_HAVE_KERNEL);
	sum = s.stat.anon + s.stat.file + s.stat.kernel + s.stat.sock;
	ck_assert_msg(near((double)s.current, (double)sum, 0.03), "current %llu, parts %llu",
		      (unsigned long long)s.current, (unsigned long long)sum);
	/* nothing was freed: the peak is the charge now, a little more at most */
	ck_assert(s.have & CGROUP_PEAK);
	ck_assert_uint_ge(s.peak + MIB, s.current);
	ck_assert(near((double)s.peak, (double)s.current, 0.05));
	ck_assert_uint_eq(s.events.oom_kill, 0);
	ck_assert_uint_eq(s.events.max, 0);
	ck_assert(!(s.have & CGROUP_PRESSURE) == !(cg.psi_path || sys.version == CGROUP_V2));
	ck_assert_int_eq(job_end(&j), 0);
	cgroup_reader_close(&r);
	{
		char *path = xstrdup(cg.path), *psi = cg.psi_path ? xstrdup(cg.psi_path) : NULL;

		ck_assert_int_eq(cgroup_remove(&cg, 10), 0);
		ck_assert(gone(path));
		ck_assert(!psi || gone(psi));
		free(path);
		free(psi);
	}
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
	free(file);
}
END_TEST

/* The kernel's high-water mark of a process's resident set (VmHWM), bytes. */
static uint64_t vm_hwm(long pid)
{
	char *path = xasprintf("/proc/%ld/status", pid);
	char *text = tl_read_file(path, NULL);
	const char *p = text ? strstr(text, "\nVmHWM:") : NULL;
	uint64_t kib = p ? strtoull(p + 7, NULL, 10) : 0;

	free(path);
	free(text);
	return kib * 1024;
}

/* Three processes of 32 MiB each and a 48 MiB written file: the cgroup's
 * peak is the kernel's, and above the sum of the processes' own peaks by
 * about the page cache, which no process's RSS holds. */
START_TEST(test_real_three_processes)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct cgroup_reader r;
	struct cgroup_sample s;
	struct job j;
	char *dir, *file, *procs, *p;
	uint64_t hwm = 0, kpeak;
	int n = 0;

	if (!real_sys(&sys, "three processes and a file"))
		return;
	dir = tl_tmpdir();
	file = tl_path(dir, "cache");
	ck_assert_msg(cgroup_create(&cg, &sys, 0) == 0, "%s", error_last());
	ck_assert_int_eq(cgroup_reader_open(&r, sys.version, cg.path, cg.psi_path), 0);
	job_start(&j, &cg, (const char *const[]){ "-n", "3", "-a", "32", "-f", file, "-s", "48", "-w",
						  NULL });
	ck_assert(job_ready(&j));
	procs = xasprintf("%s/cgroup.procs", cg.path);
	p = tl_read_file(procs, NULL);
	ck_assert_ptr_nonnull(p);
	for (char *q = p; *q; q += strspn(q, "\n")) {
		char *end;
		long pid = strtol(q, &end, 10);

		ck_assert(end != q);
		hwm += vm_hwm(pid);
		n++;
		q = end;
	}
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
	kpeak = kernel_value(cg.path, sys.version == CGROUP_V1 ? "memory.max_usage_in_bytes"
							      : "memory.peak", NULL);
	printf("three processes: cgroup peak %.1f MiB (kernel %.1f), their RSS peaks %.1f MiB, "
	       "page cache %.1f MiB\n", s.peak / (double)MIB, kpeak / (double)MIB,
	       hwm / (double)MIB, s.stat.file / (double)MIB);
	fflush(stdout);
	ck_assert(near((double)s.peak, (double)kpeak, 0.01));
	ck_assert_uint_ge(s.stat.anon, 96 * MIB);
	ck_assert_uint_ge(s.stat.file, 48 * MIB);
	ck_assert_msg(s.peak > hwm + 40 * MIB, "peak %llu, RSS peaks %llu",
		      (unsigned long long)s.peak, (unsigned long long)hwm);
	ck_assert_int_eq(job_end(&j), 0);
	cgroup_reader_close(&r);
	ck_assert_int_eq(cgroup_remove(&cg, 10), 0);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
	free(file);
	free(procs);
	free(p);
}
END_TEST

/* Under a limit below what it needs: the OOM kill, seen in the events. */
START_TEST(test_real_oom)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct cgroup_reader r;
	struct cgroup_sample a, b;
	struct job j;
	int status;
	char *path;

	if (!real_sys(&sys, "an OOM kill under a limit"))
		return;
	ck_assert_msg(cgroup_create(&cg, &sys, 32 * MIB) == 0, "%s", error_last());
	ck_assert_ptr_nonnull(cg.swap_off);
	ck_assert_int_eq(cgroup_reader_open(&r, sys.version, cg.path, cg.psi_path), 0);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &a), 0);
	job_start(&j, &cg, (const char *const[]){ "-a", "64", "-w", NULL });
	ck_assert(!job_ready(&j));
	status = job_end(&j);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %d", status);
	ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &b), 0);
	printf("oom: events max %llu oom %llu oom_kill %llu, peak %.1f MiB, swap off by %s, "
	       "memory stalls %llu us (some), %llu us (full)\n",
	       (unsigned long long)b.events.max, (unsigned long long)b.events.oom,
	       (unsigned long long)b.events.oom_kill, b.peak / (double)MIB, cg.swap_off,
	       (unsigned long long)b.pressure.some.total_us, (unsigned long long)b.pressure.full.total_us);
	fflush(stdout);
	ck_assert(b.have & CGROUP_HAVE_EV_OOM_KILL);
	ck_assert(cgroup_events_changed(&a.events, &b.events) & CGROUP_EV_OOM_KILL);
	/* (the kernel does not count hitting a v1 memory+swap limit, see cgroup.c) */
	if (strcmp(cg.swap_off, "memory.memsw.limit_in_bytes") != 0)
		ck_assert(cgroup_events_changed(&a.events, &b.events) & CGROUP_EV_MAX);
	/* the reclaim at the limit was a memory stall of the job */
	if (b.have & CGROUP_PRESSURE)
		ck_assert_uint_gt(b.pressure.some.total_us, a.pressure.some.total_us);
	ck_assert_uint_le(b.peak, 32 * MIB);
	ck_assert_uint_ge(b.peak, 30 * MIB);
	cgroup_reader_close(&r);
	path = xstrdup(cg.path);
	ck_assert_int_eq(cgroup_remove(&cg, 10), 0);
	ck_assert(gone(path));
	free(path);
	cgroup_sys_release(&sys);
}
END_TEST

/* What is left when the job is over is killed, cgroups made inside removed. */
START_TEST(test_real_remove_leftovers)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct job j;
	char *path, *sub;
	int status;

	if (!real_sys(&sys, "removing a cgroup with processes left"))
		return;
	ck_assert_msg(cgroup_create(&cg, &sys, 0) == 0, "%s", error_last());
	job_start(&j, &cg, (const char *const[]){ "-n", "3", "-a", "1", "-w", NULL });
	ck_assert(job_ready(&j));
	ck_assert_int_eq(cgroup_populated(&cg), 1);
	path = xstrdup(cg.path);
	sub = tl_path(path, "inner");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(cgroup_remove(&cg, 0.1), 0);
	ck_assert(gone(path));
	ck_assert_int_eq(waitpid(j.pid, &status, 0), j.pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(j.in);
	close(j.out);
	free(path);
	free(sub);
	cgroup_sys_release(&sys);
}
END_TEST

/* Attach by path to a cgroup whose peak (32 MiB, from a job that ended) is
 * above its usage (16 MiB, a job that runs): read-only, its peak unchanged;
 * then --reset-peak. */
START_TEST(test_real_attach_readonly)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct cgroup_reader r;
	struct cgroup_sample s;
	struct job j;
	const char *peak_file;
	uint64_t peak0;
	char *rel;

	if (!real_sys(&sys, "attach to a cgroup by path"))
		return;
	peak_file = sys.version == CGROUP_V1 ? "memory.max_usage_in_bytes" : "memory.peak";
	ck_assert_msg(cgroup_create(&cg, &sys, 0) == 0, "%s", error_last());
	job_start(&j, &cg, (const char *const[]){ "-a", "32", "-w", NULL });
	ck_assert(job_ready(&j));
	ck_assert_int_eq(job_end(&j), 0);
	job_start(&j, &cg, (const char *const[]){ "-a", "16", "-w", NULL });
	ck_assert(job_ready(&j));
	peak0 = kernel_value(cg.path, peak_file, NULL);
	ck_assert_uint_ge(peak0, 32 * MIB);
	rel = xstrdup(cg.path + strlen(sys.mem_mount));
	for (int by_rel = 0; by_rel < 2; by_rel++) {
		ck_assert_msg(cgroup_attach(&r, &sys, CGROUP_BY_PATH, by_rel ? rel : cg.path) == 0, "%s",
			      error_last());
		for (int i = 0; i < 100; i++)
			ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
		ck_assert_uint_ge(s.stat.anon, 16 * MIB);
		ck_assert_uint_lt(s.current, 24 * MIB);
		ck_assert_uint_eq(s.peak, peak0);
		cgroup_reader_close(&r);
	}
	ck_assert_uint_eq(kernel_value(cg.path, peak_file, NULL), peak0);
	/* --reset-peak: from the usage now (v1: for every reader; v2: this one) */
	ck_assert_int_eq(cgroup_attach(&r, &sys, CGROUP_BY_PATH, cg.path), 0);
	error_set_quiet(true);
	if (cgroup_reader_reset_peak(&r) < 0) {
		error_set_quiet(false);
		skip("--reset-peak: %s", error_last());
	} else {
		error_set_quiet(false);
		ck_assert_int_eq(cgroup_read(&r, CGROUP_ALL, &s), 0);
		ck_assert_uint_lt(s.peak, 24 * MIB);
		ck_assert_uint_ge(s.peak + MIB, s.current);
		if (sys.version == CGROUP_V2)
			ck_assert_uint_eq(kernel_value(cg.path, peak_file, NULL), peak0);
	}
	cgroup_reader_close(&r);
	ck_assert_int_eq(job_end(&j), 0);
	ck_assert_int_eq(cgroup_remove(&cg, 10), 0);
	free(rel);
	cgroup_sys_release(&sys);
}
END_TEST

/* An ordinary user cannot make a cgroup here: one clear message, nothing
 * left behind. */
static void user_create(const void *arg, FILE *out)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	char *own, *before, *after;
	const char *hint = NULL;

	(void)arg;
	if (cgroup_sys_detect(&sys) < 0) {
		fprintf(out, "detect: %s", error_last());
		return;
	}
	own = strcmp(sys.mem_self, "/") ? xasprintf("%s%s", sys.mem_mount, sys.mem_self)
					: xstrdup(sys.mem_mount);
	before = tree_state(own, false);
	if (cgroup_create(&cg, &sys, 0) == 0) {
		cgroup_remove(&cg, 1);
		fputs("DELEGATED", out);
	} else {
		hint = sys.version == CGROUP_V1 ? "run as root (sudo mprof run --cgroup ...)"
						: "systemd-run --user --scope -p Delegate=yes";
		if (!strstr(error_last(), "cannot create a cgroup") || !strstr(error_last(), hint))
			fprintf(out, "message: %s", error_last());
	}
	after = tree_state(own, false);
	if (!ftell(out) && strcmp(before, after) != 0)
		fprintf(out, "left behind in %s", own);
	if (!ftell(out)) {
		fputs("PASS", out);
		printf("as an ordinary user: %s\n", error_last());
		fflush(stdout);
	}
	free(before);
	free(after);
	free(own);
	cgroup_sys_release(&sys);
}

START_TEST(test_user_cannot_create)
{
	char *dir = tl_tmpdir();
	struct cgroup_sys sys;

	error_set_quiet(true);
	if (cgroup_sys_detect(&sys) < 0) {
		error_set_quiet(false);
		skip("an ordinary user making a cgroup: %s", error_last());
		tl_rmrf(dir);
		free(dir);
		return;
	}
	error_set_quiet(false);
	cgroup_sys_release(&sys);
	as_user(dir, user_create, NULL);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* After the run: cgroups of processes that are gone (a test that failed
 * half-way) are removed. Those made since the suite started (not in
 * `before`) are counted as a failure; older ones (an earlier run that was
 * killed) are only removed. With before NULL, nothing is removed: the names
 * of the cgroups there are put in *seen. */
static int sweep_leftovers(const struct strvec *before, struct strvec *seen)
{
	struct cgroup_sys sys;
	int found = 0;

	error_set_quiet(true);
	if (cgroup_sys_detect(&sys) < 0 || !sys.mem_self) {
		error_set_quiet(false);
		return 0;
	}
	error_set_quiet(false);
	for (int h = 0; h < 2; h++) {
		const char *mount = h ? sys.v2_mount : sys.mem_mount;
		const char *self = h ? sys.v2_self : sys.mem_self;
		char *own;
		DIR *d;
		struct dirent *e;

		if (!mount || !self || (h && sys.version == CGROUP_V2))
			continue;
		own = strcmp(self, "/") ? xasprintf("%s%s", mount, self) : xstrdup(mount);
		d = opendir(own);
		while (d && (e = readdir(d))) {
			int pid;

			bool stale = false;
			char *path;

			if (sscanf(e->d_name, "mprof-%d-", &pid) != 1 || kill(pid, 0) == 0 || errno != ESRCH)
				continue;
			if (!before) {
				strvec_push_nodup(seen, xasprintf("%s/%s", own, e->d_name));
				continue;
			}
			path = xasprintf("%s/%s", own, e->d_name);
			for (size_t i = 0; i < before->n && !stale; i++)
				stale = !strcmp(before->v[i], path);
			free(path);
			fprintf(stderr, "%s: %s/%s\n", stale ? "removed, from an earlier run" : "left behind", own,
				e->d_name);
			found += !stale;
			{
				struct cgroup cg = { .version = h ? CGROUP_V2 : sys.version,
						     .procs_fd = -1, .psi_procs_fd = -1, .dir_fd = -1 };

				cg.path = xasprintf("%s/%s", own, e->d_name);
				cgroup_remove(&cg, 1);
			}
		}
		if (d)
			closedir(d);
		free(own);
	}
	cgroup_sys_release(&sys);
	return found;
}

int main(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("parse");
	struct strvec before = { 0 };
	int rc, left;

	skips = mmap(NULL, sizeof(*skips), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skips == MAP_FAILED)
		skips = NULL;
	tcase_add_loop_test(tc, test_parse_u64, 0, ARRAY_SIZE(u64_cases));
	tcase_add_test(tc, test_parse_stat_recorded);
	tcase_add_test(tc, test_parse_stat_kernel_parts);
	tcase_add_loop_test(tc, test_parse_stat_v1, 0, ARRAY_SIZE(v1_stats));
	tcase_add_loop_test(tc, test_parse_bad, 0, ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_parse_pressure);
	tcase_add_test(tc, test_parse_events);
	suite_add_tcase(s, tc);
	tc = tcase_create("recorded");
	tcase_add_test(tc, test_reader_recorded);
	tcase_add_test(tc, test_reader_optional_files);
	tcase_add_loop_test(tc, test_reader_not_a_memory_cgroup, 0, ARRAY_SIZE(missing_cases));
	tcase_add_test(tc, test_reset_peak);
	tcase_add_loop_test(tc, test_sys_parse, 0, ARRAY_SIZE(sys_cases));
	tcase_add_test(tc, test_sys_detect);
	tcase_add_loop_test(tc, test_find, 0, ARRAY_SIZE(find_cases));
	tcase_add_loop_test(tc, test_attach_recorded, 0, ARRAY_SIZE(attach_cases));
	tcase_add_loop_test(tc, test_place, 0, ARRAY_SIZE(place_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("real");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_real_job);
	tcase_add_test(tc, test_real_three_processes);
	tcase_add_test(tc, test_real_oom);
	tcase_add_test(tc, test_real_remove_leftovers);
	tcase_add_test(tc, test_real_attach_readonly);
	tcase_add_test(tc, test_user_cannot_create);
	suite_add_tcase(s, tc);
	sweep_leftovers(NULL, &before);
	rc = tl_run_suite(s);
	left = sweep_leftovers(&before, NULL);
	strvec_clear(&before);
	if (skips && *skips)
		printf("cgroup: %d check%s skipped (SKIP lines above)\n", *skips, *skips > 1 ? "s" : "");
	return left ? EXIT_FAILURE : rc;
}
