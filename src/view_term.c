#include "view_term.h"
#include "plot_layout.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

int view_color_parse(const char *s, enum view_color *out)
{
	static const struct {
		const char *name;
		enum view_color c;
	} names[] = {
		{ "auto", VIEW_COLOR_AUTO }, { "always", VIEW_COLOR_ALWAYS }, { "never", VIEW_COLOR_NEVER },
		{ "yes", VIEW_COLOR_ALWAYS }, { "no", VIEW_COLOR_NEVER },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].c;
			return 0;
		}
	return -1;
}

static int env_int(const char *name)
{
	const char *s = getenv(name);
	long v;

	if (!s || parse_long(s, &v) < 0 || v <= 0 || v > 100000)
		return 0;
	return (int)v;
}

void view_term_resolve(struct view_term_options *t, int fd, int width, int height, enum view_color color)
{
	struct winsize ws = { 0 };
	bool tty = isatty(fd);
	bool have_ws = tty && ioctl(fd, TIOCGWINSZ, &ws) == 0;

	t->width = width > 0 ? width : env_int("COLUMNS");
	if (t->width <= 0)
		t->width = have_ws && ws.ws_col ? ws.ws_col : 80;
	t->height = height > 0 ? height : env_int("LINES") > 0 ? env_int("LINES") - 1 : 0;
	if (t->height <= 0)
		t->height = have_ws && ws.ws_row ? ws.ws_row - 1 : 23;
	if (t->width < VIEW_TERM_MIN_WIDTH)
		t->width = VIEW_TERM_MIN_WIDTH;
	if (t->height < VIEW_TERM_MIN_HEIGHT)
		t->height = VIEW_TERM_MIN_HEIGHT;
	if (color == VIEW_COLOR_AUTO) {
		const char *nc = getenv("NO_COLOR");

		t->color = tty && !(nc && *nc);
	} else {
		t->color = color == VIEW_COLOR_ALWAYS;
	}
}

/* ---- a grid of character cells ---- */

struct canvas {
	int w, h;
	uint32_t *ch;      /* code point; 0: blank */
	uint16_t *col;     /* colour: 0 default, else index + 1 into sgr */
	uint8_t *dots;     /* braille dots of each cell */
	struct strvec sgr; /* SGR parameters ("1;31") */
};

static void canvas_init(struct canvas *cv, int w, int h)
{
	memset(cv, 0, sizeof(*cv));
	cv->w = w;
	cv->h = h;
	cv->ch = xcalloc((size_t)w * h, sizeof(*cv->ch));
	cv->col = xcalloc((size_t)w * h, sizeof(*cv->col));
	cv->dots = xcalloc((size_t)w * h, sizeof(*cv->dots));
}

static void canvas_release(struct canvas *cv)
{
	free(cv->ch);
	free(cv->col);
	free(cv->dots);
	strvec_clear(&cv->sgr);
}

static uint16_t canvas_color(struct canvas *cv, const char *sgr)
{
	for (size_t i = 0; i < cv->sgr.n; i++)
		if (!strcmp(cv->sgr.v[i], sgr))
			return (uint16_t)(i + 1);
	strvec_push(&cv->sgr, sgr);
	return (uint16_t)cv->sgr.n;
}

/* The xterm 256-colour cube entry nearest to rgb. */
static uint16_t canvas_rgb(struct canvas *cv, const double rgb[3])
{
	int q[3];
	char buf[24];

	for (int i = 0; i < 3; i++) {
		double v = rgb[i] * 255;

		q[i] = v < 48 ? 0 : v < 115 ? 1 : (int)((v - 35) / 40);
		if (q[i] > 5)
			q[i] = 5;
	}
	snprintf(buf, sizeof(buf), "38;5;%d", 16 + 36 * q[0] + 6 * q[1] + q[2]);
	return canvas_color(cv, buf);
}

static void canvas_put(struct canvas *cv, int x, int y, uint32_t ch, uint16_t color)
{
	if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
		return;
	cv->ch[(size_t)y * cv->w + x] = ch;
	cv->col[(size_t)y * cv->w + x] = color;
}

static uint32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

	if (n)
		c &= 0x3f >> n;
	(*p)++;
	for (int i = 0; i < n && (**p & 0xc0) == 0x80; i++, (*p)++)
		c = c << 6 | (**p & 0x3f);
	return c;
}

static int utf8_width(const char *s)
{
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

/* Write s from column x, at most maxw cells; cut text ends with an ellipsis.
 * Returns the cells written. */
static int canvas_text(struct canvas *cv, int x, int y, const char *s, uint16_t color, int maxw)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = utf8_width(s), n = 0;

	if (maxw <= 0)
		return 0;
	while (*p && n < maxw) {
		uint32_t c = utf8_next(&p);

		if (w > maxw && n == maxw - 1)
			c = 0x2026;
		canvas_put(cv, x + n++, y, c, color);
	}
	return n;
}

static void put_utf8(FILE *f, uint32_t c)
{
	if (c < 0x80) {
		putc((int)c, f);
	} else if (c < 0x800) {
		putc((int)(0xc0 | c >> 6), f);
		putc((int)(0x80 | (c & 0x3f)), f);
	} else if (c < 0x10000) {
		putc((int)(0xe0 | c >> 12), f);
		putc((int)(0x80 | ((c >> 6) & 0x3f)), f);
		putc((int)(0x80 | (c & 0x3f)), f);
	} else {
		putc((int)(0xf0 | c >> 18), f);
		putc((int)(0x80 | ((c >> 12) & 0x3f)), f);
		putc((int)(0x80 | ((c >> 6) & 0x3f)), f);
		putc((int)(0x80 | (c & 0x3f)), f);
	}
}

static void canvas_print(const struct canvas *cv, FILE *f, bool color)
{
	for (int y = 0; y < cv->h; y++) {
		const uint32_t *row = &cv->ch[(size_t)y * cv->w];
		const uint16_t *cols = &cv->col[(size_t)y * cv->w];
		const uint8_t *dots = &cv->dots[(size_t)y * cv->w];
		uint16_t cur = 0;
		int end = cv->w;

		while (end > 0 && !row[end - 1] && !dots[end - 1])
			end--;
		for (int x = 0; x < end; x++) {
			uint32_t c = row[x] ? row[x] : dots[x] ? 0x2800u + dots[x] : ' ';
			uint16_t k = c == ' ' ? cur : cols[x];

			if (color && k != cur) {
				fputs("\033[0m", f);
				if (k)
					fprintf(f, "\033[%sm", cv->sgr.v[k - 1]);
				cur = k;
			}
			put_utf8(f, c);
		}
		if (color && cur)
			fputs("\033[0m", f);
		putc('\n', f);
	}
}

/* ---- the plot ---- */

/* Bits of the braille dots of a cell: [row][column]. */
static const uint8_t braille_bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };

struct term_plot {
	struct canvas cv;
	const struct scene *sc;
	int px, py;        /* plot area: first column and row */
	int pw, ph;        /* its size in cells */
	double t0, t1;     /* time range; t1 a little past the last time */
	double lo, hi;     /* memory range */
	int lw;            /* width of the y labels */
	int psi_rows;      /* the memory pressure lane's */
};

#define PSI_ROWS 2

static int dot_x(const struct term_plot *tp, double t)
{
	return (int)floor((t - tp->t0) / (tp->t1 - tp->t0) * tp->pw * 2);
}

static int dot_y(const struct term_plot *tp, double v)
{
	return (int)lrint((tp->hi - v) / (tp->hi - tp->lo) * (tp->ph * 4 - 1));
}

static void set_dot(struct term_plot *tp, int dx, int dy, uint16_t color)
{
	size_t i;

	if (dx < 0 || dy < 0 || dx >= tp->pw * 2 || dy >= tp->ph * 4)
		return;
	i = (size_t)(tp->py + dy / 4) * tp->cv.w + tp->px + dx / 2;
	tp->cv.dots[i] |= braille_bit[dy % 4][dx % 2];
	tp->cv.col[i] = color;
}

static void dot_line(struct term_plot *tp, int x0, int y0, int x1, int y1, uint16_t color)
{
	int dx = abs(x1 - x0), dy = abs(y1 - y0), steps = dx > dy ? dx : dy;

	for (int k = 0; k <= steps; k++) {
		double f = steps ? (double)k / steps : 0;

		set_dot(tp, (int)lrint(x0 + f * (x1 - x0)), (int)lrint(y0 + f * (y1 - y0)), color);
	}
}

static double interpolate(const struct plot_point *a, const struct plot_point *b, double t)
{
	if (!(b->t != a->t))
		return b->v;
	return a->v + (b->v - a->v) * (t - a->t) / (b->t - a->t);
}

/* A colour of the scene: black is the terminal's own colour (0). */
static uint16_t term_color(struct term_plot *tp, struct scene_rgb c)
{
	const double rgb[3] = { c.r, c.g, c.b };

	if (c.r == 0 && c.g == 0 && c.b == 0)
		return 0;
	return canvas_rgb(&tp->cv, rgb);
}

static void draw_series(struct term_plot *tp, const struct scene_line *ln)
{
	const struct plot_series *s = ln->series;
	size_t n = (size_t)tp->pw * 2;
	struct plot_column *cols = xmalloc(n * sizeof(*cols));
	uint16_t color = term_color(tp, ln->color);
	int px = 0, py = 0;
	bool have = false;

	plot_series_columns(&tp->sc->models[ln->model], s, tp->t0, tp->t1, cols, n);
	if (s->before.set && s->first.set) {
		px = 0;
		py = dot_y(tp, interpolate(&s->before, &s->first, tp->t0));
		have = true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct plot_column *c = &cols[i];

		if (!c->n)
			continue;
		if (have)
			dot_line(tp, px, py, (int)i, dot_y(tp, c->first), color);
		dot_line(tp, (int)i, dot_y(tp, c->max), (int)i, dot_y(tp, c->min), color);
		px = (int)i;
		py = dot_y(tp, c->last);
		have = true;
	}
	if (have && s->after.set && s->last.set)
		dot_line(tp, px, py, (int)n - 1, dot_y(tp, interpolate(&s->last, &s->after, tp->t1)), color);
	free(cols);
}

/* The dots of a band's shading, a pattern per kind so that they differ
 * without colours too: checks, rows, columns, sparse. */
static bool stack_dot(int kind, int x, int y)
{
	switch (kind % 4) {
	case 0: return (x + y) % 2 == 0;
	case 1: return y % 2 == 0;
	case 2: return x % 2 == 0;
	default: return x % 2 == 0 && y % 2 == 0;
	}
}

/* A kind of memory (--breakdown): its band shaded with part of the dots, so
 * that the lines drawn over it stand out. */
static void draw_stack(struct term_plot *tp, const struct scene_stack *b)
{
	size_t n = (size_t)tp->pw * 2;
	struct plot_column *up = xmalloc(n * sizeof(*up)), *lo = xcalloc(n, sizeof(*lo));
	const struct plot_model *m = &tp->sc->models[b->model];
	uint16_t color = term_color(tp, b->color);
	double vu = 0, vl = 0;
	size_t last = 0;
	bool have = false;

	plot_series_columns(m, b->upper, tp->t0, tp->t1, up, n);
	if (b->lower)
		plot_series_columns(m, b->lower, tp->t0, tp->t1, lo, n);
	for (size_t i = 0; i < n; i++)
		if (up[i].n)
			last = i;
	/* between two samples, the earlier one holds */
	for (size_t i = 0; i <= last && last < n; i++) {
		int top, bottom;

		if (up[i].n) {
			vu = up[i].last;
			vl = b->lower ? lo[i].last : 0;
			have = true;
		}
		if (!have)
			continue;
		top = dot_y(tp, vu);
		bottom = dot_y(tp, vl);
		if (b->lower && bottom > top)
			bottom--; /* the dot of the band below is its own */
		for (int y = top; y <= bottom; y++)
			if (stack_dot(b->kind, (int)i, y))
				set_dot(tp, (int)i, y, color);
	}
	free(up);
	free(lo);
}

/* Interval peaks: a stippled band (every other dot) over each interval whose
 * peak went above the line, from the sample before to its sample, from the
 * line up to the peak; under the lines, which are drawn after. */
static void draw_band(struct term_plot *tp, const struct scene_band *b)
{
	const struct scene_line *ln = &tp->sc->lines[b->line];
	size_t n = (size_t)tp->pw * 2;
	struct plot_column *cols = xmalloc(n * sizeof(*cols));
	uint16_t color = term_color(tp, b->color);
	int prev = -1;
	double prev_v = 0;

	plot_series_columns(&tp->sc->models[ln->model], ln->series, tp->t0, tp->t1, cols, n);
	for (size_t i = 0; i < n; i++) {
		const struct plot_column *c = &cols[i];
		double base = prev < 0 || prev_v < c->max ? c->max : prev_v;

		if (!c->n)
			continue;
		for (int x = prev < 0 ? (int)i : prev + 1; c->ipeak > base && x <= (int)i; x++)
			for (int y = dot_y(tp, c->ipeak); y < dot_y(tp, base); y++)
				if ((x + y) % 2 == 0 || x == (int)i)
					set_dot(tp, x, y, color);
		prev = (int)i;
		prev_v = c->last;
	}
	free(cols);
}

static bool cell_used(const struct term_plot *tp, int x, int y)
{
	size_t i = (size_t)y * tp->cv.w + x;

	return tp->cv.dots[i] || tp->cv.ch[i];
}

/* Whether a label of w cells at (x, y) fits in the plot and covers nothing. */
static bool label_free(const struct term_plot *tp, int x, int y, int w)
{
	if (x < tp->px || x + w > tp->px + tp->pw || y < tp->py || y >= tp->py + tp->ph)
		return false;
	for (int i = x; i < x + w; i++)
		if (cell_used(tp, i, y))
			return false;
	return true;
}

/* Put a peak's label beside it where it covers nothing: right or left of
 * it, or on a row above or below; the short label where the long one does
 * not fit; none where neither does (the legend has the value). */
static void place_label(struct term_plot *tp, int cx, int cy, const struct scene_peak *p, uint16_t color)
{
	const char *text[2] = { p->label, p->short_label };

	for (int k = 0; k < 2; k++) {
		int w = utf8_width(text[k]);
		const int cand[][2] = {
			{ cx + 2, cy }, { cx - 1 - w, cy }, { cx + 1, cy - 1 }, { cx - w, cy - 1 },
			{ cx + 1, cy + 1 }, { cx - w, cy + 1 }, { cx + 1, cy - 2 }, { cx - w, cy - 2 },
			{ cx + 1, cy + 2 }, { cx - w, cy + 2 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cand); i++)
			if (label_free(tp, cand[i][0], cand[i][1], w)) {
				canvas_text(&tp->cv, cand[i][0], cand[i][1], text[k], color, w);
				return;
			}
	}
}

/* A sampled peak: a dot and its label. */
static void draw_peak(struct term_plot *tp, const struct scene_peak *p)
{
	uint16_t color = term_color(tp, p->color);
	int cx = tp->px + dot_x(tp, p->t) / 2, cy = tp->py + dot_y(tp, p->v) / 4, right = tp->px + tp->pw;

	if (p->t < tp->t0 || p->t > tp->t1)
		return;
	if (cx >= right)
		cx = right - 1;
	canvas_put(&tp->cv, cx, cy, 0x25cf, color); /* ● */
	place_label(tp, cx, cy, p, color);
}

/* The kernel's high-water mark: a dotted row through the empty cells. */
static int kernel_row(struct term_plot *tp, const struct scene_peak *p)
{
	uint16_t color = term_color(tp, p->color);
	int y = tp->py + dot_y(tp, p->v) / 4;

	if (y < tp->py || y >= tp->py + tp->ph)
		return -1;
	for (int x = tp->px; x < tp->px + tp->pw; x++)
		if (!cell_used(tp, x, y))
			canvas_put(&tp->cv, x, y, 0x2508, color); /* ┈ */
	return y;
}

/* Its value at the right end, over the dotted row only. */
static void kernel_label(struct term_plot *tp, const struct scene_peak *p)
{
	int y = tp->py + dot_y(tp, p->v) / 4;

	if (y < tp->py || y >= tp->py + tp->ph)
		return;
	for (int k = 0; k < 2; k++) {
		char *label = xasprintf(" %s", k ? p->short_label : p->label);
		int w = utf8_width(label), x0 = tp->px + tp->pw - w;
		bool room = x0 > tp->px;

		for (int x = x0; room && x < tp->px + tp->pw; x++)
			room = tp->cv.ch[(size_t)y * tp->cv.w + x] == 0x2508;
		if (room)
			canvas_text(&tp->cv, x0, y, label, term_color(tp, p->color), w);
		free(label);
		if (room)
			return;
	}
}

static void draw_peaks(struct term_plot *tp)
{
	const struct scene *sc = tp->sc;

	for (size_t i = 0; i < sc->npeaks; i++)
		if (sc->peaks[i].kind == SCENE_PEAK_KERNEL)
			kernel_row(tp, &sc->peaks[i]);
	for (size_t i = 0; i < sc->npeaks; i++)
		if (sc->peaks[i].kind != SCENE_PEAK_KERNEL)
			draw_peak(tp, &sc->peaks[i]);
	for (size_t i = 0; i < sc->npeaks; i++)
		if (sc->peaks[i].kind == SCENE_PEAK_KERNEL)
			kernel_label(tp, &sc->peaks[i]);
}

static int y_ticks(const struct term_plot *tp, struct plot_ticks *yt)
{
	return plot_ticks_choose(tp->lo, tp->hi, tp->ph * 4, 8, yt);
}

static void draw_y_axis(struct term_plot *tp)
{
	struct plot_ticks yt;
	int axis_x = tp->px - 1, axis_y = tp->py + tp->ph;
	char buf[64];

	for (int y = tp->py; y < axis_y; y++)
		canvas_put(&tp->cv, axis_x, y, 0x2502, 0); /* │ */
	canvas_put(&tp->cv, axis_x, axis_y, 0x2514, 0); /* └ */
	for (int x = tp->px; x < tp->px + tp->pw; x++)
		canvas_put(&tp->cv, x, axis_y, 0x2500, 0); /* ─ */
	if (!y_ticks(tp, &yt))
		return;
	for (int i = 0; i < yt.n; i++) {
		int y = tp->py + dot_y(tp, plot_tick_value(&yt, i)) / 4;

		if (y < tp->py || y >= axis_y)
			continue;
		plot_tick_label(&yt, i, buf, sizeof(buf));
		canvas_text(&tp->cv, axis_x - 1 - utf8_width(buf), y, buf, 0, tp->lw);
		canvas_put(&tp->cv, axis_x, y, 0x2524, 0); /* ┤ */
	}
}

/* x ticks: labels at least their width apart. false: none. */
static bool x_ticks(const struct term_plot *tp, struct plot_ticks *xt)
{
	char buf[64];
	int min_px = 6;

	for (int round = 0; round < 3; round++) {
		int widest = 0;

		if (!plot_ticks_choose(tp->t0, tp->t1, tp->pw, min_px, xt))
			return false;
		for (int i = 0; i < xt->n; i++) {
			plot_tick_label(xt, i, buf, sizeof(buf));
			if (utf8_width(buf) > widest)
				widest = utf8_width(buf);
		}
		if (widest + 2 <= min_px)
			break;
		min_px = widest + 2;
	}
	return true;
}

static void draw_axes(struct term_plot *tp)
{
	struct plot_ticks xt;
	int axis_y = tp->py + tp->ph, last_end = -1;
	char buf[64];

	draw_y_axis(tp);
	if (!x_ticks(tp, &xt))
		return;
	for (int i = 0; i < xt.n; i++) {
		int x = tp->px + dot_x(tp, plot_tick_value(&xt, i)) / 2, w, lx;

		if (x < tp->px || x >= tp->px + tp->pw)
			continue;
		canvas_put(&tp->cv, x, axis_y, 0x252c, 0); /* ┬ */
		plot_tick_label(&xt, i, buf, sizeof(buf));
		w = utf8_width(buf);
		lx = x - w / 2;
		if (lx < 0)
			lx = 0;
		if (lx <= last_end || lx + w > tp->cv.w)
			continue;
		canvas_text(&tp->cv, lx, axis_y + 1, buf, 0, w);
		last_end = lx + w;
	}
	/* the unit, right-aligned after the last label */
	if (last_end >= 0) {
		const char *unit = last_end + 2 + 7 <= tp->cv.w ? "seconds" : "s";

		if (last_end + 1 + (int)strlen(unit) <= tp->cv.w)
			canvas_text(&tp->cv, tp->cv.w - (int)strlen(unit), axis_y + 1, unit, 0, 7);
	}
}

/* One call as a bar, ├name 0.621 s──┤, on its level's row. */
static void draw_span(struct term_plot *tp, size_t model, const struct plot_span *s, int row0, int rows)
{
	const struct scene_func *sf = scene_func_of(tp->sc, model, s->func);
	uint16_t color = term_color(tp, sf->color);
	int y = row0 + s->level, c0, c1, w;
	char dur[32], *label;

	if (s->level < 0 || s->level >= rows || s->t1 < tp->t0 || s->t0 > tp->t1)
		return;
	c0 = dot_x(tp, s->t0) / 2;
	c1 = dot_x(tp, s->t1) / 2;
	c0 = c0 < 0 ? 0 : c0;
	c1 = c1 >= tp->pw ? tp->pw - 1 : c1 < c0 ? c0 : c1;
	w = c1 - c0 + 1;
	c0 += tp->px;
	c1 += tp->px;
	if (w == 1) {
		canvas_put(&tp->cv, c0, y, 0x2502, color); /* │ */
		return;
	}
	canvas_put(&tp->cv, c0, y, 0x251c, color); /* ├ */
	for (int x = c0 + 1; x < c1; x++)
		canvas_put(&tp->cv, x, y, 0x2500, color);
	canvas_put(&tp->cv, c1, y, 0x2524, color); /* ┤ */
	scene_format_secs(tp->sc, s->t1 - s->t0, dur, sizeof(dur));
	if (s->calls > 1)
		label = xasprintf("%s x%u %s", sf->func->label, (unsigned)s->calls, dur);
	else
		label = xasprintf("%s %s", sf->func->label, dur);
	if (utf8_width(label) > w - 2 && utf8_width(sf->func->label) <= w - 2)
		canvas_text(&tp->cv, c0 + 1, y, sf->func->label, color, w - 2);
	else if (w - 2 >= 2)
		canvas_text(&tp->cv, c0 + 1, y, label, color, w - 2);
	free(label);
}

static void draw_marks(struct term_plot *tp, int row)
{
	uint16_t color = term_color(tp, scene_mark_color);

	for (size_t k = 0; k < tp->sc->nmodels; k++) {
		const struct plot_model *m = &tp->sc->models[k];

		for (size_t i = 0; i < m->nmarks; i++) {
			const struct plot_mark *mk = &m->marks[i];
			int x, next = tp->px + tp->pw;

			if (mk->t < tp->t0 || mk->t > tp->t1)
				continue;
			x = tp->px + dot_x(tp, mk->t) / 2;
			if (i + 1 < m->nmarks)
				next = tp->px + dot_x(tp, m->marks[i + 1].t) / 2;
			canvas_put(&tp->cv, x, row, 0x25b2, color); /* ▲ */
			canvas_text(&tp->cv, x + 1, row, mk->label, color, next - x - 2);
		}
	}
}

/* ---- the legend ---- */

static const char *key_glyph(enum scene_key key)
{
	switch (key) {
	case SCENE_KEY_LINE: return "\u2501";      /* ━ */
	case SCENE_KEY_PEAK: return "\u25cf";      /* ● */
	case SCENE_KEY_KERNEL: return "\u2508";    /* ┈ */
	case SCENE_KEY_FUNC: return "\u251c\u2524"; /* ├┤ */
	case SCENE_KEY_MARKS: return "\u25b2";     /* ▲ */
	case SCENE_KEY_STACK: return "\u2592";     /* ▒ */
	case SCENE_KEY_BAND: return "\u2591";      /* ░ */
	}
	return "";
}

/* The first shown entries, and "+N more" when that is not all, side by
 * side from row, wrapped on at most rows lines. Returns the lines used, or
 * -1 when they do not fit. */
static int legend_flow(struct term_plot *tp, size_t shown, int row, int rows, bool draw)
{
	const struct scene *sc = tp->sc;
	int x = 0, y = 0;

	for (size_t i = 0; i < shown + (shown < sc->nlegend); i++) {
		char *text = i < shown ? xasprintf("%s %s", key_glyph(sc->legend[i].key), sc->legend[i].text)
				       : scene_more_text(sc->nlegend - shown);
		int w = utf8_width(text);

		if (x > 0 && x + w > tp->cv.w) {
			x = 0;
			y++;
		}
		if (y >= rows) {
			free(text);
			return -1;
		}
		if (draw)
			canvas_text(&tp->cv, x, row + y, text,
				    i < shown ? term_color(tp, sc->legend[i].color) : 0, tp->cv.w - x);
		x += w + 3;
		free(text);
	}
	return sc->nlegend ? y + 1 : 0;
}

/* As many entries as fit in rows lines, in the scene's order. Returns the
 * lines used. */
static int draw_legend(struct term_plot *tp, int row, int rows, bool draw)
{
	size_t shown = tp->sc->nlegend;
	int used;

	while ((used = legend_flow(tp, shown, row, rows, false)) < 0 && shown > 0)
		shown--;
	if (used < 0)
		return 0;
	if (draw)
		legend_flow(tp, shown, row, rows, true);
	return used;
}

/* ---- the drawing ---- */

static int y_label_width(const struct term_plot *tp)
{
	struct plot_ticks yt;
	char buf[64];
	int w = 3; /* "MiB" above them */

	if (y_ticks(tp, &yt))
		for (int i = 0; i < yt.n; i++) {
			plot_tick_label(&yt, i, buf, sizeof(buf));
			if (utf8_width(buf) > w)
				w = utf8_width(buf);
		}
	return w;
}

/* Memory pressure: one stall rate as columns of dots from the lane's bottom
 * (rows from row), the higher of each dot column; between two records the
 * earlier one holds. */
static void pressure_dots(struct term_plot *tp, const struct plot_series *s, struct scene_rgb c, int row, int rows)
{
	const struct scene_pressure *p = &tp->sc->pressure;
	size_t n = (size_t)tp->pw * 2, last = 0;
	struct plot_column *cols = xmalloc(n * sizeof(*cols));
	uint16_t color = term_color(tp, c);
	double v = 0;
	bool have = false;

	plot_series_columns(&tp->sc->models[p->model], s, tp->t0, tp->t1, cols, n);
	for (size_t i = 0; i < n; i++)
		if (cols[i].n)
			last = i;
	for (size_t i = 0; i <= last && last < n; i++) {
		int h;

		if (cols[i].n) {
			v = cols[i].max;
			have = true;
		}
		h = have ? (int)lrint(v / p->hi * rows * 4) : 0;
		for (int d = 0; d < h && d < rows * 4; d++) {
			int dy = rows * 4 - 1 - d;
			size_t k = (size_t)(row + dy / 4) * tp->cv.w + tp->px + i / 2;

			tp->cv.dots[k] |= braille_bit[dy % 4][i % 2];
			tp->cv.col[k] = color;
		}
	}
	free(cols);
}

/* The memory pressure lane under the tick labels: some, full over it, "PSI"
 * beside it. */
static void draw_pressure(struct term_plot *tp, int row, int rows)
{
	if (!rows)
		return;
	canvas_text(&tp->cv, 0, row + rows - 1, "PSI", 0, tp->lw + 1);
	pressure_dots(tp, tp->sc->pressure.some, scene_pressure_some_color, row, rows);
	pressure_dots(tp, tp->sc->pressure.full, scene_pressure_full_color, row, rows);
}

/* Rows: title, plot, axis, tick labels, pressure, calls, markers, legend. */
static void term_layout(struct term_plot *tp, int W, int H, int *span_rows, int *mark_rows, int *legend_rows)
{
	const struct scene *sc = tp->sc;
	int legend_max = H >= 24 ? 3 : H >= 16 ? 2 : 1;

	tp->psi_rows = sc->pressure.some ? PSI_ROWS : 0;
	H -= tp->psi_rows;
	*mark_rows = 0;
	for (size_t i = 0; i < sc->nmodels; i++)
		if (sc->models[i].nmarks)
			*mark_rows = 1;
	*legend_rows = draw_legend(tp, 0, legend_max, false);
	*span_rows = sc->show_funcs ? sc->max_level + 1 : 0;
	if (*span_rows > (H - 3 - *mark_rows - *legend_rows - 4) / 2)
		*span_rows = (H - 3 - *mark_rows - *legend_rows - 4) / 2;
	if (*span_rows < 0)
		*span_rows = 0;
	tp->ph = H - 3 - *span_rows - *mark_rows - *legend_rows;
	if (tp->ph < 3) {
		*mark_rows = 0;
		*legend_rows = *legend_rows > 1 ? 1 : *legend_rows;
		tp->ph = H - 3 - *span_rows - *mark_rows - *legend_rows;
	}
	tp->py = 1;
	tp->lw = y_label_width(tp);
	tp->px = tp->lw + 2;
	tp->pw = W - tp->px - 1;
}

static void draw_title(struct term_plot *tp, int W)
{
	const char *title = tp->sc->title ? tp->sc->title : "";
	int tw = utf8_width(title), x = tp->px + (tp->pw - tw) / 2;

	canvas_text(&tp->cv, tp->lw - 3, 0, "MiB", 0, 3);
	if (x + tw > W)
		x = W - tw;
	if (x < tp->lw + 1)
		x = tp->lw + 1;
	canvas_text(&tp->cv, x, 0, title, canvas_color(&tp->cv, "1"), W - x);
}

int view_term_write(FILE *f, const struct scene *sc, const struct view_term_options *t)
{
	struct term_plot tp = { .sc = sc };
	int W = t->width < VIEW_TERM_MIN_WIDTH ? VIEW_TERM_MIN_WIDTH : t->width;
	int H = t->height < VIEW_TERM_MIN_HEIGHT ? VIEW_TERM_MIN_HEIGHT : t->height;
	int span_rows, mark_rows, legend_rows, row;

	tp.t0 = sc->t0;
	tp.t1 = sc->t1 > sc->t0 ? sc->t1 : sc->t0 + 1;
	tp.t1 += (tp.t1 - tp.t0) * 1e-6;
	tp.lo = sc->ylo;
	tp.hi = sc->yhi;
	canvas_init(&tp.cv, W, H);
	term_layout(&tp, W, H, &span_rows, &mark_rows, &legend_rows);
	draw_title(&tp, W);
	draw_axes(&tp);
	for (size_t i = 0; i < sc->nstacks; i++)
		draw_stack(&tp, &sc->stacks[i]);
	for (size_t i = 0; i < sc->nbands; i++)
		draw_band(&tp, &sc->bands[i]);
	/* the first line on top */
	for (size_t i = sc->nlines; i-- > 0;)
		draw_series(&tp, &sc->lines[i]);
	draw_peaks(&tp);
	row = tp.py + tp.ph + 2;
	draw_pressure(&tp, row, tp.psi_rows);
	row += tp.psi_rows;
	for (size_t k = 0; span_rows && k < sc->nmodels; k++)
		for (size_t i = 0; i < sc->models[k].nspans; i++)
			draw_span(&tp, k, &sc->models[k].spans[i], row, span_rows);
	row += span_rows;
	if (mark_rows)
		draw_marks(&tp, row);
	row += mark_rows;
	draw_legend(&tp, row, legend_rows, true);

	canvas_print(&tp.cv, f, t->color);
	canvas_release(&tp.cv);
	if (fflush(f) != 0 || ferror(f))
		return error_errno("cannot write the plot");
	return 0;
}
