#include "trend.h"

void trend_add(struct trend *tr, double t, double v)
{
	double dt, dv;

	if (!tr->n) {
		tr->t0 = t;
		tr->v0 = v;
	}
	dt = t - tr->t0;
	dv = v - tr->v0;
	tr->st += dt;
	tr->sv += dv;
	tr->stt += dt * dt;
	tr->stv += dt * dv;
	tr->n++;
}

bool trend_fit(const struct trend *tr, double *a, double *b)
{
	double n = (double)tr->n, den;

	if (tr->n < 2)
		return false;
	den = n * tr->stt - tr->st * tr->st;
	if (!(den > 0))
		return false;
	*b = (n * tr->stv - tr->st * tr->sv) / den;
	/* v - v0 = a' + b (t - t0) */
	*a = tr->v0 + (tr->sv - *b * tr->st) / n - *b * tr->t0;
	return true;
}
