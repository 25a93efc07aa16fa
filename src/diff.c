#include "diff.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct diff_value value_of(double a, double b)
{
	struct diff_value v = { a, b, NAN, NAN };

	if (!isnan(a) && !isnan(b)) {
		v.change = b - a;
		if (a != 0)
			v.pct = v.change / fabs(a) * 100;
		else
			v.pct = v.change == 0 ? 0 : copysign(INFINITY, v.change);
	}
	return v;
}

static struct diff_row *row_add(struct diff *d, size_t *cap, enum diff_kind kind)
{
	struct diff_row *r;

	XGROW(d->rows, *cap, d->nrows + 1);
	r = &d->rows[d->nrows++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->exact = r->increment = value_of(NAN, NAN);
	return r;
}

static void run_row(struct diff *d, size_t *cap)
{
	const struct summary *a = d->a, *b = d->b;
	struct diff_row *r = row_add(d, cap, DIFF_RUN);

	r->in_a = r->in_b = true;
	r->count_a = a->samples;
	r->count_b = b->samples;
	r->peak = value_of(a->peak.mib, b->peak.mib);
	r->exact = value_of(a->exact_peak.mib, b->exact_peak.mib);
	r->time = value_of(a->duration, b->duration);
	r->increment = value_of(a->final - a->initial, b->final - b->initial);
}

/* The row of a function or marker that one profile or both have. */
static struct diff_row *named_row(struct diff *d, size_t *cap, enum diff_kind kind, const char *name,
				  size_t len, bool in_a, bool in_b)
{
	struct diff_row *r = row_add(d, cap, kind);

	r->name = name;
	r->name_len = len;
	r->in_a = in_a;
	r->in_b = in_b;
	return r;
}

static void func_row(struct diff *d, size_t *cap, const struct summary_func *fa, const struct summary_func *fb)
{
	const struct summary_func *f = fa ? fa : fb;
	struct diff_row *r = named_row(d, cap, DIFF_FUNC, f->name, f->name_len, fa != NULL, fb != NULL);

	r->count_a = fa ? fa->calls : 0;
	r->count_b = fb ? fb->calls : 0;
	r->peak = value_of(fa ? fa->peak : NAN, fb ? fb->peak : NAN);
	r->exact = value_of(fa ? fa->exact_peak : NAN, fb ? fb->exact_peak : NAN);
	r->time = value_of(fa ? fa->total : NAN, fb ? fb->total : NAN);
	r->increment = value_of(fa ? fa->increment : NAN, fb ? fb->increment : NAN);
}

static void mark_row(struct diff *d, size_t *cap, const struct summary_mark *ma, const struct summary_mark *mb)
{
	const struct summary_mark *m = ma ? ma : mb;
	struct diff_row *r = named_row(d, cap, DIFF_MARK, m->label, m->label_len, ma != NULL, mb != NULL);

	r->count_a = ma ? ma->count : 0;
	r->count_b = mb ? mb->count : 0;
	r->peak = value_of(ma ? ma->peak : NAN, mb ? mb->peak : NAN);
	r->time = value_of(ma ? ma->first : NAN, mb ? mb->first : NAN);
}

/* ---- aligning by name ---- */

struct named {
	const char *name;
	size_t len;
	const void *item;
};

static int cmp_named(const void *x, const void *y)
{
	const struct named *a = x, *b = y;

	return summary_name_cmp(a->name, a->len, b->name, b->len);
}

static struct named *funcs_by_name(const struct summary *s)
{
	struct named *v = xmalloc((s->nfuncs + 1) * sizeof(*v));

	for (size_t i = 0; i < s->nfuncs; i++)
		v[i] = (struct named){ s->funcs[i].name, s->funcs[i].name_len, &s->funcs[i] };
	qsort(v, s->nfuncs, sizeof(*v), cmp_named);
	return v;
}

static struct named *marks_by_name(const struct summary *s)
{
	struct named *v = xmalloc((s->nmarks + 1) * sizeof(*v));

	for (size_t i = 0; i < s->nmarks; i++)
		v[i] = (struct named){ s->marks[i].label, s->marks[i].label_len, &s->marks[i] };
	qsort(v, s->nmarks, sizeof(*v), cmp_named);
	return v;
}

/* Walk two sorted lists together: a pair for each name, NULL on the side that lacks it. */
static void align(struct diff *d, size_t *cap, const struct named *a, size_t na, const struct named *b,
		  size_t nb, enum diff_kind kind)
{
	size_t i = 0, k = 0;

	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : cmp_named(&a[i], &b[k]);
		const void *x = c <= 0 ? a[i++].item : NULL;
		const void *y = c >= 0 ? b[k++].item : NULL;

		if (kind == DIFF_FUNC)
			func_row(d, cap, x, y);
		else
			mark_row(d, cap, x, y);
	}
}

/* ---- order: the largest change first ---- */

static double magnitude(const struct diff_value *v)
{
	return isnan(v->change) ? -1 : fabs(v->change);
}

static int cmp_rows(const void *x, const void *y)
{
	const struct diff_row *a = x, *b = y;
	bool both_a = a->in_a && a->in_b, both_b = b->in_a && b->in_b;
	const struct diff_value *va[] = { &a->peak, &a->increment, &a->time };
	const struct diff_value *vb[] = { &b->peak, &b->increment, &b->time };

	if (both_a != both_b)
		return both_a ? -1 : 1;
	for (size_t i = 0; both_a && i < ARRAY_SIZE(va); i++) {
		double ma = magnitude(va[i]), mb = magnitude(vb[i]);

		if (ma != mb)
			return ma > mb ? -1 : 1;
	}
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return summary_name_cmp(a->name, a->name_len, b->name, b->name_len);
}

void diff_compute(struct diff *d, const struct summary *a, const struct summary *b)
{
	struct named *fa = funcs_by_name(a), *fb = funcs_by_name(b);
	struct named *ma = marks_by_name(a), *mb = marks_by_name(b);
	size_t cap = 0;

	memset(d, 0, sizeof(*d));
	d->a = a;
	d->b = b;
	run_row(d, &cap);
	align(d, &cap, fa, a->nfuncs, fb, b->nfuncs, DIFF_FUNC);
	align(d, &cap, ma, a->nmarks, mb, b->nmarks, DIFF_MARK);
	qsort(d->rows + 1, d->nrows - 1, sizeof(*d->rows), cmp_rows);
	free(fa);
	free(fb);
	free(ma);
	free(mb);
}

void diff_release(struct diff *d)
{
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

/* ---- budgets ---- */

static double measure_of(const struct summary *s, const struct summary_func *f, enum diff_measure m)
{
	if (f)
		return m == DIFF_MEASURE_EXACT ? f->exact_peak : f->peak;
	return m == DIFF_MEASURE_EXACT ? s->exact_peak.mib : s->peak.mib;
}

/* Why the budget cannot be judged, or NULL. */
static char *unknown_reason(const struct diff *d, const struct diff_budget *b, const char *what,
			    const struct summary_func *fa, const struct summary_func *fb)
{
	if (b->func && !fa)
		return xasprintf("%s: no function of that name in %s", what, d->a->path);
	if (b->func && !fb)
		return xasprintf("%s: no function of that name in %s", what, d->b->path);
	if (isnan(b->a))
		return xasprintf("%s: none in %s", what, d->a->path);
	if (isnan(b->b))
		return xasprintf("%s: none in %s", what, d->b->path);
	return NULL;
}

static void judge(const struct diff *d, struct diff_budget *b)
{
	const struct summary_func *fa = b->func ? summary_find_func(d->a, b->func) : NULL;
	const struct summary_func *fb = b->func ? summary_find_func(d->b, b->func) : NULL;
	const char *kind = b->measure == DIFF_MEASURE_EXACT ? "exact peak" : "peak";
	char *name = b->func ? summary_display_name(b->func, strlen(b->func)) : NULL;
	char *what = name ? xasprintf("%s of %s", kind, name) : xstrdup(kind);
	struct diff_value v;

	b->a = b->func && !fa ? NAN : measure_of(d->a, fa, b->measure);
	b->b = b->func && !fb ? NAN : measure_of(d->b, fb, b->measure);
	v = value_of(b->a, b->b);
	b->pct = v.pct;
	b->title = xasprintf("%s at most %+g%%", what, b->max_increase);
	b->message = unknown_reason(d, b, what, fa, fb);
	if (b->message) {
		b->verdict = DIFF_UNKNOWN;
	} else {
		b->verdict = b->pct > b->max_increase ? DIFF_FAIL : DIFF_PASS;
		b->message = xasprintf("%s %s from %.3f MiB in %s to %.3f MiB in %s (%+.3f MiB, %+.1f%%): %s %+g%%",
				       what, v.change > 0 ? "rose" : v.change < 0 ? "fell" : "stayed",
				       b->a, d->a->path, b->b, d->b->path, v.change, b->pct,
				       b->verdict == DIFF_FAIL ? "over the budget of" : "within", b->max_increase);
	}
	free(what);
	free(name);
}

size_t diff_check(const struct diff *d, struct diff_budget *b, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		judge(d, &b[i]);
		bad += b[i].verdict != DIFF_PASS;
	}
	return bad;
}

void diff_budgets_release(struct diff_budget *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].title);
		free(b[i].message);
		b[i].title = b[i].message = NULL;
	}
}
