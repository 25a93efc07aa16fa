/* fuzz_profile: libFuzzer harness for the .dat format.
 *
 * Each input goes three ways, and the results must agree:
 *   - every complete line through profile_parse_line, on an exact-size copy
 *     (so that AddressSanitizer sees any read past the line);
 *   - the whole input through the streaming reader, from a memfd;
 *   - every field-like token through profile_parse_number, against strtod.
 * The reader must give exactly the records and the first error that the line
 * parser gives, in order; records must hold what the format promises
 * (finite numbers, memory >= 0, a span that ends after it starts, text inside
 * its line). Any disagreement aborts.
 */
#include "profile.h"
#include "util.h"
#include "fuzz_common.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The directory of its corpus and regressions, for the replaying test. */
extern const char fuzz_target[];
const char fuzz_target[] = "profile";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup("fuzz_profile");
	return 0;
}

static bool same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static void check_record(const struct record *rec, const char *line, size_t len)
{
	CHECK(rec->kind < REC_KIND_COUNT);
	switch (rec->kind) {
	case REC_MEM:
	case REC_PEAK:
	case REC_CHLD:
	case REC_CHLDPEAK:
	case REC_MARK:
		CHECK(isfinite(rec->mem) && rec->mem >= 0 && isfinite(rec->t));
		break;
	case REC_FUNC:
		CHECK(isfinite(rec->mem) && rec->mem >= 0 && isfinite(rec->t));
		CHECK(isfinite(rec->mem_end) && rec->mem_end >= 0 && isfinite(rec->t_end));
		CHECK(rec->t_end >= rec->t);
		CHECK(rec->level >= -1);
		break;
	case REC_EXIT:
		CHECK(rec->status >= 0 && rec->status <= 255);
		break;
	default:
		break;
	}
	if (rec->text && line) {
		CHECK(rec->text >= line && rec->text + rec->text_len <= line + len);
	}
}

/* Compare what the line parser and the reader make of the same input. */
static void reader_agrees(const uint8_t *data, size_t size)
{
	struct profile_reader r;
	struct record rec, want;
	const uint8_t *p = data, *end = data + size;
	int rc;

	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	CHECK(profile_reader_open(&r, memfd_path) == 0);
	for (;;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const char *why = NULL;
		char *line;
		size_t len;
		int lrc;

		if (!nl) {
			/* the rest, if any, is an incomplete last line: ignored */
			rc = profile_reader_next(&r, &rec);
			CHECK(rc == 0);
			CHECK(r.incomplete_tail == (p < end));
			break;
		}
		len = (size_t)(nl - p);
		line = malloc(len ? len : 1);
		memcpy(line, p, len);
		lrc = profile_parse_line(line, len, &want, &why);
		p = nl + 1;
		if (lrc == 0) {
			free(line);
			continue;
		}
		rc = profile_reader_next(&r, &rec);
		if (lrc < 0) {
			CHECK(why != NULL);
			CHECK(rc == -1);
			free(line);
			break;
		}
		check_record(&want, line, len);
		CHECK(rc == 1);
		check_record(&rec, NULL, 0);
		CHECK(rec.kind == want.kind);
		CHECK(same_double(rec.mem, want.mem) && same_double(rec.t, want.t));
		CHECK(same_double(rec.mem_end, want.mem_end) && same_double(rec.t_end, want.t_end));
		CHECK(rec.level == want.level && rec.unfinished == want.unfinished);
		CHECK(rec.pid == want.pid && rec.status == want.status);
		CHECK(rec.text_len == want.text_len);
		if (rec.text_len)
			CHECK(memcmp(rec.text, line + (want.text - line), rec.text_len) == 0);
		free(line);
	}
	profile_reader_close(&r);
}

/* Tokens between blanks, as numbers: the same double as strtod, or both
 * refuse (the parser takes no more than 399 bytes). */
static void numbers_agree(const uint8_t *data, size_t size)
{
	size_t i = 0;

	while (i < size) {
		size_t j = i;
		char tok[400], *e;
		double a, b;
		int rc;

		while (j < size && data[j] != ' ' && data[j] != '\n' && data[j] != '\t')
			j++;
		if (j > i && j - i < sizeof(tok)) {
			char *copy = malloc(j - i);

			memcpy(copy, data + i, j - i);
			memcpy(tok, data + i, j - i);
			tok[j - i] = '\0';
			rc = profile_parse_number(copy, j - i, &a);
			b = strtod(tok, &e);
			if (strlen(tok) == j - i && e == tok + (j - i) && e != tok)
				CHECK(rc == 0 && (same_double(a, b) || (isnan(a) && isnan(b))));
			else
				CHECK(rc == -1);
			free(copy);
		}
		i = j + 1;
	}
}

/* Escaping: printable, no blank, and undone exactly. */
static void escape_roundtrip(const uint8_t *data, size_t size)
{
	size_t n = size < 256 ? size : 256;
	char esc[PROFILE_NAME_MAX];
	size_t elen = profile_escape((const char *)data, n, esc, sizeof(esc));

	CHECK(elen < sizeof(esc) && esc[elen] == '\0');
	for (size_t i = 0; i < elen; i++)
		CHECK((unsigned char)esc[i] > ' ' && esc[i] != 0x7f);
	if (4 * n < sizeof(esc)) {
		CHECK(profile_unescape(esc, elen) == n);
		CHECK(memcmp(esc, data, n) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader_agrees(data, size);
	numbers_agree(data, size);
	escape_roundtrip(data, size);
	return 0;
}
