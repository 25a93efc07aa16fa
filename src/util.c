#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Per thread: a thread that reads quietly (the live view) leaves the
 * messages of the others alone. */
static _Thread_local char last_msg[1024];
static _Thread_local bool quiet;

const char *error_last(void)
{
	return last_msg;
}

void error_set_quiet(bool q)
{
	quiet = q;
}

static void report(const char *prefix, const char *fmt, va_list ap, int errnum) MPROF_PRINTF(2, 0);

static void report(const char *prefix, const char *fmt, va_list ap, int errnum)
{
	size_t n;

	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	n = strlen(last_msg);
	if (errnum && n < sizeof(last_msg))
		snprintf(last_msg + n, sizeof(last_msg) - n, ": %s", strerror(errnum));
	if (!quiet) {
		fflush(stdout);
		fprintf(stderr, "%s%s\n", prefix, last_msg);
	}
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("mprof: ", fmt, ap, 0);
	va_end(ap);
	exit(EXIT_FAIL);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	report("mprof: ", fmt, ap, e);
	va_end(ap);
	exit(EXIT_FAIL);
}

void die_usage(const char *cmd, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "mprof %s: ", cmd);
	va_start(ap, fmt);
	report(prefix, fmt, ap, 0);
	va_end(ap);
	if (!quiet)
		fprintf(stderr, "Try 'mprof %s --help' for more information.\n", cmd);
	exit(EXIT_USAGE);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("mprof: ", fmt, ap, 0);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	report("mprof: ", fmt, ap, e);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("mprof: warning: ", fmt, ap, 0);
	va_end(ap);
}

static void *check_alloc(void *p)
{
	if (!p) {
		fputs("mprof: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return check_alloc(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check_alloc(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return check_alloc(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return check_alloc(strndup(s, n));
}

void *xgrow_array(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			check_alloc(NULL);
		c *= 2;
	}
	p = xrealloc(p, c * size);
	*cap = c;
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		check_alloc(NULL);
	return s;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || strchr(" \t\n\r\f\v", *s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

int parse_finite(const char *s, double *out)
{
	double v;

	if (parse_double(s, &v) < 0 || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || strchr(" \t\n\r\f\v", *s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

double time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long pread_str(int fd, char *buf, size_t cap)
{
	ssize_t n;

	do
		n = pread(fd, buf, cap - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

void strvec_push_nodup(struct strvec *sv, char *s)
{
	XGROW(sv->v, sv->cap, sv->n + 2);
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strvec_push(struct strvec *sv, const char *s)
{
	strvec_push_nodup(sv, xstrdup(s));
}

bool strvec_contains(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void strvec_clear(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}
