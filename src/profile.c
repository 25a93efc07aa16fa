#include "profile.h"

#include "profile_par.h"
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

#define READ_BUF PROFILE_READ_BUF
#define READ_BUF_MIN (1u << 16) /* the reader starts with this, grows for long lines */
#define READ_PAD 8           /* initialised bytes after the data, for 8-byte loads */
#define WRITE_BUF (1u << 16)
#define NUM_MAX 400             /* bytes of a number as written ("%.6f" of -DBL_MAX: 317) */

/* ---- the record table ---- */

#define AT(member) ((unsigned short)offsetof(struct record, member))
#define MEM_FIELD(member, decimals) \
	{ FIELD_MEM, AT(member), decimals, .form = "<MiB>", .bad = "memory is not a finite number >= 0" }
#define TIME_FIELD(member, decimals) \
	{ FIELD_NUM, AT(member), decimals, .form = "<time>", .bad = "time is not a finite number" }
#define PID_FIELD { FIELD_PID, AT(pid), .form = "<pid>", .bad = "bad pid" }
#define NAME_FIELD(what) { FIELD_NAME, .form = what }
#define CG_FIELD(i, what) { FIELD_MEM, AT(cg[i]), 3, .form = what, .bad = "memory is not a finite number >= 0" }
#define KIND_FIELD(i, what) \
	{ FIELD_MEM, AT(kinds[i]), 6, .form = what, .bad = "memory is not a finite number >= 0" }
#define KIND_FIELDS KIND_FIELD(0, "<anon>"), KIND_FIELD(1, "<file>"), KIND_FIELD(2, "<shmem>"), \
	KIND_FIELD(3, "<swap>")

static const char *func_check(const struct record *rec)
{
	return rec->t_end < rec->t ? "ends before it starts" : NULL;
}

/* The Python tool's records (CMDLINE, MEM, CHLD, FUNC) as it writes them,
 * then ours. Both the reader and the writer follow this table: a field is
 * added to a record by adding its line (optional fields last, so that files
 * written before still read). */
#define RECORD(k, kw, ...) [k] = { .keyword = kw, .kind = k, .fields = { __VA_ARGS__ } }

static const struct record_type record_types[REC_KIND_COUNT] = {
	RECORD(REC_CMDLINE, "CMDLINE", { FIELD_REST, .optional = true, .form = "<command line>" }),
	RECORD(REC_MEM, "MEM", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_CHLD, "CHLD", PID_FIELD, MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	[REC_FUNC] = { .keyword = "FUNC", .kind = REC_FUNC, .check = func_check, .fields = {
		/* the Python tool writes "name mem t mem t level", the name of a
		 * timestamp with its spaces */
		{ FIELD_NAME, .tail = 5, .form = "<name>" },
		MEM_FIELD(mem, 4), TIME_FIELD(t, 6), MEM_FIELD(mem_end, 4), TIME_FIELD(t_end, 6),
		{ FIELD_INT, AT(level), .optional = true, .max = 100000, .form = "<level>",
		  .bad = "bad nesting level" },
		{ FIELD_FLAG, AT(unfinished), .form = "unfinished", .bad = "unknown flag after the level" },
		{ FIELD_PID, AT(pid), .optional = true, .form = "<pid>", .bad = "bad pid" },
	} },
	RECORD(REC_MARK, "MARK", NAME_FIELD("<label>"), MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_PEAK, "PEAK", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_CHLDPEAK, "CHLDPEAK", PID_FIELD, MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_CHLDCMD, "CHLDCMD", PID_FIELD, NAME_FIELD("<name>")),
	RECORD(REC_MPROF, "MPROF", { FIELD_REST, .form = "<format> <version> [key=value...]",
				     .bad = "missing format version" }),
	RECORD(REC_EXIT, "EXIT", TIME_FIELD(t, 6), NAME_FIELD("<exit|signal|detached>"),
	       { FIELD_INT, AT(status), .max = 255, .form = "<n>", .bad = "bad status" }),
	RECORD(REC_CGROUP, "CGROUP", MEM_FIELD(mem, 3), CG_FIELD(0, "<anon>"), CG_FIELD(1, "<file>"),
	       CG_FIELD(2, "<kernel>"), CG_FIELD(3, "<shmem>"), CG_FIELD(4, "<sock>"),
	       CG_FIELD(5, "<file_active>"), CG_FIELD(6, "<file_inactive>"), TIME_FIELD(t, 6)),
	RECORD(REC_CGPRESSURE, "CGPRESSURE",
	       { FIELD_MEM, AT(cg[0]), 0, .form = "<some_us>", .bad = "stall time is not a number >= 0" },
	       { FIELD_MEM, AT(cg[1]), 0, .form = "<full_us>", .bad = "stall time is not a number >= 0" },
	       TIME_FIELD(t, 6)),
	RECORD(REC_CGPEAK, "CGPEAK", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_KIND, "KIND", KIND_FIELDS, TIME_FIELD(t, 6)),
	RECORD(REC_CHLDKIND, "CHLDKIND", PID_FIELD, KIND_FIELDS, TIME_FIELD(t, 6)),
	RECORD(REC_PYHEAP, "PYHEAP", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_GPU, "GPU", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_IPEAK, "IPEAK", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_CHLDIPEAK, "CHLDIPEAK", PID_FIELD, MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
	RECORD(REC_UNSEEN, "UNSEEN", PID_FIELD, TIME_FIELD(t, 6)),
	RECORD(REC_UNSEENPEAK, "UNSEENPEAK", MEM_FIELD(mem, 6), TIME_FIELD(t, 6)),
};

const struct record_type *record_type_of(enum record_kind kind)
{
	return &record_types[kind];
}

/* After the last field of rt. */
static const struct field_spec *fields_end(const struct record_type *rt)
{
	const struct field_spec *fs = rt->fields;

	while (fs < rt->fields + RECORD_FIELDS_MAX && fs->kind != FIELD_END)
		fs++;
	return fs;
}

const char *record_form(enum record_kind kind, char *buf, size_t cap)
{
	const struct record_type *rt = &record_types[kind];
	size_t o = (size_t)snprintf(buf, cap, "%s", rt->keyword);
	int open = 0;

	for (const struct field_spec *fs = rt->fields; fs < fields_end(rt) && o < cap; fs++) {
		bool flag = fs->kind == FIELD_FLAG, opt = fs->optional || flag;

		/* a flag's brackets close at once: what follows may come without it */
		o += (size_t)snprintf(buf + o, cap - o, " %s%s%s", opt ? "[" : "", fs->form, flag ? "]" : "");
		open += opt && !flag;
	}
	while (open-- > 0 && o < cap)
		o += (size_t)snprintf(buf + o, cap - o, "]");
	return buf;
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

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split at blanks into at most max fields. Returns how many, or max + 1 when
 * there are more; with rest, *rest is where the text after the max-th field
 * (and one blank) starts. */
static int split_fields(char *p, const char *end, char **f, size_t *fl, int max, char **rest)
{
	int n = 0;

	while (p < end) {
		if (n == max && rest) {
			*rest = p;
			return n;
		}
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		if (n == max)
			return max + 1;
		f[n] = p;
		while (p < end && !is_blank(*p))
			p++;
		fl[n] = (size_t)(p - f[n]);
		n++;
		if (p < end && rest)
			p++; /* the blank after a field, which the rest does not start with */
	}
	if (rest)
		*rest = p;
	return n;
}

int profile_parse_digits(const char *f, size_t len, long *out)
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

/* One field into its member of rec: 0, or -1 when refused. */
static int read_field(const struct field_spec *fs, const char *f, size_t len, struct record *rec)
{
	void *at = (char *)rec + fs->off;
	double v;
	long n;

	switch (fs->kind) {
	case FIELD_NUM:
	case FIELD_MEM:
		if (profile_parse_number(f, len, &v) < 0 || !isfinite(v) || (fs->kind == FIELD_MEM && v < 0))
			return -1;
		*(double *)at = v;
		return 0;
	case FIELD_PID:
		return profile_parse_digits(f, len, (long *)at);
	case FIELD_INT:
		if (profile_parse_digits(f, len, &n) < 0 || n > fs->max)
			return -1;
		*(int *)at = (int)n;
		return 0;
	case FIELD_FLAG:
		*(bool *)at = true;
		return 0;
	default:
		rec->text = f;
		rec->text_len = len;
		return 0;
	}
}

/* The fields from p to end, as the specs from fs to fend describe them. */
static int parse_fields(const struct field_spec *fs, const struct field_spec *fend, char *p,
			char *end, struct record *rec, const char **why)
{
	char *f[RECORD_FIELDS_MAX + 1], *rest = NULL;
	size_t fl[RECORD_FIELDS_MAX + 1];
	const struct field_spec *last = fs;
	const char *flag_bad = NULL;
	int min = 0, max = 0, n, i = 0, flag_at = -1;

	for (; last < fend && last->kind != FIELD_REST; last++) {
		max++;
		min += !last->optional && last->kind != FIELD_FLAG;
	}
	n = split_fields(p, end, f, fl, max, last < fend ? &rest : NULL);
	if (n < min || n > max) {
		*why = "wrong number of fields";
		return -1;
	}
	for (; fs < last && i < n; fs++) {
		if (fs->kind == FIELD_FLAG && (fl[i] != strlen(fs->form) || memcmp(f[i], fs->form, fl[i]))) {
			flag_bad = flag_bad ? flag_bad : fs->bad;
			flag_at = i;
			continue; /* not there: the field may be the next one's */
		}
		if (read_field(fs, f[i], fl[i], rec) < 0) {
			/* neither the flag nor what may follow it: say it as a flag */
			*why = flag_at == i ? flag_bad : fs->bad;
			return -1;
		}
		i++;
	}
	if (i < n) {
		*why = flag_bad ? flag_bad : "wrong number of fields";
		return -1;
	}
	if (rest) {
		if (rest == end && !last->optional) {
			*why = last->bad;
			return -1;
		}
		read_field(last, rest, (size_t)(end - rest), rec);
	}
	return 0;
}

/* A name the Python tool wrote with its spaces: all but the last `tail`
 * fields are the name, the rest is read as usual. */
static int parse_spaced(const struct record_type *rt, char *p, char *end, struct record *rec)
{
	char *q = end, *name_end;
	const char *why;

	for (int k = 0; k < rt->fields[0].tail; k++) {
		while (q > p && is_blank(q[-1]))
			q--;
		while (q > p && !is_blank(q[-1]))
			q--;
	}
	while (p < q && is_blank(*p))
		p++;
	for (name_end = q; name_end > p && is_blank(name_end[-1]);)
		name_end--;
	if (name_end == p || name_end == q)
		return -1;
	if (parse_fields(rt->fields + 1, fields_end(rt), q, end, rec, &why) < 0)
		return -1;
	rec->text = p;
	rec->text_len = (size_t)(name_end - p);
	return 0;
}

/* pad: bytes after line + len that may be read (the reader keeps 8). */
static __attribute__((noinline)) int parse_line(char *line, size_t len, size_t pad, struct record *rec,
					     const char **why)
{
	const char *lim = line + len + pad;
	char *end, *sp, *rest;
	const struct record_type *rt;

	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	end = line + len;
	if (!len)
		return 0;
	if (len > 4 && memcmp(line, "MEM ", 4) == 0) {
		/* The common record, read without splitting (its fields are
		 * record_types[REC_MEM]'s); anything unusual goes the general
		 * way below. */
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

	*rec = (struct record){ .kind = rt->kind, .level = -1 };
	rest = sp ? sp + 1 : end;
	if (parse_fields(rt->fields, fields_end(rt), rest, end, rec, why) < 0) {
		struct record again = { .kind = rt->kind, .level = -1 };

		if (!rt->fields[0].tail || parse_spaced(rt, rest, end, &again) < 0)
			return -1;
		*rec = again;
		*why = "name with unescaped spaces";
	}
	if (rt->check) {
		const char *bad = rt->check(rec);

		if (bad) {
			*why = bad;
			return -1;
		}
	}
	return 1;
}

int profile_parse_line(char *line, size_t len, struct record *rec, const char **why)
{
	*why = NULL;
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
	r->limit = PROFILE_OFF_MAX;
	profile_par_start(r);
	return 0;
}

void profile_reader_close(struct profile_reader *r)
{
	profile_par_stop(r);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->path);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* Read more into the buffer, keeping bytes from pos on. 1: read some, 0: EOF, -1: error */
static int reader_fill(struct profile_reader *r)
{
	ssize_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += (off_t)r->pos;
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
		r->base += (off_t)r->len;
		r->pos = r->len = 0;
		rc = reader_fill(r);
		if (rc <= 0)
			return rc;
	}
}

_Static_assert(offsetof(struct record, lineno) + sizeof(long) == sizeof(struct record),
	       "profile_record_mem() sets every field of struct record");

/* The common record, "MEM <MiB> <t>\n" with plain decimals, at line (READ_PAD
 * bytes after end may be read), without looking for the end of the line
 * first: where the next line starts, or NULL when it is not that. */
static inline __attribute__((always_inline)) const char *
scan_mem_line(const char *line, const char *end, double *mem, double *t)
{
	const char *lim = end + READ_PAD;
	const char *p;

	/* a negative memory goes the general way, to its error */
	if (end - line < 8 || memcmp(line, "MEM ", 4) != 0 || line[4] == '-')
		return NULL;
	p = scan_plain_number(line + 4, end, lim, mem);
	if (!p || p >= end || *p != ' ')
		return NULL;
	p = scan_plain_number(p + 1, end, lim, t);
	if (!p || p >= end || *p != '\n')
		return NULL;
	return p + 1;
}

const char *profile_scan_mem_line(const char *line, const char *end, double *mem, double *t)
{
	return scan_mem_line(line, end, mem, t);
}

void profile_record_mem(struct record *rec, double mem, double t, long lineno)
{
	/* field by field: cheaper than clearing the whole record (the assertion
	 * above notices a field added at the end) */
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
	rec->lineno = lineno;
}

/* The common record, read in place. 1 if it was that. */
static int reader_next_mem(struct profile_reader *r, struct record *rec)
{
	const char *p;
	double mem, t;

	if (r->base + (off_t)r->pos >= r->limit)
		return 0;
	p = scan_mem_line(r->buf + r->pos, r->buf + r->len, &mem, &t);
	if (!p)
		return 0;
	r->pos = (size_t)(p - r->buf);
	r->lineno++;
	profile_record_mem(rec, mem, t, r->lineno);
	return 1;
}

/* No whole line in the buffer: read more, grow, or skip a line too long.
 * 1: look again; 0: end of file; -1: error (reported). This, reader_report
 * and parse_line are kept out of line: inlined into profile_reader_next,
 * they make its fast way for MEM slower (by 4 to 7% on 10M samples). */
static __attribute__((noinline)) int reader_more(struct profile_reader *r)
{
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
		return 1;
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
		return reader_skip_line(r) < 0 ? -1 : 1;
	}
	return reader_fill(r) < 0 ? -1 : 1;
}

/* The file last warned about: a second pass over it (peak --func) says nothing. */
static char *noted_path;

/* What parse_line said about a line with a known keyword: an error, or a
 * note, said once per file. */
static __attribute__((noinline)) int reader_report(struct profile_reader *r, const char *line,
						   size_t len, int rc, const struct record *rec,
						   const char *why)
{
	const struct record_type *rt = record_type_of(rec->kind);
	char form[256];

	if (rc < 0) {
		const char *sp = memchr(line, ' ', len);
		int kwlen = sp ? (int)(sp - line) : (int)len;

		return error("%s:%ld: bad %.*s record: %s (expected %s)", r->path, r->lineno, kwlen,
			     line, why, record_form(rec->kind, form, sizeof(form)));
	}
	if (!r->noted && !(noted_path && strcmp(noted_path, r->path) == 0)) {
		free(noted_path);
		noted_path = xstrdup(r->path);
		warning("%s:%ld: %s %s, as the Python tool writes timestamp labels: all but the "
			"last %d fields read as the name (said once)", r->path, r->lineno, rt->keyword,
			why, rt->fields[0].tail);
	}
	r->noted = true;
	return 0;
}

int profile_reader_line(struct profile_reader *r, char *line, size_t len, struct record *rec)
{
	const char *why = NULL;
	int rc = parse_line(line, len, READ_PAD, rec, &why);

	if (rc == 0)
		return 0;
	if (why && reader_report(r, line, len, rc, rec, why) < 0)
		return -1;
	rec->lineno = r->lineno;
	return 1;
}

void profile_reader_seek(struct profile_reader *r, off_t off, off_t limit)
{
	r->base = lseek(r->fd, off, SEEK_SET) < 0 ? -1 : off;
	r->pos = r->len = 0;
	r->eof = r->base < 0;
	r->limit = limit;
	memset(r->buf, 0, READ_PAD);
}

int profile_reader_serial(struct profile_reader *r, struct record *rec)
{
	if (reader_next_mem(r, rec))
		return 1;
	for (;;) {
		char *line = r->buf + r->pos;
		char *nl;
		size_t len;
		const char *why = NULL;
		int rc;

		if (r->base + (off_t)r->pos >= r->limit)
			return 0;
		nl = memchr(line, '\n', r->len - r->pos);
		if (!nl) {
			rc = reader_more(r);
			if (rc <= 0)
				return rc;
			continue;
		}
		len = (size_t)(nl - line);
		r->pos += len + 1;
		r->lineno++;
		rc = parse_line(line, len, READ_PAD, rec, &why);
		if (rc == 0)
			continue;
		if (why && reader_report(r, line, len, rc, rec, why) < 0)
			return -1;
		rec->lineno = r->lineno;
		return 1;
	}
}

int profile_reader_next(struct profile_reader *r, struct record *rec)
{
	if (r->par)
		return profile_par_next(r, rec);
	return profile_reader_serial(r, rec);
}

int profile_reader_next_run(struct profile_reader *r, struct record *rec,
			    const struct profile_sample **run, size_t *n)
{
	if (r->par)
		return profile_par_next_run(r, rec, run, n);
	*n = 0;
	return profile_reader_serial(r, rec);
}

int profile_read_each(const char *path, void (*fn)(void *ctx, const struct record *rec),
		      void (*fn_run)(void *ctx, const struct profile_sample *run, size_t n), void *ctx)
{
	struct profile_reader r;
	const struct profile_sample *run;
	struct record rec;
	size_t n;
	int rc;

	if (profile_reader_open(&r, path) < 0)
		return -1;
	while ((rc = profile_reader_next_run(&r, &rec, &run, &n)) > 0) {
		if (!n) {
			fn(ctx, &rec);
			continue;
		}
		if (fn_run) {
			fn_run(ctx, run, n);
			continue;
		}
		/* each sample of the run as its MEM record (lineno: the run's last) */
		for (size_t i = 0; i < n; i++) {
			profile_record_mem(&rec, run[i].mem, run[i].t, r.lineno - (long)(n - 1 - i));
			fn(ctx, &rec);
		}
	}
	profile_reader_close(&r);
	return rc < 0 ? -1 : 0;
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

/* Room for need more bytes in the buffer: flush, or grow for a record
 * larger than the buffer. */
static int writer_reserve(struct profile_writer *w, size_t need)
{
	if (w->err)
		return -1;
	if (w->cap - w->len >= need)
		return 0;
	if (w->len && profile_writer_flush(w) < 0)
		return -1;
	if (w->cap < need)
		XGROW(w->buf, w->cap, need);
	return 0;
}

/* The most bytes a field takes, with the blank before it. */
static size_t field_room(const struct field_spec *fs, const struct record *rec)
{
	switch (fs->kind) {
	case FIELD_NAME:
		return 1 + PROFILE_NAME_MAX;
	case FIELD_REST:
		return 1 + rec->text_len;
	case FIELD_FLAG:
		return 1 + strlen(fs->form);
	default:
		return 1 + NUM_MAX;
	}
}

/* Write one field at p (room for it is there); returns the end. */
static char *put_field(char *p, const struct field_spec *fs, const struct record *rec)
{
	const void *at = (const char *)rec + fs->off;
	size_t n;

	if ((fs->kind == FIELD_FLAG && !*(const bool *)at) ||
	    (fs->kind == FIELD_PID && fs->optional && !*(const long *)at))
		return p;
	*p++ = ' ';
	switch (fs->kind) {
	case FIELD_NUM:
	case FIELD_MEM:
		return p + format_fixed(p, *(const double *)at, fs->prec);
	case FIELD_PID:
		return p + sprintf(p, "%ld", *(const long *)at);
	case FIELD_INT:
		return p + sprintf(p, "%d", *(const int *)at);
	case FIELD_FLAG:
		n = strlen(fs->form);
		memcpy(p, fs->form, n);
		return p + n;
	case FIELD_NAME:
		n = profile_escape(rec->text ? rec->text : "", rec->text ? rec->text_len : 0, p,
				   PROFILE_NAME_MAX);
		if (!n)
			p[n++] = '?';
		return p + n;
	default:
		if (rec->text_len)
			memcpy(p, rec->text, rec->text_len);
		return p + rec->text_len;
	}
}

int profile_write(struct profile_writer *w, const struct record *rec)
{
	const struct record_type *rt = &record_types[rec->kind];
	const struct field_spec *fend = fields_end(rt);
	size_t need = strlen(rt->keyword) + 2;
	char *p;

	for (const struct field_spec *fs = rt->fields; fs < fend; fs++)
		need += field_room(fs, rec);
	if (writer_reserve(w, need) < 0)
		return -1;
	p = w->buf + w->len;
	memcpy(p, rt->keyword, strlen(rt->keyword));
	p += strlen(rt->keyword);
	for (const struct field_spec *fs = rt->fields; fs < fend; fs++)
		p = put_field(p, fs, rec);
	*p++ = '\n';
	w->len = (size_t)(p - w->buf);
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

static int write_text(struct profile_writer *w, enum record_kind kind, const char *text)
{
	struct record rec = { .kind = kind, .text = text, .text_len = strlen(text) };

	return profile_write(w, &rec);
}

int profile_write_cmdline(struct profile_writer *w, char *const argv[])
{
	char *s = profile_format_cmdline(argv);
	int rc = write_text(w, REC_CMDLINE, s);

	free(s);
	return rc;
}

int profile_write_header(struct profile_writer *w, const char *fields)
{
	char *s = xasprintf("%d %s%s%s", PROFILE_FORMAT_VERSION, MPROF_VERSION, *fields ? " " : "",
			    fields);
	int rc = write_text(w, REC_MPROF, s);

	free(s);
	return rc;
}

static int write_sample(struct profile_writer *w, enum record_kind kind, long pid, double mem,
			double t)
{
	struct record rec = { .kind = kind, .pid = pid, .mem = mem, .t = t };

	return profile_write(w, &rec);
}

int profile_write_mem(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_MEM, 0, mem, t);
}

int profile_write_chld(struct profile_writer *w, long pid, double mem, double t)
{
	return write_sample(w, REC_CHLD, pid, mem, t);
}

int profile_write_peak(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_PEAK, 0, mem, t);
}

int profile_write_cgpeak(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_CGPEAK, 0, mem, t);
}

int profile_write_chldpeak(struct profile_writer *w, long pid, double mem, double t)
{
	return write_sample(w, REC_CHLDPEAK, pid, mem, t);
}

int profile_write_ipeak(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_IPEAK, 0, mem, t);
}

int profile_write_chldipeak(struct profile_writer *w, long pid, double mem, double t)
{
	return write_sample(w, REC_CHLDIPEAK, pid, mem, t);
}

int profile_write_unseen(struct profile_writer *w, long pid, double t)
{
	return write_sample(w, REC_UNSEEN, pid, 0, t);
}

int profile_write_unseenpeak(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_UNSEENPEAK, 0, mem, t);
}

int profile_write_func(struct profile_writer *w, const char *name, double mem, double t,
		       double mem_end, double t_end, int level, bool unfinished)
{
	struct record rec = { .kind = REC_FUNC, .text = name, .text_len = strlen(name),
			      .mem = mem, .t = t, .mem_end = mem_end, .t_end = t_end,
			      .level = level, .unfinished = unfinished };

	return profile_write(w, &rec);
}

int profile_write_mark(struct profile_writer *w, const char *label, double mem, double t)
{
	struct record rec = { .kind = REC_MARK, .text = label, .text_len = strlen(label),
			      .mem = mem, .t = t };

	return profile_write(w, &rec);
}

int profile_write_chldcmd(struct profile_writer *w, long pid, const char *name)
{
	struct record rec = { .kind = REC_CHLDCMD, .pid = pid, .text = name,
			      .text_len = strlen(name) };

	return profile_write(w, &rec);
}

int profile_write_exit(struct profile_writer *w, double t, const char *how, int n)
{
	struct record rec = { .kind = REC_EXIT, .t = t, .text = how, .text_len = strlen(how),
			      .status = n };

	return profile_write(w, &rec);
}

int profile_write_kind(struct profile_writer *w, long pid, const double mib[4], double t)
{
	struct record rec = { .kind = pid ? REC_CHLDKIND : REC_KIND, .pid = pid, .t = t };

	memcpy(rec.kinds, mib, sizeof(rec.kinds));
	return profile_write(w, &rec);
}

int profile_write_pyheap(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_PYHEAP, 0, mem, t);
}

int profile_write_gpu(struct profile_writer *w, double mem, double t)
{
	return write_sample(w, REC_GPU, 0, mem, t);
}
