/* profile_scan: the common record, "MEM <MiB> <t>\n", read many at a time.
 *
 * On x86-64 with AVX2, a line's first bytes are classified at once (digit,
 * '.', anything else) into bit masks: the ends of its two numbers and their
 * dots are the masks' low bits. Both numbers are then moved, their dot
 * taken out, to the right of one 16-byte lane each by one byte shuffle
 * (its control from a table by length and place of the dot) and converted
 * together: pairs, quads, octets of digits, then 16 digits in 64 bits.
 * Numbers of at most 16 digits in at most 16 bytes, so m < 10^16 and k <= 16
 * in m / 10^k: both exact doubles, the one division correctly rounded, the
 * double strtod gives (and profile.c's plain way gives). Any other form
 * (signs, longer numbers, exponents, a line longer than the window, a
 * processor without AVX2) is read by profile.c's plain way, which falls to
 * strtod.
 */
#include "profile_par.h"

#include <pthread.h>
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

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
};

#ifdef SCAN_AVX2

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

/* The two numbers' places: a number starts at s[i], is len[i] bytes, its dot
 * at dot[i] from its start (len[i]: none). Where the line ends (its
 * newline), or 0 when it is not that line. */
static inline __attribute__((always_inline, target("avx2"))) unsigned
line_shape(const char *p, size_t avail, unsigned s[2], unsigned len[2], unsigned dot[2])
{
	uint64_t dots, nd = classify32(p, &dots), term, d1, d2;
	unsigned e1, e2;

	term = nd & ~dots & ~UINT64_C(0xf);
	if (!(term & (term - 1))) { /* not two ends in 32 bytes */
		uint64_t dots_hi, nd_hi = classify32(p + 32, &dots_hi);

		nd |= nd_hi << 32;
		dots |= dots_hi << 32;
		term = nd & ~dots & ~UINT64_C(0xf);
		if (!(term & (term - 1)))
			return 0;
	}
	e1 = (unsigned)__builtin_ctzll(term);
	term &= term - 1;
	e2 = (unsigned)__builtin_ctzll(term);
	if (memcmp(p, "MEM ", 4) != 0 || p[e1] != ' ' || p[e2] != '\n' || e2 >= avail)
		return 0;
	d1 = dots & ((UINT64_C(1) << e1) - 1);
	d2 = dots & ((UINT64_C(1) << e2) - 1) & ~((UINT64_C(2) << e1) - 1);
	s[0] = 4;
	s[1] = e1 + 1;
	len[0] = e1 - 4;
	len[1] = e2 - e1 - 1;
	dot[0] = d1 ? (unsigned)__builtin_ctzll(d1) - s[0] : len[0];
	dot[1] = d2 ? (unsigned)__builtin_ctzll(d2) - s[1] : len[1];
	/* 1 to 16 bytes, at most one dot, at least one digit */
	if (len[0] - 1 > 15 || len[1] - 1 > 15 || (d1 & (d1 - 1)) || (d2 & (d2 - 1)) ||
	    (len[0] == 1 && d1) || (len[1] == 1 && d2))
		return 0;
	return e2;
}

/* 16 digits (zero bytes before them) in each lane: their values. */
static inline __attribute__((always_inline, target("avx2"))) void
lanes_to_u64(__m256i x, uint64_t *a, uint64_t *b)
{
	__m256i pairs = _mm256_maddubs_epi16(x, _mm256_set1_epi16(0x010a));
	__m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00010064));
	__m256i oct = _mm256_madd_epi16(_mm256_packus_epi32(quads, quads),
					_mm256_set1_epi32(0x00012710));
	uint64_t lo = (uint64_t)_mm256_extract_epi64(oct, 0);
	uint64_t hi = (uint64_t)_mm256_extract_epi64(oct, 2);

	*a = (lo & 0xffffffffu) * UINT64_C(100000000) + (lo >> 32);
	*b = (hi & 0xffffffffu) * UINT64_C(100000000) + (hi >> 32);
}

static inline __attribute__((always_inline, target("avx2"))) const char *
mem_line_avx2(const char *p, size_t avail, double *mem, double *t)
{
	unsigned s[2], len[2], dot[2], nl = line_shape(p, avail, s, len, dot);
	__m256i x, ctl;
	uint64_t m0, m1;

	if (!nl)
		return NULL;
	x = _mm256_loadu2_m128i((const __m128i *)(const void *)(p + s[1]),
				(const __m128i *)(const void *)(p + s[0]));
	ctl = _mm256_loadu2_m128i((const __m128i *)(const void *)shuffle[len[1]][dot[1]],
				  (const __m128i *)(const void *)shuffle[len[0]][dot[0]]);
	x = _mm256_shuffle_epi8(_mm256_sub_epi8(x, _mm256_set1_epi8('0')), ctl);
	lanes_to_u64(x, &m0, &m1);
	if (m0 > (UINT64_C(1) << 53) || m1 > (UINT64_C(1) << 53))
		return NULL;
	*mem = (double)m0 / pow10_exact[len[0] - dot[0] - (dot[0] < len[0])];
	*t = (double)m1 / pow10_exact[len[1] - dot[1] - (dot[1] < len[1])];
	return p + nl + 1;
}

static __attribute__((target("avx2"))) const char *
scan_avx2(const char *p, const char *mine, const char *end, struct profile_sample *out,
	  size_t cap, size_t *n)
{
	size_t i = 0;

	while (p < mine && i < cap) {
		const char *q = mem_line_avx2(p, (size_t)(end - p), &out[i].mem, &out[i].t);

		if (!q)
			q = profile_scan_mem_line(p, end, &out[i].mem, &out[i].t);
		if (!q)
			break;
		p = q;
		i++;
	}
	*n = i;
	return p;
}

static bool use_avx2(void)
{
	pthread_once(&shuffle_once, shuffle_init);
	return have_avx2;
}

static __attribute__((noinline, target("avx2"))) const char *
one_avx2(const char *p, size_t avail, double *mem, double *t)
{
	return mem_line_avx2(p, avail, mem, t);
}

const char *profile_scan_mem_fast(const char *p, size_t avail, double *mem, double *t)
{
	return use_avx2() ? one_avx2(p, avail, mem, t) : NULL;
}

#else

static bool use_avx2(void)
{
	return false;
}

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
