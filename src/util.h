/* util: the error discipline, checked allocation, number parsing and clocks.
 *
 * die*()      end the program; only command-level code calls them.
 * error*()    print a message and return -1, so core code can `return error(...)`.
 * warning()   print and carry on.
 * The *_errno variants append ": strerror(errno)".
 * Messages are lowercase, say what failed first and name the file or argument.
 */
#ifndef MPROF_UTIL_H
#define MPROF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes shared by every command. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,  /* the command ran but failed */
	EXIT_USAGE = 2, /* bad arguments or options */
};

#define MPROF_PRINTF(f, a) __attribute__((format(printf, f, a)))

_Noreturn void die(const char *fmt, ...) MPROF_PRINTF(1, 2);
_Noreturn void die_errno(const char *fmt, ...) MPROF_PRINTF(1, 2);
/* Print "mprof CMD: msg" and a hint to --help, exit 2. */
_Noreturn void die_usage(const char *cmd, const char *fmt, ...) MPROF_PRINTF(2, 3);
int error(const char *fmt, ...) MPROF_PRINTF(1, 2);
int error_errno(const char *fmt, ...) MPROF_PRINTF(1, 2);
void warning(const char *fmt, ...) MPROF_PRINTF(1, 2);

/* The last message given to die/error/warning (without the "mprof: " prefix),
 * for tests. */
const char *error_last(void);
/* When set, messages are kept for error_last() but not printed. */
void error_set_quiet(bool quiet);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* The array p of *cap elements of `size` bytes, grown to hold at least
 * `need` (doubling): the same pointer, or a new one. Use XGROW. */
void *xgrow_array(void *p, size_t *cap, size_t need, size_t size);
/* Grow the array p (of cap elements) to hold at least need: p and cap are
 * lvalues, and p keeps its type. */
#define XGROW(p, cap, need) ((p) = xgrow_array((p), &(cap), (need), sizeof(*(p))))
/* The array p of *n elements (*cap allocated) with a zeroed element opened at
 * index at (<= *n), grown as needed; *n grows by one. Use XINSERT. */
void *xinsert_array(void *p, size_t *cap, size_t *n, size_t at, size_t size);
/* Open a zeroed element at index at of the array p of n elements (cap
 * allocated): p, cap and n are lvalues; &p[at] is the new element. */
#define XINSERT(p, cap, n, at) ((p) = xinsert_array((p), &(cap), &(n), (at), sizeof(*(p))))
char *xasprintf(const char *fmt, ...) MPROF_PRINTF(1, 2);

/* Strict number parsing: the whole string must be a number.
 * Return 0 on success, -1 (without printing) otherwise. */
int parse_double(const char *s, double *out);
int parse_finite(const char *s, double *out);   /* also rejects nan/inf */
int parse_long(const char *s, long *out);
/* sprintf(out, "%.*f", prec, v), the same characters, without printf for
 * the common case (a number below 2^53 with up to 9 decimals); the length
 * written (a NUL follows). out has room for what sprintf would write. */
int format_fixed(char *out, double v, int prec);
/* Decimal digits at *p, up to the first byte that is not one: false when
 * there is none or the value overflows; else *p is moved past them. */
bool scan_u64(const char **p, uint64_t *out);
/* A non-empty string of decimal digits only? */
bool str_all_digits(const char *s);

/* Clocks. */
double time_now(void);      /* CLOCK_REALTIME, unix seconds */
uint64_t mono_ns(void);     /* CLOCK_MONOTONIC, nanoseconds */

/* Write all of buf, retrying on EINTR and short writes. -1 with errno on failure. */
int write_all(int fd, const void *buf, size_t len);
/* Read up to cap-1 bytes at offset 0 with pread, NUL-terminate; retry on EINTR.
 * Return the length, or -1 with errno. */
long pread_str(int fd, char *buf, size_t cap);
/* Read fd to its end into a fresh NUL-terminated buffer (its length in *len
 * unless len is NULL), retrying on EINTR, and close it. NULL with errno if it
 * cannot be read. For small files (/proc, cgroup). */
char *read_fd_whole(int fd, size_t *len);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* What follows the last '/' of path (path itself when it has none). */
const char *path_base(const char *path);

/* A growable NULL-terminated array of owned strings. */
struct strvec {
	char **v;
	size_t n, cap;
};

void strvec_push(struct strvec *sv, const char *s);
void strvec_push_nodup(struct strvec *sv, char *s);
bool strvec_contains(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);
/* Free a NULL-terminated array of owned strings (NULL: nothing). */
void strv_free(char **v);

#endif
