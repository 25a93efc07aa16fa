/* exec: sampling goes on when the program replaces itself (exec chains,
 * shell shims, children started the way vfork and posix_spawn do, a process
 * attached to), the /proc layer under it, and the edges of a run: when the
 * first sample is taken, which peaks are the run's own, and what a program
 * that cannot be found is told. The workload is tests/workloads/memwork.c. */
#include "testlib.h"
#include "proc.h"
#include "proctree.h"
#include "profile.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MW MEMWORK_BIN
#define MAX_PIDS 64

static const enum proc_backend backends[] = { PROC_RSS, PROC_PSS, PROC_USS };

/* A check that cannot run here says so, once, in the test log. */
static void skip(const char *why)
{
	tl_skip("%s", why);
}

static bool backend_missing(enum proc_backend b)
{
	if (b == PROC_RSS || proc_have_smaps_rollup())
		return false;
	skip("no /proc/PID/smaps_rollup (Linux 4.14): pss and uss cannot be read");
	return true;
}

/* ---- what a profile holds ---- */

struct prof {
	int mem, peak;
	double mem_first, mem_last, mem_max, t_first, peak_max, peak_last;
	double *mem_v;
	size_t cap;
	char header[512];
	char exit_how[32];
	int npids;
	pid_t pid[MAX_PIDS];
	int chld[MAX_PIDS];
	double chld_max[MAX_PIDS], chld_last[MAX_PIDS], chldpeak[MAX_PIDS];
};

static int pid_slot(struct prof *p, long pid)
{
	for (int i = 0; i < p->npids; i++)
		if (p->pid[i] == (pid_t)pid)
			return i;
	ck_assert_int_lt(p->npids, MAX_PIDS);
	p->pid[p->npids] = (pid_t)pid;
	return p->npids++;
}

static void add_mem(struct prof *p, const struct record *rec)
{
	if (!p->mem) {
		p->mem_first = rec->mem;
		p->t_first = rec->t;
	}
	XGROW(p->mem_v, p->cap, (size_t)p->mem + 1);
	p->mem_v[p->mem++] = rec->mem;
	p->mem_last = rec->mem;
	if (rec->mem > p->mem_max)
		p->mem_max = rec->mem;
}

static void copy_text(char *dst, size_t cap, const struct record *rec)
{
	size_t n = rec->text_len < cap - 1 ? rec->text_len : cap - 1;

	memcpy(dst, rec->text, n);
	dst[n] = '\0';
}

static void add_record(struct prof *p, const struct record *rec)
{
	int i;

	switch (rec->kind) {
	case REC_MEM:
		add_mem(p, rec);
		break;
	case REC_PEAK:
		p->peak++;
		p->peak_last = rec->mem;
		if (rec->mem > p->peak_max)
			p->peak_max = rec->mem;
		break;
	case REC_CHLD:
		i = pid_slot(p, rec->pid);
		p->chld[i]++;
		p->chld_last[i] = rec->mem;
		if (rec->mem > p->chld_max[i])
			p->chld_max[i] = rec->mem;
		break;
	case REC_CHLDPEAK:
		i = pid_slot(p, rec->pid);
		if (rec->mem > p->chldpeak[i])
			p->chldpeak[i] = rec->mem;
		break;
	case REC_MPROF:
		copy_text(p->header, sizeof(p->header), rec);
		break;
	case REC_EXIT:
		copy_text(p->exit_how, sizeof(p->exit_how), rec);
		break;
	default:
		break;
	}
}

static void read_prof(const char *path, struct prof *p)
{
	struct profile_reader r;
	struct record rec;
	int rc;

	memset(p, 0, sizeof(*p));
	ck_assert_msg(profile_reader_open(&r, path) == 0, "cannot open %s", path);
	while ((rc = profile_reader_next(&r, &rec)) == 1)
		add_record(p, &rec);
	ck_assert_msg(rc == 0, "%s does not parse: %s", path, error_last());
	profile_reader_close(&r);
}

static void prof_free(struct prof *p)
{
	free(p->mem_v);
	p->mem_v = NULL;
}

/* MEM samples of at least mib. */
static int mem_at_least(const struct prof *p, double mib)
{
	int n = 0;

	for (int i = 0; i < p->mem; i++)
		n += p->mem_v[i] >= mib;
	return n;
}

/* ---- running things ---- */

struct run {
	char *dir, *out;
	struct tl_result r;
	struct prof p;
};

static void run_setup(struct run *x)
{
	memset(x, 0, sizeof(*x));
	x->dir = tl_tmpdir();
	x->out = tl_path(x->dir, "out.dat");
}

static void run_teardown(struct run *x)
{
	tl_result_free(&x->r);
	prof_free(&x->p);
	tl_rmrf(x->dir);
	free(x->dir);
	free(x->out);
}

/* mprof with argv (NULL-terminated, without "mprof") in x->dir, then read
 * x->out. */
static void run_mprof(struct run *x, const char *const *env, const char *const *args)
{
	const char *argv[64] = { "mprof" };
	size_t n = 1;

	for (; args[n - 1]; n++) {
		ck_assert_uint_lt(n, ARRAY_SIZE(argv) - 1);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	tl_result_free(&x->r);
	tl_run_env(&x->r, x->dir, env, 60, argv);
	ck_assert_msg(x->r.status == 0, "mprof %s %s: status %d: %s", args[0], args[1], x->r.status, x->r.err);
	prof_free(&x->p);
	read_prof(x->out, &x->p);
}

#define RUN(x, ...) run_mprof((x), NULL, (const char *const[]){ __VA_ARGS__, NULL })

/* The pid a workload wrote to dir/name (waits up to 20 s for it). */
static pid_t read_pidfile(const char *dir, const char *name)
{
	char *path = tl_path(dir, name);
	double end = tl_now() + 20;

	for (;;) {
		char *text = tl_read_file(path, NULL);
		long pid = text && strchr(text, '\n') ? strtol(text, NULL, 10) : 0;

		free(text);
		if (pid > 0) {
			free(path);
			return (pid_t)pid;
		}
		ck_assert_msg(tl_now() < end, "no pid in %s", path);
		tl_sleep_ms(5);
	}
}

/* Wait (up to 20 s) until path has at least n lines starting with prefix. */
static void wait_lines(const char *path, const char *prefix, int n)
{
	double end = tl_now() + 20;

	for (;;) {
		char *text = tl_read_file(path, NULL);
		int k = text ? tl_count_prefix(text, prefix) : 0;

		free(text);
		if (k >= n)
			return;
		ck_assert_msg(tl_now() < end, "%s: fewer than %d '%s' lines", path, n, prefix);
		tl_sleep_ms(10);
	}
}

static void touch(const char *dir, const char *name)
{
	char *path = tl_path(dir, name);

	tl_write_file(path, "");
	free(path);
}

/* An executable file dir/name holding text. Caller frees the path. */
static char *write_script(const char *dir, const char *name, const char *text)
{
	char *path = tl_path(dir, name);

	tl_write_file(path, text);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

/* Wait (up to 20 s) until pid's command name is comm. */
static void wait_comm(pid_t pid, const char *comm)
{
	char now[64] = "";
	double end = tl_now() + 20;

	while (!proc_read_comm(pid, now, sizeof(now)) || strcmp(now, comm) != 0) {
		ck_assert_msg(tl_now() < end, "pid %d is '%s', never '%s'", (int)pid, now, comm);
		tl_sleep_ms(5);
	}
}

/* ---- the /proc layer ---- */

/* A handle opened before an exec reads the new program's memory after it,
 * and its high-water mark. */
START_TEST(test_handle_follows_exec)
{
	enum proc_backend b = backends[_i];
	struct proc_handle h;
	uint64_t v = 0, hwm = 0;
	double end;
	int go[2];
	pid_t pid;
	char c = 'x';

	if (backend_missing(b))
		return;
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		execl(MW, "memwork", "alloc", "24", "sleep", "20000", (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(proc_open(&h, pid, b), 0);
	ck_assert(proc_read_mem(&h, &v));
	ck_assert_int_eq(write(go[1], &c, 1), 1);
	wait_comm(pid, "memwork");
	/* until the new program has its 24 MiB, or 20 s */
	for (end = tl_now() + 20; tl_now() < end; tl_sleep_ms(10))
		if (proc_read_mem(&h, &v) && v >= (uint64_t)23 << 20)
			break;
	ck_assert_msg(v >= (uint64_t)23 << 20, "%s after exec: %.2f MiB (errno %d)", proc_backend_name(b),
		      (double)v / (1 << 20), errno);
	ck_assert(proc_read_hwm(&h, &hwm));
	ck_assert_msg(hwm >= (uint64_t)23 << 20, "VmHWM %.2f MiB", (double)hwm / (1 << 20));
	proc_close(&h);
	tl_kill_wait(pid);
	close(go[0]);
	close(go[1]);
}
END_TEST

/* A child that shares its parent's memory until its exec (clone CLONE_VM, as
 * vfork and posix_spawn make them), opened in that window: after the exec
 * its handle reads its own memory, not its parent's 48 MiB. */
START_TEST(test_handle_follows_exec_of_shared_child)
{
	enum proc_backend b = backends[_i];
	char *dir, *sleep_bin = NULL, comm[64] = "";
	struct proc_tree t;
	struct pidvec pv = { 0 };
	struct proc_handle h;
	pid_t parent, child = 0;
	uint64_t v = 0;
	double end;

	if (backend_missing(b))
		return;
	ck_assert_int_eq(spawn_find_program("sleep", &sleep_bin), 0);
	dir = tl_tmpdir();
	proc_tree_init(&t);
	parent = TL_START(dir, MW, "alloc", "48", "vmspawn", "1500", sleep_bin, "30");
	for (end = tl_now() + 20; !child && tl_now() < end; tl_sleep_ms(2))
		if (proc_descendants(&t, parent, &pv) == 0 && pv.n == 1)
			child = pv.v[0];
	ck_assert_msg(child > 0, "memwork did not start its child");
	ck_assert_int_eq(proc_open(&h, child, b), 0);
	if (!proc_read_comm(child, comm, sizeof(comm)) || strcmp(comm, "memwork") != 0) {
		skip("the machine was too slow: the child had ended its shared window before it was opened");
	} else {
		wait_comm(child, "sleep");
		ck_assert(proc_read_mem(&h, &v));
		ck_assert_msg(v < (uint64_t)10 << 20, "%s of the child after its exec: %.2f MiB (its parent's?)",
			      proc_backend_name(b), (double)v / (1 << 20));
	}
	proc_close(&h);
	tl_kill_wait(parent);
	kill(child, SIGKILL);
	pidvec_release(&pv);
	proc_tree_release(&t);
	tl_rmrf(dir);
	free(dir);
	free(sleep_bin);
}
END_TEST

/* The tree cache keeps files of each process open between walks; they name
 * the process, not its program: after an exec, made by a thread other than
 * the main one, the new program's children are found. */
static const enum proc_tree_mode tree_modes[] = { PROC_TREE_CHILDREN_FILES, PROC_TREE_SCAN };

START_TEST(test_tree_follows_exec)
{
	struct proc_tree t;
	struct pidvec pv = { 0 };
	char *dir;
	pid_t root;
	double end;

	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	if (tree_modes[_i] == PROC_TREE_CHILDREN_FILES && access(path, R_OK) != 0) {
		skip("no /proc/PID/task/TID/children on this kernel");
		return;
	}
	dir = tl_tmpdir();
	proc_tree_init(&t);
	t.mode = tree_modes[_i];
	root = TL_START(dir, MW, "threadexec", "300", MW, "fork", "2", "1", "20000", "sleep", "20000");
	ck_assert_int_eq(proc_descendants(&t, root, &pv), 0);
	ck_assert_uint_eq(pv.n, 0);
	for (end = tl_now() + 20; tl_now() < end; tl_sleep_ms(10)) {
		ck_assert_int_eq(proc_descendants(&t, root, &pv), 0);
		if (pv.n == 2)
			break;
	}
	ck_assert_msg(pv.n == 2, "%zu children found after the exec", pv.n);
	for (size_t i = 0; i < pv.n; i++)
		kill(pv.v[i], SIGKILL);
	tl_kill_wait(root);
	pidvec_release(&pv);
	proc_tree_release(&t);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- exec chains, end to end ---- */

#define FINAL_MIB "20"
#define FINAL MW " alloc " FINAL_MIB " sleep 800"

/* The program ends as memwork holding 20 MiB for 0.8 s, after 1, 2 or 3
 * execs: sh -c 'exec ...', env, a shell shim (a script that execs "$@").
 * The shell waits 0.2 s before its exec, so that mprof has surely begun
 * with the program before it. */
#define SH_EXEC_FINAL "sleep 0.2; exec " FINAL

static const struct {
	int execs;
	const char *argv[8]; /* "SHIM": the shim in the run's directory */
} chains[] = {
	{ 1, { "sh", "-c", SH_EXEC_FINAL, NULL } },
	{ 2, { "env", "sh", "-c", SH_EXEC_FINAL, NULL } },
	{ 3, { "SHIM", "env", "sh", "-c", SH_EXEC_FINAL, NULL } },
};

/* mprof run OPTS --backend B -T 0.05 -o out.dat CHAIN... */
static void run_chain(struct run *x, const char *opt, enum proc_backend b, int chain)
{
	const char *argv[32] = { "run", "--backend", proc_backend_name(b), "-T", "0.05", "-o", "out.dat" };
	size_t n = 7;
	char *shim = write_script(x->dir, "shim", "#!/bin/sh\nexec \"$@\"\n");

	if (opt)
		argv[n++] = opt;
	for (size_t i = 0; chains[chain].argv[i]; i++)
		argv[n++] = strcmp(chains[chain].argv[i], "SHIM") == 0 ? shim : chains[chain].argv[i];
	argv[n] = NULL;
	run_mprof(x, NULL, argv);
	free(shim);
}

/* Samples all along: the new program's 20 MiB show in most of the 16
 * samples its 0.8 s hold (at least 4 on a loaded machine), up to the last,
 * and no sample went missing. */
static void assert_sampled_after_exec(const struct run *x, const char *what)
{
	ck_assert_msg(mem_at_least(&x->p, 19) >= 4, "%s: %d MEM samples in all, %d of 19 MiB or more", what,
		      x->p.mem, mem_at_least(&x->p, 19));
	ck_assert_msg(x->p.mem_last >= 19, "%s: last MEM %.2f MiB", what, x->p.mem_last);
	ck_assert_msg(!strstr(x->r.err, "missing"), "%s: %s", what, x->r.err);
}

START_TEST(test_exec_chain)
{
	enum proc_backend b = backends[_i % 3];
	int chain = _i / 3;
	struct run x;
	char what[64];

	if (backend_missing(b))
		return;
	snprintf(what, sizeof(what), "%s, %d exec(s)", proc_backend_name(b), chains[chain].execs);
	run_setup(&x);
	run_chain(&x, NULL, b, chain);
	assert_sampled_after_exec(&x, what);
	ck_assert_str_eq(x.p.exit_how, "exit");
	run_teardown(&x);
}
END_TEST

/* -C: the program's exec chain is followed in the sum. */
START_TEST(test_exec_chain_children)
{
	enum proc_backend b = backends[_i];
	struct run x;

	if (backend_missing(b))
		return;
	run_setup(&x);
	run_chain(&x, "-C", b, 1);
	assert_sampled_after_exec(&x, proc_backend_name(b));
	run_teardown(&x);
}
END_TEST

/* -M: a child that shares its parent's 48 MiB until it execs (as posix_spawn
 * children do), then execs twice (sh, then memwork with 8 MiB): its CHLD
 * samples after that are its own 8 MiB, to the last. */
START_TEST(test_exec_chain_multiprocess)
{
	enum proc_backend b = backends[_i];
	struct run x;
	int last = -1;

	if (backend_missing(b))
		return;
	run_setup(&x);
	RUN(&x, "run", "-M", "--backend", proc_backend_name(b), "-T", "0.05", "-o", "out.dat", MW, "alloc", "48",
	    "vmspawn", "200", "/bin/sh", "-c", "exec " MW " alloc 8 sleep 800");
	ck_assert_int_eq(x.p.npids, 1);
	for (int i = 0; i < x.p.npids; i++)
		if (x.p.chld[i])
			last = i;
	ck_assert_int_ge(last, 0);
	ck_assert_msg(x.p.chld_last[last] >= 7 && x.p.chld_last[last] < 20, "%s: the child's last CHLD %.2f MiB",
		      proc_backend_name(b), x.p.chld_last[last]);
	/* the parent's 48 MiB is MEM's, not the child's */
	ck_assert_msg(mem_at_least(&x.p, 40) >= 4, "%d MEM of 40 MiB or more", mem_at_least(&x.p, 40));
	run_teardown(&x);
}
END_TEST

/* attach, then the process execs twice: sampling goes on. */
START_TEST(test_attach_exec)
{
	enum proc_backend b = backends[_i];
	struct run x;
	char pidstr[32];
	pid_t target, mprof;

	if (backend_missing(b))
		return;
	run_setup(&x);
	target = TL_START(x.dir, MW, "pidfile", "t.pid", "waitfile", "go", "exec", "/bin/sh", "-c",
		       "exec " MW " alloc 20 sleep 20000");
	snprintf(pidstr, sizeof(pidstr), "%d", (int)read_pidfile(x.dir, "t.pid"));
	mprof = TL_START(x.dir, "mprof", "attach", "--backend", proc_backend_name(b), "-T", "0.05", "-t", "3",
		      "-o", "out.dat", pidstr);
	wait_lines(x.out, "MEM ", 2); /* attached, before the exec */
	touch(x.dir, "go");
	ck_assert_int_eq(tl_wait(mprof, 30), 0);
	read_prof(x.out, &x.p);
	ck_assert_msg(mem_at_least(&x.p, 19) >= 4, "%s: %d MEM, %d of 19 MiB or more", proc_backend_name(b),
		      x.p.mem, mem_at_least(&x.p, 19));
	ck_assert_str_eq(x.p.exit_how, "detached");
	tl_kill_wait(target);
	run_teardown(&x);
}
END_TEST

/* A Python script run through a python3 that is a shell shim (as pyenv,
 * asdf and conda install them), under --backend pss: samples all along. */
START_TEST(test_python_shim)
{
	struct run x;
	char *python = NULL, *shim_text, *shim, *script, *path_env;
	const char *env[2];

	if (!proc_have_smaps_rollup()) {
		skip("no /proc/PID/smaps_rollup: --backend pss cannot run");
		return;
	}
	if (spawn_find_program("python3", &python) < 0) {
		skip("python3 is not installed");
		return;
	}
	run_setup(&x);
	shim_text = xasprintf("#!/bin/sh\nexec '%s' \"$@\"\n", python);
	shim = write_script(x.dir, "python3", shim_text);
	script = tl_path(x.dir, "grow.py");
	tl_write_file(script, "import time\n"
			      "held = []\n"
			      "for i in range(8):\n"
			      "    held.append(bytearray(4 << 20))\n"
			      "    time.sleep(0.1)\n"
			      "time.sleep(0.3)\n");
	path_env = xasprintf("PATH=%s:%s", x.dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	env[0] = path_env;
	env[1] = NULL;
	run_mprof(&x, env, (const char *const[]){ "run", "--backend", "pss", "-T", "0.05", "-o", "out.dat",
						  "grow.py", NULL });
	ck_assert_msg(x.p.mem >= 8, "%d MEM samples", x.p.mem);
	ck_assert_msg(x.p.mem_max >= 32, "MEM max %.2f MiB", x.p.mem_max);
	ck_assert_msg(mem_at_least(&x.p, 32) >= 2, "%d MEM of 32 MiB or more", mem_at_least(&x.p, 32));
	run_teardown(&x);
	free(path_env);
	free(script);
	free(shim);
	free(shim_text);
	free(python);
}
END_TEST

/* The main thread ends (pthread_exit) and another goes on: the process's
 * own /proc files show no memory, its other thread's do. */
START_TEST(test_main_thread_ends)
{
	enum proc_backend b = backends[_i];
	struct run x;

	if (backend_missing(b))
		return;
	run_setup(&x);
	RUN(&x, "run", "--backend", proc_backend_name(b), "-T", "0.05", "-o", "out.dat", MW, "alloc", "20",
	    "leaderexit", "800");
	ck_assert_msg(mem_at_least(&x.p, 19) >= 4, "%d MEM, %d of 19 MiB or more", x.p.mem,
		      mem_at_least(&x.p, 19));
	ck_assert_msg(!strstr(x.r.err, "missing"), "%s", x.r.err);
	run_teardown(&x);
}
END_TEST

/* Reads that fail while the program runs (it made itself non-dumpable: its
 * memory map is then for CAP_SYS_PTRACE only) are counted and told; the run
 * is not silently short. Needs a user without CAP_SYS_PTRACE: ourselves, or
 * as root 'nobody' through setpriv where nobody can run the binaries. */
START_TEST(test_unreadable_is_told)
{
	const char *const as_nobody[] = { TL_AS_NOBODY };
	const char *argv[24];
	struct run x;
	size_t n = 0;

	if (!proc_have_smaps_rollup()) {
		skip("no /proc/PID/smaps_rollup: --backend pss cannot run");
		return;
	}
	run_setup(&x);
	chmod(x.dir, 0777);
	if (geteuid() == 0) {
		if (access(TL_SETPRIV, X_OK) != 0) {
			skip("running as root without setpriv: no user to lack CAP_SYS_PTRACE");
			goto out;
		}
		tl_run_env(&x.r, x.dir, NULL, 30,
			   (const char *const[]){ TL_AS_NOBODY, MW, "exit", "0", NULL });
		if (x.r.status != 0) {
			skip("user nobody cannot run the test programs (a directory on their path is closed to it)");
			goto out;
		}
		for (; n < ARRAY_SIZE(as_nobody); n++)
			argv[n] = as_nobody[n];
	}
	{
		const char *rest[] = { MPROF_BIN, "run", "--backend", "pss", "-T", "0.02", "-o", "out.dat", MW, "alloc",
				       "4", "sleep", "100", "undumpable", "sleep", "400", NULL };

		for (size_t i = 0; i < ARRAY_SIZE(rest); i++)
			argv[n++] = rest[i];
	}
	tl_result_free(&x.r);
	tl_run_env(&x.r, x.dir, NULL, 30, argv);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	ck_assert_msg(strstr(x.r.err, "samples are missing: cannot read the memory of pid") &&
			      strstr(x.r.err, "Permission denied"),
		      "%s", x.r.err);
	read_prof(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
out:
	run_teardown(&x);
}
END_TEST

/* A kernel thread has no memory of its own: attach says so at once instead
 * of sampling nothing for an hour. */
START_TEST(test_attach_kernel_thread)
{
	struct run x;
	char comm[64] = "";

	if (!proc_read_comm(2, comm, sizeof(comm)) || strcmp(comm, "kthreadd") != 0) {
		skip("no kernel thread in sight (pid 2 is not kthreadd: a pid namespace?)");
		return;
	}
	run_setup(&x);
	tl_run(&x.r, x.dir, "mprof", "attach", "-o", "out.dat", "2");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(strstr(x.r.err, "mprof: process 2 has no memory to sample"), "%s", x.r.err);
	ck_assert(access(x.out, F_OK) != 0);
	run_teardown(&x);
}
END_TEST

/* ---- the start of a run ---- */

/* The first sample is the program's, not its image half-built by the exec:
 * taken one interval after the start, once its loader has run. */
START_TEST(test_first_sample_after_start)
{
	struct run x;
	double launched = time_now();

	run_setup(&x);
	RUN(&x, "run", "-T", "0.2", "-o", "out.dat", MW, "alloc", "20", "sleep", "600");
	ck_assert_msg(x.p.t_first - launched >= 0.2 - 0.002, "first sample %.4f s after the launch",
		      x.p.t_first - launched);
	ck_assert_msg(x.p.mem_first >= 1, "first sample %.3f MiB", x.p.mem_first);
	run_teardown(&x);
}
END_TEST

/* A program that ends before its first sample has its peak as its one
 * sample (not the 0.02 MiB of its image at the exec). */
START_TEST(test_quick_program_sample_is_its_peak)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-T", "10", "-o", "out.dat", MW, "sleep", "50");
	ck_assert_int_eq(x.p.mem, 1);
	ck_assert_msg(x.p.mem_first >= 0.5, "MEM %.6f", x.p.mem_first);
	ck_assert_int_ge(x.p.peak, 1);
	ck_assert_msg(x.p.mem_first == x.p.peak_max, "MEM %.6f, PEAK %.6f", x.p.mem_first, x.p.peak_max);
	run_teardown(&x);
}
END_TEST

/* ---- peaks ---- */

/* A process that held 100 MiB and now holds 1: its kernel peak is from
 * before the attach. It is not written as the run's PEAK, but noted in the
 * header and told; if the process goes above it during the run, the new
 * peak is the run's (exact). */
START_TEST(test_attach_peak_before)
{
	struct run x;
	char pidstr[32], *at;
	pid_t target, mprof;

	run_setup(&x);
	target = TL_START(x.dir, MW, "alloc", "100", "free", "pidfile", "t.pid", "waitfile", "go", "alloc", "120",
		       "sleep", "20000");
	snprintf(pidstr, sizeof(pidstr), "%d", (int)read_pidfile(x.dir, "t.pid"));
	RUN(&x, "attach", "-T", "0.05", "-t", "0.3", "-o", "out.dat", pidstr);
	ck_assert_msg(x.p.mem_max < 10, "MEM max %.2f", x.p.mem_max);
	ck_assert_msg(x.p.peak == 0, "%d PEAK records, the largest %.2f MiB", x.p.peak, x.p.peak_max);
	at = strstr(x.p.header, " peak_before_attach=");
	ck_assert_msg(at && strtod(at + 20, NULL) >= 100 && strtod(at + 20, NULL) < 110, "%s", x.p.header);
	ck_assert_msg(strstr(x.r.err, "before attach: 10"), "%s", x.r.err);

	/* it grows past it while attached */
	mprof = TL_START(x.dir, "mprof", "attach", "-T", "0.05", "-t", "3", "--force", "-o", "out.dat", pidstr);
	wait_lines(x.out, "MEM ", 2);
	touch(x.dir, "go");
	ck_assert_int_eq(tl_wait(mprof, 30), 0);
	prof_free(&x.p);
	read_prof(x.out, &x.p);
	ck_assert_msg(x.p.peak_max >= 120 && x.p.peak_max < 130, "PEAK %.2f", x.p.peak_max);
	ck_assert(strstr(x.p.header, " peak_before_attach=") != NULL);
	tl_kill_wait(target);
	run_teardown(&x);
}
END_TEST

/* Children that grow and end within 20 ms, between two readings of their
 * high-water mark (every 0.1 s): the kernel peak written for each is never
 * below its samples (the kernel's counters may lag a sample by some pages). */
START_TEST(test_child_peak_not_below_samples)
{
	struct run x;
	int checked = 0;

	run_setup(&x);
	RUN(&x, "run", "-M", "-T", "0.002", "-o", "out.dat", "sh", "-c",
	    MW " alloc 10 sleep 150 alloc 30 sleep 20; " MW " alloc 10 sleep 170 alloc 30 sleep 20; "
	    MW " alloc 10 sleep 130 alloc 30 sleep 20; sleep 0.2");
	for (int i = 0; i < x.p.npids; i++) {
		if (!x.p.chld[i])
			continue;
		checked++;
		ck_assert_msg(x.p.chldpeak[i] >= x.p.chld_max[i] - 0.25, "pid %d: CHLDPEAK %.2f, CHLD up to %.2f",
			      (int)x.p.pid[i], x.p.chldpeak[i], x.p.chld_max[i]);
	}
	ck_assert_int_ge(checked, 3);
	run_teardown(&x);
}
END_TEST

/* The same for the program's own PEAK when it has reaped a child larger
 * than itself (the kernel then folds the child's peak into its ru_maxrss,
 * which cannot be taken): it grows and ends between two readings. Three
 * times, as the growth may fall on a reading by chance. */
START_TEST(test_peak_not_below_samples)
{
	struct run x;

	int seen = 0;

	run_setup(&x);
	/* A round whose samples missed the growth (a loaded machine: it lasts
	 * the time of touching 40 MiB) shows nothing; up to 10 rounds for 3. */
	for (int round = 0; round < 10 && seen < 3; round++) {
		RUN(&x, "run", "--force", "-T", "0.002", "-o", "out.dat", MW, "fork", "1", "60", "300", "wait",
		    "sleep", "150", "alloc", "40");
		if (x.p.mem_max <= 30)
			continue;
		seen++;
		ck_assert_msg(x.p.peak_last >= x.p.mem_max - 0.25 && x.p.peak_last < 55,
			      "PEAK %.2f, MEM up to %.2f", x.p.peak_last, x.p.mem_max);
	}
	if (!seen)
		tl_skip("the program's PEAK against its samples: no sample caught its last growth in 10 runs "
			"(a loaded machine)");
	run_teardown(&x);
}
END_TEST

/* ---- a program that cannot be found ---- */

/* PATH does not search the current directory: a file there of the name
 * given gets a hint. */
START_TEST(test_did_you_mean)
{
	struct run x;
	char *script;

	run_setup(&x);
	script = write_script(x.dir, "script.py", "#!/bin/sh\nexit 0\n");
	tl_run(&x.r, x.dir, "mprof", "run", "--nopython", "-o", "out.dat", "script.py");
	ck_assert_int_eq(x.r.status, 127);
	ck_assert_msg(strstr(x.r.err, "mprof: cannot run 'script.py': No such file or directory; "
				      "did you mean ./script.py?\n"), "%s", x.r.err);
	ck_assert(access(x.out, F_OK) != 0);
	tl_result_free(&x.r);
	tl_run(&x.r, x.dir, "mprof", "run", "--nopython", "-o", "out.dat", "./script.py");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	tl_result_free(&x.r);
	/* a program without .py too; none where there is no such file */
	tl_run(&x.r, x.dir, "mprof", "run", "--force", "-o", "out.dat", "out.dat");
	ck_assert_int_eq(x.r.status, 127);
	ck_assert_msg(strstr(x.r.err, "did you mean ./out.dat?"), "%s", x.r.err);
	tl_result_free(&x.r);
	tl_run(&x.r, x.dir, "mprof", "run", "--nopython", "-o", "out2.dat", "nothing.py");
	ck_assert_int_eq(x.r.status, 127);
	ck_assert_msg(strstr(x.r.err, "cannot run 'nothing.py': No such file or directory\n"), "%s", x.r.err);
	ck_assert(!strstr(x.r.err, "did you mean"));
	free(script);
	run_teardown(&x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exec");
	TCase *proc = tcase_create("proc"), *chain = tcase_create("chain"), *start_tc = tcase_create("start");
	TCase *peaks = tcase_create("peaks"), *names = tcase_create("names");

	tcase_set_timeout(proc, 120);
	tcase_add_loop_test(proc, test_handle_follows_exec, 0, ARRAY_SIZE(backends));
	tcase_add_loop_test(proc, test_handle_follows_exec_of_shared_child, 0, ARRAY_SIZE(backends));
	tcase_add_loop_test(proc, test_tree_follows_exec, 0, ARRAY_SIZE(tree_modes));
	suite_add_tcase(s, proc);

	tcase_set_timeout(chain, 120);
	tcase_add_loop_test(chain, test_exec_chain, 0, 3 * ARRAY_SIZE(chains));
	tcase_add_loop_test(chain, test_exec_chain_children, 0, ARRAY_SIZE(backends));
	tcase_add_loop_test(chain, test_exec_chain_multiprocess, 0, ARRAY_SIZE(backends));
	tcase_add_loop_test(chain, test_attach_exec, 0, ARRAY_SIZE(backends));
	tcase_add_test(chain, test_python_shim);
	tcase_add_loop_test(chain, test_main_thread_ends, 0, ARRAY_SIZE(backends));
	tcase_add_test(chain, test_unreadable_is_told);
	tcase_add_test(chain, test_attach_kernel_thread);
	suite_add_tcase(s, chain);

	tcase_set_timeout(start_tc, 120);
	tcase_add_test(start_tc, test_first_sample_after_start);
	tcase_add_test(start_tc, test_quick_program_sample_is_its_peak);
	suite_add_tcase(s, start_tc);

	tcase_set_timeout(peaks, 120);
	tcase_add_test(peaks, test_attach_peak_before);
	tcase_add_test(peaks, test_child_peak_not_below_samples);
	tcase_add_test(peaks, test_peak_not_below_samples);
	suite_add_tcase(s, peaks);

	tcase_add_test(names, test_did_you_mean);
	suite_add_tcase(s, names);
	return tl_run_suite(s);
}
