#include "plot_span_place.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>

static long bucket_index(const struct plot_model *m, double t)
{
	double i = floor((t - m->grid.origin) * m->grid.inv_width);

	if (!(i >= 0))
		return 0;
	return i >= (double)m->grid.nbuckets ? (long)m->grid.nbuckets - 1 : (long)i;
}

bool plot_series_value_at(const struct plot_model *m, const struct plot_series *s, double t,
			  double *v)
{
	const struct plot_bucket *b;
	long i0, i;

	if (!s->n || !(m->grid.width > 0))
		return false;
	i0 = bucket_index(m, t);
	b = plot_series_bucket(m, s, (size_t)i0);
	if (b) {
		*v = fabs(t - b->tfirst) <= fabs(t - b->tlast) ? b->first : b->last;
		return true;
	}
	for (i = i0 - 1; i >= 0; i--)
		if ((b = plot_series_bucket(m, s, (size_t)i))) {
			*v = b->last;
			return true;
		}
	for (i = i0 + 1; i < (long)m->grid.nbuckets; i++)
		if ((b = plot_series_bucket(m, s, (size_t)i))) {
			*v = b->first;
			return true;
		}
	return false;
}

static int cmp_series_pid(const void *a, const void *b)
{
	long pa = (*(const struct plot_series *const *)a)->pid;
	long pb = (*(const struct plot_series *const *)b)->pid;

	return pa < pb ? -1 : pa > pb;
}

static const struct plot_series *series_of(const struct plot_series **by_pid, size_t n, long pid)
{
	struct plot_series key = { .pid = pid };
	const struct plot_series *k = &key, **hit;

	hit = bsearch(&k, by_pid, n, sizeof(*by_pid), cmp_series_pid);
	return hit ? *hit : NULL;
}

void plot_spans_place(struct plot_model *m)
{
	const struct plot_series **by_pid;
	size_t i;

	for (i = 0; i < m->nspans && !m->spans[i].pid; i++)
		;
	if (i == m->nspans || !m->nchildren)
		return;
	by_pid = xmalloc(m->nchildren * sizeof(*by_pid));
	for (i = 0; i < m->nchildren; i++)
		by_pid[i] = &m->children[i];
	qsort(by_pid, m->nchildren, sizeof(*by_pid), cmp_series_pid);
	for (i = 0; i < m->nspans; i++) {
		struct plot_span *sp = &m->spans[i];
		const struct plot_series *s = sp->pid ? series_of(by_pid, m->nchildren, sp->pid) : NULL;
		double v0, v1;

		if (s && plot_series_value_at(m, s, sp->t0, &v0) &&
		    plot_series_value_at(m, s, sp->t1, &v1)) {
			sp->m0 = (float)v0;
			sp->m1 = (float)v1;
		}
	}
	free(by_pid);
}
