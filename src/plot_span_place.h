/* plot_span_place: brackets of calls made in a child process, on that
 * child's line.
 *
 * A FUNC record of a span from a child process (with `mprof run -M`, a
 * function that a multiprocessing worker ran) carries the child's pid, and
 * memory measured in the profiled program, not in the child. Where the model
 * has that child's series (CHLD records), the bracket is drawn at the child's
 * memory at the span's start and end; without one, at the recorded memory. */
#ifndef MPROF_PLOT_SPAN_PLACE_H
#define MPROF_PLOT_SPAN_PLACE_H

#include "plot_model.h"

#include <stdbool.h>

/* The value of series s at time t (the model's x axis): the sample of t's
 * bucket nearest to t, else the last sample before t, else the first after.
 * false when the series has no sample. */
bool plot_series_value_at(const struct plot_model *m, const struct plot_series *s, double t,
			  double *v);

/* Move the brackets of spans from children onto the children's series. Call
 * once the model is complete (times count from its start). */
void plot_spans_place(struct plot_model *m);

#endif
