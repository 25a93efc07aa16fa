#include "scene.h"

#include "breakdown.h"
#include "plot_layout.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Memory lines, in the Python tool's order: k, b, r, g, c, y, m. */
static const struct scene_rgb line_colors[] = {
	{ 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 0 }, { 0, 0.5, 0 },
	{ 0, 0.75, 0.75 }, { 0.75, 0.75, 0 }, { 0.75, 0, 0.75 },
};

/* Functions: the Python tool's c, y, g first, then more, without its red
 * (the peak lines are red). */
static const struct scene_rgb func_colors[] = {
	{ 0, 0.75, 0.75 }, { 0.75, 0.75, 0 }, { 0, 0.5, 0 }, { 0.58, 0.40, 0.74 },
	{ 1, 0.5, 0.05 }, { 0.55, 0.34, 0.29 }, { 0.89, 0.47, 0.76 }, { 0.12, 0.47, 0.71 },
	{ 0.5, 0.5, 0.5 }, { 0.74, 0.74, 0.13 },
};

const struct scene_rgb scene_peak_color = { 1, 0, 0 };
const struct scene_rgb scene_kernel_color = { 0.6, 0, 0 };
const struct scene_rgb scene_mark_color = { 0.30, 0.30, 0.45 };
const struct scene_rgb scene_pyheap_color = { 0.85, 0.40, 0.0 };
const struct scene_rgb scene_gpu_color = { 0.46, 0.73, 0.0 };

/* anon, file, shmem, swap */
static const struct scene_rgb kind_colors[MEM_KIND_COUNT] = {
	{ 0.40, 0.60, 0.90 }, { 0.45, 0.80, 0.45 }, { 0.95, 0.65, 0.25 }, { 0.70, 0.55, 0.85 },
};

struct scene_rgb scene_kind_color(int kind)
{
	return kind_colors[kind % MEM_KIND_COUNT];
}

struct scene_rgb scene_line_color(size_t index)
{
	return line_colors[index % ARRAY_SIZE(line_colors)];
}

struct scene_rgb scene_func_color(unsigned rank)
{
	return func_colors[rank % ARRAY_SIZE(func_colors)];
}

/* ---- number formats ---- */

void scene_format_mib(double v, char *buf, size_t cap)
{
	double a = fabs(v);

	snprintf(buf, cap, "%.*f MiB", a >= 100 ? 1 : a >= 1 ? 2 : 3, v);
}

void scene_format_secs(const struct scene *sc, double t, char *buf, size_t cap)
{
	double range = sc->t1 - sc->t0;

	snprintf(buf, cap, "%.*f s", range >= 100 ? 1 : range >= 1 ? 3 : 4, t);
}

static void format_rate(double v, char *buf, size_t cap)
{
	double a = fabs(v);

	if (a >= 100)
		snprintf(buf, cap, "%.1f MiB/s", v);
	else if (a >= 1 || a == 0)
		snprintf(buf, cap, "%.3f MiB/s", v);
	else
		snprintf(buf, cap, "%.3g MiB/s", v);
}

char *scene_more_text(size_t n)
{
	return xasprintf("+%zu more", n);
}

char *scene_mark_label(const struct plot_mark *k)
{
	return k->count > 1 ? xasprintf("%s (+%u)", k->label, k->count - 1) : xstrdup(k->label);
}

/* ---- building ---- */

/* A profile's file name, for its entries: the path's last part (the whole
 * path when that is empty). */
static const char *file_label(const char *path)
{
	const char *s = path ? path_base(path) : NULL;

	return s && *s ? s : path ? path : "profile";
}

/* In an overlay, whatever belongs to one profile starts with its file's name. */
static void model_prefix(const struct scene *sc, size_t i, char *buf, size_t cap)
{
	if (sc->nmodels > 1)
		snprintf(buf, cap, "%s: ", file_label(sc->models[i].path));
	else
		buf[0] = '\0';
}

static size_t entry_add(struct scene *sc, enum scene_key key, size_t ref, struct scene_rgb c, char *text)
{
	XGROW(sc->legend, sc->legend_cap, sc->nlegend + 1);
	sc->legend[sc->nlegend] = (struct scene_entry){ key, ref, c, text };
	return sc->nlegend++;
}

/* The command line (or --title), and how the program ended when that was
 * not a plain exit 0. NULL for none. */
static char *scene_title(const struct plot_model *models, size_t n, const struct plot_options *opt)
{
	const struct plot_model *m = &models[0];
	const char *base = opt->title ? opt->title : n == 1 ? m->cmdline : NULL;
	const char *sep = base ? " " : "";

	if (n != 1 || opt->title || !m->has_exit)
		return base ? xstrdup(base) : NULL;
	if (!base)
		base = "";
	if (!strcmp(m->exit_how, "signal"))
		return xasprintf("%s%s(killed by signal %d)", base, sep, m->exit_status);
	if (!strcmp(m->exit_how, "exit") && m->exit_status)
		return xasprintf("%s%s(exit status %d)", base, sep, m->exit_status);
	return *base ? xstrdup(base) : NULL;
}

static char *line_text(const struct scene *sc, size_t i, const struct plot_series *s)
{
	const struct plot_model *m = &sc->models[i];
	char pre[256], start[96];

	model_prefix(sc, i, pre, sizeof(pre));
	if (s->pid == PLOT_CGROUP_PID)
		return xasprintf("%scgroup (page cache and kernel memory included)", pre);
	if (s->pid && s->name)
		return xasprintf("%schild %ld (%s)", pre, s->pid, s->name);
	if (s->pid)
		return xasprintf("%schild %ld", pre, s->pid);
	plot_format_start(m->t_abs, start, sizeof(start));
	return xasprintf("%s%s", pre, start);
}

static void line_add(struct scene *sc, size_t i, const struct plot_series *s, bool slope)
{
	struct scene_line *l;
	char *text = line_text(sc, i, s);

	XGROW(sc->lines, sc->lines_cap, sc->nlines + 1);
	l = &sc->lines[sc->nlines];
	memset(l, 0, sizeof(*l));
	l->model = i;
	l->series = s;
	l->color = scene_line_color(sc->nlines);
	if (slope && plot_series_trend(s, &l->a, &l->b)) {
		char rate[48], *t;

		l->trend = true;
		format_rate(l->b, rate, sizeof(rate));
		t = xasprintf("%s, slope %s", text, rate);
		free(text);
		text = t;
	}
	l->entry = entry_add(sc, SCENE_KEY_LINE, sc->nlines, l->color, text);
	sc->nlines++;
}

/* A run in a cgroup: its charge, the last line of its profile. */
static void cgroup_line(struct scene *sc, size_t i, bool slope)
{
	const struct plot_model *m = &sc->models[i];

	for (size_t k = 0; k < m->nchildren; k++)
		if (m->children[k].pid == PLOT_CGROUP_PID && m->children[k].n)
			line_add(sc, i, &m->children[k], slope);
}

/* The Python heap and GPU lines of a profile: their own colour and name. */
static void aux_add(struct scene *sc, size_t i, const struct plot_series *s, struct scene_rgb c, const char *what)
{
	struct scene_line *l;
	char pre[256];

	if (!s->n)
		return;
	model_prefix(sc, i, pre, sizeof(pre));
	XGROW(sc->lines, sc->lines_cap, sc->nlines + 1);
	l = &sc->lines[sc->nlines];
	memset(l, 0, sizeof(*l));
	l->model = i;
	l->series = s;
	l->color = c;
	l->aux = true;
	l->entry = entry_add(sc, SCENE_KEY_LINE, sc->nlines, c, xasprintf("%s%s", pre, what));
	sc->nlines++;
}

static void scene_lines(struct scene *sc, const struct plot_options *opt)
{
	for (size_t i = 0; i < sc->nmodels; i++) {
		const struct plot_model *m = &sc->models[i];

		line_add(sc, i, &m->main, opt->slope);
		for (size_t k = 0; k < m->nchildren; k++)
			if (m->children[k].n && m->children[k].pid != PLOT_CGROUP_PID)
				line_add(sc, i, &m->children[k], opt->slope);
		cgroup_line(sc, i, opt->slope);
		aux_add(sc, i, &m->extra[PLOT_EXTRA_PYHEAP], scene_pyheap_color, "Python heap (tracemalloc)");
		aux_add(sc, i, &m->extra[PLOT_EXTRA_GPU], scene_gpu_color, "GPU memory");
	}
}

/* cgroup: anon, file (less shmem), shmem, kernel, sock */
static const struct scene_rgb cgroup_kind_colors[] = {
	{ 0.20, 0.35, 0.70 }, { 0.15, 0.55, 0.50 }, { 0.80, 0.45, 0.10 }, { 0.55, 0.20, 0.25 }, { 0.60, 0.35, 0.65 },
};
static const char *const cgroup_kind_names[] = { "cgroup anon", "cgroup file", "cgroup shmem", "cgroup kernel",
						 "cgroup sock" };

/* Where a profile's bands come from: the program's kinds (KIND), the
 * cgroup's (CGROUP). */
static const struct stack_source {
	int first, count;     /* its stacked series in plot_model.extra */
	const struct scene_rgb *colors;
	const char *const *names; /* NULL: mem_kind_name */
} stack_sources[] = {
	{ PLOT_EXTRA_ANON, MEM_KIND_COUNT, kind_colors, NULL },
	{ PLOT_EXTRA_CG_ANON, ARRAY_SIZE(cgroup_kind_names), cgroup_kind_colors, cgroup_kind_names },
};

static void stack_add(struct scene *sc, size_t i, const struct stack_source *src, int k, const char *pre)
{
	const struct plot_model *m = &sc->models[i];
	struct scene_stack *b;

	XGROW(sc->stacks, sc->stacks_cap, sc->nstacks + 1);
	b = &sc->stacks[sc->nstacks];
	b->model = i;
	b->kind = k;
	b->lower = k ? &m->extra[src->first + k - 1] : NULL;
	b->upper = &m->extra[src->first + k];
	b->color = src->colors[k];
	b->entry = entry_add(sc, SCENE_KEY_STACK, sc->nstacks, b->color,
			     xasprintf("%s%s", pre, src->names ? src->names[k] : mem_kind_name(k)));
	if (b->upper->peak.v > sc->hi)
		sc->hi = b->upper->peak.v;
	sc->nstacks++;
}

/* --breakdown: a band per kind of memory of each profile's program, and of
 * its cgroup. */
static void scene_stacks(struct scene *sc)
{
	for (size_t i = 0; i < sc->nmodels; i++)
		for (size_t s = 0; s < ARRAY_SIZE(stack_sources); s++) {
			const struct stack_source *src = &stack_sources[s];
			char pre[256];

			if (!sc->models[i].extra[src->first].n)
				continue;
			if (sc->lo > 0)
				sc->lo = 0; /* the bands stand on 0 */
			model_prefix(sc, i, pre, sizeof(pre));
			for (int k = 0; k < src->count; k++)
				stack_add(sc, i, src, k, pre);
		}
}

const struct scene_rgb scene_pressure_some_color = { 0.95, 0.60, 0.20 };
const struct scene_rgb scene_pressure_full_color = { 0.75, 0.10, 0.10 };

static void scene_pressure(struct scene *sc)
{
	for (size_t i = 0; i < sc->nmodels; i++) {
		const struct plot_series *some = &sc->models[i].extra[PLOT_EXTRA_PSI_SOME];
		struct scene_pressure *p = &sc->pressure;

		if (!some->n)
			continue;
		p->some = some;
		p->full = &sc->models[i].extra[PLOT_EXTRA_PSI_FULL];
		p->model = i;
		p->hi = fmax(fmax(some->peak.v, p->full->peak.v), 1.0);
		p->label = xasprintf("memory stall (some, full): peak %.1f ms/s", some->peak.v);
		return;
	}
}

static struct scene_peak *peak_add(struct scene *sc, enum scene_peak_kind kind, size_t line, struct scene_rgb c)
{
	struct scene_peak *p;

	XGROW(sc->peaks, sc->peaks_cap, sc->npeaks + 1);
	p = &sc->peaks[sc->npeaks++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->line = line;
	p->color = c;
	return p;
}

/* The highest reading of a line, labelled with its value and time. */
static void sampled_peak(struct scene *sc, size_t line, enum scene_peak_kind kind)
{
	const struct scene_line *l = &sc->lines[line];
	struct scene_peak *p = peak_add(sc, kind, line, scene_peak_color);
	char pre[256], mib[32], secs[32];

	model_prefix(sc, l->model, pre, sizeof(pre));
	p->t = l->series->peak.t;
	p->v = l->series->peak.v;
	scene_format_mib(p->v, mib, sizeof(mib));
	scene_format_secs(sc, p->t, secs, sizeof(secs));
	p->label = xasprintf("%s%s %s at %s", pre, kind == SCENE_PEAK_CHILDREN ? "children's peak" : "peak", mib,
			     secs);
	p->short_label = xstrdup(mib);
}

/* The kernel's high-water mark of a line, when the readings missed it. */
static void kernel_peak(struct scene *sc, size_t line)
{
	const struct scene_line *l = &sc->lines[line];
	const struct plot_series *s = l->series;
	struct scene_peak *p;
	char pre[256], who[48], mib[32], smp[32];

	if (!s->kernel_peak.set || !s->n || s->kernel_peak.v <= s->peak.v + 1e-9)
		return;
	p = peak_add(sc, SCENE_PEAK_KERNEL, line, s->pid ? l->color : scene_kernel_color);
	model_prefix(sc, l->model, pre, sizeof(pre));
	p->t = s->kernel_peak.t;
	p->v = s->kernel_peak.v;
	p->sampled = s->peak.v;
	scene_format_mib(p->v, mib, sizeof(mib));
	scene_format_mib(p->sampled, smp, sizeof(smp));
	if (s->pid == PLOT_CGROUP_PID)
		snprintf(who, sizeof(who), "cgroup ");
	else if (s->pid)
		snprintf(who, sizeof(who), "child %ld ", s->pid);
	else
		who[0] = '\0';
	p->label = xasprintf("%s%skernel peak %s (samples: %s)", pre, who, mib, smp);
	p->short_label = xasprintf("%s%skernel peak %s", pre, who, mib);
}

/* Per profile: the program's peak, its children's, then the kernel's marks. */
static void scene_peaks(struct scene *sc)
{
	size_t first = 0;

	for (size_t i = 0; i < sc->nmodels; i++) {
		size_t end = first, top = SIZE_MAX;

		while (end < sc->nlines && sc->lines[end].model == i && !sc->lines[end].aux)
			end++;
		sampled_peak(sc, first, SCENE_PEAK_SAMPLED);
		for (size_t k = first + 1; k < end; k++)
			if (sc->lines[k].series->pid != PLOT_CGROUP_PID && (top == SIZE_MAX || sc->lines[k].series->peak.v > sc->lines[top].series->peak.v))
				top = k;
		if (top != SIZE_MAX)
			sampled_peak(sc, top, SCENE_PEAK_CHILDREN);
		for (size_t k = first; k < end; k++)
			kernel_peak(sc, k);
		while (end < sc->nlines && sc->lines[end].model == i)
			end++;
		first = end;
	}
	for (size_t i = 0; i < sc->npeaks; i++) {
		struct scene_peak *p = &sc->peaks[i];

		p->entry = entry_add(sc, p->kind == SCENE_PEAK_KERNEL ? SCENE_KEY_KERNEL : SCENE_KEY_PEAK, i,
				     p->color, xstrdup(p->label));
	}
}

/* A band for each line with interval peaks above its samples; the memory
 * range takes them in. */
static void scene_bands(struct scene *sc)
{
	for (size_t i = 0; i < sc->nlines; i++) {
		const struct scene_line *l = &sc->lines[i];
		struct scene_band *b;
		char pre[256];

		if (l->series->ipeak_max <= 0)
			continue;
		XGROW(sc->bands, sc->bands_cap, sc->nbands + 1);
		b = &sc->bands[sc->nbands];
		b->line = i;
		b->color = l->color;
		model_prefix(sc, l->model, pre, sizeof(pre));
		b->entry = entry_add(sc, SCENE_KEY_BAND, sc->nbands, l->color,
				     l->series->pid ? xasprintf("%schild %ld: highest in each interval", pre,
								l->series->pid)
						    : xasprintf("%shighest in each interval", pre));
		if (l->series->ipeak_max > sc->hi)
			sc->hi = l->series->ipeak_max;
		sc->nbands++;
	}
}

static char *func_text(const struct scene *sc, size_t i, const struct plot_func *f)
{
	char pre[256], secs[32];

	model_prefix(sc, i, pre, sizeof(pre));
	scene_format_secs(sc, f->total, secs, sizeof(secs));
	if (f->calls == 1)
		return xasprintf("%s%s %s%s", pre, f->label, secs, f->unfinished ? " (unfinished)" : "");
	return xasprintf("%s%s %zu calls %s%s", pre, f->label, f->calls, secs, f->unfinished ? " (unfinished)" : "");
}

/* Every model's functions; colours by the start of their first call, the
 * first profile's first; legend entries for those with calls. */
static void scene_funcs(struct scene *sc)
{
	unsigned rank = 0;

	sc->func_base = xcalloc(sc->nmodels + 1, sizeof(*sc->func_base));
	for (size_t i = 0; i < sc->nmodels; i++) {
		sc->func_base[i] = sc->nfuncs;
		sc->nfuncs += sc->models[i].nfuncs;
	}
	sc->funcs = xcalloc(sc->nfuncs + 1, sizeof(*sc->funcs));
	for (size_t i = 0; i < sc->nmodels; i++) {
		const struct plot_model *m = &sc->models[i];
		size_t ncalled, *order = plot_model_func_order(m, &ncalled);

		for (size_t r = 0; r < m->nfuncs; r++) {
			struct scene_func *f = &sc->funcs[sc->func_base[i] + order[r]];

			f->model = i;
			f->func = &m->funcs[order[r]];
			f->rank = rank++;
			f->color = scene_func_color(f->rank);
			f->entry = SIZE_MAX;
			if (sc->show_funcs && m->nspans && r < ncalled)
				f->entry = entry_add(sc, SCENE_KEY_FUNC, sc->func_base[i] + order[r], f->color,
						     func_text(sc, i, f->func));
		}
		free(order);
	}
}

static void scene_marks(struct scene *sc)
{
	for (size_t i = 0; i < sc->nmodels; i++) {
		char pre[256];

		if (!sc->models[i].nmarks)
			continue;
		model_prefix(sc, i, pre, sizeof(pre));
		entry_add(sc, SCENE_KEY_MARKS, i, scene_mark_color, xasprintf("%smarkers", pre));
	}
}

/* Time and memory shown: every line's samples (or the window), and the
 * kernel peaks that are drawn. */
static void scene_ranges(struct scene *sc, const struct plot_options *opt)
{
	for (size_t i = 0; i < sc->nmodels; i++) {
		double t0, t1, lo, hi;

		plot_model_extent(&sc->models[i], &t0, &t1, &lo, &hi);
		if (!i || t0 < sc->t0)
			sc->t0 = t0;
		if (!i || t1 > sc->t1)
			sc->t1 = t1;
		if (!i || lo < sc->lo)
			sc->lo = lo;
		if (!i || hi > sc->hi)
			sc->hi = hi;
	}
	if (opt->window) {
		sc->t0 = opt->w0;
		sc->t1 = opt->w1;
	}
}

int scene_build(struct scene *sc, const struct plot_model *models, size_t n, const struct plot_options *opt)
{
	memset(sc, 0, sizeof(*sc));
	if (!n)
		return error("no profile to show");
	sc->models = models;
	sc->nmodels = n;
	sc->title = scene_title(models, n, opt);
	sc->xlabel = "time (in seconds)";
	sc->ylabel = "memory used (in MiB)";
	sc->window = opt->window;
	sc->max_level = -1;
	for (size_t i = 0; i < n; i++)
		if (!opt->no_funcs && models[i].nspans) {
			sc->show_funcs = true;
			if (models[i].max_level > sc->max_level)
				sc->max_level = models[i].max_level;
		}
	sc->flame = sc->show_funcs && opt->flame;
	scene_ranges(sc, opt);
	scene_lines(sc, opt);
	if (opt->breakdown)
		scene_stacks(sc);
	for (size_t i = 0; i < sc->nlines; i++)
		if (sc->lines[i].aux && sc->lines[i].series->peak.v > sc->hi)
			sc->hi = sc->lines[i].series->peak.v;
	scene_bands(sc);
	scene_pressure(sc);
	if (!opt->no_funcs && n == 1)
		scene_peaks(sc); /* as the Python tool: an overlay has no peak lines */
	for (size_t i = 0; i < sc->npeaks; i++)
		if (sc->peaks[i].v > sc->hi)
			sc->hi = sc->peaks[i].v;
	scene_funcs(sc);
	scene_marks(sc);
	plot_nice_range(sc->lo, sc->hi, &sc->ylo, &sc->yhi);
	return 0;
}

void scene_release(struct scene *sc)
{
	for (size_t i = 0; i < sc->npeaks; i++) {
		free(sc->peaks[i].label);
		free(sc->peaks[i].short_label);
	}
	for (size_t i = 0; i < sc->nlegend; i++)
		free(sc->legend[i].text);
	free(sc->peaks);
	free(sc->stacks);
	free(sc->pressure.label);
	free(sc->bands);
	free(sc->lines);
	free(sc->funcs);
	free(sc->func_base);
	free(sc->legend);
	free(sc->title);
	memset(sc, 0, sizeof(*sc));
}
