#include "summary.h"

#include "json.h"
#include "peak.h"
#include "profile.h"
#include "trend.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NO_SEGMENT ((size_t)-1)

/* Names in byte order, pointing at the names the rows own. */
struct name_entry {
	const char *name;
	size_t len;
	size_t row;
};

struct name_index {
	struct name_entry *v;
	size_t n, cap;
	size_t last;          /* row found last: records of one name come in runs */
};

struct call_list {
	struct peak_span *v;
	size_t n, cap;
};

struct summary_reading {
	double main_min, main_max;  /* MEM and FUNC times; NAN before the first */
	double any_min;             /* earliest time of any record */
	double mem_sum;
	double initial_t, final_t;  /* times of the earliest and latest MEM samples */
	struct trend trend;
	struct name_index func_names, mark_names;
	struct call_list *calls;    /* per function, parallel to funcs */
	size_t funcs_cap, marks_cap, children_cap;
	size_t last_child;
	char *text;                 /* a name being unescaped */
	size_t text_cap;
	/* the second pass: every call's start and end, sorted and unique, and
	 * the highest sample at each (segment 2k) and between two (2k + 1) */
	double *ends;
	size_t nends;
	double *segmax;
	size_t hint;
	bool calls_ready;
	bool no_calls;              /* SUMMARY_NO_CALL_PEAKS */
};

/* ---- small helpers ---- */

static void raise_to(double *peak, double v)
{
	if (isnan(*peak) || v > *peak)
		*peak = v;
}

/* The highest value, and the first time it was reached. */
static void raise_point(struct summary_point *p, double v, double t)
{
	if (isnan(p->mib) || v > p->mib || (v == p->mib && t < p->t)) {
		p->mib = v;
		p->t = t;
	}
}

static void lower_to(double *low, double v)
{
	if (isnan(*low) || v < *low)
		*low = v;
}

int summary_name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

/* Where name is in ix, or where it would go; *found says which. */
static size_t name_search(const struct name_index *ix, const char *name, size_t len, bool *found)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = summary_name_cmp(ix->v[mid].name, ix->v[mid].len, name, len);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void name_insert(struct name_index *ix, size_t pos, const char *name, size_t len, size_t row)
{
	XINSERT(ix->v, ix->cap, ix->n, pos);
	ix->v[pos] = (struct name_entry){ name, len, row };
}

/* The escaped text of rec, unescaped into rd->text. */
static size_t unescape_text(struct summary_reading *rd, const struct record *rec)
{
	size_t n;

	if (rec->text_len + 1 > rd->text_cap) {
		rd->text_cap = rec->text_len + 1;
		rd->text = xrealloc(rd->text, rd->text_cap);
	}
	memcpy(rd->text, rec->text, rec->text_len);
	n = profile_unescape(rd->text, rec->text_len);
	rd->text[n] = '\0';
	return n;
}

static char *copy_name(const char *s, size_t len)
{
	char *c = xmalloc(len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* ---- rows by name or pid ---- */

static size_t func_row(struct summary *s, const struct record *rec)
{
	struct summary_reading *rd = s->rd;
	struct name_index *ix = &rd->func_names;
	size_t len = unescape_text(rd, rec), pos;
	struct summary_func *f;
	bool found;

	if (ix->last < s->nfuncs &&
	    summary_name_cmp(s->funcs[ix->last].name, s->funcs[ix->last].name_len, rd->text, len) == 0)
		return ix->last;
	pos = name_search(ix, rd->text, len, &found);
	if (found)
		return ix->last = ix->v[pos].row;
	XGROW(s->funcs, rd->funcs_cap, s->nfuncs + 1);
	rd->calls = xrealloc(rd->calls, rd->funcs_cap * sizeof(*rd->calls));
	memset(&rd->calls[s->nfuncs], 0, sizeof(*rd->calls));
	f = &s->funcs[s->nfuncs];
	memset(f, 0, sizeof(*f));
	f->name = copy_name(rd->text, len);
	f->name_len = len;
	f->peak = f->exact_peak = f->first = NAN;
	name_insert(ix, pos, f->name, len, s->nfuncs);
	return ix->last = s->nfuncs++;
}

static struct summary_mark *mark_row(struct summary *s, const struct record *rec)
{
	struct summary_reading *rd = s->rd;
	struct name_index *ix = &rd->mark_names;
	size_t len = unescape_text(rd, rec), pos;
	struct summary_mark *m;
	bool found;

	pos = name_search(ix, rd->text, len, &found);
	if (found)
		return &s->marks[ix->v[pos].row];
	XGROW(s->marks, rd->marks_cap, s->nmarks + 1);
	m = &s->marks[s->nmarks];
	memset(m, 0, sizeof(*m));
	m->label = copy_name(rd->text, len);
	m->label_len = len;
	m->first = m->first_mib = m->peak = NAN;
	name_insert(ix, pos, m->label, len, s->nmarks++);
	return m;
}

/* Children are kept sorted by pid. */
static struct summary_child *child_row(struct summary *s, long pid)
{
	struct summary_reading *rd = s->rd;
	size_t lo = 0, hi = s->nchildren;
	struct summary_child *c;

	if (rd->last_child < s->nchildren && s->children[rd->last_child].pid == pid)
		return &s->children[rd->last_child];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->children[mid].pid == pid) {
			rd->last_child = mid;
			return &s->children[mid];
		}
		if (s->children[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	XINSERT(s->children, rd->children_cap, s->nchildren, lo);
	c = &s->children[lo];
	c->pid = pid;
	c->peak.mib = c->peak.t = c->exact_peak.mib = c->exact_peak.t = NAN;
	rd->last_child = lo;
	return c;
}

/* ---- the first pass ---- */

void summary_init(struct summary *s, const char *path, unsigned flags)
{
	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path ? path : "-");
	s->start_unix = s->duration = s->mean = s->initial = s->final = s->slope = NAN;
	s->peak.mib = s->peak.t = s->exact_peak.mib = s->exact_peak.t = NAN;
	s->exit.t = NAN;
	s->rd = xcalloc(1, sizeof(*s->rd));
	s->rd->main_min = s->rd->main_max = s->rd->any_min = NAN;
	s->rd->initial_t = s->rd->final_t = NAN;
	s->rd->no_calls = flags & SUMMARY_NO_CALL_PEAKS;
}

static void note_main_time(struct summary_reading *rd, double t)
{
	lower_to(&rd->main_min, t);
	raise_to(&rd->main_max, t);
	lower_to(&rd->any_min, t);
}

static inline void add_sample(struct summary *s, double mem, double t)
{
	struct summary_reading *rd = s->rd;

	s->samples++;
	rd->mem_sum += mem;
	raise_point(&s->peak, mem, t);
	if (isnan(rd->initial_t) || t < rd->initial_t) {
		rd->initial_t = t;
		s->initial = mem;
	}
	if (isnan(rd->final_t) || t >= rd->final_t) {
		rd->final_t = t;
		s->final = mem;
	}
	trend_add(&rd->trend, t, mem);
	note_main_time(rd, t);
}

static void add_mem(struct summary *s, const struct record *rec)
{
	add_sample(s, rec->mem, rec->t);
}

/* A run of MEM records, as add_mem would take them one by one. */
static void add_samples(void *ctx, const struct profile_sample *run, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add_sample(ctx, run[i].mem, run[i].t);
}

static void add_func(struct summary *s, const struct record *rec)
{
	struct summary_reading *rd = s->rd;
	size_t i = func_row(s, rec);
	struct summary_func *f = &s->funcs[i];
	struct call_list *cl = &rd->calls[i];

	f->calls++;
	f->unfinished += rec->unfinished;
	f->total += rec->t_end - rec->t;
	f->increment += rec->mem_end - rec->mem;
	lower_to(&f->first, rec->t);
	if (!rd->no_calls) {
		XGROW(cl->v, cl->cap, cl->n + 1);
		cl->v[cl->n++] = (struct peak_span){ rec->t, rec->t_end };
	}
	note_main_time(rd, rec->t);
	note_main_time(rd, rec->t_end);
}

static void add_mark(struct summary *s, const struct record *rec)
{
	struct summary_mark *m = mark_row(s, rec);

	if (!m->count++ || rec->t < m->first) {
		m->first = rec->t;
		m->first_mib = rec->mem;
	}
	raise_to(&m->peak, rec->mem);
}

static void add_child_record(struct summary *s, const struct record *rec)
{
	struct summary_child *c = child_row(s, rec->pid);
	size_t len;

	switch (rec->kind) {
	case REC_CHLD:
		c->samples++;
		raise_point(&c->peak, rec->mem, rec->t);
		break;
	case REC_CHLDPEAK:
		raise_point(&c->exact_peak, rec->mem, rec->t);
		break;
	default: /* REC_CHLDCMD: written once; the first one counts */
		if (!c->command) {
			len = unescape_text(s->rd, rec);
			c->command = copy_name(s->rd->text, len);
			c->command_len = len;
		}
		break;
	}
}

static void add_exit(struct summary *s, const struct record *rec)
{
	size_t n = rec->text_len < sizeof(s->exit.how) - 1 ? rec->text_len : sizeof(s->exit.how) - 1;

	/* in an appended file, the last run's end, whatever the order */
	if (s->exit.set && rec->t < s->exit.t)
		return;
	s->exit.set = true;
	memcpy(s->exit.how, rec->text, n);
	s->exit.how[n] = '\0';
	s->exit.status = rec->status;
	s->exit.t = rec->t;
}

void summary_record(struct summary *s, const struct record *rec)
{
	switch (rec->kind) {
	case REC_MEM:
		add_mem(s, rec);
		return;
	case REC_FUNC:
		add_func(s, rec);
		return;
	case REC_CMDLINE:
		if (!s->runs++)
			s->command = xstrndup(rec->text, rec->text_len);
		return;
	case REC_MPROF:
		return;
	case REC_CHLDCMD:
		add_child_record(s, rec);
		return;
	default:
		break;
	}
	lower_to(&s->rd->any_min, rec->t);
	if (rec->kind == REC_MARK)
		add_mark(s, rec);
	else if (rec->kind == REC_PEAK)
		raise_point(&s->exact_peak, rec->mem, rec->t);
	else if (rec->kind == REC_EXIT)
		add_exit(s, rec);
	else if (rec->kind == REC_CHLD || rec->kind == REC_CHLDPEAK)
		add_child_record(s, rec);
}

/* ---- the second pass: samples inside calls ---- */

bool summary_calls_pending(const struct summary *s)
{
	if (!s->rd || s->rd->calls_ready)
		return false;
	for (size_t i = 0; i < s->nfuncs; i++)
		if (s->rd->calls[i].n)
			return true;
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The first k with ends[k] >= t. */
static size_t lower_bound(const double *v, size_t n, double t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void summary_calls_begin(struct summary *s)
{
	struct summary_reading *rd = s->rd;
	size_t n = 0, u = 0;

	for (size_t i = 0; i < s->nfuncs; i++) {
		rd->calls[i].n = peak_spans_merge(rd->calls[i].v, rd->calls[i].n);
		n += 2 * rd->calls[i].n;
	}
	rd->ends = xmalloc((n ? n : 1) * sizeof(*rd->ends));
	for (size_t i = 0; i < s->nfuncs; i++)
		for (size_t k = 0; k < rd->calls[i].n; k++) {
			rd->ends[u++] = rd->calls[i].v[k].start;
			rd->ends[u++] = rd->calls[i].v[k].end;
		}
	qsort(rd->ends, n, sizeof(*rd->ends), cmp_double);
	u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || rd->ends[u - 1] != rd->ends[i])
			rd->ends[u++] = rd->ends[i];
	rd->nends = u;
	rd->segmax = xmalloc((2 * u + 1) * sizeof(*rd->segmax));
	for (size_t i = 0; i < 2 * u + 1; i++)
		rd->segmax[i] = NAN;
	rd->hint = 0;
	rd->calls_ready = true;
}

/* The segment of time t: 2k at ends[k], 2k - 1 between ends[k - 1] and
 * ends[k]; NO_SEGMENT outside every call. Samples mostly come in time
 * order, so the last answer is tried first. */
static size_t segment_of(struct summary_reading *rd, double t)
{
	const double *e = rd->ends;
	size_t n = rd->nends, k = rd->hint;

	if (!((k == 0 || e[k - 1] < t) && (k == n || e[k] >= t))) {
		k++;
		if (!(k <= n && e[k - 1] < t && (k == n || e[k] >= t)))
			k = lower_bound(e, n, t);
	}
	rd->hint = k;
	if (k < n && e[k] == t)
		return 2 * k;
	if (k == 0 || k == n)
		return NO_SEGMENT;
	return 2 * k - 1;
}

void summary_calls_record(struct summary *s, const struct record *rec)
{
	struct summary_reading *rd = s->rd;
	size_t seg;

	if (!rd->calls_ready || rec->kind != REC_MEM || !rd->nends)
		return;
	seg = segment_of(rd, rec->t);
	if (seg != NO_SEGMENT)
		raise_to(&rd->segmax[seg], rec->mem);
}

void summary_interval_peak(struct summary *s, double t0, double t1, double mib)
{
	struct summary_reading *rd = s->rd;

	if (!rd || !rd->calls_ready || !(t0 <= t1))
		return;
	for (size_t i = 0; i < s->nfuncs; i++) {
		const struct call_list *cl = &rd->calls[i];
		size_t lo = 0, hi = cl->n;

		/* the last call starting at or before t0 */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cl->v[mid].start <= t0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && t1 <= cl->v[lo - 1].end)
			raise_to(&s->funcs[i].exact_peak, mib);
	}
}

/* Each function's peak: the highest of the segments its calls cover. */
static void calls_collect(struct summary *s)
{
	struct summary_reading *rd = s->rd;

	for (size_t i = 0; i < s->nfuncs; i++) {
		const struct call_list *cl = &rd->calls[i];

		for (size_t k = 0; k < cl->n; k++) {
			size_t a = lower_bound(rd->ends, rd->nends, cl->v[k].start);
			size_t b = lower_bound(rd->ends, rd->nends, cl->v[k].end);

			for (size_t seg = 2 * a; seg <= 2 * b; seg++)
				if (!isnan(rd->segmax[seg]))
					raise_to(&s->funcs[i].peak, rd->segmax[seg]);
		}
	}
	s->func_peaks_sampled = true;
}

/* ---- the end ---- */

static int cmp_func(const void *a, const void *b)
{
	const struct summary_func *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return summary_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

static int cmp_mark(const void *a, const void *b)
{
	const struct summary_mark *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return summary_name_cmp(x->label, x->label_len, y->label, y->label_len);
}

/* Times from the start. */
static void shift_times(struct summary *s, double t0)
{
	s->peak.t -= t0;
	s->exact_peak.t -= t0;
	s->exit.t -= t0;
	for (size_t i = 0; i < s->nfuncs; i++)
		s->funcs[i].first -= t0;
	for (size_t i = 0; i < s->nmarks; i++)
		s->marks[i].first -= t0;
	for (size_t i = 0; i < s->nchildren; i++) {
		s->children[i].peak.t -= t0;
		s->children[i].exact_peak.t -= t0;
	}
}

static void reading_free(struct summary *s)
{
	struct summary_reading *rd = s->rd;

	if (!rd)
		return;
	for (size_t i = 0; i < s->nfuncs; i++)
		free(rd->calls[i].v);
	free(rd->calls);
	free(rd->func_names.v);
	free(rd->mark_names.v);
	free(rd->text);
	free(rd->ends);
	free(rd->segmax);
	free(rd);
	s->rd = NULL;
}

void summary_finish(struct summary *s)
{
	struct summary_reading *rd = s->rd;
	double a, b;

	if (!rd)
		return;
	if (rd->calls_ready)
		calls_collect(s);
	else
		s->func_peaks_sampled = !summary_calls_pending(s) && !(rd->no_calls && s->nfuncs);
	s->start_unix = isnan(rd->main_min) ? rd->any_min : rd->main_min;
	s->duration = rd->main_max - rd->main_min;
	if (s->samples)
		s->mean = rd->mem_sum / (double)s->samples;
	if (trend_fit(&rd->trend, &a, &b))
		s->slope = b;
	if (!isnan(s->start_unix))
		shift_times(s, s->start_unix);
	reading_free(s);
	if (s->nfuncs) /* never qsort a NULL array */
		qsort(s->funcs, s->nfuncs, sizeof(*s->funcs), cmp_func);
	if (s->nmarks)
		qsort(s->marks, s->nmarks, sizeof(*s->marks), cmp_mark);
}

void summary_release(struct summary *s)
{
	reading_free(s);
	for (size_t i = 0; i < s->nfuncs; i++)
		free(s->funcs[i].name);
	for (size_t i = 0; i < s->nmarks; i++)
		free(s->marks[i].label);
	for (size_t i = 0; i < s->nchildren; i++)
		free(s->children[i].command);
	free(s->funcs);
	free(s->marks);
	free(s->children);
	free(s->command);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/* ---- reading a file ---- */

static void record_fn(void *s, const struct record *rec)
{
	summary_record(s, rec);
}

static void calls_fn(void *s, const struct record *rec)
{
	summary_calls_record(s, rec);
}

int summary_read(struct summary *s, const char *path, unsigned flags)
{
	struct stat st;

	summary_init(s, path, flags);
	if (profile_read_each(path, record_fn, add_samples, s) < 0)
		goto fail;
	if (summary_calls_pending(s)) {
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			summary_calls_begin(s);
			if (profile_read_each(path, calls_fn, NULL, s) < 0)
				goto fail;
		} else {
			warning("cannot read '%s' twice (not a regular file): no peaks inside functions",
				path);
		}
	}
	summary_finish(s);
	return 0;
fail:
	summary_release(s);
	return -1;
}

const struct summary_func *summary_find_func(const struct summary *s, const char *name)
{
	size_t len = strlen(name);

	for (int dotted = 0; dotted < 2; dotted++)
		for (size_t i = 0; i < s->nfuncs; i++) {
			const struct summary_func *f = &s->funcs[i];

			if (!dotted && f->name_len == len && memcmp(f->name, name, len) == 0)
				return f;
			if (dotted && f->name_len == len + 1 && f->name[0] == '.' &&
			    memcmp(f->name + 1, name, len) == 0)
				return f;
		}
	return NULL;
}
