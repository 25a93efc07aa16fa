/* diff: two summaries side by side, aligned by function and marker names,
 * and budgets on the increase from the first to the second.
 *
 * Rows: the whole run first, then each function and marker found in either
 * profile; those found in both sorted by the largest change of their peak
 * (then of their increment, then of their time), those found in one only
 * after them, by name. Each row compares four measures:
 *
 *            peak (MiB)             exact (MiB)          time (s)         increment (MiB)
 *   run      highest sample         kernel's peak        duration         final - initial sample
 *   function highest sample inside  kernel's inside      total in calls   summed over calls
 *   marker   highest at it          -                    first occurrence -
 */
#ifndef MPROF_DIFF_H
#define MPROF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "summary.h"

struct json;

#define DIFF_FORMAT "mprof-diff"
#define DIFF_VERSION 1

enum diff_kind {
	DIFF_RUN,
	DIFF_FUNC,
	DIFF_MARK,
};

struct diff_value {
	double a, b;          /* NAN: none on that side */
	double change;        /* b - a; NAN unless both */
	double pct;           /* change / a, in percent; NAN unless both; +-INFINITY
	                       * when a is 0 and b is not */
};

struct diff_row {
	enum diff_kind kind;
	const char *name;     /* function name or marker label (owned by a summary); NULL for the run */
	size_t name_len;
	bool in_a, in_b;
	unsigned long count_a, count_b; /* calls, or occurrences of a marker */
	struct diff_value peak, exact, time, increment;
};

struct diff {
	const struct summary *a, *b;
	struct diff_row *rows;
	size_t nrows;
};

/* Compare a and b, which must outlive d. */
void diff_compute(struct diff *d, const struct summary *a, const struct summary *b);
void diff_release(struct diff *d);

/* ---- budgets ---- */

enum diff_measure {
	DIFF_MEASURE_PEAK,    /* the sampled peak */
	DIFF_MEASURE_EXACT,   /* the kernel's (--exact) */
};

enum diff_verdict {
	DIFF_PASS,
	DIFF_FAIL,            /* the increase is over the budget */
	DIFF_UNKNOWN,         /* it cannot be judged: a side has no such value */
};

struct diff_budget {
	/* set by the caller */
	const char *func;     /* NULL: the whole run; else a function (or ".func") */
	double max_increase;  /* percent */
	enum diff_measure measure;
	/* set by diff_check */
	enum diff_verdict verdict;
	double a, b, pct;
	char *title;          /* "peak of load at most +10%" */
	char *message;        /* one line: what was found */
};

/* Judge n budgets; returns how many did not pass (failed or unknown). */
size_t diff_check(const struct diff *d, struct diff_budget *b, size_t n);
void diff_budgets_release(struct diff_budget *b, size_t n);

/* ---- output ---- */

void diff_print_text(const struct diff *d, const struct diff_budget *b, size_t nb, FILE *f);
/* One JSON object (schema in mprof(1), "MPROF DIFF"). */
void diff_json(const struct diff *d, const struct diff_budget *b, size_t nb, struct json *j);
/* JUnit XML, one test case per budget, to path (whole or not at all). */
int diff_write_junit(const struct diff *d, const struct diff_budget *b, size_t nb, const char *path);

#endif
