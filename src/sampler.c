#include "sampler.h"

#include "cgroup_probe.h"
#include "breakdown.h"
#include "channel.h"
#include "events.h"
#include "ring.h"
#include "gpu.h"
#include "ipeak.h"
#include "proctree.h"
#include "spawn.h"
#include "unseen.h"
#include "status.h"
#include "util.h"
#include "waiter.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)
#define NS_PER_SEC 1000000000ull
#define HWM_PERIOD_NS 100000000ull   /* high-water marks read at least every 100 ms */
#define MARK_PERIOD_NS 10000000ull   /* interval peaks read at most every 10 ms (see mprof(1)) */
#define MARK_TREE_MAX 2000ull        /* and at most this many marks a second in all */
#define FLUSH_PERIOD_NS 500000000ull /* the profile reaches the disk at least every 0.5 s */
#define CMD_DELAY_NS 50000000ull     /* a child's name is taken once it is 50 ms old (after its exec) */
#define MEM_REUSE_NS 1000000ull      /* events reuse a reading younger than 1 ms */
#define GPU_PERIOD_NS 10000000ull    /* GPU memory read at most every 10 ms */
#define NEVER UINT64_MAX

/* A descendant of the target, followed under -C and -M. */
struct child {
	pid_t pid;
	struct proc_handle h;
	uint64_t seen_ns;    /* when it was first found */
	uint64_t mem;        /* the latest reading, bytes */
	bool mem_ok;         /* the latest reading succeeded */
	uint64_t hwm;        /* the last CHLDPEAK written, bytes */
	uint64_t hwm_seen;   /* the largest high-water mark read, bytes */
	char comm[32];
	bool cmd_written;
	bool found;          /* in the latest walk of the tree */
	bool unreadable;     /* a read of it failed while it was there */
	struct kinds_reader kinds; /* --breakdown */
	struct ipeak ip;     /* its interval peaks */
};

struct sampler {
	const struct sampler_opts *o;
	struct sampler_result *res;

	struct profile_writer w;
	bool w_open;
	bool writing;         /* false after a write error: the target is only waited for */
	bool created;         /* the output did not exist before */

	pid_t pid;
	bool attached;
	bool gone;            /* the target has ended */
	int pidfd, sigfd;
	sigset_t sigs, oldmask;
	int stops;            /* stop signals received */
	bool detach;          /* stop sampling now */

	struct proc_handle target;
	struct kinds_reader target_kinds; /* --breakdown */
	int read_errno;       /* why the target's memory could not be read last */
	int unreadable_errno; /* the same, for the last sample it cost */
	unsigned long kids_unreadable; /* children that could not be read at times */
	pid_t kid_unreadable;          /* the last of them */
	int kid_unreadable_errno;
	uint64_t target_hwm;  /* the last PEAK written, bytes */
	uint64_t hwm_before;  /* attached: a high-water mark from before, not the run's; 0: none */
	uint64_t hwm_seen;    /* the largest high-water mark read, bytes */
	uint64_t cminflt;     /* of the reaped program: 0 when it reaped no child itself */
	struct rusage ru;     /* of the reaped program */
	uint64_t kids_hwm;    /* the largest high-water mark seen of any descendant */
	struct ipeak_set ipk; /* interval peaks (ipeak.h) */
	struct ipeak ip;      /* the target's */
	bool marks_due;       /* this sample reads the interval peaks */
	uint64_t mark_ns;     /* when they were last read */
	struct unseen uns;    /* children that no sample saw (unseen.h) */

	struct proc_tree tree;
	struct pidvec desc;
	struct pidvec gpu_pids; /* --gpu: the target and its descendants */
	uint64_t gpu_ns;        /* when GPU memory was read last */
	struct child *kids;   /* sorted by pid */
	size_t nkids, capkids;

	struct events_channel ch;
	struct events *ev;

	uint64_t t0, interval_ns, next_ns, end_ns;
	uint64_t hwm_ns, flush_ns;
	uint64_t read_ns;     /* when `mem` was measured */
	double mem;           /* MiB, the latest measurement */
	double sample_t, sample_mem; /* the latest MEM record */
	double peak_mem;      /* the highest MEM record */
	struct status *st;    /* the status line or the live view, NULL: none */
	uint64_t kill_ns;     /* --kill-above: when SIGTERM was sent; 0: not yet */

	struct cgroup_probe cgp; /* --cgroup, attach to a cgroup */
	bool cg, cg_only;        /* a cgroup is sampled; it is the only target */
};

#define CGROUP_OF(s) ((s)->cg ? cgroup_probe_cgroup(&(s)->cgp) : NULL)

/* ---- writing ---- */

/* Every record goes through here: after the first failure nothing more is
 * written, and the target is only waited for. */
static void wrote(struct sampler *s, int rc)
{
	if (rc >= 0 || !s->writing)
		return;
	s->writing = false;
	s->res->output_failed = true;
	if (s->attached)
		s->detach = true; /* nothing to wait for: it is not ours */
	else if (!s->gone)
		error("sampling stopped; waiting for the program (pid %d) to end", (int)s->pid);
}

static void flush(struct sampler *s, uint64_t now)
{
	if (s->writing)
		wrote(s, profile_writer_flush(&s->w));
	s->flush_ns = now;
}

/* ---- the children ---- */

static size_t kid_index(const struct sampler *s, pid_t pid)
{
	size_t lo = 0, hi = s->nkids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->kids[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void kid_name(struct sampler *s, struct child *c)
{
	if (s->writing && !c->cmd_written && c->comm[0])
		wrote(s, profile_write_chldcmd(&s->w, c->pid, c->comm));
	c->cmd_written = true;
}

static void kid_add(struct sampler *s, size_t at, pid_t pid, uint64_t now)
{
	struct child *c;

	XINSERT(s->kids, s->capkids, s->nkids, at);
	c = &s->kids[at];
	c->pid = pid;
	c->seen_ns = now;
	c->found = true;
	ipeak_init(&c->ip);
	if (proc_open(&c->h, pid, s->o->backend) < 0)
		c->h.fd = c->h.status_fd = -1;
	proc_read_comm(pid, c->comm, sizeof(c->comm));
	kinds_reader_init(&c->kinds, pid);
}

/* ---- high-water marks ---- */

/* The kernel's marks are read every HWM_PERIOD_NS, and also as soon as a
 * sample goes above the last one read (it is then stale): a process that
 * grows and ends between two periodic readings takes its mark with it, and
 * the peak written must never be below a sample. They are written as
 * PEAK/CHLDPEAK at the periodic readings, when a child goes, and at the end. */
static void kid_hwm_read(struct sampler *s, struct child *c)
{
	uint64_t hwm;

	if (c->ip.fresh)
		hwm = c->ip.hwm; /* read with the sample, just now */
	else if (!proc_read_hwm(&c->h, &hwm))
		return;
	if (hwm > c->hwm_seen) {
		c->hwm_seen = hwm;
		if (hwm > s->kids_hwm)
			s->kids_hwm = hwm;
	}
}

static void kid_hwm_write(struct sampler *s, struct child *c, double t)
{
	if (c->hwm_seen > c->hwm && s->writing) {
		c->hwm = c->hwm_seen;
		wrote(s, profile_write_chldpeak(&s->w, c->pid, (double)c->hwm / MIB, t));
	}
}

static void target_hwm_read(struct sampler *s)
{
	uint64_t hwm;

	if (s->ip.fresh)
		hwm = s->ip.hwm; /* read with the sample, just now */
	else if (!proc_read_hwm(&s->target, &hwm))
		return;
	if (hwm > s->hwm_seen)
		s->hwm_seen = hwm;
}

static void target_hwm_write(struct sampler *s, double t)
{
	if (s->hwm_seen > s->target_hwm && s->writing) {
		s->target_hwm = s->hwm_seen;
		wrote(s, profile_write_peak(&s->w, (double)s->target_hwm / MIB, t));
	}
}

/* A child that has gone: its last mark and its name if they were not
 * written yet; forget it. */
static void kid_drop(struct sampler *s, size_t i)
{
	kid_hwm_write(s, &s->kids[i], time_now());
	kid_name(s, &s->kids[i]);
	proc_close(&s->kids[i].h);
	kinds_reader_close(&s->kids[i].kinds);
	ipeak_close(&s->kids[i].ip);
	unseen_gone(&s->uns);
	memmove(s->kids + i, s->kids + i + 1, (s->nkids - i - 1) * sizeof(*s->kids));
	s->nkids--;
}

/* Walk the tree below the target: follow new children, drop vanished ones. */
static void walk(struct sampler *s, uint64_t now)
{
	size_t i;

	for (i = 0; i < s->nkids; i++)
		s->kids[i].found = false;
	if (proc_descendants(&s->tree, s->pid, &s->desc) < 0)
		s->desc.n = 0;
	for (size_t d = 0; d < s->desc.n; d++) {
		pid_t pid = s->desc.v[d];

		i = kid_index(s, pid);
		if (i < s->nkids && s->kids[i].pid == pid)
			s->kids[i].found = true;
		else
			kid_add(s, i, pid, now);
	}
	for (i = s->nkids; i-- > 0;)
		if (!s->kids[i].found)
			kid_drop(s, i);
}

/* A read that failed although the process was there with memory (EACCES:
 * it has become another user's program): a sample lost, to be told. Gone
 * (ESRCH) or without memory (errno 0: ending) is the process's end. */
static bool read_failed(int err)
{
	return err != 0 && err != ESRCH;
}

static bool kid_read(struct child *c, enum proc_backend backend)
{
	if (proc_read_mem(&c->h, &c->mem))
		return true;
	if (errno == 0)
		return false; /* a zombie */
	/* Gone, or its pid now names another process of the tree: reopen. */
	proc_close(&c->h);
	if (proc_open(&c->h, c->pid, backend) < 0) {
		if (errno == ENOENT)
			errno = ESRCH; /* no /proc/PID: gone */
		return false;
	}
	return proc_read_mem(&c->h, &c->mem);
}

/* ---- measuring ---- */

/* The target's memory (and with_kids: the children's, each in its struct
 * child), in bytes: *self and the sum over the children in *kids.
 * False when the target has no memory left (it has ended). */
static bool measure(struct sampler *s, bool with_kids, uint64_t now, uint64_t *self, uint64_t *kids)
{
	bool alive;

	s->ip.fresh = s->ip.marked = false;
	alive = (s->marks_due && ipeak_read_mem(&s->ipk, &s->ip, &s->target, self)) ||
		proc_read_mem(&s->target, self);

	if (!alive) {
		s->read_errno = errno;
		*self = 0;
		proc_tree_changed(&s->tree); /* its children have left the tree */
	} else if (*self > s->hwm_seen) {
		target_hwm_read(s);
	}
	*kids = 0;
	if (!with_kids)
		return alive;
	walk(s, now);
	for (size_t i = 0; i < s->nkids; i++) {
		struct child *c = &s->kids[i];

		c->ip.fresh = c->ip.marked = false;
		c->mem_ok = (s->marks_due && ipeak_read_mem(&s->ipk, &c->ip, &c->h, &c->mem)) ||
			    kid_read(c, s->o->backend);
		if (!c->mem_ok) {
			proc_tree_changed(&s->tree); /* ended: its children have left the tree */
			if (errno == ESRCH)
				unseen_gone(&s->uns); /* reaped; the next walk drops it */
		}
		if (c->mem_ok) {
			*kids += c->mem;
			if (c->mem > c->hwm_seen)
				kid_hwm_read(s, c);
		} else if (read_failed(errno) && !c->unreadable) {
			c->unreadable = true;
			s->kids_unreadable++;
			s->kid_unreadable = c->pid;
			s->kid_unreadable_errno = errno;
		}
	}
	return alive;
}

static double total_mib(const struct sampler *s, uint64_t self, uint64_t kids)
{
	return (double)(self + (s->o->children ? kids : 0)) / MIB;
}

/* Memory as MEM samples measure it, for events; a reading younger than
 * MEM_REUSE_NS is used again. */
/* The peak of a program that has ended: from its rusage when reaped, or,
 * a zombie still, from the one waitid gives without reaping it. 0 when
 * there is none. */
static double ended_peak_mib(const struct sampler *s)
{
	siginfo_t si = { 0 };
	struct rusage ru;

	if (s->attached)
		return 0;
	if (s->gone)
		return (double)s->ru.ru_maxrss / 1024.0;
	if (syscall(SYS_waitid, P_PID, s->pid, &si, WEXITED | WNOWAIT | WNOHANG, &ru) < 0 || si.si_pid != s->pid)
		return 0;
	return (double)ru.ru_maxrss / 1024.0;
}

static double mem_for_events(void *ctx)
{
	struct sampler *s = ctx;
	uint64_t now = mono_ns(), self, kids;

	if (now - s->read_ns >= MEM_REUSE_NS) {
		/* An event read just after the program ended (it sent it on its
		 * way out) gets the last memory measured while it lived; one
		 * that ended before it was measured at all, its peak. */
		/* (a process on its way out reads as no memory at all) */
		if (measure(s, s->o->children, now, &self, &kids) && self + kids > 0)
			s->mem = total_mib(s, self, kids);
		else if (!s->res->samples && !s->mem)
			s->mem = ended_peak_mib(s);
		s->read_ns = now;
	}
	return s->mem;
}

/* Without -C and -M, children are not followed, but their peaks are still
 * noted: when the program has reaped children, the kernel's ru_maxrss may be
 * one of theirs, and this tells (see finish). */
static void kids_peak(struct sampler *s)
{
	if (proc_descendants(&s->tree, s->pid, &s->desc) < 0)
		return;
	for (size_t i = 0; i < s->desc.n; i++) {
		struct proc_handle h = { .pid = s->desc.v[i], .fd = -1, .status_fd = -1 };
		uint64_t hwm;

		if (!proc_read_hwm(&h, &hwm))
			proc_tree_changed(&s->tree); /* ended */
		else if (hwm > s->kids_hwm)
			s->kids_hwm = hwm;
		proc_close(&h);
	}
}

/* The high-water marks, and the names of children old enough to have
 * finished their exec. */
static void slow_tick(struct sampler *s, uint64_t now, double t)
{
	s->hwm_ns = now;
	if (s->cg_only)
		return;
	/* A mark read with this sample's interval peak is not read again. */
	if (!s->ip.marked)
		target_hwm_read(s);
	target_hwm_write(s, t);
	if (!s->o->children && !s->o->multiprocess) {
		kids_peak(s);
		return;
	}
	for (size_t i = 0; i < s->nkids && s->writing; i++) {
		struct child *c = &s->kids[i];

		if (!c->ip.marked)
			kid_hwm_read(s, c);
		kid_hwm_write(s, c, t);
		if (!c->cmd_written && now - c->seen_ns >= CMD_DELAY_NS) {
			proc_read_comm(c->pid, c->comm, sizeof(c->comm));
			kid_name(s, c);
		}
	}
}

/* Without a pidfd, an attached process's end shows in /proc. */
static bool attached_gone(pid_t pid)
{
	struct proc_stat st;

	return !proc_read_stat(pid, &st) || st.state == 'Z' || st.state == 'X';
}

/* --kill-above, at each sample (see sampler_opts). */
static void kill_above(struct sampler *s, uint64_t now, double mem, double t)
{
	if (s->gone || s->kill_ns == NEVER)
		return;
	if (!s->kill_ns && mem * MIB > (double)s->o->kill_above) {
		wrote(s, profile_write_mark(&s->w, s->o->kill_label, mem, t));
		kill(s->pid, SIGTERM);
		s->kill_ns = now;
	} else if (s->kill_ns && now - s->kill_ns >= SAMPLER_KILL_GRACE * NS_PER_SEC) {
		kill(s->pid, SIGKILL);
		s->kill_ns = NEVER;
	}
}

/* Attached to a cgroup: its charge is the MEM sample. False when it has gone. */
static bool cgroup_only_sample(struct sampler *s, double t)
{
	if (!s->writing)
		return !s->cgp.gone;
	wrote(s, cgroup_probe_sample(&s->cgp, &s->w, t));
	if (s->cgp.gone) {
		s->gone = true;
		return false;
	}
	wrote(s, profile_write_mem(&s->w, s->cgp.last_mib, t));
	s->res->samples++;
	s->sample_t = t;
	s->sample_mem = s->mem = s->cgp.last_mib;
	return true;
}

/* --breakdown: KIND for the target (under -C, the sum over the tree), and
 * CHLDKIND for each child under -M. */
static void breakdown_sample(struct sampler *s, double t)
{
	struct mem_kinds sum = { { 0 } }, k;
	double mib[MEM_KIND_COUNT];

	kinds_read(&s->target_kinds, &sum);
	for (size_t i = 0; i < s->nkids && (s->o->children || s->o->multiprocess); i++) {
		struct child *c = &s->kids[i];

		if (!c->mem_ok || !kinds_read(&c->kinds, &k))
			continue;
		if (s->o->children)
			mem_kinds_add(&sum, &k);
		if (s->o->multiprocess) {
			for (int j = 0; j < MEM_KIND_COUNT; j++)
				mib[j] = (double)k.v[j] / MIB;
			wrote(s, profile_write_kind(&s->w, c->pid, mib, t));
		}
	}
	for (int j = 0; j < MEM_KIND_COUNT; j++)
		mib[j] = (double)sum.v[j] / MIB;
	wrote(s, profile_write_kind(&s->w, 0, mib, t));
}

/* --gpu: the device memory of the target and all its descendants (they are
 * walked for it when -C and -M do not). */
static void gpu_sample(struct sampler *s, uint64_t now, double t)
{
	uint64_t bytes;

	if (now - s->gpu_ns < GPU_PERIOD_NS)
		return;
	s->gpu_ns = now;
	s->gpu_pids.n = 0;
	pidvec_push(&s->gpu_pids, s->pid);
	if (s->o->children || s->o->multiprocess) {
		for (size_t i = 0; i < s->nkids; i++)
			pidvec_push(&s->gpu_pids, s->kids[i].pid);
	} else if (proc_descendants(&s->tree, s->pid, &s->desc) == 0) {
		for (size_t i = 0; i < s->desc.n; i++)
			pidvec_push(&s->gpu_pids, s->desc.v[i]);
	}
	if (gpu_read(s->o->gpu, s->gpu_pids.v, s->gpu_pids.n, &bytes))
		wrote(s, profile_write_gpu(&s->w, (double)bytes / MIB, t));
}

/* Interval peaks (ipeak.h), read and reset just after the sample they end:
 * IPEAK for the program (under -C: the sum of each process's interval peak,
 * the tree's at most), CHLDIPEAK for each child under -M; written only when
 * above the sample. They feed the run's peaks too. */
static void interval_peaks(struct sampler *s, bool alive, uint64_t self, uint64_t kids, double t)
{
	uint64_t peak, rss, own = self, extra = 0, sampled = self + (s->o->children ? kids : 0);
	bool above = false;

	if (alive && ipeak_take(&s->ipk, &s->ip, &s->target, &peak, &rss)) {
		s->hwm_seen = peak > s->hwm_seen ? peak : s->hwm_seen;
		above = ipeak_above(peak, rss, self);
		own = peak > self ? peak : self;
	}
	for (size_t i = 0; i < s->nkids && (s->o->children || s->o->multiprocess); i++) {
		struct child *c = &s->kids[i];

		if (!c->mem_ok || !ipeak_take(&s->ipk, &c->ip, &c->h, &peak, &rss))
			continue;
		c->hwm_seen = peak > c->hwm_seen ? peak : c->hwm_seen;
		s->kids_hwm = peak > s->kids_hwm ? peak : s->kids_hwm;
		if (!ipeak_above(peak, rss, c->mem))
			continue;
		if (s->o->children) {
			above = true;
			extra += peak - c->mem;
		}
		if (s->o->multiprocess)
			wrote(s, profile_write_chldipeak(&s->w, c->pid, (double)peak / MIB, t));
	}
	if (above && (alive || s->o->children))
		wrote(s, profile_write_ipeak(&s->w, (double)(sampled - self + own + extra) / MIB, t));
}

/* Interval peaks are read at every sample up to 100 a second; sampling
 * faster, at the first sample 10 ms (less half an interval) after the last
 * read, so that their cost stays that of 100 reads a second: each then
 * covers the intervals since. A tree's are read together, and less often
 * when it has more than MARK_TREE_MAX / 100 processes, so that there are
 * at most MARK_TREE_MAX reads a second in all. Nothing escapes the marks
 * meanwhile. */
static void marks_due(struct sampler *s, uint64_t now)
{
	size_t procs = 1 + (s->o->children || s->o->multiprocess ? s->nkids : 0);
	uint64_t period = procs * (NS_PER_SEC / MARK_TREE_MAX);

	if (period < MARK_PERIOD_NS)
		period = MARK_PERIOD_NS;
	s->marks_due = s->ipk.on && now - s->mark_ns + s->interval_ns / 2 >= period;
	if (s->marks_due)
		s->mark_ns = now;
}

/* One sample; false when the target had no memory left to read. */
static bool sample(struct sampler *s, uint64_t now)
{
	bool kids_needed = s->o->children || s->o->multiprocess;
	uint64_t self, kids;
	double t = time_now();
	bool alive;

	if (s->cg_only)
		return cgroup_only_sample(s, t);
	if (kids_needed)
		unseen_read(&s->uns, s->pid);
	marks_due(s, now);
	alive = measure(s, kids_needed, now, &self, &kids);
	if (alive)
		s->mem = total_mib(s, self, kids);
	s->read_ns = now;
	if (!s->writing)
		return alive;
	if (!alive && read_failed(s->read_errno)) {
		s->res->unreadable++;
		s->unreadable_errno = s->read_errno;
	}
	if (alive || (s->o->children && kids)) {
		double mem = total_mib(s, self, kids);

		wrote(s, profile_write_mem(&s->w, mem, t));
		s->res->samples++;
		s->sample_t = t;
		s->sample_mem = mem;
		if (mem > s->peak_mem)
			s->peak_mem = mem;
		if (s->o->kill_above)
			kill_above(s, now, mem, t);
		if (s->o->breakdown)
			breakdown_sample(s, t);
		if (s->o->gpu)
			gpu_sample(s, now, t);
	}
	if (s->cg)
		wrote(s, cgroup_probe_sample(&s->cgp, &s->w, t));
	if (s->o->multiprocess)
		for (size_t i = 0; i < s->nkids; i++)
			if (s->kids[i].mem_ok)
				wrote(s, profile_write_chld(&s->w, s->kids[i].pid,
							    (double)s->kids[i].mem / MIB, t));
	if (s->marks_due)
		interval_peaks(s, alive, self, kids, t);
	if (kids_needed && unseen_verdict(&s->uns))
		wrote(s, profile_write_unseen(&s->w, s->pid, t));
	if (now - s->hwm_ns >= HWM_PERIOD_NS)
		slow_tick(s, now, t);
	return alive;
}

/* ---- starting ---- */

/* Ask the scheduler for a short time slice (Linux 6.12's EEVDF "custom
 * slice"): a task that runs ~10 us per wake-up then gets the CPU soon after
 * its timer fires, instead of waiting for a busy neighbour's slice to end. It
 * is not a priority; where the kernel does not know it, nothing changes. */
static void short_slice(void)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.policy = SCHED_OTHER;
	errno = 0;
	attr.nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return;
	attr.runtime = 100000; /* ns: the shortest slice the kernel takes */
#ifdef SYS_sched_setattr
	(void)syscall(SYS_sched_setattr, 0, &attr, 0);
#endif
}

/* The output name: when it was made up from the time and is taken (two runs
 * in one second), the next free second. */
static int open_output(struct sampler *s)
{
	const struct sampler_opts *o = s->o;
	char *name = xstrdup(o->output);
	int rc;

	for (int tries = 0;; tries++) {
		struct stat st;
		bool exists = lstat(name, &st) == 0;

		if (o->output_is_default && o->output_mode == PROFILE_CREATE && exists && tries < 100) {
			struct tm tm;
			time_t t = time(NULL) + tries + 1;
			char buf[64];

			localtime_r(&t, &tm);
			strftime(buf, sizeof(buf), "mprofile_%Y%m%d%H%M%S.dat", &tm);
			free(name);
			name = xstrdup(buf);
			continue;
		}
		s->created = !exists;
		rc = profile_writer_open(&s->w, name, o->output_mode);
		break;
	}
	if (rc < 0) {
		free(name);
		return -1;
	}
	s->res->output = name;
	s->w_open = true;
	s->writing = true;
	return 0;
}

static const char *mode_name(const struct sampler_opts *o)
{
	if (o->children && o->multiprocess)
		return "children+multiprocess";
	if (o->multiprocess)
		return "multiprocess";
	return o->children ? "children" : "self";
}

static void write_head(struct sampler *s)
{
	char fields[PATH_MAX + 512];
	char **argv = NULL;
	char pidstr[24];
	char *one[] = { pidstr, NULL };

	if (s->cg_only) {
		char *path[] = { s->cgp.r.path, NULL };

		wrote(s, profile_write_cmdline(&s->w, path));
	} else if (s->attached) {
		snprintf(pidstr, sizeof(pidstr), "%d", (int)s->pid);
		if (!proc_read_cmdline(s->pid, &argv))
			argv = NULL;
		wrote(s, profile_write_cmdline(&s->w, argv ? argv : one));
		strv_free(argv);
	} else {
		wrote(s, profile_write_cmdline(&s->w, s->o->cmdline ? s->o->cmdline : s->o->argv));
	}
	snprintf(fields, sizeof(fields), "backend=%s interval=%.9g mode=%s pid=%d%s%s",
		 proc_backend_name(s->o->backend), s->o->interval, mode_name(s->o), (int)s->pid,
		 s->o->breakdown ? " breakdown=1" : "", s->o->gpu ? " gpu=1" : "");
	if (s->hwm_before)
		snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), " peak_before_attach=%.6f",
			 (double)s->hwm_before / MIB);
	if (s->cg) {
		size_t n = strlen(fields);

		fields[n++] = ' ';
		cgroup_probe_describe(&s->cgp, fields + n, sizeof(fields) - n);
	}
	wrote(s, profile_write_header(&s->w, fields));
}

/* ---- the loop ---- */

/* A stop signal to mprof. Running a program: forward it (unless it came from
 * the terminal, which sent it to the program too) and keep sampling until
 * the program ends; a second one stops sampling at once. Attached: stop. */
static void on_stop_signal(struct sampler *s, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;
	bool from_tty = si->ssi_code == SI_KERNEL && getpgid(s->pid) == getpgrp();

	s->res->stop_signal = sig;
	s->stops++;
	if (s->attached) {
		s->detach = true;
		return;
	}
	if (!from_tty && !s->gone) {
		struct proc_stat st;

		kill(s->pid, sig);
		/* A stopped program could not act on it: let it go on, as a
		 * shell's kill does for a stopped job. */
		if (proc_read_stat(s->pid, &st) && st.state == 'T')
			kill(s->pid, SIGCONT);
	}
	if (s->stops > 1)
		s->detach = true;
}

/* Reap the program if it has ended: 1 reaped, 0 still running. */
static int reap(struct sampler *s, bool block)
{
	struct spawn_exit ex;
	int r = spawn_reap(s->pid, block, &ex);

	if (r <= 0)
		return r;
	s->gone = true;
	s->cminflt = ex.cminflt;
	s->ru = ex.ru;
	s->res->end = ex.signaled ? SAMPLER_SIGNALED : SAMPLER_EXITED;
	s->res->status = ex.status;
	return 1;
}

static void read_signals(struct sampler *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (!s->attached && !s->gone)
				reap(s, false);
		} else {
			on_stop_signal(s, &si);
		}
	}
}

/* The ring at every wake-up; the FIFO when the wait said it has something
 * (fifo_ready), or at the end: an empty FIFO costs no read per sample. */
static void drain_events(struct sampler *s, bool fifo_ready)
{
	char buf[4096];
	bool final = s->gone || s->detach;

	if (!s->ev || s->ch.rfd < 0)
		return;
	if (s->writing) {
		wrote(s, (s->ch.ring ? ring_drain(s->ch.ring, s->ev, fifo_ready || final ? s->ch.rfd : -1,
						  mem_for_events, s, final)
				     : events_drain(s->ev, s->ch.rfd, mem_for_events, s)) < 0 ? -1 : 0);
		return;
	}
	if (s->ch.ring)
		ring_discard(s->ch.ring);
	/* Nothing is written any more, but the channel must not fill up and
	 * block the program. */
	while (read(s->ch.rfd, buf, sizeof(buf)) > 0)
		;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The sample due now, if one is: deadlines are absolute (t0 + k * interval),
 * and those the loop was too late for are skipped and counted. */
static void sample_due(struct sampler *s, uint64_t now)
{
	uint64_t k, due;
	bool alive;

	if (!s->writing || now < s->next_ns)
		return;
	k = (now - s->t0) / s->interval_ns + 1;
	due = (s->next_ns - s->t0) / s->interval_ns;
	alive = sample(s, now);
	s->res->missed += k - 1 - due;
	s->next_ns = s->t0 + k * s->interval_ns;
	if (!alive && s->attached && s->pidfd < 0 && attached_gone(s->pid))
		s->gone = true;
}

/* When the loop must wake next: the next deadline, the end of sampling, a
 * flush that is due. NEVER when only the program's end or a signal can
 * wake it. */
static uint64_t next_wake(const struct sampler *s)
{
	uint64_t wake = min_u64(s->writing ? s->next_ns : NEVER, s->end_ns);

	if (s->writing && profile_writer_pending(&s->w))
		wake = min_u64(wake, s->flush_ns + FLUSH_PERIOD_NS);
	return wake;
}

/* The figures for the status line, now and then (it never waits). */
static void status_note(struct sampler *s, uint64_t now)
{
	if (s->st && status_due(s->st, now))
		status_publish(s->st, s->mem, s->peak_mem,
			       s->hwm_seen > s->hwm_before ? (double)s->hwm_seen / MIB : 0, s->res->samples,
			       s->ev ? events_open_span(s->ev) : NULL);
}

/* What the loop waits on: the program's end, signals, events. */
enum { W_PID, W_SIG, W_EV };

static void loop(struct sampler *s)
{
	struct waiter w;

	waiter_init(&w);
	if (s->pidfd >= 0)
		waiter_add(&w, s->pidfd, W_PID);
	waiter_add(&w, s->sigfd, W_SIG);
	if (s->ev)
		waiter_add(&w, s->ch.rfd, W_EV);
	for (;;) {
		uint64_t now = mono_ns(), wake;
		struct timespec ts;
		unsigned ready;

		if (now >= s->end_ns)
			s->detach = true;
		if (s->gone || s->detach)
			break;
		sample_due(s, now);
		status_note(s, now);
		if (s->writing && profile_writer_pending(&s->w) && now - s->flush_ns >= FLUSH_PERIOD_NS)
			flush(s, now);
		wake = next_wake(s);
		now = mono_ns();
		if (wake != NEVER) {
			uint64_t d = wake > now ? wake - now : 0;

			ts.tv_sec = (time_t)(d / NS_PER_SEC);
			ts.tv_nsec = (long)(d % NS_PER_SEC);
		}
		if (waiter_wait(&w, wake == NEVER ? NULL : &ts, &ready) < 0) {
			if (errno == EINTR)
				continue;
			error_errno("cannot wait for the program");
			s->detach = true;
			break;
		}
		/* A program that ended before its first sample: its events wait
		 * for finish, which gives them its peak, the one measure of it. */
		if (((ready & (1u << W_EV)) || s->ch.ring) && (s->res->samples || !(ready & (1u << W_PID))))
			drain_events(s, ready & (1u << W_EV));
		if (ready & (1u << W_SIG))
			read_signals(s);
		if (ready & (1u << W_PID)) {
			if (s->attached)
				s->gone = true;
			else
				reap(s, true);
		}
	}
	waiter_release(&w);
}

/* The target's peak at the end: the largest mark read (none from before an
 * attach); for a program that has ended and was reaped, its ru_maxrss, which
 * is exact, unless it reaped children of its own: then it may be one of
 * theirs, and it is taken only if no child was seen that large. */
static uint64_t final_peak(struct sampler *s, double t)
{
	uint64_t peak = s->hwm_seen > s->hwm_before ? s->hwm_seen : 0;
	uint64_t maxrss = (uint64_t)s->ru.ru_maxrss * 1024;
	uint64_t margin = s->kids_hwm / 50 > (1u << 20) ? s->kids_hwm / 50 : (1u << 20);

	if (!s->gone || s->attached) {
		target_hwm_write(s, t);
		return peak;
	}
	if (maxrss > peak && (s->cminflt == 0 || maxrss > s->kids_hwm + margin))
		peak = maxrss;
	if (peak)
		wrote(s, profile_write_peak(&s->w, (double)peak / MIB, t));
	s->target_hwm = s->hwm_seen = peak;
	return peak;
}

/* Children that no sample saw, at the program's end: in its last interval
 * (its zombie's cminflt against the last reading), and their largest peak. */
static void unseen_end(struct sampler *s, double t)
{
	uint64_t peak = unseen_peak((uint64_t)s->ru.ru_maxrss * 1024, s->cminflt, s->hwm_seen, s->kids_hwm);

	s->uns.rose = s->uns.have && s->cminflt != UINT64_MAX && s->cminflt > s->uns.cminflt;
	if (unseen_verdict(&s->uns))
		wrote(s, profile_write_unseen(&s->w, s->pid, t));
	if (peak)
		wrote(s, profile_write_unseenpeak(&s->w, (double)peak / MIB, t));
}

/* The last records: a final sample if the target is still there, the exact
 * peak, children's names, unfinished spans and EXIT. */
static void finish(struct sampler *s)
{
	uint64_t now = mono_ns(), peak;
	double t;

	if (!s->writing)
		return;
	if (!s->gone) {
		/* Detached: the target lives on; one last look. */
		sample(s, now);
		slow_tick(s, now, s->sample_t);
	}
	t = time_now();
	if ((s->o->children || s->o->multiprocess) && s->gone && !s->attached)
		unseen_end(s, t);
	peak = final_peak(s, t);
	if (!s->res->samples && s->writing && peak) {
		/* It ended before it could be read even once: its peak is the
		 * best measure of it there is. */
		wrote(s, profile_write_mem(&s->w, (double)peak / MIB, t));
		s->res->samples++;
		s->sample_t = t;
		s->sample_mem = s->mem = (double)peak / MIB;
	}
	/* Events still in the channel: after the last sample, so that those of
	 * a program that ended before its first get that sample's memory. */
	drain_events(s, true);
	for (size_t i = 0; i < s->nkids; i++) {
		kid_hwm_read(s, &s->kids[i]);
		kid_hwm_write(s, &s->kids[i], t);
		kid_name(s, &s->kids[i]);
	}
	if (s->ev)
		wrote(s, events_finish(s->ev, s->sample_t, s->sample_mem));
	if (s->cg && s->writing) {
		wrote(s, cgroup_probe_finish(&s->cgp, &s->w, t));
		s->res->cgroup_events = s->cgp.seen;
		s->res->cgroup_peak = (double)s->cgp.peak / MIB;
		s->res->cgroup_floor = (double)s->cgp.floor / MIB;
	}
	if (!s->writing)
		return;
	switch (s->res->end) {
	case SAMPLER_EXITED:
		wrote(s, profile_write_exit(&s->w, t, "exit", s->res->status));
		break;
	case SAMPLER_SIGNALED:
		wrote(s, profile_write_exit(&s->w, t, "signal", s->res->status));
		break;
	default:
		wrote(s, profile_write_exit(&s->w, t, "detached", 0));
		break;
	}
}

/* Never a run that is silently short: say how many samples were lost to
 * reads that failed while the target lived. */
static void report_unreadable(const struct sampler *s)
{
	unsigned long n = s->res->unreadable, all = n + s->res->samples;

	if (n)
		warning("%lu of %lu samples are missing: cannot read the memory of pid %d: %s", n, all,
			(int)s->pid, strerror(s->unreadable_errno));
	if (s->kids_unreadable)
		warning("%lu child process%s could not be read at times (pid %d: %s); %s memory is "
			"missing from those samples", s->kids_unreadable, s->kids_unreadable > 1 ? "es" : "",
			(int)s->kid_unreadable, strerror(s->kid_unreadable_errno),
			s->kids_unreadable > 1 ? "their" : "its");
}

/* A program that still runs keeps its cgroup (it cannot be removed without
 * killing it); else what is left of the job has a second to go. */
static void cgroup_release(struct sampler *s)
{
	if (cgroup_probe_cgroup(&s->cgp) && s->pid > 0 && !s->gone) {
		warning("the program (pid %d) still runs in the cgroup %s; remove it (rmdir) once the "
			"program has ended", (int)s->pid, s->cgp.cg.path);
		s->cgp.made = false;
	}
	cgroup_probe_close(&s->cgp, 1.0);
}

static void release(struct sampler *s)
{
	for (size_t i = 0; i < s->nkids; i++)
		proc_close(&s->kids[i].h);
	free(s->kids);
	pidvec_release(&s->desc);
	pidvec_release(&s->gpu_pids);
	proc_tree_release(&s->tree);
	proc_close(&s->target);
	kinds_reader_close(&s->target_kinds);
	ipeak_close(&s->ip);
	unseen_close(&s->uns);
	events_free(s->ev);
	if (s->ch.path)
		events_channel_close(&s->ch);
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	if (s->cg)
		cgroup_release(s);
}

/* The kernel's high-water mark of a process attached to may be from long
 * before: it is the run's only when the process holds about that much now
 * (then the run's peak lies between the two). Otherwise it is noted as from
 * before, and a PEAK is written only if it rises during the run (exact
 * then). The process's own counters are left alone. */
static void note_hwm_before(struct sampler *s)
{
	uint64_t hwm, rss, slack;

	if (!proc_read_hwm_rss(&s->target, &hwm, &rss))
		return;
	slack = hwm / 100 > (1u << 20) ? hwm / 100 : (1u << 20);
	if (hwm > rss + slack)
		s->hwm_before = s->target_hwm = s->hwm_seen = hwm;
}

/* Say that the kernel's peak was from before the attach, if it did not rise. */
static void tell_hwm_before(const struct sampler *s)
{
	if (s->hwm_before && s->target_hwm == s->hwm_before && s->o->progress)
		fprintf(stderr, "mprof: before attach: %.1f MiB (the kernel's peak of pid %d then; not "
			"this run's)\n", (double)s->hwm_before / MIB, (int)s->pid);
}

static int attach_open(struct sampler *s)
{
	pid_t pid = s->o->attach;
	uint64_t v;

	if (proc_open(&s->target, pid, s->o->backend) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return error("no process with pid %d", (int)pid);
		return error_errno("cannot read the memory of pid %d", (int)pid);
	}
	if (!proc_read_mem(&s->target, &v)) {
		if (errno == ESRCH || attached_gone(pid))
			return error("process %d has ended", (int)pid);
		if (errno)
			return error_errno("cannot read the memory of pid %d", (int)pid);
		return error("process %d has no memory to sample (a kernel thread?)", (int)pid);
	}
	s->pid = pid;
	s->res->pid = pid;
	s->pidfd = spawn_pidfd(pid);
	kinds_reader_init(&s->target_kinds, pid);
	note_hwm_before(s);
	return 0;
}

/* Can it be done? The backend, and the process or the program. */
static int check_target(struct sampler *s)
{
	const struct sampler_opts *o = s->o;
	char *path;

	if (o->backend != PROC_RSS && !proc_have_smaps_rollup())
		return error("--backend %s needs /proc/PID/smaps_rollup (Linux 4.14 or later)",
			     proc_backend_name(o->backend));
	if (s->cg_only)
		return cgroup_probe_attach(&s->cgp, (enum cgroup_by)o->cgroup_by, o->cgroup_arg,
					   o->reset_peak);
	if (s->attached)
		return attach_open(s);
	if (spawn_find_program(o->argv[0], &path) < 0) {
		s->res->end = SAMPLER_NOT_RUN;
		s->res->exec_errno = errno;
		return spawn_error(o->argv[0], errno);
	}
	free(path);
	if (o->cgroup && cgroup_probe_create(&s->cgp, o->memory_max) < 0)
		return -1;
	return 0;
}

/* Start the program. If it cannot be, no profile is left behind (an
 * appended-to file is as it was: nothing was written yet). */
static int start_program(struct sampler *s)
{
	int err;

	if (spawn_start(s->o->argv, s->ch.path, &s->oldmask, CGROUP_OF(s), &s->pid, &err) < 0) {
		if (err) {
			s->gone = true;
			s->res->end = SAMPLER_NOT_RUN;
			s->res->exec_errno = err;
			profile_writer_close(&s->w);
			s->w_open = false;
			if (s->created || s->o->output_mode == PROFILE_REPLACE)
				unlink(s->res->output);
		}
		return -1;
	}
	s->res->pid = s->pid;
	s->pidfd = spawn_pidfd(s->pid);
	kinds_reader_init(&s->target_kinds, s->pid);
	if (proc_open(&s->target, s->pid, s->o->backend) < 0)
		s->target.fd = -1; /* it has ended already */
	return 0;
}

/* Stop signals (and SIGCHLD when there is no pidfd) come through a
 * signalfd; blocked before the fork so that none is lost. */
static int start(struct sampler *s)
{
	sigemptyset(&s->sigs);
	sigaddset(&s->sigs, SIGINT);
	sigaddset(&s->sigs, SIGTERM);
	sigaddset(&s->sigs, SIGHUP);
	sigaddset(&s->sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s->sigs, NULL);
	if (!s->attached && start_program(s) < 0)
		return -1;
	if (s->pidfd >= 0)
		sigdelset(&s->sigs, SIGCHLD);
	s->sigfd = signalfd(-1, &s->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return error_errno("cannot make a signalfd");
	/* Nothing else may kill us mid-record. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Timers: a slack of at most 5% of the interval, a short scheduler slice,
 * the deadlines from now. */
static void set_clock(struct sampler *s)
{
	const struct sampler_opts *o = s->o;
	uint64_t slack = (uint64_t)(o->interval * 1e9) / 20;

	prctl(PR_SET_TIMERSLACK, slack < 50000 ? (slack ? slack : 1) : 50000);
	short_slice();
	s->interval_ns = (uint64_t)(o->interval * 1e9 + 0.5);
	if (!s->interval_ns)
		s->interval_ns = 1;
	s->t0 = mono_ns();
	s->next_ns = s->t0 + s->interval_ns;
	s->hwm_ns = s->t0 - HWM_PERIOD_NS;
	s->mark_ns = s->t0 - MARK_PERIOD_NS;
	s->flush_ns = s->t0;
	s->read_ns = s->t0 - MEM_REUSE_NS;
	s->end_ns = o->timeout > 0 ? s->t0 + (uint64_t)(o->timeout * 1e9) : NEVER;
}

/* The header, and the first sample of an attached process. A program just
 * started is not sampled at once: when its exec returns, its image is still
 * being mapped (its memory reads 0.01 to 0.4 MiB) and its loader has not
 * run. Its first sample is at the first deadline, one interval on; if it
 * ends before, its peak is its sample (see finish). */
static void begin(struct sampler *s)
{
	write_head(s);
	if (s->o->progress) {
		if (s->cg_only)
			fprintf(stderr, "mprof: attached to the cgroup %s, writing %s\n", s->cgp.r.path,
				s->res->output);
		else if (s->attached)
			fprintf(stderr, "mprof: attached to pid %d, writing %s\n", (int)s->pid, s->res->output);
		else
			fprintf(stderr, "mprof: running '%s' (pid %d), writing %s\n", s->o->argv[0],
				(int)s->pid, s->res->output);
	}
	if (s->attached)
		sample(s, s->t0);
	if (s->ev)
		events_set_target(s->ev, s->pid);
	flush(s, s->t0);
	s->st = status_start(&(struct status_opts){ STDERR_FILENO, STDIN_FILENO, s->o->status, s->o->live,
						    s->o->last, s->res->output });
}

int sampler_run(const struct sampler_opts *o, struct sampler_result *res)
{
	struct sampler s = { 0 };
	int rc = -1;

	memset(res, 0, sizeof(*res));
	s.o = o;
	s.res = res;
	s.pidfd = s.sigfd = -1;
	s.target.fd = s.target.status_fd = -1;
	kinds_reader_init(&s.target_kinds, 0);
	s.ipk.on = o->interval_peaks && o->backend == PROC_RSS;
	ipeak_init(&s.ip);
	s.ch.rfd = s.ch.wfd = -1;
	s.attached = o->attach > 0 || o->cgroup_arg;
	s.cg_only = o->cgroup_arg != NULL;
	s.cg = o->cgroup || s.cg_only;
	unseen_init(&s.uns, !s.attached);
	s.ipk.attached = s.attached;
	proc_tree_init(&s.tree);
	sigprocmask(SIG_SETMASK, NULL, &s.oldmask);
	res->end = SAMPLER_DETACHED;

	if (check_target(&s) < 0 || open_output(&s) < 0)
		goto out;
	if (!s.attached && o->events) {
		if (events_channel_open(&s.ch) == 0)
			s.ev = events_new(&s.w);
		else
			warning("running without the event channel: no spans or markers will be recorded");
	}
	if (start(&s) < 0)
		goto out;
	set_clock(&s);
	begin(&s);
	loop(&s);
	if (o->kill_at_timeout && s.cg && !s.gone && !s.attached && cgroup_probe_kill(&s.cgp) == 0) {
		reap(&s, true);
		res->timed_out = true;
	}
	finish(&s);
	if (s.st) {
		flush(&s, mono_ns());
		status_stop(s.st);
	}
	report_unreadable(&s);
	tell_hwm_before(&s);
	rc = 0;
out:
	if (s.w_open && profile_writer_close(&s.w) < 0)
		res->output_failed = true;
	if (res->output_failed)
		rc = -1;
	release(&s);
	return rc;
}
