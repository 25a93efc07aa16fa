/* diff output: a table for people, JSON for programs (schema in mprof(1),
 * "MPROF DIFF"), JUnit XML for CI systems. */
#include "diff.h"

#include "json.h"
#include "junit.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIB_DECIMALS 6
#define SEC_DECIMALS 6
#define PCT_DECIMALS 6

static const char *const kind_names[] = {
	[DIFF_RUN] = "run",
	[DIFF_FUNC] = "function",
	[DIFF_MARK] = "marker",
};

static const char *const verdict_names[] = {
	[DIFF_PASS] = "pass",
	[DIFF_FAIL] = "fail",
	[DIFF_UNKNOWN] = "unknown",
};

/* ---- text ---- */

static void put_num(FILE *f, int width, int decimals, bool sign, double v)
{
	if (isnan(v))
		fprintf(f, " %*s", width, "-");
	else if (sign)
		fprintf(f, " %+*.*f", width, decimals, v);
	else
		fprintf(f, " %*.*f", width, decimals, v);
}

static void put_pct(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, " %8s", "-");
	else if (isinf(v))
		fprintf(f, " %8s", v > 0 ? "+inf%" : "-inf%");
	else
		fprintf(f, " %+7.1f%%", v);
}

static void put_row(FILE *f, const struct diff_row *r)
{
	fputc(' ', f);
	put_num(f, 10, 3, false, r->peak.a);
	put_num(f, 10, 3, false, r->peak.b);
	put_num(f, 9, 3, true, r->peak.change);
	put_pct(f, r->peak.pct);
	put_num(f, 8, 3, false, r->time.a);
	put_num(f, 8, 3, false, r->time.b);
	put_pct(f, r->time.pct);
	put_num(f, 9, 3, true, r->increment.a);
	put_num(f, 9, 3, true, r->increment.b);
	fprintf(f, "  %s", kind_names[r->kind]);
	if (r->name) {
		fputc(' ', f);
		summary_put_name(f, r->name, r->name_len);
	}
	if (!r->in_a || !r->in_b)
		fprintf(f, " (only in %s)", r->in_a ? "A" : "B");
	fputc('\n', f);
}

void diff_print_text(const struct diff *d, const struct diff_budget *b, size_t nb, FILE *f)
{
	const struct diff_row *run = &d->rows[0];

	fputs("A: ", f);
	summary_put_name(f, d->a->path, strlen(d->a->path));
	fputs("\nB: ", f);
	summary_put_name(f, d->b->path, strlen(d->b->path));
	fprintf(f, "\n\n  %10s %10s %9s %8s %8s %8s %8s %9s %9s  %s\n", "peak A", "peak B", "change", "%",
		"time A", "time B", "%", "incr. A", "incr. B", "what");
	for (size_t i = 0; i < d->nrows; i++)
		put_row(f, &d->rows[i]);
	fputs("\n  Peaks and increments in MiB, times in seconds: the run's duration, a function's\n"
	      "  total time in its calls, a marker's first occurrence.\n", f);
	if (!isnan(run->exact.a) || !isnan(run->exact.b)) {
		fputs("  Exact (kernel's) peak:", f);
		put_num(f, 0, 3, false, run->exact.a);
		fputs(" MiB ->", f);
		put_num(f, 0, 3, false, run->exact.b);
		fputs(" MiB,", f);
		put_pct(f, run->exact.pct);
		fputc('\n', f);
	}
	if (nb)
		fputc('\n', f);
	for (size_t i = 0; i < nb; i++)
		fprintf(f, "  %-7s %s\n", b[i].verdict == DIFF_PASS ? "pass" : b[i].verdict == DIFF_FAIL ?
			"FAIL" : "UNKNOWN", b[i].message);
}

/* ---- JSON ---- */

static void json_value(struct json *j, const char *key, const struct diff_value *v, int decimals)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_number(j, "a", v->a, decimals);
	json_kv_number(j, "b", v->b, decimals);
	json_kv_number(j, "change", v->change, decimals);
	json_kv_number(j, "change_pct", v->pct, PCT_DECIMALS);
	json_object_end(j);
}

static void json_count(struct json *j, const char *key, bool present, unsigned long n)
{
	json_key(j, key);
	if (present)
		json_integer(j, (long long)n);
	else
		json_null(j);
}

static void json_row(struct json *j, const struct diff_row *r)
{
	json_object_begin(j);
	json_kv_cstring(j, "kind", kind_names[r->kind]);
	json_key(j, "name");
	if (r->name)
		json_string(j, r->name, r->name_len);
	else
		json_null(j);
	json_kv_bool(j, "in_a", r->in_a);
	json_kv_bool(j, "in_b", r->in_b);
	json_count(j, "count_a", r->in_a, r->count_a);
	json_count(j, "count_b", r->in_b, r->count_b);
	json_value(j, "peak_mib", &r->peak, MIB_DECIMALS);
	json_value(j, "exact_peak_mib", &r->exact, MIB_DECIMALS);
	json_value(j, "time_s", &r->time, SEC_DECIMALS);
	json_value(j, "increment_mib", &r->increment, MIB_DECIMALS);
	json_object_end(j);
}

static void json_budget(struct json *j, const struct diff_budget *b)
{
	json_object_begin(j);
	json_kv_cstring(j, "name", b->title);
	json_kv_cstring(j, "measure", b->measure == DIFF_MEASURE_EXACT ? "exact_peak" : "peak");
	json_kv_cstring(j, "function", b->func);
	json_kv_number(j, "max_increase_pct", b->max_increase, PCT_DECIMALS);
	json_kv_cstring(j, "result", verdict_names[b->verdict]);
	json_kv_number(j, "a_mib", b->a, MIB_DECIMALS);
	json_kv_number(j, "b_mib", b->b, MIB_DECIMALS);
	json_kv_number(j, "change_pct", b->pct, PCT_DECIMALS);
	json_kv_cstring(j, "message", b->message);
	json_object_end(j);
}

void diff_json(const struct diff *d, const struct diff_budget *b, size_t nb, struct json *j)
{
	bool passed = true;

	json_object_begin(j);
	json_kv_cstring(j, "format", DIFF_FORMAT);
	json_kv_integer(j, "version", DIFF_VERSION);
	json_kv_cstring(j, "a", d->a->path);
	json_kv_cstring(j, "b", d->b->path);
	json_key(j, "rows");
	json_array_begin(j);
	for (size_t i = 0; i < d->nrows; i++)
		json_row(j, &d->rows[i]);
	json_array_end(j);
	json_key(j, "budgets");
	json_array_begin(j);
	for (size_t i = 0; i < nb; i++) {
		json_budget(j, &b[i]);
		passed &= b[i].verdict == DIFF_PASS;
	}
	json_array_end(j);
	json_kv_bool(j, "passed", passed);
	json_object_end(j);
}

/* ---- JUnit ---- */

int diff_write_junit(const struct diff *d, const struct diff_budget *b, size_t nb, const char *path)
{
	struct junit_case *c = xcalloc(nb + 1, sizeof(*c));
	char **detail = xcalloc(nb + 1, sizeof(*detail));
	char *suite = xasprintf("mprof diff %s %s", d->a->path, d->b->path);
	int rc;

	for (size_t i = 0; i < nb; i++) {
		detail[i] = xasprintf("%s\nA: %s\nB: %s\n", b[i].message, d->a->path, d->b->path);
		c[i] = (struct junit_case){
			.classname = "mprof.budget",
			.name = b[i].title,
			.result = b[i].verdict == DIFF_PASS ? JUNIT_PASS :
				  b[i].verdict == DIFF_FAIL ? JUNIT_FAILURE : JUNIT_ERROR,
			.message = b[i].message,
			.detail = detail[i],
		};
	}
	rc = junit_write_file(path, suite, c, nb);
	for (size_t i = 0; i < nb; i++)
		free(detail[i]);
	free(detail);
	free(c);
	free(suite);
	return rc;
}
