#include "profile.h"

#include "util.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BUF (1u << 20)  /* also the longest line the reader takes */
#define READ_BUF_MIN (1u << 16) /* the reader starts with this, grows for long lines */
#define READ_PAD 8           /* initialised bytes after the data, for 8-byte loads */
#define WRITE_BUF (1u << 16)
#define MAX_FIELDS 8

static const struct record_type record_types[REC_KIND_COUNT] = {
	[REC_CMDLINE]  = { "CMDLINE",  REC_CMDLINE,  -1, -1, "CMDLINE <command line>" },
	[REC_MEM]      = { "MEM",      REC_MEM,       2,  2, "MEM <MiB> <time>" },
	[REC_CHLD]     = { "CHLD",     REC_CHLD,      3,  3, "CHLD <pid> <MiB> <time>" },
	[REC_FUNC]     = { "FUNC",     REC_FUNC,      5,  7,
			   "FUNC <name> <MiB> <time> <MiB> <time> [<level> [unfinished]]" },
	[REC_MARK]     = { "MARK",     REC_MARK,      3,  3, "MARK <label> <MiB> <time>" },
	[REC_PEAK]     = { "PEAK",     REC_PEAK,      2,  2, "PEAK <MiB> <time>" },
	[REC_CHLDPEAK] = { "CHLDPEAK", REC_CHLDPEAK,  3,  3, "CHLDPEAK <pid> <MiB> <time>" },
	[REC_CHLDCMD]  = { "CHLDCMD",  REC_CHLDCMD,   2,  2, "CHLDCMD <pid> <name>" },
	[REC_MPROF]    = { "MPROF",    REC_MPROF,    -1, -1, "MPROF <format> <version> [key=value...]" },
	[REC_EXIT]     = { "EXIT",     REC_EXIT,      3,  3, "EXIT <time> <exit|signal|detached> <n>" },
};

const struct record_type *record_type_of(enum record_kind kind)
{
	return &record_types[kind];
}

static const struct record_type *record_type_lookup(const char *kw, size_t len)
{
	for (size_t i = 0; i < REC_KIND_COUNT; i++) {
		const char *k = record_types[i].keyword;

		if (strlen(k) == len && memcmp(k, kw, len) == 0)
			return &record_types[i];
	}
	return NULL;
}

/* ---- numbers ---- */

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* Up to 8 bytes from p, not past end, the first in the lowest byte; zero
 * bytes (not digits) fill the rest. */
static inline __attribute__((always_inline)) uint64_t load8(const char *p, const char *end)
{
	uint64_t v = 0;

	if (end - p >= 8) {
		memcpy(&v, p, 8);
	} else {
		for (int i = 0; p + i < end; i++)
			v |= (uint64_t)(unsigned char)p[i] << (8 * i);
	}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	if (end - p >= 8)
		v = __builtin_bswap64(v);
#endif
	return v;
}

/* The run of ASCII digits that starts the 8 bytes of v (first byte lowest):
 * its length, 0 to 8, and its value in *val. Eight digits at a time, without
 * a branch per digit. */
static inline __attribute__((always_inline)) unsigned digit_run8(uint64_t v, uint64_t *val)
{
	uint64_t t = v ^ UINT64_C(0x3030303030303030); /* a digit byte becomes 0..9 */
	/* bit 7 of each byte that is not 0..9; a carry out of a byte >= 0x80 only
	 * spoils the bytes after it, past the first non-digit */
	uint64_t bad = ((t + UINT64_C(0x7676767676767676)) | t) & UINT64_C(0x8080808080808080);
	unsigned n;

	n = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
	/* the n digits to the top, zero bytes (leading zeros) below; then
	 * combine pairs, quads, octets */
	t = n ? t << ((8 - n) * 8) : 0;
	t = (t * 10 + (t >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	t = (t * 100 + (t >> 16)) & UINT64_C(0x0000ffff0000ffff);
	t = (t * 10000 + (t >> 32)) & UINT64_C(0x00000000ffffffff);
	*val = t;
	return n;
}

/* A plain decimal ([+-]digits[.digits], 1 to 19 digits, value <= 2^53) from p
 * up to the first other byte before end: returns where it stopped, or NULL
 * when what is there is not that plain form (the caller then asks strtod).
 * Bytes up to lim (>= end) may be read; when lim > end, the byte at end must
 * not be a digit (it is the end of the line, or zero padding). */
static inline __attribute__((always_inline)) const char *
scan_plain_number(const char *p, const char *end, const char *lim, double *out)
{
	uint64_t m, val;
	unsigned n, ndig, frac = 0;
	bool neg = false;
	double v;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	/* Integer digits, then fraction digits, into one integer m: at most 19
	 * digits in all, so m < 10^19 never overflows. */
	n = ndig = digit_run8(load8(p, lim), &m);
	p += n;
	while (n == 8) {
		n = digit_run8(load8(p, lim), &val);
		m = m * pow10_u64[n] + val;
		p += n;
		ndig += n;
		if (ndig > 19)
			return NULL;
	}
	if (p < end && *p == '.') {
		p++;
		do {
			n = digit_run8(load8(p, lim), &val);
			m = m * pow10_u64[n] + val;
			p += n;
			frac += n;
			if (ndig + frac > 19)
				return NULL;
		} while (n == 8);
		ndig += frac;
	}
	if (ndig == 0 || m > (UINT64_C(1) << 53))
		return NULL;
	/* m <= 2^53 and 10^frac (frac <= 19) are exact doubles: one correctly
	 * rounded division, the same double strtod gives. */
	v = (double)m / pow10_exact[frac];
	*out = neg ? -v : v;
	return p;
}

int profile_parse_number(const char *s, size_t len, double *out)
{
	/* room for any finite double as the writer prints it ("%.6f" of
	 * -DBL_MAX is 317 bytes) */
	char tmp[400];
	char *e;
	double v;

	if (scan_plain_number(s, s + len, s + len, out) == s + len)
		return 0;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtod(tmp, &e);
	if (e != tmp + len || e == tmp)
		return -1;
	*out = v;
	return 0;
}

/* ---- escaping ---- */

size_t profile_utf8_len(const unsigned char *s, size_t avail)
{
	size_t n;
	unsigned c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (c == 0xed && s[1] > 0x9f)
		return 0;
	if (c == 0xf0 && s[1] < 0x90)
		return 0;
	if (c == 0xf4 && s[1] > 0x8f)
		return 0;
	return n;
}

size_t profile_escape(const char *src, size_t len, char *dst, size_t cap)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0;

	if (!cap)
		return 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;

		if (c > 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
			i++;
		} else if (c >= 0x80 && (n = profile_utf8_len(s + i, len - i))) {
			if (o + n >= cap)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		} else {
			if (o + 4 >= cap)
				break;
			snprintf(dst + o, 5, "\\x%02x", c);
			o += 4;
			i++;
		}
	}
	dst[o] = '\0';
	return o;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t profile_unescape_byte(const char *s, size_t len, unsigned char *c)
{
	int h, l;

	if (s[0] == '\\' && len >= 4 && s[1] == 'x' && (h = hexval((unsigned char)s[2])) >= 0 &&
	    (l = hexval((unsigned char)s[3])) >= 0) {
		*c = (unsigned char)(h * 16 + l);
		return 4;
	}
	*c = (unsigned char)s[0];
	return 1;
}

size_t profile_unescape(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c;

		i += profile_unescape_byte(s + i, len - i, &c);
		s[o++] = (char)c;
	}
	if (o < len)
		s[o] = '\0';
	return o;
}

/* ---- parsing ---- */

static int split_fields(char *p, const char *end, char **f, size_t *fl, int max)
{
	int n = 0;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		if (n == max)
			return max + 1;
		f[n] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		fl[n] = (size_t)(p - f[n]);
		n++;
	}
	return n;
}

static int num_field(char *f, size_t len, double *out, bool nonneg)
{
	if (profile_parse_number(f, len, out) < 0 || !isfinite(*out))
		return -1;
	if (nonneg && *out < 0)
		return -1;
	return 0;
}

static int pid_field(const char *f, size_t len, long *out)
{
	long v = 0;

	if (!len || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (f[i] < '0' || f[i] > '9')
			return -1;
		v = v * 10 + (f[i] - '0');
	}
	*out = v;
	return 0;
}

/* pad: bytes after line + len that may be read (the reader keeps 8). */
static int parse_line(char *line, size_t len, size_t pad, struct record *rec, const char **why)
{
	const char *lim = line + len + pad;
	char *end, *sp;
	const struct record_type *rt;
	char *f[MAX_FIELDS + 1];
	size_t fl[MAX_FIELDS + 1];
	int n;

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	end = line + len;
	if (!len)
		return 0;
	if (len > 4 && memcmp(line, "MEM ", 4) == 0) {
		/* The common record, read without splitting; anything unusual
		 * goes the general way below. */
		double mem = 0, t = 0;
		const char *p = scan_plain_number(line + 4, end, lim, &mem);

		if (p && p < end && *p == ' ' && mem >= 0 &&
		    scan_plain_number(p + 1, end, lim, &t) == end) {
			*rec = (struct record){ .kind = REC_MEM, .level = -1, .mem = mem, .t = t };
			return 1;
		}
	}
	sp = memchr(line, ' ', len);
	rt = record_type_lookup(line, sp ? (size_t)(sp - line) : len);
	if (!rt)
		return 0; /* unknown keyword, pre-2013 untagged "<mem> <t>", garbage: skipped */

	memset(rec, 0, sizeof(*rec));
	rec->kind = rt->kind;
	rec->level = -1;
	if (rt->min_fields < 0) {
		char *v = sp ? sp + 1 : end;

		rec->text = v;
		rec->text_len = (size_t)(end - v);
		if (rt->kind == REC_MPROF && !rec->text_len) {
			*why = "missing format version";
			return -1;
		}
		return 1;
	}
	n = sp ? split_fields(sp + 1, end, f, fl, MAX_FIELDS) : 0;
	if (n < rt->min_fields || n > rt->max_fields) {
		*why = "wrong number of fields";
		return -1;
	}
	*why = "bad number";
	switch (rt->kind) {
	case REC_MEM:
	case REC_PEAK:
		if (num_field(f[0], fl[0], &rec->mem, true) < 0) {
			*why = "memory is not a finite number >= 0";
			return -1;
		}
		if (num_field(f[1], fl[1], &rec->t, false) < 0) {
			*why = "time is not a finite number";
			return -1;
		}
		return 1;
	case REC_CHLD:
	case REC_CHLDPEAK:
		if (pid_field(f[0], fl[0], &rec->pid) < 0) {
			*why = "bad pid";
			return -1;
		}
		if (num_field(f[1], fl[1], &rec->mem, true) < 0) {
			*why = "memory is not a finite number >= 0";
			return -1;
		}
		if (num_field(f[2], fl[2], &rec->t, false) < 0) {
			*why = "time is not a finite number";
			return -1;
		}
		return 1;
	case REC_FUNC:
		rec->text = f[0];
		rec->text_len = fl[0];
		if (num_field(f[1], fl[1], &rec->mem, true) < 0 ||
		    num_field(f[3], fl[3], &rec->mem_end, true) < 0) {
			*why = "memory is not a finite number >= 0";
			return -1;
		}
		if (num_field(f[2], fl[2], &rec->t, false) < 0 ||
		    num_field(f[4], fl[4], &rec->t_end, false) < 0) {
			*why = "time is not a finite number";
			return -1;
		}
		if (rec->t_end < rec->t) {
			*why = "ends before it starts";
			return -1;
		}
		if (n >= 6) {
			long lv;

			if (pid_field(f[5], fl[5], &lv) < 0 || lv > 100000) {
				*why = "bad nesting level";
				return -1;
			}
			rec->level = (int)lv;
		}
		if (n == 7) {
			if (fl[6] != 10 || memcmp(f[6], "unfinished", 10) != 0) {
				*why = "unknown flag after the level";
				return -1;
			}
			rec->unfinished = true;
		}
		return 1;
	case REC_MARK:
		rec->text = f[0];
		rec->text_len = fl[0];
		if (num_field(f[1], fl[1], &rec->mem, true) < 0) {
			*why = "memory is not a finite number >= 0";
			return -1;
		}
		if (num_field(f[2], fl[2], &rec->t, false) < 0) {
			*why = "time is not a finite number";
			return -1;
		}
		return 1;
	case REC_CHLDCMD:
		if (pid_field(f[0], fl[0], &rec->pid) < 0) {
			*why = "bad pid";
			return -1;
		}
		rec->text = f[1];
		rec->text_len = fl[1];
		return 1;
	case REC_EXIT: {
		long st;

		if (num_field(f[0], fl[0], &rec->t, false) < 0) {
			*why = "time is not a finite number";
			return -1;
		}
		rec->text = f[1];
		rec->text_len = fl[1];
		if (pid_field(f[2], fl[2], &st) < 0 || st > 255) {
			*why = "bad status";
			return -1;
		}
		rec->status = (int)st;
		return 1;
	}
	default:
		break;
	}
	*why = "unsupported record";
	return -1;
}

int profile_parse_line(char *line, size_t len, struct record *rec, const char **why)
{
	return parse_line(line, len, 0, rec, why);
}

/* ---- reader ---- */

int profile_reader_open(struct profile_reader *r, const char *path)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return error_errno("cannot open '%s'", path);
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(r->fd);
		r->fd = -1;
		return error("cannot read '%s': Is a directory", path);
	}
	r->path = xstrdup(path);
	r->cap = READ_BUF_MIN;
	r->buf = xcalloc(1, r->cap + READ_PAD);
	return 0;
}

void profile_reader_close(struct profile_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r->scratch);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* Read more into the buffer, keeping bytes from pos on. 1: read some, 0: EOF, -1: error */
static int reader_fill(struct profile_reader *r)
{
	ssize_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == r->cap)
		return 1;
	do
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_errno("cannot read '%s'", r->path);
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->len += (size_t)n;
	memset(r->buf + r->len, 0, READ_PAD);
	return 1;
}

/* Skip the rest of an over-long line. */
static int reader_skip_line(struct profile_reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		int rc;

		if (nl) {
			r->pos = (size_t)(nl - r->buf) + 1;
			return 0;
		}
		r->pos = r->len = 0;
		rc = reader_fill(r);
		if (rc <= 0)
			return rc;
	}
}

_Static_assert(offsetof(struct record, lineno) + sizeof(long) == sizeof(struct record),
	       "reader_next_mem() sets every field of struct record");

/* The common record, "MEM <MiB> <t>\n" with plain decimals, read in place
 * without looking for the end of the line first. 1 if it was that. */
static int reader_next_mem(struct profile_reader *r, struct record *rec)
{
	const char *line = r->buf + r->pos, *end = r->buf + r->len;
	const char *lim = end + READ_PAD;
	const char *p;
	double mem, t;

	/* a negative memory goes the general way, to its error */
	if (end - line < 8 || memcmp(line, "MEM ", 4) != 0 || line[4] == '-')
		return 0;
	p = scan_plain_number(line + 4, end, lim, &mem);
	if (!p || p >= end || *p != ' ')
		return 0;
	p = scan_plain_number(p + 1, end, lim, &t);
	if (!p || p >= end || *p != '\n')
		return 0;
	r->pos = (size_t)(p + 1 - r->buf);
	r->lineno++;
	/* field by field: cheaper than clearing the whole record (the assertion
	 * below notices a field added at the end) */
	rec->kind = REC_MEM;
	rec->mem = mem;
	rec->t = t;
	rec->mem_end = rec->t_end = 0;
	rec->level = -1;
	rec->unfinished = false;
	rec->pid = 0;
	rec->status = 0;
	rec->text = NULL;
	rec->text_len = 0;
	rec->lineno = r->lineno;
	return 1;
}

int profile_reader_next(struct profile_reader *r, struct record *rec)
{
	if (reader_next_mem(r, rec))
		return 1;
	for (;;) {
		char *line = r->buf + r->pos;
		char *nl = memchr(line, '\n', r->len - r->pos);
		size_t len;
		const char *why;
		int rc;

		if (!nl) {
			if (r->eof) {
				if (r->pos < r->len) {
					r->lineno++;
					r->incomplete_tail = true;
					warning("%s:%ld: last line has no end (file still being written?); ignored",
						r->path, r->lineno);
					r->pos = r->len;
				}
				return 0;
			}
			if (r->pos == 0 && r->len == r->cap && r->cap < READ_BUF) {
				r->cap *= 2;
				r->buf = xrealloc(r->buf, r->cap + READ_PAD);
				memset(r->buf + r->len, 0, READ_PAD);
				continue;
			}
			if (r->pos == 0 && r->len == r->cap) {
				/* A line longer than the longest buffer: nothing we write. */
				const struct record_type *rt;
				char *sp = memchr(r->buf, ' ', 32);

				r->lineno++;
				rt = record_type_lookup(r->buf, sp ? (size_t)(sp - r->buf) : 0);
				if (rt)
					return error("%s:%ld: bad %s record: line longer than %u bytes",
						     r->path, r->lineno, rt->keyword, READ_BUF);
				if (reader_skip_line(r) < 0)
					return -1;
				continue;
			}
			rc = reader_fill(r);
			if (rc < 0)
				return -1;
			continue;
		}
		len = (size_t)(nl - line);
		r->pos += len + 1;
		r->lineno++;
		rc = parse_line(line, len, READ_PAD, rec, &why);
		if (rc == 0)
			continue;
		if (rc < 0) {
			const char *sp = memchr(line, ' ', len);
			int kwlen = sp ? (int)(sp - line) : (int)len;

			return error("%s:%ld: bad %.*s record: %s (expected %s)", r->path, r->lineno,
				     kwlen, line, why, record_type_of(rec->kind)->form);
		}
		rec->lineno = r->lineno;
		return 1;
	}
}

/* ---- writer ---- */

int profile_writer_open(struct profile_writer *w, const char *path, enum profile_open_mode mode)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	int fd;

	switch (mode) {
	case PROFILE_CREATE:
		flags |= O_EXCL;
		break;
	case PROFILE_REPLACE:
		flags |= O_TRUNC;
		break;
	case PROFILE_APPEND:
		flags |= O_APPEND;
		break;
	}
	fd = open(path, flags | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST && mode == PROFILE_CREATE)
		return error("'%s' exists; use --force to replace it or --append to add to it", path);
	if (fd < 0)
		return error_errno("cannot write '%s'", path);
	profile_writer_init_fd(w, fd, path);
	if (mode == PROFILE_APPEND)
		w->good = lseek(fd, 0, SEEK_END);
	return 0;
}

void profile_writer_init_fd(struct profile_writer *w, int fd, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->path = xstrdup(name);
	w->cap = WRITE_BUF;
	w->buf = xmalloc(w->cap);
}

size_t profile_writer_pending(const struct profile_writer *w)
{
	return w->len;
}

int profile_writer_flush(struct profile_writer *w)
{
	if (w->err)
		return -1;
	if (!w->len)
		return 0;
	if (write_all(w->fd, w->buf, w->len) < 0) {
		w->err = errno;
		/* Cut a partly written record off, so the file stays valid. */
		if (ftruncate(w->fd, w->good) == 0)
			lseek(w->fd, w->good, SEEK_SET);
		errno = w->err;
		return error_errno("cannot write '%s'", w->path);
	}
	w->good += (off_t)w->len;
	w->len = 0;
	return 0;
}

static int writer_put(struct profile_writer *w, const char *fmt, ...) MPROF_PRINTF(2, 3);

static int writer_put(struct profile_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->err)
		return -1;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if ((size_t)n < w->cap - w->len)
			break;
		if (w->len) {
			if (profile_writer_flush(w) < 0)
				return -1;
			continue;
		}
		xgrow((void **)&w->buf, &w->cap, (size_t)n + 1, 1);
	}
	w->len += (size_t)n;
	if (w->len > w->cap / 2)
		return profile_writer_flush(w);
	return 0;
}

int profile_writer_close(struct profile_writer *w)
{
	int rc = profile_writer_flush(w);

	if (w->fd >= 0 && close(w->fd) < 0 && rc == 0)
		rc = error_errno("cannot write '%s'", w->path);
	free(w->buf);
	free(w->path);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return rc;
}

char *profile_format_cmdline(char *const argv[])
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 3;
	s = p = xmalloc(len);
	for (int i = 0; argv[i]; i++) {
		bool q = strpbrk(argv[i], " \t") != NULL;

		p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
	}
	*p = '\0';
	/* A newline would end the record early. */
	for (p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return s;
}

int profile_write_cmdline(struct profile_writer *w, char *const argv[])
{
	char *s = profile_format_cmdline(argv);
	int rc = writer_put(w, "%s %s\n", record_types[REC_CMDLINE].keyword, s);

	free(s);
	return rc;
}

int profile_write_header(struct profile_writer *w, const char *fields)
{
	return writer_put(w, "%s %d %s%s%s\n", record_types[REC_MPROF].keyword,
			  PROFILE_FORMAT_VERSION, MPROF_VERSION, *fields ? " " : "", fields);
}

int profile_write_mem(struct profile_writer *w, double mem, double t)
{
	return writer_put(w, "MEM %.6f %.6f\n", mem, t);
}

int profile_write_chld(struct profile_writer *w, long pid, double mem, double t)
{
	return writer_put(w, "CHLD %ld %.6f %.6f\n", pid, mem, t);
}

int profile_write_func(struct profile_writer *w, const char *name, double mem, double t,
		       double mem_end, double t_end, int level, bool unfinished)
{
	char esc[PROFILE_NAME_MAX];

	profile_escape(name, strlen(name), esc, sizeof(esc));
	return writer_put(w, "FUNC %s %.4f %.6f %.4f %.6f %d%s\n", *esc ? esc : "?", mem, t,
			  mem_end, t_end, level, unfinished ? " unfinished" : "");
}

int profile_write_mark(struct profile_writer *w, const char *label, double mem, double t)
{
	char esc[PROFILE_NAME_MAX];

	profile_escape(label, strlen(label), esc, sizeof(esc));
	return writer_put(w, "MARK %s %.6f %.6f\n", *esc ? esc : "?", mem, t);
}

int profile_write_peak(struct profile_writer *w, double mem, double t)
{
	return writer_put(w, "PEAK %.6f %.6f\n", mem, t);
}

int profile_write_chldpeak(struct profile_writer *w, long pid, double mem, double t)
{
	return writer_put(w, "CHLDPEAK %ld %.6f %.6f\n", pid, mem, t);
}

int profile_write_chldcmd(struct profile_writer *w, long pid, const char *name)
{
	char esc[PROFILE_NAME_MAX];

	profile_escape(name, strlen(name), esc, sizeof(esc));
	return writer_put(w, "CHLDCMD %ld %s\n", pid, *esc ? esc : "?");
}

int profile_write_exit(struct profile_writer *w, double t, const char *how, int n)
{
	return writer_put(w, "EXIT %.6f %s %d\n", t, how, n);
}
