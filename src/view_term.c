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
	const struct plot_model *models;
	size_t nmodels;
	const char *const *names;
	const struct plot_options *opt;
	int px, py;        /* plot area: first column and row */
	int pw, ph;        /* its size in cells */
	double t0, t1;     /* time range; t1 a little past the last time */
	double lo, hi;     /* memory range */
	int lw;            /* width of the y labels */
};

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

static void draw_series(struct term_plot *tp, const struct plot_model *m, const struct plot_series *s,
			uint16_t color)
{
	size_t n = (size_t)tp->pw * 2;
	struct plot_column *cols = xmalloc(n * sizeof(*cols));
	int px = 0, py = 0;
	bool have = false;

	plot_series_columns(m, s, tp->t0, tp->t1, cols, n);
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

static const char *const series_sgr[] = { "34", "32", "35", "36", "33", "94", "92", "95", "96" };

static uint16_t series_color(struct term_plot *tp, size_t index)
{
	if (index == 0)
		return 0; /* the first profile in the terminal's own colour, as black in the PNG */
	return canvas_color(&tp->cv, series_sgr[(index - 1) % ARRAY_SIZE(series_sgr)]);
}

static void format_mib(double v, char *buf, size_t cap)
{
	double a = fabs(v);

	snprintf(buf, cap, "%.*f MiB", a >= 100 ? 1 : a >= 1 ? 2 : 3, v);
}

static void format_s(double t, char *buf, size_t cap)
{
	double a = fabs(t);

	if (a >= 100)
		snprintf(buf, cap, "%.1fs", t);
	else if (a >= 1 || a == 0)
		snprintf(buf, cap, "%.2fs", t);
	else
		snprintf(buf, cap, "%.3fs", t);
}

/* Dots a label of w cells at (x, y) would hide; -1 when it does not fit. */
static int label_cost(const struct term_plot *tp, int x, int y, int w)
{
	int n = 0;

	if (x < tp->px || x + w > tp->px + tp->pw || y < tp->py || y >= tp->py + tp->ph)
		return -1;
	for (int i = x; i < x + w; i++)
		n += tp->cv.dots[(size_t)y * tp->cv.w + i] || tp->cv.ch[(size_t)y * tp->cv.w + i];
	return n;
}

/* Put a marker's label beside it where it hides the fewest dots: right or
 * left of it, or on the row above or below; the short label where the long
 * one does not fit; cut, above the marker, where neither does. */
static void place_label(struct term_plot *tp, int cx, int cy, const char *label, const char *short_label,
			uint16_t color)
{
	const char *text[2] = { label, short_label };
	int w = 0, y;

	for (int k = 0; k < 2; k++) {
		int best = -1, bx = 0, by = 0;

		w = utf8_width(text[k]);
		const int cand[][2] = {
			{ cx + 2, cy }, { cx - 1 - w, cy }, { cx + 1, cy - 1 }, { cx - w, cy - 1 },
			{ cx + 1, cy + 1 }, { cx - w, cy + 1 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
			int c = label_cost(tp, cand[i][0], cand[i][1], w);

			if (c >= 0 && (best < 0 || c < best)) {
				best = c;
				bx = cand[i][0];
				by = cand[i][1];
			}
		}
		if (best >= 0) {
			canvas_text(&tp->cv, bx, by, text[k], color, w);
			return;
		}
	}
	y = cy > tp->py ? cy - 1 : cy + 1;
	canvas_text(&tp->cv, tp->px, y, short_label, color, tp->pw);
}

static void draw_peak(struct term_plot *tp, const struct plot_model *m, size_t k)
{
	const struct plot_series *s = &m->main;
	uint16_t red = canvas_color(&tp->cv, "1;31");
	int cx, cy, right = tp->px + tp->pw;
	char mib[32], sec[32], *label;

	if (!s->peak.set)
		return;
	cx = tp->px + dot_x(tp, s->peak.t) / 2;
	cy = tp->py + dot_y(tp, s->peak.v) / 4;
	if (cx >= right)
		cx = right - 1;
	canvas_put(&tp->cv, cx, cy, 0x25cf, red); /* ● */
	format_mib(s->peak.v, mib, sizeof(mib));
	format_s(s->peak.t, sec, sizeof(sec));
	if (tp->nmodels > 1)
		label = xasprintf("peak %zu: %s at %s", k + 1, mib, sec);
	else
		label = xasprintf("peak %s at %s", mib, sec);
	place_label(tp, cx, cy, label, mib, red);
	free(label);
}

/* The kernel's high-water mark: a dotted row through the empty cells, and
 * its value at the right end when there is room. */
static void draw_kernel_peak(struct term_plot *tp, const struct plot_model *m)
{
	const struct plot_series *s = &m->main;
	uint16_t red = canvas_color(&tp->cv, "31");
	char mib[32], *label;
	int y, w, x0;
	bool room = true;

	if (!s->kernel_peak.set)
		return;
	y = tp->py + dot_y(tp, s->kernel_peak.v) / 4;
	if (y < tp->py || y >= tp->py + tp->ph)
		return;
	format_mib(s->kernel_peak.v, mib, sizeof(mib));
	label = xasprintf(" kernel peak %s", mib);
	w = utf8_width(label);
	x0 = tp->px + tp->pw - w;
	for (int x = tp->px; x < tp->px + tp->pw; x++) {
		size_t i = (size_t)y * tp->cv.w + x;

		if (tp->cv.dots[i] || tp->cv.ch[i]) {
			room &= x < x0;
			continue;
		}
		canvas_put(&tp->cv, x, y, 0x2508, red); /* ┈ */
	}
	if (room && x0 > tp->px)
		canvas_text(&tp->cv, x0, y, label, red, w);
	free(label);
}

static void draw_axes(struct term_plot *tp)
{
	struct plot_ticks yt, xt;
	int axis_x = tp->px - 1, axis_y = tp->py + tp->ph, last_end = -1, min_px = 6;
	char buf[64];

	for (int y = tp->py; y < axis_y; y++)
		canvas_put(&tp->cv, axis_x, y, 0x2502, 0); /* │ */
	canvas_put(&tp->cv, axis_x, axis_y, 0x2514, 0); /* └ */
	for (int x = tp->px; x < tp->px + tp->pw; x++)
		canvas_put(&tp->cv, x, axis_y, 0x2500, 0); /* ─ */
	if (plot_ticks_choose(tp->lo, tp->hi, tp->ph * 4, 8, &yt))
		for (int i = 0; i < yt.n; i++) {
			int y = tp->py + dot_y(tp, plot_tick_value(&yt, i)) / 4;

			if (y < tp->py || y >= axis_y)
				continue;
			plot_tick_label(&yt, i, buf, sizeof(buf));
			canvas_text(&tp->cv, axis_x - 1 - utf8_width(buf), y, buf, 0, tp->lw);
			canvas_put(&tp->cv, axis_x, y, 0x2524, 0); /* ┤ */
		}
	/* x ticks: labels at least their width apart */
	for (int round = 0; round < 3; round++) {
		int widest = 0;

		if (!plot_ticks_choose(tp->t0, tp->t1, tp->pw, min_px, &xt))
			return;
		for (int i = 0; i < xt.n; i++) {
			plot_tick_label(&xt, i, buf, sizeof(buf));
			if (utf8_width(buf) > widest)
				widest = utf8_width(buf);
		}
		if (widest + 2 <= min_px)
			break;
		min_px = widest + 2;
	}
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

/* Colours of a model's functions, by the start of their first call, as the PNG. */
static uint16_t *func_colors(struct term_plot *tp, const struct plot_model *m)
{
	size_t ncalled;
	size_t *ix = plot_model_func_order(m, &ncalled);
	uint16_t *col = xcalloc(m->nfuncs + 1, sizeof(*col));

	for (size_t r = 0; r < m->nfuncs; r++) {
		double rgb[3];

		plot_func_color((unsigned)r, rgb);
		col[ix[r]] = canvas_rgb(&tp->cv, rgb);
	}
	free(ix);
	return col;
}

/* Calls as bars, one row per nesting level: ├name 0.62s──┤ */
static void draw_spans(struct term_plot *tp, const struct plot_model *m, int row0, int rows)
{
	uint16_t *col = func_colors(tp, m);

	for (size_t i = 0; i < m->nspans; i++) {
		const struct plot_span *s = &m->spans[i];
		const struct plot_func *f = &m->funcs[s->func];
		int y = row0 + s->level, c0, c1, w;
		char dur[32], *label;

		if (s->level < 0 || s->level >= rows || s->t1 < tp->t0 || s->t0 > tp->t1)
			continue;
		c0 = dot_x(tp, s->t0) / 2;
		c1 = dot_x(tp, s->t1) / 2;
		if (c0 < 0)
			c0 = 0;
		if (c1 >= tp->pw)
			c1 = tp->pw - 1;
		if (c1 < c0)
			c1 = c0;
		w = c1 - c0 + 1;
		c0 += tp->px;
		c1 += tp->px;
		if (w == 1) {
			canvas_put(&tp->cv, c0, y, 0x2502, col[s->func]); /* │ */
			continue;
		}
		canvas_put(&tp->cv, c0, y, 0x251c, col[s->func]); /* ├ */
		for (int x = c0 + 1; x < c1; x++)
			canvas_put(&tp->cv, x, y, 0x2500, col[s->func]);
		canvas_put(&tp->cv, c1, y, 0x2524, col[s->func]); /* ┤ */
		format_s(s->t1 - s->t0, dur, sizeof(dur));
		if (s->calls > 1)
			label = xasprintf("%s x%u %s", f->label, (unsigned)s->calls, dur);
		else
			label = xasprintf("%s %s", f->label, dur);
		if (utf8_width(label) > w - 2 && utf8_width(f->label) <= w - 2)
			canvas_text(&tp->cv, c0 + 1, y, f->label, col[s->func], w - 2);
		else if (w - 2 >= 2)
			canvas_text(&tp->cv, c0 + 1, y, label, col[s->func], w - 2);
		free(label);
	}
	free(col);
}

static void draw_marks(struct term_plot *tp, int row)
{
	uint16_t grey = canvas_color(&tp->cv, "90");

	for (size_t k = 0; k < tp->nmodels; k++) {
		const struct plot_model *m = &tp->models[k];

		for (size_t i = 0; i < m->nmarks; i++) {
			const struct plot_mark *mk = &m->marks[i];
			int x, next = tp->px + tp->pw;

			if (mk->t < tp->t0 || mk->t > tp->t1)
				continue;
			x = tp->px + dot_x(tp, mk->t) / 2;
			if (i + 1 < m->nmarks)
				next = tp->px + dot_x(tp, m->marks[i + 1].t) / 2;
			canvas_put(&tp->cv, x, row, 0x25b2, grey); /* ▲ */
			canvas_text(&tp->cv, x + 1, row, mk->label, grey, next - x - 2);
		}
	}
}

/* The legend, wrapped on up to rows lines from row. Returns the lines used
 * (or that would be used when draw is false). */
static int draw_legend(struct term_plot *tp, int row, int rows, bool draw)
{
	struct strvec text = { 0 };
	uint16_t *colors = NULL;
	size_t ncolors = 0, cap = 0, index = 0;
	int x = 0, y = 0, used;
	char start[64], mib[32];

	for (size_t k = 0; k < tp->nmodels; k++) {
		const struct plot_model *m = &tp->models[k];
		const char *name = tp->names && tp->names[k] ? tp->names[k] : m->path;
		double a, b;

		plot_format_start(m->t_abs, start, sizeof(start));
		if (tp->nmodels > 1)
			strvec_push_nodup(&text, xasprintf("\u2501 %zu: %s", k + 1, name ? name : start));
		else
			strvec_push_nodup(&text, xasprintf("\u2501 %s", start));
		xgrow((void **)&colors, &cap, ncolors + 1, sizeof(*colors));
		colors[ncolors++] = series_color(tp, index++);
		if (tp->opt->slope && plot_series_trend(&m->main, &a, &b)) {
			strvec_push_nodup(&text, xasprintf("slope %.3f MiB/s", b));
			xgrow((void **)&colors, &cap, ncolors + 1, sizeof(*colors));
			colors[ncolors] = colors[ncolors - 1];
			ncolors++;
		}
		if (m->main.kernel_peak.set) {
			format_mib(m->main.kernel_peak.v, mib, sizeof(mib));
			strvec_push_nodup(&text, xasprintf("kernel peak %s", mib));
			xgrow((void **)&colors, &cap, ncolors + 1, sizeof(*colors));
			colors[ncolors++] = canvas_color(&tp->cv, "31");
		}
	}
	for (size_t k = 0; k < tp->nmodels; k++) {
		const struct plot_model *m = &tp->models[k];

		for (size_t i = 0; i < m->nchildren; i++) {
			const struct plot_series *c = &m->children[i];

			if (!c->n)
				continue;
			strvec_push_nodup(&text, c->name ? xasprintf("\u2501 child %ld (%s)", c->pid, c->name)
						  : xasprintf("\u2501 child %ld", c->pid));
			xgrow((void **)&colors, &cap, ncolors + 1, sizeof(*colors));
			colors[ncolors++] = series_color(tp, index++);
		}
	}
	for (size_t i = 0; i < text.n; i++) {
		int w = utf8_width(text.v[i]);

		if (x > 0 && x + w > tp->cv.w) {
			x = 0;
			y++;
		}
		if (y >= rows)
			break;
		if (draw)
			canvas_text(&tp->cv, x, row + y, text.v[i], colors[i], tp->cv.w - x);
		x += w + 3;
	}
	used = text.n ? (y < rows ? y + 1 : rows) : 0;
	strvec_clear(&text);
	free(colors);
	return used;
}

static int y_label_width(const struct term_plot *tp)
{
	struct plot_ticks yt;
	char buf[64];
	int w = 3; /* "MiB" above them */

	if (plot_ticks_choose(tp->lo, tp->hi, tp->ph * 4, 8, &yt))
		for (int i = 0; i < yt.n; i++) {
			plot_tick_label(&yt, i, buf, sizeof(buf));
			if (utf8_width(buf) > w)
				w = utf8_width(buf);
		}
	return w;
}

static void plot_ranges(struct term_plot *tp)
{
	double t0 = 0, t1 = 0, lo = 0, hi = 0;

	for (size_t i = 0; i < tp->nmodels; i++) {
		const struct plot_model *m = &tp->models[i];
		double a, b, c, d;

		plot_model_extent(m, &a, &b, &c, &d);
		if (m->main.kernel_peak.set && m->main.kernel_peak.v > d)
			d = m->main.kernel_peak.v;
		if (!i || a < t0)
			t0 = a;
		if (!i || b > t1)
			t1 = b;
		if (!i || c < lo)
			lo = c;
		if (!i || d > hi)
			hi = d;
	}
	if (tp->opt->window) {
		t0 = tp->opt->w0;
		t1 = tp->opt->w1;
	}
	if (!(t1 > t0))
		t1 = t0 + 1;
	tp->t0 = t0;
	tp->t1 = t1 + (t1 - t0) * 1e-6;
	plot_nice_range(lo, hi, &tp->lo, &tp->hi);
}

int view_term_write(FILE *f, const struct plot_model *models, size_t nmodels, const char *const *names,
		    const struct plot_options *opt, const struct view_term_options *t)
{
	struct term_plot tp = { .models = models, .nmodels = nmodels, .names = names, .opt = opt };
	int W = t->width < VIEW_TERM_MIN_WIDTH ? VIEW_TERM_MIN_WIDTH : t->width;
	int H = t->height < VIEW_TERM_MIN_HEIGHT ? VIEW_TERM_MIN_HEIGHT : t->height;
	int levels = 0, span_rows, mark_rows = 0, legend_rows, row;
	const char *title = opt->title;
	size_t index;

	if (!nmodels)
		return error("no profile to show");
	for (size_t i = 0; i < nmodels; i++) {
		if (!opt->no_funcs && models[i].max_level + 1 > levels)
			levels = models[i].max_level + 1;
		if (models[i].nmarks)
			mark_rows = 1;
	}
	if (!title)
		title = nmodels == 1 && models[0].cmdline ? models[0].cmdline : "";
	plot_ranges(&tp);
	canvas_init(&tp.cv, W, H);

	/* rows: title, plot, axis, tick labels, calls, markers, legend */
	legend_rows = draw_legend(&tp, 0, 2, false);
	span_rows = levels;
	if (span_rows > (H - 3 - mark_rows - legend_rows - 4) / 2)
		span_rows = (H - 3 - mark_rows - legend_rows - 4) / 2;
	if (span_rows < 0)
		span_rows = 0;
	tp.ph = H - 3 - span_rows - mark_rows - legend_rows;
	if (tp.ph < 3) {
		mark_rows = 0;
		legend_rows = legend_rows > 1 ? 1 : legend_rows;
		tp.ph = H - 3 - span_rows - mark_rows - legend_rows;
	}
	tp.py = 1;
	tp.lw = y_label_width(&tp);
	tp.px = tp.lw + 2;
	tp.pw = W - tp.px - 1;

	canvas_text(&tp.cv, tp.lw - 3, 0, "MiB", 0, 3);
	{
		int tw = utf8_width(title), x = tp.px + (tp.pw - tw) / 2;

		if (x < tp.px)
			x = tp.px;
		canvas_text(&tp.cv, x, 0, title, canvas_color(&tp.cv, "1"), W - x);
	}
	draw_axes(&tp);
	/* children first, then the profiles, the first one on top */
	index = nmodels;
	for (size_t i = 0; i < nmodels; i++)
		for (size_t k = 0; k < models[i].nchildren; k++)
			if (models[i].children[k].n)
				draw_series(&tp, &models[i], &models[i].children[k], series_color(&tp, index++));
	for (size_t i = nmodels; i-- > 0;)
		draw_series(&tp, &models[i], &models[i].main, series_color(&tp, i));
	if (!opt->no_funcs)
		for (size_t i = 0; i < nmodels; i++) {
			draw_kernel_peak(&tp, &models[i]);
			draw_peak(&tp, &models[i], i);
		}
	row = tp.py + tp.ph + 2;
	if (span_rows)
		for (size_t i = 0; i < nmodels; i++)
			draw_spans(&tp, &models[i], row, span_rows);
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
