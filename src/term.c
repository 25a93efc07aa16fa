#include "term.h"

#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* One terminal: the state is global so that exit and signal handlers can
 * restore it. */
static struct {
	int out_fd, in_fd;
	struct termios saved;
	bool saved_ok;
	volatile sig_atomic_t active;
	bool at_exit;
	bool signals;
	struct sigaction old[3];
} tm = { .out_fd = -1, .in_fd = -1 };

static const int restore_sigs[] = { SIGTERM, SIGINT, SIGHUP };

/* Async-signal-safe: write and tcsetattr only. */
static void restore(void)
{
	static const char seq[] = TERM_ALT_OFF TERM_CURSOR_ON;

	if (!tm.active)
		return;
	tm.active = 0;
	if (tm.saved_ok)
		tcsetattr(tm.in_fd, TCSADRAIN, &tm.saved);
	if (write(tm.out_fd, seq, sizeof(seq) - 1) < 0) {
		/* nothing more can be done */
	}
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	restore();
}

bool term_active(void)
{
	return tm.active;
}

int term_enter(int out_fd, int in_fd, bool handle_signals)
{
	static const char seq[] = TERM_ALT_ON TERM_CURSOR_OFF "\033[H\033[2J";
	struct termios raw;

	if (tm.active || !isatty(out_fd))
		return -1;
	tm.out_fd = out_fd;
	tm.in_fd = in_fd >= 0 && isatty(in_fd) ? in_fd : -1;
	tm.saved_ok = tm.in_fd >= 0 && tcgetattr(tm.in_fd, &tm.saved) == 0;
	if (tm.saved_ok) {
		raw = tm.saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(tm.in_fd, TCSADRAIN, &raw);
	}
	if (!tm.at_exit) {
		atexit(at_exit);
		tm.at_exit = true;
	}
	tm.active = 1;
	if (handle_signals && !tm.signals) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < ARRAY_SIZE(restore_sigs); i++)
			sigaction(restore_sigs[i], &sa, &tm.old[i]);
		tm.signals = true;
	}
	return write_all(out_fd, seq, sizeof(seq) - 1);
}

void term_leave(void)
{
	restore();
	if (tm.signals) {
		for (size_t i = 0; i < ARRAY_SIZE(restore_sigs); i++)
			sigaction(restore_sigs[i], &tm.old[i], NULL);
		tm.signals = false;
	}
}

int term_key(int wake_fd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = tm.active ? tm.in_fd : -1, .events = POLLIN },
			       { .fd = wake_fd, .events = POLLIN } };
	unsigned char c;
	ssize_t n;

	if (poll(p, 2, timeout_ms) <= 0 || !(p[0].revents & (POLLIN | POLLHUP)))
		return 0;
	n = read(p[0].fd, &c, 1);
	if (n == 1)
		return c;
	return n == 0 || errno != EINTR ? -1 : 0;
}

bool term_size(int fd, int *cols, int *lines)
{
	struct winsize ws = { 0 };

	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0 || !ws.ws_col || !ws.ws_row)
		return false;
	*cols = ws.ws_col;
	*lines = ws.ws_row;
	return true;
}

int term_draw(int fd, const char *text, size_t len)
{
	char *buf = xmalloc(len * 6 + 64), *p = buf;
	const char *end = text + len;
	int rc;

	p += sprintf(p, "\033[H");
	for (const char *s = text; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		memcpy(p, s, n);
		p += n;
		p += sprintf(p, "\033[K%s", nl ? "\r\n" : "");
		s += n + (nl ? 1 : 0);
	}
	p += sprintf(p, "\033[J");
	rc = write_all(fd, buf, (size_t)(p - buf));
	free(buf);
	return rc;
}

int term_line(int fd, const char *text, int width)
{
	char buf[512];
	int n;

	if (!text)
		return write_all(fd, TERM_CLEAR_LINE, sizeof(TERM_CLEAR_LINE) - 1);
	if (width <= 1 || width > (int)sizeof(buf) - 16)
		width = (int)sizeof(buf) - 16;
	n = snprintf(buf, sizeof(buf), TERM_CLEAR_LINE "%.*s", width - 1, text);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	/* Cut, it must not end inside a character. */
	if (strlen(text) > (size_t)width - 1) {
		int k = n - 1, prefix = (int)sizeof(TERM_CLEAR_LINE) - 1;
		unsigned char lead;

		while (k > prefix && ((unsigned char)buf[k] & 0xc0) == 0x80)
			k--;
		lead = (unsigned char)buf[k];
		if (k >= prefix && n - k < (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1))
			n = k;
	}
	return write_all(fd, buf, (size_t)n);
}
