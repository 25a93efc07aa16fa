/* trend: a least-squares line v = a + b t over a stream of points, in
 * constant memory: the sums are kept about the first point (t0, v0), so that
 * large unix times lose no precision. The definition of the slope that
 * `mprof plot --slope` draws and `mprof summary` reports. */
#ifndef MPROF_TREND_H
#define MPROF_TREND_H

#include <stdbool.h>
#include <stddef.h>

struct trend {
	size_t n;
	double t0, v0;            /* the first point */
	double st, sv, stt, stv;  /* sums of dt, dv, dt^2, dt*dv about it */
};

void trend_add(struct trend *tr, double t, double v);
/* The line through the points: false with fewer than two points or a single
 * time. */
bool trend_fit(const struct trend *tr, double *a, double *b);

#endif
