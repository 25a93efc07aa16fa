#include "events.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 10000             /* deeper spans are dropped: a runaway emitter */
#define DRAIN_MAX (1u << 20)        /* bytes per drain, so sampling keeps its schedule */

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
	events_mem_fn mem_fn;
	void *mem_ctx;
	bool have_mem;        /* memory already measured for this feed */
	double mem;
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

/* ---- events ---- */

struct events *events_new(struct profile_writer *w)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	ev->w = w;
	return ev;
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

static void drop(struct events *ev, const char *line, size_t len, const char *why)
{
	char shown[64];

	if (!ev->dropped++) {
		profile_escape(line, len < 40 ? len : 40, shown, sizeof(shown));
		warning("dropped a bad event from the profiled program (%s: '%s%s'); "
			"further bad events are dropped silently", why, shown, len > 40 ? "..." : "");
	}
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
	long v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		v = v * 10 + (f[i] - '0');
	}
	if (v <= 0 || v > 0x7fffffffL)
		return false;
	*out = v;
	return true;
}

static void emit_span(struct events *ev, struct span *sp, int level, double t, double mem,
		      bool unfinished)
{
	if (t < sp->t)
		t = sp->t; /* clocks of different processes may disagree slightly */
	profile_write_func(ev->w, sp->name, sp->mem, sp->t, mem, t, level, unfinished);
	ev->spans++;
	free(sp->name);
	sp->name = NULL;
}

static void handle_line(struct events *ev, const char *line, size_t len)
{
	const char *end = line + len, *p = line, *f;
	size_t fl;
	long pid, tid;
	double t;
	char kind;
	struct stack *s;

	if (len && line[len - 1] == '\r')
		end--, len--;
	if (len < 2 || line[1] != ' ' || !strchr("BEM", line[0])) {
		drop(ev, line, len, "unknown event");
		return;
	}
	kind = line[0];
	p = line + 2;
	if (!(p = next_field(p, end, &f, &fl)) || !id_field(f, fl, &pid) ||
	    !(p = next_field(p, end, &f, &fl)) || !id_field(f, fl, &tid) ||
	    !(p = next_field(p, end, &f, &fl))) {
		drop(ev, line, len, "bad pid or thread id");
		return;
	}
	if (fl == 1 && f[0] == '-') {
		t = time_now();
	} else if (profile_parse_number(f, fl, &t) < 0 || !isfinite(t) || t <= 0) {
		drop(ev, line, len, "bad time");
		return;
	}
	/* p now points at the name (the rest of the line), or at end */
	switch (kind) {
	case 'B': {
		struct span *sp;

		if (p >= end) {
			drop(ev, line, len, "a span needs a name");
			return;
		}
		s = stack_find(ev, pid, tid, true);
		if (s->n >= MAX_DEPTH) {
			drop(ev, line, len, "spans nested too deep");
			stack_release_if_empty(s);
			return;
		}
		xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
		sp = &s->v[s->n++];
		sp->name = xstrndup(p, (size_t)(end - p));
		sp->t = t;
		sp->mem = mem_now(ev);
		return;
	}
	case 'E': {
		size_t i;

		s = stack_find(ev, pid, tid, false);
		if (!s || !s->n) {
			drop(ev, line, len, "end of a span that was not begun");
			return;
		}
		i = s->n - 1;
		if (p < end) {
			size_t nl = (size_t)(end - p);

			for (i = s->n; i-- > 0;)
				if (strlen(s->v[i].name) == nl && memcmp(s->v[i].name, p, nl) == 0)
					break;
			if (i == (size_t)-1) {
				drop(ev, line, len, "end of a span that was not begun");
				return;
			}
		}
		/* Spans begun inside the one that ends and never ended end with it. */
		while (s->n > i) {
			s->n--;
			emit_span(ev, &s->v[s->n], (int)s->n, t, mem_now(ev), s->n != i);
		}
		stack_release_if_empty(s);
		return;
	}
	case 'M': {
		char *label;

		if (p >= end) {
			drop(ev, line, len, "a marker needs a label");
			return;
		}
		label = xstrndup(p, (size_t)(end - p));
		profile_write_mark(ev->w, label, mem_now(ev), t);
		free(label);
		return;
	}
	}
}

void events_feed(struct events *ev, const char *buf, size_t len, events_mem_fn mem, void *ctx)
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
			drop(ev, ev->llen ? ev->line : p, ev->llen ? ev->llen : n, "event too long");
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
}

ssize_t events_drain(struct events *ev, int fd, events_mem_fn mem, void *ctx)
{
	char buf[65536];
	size_t total = 0;

	while (total < DRAIN_MAX) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		if (n == 0)
			break;
		events_feed(ev, buf, (size_t)n, mem, ctx);
		total += (size_t)n;
	}
	return (ssize_t)total;
}

void events_finish(struct events *ev, double t, double mem)
{
	for (size_t i = 0; i < ev->tab_cap; i++) {
		struct stack *s = &ev->tab[i];

		if (!s->pid || s->tombstone)
			continue;
		while (s->n) {
			s->n--;
			emit_span(ev, &s->v[s->n], (int)s->n, t, mem, true);
		}
		stack_release_if_empty(s);
	}
	if (ev->llen) {
		drop(ev, ev->line, ev->llen, "incomplete event at the end");
		ev->llen = 0;
	}
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
