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

void *xinsert_array(void *p, size_t *cap, size_t *n, size_t at, size_t size)
{
	char *a = xgrow_array(p, cap, *n + 1, size);

	memmove(a + (at + 1) * size, a + at * size, (*n - at) * size);
	memset(a + at * size, 0, size);
	(*n)++;
	return a;
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

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

/* v * 10^prec rounded as printf rounds (to nearest, ties to even), exact:
 * v is m * 2^e, so the product is m * 10^prec / 2^-e, done in 128 bits. */
static bool fixed_scaled(double v, int prec, uint64_t *out)
{
	int e;
	double f = frexp(v, &e); /* v = f * 2^e, 0.5 <= f < 1 */
	uint64_t m = (uint64_t)ldexp(f, 53);
	int shift = 53 - e;      /* v = m / 2^shift */
	unsigned __int128 n, rem, half;

	if (shift <= 0 || shift > 120)
		return false;
	n = (unsigned __int128)m * pow10_u64[prec];
	rem = n & (((unsigned __int128)1 << shift) - 1);
	half = (unsigned __int128)1 << (shift - 1);
	n >>= shift;
	if (rem > half || (rem == half && (n & 1)))
		n++;
	if (n > UINT64_MAX / 10)
		return false;
	*out = (uint64_t)n;
	return true;
}

int format_fixed(char *out, double v, int prec)
{
	char digits[24];
	uint64_t n;
	int len = 0, nd = 0;
	bool neg = signbit(v);

	if (!isfinite(v) || prec < 0 || prec >= (int)ARRAY_SIZE(pow10_u64) || fabs(v) >= 0x1p53 ||
	    (v != 0 && !fixed_scaled(fabs(v), prec, &n)))
		return sprintf(out, "%.*f", prec, v);
	if (v == 0)
		n = 0;
	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n || nd <= prec);
	if (neg)
		out[len++] = '-';
	while (nd > 0) {
		if (nd == prec && prec)
			out[len++] = '.';
		out[len++] = digits[--nd];
	}
	out[len] = '\0';
	return len;
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

bool scan_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		/* constants only: no division per digit */
		if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

bool str_all_digits(const char *s)
{
	return *s && s[strspn(s, "0123456789")] == '\0';
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

char *read_fd_whole(int fd, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t k = read(fd, buf + n, cap - n - 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (cap - n < 2)
			XGROW(buf, cap, cap * 2);
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
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

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
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

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void strvec_clear(struct strvec *sv)
{
	strv_free(sv->v); /* NULL-terminated by strvec_push_nodup */
	memset(sv, 0, sizeof(*sv));
}
