#include "follow.h"

#include "live_view.h"
#include "plot_model.h"
#include "scene.h"
#include "term.h"
#include "util.h"
#include "view_html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRAME_MS 500

/* The terminal: redrawn in place while it is one; otherwise nothing is
 * drawn until the end (no escapes in a file or a pipe). */
static int follow_terminal(const char *path, const struct plot_target *to, double last)
{
	bool tty = term_enter(STDOUT_FILENO, STDIN_FILENO, true) == 0;
	struct live_state ls = { 0 };
	struct view_term_options tv;
	bool ended = false;

	while (!ended) {
		struct live_frame f = { 0 };
		int cols = 0, lines = 0, key;
		char line[512];

		if (tty)
			term_size(STDOUT_FILENO, &cols, &lines);
		view_term_resolve(&tv, STDOUT_FILENO, to->cols ? to->cols : cols,
				  to->lines ? to->lines : lines - 1, to->color);
		f.cols = tv.width;
		f.lines = tv.height;
		f.color = tv.color;
		f.last = last;
		if (live_view_frame(&ls, path, &f) > 0) {
			ended = f.ended;
			snprintf(line, sizeof(line), "following %s: %.1f s; q to stop", path, f.t1);
		} else {
			snprintf(line, sizeof(line), "following %s: waiting for its first samples; q to stop", path);
		}
		if (tty && term_draw(STDOUT_FILENO, f.text ? f.text : "", f.len) == 0)
			term_line(STDOUT_FILENO, line, tv.width);
		free(f.text);
		key = ended ? 0 : term_key(-1, FRAME_MS);
		if (key == 'q' || key == 'Q')
			break;
	}
	term_leave();
	return 0;
}

/* The page, written beside itself and renamed over it: a browser never reads
 * half of one. */
static int write_page(const char *out, const char *path, const struct plot_options *popt, bool refresh)
{
	struct plot_model m = { 0 };
	struct plot_options opt = *popt;
	struct scene sc;
	char *tmp = xasprintf("%s.XXXXXX", out);
	mode_t mask = umask(0);
	FILE *f = NULL;
	int fd, rc = -1;

	umask(mask);
	if (plot_model_read(&m, path, &opt, VIEW_HTML_BUCKETS) < 0)
		goto done;
	if (scene_build(&sc, &m, 1, &opt) < 0)
		goto done;
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0666 & ~mask) < 0 || !(f = fdopen(fd, "w"))) {
		rc = error_errno("cannot create '%s'", tmp);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
	} else {
		view_html_set_refresh(refresh ? FOLLOW_PAGE_SECS : 0);
		rc = view_html_write_stream(f, out, &sc);
		if (fclose(f) != 0 && rc == 0)
			rc = error_errno("cannot write '%s'", tmp);
		if (rc == 0 && rename(tmp, out) < 0)
			rc = error_errno("cannot rename '%s' to '%s'", tmp, out);
		if (rc < 0)
			unlink(tmp);
	}
	scene_release(&sc);
done:
	plot_model_release(&m);
	free(tmp);
	return rc;
}

/* Has the file changed since *st? */
static bool changed(const char *path, struct stat *st)
{
	struct stat now;

	if (stat(path, &now) < 0)
		return false;
	if (now.st_size == st->st_size && now.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == st->st_mtim.tv_nsec)
		return false;
	*st = now;
	return true;
}

static int follow_html(const char *path, const struct plot_options *opt, const char *out)
{
	struct stat st = { 0 };
	struct live_state ls = { 0 };

	for (;;) {
		struct live_frame f = { .cols = VIEW_TERM_MIN_WIDTH, .lines = VIEW_TERM_MIN_HEIGHT };

		if (changed(path, &st) && live_view_frame(&ls, path, &f) > 0) {
			free(f.text);
			if (write_page(out, path, opt, !f.ended) < 0)
				return -1;
			if (f.ended)
				return 0;
		}
		sleep(FOLLOW_PAGE_SECS);
	}
}

int follow_run(const char *path, const struct plot_options *opt, const struct plot_target *to, double last)
{
	enum plot_view view;
	char *const paths[] = { (char *)path, NULL };

	if (plot_view_of(to, &view) < 0)
		return error("'%s': unknown format", to->output);
	if (view == PLOT_VIEW_HTML)
		return follow_html(path, opt, to->output);
	if (view != PLOT_VIEW_TERMINAL)
		return error("--follow draws in the terminal or on an HTML page, not in '%s'", to->output);
	if (follow_terminal(path, to, last) < 0)
		return -1;
	/* The last picture, where it stays. */
	return plot_write(paths, 1, opt, to);
}
