/* mprof run --python-heap: the injected helper sends tracemalloc's size (H
 * events) from a thread of its own; mprof writes PYHEAP records. A script
 * that builds a list of small objects, then maps and touches anonymous
 * memory: the Python heap rises with the list and not with the mapping,
 * the resident memory with both. */
#include "testlib.h"
#include "events.h"
#include "profile.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST_N "300000"
#define MAP_MIB 64

/* ---- the event ---- */

static const struct {
	const char *in;
	const char *out;      /* records written */
	unsigned long dropped;
} heap_events[] = {
	{ "H 1 1 100.5 1048576\n", "PYHEAP 1.000000 100.500000\n", 0 },
	{ "H 7 8 200 0\nH 7 8 200.25 3145728\n", "PYHEAP 0.000000 200.000000\nPYHEAP 3.000000 200.250000\n", 0 },
	{ "H 1 1 100 lots\n", "", 1 },
	{ "H 1 1 100 -5\n", "", 1 },
	{ "H 1 1 100\n", "", 1 },
};

START_TEST(test_heap_event)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *text;
	struct profile_writer w;
	struct events *ev;
	const char *in = heap_events[_i].in;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	error_set_quiet(true);
	events_feed(ev, in, strlen(in), NULL, NULL);
	ck_assert_uint_eq(events_dropped(ev), heap_events[_i].dropped);
	events_free(ev);
	error_set_quiet(false);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_str_eq(text, heap_events[_i].out);
	free(text);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- end to end ---- */

static const char script[] =
	"import mmap, time\n"
	"time.sleep(0.3)\n"
	"with profile.timestamp('list'):\n"
	"    data = [(i, i + 1) for i in range(" LIST_N ")]\n"
	"time.sleep(0.4)\n"
	"with profile.timestamp('map'):\n"
	"    m = mmap.mmap(-1, %d << 20)\n"
	"    for off in range(0, %d << 20, 4096):\n"
	"        m[off] = 1\n"
	"time.sleep(0.4)\n";

struct phases {
	double list0, list1, map0, map1;
	int pyheap;
};

/* The highest value of PYHEAP (heap) or MEM (!heap) from t0 to t1. */
static double highest(const char *path, bool heap, double t0, double t1)
{
	struct profile_reader pr;
	struct record rec;
	double v = -1;

	ck_assert_int_eq(profile_reader_open(&pr, path), 0);
	while (profile_reader_next(&pr, &rec) > 0)
		if (rec.kind == (heap ? REC_PYHEAP : REC_MEM) && rec.t >= t0 && rec.t <= t1 && rec.mem > v)
			v = rec.mem;
	profile_reader_close(&pr);
	ck_assert_msg(v >= 0, "no %s record from %.3f to %.3f", heap ? "PYHEAP" : "MEM", t0, t1);
	return v;
}

static void read_phases(const char *path, struct phases *ph)
{
	struct profile_reader pr;
	struct record rec;

	memset(ph, 0, sizeof(*ph));
	ck_assert_int_eq(profile_reader_open(&pr, path), 0);
	while (profile_reader_next(&pr, &rec) > 0) {
		if (rec.kind == REC_PYHEAP)
			ph->pyheap++;
		if (rec.kind != REC_FUNC)
			continue;
		if (rec.text_len == 5 && !memcmp(rec.text, ".list", 5)) {
			ph->list0 = rec.t;
			ph->list1 = rec.t_end;
		} else if (rec.text_len == 4 && !memcmp(rec.text, ".map", 4)) {
			ph->map0 = rec.t;
			ph->map1 = rec.t_end;
		}
	}
	profile_reader_close(&pr);
	ck_assert_msg(ph->list1 > 0 && ph->map1 > 0, "no FUNC records of the script's phases");
}

START_TEST(test_heap_not_native)
{
	char *dir = tl_tmpdir(), *py = tl_path(dir, "heap.py"), *dat = tl_path(dir, "h.dat"), *text;
	double h_before, h_list, h_map, m_before, m_list, m_map;
	struct tl_result r;
	struct phases ph;

	text = xasprintf(script, MAP_MIB, MAP_MIB);
	tl_write_file(py, text);
	free(text);
	tl_run_env(&r, dir, NULL, 120, (const char *const[]){ "mprof", "run", "--python-heap", "-T", "0.05", "-o",
							      "h.dat", "heap.py", NULL });
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	read_phases(dat, &ph);
	ck_assert_int_gt(ph.pyheap, 10);
	/* just before each phase, and in the time after it */
	h_before = highest(dat, true, ph.list0 - 0.3, ph.list0);
	h_list = highest(dat, true, ph.list1, ph.map0);
	h_map = highest(dat, true, ph.map1, ph.map1 + 0.35);
	m_before = highest(dat, false, ph.list0 - 0.3, ph.list0);
	m_list = highest(dat, false, ph.list1, ph.map0);
	m_map = highest(dat, false, ph.map1, ph.map1 + 0.35);
	fprintf(stderr, "python heap %.1f -> %.1f -> %.1f MiB; resident %.1f -> %.1f -> %.1f MiB\n", h_before, h_list,
		h_map, m_before, m_list, m_map);
	/* 300000 tuples of two ints: about 25 MiB of objects, and the list */
	ck_assert_msg(h_list - h_before > 15, "the heap did not rise with the list: %.1f -> %.1f", h_before, h_list);
	ck_assert_msg(fabs(h_map - h_list) < 2, "the heap moved with the mapping: %.1f -> %.1f", h_list, h_map);
	ck_assert_msg(m_list - m_before > 15, "resident memory did not rise with the list: %.1f -> %.1f", m_before,
		      m_list);
	ck_assert_msg(m_map - m_list > MAP_MIB * 0.9, "resident memory did not rise with the mapping: %.1f -> %.1f",
		      m_list, m_map);
	if (access("/usr/bin/python3-mprof", X_OK) == 0) {
		tl_run(&r, dir, "/usr/bin/python3-mprof", "peak", "h.dat");
		ck_assert_msg(r.status == 0 && str_starts_with(r.out, "h.dat\t"), "python3-mprof peak: %s%s", r.out,
			      r.err);
		tl_result_free(&r);
	} else {
		tl_skip("the Python tool reading PYHEAP records: /usr/bin/python3-mprof is not installed");
	}
	free(py);
	free(dat);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Only for a Python program that mprof runs. */
START_TEST(test_refused)
{
	struct tl_result r;

	tl_run(&r, NULL, "mprof", "run", "--python-heap", "-o", "/nonexistent/x.dat", "true");
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "--python-heap"), "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "run", "--python-heap", "--nopython", "-o", "/nonexistent/x.dat", "x.py");
	ck_assert_int_eq(r.status, 2);
	tl_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pyheap");
	TCase *tc = tcase_create("pyheap");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_heap_event, 0, ARRAY_SIZE(heap_events));
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_heap_not_native);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
