/* summary output: text for people, JSON for programs (the schema is in
 * mprof(1), "MPROF SUMMARY"). */
#include "summary.h"

#include "json.h"
#include "profile.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIB_DECIMALS 6  /* as profiles write MiB */
#define SEC_DECIMALS 6

char *summary_display_name(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(4 * len + 1), *o = out;

	for (size_t i = 0; i < len;) {
		size_t n = p[i] >= 0x80 ? profile_utf8_len(p + i, len - i) : 0;

		if (n) {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		} else if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' || p[i] >= 0x80) {
			o += sprintf(o, "\\x%02x", p[i++]);
		} else {
			*o++ = (char)p[i++];
		}
	}
	*o = '\0';
	return out;
}

void summary_put_name(FILE *f, const char *s, size_t len)
{
	char *d = summary_display_name(s, len);

	fputs(d, f);
	free(d);
}

/* ---- text ---- */

static void put_point(FILE *f, const char *key, const struct summary_point *p, const char *none)
{
	fprintf(f, "  %-11s ", key);
	if (isnan(p->mib))
		fprintf(f, "%s\n", none);
	else
		fprintf(f, "%.3f MiB at %.3f s\n", p->mib, p->t);
}

static void put_mib(FILE *f, const char *key, double v)
{
	if (isnan(v))
		fprintf(f, "  %-11s none\n", key);
	else
		fprintf(f, "  %-11s %.3f MiB\n", key, v);
}

static void put_exit(FILE *f, const struct summary_exit *e)
{
	fprintf(f, "  %-11s ", "exit");
	if (!e->set)
		fputs("unknown (no EXIT record: cut short, or still running)\n", f);
	else if (strcmp(e->how, "exit") == 0)
		fprintf(f, "status %d at %.3f s\n", e->status, e->t);
	else if (strcmp(e->how, "signal") == 0)
		fprintf(f, "killed by signal %d at %.3f s\n", e->status, e->t);
	else
		fprintf(f, "%s at %.3f s\n", e->how, e->t);
}

/* A number in a column, or "-" when there is none. */
static void put_cell(FILE *f, int width, double v)
{
	if (isnan(v))
		fprintf(f, "%*s", width, "-");
	else
		fprintf(f, "%*.3f", width, v);
}

static void put_funcs(const struct summary *s, FILE *f)
{
	bool exact = false;

	for (size_t i = 0; i < s->nfuncs; i++)
		exact |= !isnan(s->funcs[i].exact_peak);
	fprintf(f, "\n  functions%s\n  %8s %10s %10s %s%14s  name\n",
		s->func_peaks_sampled || !s->nfuncs ? "" : " (peaks unknown: the file was read once)",
		"calls", "total s", "peak MiB", exact ? "  exact MiB" : "", "increment MiB");
	for (size_t i = 0; i < s->nfuncs; i++) {
		const struct summary_func *fn = &s->funcs[i];

		fprintf(f, "  %8lu %10.3f ", fn->calls, fn->total);
		put_cell(f, 10, fn->peak);
		if (exact) {
			fputc(' ', f);
			put_cell(f, 10, fn->exact_peak);
		}
		fprintf(f, " %+14.3f  ", fn->increment);
		summary_put_name(f, fn->name, fn->name_len);
		if (fn->unfinished)
			fprintf(f, " (%lu unfinished)", fn->unfinished);
		fputc('\n', f);
	}
}

static void put_marks(const struct summary *s, FILE *f)
{
	fprintf(f, "\n  markers\n  %8s %10s %10s %10s  label\n", "count", "first s", "there MiB", "peak MiB");
	for (size_t i = 0; i < s->nmarks; i++) {
		const struct summary_mark *m = &s->marks[i];

		fprintf(f, "  %8lu %10.3f %10.3f %10.3f  ", m->count, m->first, m->first_mib, m->peak);
		summary_put_name(f, m->label, m->label_len);
		fputc('\n', f);
	}
}

static void put_children(const struct summary *s, FILE *f)
{
	fprintf(f, "\n  children\n  %8s %8s %10s %10s %10s  command\n", "pid", "samples", "peak MiB", "at s",
		"exact MiB");
	for (size_t i = 0; i < s->nchildren; i++) {
		const struct summary_child *c = &s->children[i];

		fprintf(f, "  %8ld %8lu ", c->pid, c->samples);
		put_cell(f, 10, c->peak.mib);
		fputc(' ', f);
		put_cell(f, 10, c->peak.t);
		fputc(' ', f);
		put_cell(f, 10, c->exact_peak.mib);
		fputs("  ", f);
		if (c->command)
			summary_put_name(f, c->command, c->command_len);
		fputc('\n', f);
	}
}

void summary_print_text(const struct summary *s, FILE *f)
{
	summary_put_name(f, s->path, strlen(s->path));
	fputc('\n', f);
	if (s->command) {
		fprintf(f, "  %-11s ", "command");
		summary_put_name(f, s->command, strlen(s->command));
		fputc('\n', f);
	}
	if (s->runs > 1)
		fprintf(f, "  %-11s %u (an appended file: the figures cover all)\n", "runs", s->runs);
	if (isnan(s->duration))
		fprintf(f, "  %-11s none\n", "duration");
	else
		fprintf(f, "  %-11s %.3f s\n", "duration", s->duration);
	fprintf(f, "  %-11s %lu\n", "samples", s->samples);
	put_point(f, "peak", &s->peak, "none (no samples)");
	put_point(f, "exact peak", &s->exact_peak, "none (no PEAK record)");
	put_mib(f, "mean", s->mean);
	put_mib(f, "initial", s->initial);
	put_mib(f, "final", s->final);
	if (isnan(s->slope))
		fprintf(f, "  %-11s none\n", "slope");
	else
		fprintf(f, "  %-11s %+.5f MiB/s\n", "slope", s->slope);
	put_exit(f, &s->exit);
	if (s->nfuncs)
		put_funcs(s, f);
	if (s->nmarks)
		put_marks(s, f);
	if (s->nchildren)
		put_children(s, f);
}

/* ---- JSON ---- */

static void json_point(struct json *j, const char *key, const struct summary_point *p)
{
	json_key(j, key);
	if (isnan(p->mib)) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_number(j, "mib", p->mib, MIB_DECIMALS);
	json_kv_number(j, "at_s", p->t, SEC_DECIMALS);
	json_object_end(j);
}

static void json_exit(struct json *j, const struct summary_exit *e)
{
	json_key(j, "exit");
	if (!e->set) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_kv_cstring(j, "how", e->how);
	json_kv_integer(j, "status", e->status);
	json_kv_number(j, "at_s", e->t, SEC_DECIMALS);
	json_object_end(j);
}

static void json_funcs(struct json *j, const struct summary *s)
{
	json_key(j, "functions");
	json_array_begin(j);
	for (size_t i = 0; i < s->nfuncs; i++) {
		const struct summary_func *f = &s->funcs[i];

		json_object_begin(j);
		json_kv_string(j, "name", f->name, f->name_len);
		json_kv_integer(j, "calls", (long long)f->calls);
		json_kv_integer(j, "unfinished", (long long)f->unfinished);
		json_kv_number(j, "first_s", f->first, SEC_DECIMALS);
		json_kv_number(j, "total_s", f->total, SEC_DECIMALS);
		json_kv_number(j, "peak_mib", f->peak, MIB_DECIMALS);
		json_kv_number(j, "exact_peak_mib", f->exact_peak, MIB_DECIMALS);
		json_kv_number(j, "increment_mib", f->increment, MIB_DECIMALS);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_marks(struct json *j, const struct summary *s)
{
	json_key(j, "markers");
	json_array_begin(j);
	for (size_t i = 0; i < s->nmarks; i++) {
		const struct summary_mark *m = &s->marks[i];

		json_object_begin(j);
		json_kv_string(j, "label", m->label, m->label_len);
		json_kv_integer(j, "count", (long long)m->count);
		json_kv_number(j, "first_s", m->first, SEC_DECIMALS);
		json_kv_number(j, "first_mib", m->first_mib, MIB_DECIMALS);
		json_kv_number(j, "peak_mib", m->peak, MIB_DECIMALS);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_children(struct json *j, const struct summary *s)
{
	json_key(j, "children");
	json_array_begin(j);
	for (size_t i = 0; i < s->nchildren; i++) {
		const struct summary_child *c = &s->children[i];

		json_object_begin(j);
		json_kv_integer(j, "pid", c->pid);
		json_key(j, "command");
		if (c->command)
			json_string(j, c->command, c->command_len);
		else
			json_null(j);
		json_kv_integer(j, "samples", (long long)c->samples);
		json_point(j, "peak", &c->peak);
		json_point(j, "exact_peak", &c->exact_peak);
		json_object_end(j);
	}
	json_array_end(j);
}

void summary_json(const struct summary *s, struct json *j)
{
	json_object_begin(j);
	json_kv_cstring(j, "format", SUMMARY_FORMAT);
	json_kv_integer(j, "version", SUMMARY_VERSION);
	json_kv_cstring(j, "file", s->path);
	json_kv_cstring(j, "command", s->command);
	json_kv_integer(j, "runs", s->runs);
	json_kv_number(j, "start_unix", s->start_unix, SEC_DECIMALS);
	json_kv_number(j, "duration_s", s->duration, SEC_DECIMALS);
	json_kv_integer(j, "samples", (long long)s->samples);
	json_point(j, "peak", &s->peak);
	json_point(j, "exact_peak", &s->exact_peak);
	json_kv_number(j, "mean_mib", s->mean, MIB_DECIMALS);
	json_kv_number(j, "initial_mib", s->initial, MIB_DECIMALS);
	json_kv_number(j, "final_mib", s->final, MIB_DECIMALS);
	json_kv_number(j, "slope_mib_per_s", s->slope, SEC_DECIMALS);
	json_exit(j, &s->exit);
	json_kv_bool(j, "function_peaks_sampled", s->func_peaks_sampled);
	json_funcs(j, s);
	json_marks(j, s);
	json_children(j, s);
	json_object_end(j);
}
