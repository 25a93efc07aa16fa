#include "live_view.h"

#include "plot_model.h"
#include "scene.h"
#include "util.h"
#include "view_term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_BUCKETS 2048   /* a few per braille dot column of a wide terminal */

/* The model of path, of its last seconds when asked: the window is guessed
 * from the previous picture and the time since; read whole when that fails. */
static int read_model(struct live_state *ls, const char *path, struct live_frame *f, struct plot_model *m,
		      struct plot_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	if (f->last > 0 && ls->have) {
		double end = ls->t1 + (double)(mono_ns() - ls->at_ns) / 1e9;

		if (end > f->last) {
			opt->window = true;
			opt->w0 = end - f->last;
			opt->w1 = end;
			if (plot_model_read(m, path, opt, LIVE_BUCKETS) == 0)
				return 0;
			opt->window = false;
		}
	}
	return plot_model_read(m, path, opt, LIVE_BUCKETS);
}

static int draw(const struct plot_model *m, const struct plot_options *opt, struct live_frame *f)
{
	struct view_term_options tv = { f->cols, f->lines, f->color };
	struct scene sc;
	FILE *mem;
	int rc;

	if (scene_build(&sc, m, 1, opt) < 0)
		return -1;
	mem = open_memstream(&f->text, &f->len);
	if (!mem) {
		scene_release(&sc);
		return -1;
	}
	rc = view_term_write(mem, &sc, &tv);
	if (fclose(mem) != 0)
		rc = -1;
	scene_release(&sc);
	if (rc < 0) {
		free(f->text);
		f->text = NULL;
	}
	return rc;
}

int live_view_frame(struct live_state *ls, const char *path, struct live_frame *f)
{
	struct plot_model m = { 0 };
	struct plot_options opt;
	double t0, t1, lo, hi;
	int rc;

	f->text = NULL;
	f->len = 0;
	f->ended = false;
	if (f->cols < VIEW_TERM_MIN_WIDTH)
		f->cols = VIEW_TERM_MIN_WIDTH;
	if (f->lines < VIEW_TERM_MIN_HEIGHT)
		f->lines = VIEW_TERM_MIN_HEIGHT;
	error_set_quiet(true);
	rc = read_model(ls, path, f, &m, &opt);
	error_set_quiet(false);
	if (rc < 0)
		return 0;
	plot_model_extent(&m, &t0, &t1, &lo, &hi);
	ls->t1 = f->t1 = t1;
	ls->at_ns = mono_ns();
	ls->have = true;
	f->ended = m.has_exit;
	if (f->last > 0 && !opt.window && t1 - t0 > f->last) {
		/* Longer than the window already: read its end (or keep it all
		 * when that fails). */
		struct plot_model w = { 0 };
		struct plot_options wopt = { .window = true, .w0 = t1 - f->last, .w1 = t1 };

		error_set_quiet(true);
		if (plot_model_read(&w, path, &wopt, LIVE_BUCKETS) == 0) {
			plot_model_release(&m);
			m = w;
			opt = wopt;
		}
		error_set_quiet(false);
	}
	rc = draw(&m, &opt, f);
	plot_model_release(&m);
	return rc < 0 ? 0 : 1;
}
