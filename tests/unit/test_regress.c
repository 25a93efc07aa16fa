/* Replays, through a fuzz harness, every input that ever made it fail
 * (tests/fuzz/regressions/<target>/) and the seed corpus
 * (tests/fuzz/corpus/<target>/), without libFuzzer: each file is one Check
 * test, named in the output when it fails. The harness is linked in: its
 * checks abort on any disagreement, and a sanitizer build reports any bad
 * memory access. */
#include "testlib.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From the harness linked with this file. */
extern const char fuzz_target[];
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char **inputs;
static size_t ninputs;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *kind)
{
	char *dir;
	DIR *d;
	struct dirent *de;
	size_t first = ninputs;

	if (asprintf(&dir, "%s/tests/fuzz/%s/%s", SOURCE_ROOT, kind, fuzz_target) < 0)
		abort();
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			char *p;

			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
				abort();
			inputs = realloc(inputs, (ninputs + 1) * sizeof(*inputs));
			inputs[ninputs++] = p;
		}
		closedir(d);
	}
	if (ninputs > first)
		qsort(inputs + first, ninputs - first, sizeof(*inputs), cmp_str);
	free(dir);
}

START_TEST(test_replay)
{
	size_t len;
	char *data = tl_read_file(inputs[_i], &len);

	ck_assert_msg(data != NULL, "cannot read %s", inputs[_i]);
	fprintf(stderr, "replaying %s\n", inputs[_i]);
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("regressions");
	TCase *tc = tcase_create(fuzz_target);
	int rc;

	collect("regressions");
	collect("corpus");
	/* the seed corpus is part of the source: without it nothing is checked */
	if (!ninputs) {
		fprintf(stderr, "no inputs in %s/tests/fuzz/corpus/%s\n", SOURCE_ROOT, fuzz_target);
		return EXIT_FAILURE;
	}
	LLVMFuzzerInitialize(NULL, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_replay, 0, (int)ninputs);
	suite_add_tcase(s, tc);
	rc = tl_run_suite(s);
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i]);
	free(inputs);
	return rc;
}
