/* scene: everything a view of profiles shows, worked out once from the
 * models and the options, before anything is drawn: the title, the ranges,
 * the memory lines and their colours, the peaks and their labels, the
 * functions' colours, the legend in one order, and the number formats.
 *
 * Knows nothing of cairo, HTML or terminals: the picture (plot_draw), the
 * HTML page (view_html) and the terminal (view_term) only draw a scene, so
 * they show the same things.
 *
 * Adding a series: a memory line (a sum, a breakdown) is one more entry of
 * lines, made in scene_lines; every view then draws it, with its colour, its
 * legend entry and its peak. A new kind of thing to draw (say, bands of
 * interval peaks) gets its array here, its items' legend entries (a new
 * scene_key; the entry's ref says which item it stands for) and a value in
 * the ranges; each view then needs only its drawing of one item.
 */
#ifndef MPROF_SCENE_H
#define MPROF_SCENE_H

#include "plot_model.h"
#include "plot_options.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scene_rgb {
	double r, g, b;   /* 0 to 1 */
};

/* What a legend entry stands for, and so how its sample is drawn. */
enum scene_key {
	SCENE_KEY_LINE,     /* a memory line: ref indexes lines */
	SCENE_KEY_PEAK,     /* a sampled peak, dashed lines: ref indexes peaks */
	SCENE_KEY_KERNEL,   /* the kernel's high-water mark, dotted: ref indexes peaks */
	SCENE_KEY_FUNC,     /* a function's calls, brackets or boxes: ref indexes funcs */
	SCENE_KEY_MARKS,    /* a profile's markers: ref is the model */
	SCENE_KEY_STACK,    /* a kind of memory, stacked: ref indexes stacks */
	SCENE_KEY_BAND,     /* interval peaks, a light band: ref indexes bands */
};

struct scene_entry {
	enum scene_key key;
	size_t ref;
	struct scene_rgb color;
	char *text;
};

/* A memory line: the program of one profile, or one of its children. */
struct scene_line {
	size_t model;                     /* index into models */
	const struct plot_series *series;
	struct scene_rgb color;
	bool trend;                       /* -s and enough samples: v = a + b t */
	bool aux;                         /* another measure (Python heap, GPU): no peak */
	double a, b;
	size_t entry;                     /* its legend entry */
};

enum scene_peak_kind {
	SCENE_PEAK_SAMPLED,   /* the highest reading of a profile's program */
	SCENE_PEAK_CHILDREN,  /* the highest reading of any of its children */
	SCENE_PEAK_KERNEL,    /* the kernel's mark, drawn when above the readings */
};

struct scene_peak {
	enum scene_peak_kind kind;
	size_t line;           /* the line it belongs to */
	double t, v;           /* the kernel's: t is when it was recorded */
	double sampled;        /* the kernel's: the line's highest reading */
	struct scene_rgb color;
	char *label;           /* "peak 149.8 MiB at 0.904 s", the legend's text too */
	char *short_label;     /* "149.8 MiB", where the long one does not fit */
	size_t entry;
};

/* One kind of memory of a profile's program (--breakdown): the band between
 * two stacked series (lower NULL: from 0), under the memory line. */
struct scene_stack {
	size_t model;
	int kind;                         /* its place in its stack (enum mem_kind
					   * for the program's) */
	const struct plot_series *lower, *upper;
	struct scene_rgb color;
	size_t entry;
};

/* The interval peaks of a line (IPEAK, CHLDIPEAK): a light band, or
 * whiskers, from each sample up to the highest memory of its interval. */
struct scene_band {
	size_t line;            /* the line it belongs to */
	struct scene_rgb color; /* the line's, to be drawn light */
	size_t entry;
};

/* The text of a band's hover or tooltip. */
#define SCENE_BAND_HOVER "highest in this interval"

/* A function of one profile. */
struct scene_func {
	size_t model;
	const struct plot_func *func;
	unsigned rank;          /* colour order over the profiles shown */
	struct scene_rgb color;
	size_t entry;           /* its legend entry; SIZE_MAX: none (no calls) */
};

/* Memory pressure (CGPRESSURE): a lane under the plot, the stall rate of
 * the first profile that has it, from 0 up to hi; some over full. */
struct scene_pressure {
	const struct plot_series *some, *full; /* NULL: no lane */
	size_t model;
	double hi;              /* ms per s at the top of the lane */
	char *label;            /* "memory stall (some, full): peak 12.5 ms/s" */
};
extern const struct scene_rgb scene_pressure_some_color, scene_pressure_full_color;
#define SCENE_PRESSURE_SOME_ALPHA 0.8 /* some's fill; full is opaque over it */

struct scene {
	const struct plot_model *models;
	size_t nmodels;
	char *title;            /* NULL: none */
	const char *xlabel, *ylabel;
	double t0, t1;          /* time shown: the window, or all the samples */
	double lo, hi;          /* memory shown: the samples, and the kernel peaks drawn */
	double ylo, yhi;        /* the memory axis: a nice range around lo, hi */
	bool window;
	bool show_funcs;        /* calls drawn ... */
	bool flame;             /* ... as flame rectangles, else as brackets */
	int max_level;          /* deepest level of the calls drawn, -1: none */
	struct scene_line *lines;
	size_t nlines;
	struct scene_peak *peaks;
	size_t npeaks;
	struct scene_stack *stacks; /* drawn first, in order, before the lines */
	size_t nstacks;
	struct scene_band *bands;
	size_t nbands, bands_cap;
	struct scene_func *funcs; /* every model's functions, model by model */
	size_t nfuncs;
	size_t *func_base;      /* per model: index of its first function in funcs */
	struct scene_pressure pressure;
	struct scene_entry *legend; /* in the order every view lists them */
	size_t nlegend;
	size_t lines_cap, peaks_cap, legend_cap, stacks_cap; /* while building */
};

/* Build the scene of n models (overlaid when more than one). -1 (reported)
 * when there is no model. */
int scene_build(struct scene *sc, const struct plot_model *models, size_t n, const struct plot_options *opt);
void scene_release(struct scene *sc);

/* The scene's entry for function f of model m. */
static inline const struct scene_func *scene_func_of(const struct scene *sc, size_t m, uint32_t f)
{
	return &sc->funcs[sc->func_base[m] + f];
}

/* Colours: memory lines by their order, functions by their colour rank. */
struct scene_rgb scene_line_color(size_t index);
struct scene_rgb scene_func_color(unsigned rank);
extern const struct scene_rgb scene_peak_color, scene_kernel_color, scene_mark_color;
/* The kinds of memory (enum mem_kind), and the Python heap and GPU lines. */
struct scene_rgb scene_kind_color(int kind);
extern const struct scene_rgb scene_pyheap_color, scene_gpu_color;
/* How opaque a stacked kind's fill is (its colour over the background). */
#define SCENE_STACK_ALPHA 0.55

/* Number formats every view uses: "149.8 MiB", "5.00 MiB", "0.500 MiB"; and
 * seconds with as many decimals as the scene's time range needs, "0.904 s". */
void scene_format_mib(double v, char *buf, size_t cap);
void scene_format_secs(const struct scene *sc, double t, char *buf, size_t cap);
/* "+3 more": the legend entries a view had no room for. Caller frees. */
char *scene_more_text(size_t n);
/* A marker's label, "label (+2)" when marks were merged. Caller frees. */
char *scene_mark_label(const struct plot_mark *k);

#endif
