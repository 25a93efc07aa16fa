/* gendat: write a synthetic profile of N samples, fast.
 *
 *   gendat N FILE [INTERVAL_S [SEED]]      (INTERVAL_S default 0.001)
 *
 * A CMDLINE record, then N records "MEM %.6f %.4f": a random walk in MiB
 * (steps of up to +-0.5 MiB, kept between 1 and 4000 MiB) at INTERVAL_S
 * apart from a fixed start time. Numbers are kept as integers (micro-MiB,
 * 1/10000 s) and printed by hand, so the text is exactly what printf would
 * write. Prints the largest value written, exactly as written ("max=<MiB>"),
 * to stdout, for checking the peak a reader reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write v as decimal with `frac` digits after the point. Returns the length. */
static int put_fixed(char *dst, uint64_t v, int frac)
{
	char tmp[32];
	int n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
		if (n == frac)
			tmp[n++] = '.';
	} while (v || n <= frac + 1);
	if (tmp[n - 1] == '.')
		tmp[n++] = '0';
	while (n)
		dst[len++] = tmp[--n];
	return len;
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	uint64_t n, mem = 100000000, max = 0, t0 = 17000000000000ULL, dt;
	double interval = 0.001;
	size_t len = 0;
	char maxs[32];
	FILE *f;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: gendat N FILE [INTERVAL_S [SEED]]\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	if (argc > 3)
		interval = atof(argv[3]);
	rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) | 1 : 0x9E3779B97F4A7C15ULL;
	dt = (uint64_t)(interval * 10000 + 0.5);
	if (dt == 0)
		dt = 1;
	f = fopen(argv[2], "w");
	if (!f) {
		perror("gendat: cannot create the file");
		return 1;
	}
	len = (size_t)snprintf(buf, sizeof(buf), "CMDLINE gendat %s\n", argv[1]);
	for (uint64_t i = 0; i < n; i++) {
		int64_t step = (int64_t)(rng_next() % 1000001) - 500000;

		if ((int64_t)mem + step < 1000000 || mem + step > 4000000000ULL)
			step = -step;
		mem += step;
		if (mem > max)
			max = mem;
		memcpy(buf + len, "MEM ", 4);
		len += 4;
		len += put_fixed(buf + len, mem, 6);
		buf[len++] = ' ';
		len += put_fixed(buf + len, t0 + i * dt, 4);
		buf[len++] = '\n';
		if (len > sizeof(buf) - 128) {
			if (fwrite(buf, 1, len, f) != len) {
				perror("gendat: write");
				return 1;
			}
			len = 0;
		}
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror("gendat: write");
		return 1;
	}
	maxs[put_fixed(maxs, max, 6)] = '\0';
	printf("max=%s\n", maxs);
	return 0;
}
