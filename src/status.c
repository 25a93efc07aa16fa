#include "status.h"

#include "live_view.h"
#include "plot_loader.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS_PER_MS 1000000ull
#define PUBLISH_NS (100 * NS_PER_MS) /* the sampler hands its figures over */
#define LINE_NS (1000 * NS_PER_MS)   /* the status line is redrawn */
#define FRAME_NS (500 * NS_PER_MS)   /* the live view is redrawn, at most */
#define FRAME_SHARE 20               /* ... and waits 20 times its drawing: at most 5% of a CPU */
#define SPAN_MAX 96
#define DRAW_NICE 10                 /* the drawing yields to the sampler */

struct figures {
	double mem, peak, hwm;
	unsigned long samples;
	char span[SPAN_MAX];
};

struct status {
	struct status_opts o;
	char *path;
	pthread_t thread;
	pthread_mutex_t lock;   /* guards fig */
	struct figures fig;
	atomic_bool stop;
	int wake[2];            /* a byte here wakes the thread to stop */
	uint64_t t0;
	uint64_t next_publish;  /* the sampler's alone */
	/* the thread's alone */
	bool live, line;
	struct live_state ls;
	live_view_frame_fn frame;
};

void status_format(char *buf, size_t cap, double elapsed, double mem, double peak, double hwm,
		   unsigned long samples, const char *span)
{
	int n = snprintf(buf, cap, "mprof %.1f s | now %.1f MiB | peak %.1f MiB", elapsed, mem, peak);

	if (n < 0 || (size_t)n >= cap)
		return;
	if (hwm > 0)
		n += snprintf(buf + n, cap - (size_t)n, " (exact %.1f)", hwm);
	if ((size_t)n >= cap)
		return;
	n += snprintf(buf + n, cap - (size_t)n, " | %lu sample%s", samples, samples == 1 ? "" : "s");
	if (span && *span && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " | in %s", span);
}

/* A span's name made fit for one line: control bytes become '?'. */
static void copy_span(char *dst, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i < SPAN_MAX - 1; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

bool status_due(struct status *st, uint64_t now_ns)
{
	if (now_ns < st->next_publish)
		return false;
	st->next_publish = now_ns + PUBLISH_NS;
	return true;
}

void status_publish(struct status *st, double mem, double peak, double hwm, unsigned long samples,
		    const char *span)
{
	if (pthread_mutex_trylock(&st->lock) != 0)
		return;
	st->fig.mem = mem;
	st->fig.peak = peak;
	st->fig.hwm = hwm;
	st->fig.samples = samples;
	copy_span(st->fig.span, span);
	pthread_mutex_unlock(&st->lock);
}

static void line_text(struct status *st, char *buf, size_t cap)
{
	struct figures f;

	pthread_mutex_lock(&st->lock);
	f = st->fig;
	pthread_mutex_unlock(&st->lock);
	status_format(buf, cap, (double)(mono_ns() - st->t0) / 1e9, f.mem, f.peak, f.hwm, f.samples, f.span);
}

/* One picture of the profile, with the status line under it. */
static void draw_frame(struct status *st)
{
	struct live_frame f = { 0 };
	char line[512];
	int cols = 80, lines = 24;
	const char *nc = getenv("NO_COLOR");

	term_size(st->o.fd, &cols, &lines);
	f.cols = cols;
	f.lines = lines - 1;
	f.color = !(nc && *nc);
	f.last = st->o.last;
	line_text(st, line, sizeof(line));
	if (st->frame(&st->ls, st->path, &f) <= 0) {
		f.text = xasprintf("waiting for the first samples in %s\n", st->path);
		f.len = strlen(f.text);
	}
	if (term_draw(st->o.fd, f.text, f.len) == 0)
		term_line(st->o.fd, line, cols);
	free(f.text);
}

static void draw_line(struct status *st)
{
	char line[512];
	int cols = 80, lines;

	term_size(st->o.fd, &cols, &lines);
	line_text(st, line, sizeof(line));
	term_line(st->o.fd, line, cols);
}

/* A lower priority for this thread alone (Linux: a thread's nice value is
 * its own), so that on a busy machine the drawing waits, not the sampler. */
static void yield_to_sampler(void)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), nice + DRAW_NICE);
}

/* The live view needs the plot module; without it, the status line. */
static bool live_start(struct status *st)
{
	*(void **)&st->frame = plot_module_symbol(LIVE_VIEW_FRAME);
	if (!st->frame)
		return false;
	return term_enter(st->o.fd, st->o.in_fd, false) == 0;
}

static void *run(void *arg)
{
	struct status *st = arg;
	uint64_t next = 0;

	yield_to_sampler();
	/* Loading the module takes a while: here, not in the sampler's way. */
	if (st->live)
		st->live = live_start(st);
	while (!atomic_load(&st->stop) && (st->live || st->line)) {
		uint64_t now = mono_ns();
		int key;

		if (now >= next) {
			uint64_t wait = st->live ? FRAME_NS : LINE_NS;

			if (st->live)
				draw_frame(st);
			else
				draw_line(st);
			/* A long profile takes longer to read: redraw less often. */
			if ((mono_ns() - now) * FRAME_SHARE > wait)
				wait = (mono_ns() - now) * FRAME_SHARE;
			now = mono_ns();
			next = now + wait;
		}
		key = term_key(st->wake[0], now < next ? (int)((next - now) / NS_PER_MS) + 1 : 0);
		if (st->live && (key == 'q' || key == 'Q' || key < 0)) {
			/* Stop watching; the run goes on, with its status line. */
			st->live = false;
			term_leave();
			next = 0;
		}
	}
	return NULL;
}

struct status *status_start(const struct status_opts *o)
{
	struct status *st;
	sigset_t all, old;

	if ((!o->line && !o->live) || !isatty(o->fd)) {
		if (o->live)
			warning("--live: standard error is not a terminal: no live view");
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->o = *o;
	st->path = xstrdup(o->path);
	st->t0 = mono_ns();
	st->line = o->line;
	if (pipe(st->wake) < 0) {
		free(st->path);
		free(st);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	atomic_init(&st->stop, false);
	st->live = o->live;
	/* Signals stay with the sampler (its signalfd). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&st->thread, NULL, run, st) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		st->thread = pthread_self();
		status_stop(st);
		return NULL;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return st;
}

void status_stop(struct status *st)
{
	char b = 1;

	if (!st)
		return;
	atomic_store(&st->stop, true);
	if (write(st->wake[1], &b, 1) < 0) {
		/* the flag alone stops it, at its next wake-up */
	}
	if (!pthread_equal(st->thread, pthread_self()))
		pthread_join(st->thread, NULL);
	if (st->live) {
		/* The last picture, on the normal screen, where it stays. */
		struct live_frame f = { 0 };
		int cols = 80, lines = 24;
		const char *nc = getenv("NO_COLOR");

		term_leave();
		term_size(st->o.fd, &cols, &lines);
		f.cols = cols;
		f.lines = lines - 1;
		f.color = !(nc && *nc);
		f.last = st->o.last;
		if (st->frame(&st->ls, st->path, &f) > 0)
			write_all(st->o.fd, f.text, f.len);
		free(f.text);
	} else if (st->line) {
		term_line(st->o.fd, NULL, 0);
	}
	close(st->wake[0]);
	close(st->wake[1]);
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
}
