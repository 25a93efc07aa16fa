/* peak: the peak memory of a profile, in one streaming pass (two with a
 * function filter), in memory bounded by the number of children and of the
 * filtered function's calls, never by the number of samples. */
#ifndef MPROF_PEAK_H
#define MPROF_PEAK_H

#include "idxmap.h"

#include <stdbool.h>
#include <stddef.h>

struct peak_child {
	long pid;
	double mem;       /* highest CHLD sample; NAN when none */
	double kernel;    /* highest CHLDPEAK; NAN when none */
};

struct peak {
	double mem;       /* highest MEM sample (inside the function's calls
	                   * with a filter); NAN when none */
	double kernel;    /* highest PEAK: the kernel's high-water mark; NAN when none */
	double cgroup;    /* highest CGPEAK: the memory cgroup's high-water mark; NAN when none */
	double before_attach; /* the header's peak_before_attach: the kernel's mark
	                   * from before an attach, not the run's; NAN when none */
	unsigned long samples;    /* MEM records read */
	unsigned long calls;      /* with a filter: FUNC records of that function */
	const char *func_used;    /* with a filter: the name matched, NULL if none */
	struct peak_child *children; /* in order of first appearance */
	size_t nchildren;
	/* private */
	size_t children_cap;
	struct idxmap index;      /* pid -> index into children */
	char *func_dot;
};

/* A closed interval [start, end] of time. */
struct peak_span {
	double start, end;
};

/* Sort spans by start and merge the overlapping ones; returns the new count. */
size_t peak_spans_merge(struct peak_span *s, size_t n);
/* Whether t lies in one of n merged spans. */
bool peak_spans_contain(const struct peak_span *s, size_t n, double t);

/* Read the profile at path. With func, count only MEM samples inside the calls
 * of the function so named in FUNC records (or, failing that, of the
 * timestamp block ".func"), as the Python tool's --func does; the file is then
 * read twice and must be a regular file. -1 (reported as FILE:LINE) on error. */
int peak_read(struct peak *p, const char *path, const char *func);
void peak_release(struct peak *p);

#endif
