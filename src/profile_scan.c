/* profile_scan: the common record, "MEM <MiB> <t>\n", read many at a time.
 *
 * On x86-64 with AVX2, a line's first 32 (or 64) bytes are classified at
 * once (digit, '.', anything else) into bit masks: the ends of its two
 * numbers and their dots are the masks' low bits. Lines that follow one
 * another mostly have the same shape (the same masks up to the newline):
 * then what was worked out for the line before converts this one. Both
 * numbers are moved, their dot taken out, to the right of one 16-byte lane
 * each by one byte shuffle (its control from a table by length and place of
 * the dot) and converted together: pairs, quads, octets of digits, then up
 * to 15 digits in 64 bits. So m < 10^15 and k <= 15 in m / 10^k: both exact
 * doubles, the one division correctly rounded, the double strtod gives (and
 * profile.c's plain way gives). Any other form (signs, longer numbers,
 * exponents, a line longer than the window, a processor without AVX2) is
 * read by profile.c's plain way, which falls to strtod.
 */
#include "profile_par.h"

#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define SCAN_AVX2 1
#include <immintrin.h>
#endif

_Static_assert(PROFILE_SCAN_WINDOW == 64 && PROFILE_SCAN_WINDOW + 16 <= PROFILE_SCAN_PAD,
	       "the window's masks fit 64 bits, a number's 16 bytes from any byte of it "
	       "fit the padding");

#ifdef SCAN_AVX2

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

/* shuffle[len][dot]: a number of len bytes (1 to 16) with its '.' at dot
 * (dot == len: none) to the right of 16 bytes, without its dot, zeros (bytes
 * with the top bit set in the control) before it. */
static uint8_t shuffle[17][17][16] __attribute__((aligned(16)));
static pthread_once_t shuffle_once = PTHREAD_ONCE_INIT;
static bool have_avx2;

static void shuffle_init(void)
{
	for (int len = 0; len <= 16; len++) {
		for (int dot = 0; dot <= len; dot++) {
			int digits = len - (dot < len);

			for (int j = 0; j < 16; j++) {
				int i = j - (16 - digits);

				shuffle[len][dot][j] = i < 0 ? 0x80 : (uint8_t)(i < dot ? i : i + 1);
			}
		}
	}
	__builtin_cpu_init();
	have_avx2 = __builtin_cpu_supports("avx2");
}

/* Bit i set: byte i of the 32 bytes at p is not an ASCII digit; in *dots
 * the bits of the bytes that are '.'. */
static inline __attribute__((always_inline, target("avx2"))) uint64_t
classify32(const char *p, uint64_t *dots)
{
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i x = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
	__m256i dig = _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(9)), x);

	*dots = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')));
	return (uint32_t)~_mm256_movemask_epi8(dig);
}

/* A line's shape: where its numbers, their dots and its newline are, as the
 * bit masks of its bytes up to its newline show them; what converts its
 * numbers. Lines that follow one another mostly have the same. */
struct shape {
	__m256i ctl;           /* the two numbers' shuffle */
	__m128d div;           /* 10^(fraction digits) of each */
	uint64_t nd, dots;     /* the masks of line_masks */
	uint64_t keep;         /* the bits up to the newline */
	unsigned sep, nl;      /* the space between the numbers, the newline */
};

/* The masks of the line at p: 32 bytes, 64 when that has not the two ends of
 * its numbers (so a line of a shape with its newline past 32 bytes is seen
 * whole). Their bits for "MEM " cleared in *term (the ends: neither digit
 * nor dot). */
static inline __attribute__((always_inline, target("avx2"))) uint64_t
line_masks(const char *p, uint64_t *dots, uint64_t *term)
{
	uint64_t nd = classify32(p, dots);

	*term = nd & ~*dots & ~UINT64_C(0xf);
	if (!(*term & (*term - 1))) { /* not two ends in 32 bytes */
		uint64_t dots_hi, nd_hi = classify32(p + 32, &dots_hi);

		nd |= nd_hi << 32;
		*dots |= dots_hi << 32;
		*term = nd & ~*dots & ~UINT64_C(0xf);
	}
	return nd;
}

/* The line at p (avail bytes of data) has sh's shape. */
static inline __attribute__((always_inline, target("avx2"))) bool
shape_same(const char *p, size_t avail, const struct shape *sh)
{
	uint64_t dots, term, nd = line_masks(p, &dots, &term);

	return !(((nd ^ sh->nd) | (dots ^ sh->dots)) & sh->keep) && memcmp(p, "MEM ", 4) == 0 &&
	       p[sh->sep] == ' ' && p[sh->nl] == '\n' && sh->nl < avail;
}

/* A number of len bytes (1 to 16) with a dot at dot (len: none): at most 15
 * digits, at least one; its shuffle; 10^(fraction digits). */
static inline bool number_shape(unsigned len, uint64_t dots, unsigned at, const uint8_t **ctl,
				double *div)
{
	unsigned dot = dots ? (unsigned)__builtin_ctzll(dots) - at : len;
	unsigned digits = len - (dot < len);

	if (len - 1 > 15 || (dots & (dots - 1)) || digits - 1 > 14)
		return false;
	*ctl = shuffle[len][dot];
	*div = pow10_exact[len - dot - (dot < len)];
	return true;
}

/* Learn the shape of the line at p: false when it is not "MEM <a> <b>\n"
 * with two plain decimals of 1 to 15 digits (sh unchanged). */
static inline __attribute__((always_inline, target("avx2"))) bool
shape_learn(const char *p, size_t avail, struct shape *sh)
{
	uint64_t dots, term, nd = line_masks(p, &dots, &term), keep;
	unsigned e1, e2;
	const uint8_t *c0, *c1;
	double d0, d1;

	if (!(term & (term - 1)))
		return false;
	e1 = (unsigned)__builtin_ctzll(term);
	term &= term - 1;
	e2 = (unsigned)__builtin_ctzll(term);
	if (memcmp(p, "MEM ", 4) != 0 || p[e1] != ' ' || p[e2] != '\n' || e2 >= avail)
		return false;
	keep = (UINT64_C(2) << e2) - 1; /* e2 == 63: all (2 << 63 is 0) */
	if (!number_shape(e1 - 4, dots & ((UINT64_C(1) << e1) - 1), 4, &c0, &d0) ||
	    !number_shape(e2 - e1 - 1, dots & keep & ~((UINT64_C(2) << e1) - 1), e1 + 1, &c1, &d1))
		return false;
	sh->ctl = _mm256_loadu2_m128i((const __m128i *)(const void *)c1,
				      (const __m128i *)(const void *)c0);
	sh->div = _mm_set_pd(d1, d0);
	sh->nd = nd;
	sh->dots = dots;
	sh->keep = keep;
	sh->sep = e1;
	sh->nl = e2;
	return true;
}

_Static_assert(offsetof(struct profile_sample, t) == sizeof(double),
	       "a sample is its two doubles, mem first");

/* The two numbers of the line at p, of shape sh, into out (mem, t): 16
 * digits in each lane to pairs, quads, octets, then m = high * 10^8 + low;
 * m < 10^15 < 2^52 is exact in the low bits of 2^52's double. */
static inline __attribute__((always_inline, target("avx2"))) void
shape_convert(const char *p, const struct shape *sh, double *out)
{
	__m256i x = _mm256_loadu2_m128i((const __m128i *)(const void *)(p + sh->sep + 1),
					(const __m128i *)(const void *)(p + 4));
	__m256i pairs, quads, oct, m;
	__m128i m2;
	__m128d two52 = _mm_set1_pd(4503599627370496.0);

	x = _mm256_shuffle_epi8(_mm256_sub_epi8(x, _mm256_set1_epi8('0')), sh->ctl);
	pairs = _mm256_maddubs_epi16(x, _mm256_set1_epi16(0x010a));
	quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00010064));
	oct = _mm256_madd_epi16(_mm256_packus_epi32(quads, quads), _mm256_set1_epi32(0x00012710));
	m = _mm256_add_epi64(_mm256_mul_epu32(oct, _mm256_set1_epi64x(100000000)),
			     _mm256_srli_epi64(oct, 32));
	m2 = _mm256_castsi256_si128(_mm256_permute4x64_epi64(m, 0x08));
	m2 = _mm_or_si128(m2, _mm_castpd_si128(two52));
	_mm_storeu_pd(out, _mm_div_pd(_mm_sub_pd(_mm_castsi128_pd(m2), two52), sh->div));
}

static inline __attribute__((always_inline, target("avx2"))) void shape_reset(struct shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->keep = ~UINT64_C(0); /* no line's masks are all 0 */
}

static __attribute__((target("avx2"))) const char *
scan_avx2(const char *p, const char *mine, const char *end, struct profile_sample *out,
	  size_t cap, size_t *n)
{
	struct shape sh;
	size_t i = 0;

	shape_reset(&sh);
	while (p < mine && i < cap) {
		size_t avail = (size_t)(end - p);

		if (shape_same(p, avail, &sh) || shape_learn(p, avail, &sh)) {
			shape_convert(p, &sh, &out[i].mem);
			p += sh.nl + 1;
		} else {
			const char *q = profile_scan_mem_line(p, end, &out[i].mem, &out[i].t);

			if (!q)
				break;
			p = q;
		}
		i++;
	}
	*n = i;
	return p;
}

static __attribute__((noinline, target("avx2"))) const char *
one_avx2(const char *p, size_t avail, double *mem, double *t)
{
	struct shape sh;
	double v[2];

	shape_reset(&sh);
	if (!shape_learn(p, avail, &sh))
		return NULL;
	shape_convert(p, &sh, v);
	*mem = v[0];
	*t = v[1];
	return p + sh.nl + 1;
}

static bool use_avx2(void)
{
	pthread_once(&shuffle_once, shuffle_init);
	return have_avx2;
}

const char *profile_scan_mem_fast(const char *p, size_t avail, double *mem, double *t)
{
	return use_avx2() ? one_avx2(p, avail, mem, t) : NULL;
}

#else

const char *profile_scan_mem_fast(const char *p, size_t avail, double *mem, double *t)
{
	(void)p, (void)avail, (void)mem, (void)t;
	return NULL;
}

#endif

const char *profile_scan_mems(const char *p, const char *mine, const char *end,
			      struct profile_sample *out, size_t cap, size_t *n)
{
	size_t i = 0;

#ifdef SCAN_AVX2
	if (use_avx2())
		return scan_avx2(p, mine, end, out, cap, n);
#endif
	while (p < mine && i < cap) {
		const char *q = profile_scan_mem_line(p, end, &out[i].mem, &out[i].t);

		if (!q)
			break;
		p = q;
		i++;
	}
	*n = i;
	return p;
}
