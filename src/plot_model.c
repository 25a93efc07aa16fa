#include "plot_model.h"

#include "idxmap.h"
#include "plot_span_place.h"

#include "profile.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPAN_LIMIT 16384
#define MARK_LIMIT 4096

/* ---- function order ---- */

static int cmp_first_call(const void *pa, const void *pb, void *ctx)
{
	const struct plot_model *m = ctx;
	const struct plot_func *a = &m->funcs[*(const size_t *)pa];
	const struct plot_func *b = &m->funcs[*(const size_t *)pb];

	if (!a->calls != !b->calls)
		return a->calls ? -1 : 1;
	if (a->first_t != b->first_t)
		return a->first_t < b->first_t ? -1 : 1;
	return a->color < b->color ? -1 : a->color > b->color;
}

size_t *plot_model_func_order(const struct plot_model *m, size_t *ncalled)
{
	size_t *ix = xmalloc((m->nfuncs + 1) * sizeof(*ix));

	*ncalled = 0;
	for (size_t i = 0; i < m->nfuncs; i++) {
		ix[i] = i;
		*ncalled += m->funcs[i].calls != 0;
	}
	qsort_r(ix, m->nfuncs, sizeof(*ix), cmp_first_call, (void *)m);
	return ix;
}

/* ---- display text ---- */

char *plot_display_text(const char *s, size_t len, bool escaped)
{
	char *raw = xstrndup(s, len), *out;
	const unsigned char *p;
	size_t o = 0;

	if (escaped)
		len = profile_unescape(raw, len);
	out = xmalloc(len * 3 + 1);
	p = (const unsigned char *)raw;
	for (size_t i = 0; i < len;) {
		size_t n;

		if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i++];
		} else if (p[i] >= 0x80 && (n = profile_utf8_len(p + i, len - i))) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	free(raw);
	return out;
}

void plot_format_start(double t, char *buf, size_t cap)
{
	long long ms = llround(t * 1000.0);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char date[64];

	if (!localtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%d / %m / %Y - start at %H:%M:%S", &tm)) {
		snprintf(buf, cap, "start at %.3f", t);
		return;
	}
	snprintf(buf, cap, "%s.%03lld", date, ms % 1000);
}

/* ---- reading state: kept apart from the model, gone once it is read ---- */

/* The bucket a series wrote last, and its time range: most samples fall in
 * the bucket of the one before. */
struct series_hot {
	struct plot_bucket *b;
	double t0, t1;
};

struct model_reader {
	struct plot_model *m;
	bool window, slope;   /* the options' */
	double w0, w1;
	double t_ref;         /* unix time that internal times count from */
	bool have_ref;
	double start;         /* lowest MEM/FUNC time seen, from t_ref */
	bool have_start;
	double grid_t;        /* the time the grid was placed from */
	struct series_hot main_hot;
	struct series_hot extra_hot[PLOT_EXTRA_COUNT];
	struct series_hot *child_hot; /* one per child */
	size_t child_cap, child_hot_cap;
	struct idxmap child_index; /* pid -> index into children */
	struct idxmap func_index;  /* key -> index into funcs */
	size_t func_cap;
	size_t span_cap, span_limit;
	size_t mark_cap, mark_limit;
	size_t nmem;          /* MEM records read */
	double psi_t, psi[2]; /* the CGPRESSURE record before */
	bool have_psi;
};

static struct series_hot *hot_of(struct model_reader *r, const struct plot_series *s)
{
	if (s >= r->m->extra && s < r->m->extra + PLOT_EXTRA_COUNT)
		return &r->extra_hot[s - r->m->extra];
	return s == &r->m->main ? &r->main_hot : &r->child_hot[s - r->m->children];
}

static void reader_release(struct model_reader *r)
{
	free(r->child_hot);
	idxmap_release(&r->child_index);
	idxmap_release(&r->func_index);
	memset(r, 0, sizeof(*r));
}

/* ---- buckets ---- */

static struct plot_bucket *bucket_at(struct plot_series *s, size_t i, bool create)
{
	struct plot_bucket **pg = &s->pages[i >> PLOT_PAGE_BITS];

	if (!*pg) {
		if (!create)
			return NULL;
		*pg = xcalloc(PLOT_PAGE, sizeof(**pg));
	}
	return &(*pg)[i & (PLOT_PAGE - 1)];
}

const struct plot_bucket *plot_series_bucket(const struct plot_model *m, const struct plot_series *s,
					     size_t i)
{
	const struct plot_bucket *b;

	if (i >= m->grid.nbuckets || !s->pages[i >> PLOT_PAGE_BITS])
		return NULL;
	b = &s->pages[i >> PLOT_PAGE_BITS][i & (PLOT_PAGE - 1)];
	return b->n ? b : NULL;
}

/* Fold bucket b (all later than a's samples, or a empty) into a. */
static void bucket_merge(struct plot_bucket *a, const struct plot_bucket *b)
{
	if (!b->n)
		return;
	if (!a->n) {
		*a = *b;
		return;
	}
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
	if (b->ipeak > a->ipeak)
		a->ipeak = b->ipeak;
	if (b->tfirst < a->tfirst) {
		a->tfirst = b->tfirst;
		a->first = b->first;
	}
	if (b->tlast >= a->tlast) {
		a->tlast = b->tlast;
		a->last = b->last;
	}
	a->n += b->n;
}

/* Double the bucket width of one series: bucket i goes to (i + shift) / 2. */
static void series_coarsen(struct plot_series *s, size_t nbuckets, size_t shift)
{
	size_t npages = nbuckets >> PLOT_PAGE_BITS;
	struct plot_bucket **old = s->pages;

	s->pages = xcalloc(npages, sizeof(*s->pages));
	for (size_t p = 0; p < npages; p++) {
		if (!old[p])
			continue;
		for (size_t k = 0; k < PLOT_PAGE; k++) {
			const struct plot_bucket *b = &old[p][k];

			if (b->n)
				bucket_merge(bucket_at(s, ((p << PLOT_PAGE_BITS) + k + shift) / 2, true), b);
		}
		free(old[p]);
	}
	free(old);
}

static void model_coarsen(struct model_reader *r, bool left)
{
	struct plot_model *m = r->m;
	struct plot_grid *g = &m->grid;
	size_t shift = left ? g->nbuckets : 0;

	if (left)
		g->origin -= (double)g->nbuckets * g->width;
	g->width *= 2;
	g->inv_width = 1 / g->width;
	series_coarsen(&m->main, g->nbuckets, shift);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++) {
		series_coarsen(&m->extra[i], g->nbuckets, shift);
		r->extra_hot[i] = (struct series_hot){ NULL, 0, 0 };
	}
	for (size_t i = 0; i < m->nchildren; i++)
		series_coarsen(&m->children[i], g->nbuckets, shift);
	r->main_hot = (struct series_hot){ NULL, 0, 0 };
	for (size_t i = 0; i < m->nchildren; i++)
		r->child_hot[i] = (struct series_hot){ NULL, 0, 0 };
}

static void grid_start(struct model_reader *r, double t)
{
	struct plot_grid *g = &r->m->grid;

	r->grid_t = t;
	if (r->window) {
		/* t is the (provisional) start of the profile */
		g->origin = t + r->w0;
		g->width = (r->w1 - r->w0) / (double)g->nbuckets;
	} else {
		g->origin = t;
		g->width = 1e-6;
	}
	g->inv_width = 1 / g->width;
}

static void point_keep(struct plot_point *p, double t, double v, bool later)
{
	if (!p->set || (later ? t > p->t : t < p->t)) {
		p->t = t;
		p->v = v;
		p->set = true;
	}
}

/* Make the grid reach time t (a call's end, which merges calls by bucket),
 * as a sample there would; a window's grid stays as it is. */
static void grid_cover(struct model_reader *r, double t)
{
	struct plot_grid *g = &r->m->grid;
	double x;

	if (g->width == 0)
		grid_start(r, t);
	if (g->fixed)
		return;
	for (x = (t - g->origin) * g->inv_width; x < 0 || x >= (double)g->nbuckets;
	     x = (t - g->origin) * g->inv_width)
		model_coarsen(r, x < 0);
}

/* Where t goes: a bucket index, or -1 when it stays outside (a window). */
static long grid_index(struct model_reader *r, struct plot_series *s, double t, double v)
{
	struct plot_grid *g = &r->m->grid;
	double x;

	if (g->width == 0)
		grid_start(r, t);
	x = (t - g->origin) * g->inv_width;
	if (g->fixed) {
		if (x < 0) {
			point_keep(&s->before, t, v, true);
			return -1;
		}
		if (x > (double)g->nbuckets) {
			point_keep(&s->after, t, v, false);
			return -1;
		}
	} else {
		grid_cover(r, t);
		x = (t - g->origin) * g->inv_width;
	}
	return x >= (double)g->nbuckets ? (long)g->nbuckets - 1 : (long)x;
}

/* The bucket for a sample at t, NULL when it falls outside the window. */
static struct plot_bucket *bucket_for(struct model_reader *r, struct plot_series *s, double t, double v)
{
	const struct plot_grid *g = &r->m->grid;
	struct series_hot *hot = hot_of(r, s);
	struct plot_bucket *pg;
	double x;
	long i;

	if (t >= hot->t0 && t < hot->t1)
		return hot->b;
	x = (t - g->origin) * g->inv_width; /* NaN before the grid is placed */
	if (x >= 0 && x < (double)g->nbuckets) {
		i = (long)x;
	} else {
		i = grid_index(r, s, t, v);
		if (i < 0)
			return NULL;
	}
	pg = s->pages[i >> PLOT_PAGE_BITS];
	hot->b = pg ? &pg[i & (PLOT_PAGE - 1)] : bucket_at(s, (size_t)i, true);
	hot->t0 = g->origin + (double)i * g->width;
	hot->t1 = g->origin + (double)(i + 1) * g->width;
	/* a bound a rounding error away from the grid's only narrows it */
	if ((t - g->origin) * g->inv_width < (double)i || (t - g->origin) * g->inv_width >= (double)(i + 1))
		hot->t0 = hot->t1 = 0; /* t on an edge: no shortcut */
	return hot->b;
}

static inline void bucket_add(struct plot_bucket *b, double t, float f)
{
	if (!b->n) {
		b->tfirst = b->tlast = t;
		b->min = b->max = b->first = b->last = f;
	} else {
		b->min = f < b->min ? f : b->min;
		b->max = f > b->max ? f : b->max;
		if (t < b->tfirst) {
			b->tfirst = t;
			b->first = f;
		}
		if (t >= b->tlast) {
			b->tlast = t;
			b->last = f;
		}
	}
	b->n++;
}

/* A reading of series s: into its bucket, its peak, its trend sums. (The
 * lowest value and the first and last samples come from the buckets at the
 * end, series_summarize.) */
static inline void series_add(struct model_reader *r, struct plot_series *s, double t, double v)
{
	struct plot_bucket *b = bucket_for(r, s, t, v);

	if (!b)
		return;
	bucket_add(b, t, (float)v);
	if (v >= s->peak.v && (v > s->peak.v || t < s->peak.t)) {
		s->peak.t = t;
		s->peak.v = v;
		s->peak.set = true;
	}
	if (r->slope)
		trend_add(&s->trend, t, v);
	s->n++;
}

static void series_init(struct plot_series *s, const struct plot_grid *g, long pid)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->peak.v = -INFINITY;
	s->pages = xcalloc(g->nbuckets >> PLOT_PAGE_BITS, sizeof(*s->pages));
}

static void series_release(struct plot_series *s, const struct plot_grid *g)
{
	if (s->pages)
		for (size_t p = 0; p < (g->nbuckets >> PLOT_PAGE_BITS); p++)
			free(s->pages[p]);
	free(s->pages);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* ---- children and functions by key ---- */

static struct plot_series *child_get(struct model_reader *r, long pid)
{
	struct plot_model *m = r->m;
	uint64_t h = idxmap_hash_pid(pid);
	struct idxmap_iter it;

	for (size_t i = idxmap_first(&r->child_index, h, &it); i != IDXMAP_NONE; i = idxmap_next(&it))
		if (m->children[i].pid == pid)
			return &m->children[i];
	XGROW(m->children, r->child_cap, m->nchildren + 1);
	XGROW(r->child_hot, r->child_hot_cap, m->nchildren + 1);
	series_init(&m->children[m->nchildren], &m->grid, pid);
	r->child_hot[m->nchildren] = (struct series_hot){ NULL, 0, 0 };
	idxmap_put(&r->child_index, h, m->nchildren);
	return &m->children[m->nchildren++];
}

static uint32_t func_get(struct model_reader *r, const char *key, size_t len)
{
	struct plot_model *m = r->m;
	uint64_t h = idxmap_hash_bytes(key, len);
	struct idxmap_iter it;
	struct plot_func *f;

	for (size_t i = idxmap_first(&r->func_index, h, &it); i != IDXMAP_NONE; i = idxmap_next(&it)) {
		const char *k = m->funcs[i].key;

		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return (uint32_t)i;
	}
	XGROW(m->funcs, r->func_cap, m->nfuncs + 1);
	f = &m->funcs[m->nfuncs];
	memset(f, 0, sizeof(*f));
	f->key = xstrndup(key, len);
	f->name = plot_display_text(key, len, true);
	f->color = (unsigned)m->nfuncs;
	f->max_level = -1;
	idxmap_put(&r->func_index, h, m->nfuncs);
	return (uint32_t)m->nfuncs++;
}

/* ---- spans and marks: merged when there are many ---- */

static int64_t bucket_of(const struct plot_model *m, double t)
{
	return (int64_t)floor((t - m->grid.origin) * m->grid.inv_width);
}

struct span_key {
	int64_t b0, b1;
	size_t i;
};

static int cmp_span_merge(const void *pa, const void *pb, void *ctx)
{
	const struct plot_model *m = ctx;
	const struct plot_span *a = &m->spans[((const struct span_key *)pa)->i];
	const struct plot_span *b = &m->spans[((const struct span_key *)pb)->i];
	const struct span_key *ka = pa, *kb = pb;

	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (a->func != b->func)
		return a->func < b->func ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (ka->b0 != kb->b0)
		return ka->b0 < kb->b0 ? -1 : 1;
	if (ka->b1 != kb->b1)
		return ka->b1 < kb->b1 ? -1 : 1;
	if (a->t0 != b->t0)
		return a->t0 < b->t0 ? -1 : 1;
	return 0;
}

/* Merge spans of one function at one level whose start and end fall in the
 * same buckets: they would be drawn on the same pixels. */
static void spans_compact(struct model_reader *r)
{
	struct plot_model *m = r->m;
	struct span_key *keys = xmalloc((m->nspans + 1) * sizeof(*keys));
	struct plot_span *out = xmalloc((r->span_cap + 1) * sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; i < m->nspans; i++) {
		keys[i].b0 = bucket_of(m, m->spans[i].t0);
		keys[i].b1 = bucket_of(m, m->spans[i].t1);
		keys[i].i = i;
	}
	qsort_r(keys, m->nspans, sizeof(*keys), cmp_span_merge, m);
	for (size_t i = 0; i < m->nspans; i++) {
		const struct plot_span *s = &m->spans[keys[i].i];
		struct plot_span *o = n ? &out[n - 1] : NULL;

		if (o && i && o->level == s->level && o->func == s->func && o->pid == s->pid &&
		    keys[i].b0 == keys[i - 1].b0 && keys[i].b1 == keys[i - 1].b1) {
			if (s->t1 >= o->t1) {
				o->t1 = s->t1;
				o->m1 = s->m1;
			}
			o->calls += s->calls;
			o->unfinished |= s->unfinished;
		} else {
			out[n++] = *s;
		}
	}
	free(keys);
	free(m->spans);
	m->spans = out;
	m->nspans = n;
}

static void span_add(struct model_reader *r, const struct plot_span *s)
{
	struct plot_model *m = r->m;

	if (m->nspans == r->span_cap) {
		if (m->nspans >= r->span_limit) {
			spans_compact(r);
			if (m->nspans > r->span_limit / 2)
				r->span_limit *= 2;
		}
		if (m->nspans == r->span_cap)
			XGROW(m->spans, r->span_cap, m->nspans + 1);
	}
	m->spans[m->nspans++] = *s;
}

static int cmp_mark_t(const void *pa, const void *pb)
{
	const struct plot_mark *a = pa, *b = pb;

	return a->t < b->t ? -1 : a->t > b->t;
}

static void marks_compact(struct plot_model *m)
{
	size_t n = 0;

	if (!m->nmarks)
		return;
	qsort(m->marks, m->nmarks, sizeof(*m->marks), cmp_mark_t);
	for (size_t i = 0; i < m->nmarks; i++) {
		struct plot_mark *k = &m->marks[i];

		if (n && bucket_of(m, m->marks[n - 1].t) == bucket_of(m, k->t)) {
			m->marks[n - 1].count += k->count;
			free(k->label);
		} else {
			m->marks[n++] = *k;
		}
	}
	m->nmarks = n;
}

static void mark_add(struct model_reader *r, const struct record *rec, double t)
{
	struct plot_model *m = r->m;
	struct plot_mark *k;

	if (m->nmarks >= r->mark_limit) {
		marks_compact(m);
		if (m->nmarks > r->mark_limit / 2)
			r->mark_limit *= 2;
	}
	XGROW(m->marks, r->mark_cap, m->nmarks + 1);
	k = &m->marks[m->nmarks++];
	k->label = plot_display_text(rec->text, rec->text_len, true);
	k->t = t;
	k->mem = (float)rec->mem;
	k->count = 1;
}

/* ---- reading ---- */

static double rel_time(struct model_reader *r, double t)
{
	if (!r->have_ref) {
		r->t_ref = t;
		r->have_ref = true;
	}
	return t - r->t_ref;
}

static void note_start(struct model_reader *r, double t)
{
	if (!r->have_start || t < r->start) {
		r->start = t;
		r->have_start = true;
	}
}

static bool in_window(const struct plot_model *m, double t0, double t1)
{
	const struct plot_grid *g = &m->grid;

	return !g->fixed || g->width == 0 ||
	       (t1 >= g->origin && t0 <= g->origin + (double)g->nbuckets * g->width);
}

/* A call: a span, its bracket at the memory recorded at its start and end.
 * Those are not samples: the line and its peak are the MEM samples', as
 * 'mprof peak' counts them (the Python tool's plot also draws its line
 * through them, and so marked a peak that its peak command did not report). */
static void add_func(struct model_reader *r, const struct record *rec)
{
	struct plot_model *m = r->m;
	double t0 = rel_time(r, rec->t), t1 = rel_time(r, rec->t_end);
	struct plot_span sp;
	struct plot_func *f;

	note_start(r, t0);
	grid_cover(r, t0);
	grid_cover(r, t1);
	if (!in_window(m, t0, t1))
		return;
	sp.t0 = t0;
	sp.t1 = t1;
	sp.m0 = (float)rec->mem;
	sp.m1 = (float)rec->mem_end;
	sp.func = func_get(r, rec->text, rec->text_len);
	sp.level = rec->level;
	sp.calls = 1;
	sp.unfinished = rec->unfinished;
	sp.pid = (int32_t)rec->pid;
	f = &m->funcs[sp.func];
	if (!f->calls || t0 < f->first_t)
		f->first_t = t0;
	f->calls++;
	f->total += t1 - t0;
	f->unfinished |= rec->unfinished;
	span_add(r, &sp);
}

static void kernel_peak_keep(struct plot_point *p, double t, double v)
{
	if (!p->set || v > p->v)
		*p = (struct plot_point){ t, v, true };
}

/* An interval's peak goes with its sample, written before it at the same
 * time: into that sample's bucket, never one of its own. */
static void ipeak_add(struct model_reader *r, struct plot_series *s, double t, double v)
{
	struct plot_bucket *b;

	if (!in_window(r->m, t, t) || r->m->grid.width == 0)
		return;
	b = bucket_for(r, s, t, v);
	if (!b || !b->n || v <= b->ipeak)
		return;
	b->ipeak = (float)v;
	if (v > s->ipeak_max)
		s->ipeak_max = v;
}

/* Records that name things rather than measure them. */
static void model_text_record(struct model_reader *r, const struct record *rec)
{
	struct plot_model *m = r->m;
	struct plot_series *c;

	switch (rec->kind) {
	case REC_CHLDCMD:
		c = child_get(r, rec->pid);
		free(c->name);
		c->name = plot_display_text(rec->text, rec->text_len, true);
		break;
	case REC_CMDLINE:
		free(m->cmdline);
		m->cmdline = plot_display_text(rec->text, rec->text_len, false);
		break;
	case REC_EXIT:
		m->has_exit = true;
		snprintf(m->exit_how, sizeof(m->exit_how), "%.*s", (int)rec->text_len, rec->text);
		m->exit_status = rec->status;
		break;
	default:
		break;
	}
}

/* The breakdown, stacked: anon, anon + file, ... */
static void add_kinds(struct model_reader *r, const struct record *rec)
{
	double t = rel_time(r, rec->t), sum = 0;

	for (int k = PLOT_EXTRA_ANON; k <= PLOT_EXTRA_SWAP; k++) {
		sum += rec->kinds[k - PLOT_EXTRA_ANON];
		series_add(r, &r->m->extra[k], t, sum);
	}
}

/* The cgroup's breakdown, stacked: anon, + file less shmem, + shmem,
 * + kernel, + sock (file holds shmem). */
static void add_cgroup_kinds(struct model_reader *r, const struct record *rec)
{
	const double part[] = { rec->cg[0], fmax(rec->cg[1] - rec->cg[3], 0), rec->cg[3], rec->cg[2], rec->cg[4] };
	double t = rel_time(r, rec->t), sum = 0;

	for (int k = PLOT_EXTRA_CG_ANON; k <= PLOT_EXTRA_CG_SOCK; k++) {
		sum += part[k - PLOT_EXTRA_CG_ANON];
		series_add(r, &r->m->extra[k], t, sum);
	}
}

/* Memory pressure: the growth of the stall totals (us) since the record
 * before, in ms per s, at this record's time. */
static void add_pressure(struct model_reader *r, const struct record *rec)
{
	double dt = rec->t - r->psi_t;

	if (r->have_psi && dt > 0 && rec->cg[0] >= r->psi[0] && rec->cg[1] >= r->psi[1]) {
		double t = rel_time(r, rec->t);

		series_add(r, &r->m->extra[PLOT_EXTRA_PSI_SOME], t, (rec->cg[0] - r->psi[0]) / 1000.0 / dt);
		series_add(r, &r->m->extra[PLOT_EXTRA_PSI_FULL], t, (rec->cg[1] - r->psi[1]) / 1000.0 / dt);
	}
	r->psi_t = rec->t;
	r->psi[0] = rec->cg[0];
	r->psi[1] = rec->cg[1];
	r->have_psi = true;
}

static void model_record(struct model_reader *r, const struct record *rec)
{
	struct plot_model *m = r->m;
	double t;

	switch (rec->kind) {
	case REC_MEM:
		t = rel_time(r, rec->t);
		note_start(r, t);
		series_add(r, &m->main, t, rec->mem);
		r->nmem++;
		break;
	case REC_CHLD:
		t = rel_time(r, rec->t);
		series_add(r, child_get(r, rec->pid), t, rec->mem);
		break;
	case REC_FUNC:
		add_func(r, rec);
		break;
	case REC_MARK:
		t = rel_time(r, rec->t);
		if (in_window(m, t, t))
			mark_add(r, rec, t);
		break;
	case REC_PEAK:
		kernel_peak_keep(&m->main.kernel_peak, rel_time(r, rec->t), rec->mem);
		break;
	case REC_CHLDPEAK:
		t = rel_time(r, rec->t);
		kernel_peak_keep(&child_get(r, rec->pid)->kernel_peak, t, rec->mem);
		break;
	case REC_CGROUP:
		series_add(r, child_get(r, PLOT_CGROUP_PID), rel_time(r, rec->t), rec->mem);
		add_cgroup_kinds(r, rec);
		break;
	case REC_CGPRESSURE:
		add_pressure(r, rec);
		break;
	case REC_CGPEAK:
		kernel_peak_keep(&child_get(r, PLOT_CGROUP_PID)->kernel_peak, rel_time(r, rec->t), rec->mem);
		break;
	case REC_KIND:
		add_kinds(r, rec);
		break;
	case REC_PYHEAP:
		series_add(r, &m->extra[PLOT_EXTRA_PYHEAP], rel_time(r, rec->t), rec->mem);
		break;
	case REC_GPU:
		series_add(r, &m->extra[PLOT_EXTRA_GPU], rel_time(r, rec->t), rec->mem);
		break;
	case REC_IPEAK:
		ipeak_add(r, &m->main, rel_time(r, rec->t), rec->mem);
		break;
	case REC_CHLDIPEAK:
		t = rel_time(r, rec->t);
		ipeak_add(r, child_get(r, rec->pid), t, rec->mem);
		break;
	default:
		model_text_record(r, rec);
		break;
	}
}

/* Four samples q[0..3] added to bucket b (of times [t0, t1)) when that is
 * simple: their times in order, from b's last and t0 on, the last before t1
 * (then b's first and the start stay, b's last is q[3]), and no new peak
 * (all below pkv). Whether they were. */
static inline bool hot_quad(const struct profile_sample *q, double ref, double t0, double t1,
			    double pkv, struct plot_bucket *b)
{
	double ta = q[0].t - ref, tb = q[1].t - ref, tc = q[2].t - ref, td = q[3].t - ref;
	double hab = q[0].mem > q[1].mem ? q[0].mem : q[1].mem;
	double hcd = q[2].mem > q[3].mem ? q[2].mem : q[3].mem;
	double hi = hab > hcd ? hab : hcd;
	float fa = (float)q[0].mem, fb = (float)q[1].mem, fc = (float)q[2].mem, fd = (float)q[3].mem;
	float lo4, hi4;

	if (!(b->n && ta >= b->tlast && ta >= t0 && ta <= tb && tb <= tc && tc <= td && td < t1 && hi < pkv))
		return false;
	lo4 = fa < fb ? fa : fb;
	lo4 = fc < lo4 ? fc : lo4;
	lo4 = fd < lo4 ? fd : lo4;
	hi4 = fa > fb ? fa : fb;
	hi4 = fc > hi4 ? fc : hi4;
	hi4 = fd > hi4 ? fd : hi4;
	b->min = lo4 < b->min ? lo4 : b->min;
	b->max = hi4 > b->max ? hi4 : b->max;
	b->tlast = td;
	b->last = fd;
	b->n += 4;
	return true;
}

/* The samples from run on that fall in the main series' hot bucket, added as
 * series_add adds them (no trend), with the bucket, the peak and the start
 * kept in registers: how many. */
static size_t hot_samples(struct model_reader *r, const struct profile_sample *run, size_t n)
{
	struct plot_series *s = &r->m->main;
	struct plot_bucket *bp = r->main_hot.b, b;
	struct plot_point pk = s->peak;
	double ref = r->t_ref, start = r->start, t0 = r->main_hot.t0, t1 = r->main_hot.t1;
	size_t i;

	if (!bp || !(t0 < t1) || r->slope || !r->have_start || !r->have_ref)
		return 0;
	b = *bp;
	for (i = 0; i < n; i++) {
		double t = run[i].t - ref, v = run[i].mem;

		if (i + 4 <= n && hot_quad(run + i, ref, t0, t1, pk.v, &b)) {
			i += 3;
			continue;
		}
		if (!(t >= t0 && t < t1))
			break;
		if (t < start)
			start = t;
		bucket_add(&b, t, (float)v);
		if (v >= pk.v && (v > pk.v || t < pk.t)) {
			pk.t = t;
			pk.v = v;
			pk.set = true;
		}
	}
	*bp = b;
	s->peak = pk;
	s->n += i;
	r->start = start;
	return i;
}

/* MEM records one after another, as model_record takes them. */
static void model_samples(struct model_reader *r, const struct profile_sample *run, size_t n)
{
	struct plot_model *m = r->m;

	for (size_t i = 0; i < n;) {
		double t = rel_time(r, run[i].t);

		note_start(r, t);
		series_add(r, &m->main, t, run[i].mem);
		i++;
		i += hot_samples(r, run + i, n - i);
	}
	r->nmem += n;
	m->records += n;
}

static void model_reset(struct plot_model *m)
{
	for (size_t i = 0; i < m->nchildren; i++)
		series_release(&m->children[i], &m->grid);
	series_release(&m->main, &m->grid);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++)
		series_release(&m->extra[i], &m->grid);
	free(m->children);
	for (size_t i = 0; i < m->nfuncs; i++) {
		free(m->funcs[i].key);
		free(m->funcs[i].name);
		free((char *)m->funcs[i].label);
	}
	free(m->funcs);
	for (size_t i = 0; i < m->nmarks; i++)
		free(m->marks[i].label);
	free(m->marks);
	free(m->spans);
	free(m->cmdline);
	free(m->path);
	memset(m, 0, sizeof(*m));
}

/* One pass over the file. With force_ref, internal times count from t_ref
 * and the start is taken to be t_ref (the second pass of a window). */
static int model_pass(struct model_reader *r, const char *path, const struct plot_options *opt,
		      size_t nbuckets, bool force_ref, double t_ref)
{
	struct plot_model *m = r->m;
	struct profile_reader pr;
	struct record rec;
	const struct profile_sample *run;
	size_t nrun;
	int rc;

	reader_release(r);
	memset(m, 0, sizeof(*m));
	r->m = m;
	r->window = opt && opt->window;
	r->slope = opt && opt->slope;
	r->w0 = opt ? opt->w0 : 0;
	r->w1 = opt ? opt->w1 : 0;
	m->path = xstrdup(path);
	m->grid.nbuckets = nbuckets ? nbuckets : PLOT_DEFAULT_BUCKETS;
	m->grid.fixed = r->window;
	m->grid.inv_width = NAN;
	r->span_limit = SPAN_LIMIT;
	r->mark_limit = MARK_LIMIT;
	m->max_level = -1;
	series_init(&m->main, &m->grid, 0);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++)
		series_init(&m->extra[i], &m->grid, 0);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++)
		r->extra_hot[i] = (struct series_hot){ NULL, 0, 0 };
	if (force_ref) {
		r->t_ref = t_ref;
		r->have_ref = true;
		grid_start(r, 0);
	}
	if (profile_reader_open(&pr, path) < 0)
		return -1;
	while ((rc = profile_reader_next_run(&pr, &rec, &run, &nrun)) > 0) {
		if (nrun) {
			model_samples(r, run, nrun);
			continue;
		}
		m->records++;
		model_record(r, &rec);
	}
	profile_reader_close(&pr);
	return rc;
}

static int cmp_span_nest(const void *pa, const void *pb)
{
	const struct plot_span *a = pa, *b = pb;

	if (a->t0 != b->t0)
		return a->t0 < b->t0 ? -1 : 1;
	if (a->t1 != b->t1)
		return a->t1 > b->t1 ? -1 : 1;
	return 0;
}

/* Old files have no nesting level: a call inside another's time is nested. */
static void spans_infer_levels(struct plot_model *m)
{
	double *stack = NULL;
	size_t depth = 0, cap = 0;
	bool any = false;

	for (size_t i = 0; i < m->nspans && !any; i++)
		any = m->spans[i].level < 0;
	if (!any)
		return;
	qsort(m->spans, m->nspans, sizeof(*m->spans), cmp_span_nest);
	for (size_t i = 0; i < m->nspans; i++) {
		struct plot_span *s = &m->spans[i];

		while (depth && stack[depth - 1] < s->t1)
			depth--;
		if (s->level < 0)
			s->level = (int32_t)depth;
		XGROW(stack, cap, depth + 1);
		stack[depth++] = s->t1;
	}
	free(stack);
}

static int cmp_span_draw(const void *pa, const void *pb)
{
	const struct plot_span *a = pa, *b = pb;

	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

/* The Python tool's labels: the last dotted component of each name, more of
 * them where that is ambiguous. */
static const char *dotted_suffix(const char *name, int parts)
{
	const char *p = name + strlen(name);

	while (p > name) {
		if (p[-1] == '.' && --parts == 0)
			return p;
		p--;
	}
	return name;
}

struct label_parts {
	const struct plot_func *funcs;
	const int *parts;
};

static int cmp_func_label(const void *pa, const void *pb, void *ctx)
{
	const struct label_parts *lp = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return strcmp(dotted_suffix(lp->funcs[a].name, lp->parts[a]),
		      dotted_suffix(lp->funcs[b].name, lp->parts[b]));
}

static void funcs_label(struct plot_model *m)
{
	size_t n = m->nfuncs, *ix = xmalloc((n + 1) * sizeof(*ix));
	int *parts = xmalloc((n + 1) * sizeof(*parts));
	struct label_parts lp = { m->funcs, parts };
	bool again = true;

	for (size_t i = 0; i < n; i++) {
		ix[i] = i;
		parts[i] = 1;
	}
	for (int round = 0; again && round < 64; round++) {
		again = false;
		qsort_r(ix, n, sizeof(*ix), cmp_func_label, &lp);
		for (size_t i = 0; i < n;) {
			size_t j = i + 1;

			while (j < n && cmp_func_label(&ix[i], &ix[j], &lp) == 0)
				j++;
			if (j - i > 1)
				for (size_t k = i; k < j; k++)
					if (dotted_suffix(m->funcs[ix[k]].name, parts[ix[k]]) !=
					    m->funcs[ix[k]].name) {
						parts[ix[k]]++;
						again = true;
					}
			i = j;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *l = dotted_suffix(m->funcs[i].name, parts[i]);

		m->funcs[i].label = xstrdup(*l ? l : m->funcs[i].name);
	}
	free(ix);
	free(parts);
}

static void shift_point(struct plot_point *p, double d)
{
	p->t -= d;
}

static void series_shift(struct plot_series *s, const struct plot_grid *g, double d)
{
	for (size_t p = 0; p < (g->nbuckets >> PLOT_PAGE_BITS); p++)
		if (s->pages[p])
			for (size_t k = 0; k < PLOT_PAGE; k++) {
				s->pages[p][k].tfirst -= d;
				s->pages[p][k].tlast -= d;
			}
	shift_point(&s->peak, d);
	shift_point(&s->first, d);
	shift_point(&s->last, d);
	shift_point(&s->before, d);
	shift_point(&s->after, d);
	shift_point(&s->kernel_peak, d);
	s->trend.t0 -= d;
}

/* The lowest value, first and last samples of a series, from its buckets. */
static void series_summarize(struct plot_series *s, const struct plot_grid *g)
{
	bool any = false;

	for (size_t p = 0; p < (g->nbuckets >> PLOT_PAGE_BITS); p++) {
		if (!s->pages[p])
			continue;
		for (size_t k = 0; k < PLOT_PAGE; k++) {
			const struct plot_bucket *b = &s->pages[p][k];

			if (!b->n)
				continue;
			if (!any || b->min < s->lo)
				s->lo = b->min;
			point_keep(&s->first, b->tfirst, b->first, false);
			point_keep(&s->last, b->tlast, b->last, true);
			any = true;
		}
	}
	if (s->peak.set && s->lo > s->peak.v)
		s->lo = s->peak.v;
}

/* Make every time count from the start, the x axis. */
static void model_shift(struct plot_model *m, double d)
{
	m->grid.origin -= d;
	series_shift(&m->main, &m->grid, d);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++)
		series_shift(&m->extra[i], &m->grid, d);
	for (size_t i = 0; i < m->nchildren; i++)
		series_shift(&m->children[i], &m->grid, d);
	for (size_t i = 0; i < m->nspans; i++) {
		m->spans[i].t0 -= d;
		m->spans[i].t1 -= d;
	}
	for (size_t i = 0; i < m->nmarks; i++)
		m->marks[i].t -= d;
	for (size_t i = 0; i < m->nfuncs; i++)
		m->funcs[i].first_t -= d;
}

static void model_align_at(struct plot_model *m, double t)
{
	m->t_abs += t;
	model_shift(m, t);
}

int plot_model_align(struct plot_model *m, const char *name)
{
	for (size_t i = 0; i < m->nmarks; i++) { /* by time: the first is the earliest */
		if (strcmp(m->marks[i].label, name) == 0) {
			model_align_at(m, m->marks[i].t);
			return 0;
		}
	}
	/* a function, then a timestamp block ".name" */
	for (int dotted = 0; dotted < 2; dotted++) {
		for (size_t i = 0; i < m->nfuncs; i++) {
			const char *k = m->funcs[i].key;

			if (dotted && (k[0] != '.' || strcmp(k + 1, name) != 0))
				continue;
			if (!dotted && strcmp(k, name) != 0)
				continue;
			model_align_at(m, m->funcs[i].first_t);
			return 0;
		}
	}
	return error("%s: no marker or function '%s' to align on", m->path, name);
}

static void model_finish(struct model_reader *r)
{
	struct plot_model *m = r->m;

	series_summarize(&m->main, &m->grid);
	for (size_t i = 0; i < PLOT_EXTRA_COUNT; i++)
		series_summarize(&m->extra[i], &m->grid);
	for (size_t i = 0; i < m->nchildren; i++)
		series_summarize(&m->children[i], &m->grid);
	m->t_abs = r->t_ref + r->start;
	model_shift(m, r->start);
	if (m->nspans > SPAN_LIMIT / 4)
		spans_compact(r);
	if (m->nmarks > MARK_LIMIT / 4)
		marks_compact(m);
	spans_infer_levels(m);
	plot_spans_place(m);
	if (m->nspans > 1)
		qsort(m->spans, m->nspans, sizeof(*m->spans), cmp_span_draw);
	for (size_t i = 0; i < m->nspans; i++) {
		struct plot_func *f = &m->funcs[m->spans[i].func];

		if (m->spans[i].level > f->max_level)
			f->max_level = m->spans[i].level;
		if (m->spans[i].level > m->max_level)
			m->max_level = m->spans[i].level;
	}
	if (m->nmarks)
		qsort(m->marks, m->nmarks, sizeof(*m->marks), cmp_mark_t);
	funcs_label(m);
}

int plot_model_read(struct plot_model *m, const char *path, const struct plot_options *opt, size_t nbuckets)
{
	struct model_reader r = { .m = m };
	double first_ref;

	if (model_pass(&r, path, opt, nbuckets, false, 0) < 0)
		goto fail;
	if (!r.nmem) {
		error("%s: no memory samples (MEM records): nothing to plot", path);
		goto fail;
	}
	if (r.window && r.start != r.grid_t) {
		/* The window counts from the start, which a first record
		 * other than the earliest sample misplaced: read again from it. */
		first_ref = r.t_ref + r.start;
		model_reset(m);
		if (model_pass(&r, path, opt, nbuckets, true, first_ref) < 0)
			goto fail;
	}
	if (!m->main.n) {
		error("%s: no memory samples in the window %g,%g", path, r.w0, r.w1);
		goto fail;
	}
	model_finish(&r);
	reader_release(&r);
	return 0;
fail:
	reader_release(&r);
	model_reset(m);
	return -1;
}

void plot_model_release(struct plot_model *m)
{
	model_reset(m);
}

/* ---- for renderers ---- */

void plot_model_extent(const struct plot_model *m, double *t0, double *t1, double *lo, double *hi)
{
	const struct plot_series *s = &m->main;

	*t0 = s->first.t;
	*t1 = s->last.t;
	*lo = s->lo;
	*hi = s->peak.v;
	for (size_t i = 0; i < m->nchildren; i++) {
		s = &m->children[i];
		if (!s->n)
			continue;
		if (s->first.t < *t0)
			*t0 = s->first.t;
		if (s->last.t > *t1)
			*t1 = s->last.t;
		if (s->lo < *lo)
			*lo = s->lo;
		if (s->peak.v > *hi)
			*hi = s->peak.v;
	}
}

void plot_series_columns(const struct plot_model *m, const struct plot_series *s,
			 double t0, double t1, struct plot_column *cols, size_t ncols)
{
	double scale = (double)ncols / (t1 - t0);
	struct plot_bucket *acc;

	memset(cols, 0, ncols * sizeof(*cols));
	if (!(t1 > t0))
		return;
	/* the buckets of a column merge as buckets do; a column takes them as
	 * they are (floats) */
	acc = xcalloc(ncols, sizeof(*acc));
	for (size_t p = 0; p < (m->grid.nbuckets >> PLOT_PAGE_BITS); p++) {
		if (!s->pages[p])
			continue;
		for (size_t k = 0; k < PLOT_PAGE; k++) {
			const struct plot_bucket *b = &s->pages[p][k];
			double x;

			if (!b->n)
				continue;
			x = ((b->tfirst + b->tlast) / 2 - t0) * scale;
			if (x < 0 || x >= (double)ncols)
				continue;
			bucket_merge(&acc[(size_t)x], b);
		}
	}
	for (size_t i = 0; i < ncols; i++)
		if (acc[i].n)
			cols[i] = (struct plot_column){ acc[i].tfirst, acc[i].tlast, acc[i].min, acc[i].max,
							acc[i].first, acc[i].last, acc[i].ipeak, acc[i].n };
	free(acc);
}

bool plot_series_trend(const struct plot_series *s, double *a, double *b)
{
	return trend_fit(&s->trend, a, b);
}
