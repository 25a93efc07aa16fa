/* plot_model: what a plot shows, read from one profile in one streaming pass,
 * in memory bounded by the picture, not by the file.
 *
 * The program's samples (MEM) and each child's (CHLD) go into time buckets;
 * the memory recorded at a call's start and end (FUNC) places its bracket but
 * is not a sample, so the sampled peak is the highest MEM sample, as 'mprof
 * peak' reports it. Per bucket
 * the lowest, highest, first and last value and the times of the first and
 * last. The time range is not known before reading, so the buckets adapt: when
 * a sample falls outside, the bucket width doubles and pairs of buckets merge.
 * With a time window the buckets are fixed to the window and samples outside
 * it are kept only as the nearest point on each side (for the line to the
 * edge). Records may come in any order.
 *
 * FUNC records become spans; one entry per function (calls, total time) in a
 * hash table. When there are many spans, spans of one function at one level
 * whose ends fall in the same buckets merge, so millions of calls cost memory
 * in proportion to the buckets, and time n log n.
 *
 * All times the model gives out are seconds from the profile's start (the
 * first MEM or FUNC time), the x axis of the plot. Nothing here draws: the
 * PNG/SVG/PDF renderer and other views read the same model.
 */
#ifndef MPROF_PLOT_MODEL_H
#define MPROF_PLOT_MODEL_H

#include "plot_options.h"
#include "trend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLOT_PAGE_BITS 8
#define PLOT_PAGE (1u << PLOT_PAGE_BITS)
#define PLOT_DEFAULT_BUCKETS 8192

struct plot_bucket {
	double tfirst, tlast; /* times of the first and last sample */
	float min, max, first, last;
	float ipeak;          /* highest interval peak (IPEAK) of its samples, 0: none */
	uint32_t n;           /* 0: empty */
};

struct plot_point {
	double t, v;
	bool set;
};

/* The pid of the series of a run's memory cgroup (CGROUP, CGPEAK), kept
 * among the children: its total charge, page cache and kernel memory included. */
#define PLOT_CGROUP_PID (-1L)

struct plot_series {
	long pid;             /* 0: the profiled program (MEM); else a child (CHLD),
			       * or PLOT_CGROUP_PID */
	char *name;           /* child's command name (CHLDCMD), display text, or NULL */
	struct plot_bucket **pages; /* sparse: a page is allocated when first used */
	size_t n;             /* samples inside the range */
	double lo;            /* lowest sample inside the range */
	struct plot_point peak;        /* the sampled peak: highest sample inside the range (first one) */
	struct plot_point first, last; /* earliest and latest sample inside the range */
	struct plot_point before, after; /* window: nearest samples outside it */
	struct plot_point kernel_peak; /* PEAK / CHLDPEAK: the kernel's high-water mark */
	double ipeak_max;     /* highest interval peak (IPEAK / CHLDIPEAK) in the range, 0: none */
	struct trend trend;   /* of the samples inside the range, with a slope */
};

struct plot_func {
	char *key;            /* the name as escaped in the file */
	char *name;           /* display text of the whole name */
	const char *label;    /* display label: the shortest unambiguous dotted suffix */
	size_t calls;
	double total;         /* seconds, summed over calls */
	double first_t;       /* start of its first call */
	int max_level;
	bool unfinished;      /* a call still open when the program ended */
	unsigned color;       /* order of first appearance in the file */
};

struct plot_span {
	double t0, t1;
	float m0, m1;
	uint32_t func;        /* index into funcs */
	int32_t level;        /* nesting level (inferred for old files without it) */
	uint32_t calls;       /* >1: calls merged because they share pixels */
	bool unfinished;
	int32_t pid;          /* a call in a child process (FUNC's pid), else 0; its
	                       * bracket is on that child's line (plot_span_place.h) */
};

struct plot_mark {
	char *label;          /* display text */
	double t;
	float mem;
	uint32_t count;       /* >1: marks merged because they share a bucket */
};

struct plot_grid {
	double origin;        /* time of bucket 0's start */
	double width;         /* seconds per bucket; 0 before the first sample */
	double inv_width;
	size_t nbuckets;      /* a multiple of PLOT_PAGE, a power of two */
	bool fixed;           /* window: the grid never moves */
};

/* Series other than the memory lines. The breakdown (KIND) is kept
 * stacked: each is the sum of the kinds up to it, so that a band is drawn
 * between two of them from one sample. */
enum plot_extra {
	PLOT_EXTRA_ANON,      /* anon */
	PLOT_EXTRA_FILE,      /* anon + file */
	PLOT_EXTRA_SHMEM,     /* anon + file + shmem (the resident set) */
	PLOT_EXTRA_SWAP,      /* anon + file + shmem + swap */
	PLOT_EXTRA_PYHEAP,    /* PYHEAP */
	PLOT_EXTRA_GPU,       /* GPU */
	PLOT_EXTRA_CG_ANON,   /* the cgroup's (CGROUP), stacked: anon */
	PLOT_EXTRA_CG_FILE,   /* + file less shmem */
	PLOT_EXTRA_CG_SHMEM,  /* + shmem */
	PLOT_EXTRA_CG_KERNEL, /* + kernel */
	PLOT_EXTRA_CG_SOCK,   /* + sock */
	PLOT_EXTRA_PSI_SOME,  /* CGPRESSURE: stall rate since the record before, ms per s */
	PLOT_EXTRA_PSI_FULL,
	PLOT_EXTRA_COUNT
};

struct plot_model {
	char *path;
	char *cmdline;        /* display text, or NULL */
	double t_abs;         /* unix time of the start (x = 0) */
	struct plot_grid grid;
	struct plot_series main;
	struct plot_series *children;
	size_t nchildren;
	struct plot_series extra[PLOT_EXTRA_COUNT]; /* n 0: none in the file */
	struct plot_func *funcs;
	size_t nfuncs;
	struct plot_span *spans;
	size_t nspans;
	struct plot_mark *marks;
	size_t nmarks;
	int max_level;        /* deepest span level, -1 without spans */
	bool has_exit;
	char exit_how[16];    /* "exit", "signal", ... */
	int exit_status;
	size_t records;       /* records read */
};

/* Read path into m, in nbuckets time buckets (0: PLOT_DEFAULT_BUCKETS; a
 * power of two), with opt's window and slope (opt NULL: neither). -1 on error
 * (reported, naming the file and line). A file without MEM samples (in the
 * window) is an error too. */
int plot_model_read(struct plot_model *m, const char *path, const struct plot_options *opt, size_t nbuckets);
void plot_model_release(struct plot_model *m);

/* --align: make x = 0 the first occurrence of the marker labelled name, or
 * else the start of the first call of the function (or timestamp block
 * .name) so named; t_abs follows. -1 (reported) when there is neither. */
int plot_model_align(struct plot_model *m, const char *name);

/* Time range of the samples of every series, and their memory range. */
void plot_model_extent(const struct plot_model *m, double *t0, double *t1, double *lo, double *hi);

/* A series resampled to pixel columns: column i covers t0 + i*(t1-t0)/ncols. */
struct plot_column {
	double tfirst, tlast;
	double min, max, first, last;
	double ipeak;         /* highest interval peak, 0: none */
	uint32_t n;
};
void plot_series_columns(const struct plot_model *m, const struct plot_series *s,
			 double t0, double t1, struct plot_column *cols, size_t ncols);
/* Least-squares trend of a series: v = a + b t. false with fewer than 2 samples. */
bool plot_series_trend(const struct plot_series *s, double *a, double *b);
/* The bucket at index i, or NULL when empty. */
const struct plot_bucket *plot_series_bucket(const struct plot_model *m, const struct plot_series *s,
					     size_t i);

/* Functions in colour order, the same in every view: by the start of their
 * first call. Returns m->nfuncs indices (caller frees); the first *ncalled of
 * them have calls. */
size_t *plot_model_func_order(const struct plot_model *m, size_t *ncalled);

/* Text from a file (escaped as profile_escape writes it, when escaped) made
 * fit to show: valid UTF-8, control bytes replaced by U+FFFD. Caller frees. */
char *plot_display_text(const char *s, size_t len, bool escaped);

/* "26 / 11 / 2026 - start at 12:25:38.886", local time, as the Python tool. */
void plot_format_start(double t, char *buf, size_t cap);

#endif
