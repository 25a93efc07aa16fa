#include "size.h"

#include "util.h"

#include <math.h>
#include <string.h>

#define KIB UINT64_C(1024)
#define KB UINT64_C(1000)
#define DECIMALS_MAX 9

static const struct size_unit {
	const char *suffix;
	uint64_t factor;
} size_units[] = {
	{ "B", 1 },
	{ "K", KIB }, { "k", KIB }, { "Ki", KIB }, { "KiB", KIB },
	{ "kB", KB }, { "KB", KB },
	{ "M", KIB * KIB }, { "m", KIB * KIB }, { "Mi", KIB * KIB }, { "MiB", KIB * KIB },
	{ "MB", KB * KB },
	{ "G", KIB * KIB * KIB }, { "g", KIB * KIB * KIB }, { "Gi", KIB * KIB * KIB },
	{ "GiB", KIB * KIB * KIB },
	{ "GB", KB * KB * KB },
	{ "T", KIB * KIB * KIB * KIB }, { "t", KIB * KIB * KIB * KIB }, { "Ti", KIB * KIB * KIB * KIB },
	{ "TiB", KIB * KIB * KIB * KIB },
	{ "TB", KB * KB * KB * KB },
	{ "P", KIB * KIB * KIB * KIB * KIB }, { "p", KIB * KIB * KIB * KIB * KIB },
	{ "Pi", KIB * KIB * KIB * KIB * KIB }, { "PiB", KIB * KIB * KIB * KIB * KIB },
	{ "PB", KB * KB * KB * KB * KB },
};

static const char *const size_messages[] = {
	[SIZE_OK] = "no error",
	[SIZE_EMPTY] = "empty",
	[SIZE_NO_UNIT] = "a number without a unit is ambiguous",
	[SIZE_NEGATIVE] = "a size cannot be negative",
	[SIZE_BAD_NUMBER] = "not a number followed by a unit (as in 500M, 1.5G, 300MiB, 2GB)",
	[SIZE_BAD_UNIT] = "unknown unit (K, M, G, T, P and Ki, KiB... are powers of 1024; kB, MB, GB... "
			  "powers of 1000; B is bytes)",
	[SIZE_TOO_PRECISE] = "more than 9 decimals",
	[SIZE_TOO_LARGE] = "too large (more than 2^64 - 1 bytes)",
};

const char *size_strerror(enum size_error e)
{
	return (unsigned)e < ARRAY_SIZE(size_messages) ? size_messages[e] : "unknown error";
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const struct size_unit *unit_lookup(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(size_units); i++)
		if (strcmp(size_units[i].suffix, s) == 0)
			return &size_units[i];
	return NULL;
}

/* The digits of s before and after a point: *whole, *frac with *ndec
 * decimals. Returns the end of the number, or NULL. */
static const char *scan_number(const char *s, uint64_t *whole, uint64_t *frac, int *ndec,
			       enum size_error *err)
{
	bool digits = false;

	*whole = *frac = 0;
	*ndec = 0;
	for (; is_digit(*s); s++, digits = true) {
		if (__builtin_mul_overflow(*whole, 10, whole) ||
		    __builtin_add_overflow(*whole, (uint64_t)(*s - '0'), whole)) {
			*err = SIZE_TOO_LARGE;
			return NULL;
		}
	}
	if (*s == '.') {
		for (s++; is_digit(*s); s++, digits = true) {
			if (++*ndec > DECIMALS_MAX) {
				*err = SIZE_TOO_PRECISE;
				return NULL;
			}
			*frac = *frac * 10 + (uint64_t)(*s - '0');
		}
	}
	if (!digits) {
		*err = SIZE_BAD_NUMBER;
		return NULL;
	}
	return s;
}

/* whole * factor + frac / 10^ndec * factor, rounded half up, exactly. */
static enum size_error scale(uint64_t whole, uint64_t frac, int ndec, uint64_t factor, uint64_t *out)
{
	uint64_t pow10 = 1, q, r, part;

	for (int i = 0; i < ndec; i++)
		pow10 *= 10;
	/* frac * factor / pow10 = frac * q + frac * r / pow10, with
	 * frac, r < pow10 <= 10^9 so that frac * r fits */
	q = factor / pow10;
	r = factor % pow10;
	if (__builtin_mul_overflow(whole, factor, out) || __builtin_mul_overflow(frac, q, &part) ||
	    __builtin_add_overflow(*out, part, out) ||
	    __builtin_add_overflow(*out, (frac * r + pow10 / 2) / pow10, out))
		return SIZE_TOO_LARGE;
	return SIZE_OK;
}

enum size_error size_parse(const char *s, uint64_t *bytes)
{
	enum size_error err = SIZE_OK;
	const struct size_unit *u;
	uint64_t whole, frac;
	int ndec;
	const char *p;

	*bytes = 0;
	if (!s || !*s)
		return SIZE_EMPTY;
	if (*s == '-')
		return SIZE_NEGATIVE;
	p = scan_number(s, &whole, &frac, &ndec, &err);
	if (!p)
		return err;
	while (is_blank(*p))
		p++;
	if (!*p)
		return SIZE_NO_UNIT;
	u = unit_lookup(p);
	if (!u)
		return is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' ? SIZE_BAD_NUMBER : SIZE_BAD_UNIT;
	return scale(whole, frac, ndec, u->factor, bytes);
}

int size_parse_arg(const char *option, const char *s, uint64_t *bytes)
{
	enum size_error e = size_parse(s, bytes);

	switch (e) {
	case SIZE_OK:
		return 0;
	case SIZE_NO_UNIT:
		return error("%s: '%s' has no unit, and a number alone is ambiguous: "
			     "write %sM for MiB, or %sB for bytes", option, s, s, s);
	default:
		return error("%s: invalid size '%s': %s", option, s ? s : "", size_strerror(e));
	}
}

double size_mib(uint64_t bytes)
{
	return (double)bytes / (double)(KIB * KIB);
}

int size_check_budget(const char *file, const char *what, double mib, uint64_t max, const char *arg)
{
	if (isnan(mib))
		return error("%s: no %s to judge against the budget of %s", file, what, arg);
	if (mib <= size_mib(max))
		return 0;
	error("%s: %s %.3f MiB is over the budget of %.3f MiB (%s)", file, what, mib, size_mib(max), arg);
	return 1;
}
