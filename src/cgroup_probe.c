#include "cgroup_probe.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MIB (1024.0 * 1024.0)
#define PARTS (CGROUP_CURRENT | CGROUP_STAT | CGROUP_EVENTS | CGROUP_PRESSURE)

static void probe_init(struct cgroup_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->cg.procs_fd = p->cg.psi_procs_fd = p->cg.dir_fd = -1;
	p->r.current_fd = p->r.stat_fd = p->r.events_fd = p->r.failcnt_fd = -1;
	p->r.memsw_failcnt_fd = p->r.kmem_fd = p->r.pressure_fd = p->r.peak_fd = -1;
}

int cgroup_probe_create(struct cgroup_probe *p, uint64_t memory_max)
{
	probe_init(p);
	if (cgroup_sys_detect(&p->sys) < 0)
		return -1;
	if (cgroup_create(&p->cg, &p->sys, memory_max) < 0) {
		cgroup_sys_release(&p->sys);
		return -1;
	}
	p->made = true;
	if (cgroup_reader_open(&p->r, p->cg.version, p->cg.path, p->cg.psi_path) < 0) {
		cgroup_remove(&p->cg, 0);
		p->made = false;
		cgroup_sys_release(&p->sys);
		return -1;
	}
	p->open = true;
	/* a new cgroup: every event counter starts at 0 */
	p->have_ev = true;
	return 0;
}

/* The events counters and the peak as they are before the run. */
static void note_before(struct cgroup_probe *p)
{
	struct cgroup_sample s;

	if (cgroup_read(&p->r, CGROUP_CURRENT | CGROUP_EVENTS | CGROUP_PEAK, &s) < 0)
		return;
	if (s.have & CGROUP_EVENTS) {
		p->ev = s.events;
		p->have_ev = true;
	}
	if (s.have & CGROUP_PEAK) {
		uint64_t slack = s.peak / 100 > (1u << 20) ? s.peak / 100 : (1u << 20);

		p->peak = s.peak;
		if (p->attached && s.peak > s.current + slack)
			p->peak_before = s.peak;
	}
}

int cgroup_probe_attach(struct cgroup_probe *p, enum cgroup_by by, const char *arg, bool reset_peak)
{
	probe_init(p);
	p->attached = true;
	if (cgroup_sys_detect(&p->sys) < 0)
		return -1;
	if (cgroup_attach(&p->r, &p->sys, by, arg) < 0) {
		cgroup_sys_release(&p->sys);
		return -1;
	}
	p->open = true;
	if (reset_peak && cgroup_reader_reset_peak(&p->r) < 0) {
		cgroup_probe_close(p, 0);
		return -1;
	}
	note_before(p);
	return 0;
}

const struct cgroup *cgroup_probe_cgroup(const struct cgroup_probe *p)
{
	return p->made ? &p->cg : NULL;
}

void cgroup_probe_describe(const struct cgroup_probe *p, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "cgroup=%s cgroup_version=%s", p->r.path,
			 cgroup_sys_name(&p->sys));

	if (n > 0 && (size_t)n < cap && p->made && p->cg.memory_max)
		snprintf(buf + n, cap - (size_t)n, " memory_max=%llu",
			 (unsigned long long)p->cg.memory_max);
	if (n > 0 && (size_t)n < cap && p->peak_before)
		snprintf(buf + n, cap - (size_t)n, " cgroup_peak_before_attach=%.6f",
			 (double)p->peak_before / MIB);
}

static int write_events(struct cgroup_probe *p, struct profile_writer *w,
			const struct cgroup_sample *s, double t)
{
	unsigned bits;
	int rc = 0;

	if (!(s->have & CGROUP_EVENTS))
		return 0;
	bits = p->have_ev ? cgroup_events_changed(&p->ev, &s->events) : 0;
	p->ev = s->events;
	p->have_ev = true;
	p->seen |= bits;
	for (unsigned b = 1; b <= CGROUP_EV_OOM_KILL && rc >= 0; b <<= 1) {
		char label[32];

		if (!(bits & b))
			continue;
		snprintf(label, sizeof(label), "cgroup:%s", cgroup_event_name(b));
		rc = profile_write_mark(w, label, p->last_mib, t);
	}
	return rc;
}

static int write_sample(struct cgroup_probe *p, struct profile_writer *w,
			const struct cgroup_sample *s, double t)
{
	const struct cgroup_stat *st = &s->stat;
	struct record rec = { .kind = REC_CGROUP, .t = t, .mem = (double)s->current / MIB,
			      .cg = { (double)st->anon / MIB, (double)st->file / MIB,
				      (double)st->kernel / MIB, (double)st->shmem / MIB,
				      (double)st->sock / MIB, (double)st->file_active / MIB,
				      (double)st->file_inactive / MIB } };
	int rc;

	p->last_mib = rec.mem;
	if (st->anon + st->kernel + st->shmem + st->sock > p->floor)
		p->floor = st->anon + st->kernel + st->shmem + st->sock;
	rc = profile_write(w, &rec);
	if (rc >= 0)
		rc = write_events(p, w, s, t);
	if (rc >= 0 && (s->have & CGROUP_PRESSURE)) {
		struct record pr = { .kind = REC_CGPRESSURE, .t = t,
				     .cg = { (double)s->pressure.some.total_us,
					     (double)s->pressure.full.total_us } };

		rc = profile_write(w, &pr);
	}
	return rc;
}

int cgroup_probe_sample(struct cgroup_probe *p, struct profile_writer *w, double t)
{
	struct cgroup_sample s;

	if (!p->open || p->gone)
		return 0;
	if (cgroup_read(&p->r, PARTS, &s) < 0) {
		if (errno == ENODEV || errno == ENOENT)
			p->gone = true;
		return 0;
	}
	return write_sample(p, w, &s, t);
}

int cgroup_probe_finish(struct cgroup_probe *p, struct profile_writer *w, double t)
{
	struct cgroup_sample s;
	int rc;

	if (!p->open || p->gone)
		return 0;
	if (cgroup_read(&p->r, PARTS | CGROUP_PEAK, &s) < 0)
		return 0;
	rc = write_sample(p, w, &s, t);
	if (rc < 0 || !(s.have & CGROUP_PEAK))
		return rc;
	if (p->attached && p->peak_before && s.peak <= p->peak_before)
		return rc; /* from before the attach: not this run's */
	p->peak = s.peak;
	return profile_write_cgpeak(w, (double)s.peak / MIB, t);
}

int cgroup_probe_kill(struct cgroup_probe *p)
{
	return p->made ? cgroup_kill(&p->cg) : 0;
}

int cgroup_probe_close(struct cgroup_probe *p, double timeout)
{
	int rc = 0;

	if (p->open)
		cgroup_reader_close(&p->r);
	p->open = false;
	if (p->made)
		rc = cgroup_remove(&p->cg, timeout);
	p->made = false;
	cgroup_sys_release(&p->sys);
	return rc;
}
