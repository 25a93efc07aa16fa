/* proc: reading memory, high-water marks, names and the process tree. */
#include "testlib.h"
#include "proc.h"
#include "proctree.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

/* Map and touch mib MiB. The raw system call and an uninstrumented loop keep
 * a sanitizer build from touching shadow memory too: the test measures RSS. */
#if defined(__GNUC__)
__attribute__((no_sanitize_address))
#endif
static char *touch_mib(size_t mib)
{
	char *p = (char *)syscall(SYS_mmap, NULL, mib << 20, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	for (size_t i = 0; i < mib << 20; i += 4096)
		p[i] = 1;
	return p;
}

/* Wait (up to 10 s) for pid to be in state `state`. */
static void wait_state(pid_t pid, char state)
{
	struct proc_stat st;

	for (int i = 0; i < 1000; i++) {
		if (proc_read_stat(pid, &st) && st.state == state)
			return;
		tl_sleep_ms(10);
	}
	ck_abort_msg("pid %d never reached state %c", (int)pid, state);
}

/* A child that sleeps until killed. */
static pid_t sleeper(const char *comm)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* gone with the test, even one that failed half-way */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (comm)
			prctl(PR_SET_NAME, comm);
		for (;;)
			pause();
	}
	if (comm) {
		char now[64] = "";

		/* wait (up to 10 s) until it has its name */
		for (int i = 0; i < 1000 && strcmp(now, comm) != 0; i++) {
			tl_sleep_ms(10);
			proc_read_comm(pid, now, sizeof(now));
		}
	}
	return pid;
}

/* A check that cannot run here says so in the test log. */
static bool backend_missing(enum proc_backend b)
{
	if (b == PROC_RSS || proc_have_smaps_rollup())
		return false;
	tl_skip("no /proc/PID/smaps_rollup (Linux 4.14): %s cannot be read", proc_backend_name(b));
	return true;
}

/* ---- memory ---- */

static const enum proc_backend all_backends[] = { PROC_RSS, PROC_PSS, PROC_USS };

/* 48 MiB touched show as 48 MiB more, within 5%, whatever the backend. */
START_TEST(test_read_mem_sees_allocation)
{
	enum proc_backend b = all_backends[_i];
	struct proc_handle h;
	uint64_t before, after, hwm;
	char *p;
	double grew;

	if (backend_missing(b))
		return;
	ck_assert_int_eq(proc_open(&h, getpid(), b), 0);
	ck_assert(proc_read_mem(&h, &before));
	p = touch_mib(48);
	ck_assert(proc_read_mem(&h, &after));
	grew = (double)(after - before) / MIB;
	ck_assert_msg(grew > 48 * 0.95 && grew < 48 * 1.05, "%s grew by %.2f MiB", proc_backend_name(b), grew);
	ck_assert(proc_read_hwm(&h, &hwm));
	ck_assert_msg((double)hwm / MIB >= 48, "VmHWM %.2f MiB", (double)hwm / MIB);
	syscall(SYS_munmap, p, (size_t)48 << 20);
	/* The high-water mark stays after the memory is gone. */
	ck_assert(proc_read_hwm(&h, &hwm));
	ck_assert((double)hwm / MIB >= 48);
	proc_close(&h);
}
END_TEST

START_TEST(test_backends_order)
{
	struct proc_handle rss, pss, uss;
	uint64_t r, p, u;

	if (backend_missing(PROC_PSS))
		return;
	ck_assert_int_eq(proc_open(&rss, getpid(), PROC_RSS), 0);
	ck_assert_int_eq(proc_open(&pss, getpid(), PROC_PSS), 0);
	ck_assert_int_eq(proc_open(&uss, getpid(), PROC_USS), 0);
	ck_assert(proc_read_mem(&uss, &u));
	ck_assert(proc_read_mem(&pss, &p));
	ck_assert(proc_read_mem(&rss, &r));
	ck_assert_msg(u > 0 && u <= p + (1 << 20) && p <= r + (1 << 20), "uss %lu pss %lu rss %lu",
		      (unsigned long)u, (unsigned long)p, (unsigned long)r);
	proc_close(&rss);
	proc_close(&pss);
	proc_close(&uss);
}
END_TEST

/* A zombie has no memory (errno 0); a reaped process has vanished (ESRCH);
 * neither is an error the sampler must die of. */
START_TEST(test_zombie_and_vanished)
{
	enum proc_backend b = all_backends[_i];
	struct proc_handle h;
	struct proc_stat st;
	uint64_t v;
	pid_t pid;

	if (backend_missing(b))
		return;
	pid = sleeper(NULL);
	ck_assert_int_eq(proc_open(&h, pid, b), 0);
	ck_assert(proc_read_mem(&h, &v));
	ck_assert(proc_read_hwm(&h, &v));
	kill(pid, SIGKILL);
	wait_state(pid, 'Z');
	ck_assert(!proc_read_mem(&h, &v));
	ck_assert_int_eq(errno, 0); /* every backend: there, without memory */
	ck_assert(!proc_read_hwm(&h, &v));
	ck_assert(proc_read_stat(pid, &st));
	ck_assert_int_eq(st.state, 'Z');
	ck_assert_int_eq(st.ppid, getpid());
	waitpid(pid, NULL, 0);
	ck_assert(!proc_read_mem(&h, &v));
	ck_assert_int_ne(errno, 0);
	ck_assert(!proc_read_stat(pid, &st));
	ck_assert(!proc_exists(pid));
	proc_close(&h);
	ck_assert_int_eq(proc_open(&h, pid, b), -1);
}
END_TEST

START_TEST(test_stat_counts_reaped_children)
{
	struct proc_stat st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct proc_stat mine;
		pid_t kid = fork();

		if (kid == 0)
			_exit(touch_mib(1) != NULL ? 0 : 1);
		if (!proc_read_stat(getpid(), &mine) || mine.cminflt != 0)
			_exit(2);
		waitpid(kid, NULL, 0);
		if (!proc_read_stat(getpid(), &mine) || mine.cminflt == 0)
			_exit(3);
		_exit(0);
	}
	ck_assert(proc_read_stat(getpid(), &st));
	ck_assert_int_eq(st.state, 'R');
	{
		int status;

		waitpid(pid, &status, 0);
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
}
END_TEST

/* ---- names ---- */

START_TEST(test_comm_and_cmdline)
{
	char comm[64];
	char **argv;
	pid_t pid = sleeper("mprof-t-comm");

	ck_assert(proc_read_comm(pid, comm, sizeof(comm)));
	ck_assert_str_eq(comm, "mprof-t-comm");
	ck_assert(proc_read_cmdline(getpid(), &argv));
	ck_assert_ptr_nonnull(argv[0]);
	ck_assert(strstr(argv[0], "test-proc") != NULL);
	strv_free(argv);
	tl_kill_wait(pid);
	ck_assert(!proc_read_comm(pid, comm, sizeof(comm)));
	ck_assert(!proc_read_cmdline(pid, &argv));
}
END_TEST

START_TEST(test_find_by_name)
{
	char name[16];
	pid_t a, b;

	snprintf(name, sizeof(name), "mpt%d", (int)getpid() % 100000);
	a = sleeper(name);
	b = sleeper(name);
	/* The lowest pid whose name contains the hint, never ourselves. */
	ck_assert_int_eq(proc_find_by_name(name, getpid()), a < b ? a : b);
	ck_assert_int_eq(proc_find_by_name(name + 1, getpid()), a < b ? a : b);
	ck_assert_int_eq(proc_find_by_name("no-such-process-name-here", getpid()), 0);
	ck_assert_int_ne(proc_find_by_name("test-proc", getpid()), getpid());
	tl_kill_wait(a);
	tl_kill_wait(b);
	ck_assert_int_eq(proc_find_by_name(name, getpid()), 0);
}
END_TEST

/* ---- the tree ---- */

/* Run with the tree's mode forced: children files (where the kernel has
 * them), a scan of /proc. */
static const enum proc_tree_mode tree_modes[] = { PROC_TREE_CHILDREN_FILES, PROC_TREE_SCAN };

static bool tree_mode_available(enum proc_tree_mode mode)
{
	char path[64];

	if (mode == PROC_TREE_SCAN)
		return true;
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	if (access(path, R_OK) == 0)
		return true;
	return false;
}

static int index_of(const struct pidvec *pv, pid_t pid)
{
	for (size_t i = 0; i < pv->n; i++)
		if (pv->v[i] == pid)
			return (int)i;
	return -1;
}

START_TEST(test_descendants)
{
	struct proc_tree t;
	struct pidvec pv = { 0 };
	int up[2];
	pid_t child, grandchild = 0, other;

	if (!tree_mode_available(tree_modes[_i])) {
		tl_skip("descendants from /proc/PID/task/TID/children: this kernel has none "
			"(CONFIG_PROC_CHILDREN); the scan of /proc is tested");
		return;
	}
	proc_tree_init(&t);
	t.mode = tree_modes[_i];
	ck_assert_int_eq(pipe(up), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pid_t g;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		g = sleeper(NULL);

		if (write(up[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(up[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));
	other = sleeper(NULL);

	ck_assert_int_eq(proc_descendants(&t, child, &pv), 0);
	ck_assert_uint_eq(pv.n, 1);
	ck_assert_int_eq(pv.v[0], grandchild);

	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_int_ge(index_of(&pv, child), 0);
	ck_assert_int_ge(index_of(&pv, other), 0);
	/* Parents come before their children. */
	ck_assert_int_gt(index_of(&pv, grandchild), index_of(&pv, child));

	/* A child born after a pass is found by the next one (a pass skips
	 * only processes already known to be outside the tree). */
	{
		pid_t late = sleeper(NULL);

		ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
		ck_assert_int_ge(index_of(&pv, late), 0);
		ck_assert_int_ge(index_of(&pv, grandchild), 0);
		tl_kill_wait(late);
	}

	/* A process that has gone is simply not there, once the tree is told
	 * that one of its processes has ended (no pid was allocated). */
	tl_kill_wait(other);
	proc_tree_changed(&t);
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_int_eq(index_of(&pv, other), -1);
	kill(grandchild, SIGKILL);
	tl_kill_wait(child);
	ck_assert_int_eq(proc_descendants(&t, child, &pv), 0);
	ck_assert_uint_eq(pv.n, 0);
	pidvec_release(&pv);
	proc_tree_release(&t);
	close(up[0]);
	close(up[1]);
}
END_TEST

/* The tree changes between two walks: a child ends and another is forked,
 * below the root and below a child. The second walk lists exactly the live
 * ones (in children-files mode, files kept open from the first walk must
 * neither give a dead process's list nor miss the new one). */
START_TEST(test_descendants_change)
{
	struct proc_tree t;
	struct pidvec pv = { 0 };
	int up[2], down[2];
	pid_t mid, g1 = 0, g2 = 0, a, b, c;
	char go = 'x';

	if (!tree_mode_available(tree_modes[_i])) {
		tl_skip("descendants from /proc/PID/task/TID/children: this kernel has none "
			"(CONFIG_PROC_CHILDREN); the scan of /proc is tested");
		return;
	}
	proc_tree_init(&t);
	t.mode = tree_modes[_i];
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	mid = fork();
	ck_assert_int_ge(mid, 0);
	if (mid == 0) {
		pid_t g;
		char cmd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		g = sleeper(NULL);
		if (write(up[1], &g, sizeof(g)) != sizeof(g) || read(down[0], &cmd, 1) != 1)
			_exit(1);
		tl_kill_wait(g);
		g = sleeper(NULL);
		if (write(up[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(up[0], &g1, sizeof(g1)), sizeof(g1));
	a = sleeper(NULL);
	b = sleeper(NULL);

	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_uint_eq(pv.n, 4);
	ck_assert_int_ge(index_of(&pv, g1), 0);
	ck_assert_int_ge(index_of(&pv, a), 0);

	tl_kill_wait(a);
	c = sleeper(NULL);
	ck_assert_int_eq(write(down[1], &go, 1), 1);
	ck_assert_int_eq(read(up[0], &g2, sizeof(g2)), sizeof(g2));

	/* twice: the second walk reads the files the first one kept */
	for (int pass = 0; pass < 2; pass++) {
		ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
		ck_assert_uint_eq(pv.n, 4);
		ck_assert_int_ge(index_of(&pv, mid), 0);
		ck_assert_int_ge(index_of(&pv, b), 0);
		ck_assert_int_ge(index_of(&pv, c), 0);
		ck_assert_int_gt(index_of(&pv, g2), index_of(&pv, mid));
		ck_assert_int_eq(index_of(&pv, a), -1);
		ck_assert_int_eq(index_of(&pv, g1), -1);
	}

	kill(g2, SIGKILL);
	tl_kill_wait(mid);
	tl_kill_wait(b);
	tl_kill_wait(c);
	proc_tree_changed(&t);
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_uint_eq(pv.n, 0);
	pidvec_release(&pv);
	proc_tree_release(&t);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}
END_TEST

/* ---- reusing a walk ---- */

/* The last field of /proc/loadavg, the last pid allocated; a text not like
 * the kernel's is not read (the tree is then walked at every call). */
static const struct {
	const char *text;
	bool ok;
	uint64_t pid;
} loadavg_cases[] = {
	{ "0.00 0.01 0.05 1/123 4567\n", true, 4567 },
	{ "12.50 3.20 1.00 10/2000 4194304", true, 4194304 },
	{ "0.00 0.01 0.05 1/123 0\n", true, 0 },
	{ "0.00 0.01 0.05 1/123 4567 \n", false, 0 },
	{ "0.00 0.01 0.05 1/123\n", false, 0 },
	{ "0.00 0.01 0.05 1-123 4567\n", false, 0 },
	{ "0.00 0.01 0.05 1/123 45x7\n", false, 0 },
	{ "0.00 0.01 0.05 1/123 \n", false, 0 },
	{ "0.00 0.01 0.05 1/123 -1\n", false, 0 },
	{ "0.00  0.01 0.05 1/123 4567\n", false, 0 },
	{ "0.00 0.01 0.05 1/123 4567\nmore\n", false, 0 },
	{ "0.00 0.01 0.05 1/123 99999999999999999999999\n", false, 0 },
	{ "", false, 0 },
};

START_TEST(test_loadavg_last_pid)
{
	uint64_t v = 12345;

	ck_assert_msg(proc_loadavg_last_pid(loadavg_cases[_i].text, &v) == loadavg_cases[_i].ok, "'%s'",
		      loadavg_cases[_i].text);
	ck_assert(v == (loadavg_cases[_i].ok ? loadavg_cases[_i].pid : 12345));
}
END_TEST

/* The last pid allocated, read as the tree reads it. */
static bool last_pid(uint64_t *v)
{
	char *text = tl_read_file("/proc/loadavg", NULL);
	bool ok = text && proc_loadavg_last_pid(text, v);

	free(text);
	return ok;
}

/* A child of ours with a child of its own, *g, that outlives it (gone
 * within a minute at the latest); the child exits when a byte comes on
 * down[0]. */
static pid_t middle_with_child(pid_t *g, const int down[2])
{
	int up[2];
	pid_t mid;

	ck_assert_int_eq(pipe(up), 0);
	mid = fork();
	ck_assert_int_ge(mid, 0);
	if (mid == 0) {
		pid_t k;
		char cmd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		k = fork();
		if (k == 0) {
			alarm(60);
			for (;;)
				pause();
		}
		if (k < 0 || write(up[1], &k, sizeof(k)) != sizeof(k))
			_exit(1);
		if (read(down[0], &cmd, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(up[0], g, sizeof(*g)), sizeof(*g));
	close(up[0]);
	close(up[1]);
	return mid;
}

/* Two calls with no pid allocated before them: the next one gives the same
 * list without walking. Other processes of the machine allocate pids too:
 * tried until one try saw the last pid stand still. */
static void assert_no_walk_when_still(struct proc_tree *t, struct pidvec *pv, pid_t mid, pid_t g)
{
	bool still = false;

	if (t->cursor_state != PROC_CURSOR_ON) {
		tl_skip("/proc/loadavg does not give the last pid of our namespace here: every call walks");
		return;
	}
	for (int i = 0; i < 100 && !still; i++) {
		uint64_t c0 = 0, c1 = 1;
		unsigned long w;

		ck_assert(last_pid(&c0));
		ck_assert_int_eq(proc_descendants(t, getpid(), pv), 0);
		ck_assert_int_eq(proc_descendants(t, getpid(), pv), 0);
		w = t->walks;
		ck_assert_int_eq(proc_descendants(t, getpid(), pv), 0);
		still = last_pid(&c1) && c1 == c0;
		if (!still) {
			tl_sleep_ms(20);
			continue;
		}
		ck_assert_msg(t->walks == w, "walked again with no pid allocated (%lu walks)", t->walks);
		ck_assert_uint_eq(pv->n, 2);
		ck_assert_int_gt(index_of(pv, g), index_of(pv, mid));
		ck_assert_int_ge(index_of(pv, mid), 0);
	}
	if (!still)
		tl_skip("other processes allocated pids during each of 100 tries: the reuse is not checked");
}

/* The walk is reused only while no process can have joined or left the
 * tree: a child forked between two calls is found at the next one; a middle
 * process that exits (its child goes to another parent) is gone, with its
 * child, from the list at the call after proc_tree_changed; and after the
 * period, a call walks whatever the last pid. */
START_TEST(test_walk_reused)
{
	struct proc_tree t;
	struct pidvec pv = { 0 };
	int down[2];
	pid_t mid, g = 0, late;
	uint64_t period;
	unsigned long w;

	if (!tree_mode_available(tree_modes[_i])) {
		tl_skip("descendants from /proc/PID/task/TID/children: this kernel has none "
			"(CONFIG_PROC_CHILDREN); the scan of /proc is tested");
		return;
	}
	proc_tree_init(&t);
	t.mode = tree_modes[_i];
	period = t.reuse_ns;
	ck_assert(period > 0 && period <= 5000000000ull);
	t.reuse_ns = 600000000000ull; /* the period is checked last */
	ck_assert_int_eq(pipe(down), 0);
	mid = middle_with_child(&g, down);

	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_uint_eq(t.walks, 1);
	ck_assert_uint_eq(pv.n, 2);
	ck_assert_int_gt(index_of(&pv, g), index_of(&pv, mid));
	assert_no_walk_when_still(&t, &pv, mid, g);

	late = sleeper(NULL);
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_int_ge(index_of(&pv, late), 0);
	ck_assert_uint_eq(pv.n, 3);
	/* settled: the call after the exit walks because it was told */
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);

	ck_assert_int_eq(write(down[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(mid, NULL, 0), mid);
	proc_tree_changed(&t);
	w = t.walks;
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_uint_eq(t.walks, w + 1);
	ck_assert_int_eq(index_of(&pv, mid), -1);
	ck_assert_int_eq(index_of(&pv, g), -1);
	ck_assert_int_ge(index_of(&pv, late), 0);
	ck_assert_uint_eq(pv.n, 1);

	t.reuse_ns = period;
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	tl_sleep_ms((long)(period / 1000000) + 50);
	w = t.walks;
	ck_assert_int_eq(proc_descendants(&t, getpid(), &pv), 0);
	ck_assert_uint_eq(t.walks, w + 1);
	ck_assert_uint_eq(pv.n, 1);

	kill(g, SIGKILL);
	tl_kill_wait(late);
	pidvec_release(&pv);
	proc_tree_release(&t);
	close(down[0]);
	close(down[1]);
}
END_TEST

/* In a pid namespace of its own, a process still sees the /proc of the one
 * above, whose processes may be created without moving its last pid: every
 * call walks. Checked in a child that is pid 1 of a new namespace; exit 0
 * when so, 1 when not, 77 when no namespace can be made here. */
static int walks_in_new_namespace(void)
{
	pid_t g;
	int status;

	if (unshare(CLONE_NEWPID) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0)
		return 77;
	g = fork();
	if (g < 0)
		return 1;
	if (g == 0) {
		struct proc_tree t;
		struct pidvec pv = { 0 };
		char link[32] = "";
		long self = 0;
		bool ok = true;

		ok = readlink("/proc/self", link, sizeof(link) - 1) > 0 && parse_long(link, &self) == 0 &&
		     self != getpid();
		proc_tree_init(&t);
		for (int i = 0; i < 3 && ok; i++)
			ok = proc_descendants(&t, (pid_t)self, &pv) == 0;
		ok = ok && t.walks == 3 && t.cursor_state == PROC_CURSOR_OFF;
		pidvec_release(&pv);
		proc_tree_release(&t);
		_exit(ok ? 0 : 1);
	}
	if (waitpid(g, &status, 0) != g || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

START_TEST(test_walk_not_reused_in_other_namespace)
{
	pid_t c = fork();
	int status;

	ck_assert_int_ge(c, 0);
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(walks_in_new_namespace());
	}
	ck_assert_int_eq(waitpid(c, &status, 0), c);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		tl_skip("no new pid namespace can be made here (unshare): the probe of /proc is not checked");
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "a process in a new pid namespace reused a walk");
}
END_TEST

/* ---- finding programs as execvp does ---- */

START_TEST(test_find_program)
{
	char *dir = tl_tmpdir(), *plain = tl_path(dir, "plain"), *path = NULL;

	ck_assert_int_eq(spawn_find_program("sh", &path), 0);
	ck_assert(path[0] == '/' && str_ends_with(path, "/sh"));
	free(path);
	ck_assert_int_eq(spawn_find_program("/bin/sh", &path), 0);
	ck_assert_str_eq(path, "/bin/sh");
	free(path);
	ck_assert_int_eq(spawn_find_program("no-such-program-xyz", &path), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(spawn_find_program("", &path), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(spawn_find_program("./no/such/file", &path), -1);
	ck_assert_int_eq(errno, ENOENT);
	tl_write_file(plain, "not a program\n");
	chmod(plain, 0644);
	ck_assert_int_eq(spawn_find_program(plain, &path), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(spawn_find_program(dir, &path), -1);
	ck_assert_int_eq(errno, EACCES);
	tl_rmrf(dir);
	free(plain);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("proc");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_read_mem_sees_allocation, 0, ARRAY_SIZE(all_backends));
	tcase_add_test(tc, test_backends_order);
	tcase_add_loop_test(tc, test_zombie_and_vanished, 0, ARRAY_SIZE(all_backends));
	tcase_add_test(tc, test_stat_counts_reaped_children);
	tcase_add_test(tc, test_comm_and_cmdline);
	tcase_add_test(tc, test_find_by_name);
	tcase_add_loop_test(tc, test_descendants, 0, ARRAY_SIZE(tree_modes));
	tcase_add_loop_test(tc, test_descendants_change, 0, ARRAY_SIZE(tree_modes));
	tcase_add_loop_test(tc, test_loadavg_last_pid, 0, ARRAY_SIZE(loadavg_cases));
	tcase_add_loop_test(tc, test_walk_reused, 0, ARRAY_SIZE(tree_modes));
	tcase_add_test(tc, test_walk_not_reused_in_other_namespace);
	tcase_add_test(tc, test_find_program);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
