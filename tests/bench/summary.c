/* bench-summary: time the summary engine on profiles, or print what it
 * finds (the engines of `mprof summary` and `mprof diff`, through the
 * library).
 *
 *   bench-summary [--text | --json] FILE...
 *   bench-summary --diff A B
 *
 * Without an output option, prints for each file the seconds the reading
 * took, the samples, the peak and this process's peak RSS so far (from
 * getrusage), to check that memory stays bounded whatever the file's size.
 */
#include "diff.h"
#include "json.h"
#include "summary.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Both summaries, their comparison as text, and the time and memory taken. */
static int bench_diff(const char *a, const char *b)
{
	struct summary sa, sb;
	struct rusage ru;
	struct diff d;
	double t0 = now();

	if (summary_read(&sa, a, 0) < 0)
		return 1;
	if (summary_read(&sb, b, 0) < 0) {
		summary_release(&sa);
		return 1;
	}
	diff_compute(&d, &sa, &sb);
	diff_print_text(&d, NULL, 0, stdout);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "diff: %.3f s, max RSS %ld KiB\n", now() - t0, ru.ru_maxrss);
	diff_release(&d);
	summary_release(&sa);
	summary_release(&sb);
	return 0;
}

int main(int argc, char **argv)
{
	int mode = 0, rc = 0;

	if (argc == 4 && strcmp(argv[1], "--diff") == 0)
		return bench_diff(argv[2], argv[3]);

	for (int i = 1; i < argc; i++) {
		struct summary s;
		struct rusage ru;
		struct json j;
		double t0;

		if (strcmp(argv[i], "--text") == 0 || strcmp(argv[i], "--json") == 0) {
			mode = argv[i][2] == 't' ? 1 : 2;
			continue;
		}
		t0 = now();
		if (summary_read(&s, argv[i], 0) < 0) {
			rc = 1;
			continue;
		}
		if (mode == 1) {
			summary_print_text(&s, stdout);
		} else if (mode == 2) {
			json_init(&j, stdout);
			summary_json(&s, &j);
			json_finish(&j);
		} else {
			getrusage(RUSAGE_SELF, &ru);
			printf("%s: %.3f s, %lu samples, peak %.6f MiB, %zu functions, max RSS %ld KiB\n",
			       argv[i], now() - t0, s.samples, s.peak.mib, s.nfuncs, ru.ru_maxrss);
		}
		summary_release(&s);
	}
	return rc;
}
