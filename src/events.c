#include "events.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 10000             /* deeper spans are dropped: a runaway emitter */
#define DRAIN_MAX (1u << 20)        /* bytes per drain, so sampling keeps its schedule */
#define SHOWN_MAX 40                /* bytes of a bad line or a name shown in a warning */

struct span {
	char *name;
	double t, mem;
};

/* The open spans of one thread. A slot with pid 0 is free; one with
 * tombstone set was used and may be reused. */
struct stack {
	long pid, tid;
	bool tombstone;
	struct span *v;
	size_t n, cap;
};

struct events {
	struct profile_writer *w;
	char line[EVENT_LINE_MAX + 1];
	size_t llen;
	bool overlong;        /* inside a line longer than EVENT_LINE_MAX: skip to its end */
	struct stack *tab;    /* open addressing on (pid, tid) */
	size_t tab_cap, tab_used;
	unsigned long dropped, spans;
	bool failed;          /* a record could not be written: nothing more is */
	bool read_failed;     /* reading the channel failed (said once) */
	events_mem_fn mem_fn;
	void *mem_ctx;
	bool have_mem;        /* memory already measured for this feed */
	double mem;
	long target;          /* the profiled program's pid, 0 if not known */
};

/* One event line, split. */
struct event {
	char kind;            /* 'B', 'E' or 'M' */
	long pid, tid;
	double t;
	const char *name;     /* the rest of the line; name_len 0 when there is none */
	size_t name_len;
};

/* ---- span stacks ---- */

static size_t hash_key(long pid, long tid)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15u ^ (uint64_t)tid * 0xc2b2ae3d27d4eb4fu;

	return (size_t)(h ^ (h >> 29));
}

static struct stack *stack_find(struct events *ev, long pid, long tid, bool create);

static void tab_grow(struct events *ev)
{
	struct stack *old = ev->tab;
	size_t old_cap = ev->tab_cap;

	ev->tab_cap = old_cap ? old_cap * 2 : 64;
	ev->tab = xcalloc(ev->tab_cap, sizeof(*ev->tab));
	ev->tab_used = 0;
	for (size_t i = 0; i < old_cap; i++) {
		struct stack *s = &old[i], *d;

		if (!s->pid || s->tombstone)
			continue;
		d = stack_find(ev, s->pid, s->tid, true);
		*d = *s;
	}
	free(old);
}

static struct stack *stack_find(struct events *ev, long pid, long tid, bool create)
{
	size_t mask, i;
	struct stack *reuse = NULL;

	if (create && (ev->tab_used + 1) * 2 > ev->tab_cap)
		tab_grow(ev);
	if (!ev->tab_cap)
		return NULL;
	mask = ev->tab_cap - 1;
	for (i = hash_key(pid, tid) & mask;; i = (i + 1) & mask) {
		struct stack *s = &ev->tab[i];

		if (!s->pid) {
			if (!create)
				return NULL;
			if (reuse)
				s = reuse;
			else
				ev->tab_used++;
			memset(s, 0, sizeof(*s));
			s->pid = pid;
			s->tid = tid;
			return s;
		}
		if (s->tombstone) {
			if (!reuse)
				reuse = s;
			continue;
		}
		if (s->pid == pid && s->tid == tid)
			return s;
	}
}

static void stack_release_if_empty(struct stack *s)
{
	if (s->n)
		return;
	free(s->v);
	s->v = NULL;
	s->cap = 0;
	s->tombstone = true;
}

const char *events_open_span(const struct events *ev)
{
	const struct span *best = NULL;

	for (size_t i = 0; i < ev->tab_cap; i++) {
		const struct stack *s = &ev->tab[i];

		if (!s->pid || s->tombstone || !s->n)
			continue;
		if (!best || s->v[s->n - 1].t >= best->t)
			best = &s->v[s->n - 1];
	}
	return best ? best->name : NULL;
}

/* ---- events ---- */

struct events *events_new(struct profile_writer *w)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	ev->w = w;
	return ev;
}

void events_set_target(struct events *ev, long pid)
{
	ev->target = pid;
}

static double mem_now(struct events *ev)
{
	if (!ev->have_mem) {
		ev->mem = ev->mem_fn ? ev->mem_fn(ev->mem_ctx) : 0;
		if (!isfinite(ev->mem) || ev->mem < 0)
			ev->mem = 0;
		ev->have_mem = true;
	}
	return ev->mem;
}

static void wrote(struct events *ev, int rc)
{
	if (rc < 0)
		ev->failed = true;
}

/* Drop an event: the first time, say why in words; after that, count. */
static void drop(struct events *ev, const char *fmt, ...) MPROF_PRINTF(2, 3);

static void drop(struct events *ev, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (ev->dropped++)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	warning("dropped an event from the profiled program: %s; any more are counted at the end",
		why);
}

/* Bytes of a line or name, escaped and cut, for a warning. */
static const char *shown(const char *s, size_t len, char *buf, size_t cap)
{
	size_t n = profile_escape(s, len < SHOWN_MAX ? len : SHOWN_MAX, buf, cap - 3);

	if (len > SHOWN_MAX)
		memcpy(buf + n, "...", 4);
	return buf;
}

/* "pid N" or "pid N, thread T": who sent it. */
static const char *sender(const struct event *e, char *buf, size_t cap)
{
	if (e->tid == e->pid)
		snprintf(buf, cap, "pid %ld", e->pid);
	else
		snprintf(buf, cap, "pid %ld, thread %ld", e->pid, e->tid);
	return buf;
}

static const char *next_field(const char *p, const char *end, const char **f, size_t *len)
{
	const char *sp;

	if (p >= end)
		return NULL;
	sp = memchr(p, ' ', (size_t)(end - p));
	*f = p;
	*len = (size_t)((sp ? sp : end) - p);
	return sp ? sp + 1 : end;
}

static bool id_field(const char *f, size_t len, long *out)
{
	return profile_parse_digits(f, len, out) == 0 && *out > 0 && *out <= 0x7fffffffL;
}

/* Split a line into *e: 0, or -1 when it is not an event (dropped). */
static int parse_event(struct events *ev, const char *line, size_t len, struct event *e)
{
	const char *end = line + len, *p, *f;
	char buf[4 * SHOWN_MAX + 8], who[64];
	size_t fl;

	if (len < 2 || line[1] != ' ' || !line[0] || !strchr("BEMH", line[0])) {
		drop(ev, "not an event (B, E, M or H, then pid, thread id, time): '%s'",
		     shown(line, len, buf, sizeof(buf)));
		return -1;
	}
	e->kind = line[0];
	if (!(p = next_field(line + 2, end, &f, &fl)) || !id_field(f, fl, &e->pid) ||
	    !(p = next_field(p, end, &f, &fl)) || !id_field(f, fl, &e->tid) ||
	    !(p = next_field(p, end, &f, &fl))) {
		drop(ev, "no pid, thread id and time (positive numbers) in '%s'",
		     shown(line, len, buf, sizeof(buf)));
		return -1;
	}
	if (fl == 1 && f[0] == '-') {
		e->t = time_now();
	} else if (profile_parse_number(f, fl, &e->t) < 0 || !isfinite(e->t) || e->t <= 0) {
		drop(ev, "a time that is not a positive number ('%s'), from %s",
		     shown(f, fl, buf, sizeof(buf)), sender(e, who, sizeof(who)));
		return -1;
	}
	e->name = p;
	e->name_len = (size_t)(end - p);
	return 0;
}

static void emit_span(struct events *ev, const struct stack *s, struct span *sp, double t,
		      double mem, bool unfinished)
{
	struct record rec = { .kind = REC_FUNC, .text = sp->name, .text_len = strlen(sp->name),
			      .mem = sp->mem, .t = sp->t, .mem_end = mem, .level = (int)s->n,
			      .unfinished = unfinished };

	/* clocks of different processes may disagree slightly */
	rec.t_end = t < sp->t ? sp->t : t;
	if (ev->target && s->pid != ev->target)
		rec.pid = s->pid;
	if (!ev->failed) {
		wrote(ev, profile_write(ev->w, &rec));
		ev->spans += !ev->failed;
	}
	free(sp->name);
	sp->name = NULL;
}

static void span_begin(struct events *ev, const struct event *e)
{
	char who[64];
	struct stack *s;
	struct span *sp;

	if (!e->name_len) {
		drop(ev, "the beginning of a span without a name, from %s", sender(e, who, sizeof(who)));
		return;
	}
	s = stack_find(ev, e->pid, e->tid, true);
	if (s->n >= MAX_DEPTH) {
		drop(ev, "a span nested deeper than %d, from %s", MAX_DEPTH, sender(e, who, sizeof(who)));
		stack_release_if_empty(s);
		return;
	}
	XGROW(s->v, s->cap, s->n + 1);
	sp = &s->v[s->n++];
	sp->name = xstrndup(e->name, e->name_len);
	sp->t = e->t;
	sp->mem = mem_now(ev);
}

/* The innermost open span of the thread, or of that name; (size_t)-1 if none. */
static size_t span_find(const struct stack *s, const struct event *e)
{
	if (!e->name_len)
		return s->n - 1;
	for (size_t i = s->n; i-- > 0;)
		if (strlen(s->v[i].name) == e->name_len && memcmp(s->v[i].name, e->name, e->name_len) == 0)
			return i;
	return (size_t)-1;
}

static void span_end(struct events *ev, const struct event *e)
{
	struct stack *s = stack_find(ev, e->pid, e->tid, false);
	char who[64], buf[4 * SHOWN_MAX + 8];
	size_t i = s && s->n ? span_find(s, e) : (size_t)-1;

	if (i == (size_t)-1 && !e->name_len) {
		drop(ev, "end of a span with none open, from %s", sender(e, who, sizeof(who)));
		return;
	}
	if (i == (size_t)-1) {
		drop(ev, "end of span '%s' with none of that name open, from %s",
		     shown(e->name, e->name_len, buf, sizeof(buf)), sender(e, who, sizeof(who)));
		return;
	}
	/* Spans begun inside the one that ends and never ended end with it. */
	while (s->n > i) {
		s->n--;
		emit_span(ev, s, &s->v[s->n], e->t, mem_now(ev), s->n != i);
	}
	stack_release_if_empty(s);
}

static void marker(struct events *ev, const struct event *e)
{
	char who[64], *label;

	if (!e->name_len) {
		drop(ev, "a marker without a label, from %s", sender(e, who, sizeof(who)));
		return;
	}
	label = xstrndup(e->name, e->name_len);
	if (!ev->failed)
		wrote(ev, profile_write_mark(ev->w, label, mem_now(ev), e->t));
	free(label);
}

/* The Python heap: the rest of the line is its size in bytes. */
static void heap_size(struct events *ev, const struct event *e)
{
	char who[64], buf[4 * SHOWN_MAX + 8];
	double bytes;

	if (profile_parse_number(e->name, e->name_len, &bytes) < 0 || !isfinite(bytes) || bytes < 0) {
		drop(ev, "a heap size that is not a number of bytes ('%s'), from %s",
		     shown(e->name, e->name_len, buf, sizeof(buf)), sender(e, who, sizeof(who)));
		return;
	}
	if (!ev->failed)
		wrote(ev, profile_write_pyheap(ev->w, bytes / (1024.0 * 1024.0), e->t));
}

static void handle_line(struct events *ev, const char *line, size_t len)
{
	struct event e;

	if (len && line[len - 1] == '\r')
		len--;
	if (parse_event(ev, line, len, &e) < 0)
		return;
	if (e.kind == 'B')
		span_begin(ev, &e);
	else if (e.kind == 'E')
		span_end(ev, &e);
	else if (e.kind == 'H')
		heap_size(ev, &e);
	else
		marker(ev, &e);
}

int events_feed(struct events *ev, const char *buf, size_t len, events_mem_fn mem, void *ctx)
{
	const char *p = buf, *end = buf + len;

	ev->mem_fn = mem;
	ev->mem_ctx = ctx;
	ev->have_mem = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (ev->overlong) {
			if (nl)
				ev->overlong = false;
		} else if (ev->llen + n > EVENT_LINE_MAX) {
			drop(ev, "an event longer than %d bytes", EVENT_LINE_MAX);
			ev->llen = 0;
			ev->overlong = !nl;
		} else if (!nl) {
			memcpy(ev->line + ev->llen, p, n);
			ev->llen += n;
		} else if (ev->llen) {
			memcpy(ev->line + ev->llen, p, n);
			handle_line(ev, ev->line, ev->llen + n);
			ev->llen = 0;
		} else {
			handle_line(ev, p, n);
		}
		p += n + (nl != NULL);
	}
	return ev->failed ? -1 : 0;
}

ssize_t events_drain(struct events *ev, int fd, events_mem_fn mem, void *ctx)
{
	char buf[65536];
	size_t total = 0;

	while (total < DRAIN_MAX) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && !ev->read_failed) {
			ev->read_failed = true;
			error_errno("cannot read the event channel; events may be lost");
		}
		if (n <= 0)
			break;
		events_feed(ev, buf, (size_t)n, mem, ctx);
		total += (size_t)n;
	}
	return ev->failed ? -1 : (ssize_t)total;
}

int events_finish(struct events *ev, double t, double mem)
{
	for (size_t i = 0; i < ev->tab_cap; i++) {
		struct stack *s = &ev->tab[i];

		if (!s->pid || s->tombstone)
			continue;
		while (s->n) {
			s->n--;
			emit_span(ev, s, &s->v[s->n], t, mem, true);
		}
		stack_release_if_empty(s);
	}
	if (ev->llen) {
		drop(ev, "an incomplete event at the end (no newline)");
		ev->llen = 0;
	}
	if (ev->dropped)
		warning("%lu bad event%s from the profiled program dropped", ev->dropped,
			ev->dropped == 1 ? "" : "s");
	return ev->failed ? -1 : 0;
}

void events_count_dropped(struct events *ev, const char *why)
{
	drop(ev, "%s", why);
}

unsigned long events_dropped(const struct events *ev)
{
	return ev->dropped;
}

unsigned long events_spans(const struct events *ev)
{
	return ev->spans;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->tab_cap; i++) {
		struct stack *s = &ev->tab[i];

		for (size_t j = 0; j < s->n; j++)
			free(s->v[j].name);
		free(s->v);
	}
	free(ev->tab);
	free(ev);
}
