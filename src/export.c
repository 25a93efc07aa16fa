#include "export.h"

#include "json.h"
#include "util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define AT(member) ((unsigned short)offsetof(struct record, member))

/* From record to series: a record type's values, one row each. A new series
 * is one line here. */
const struct export_series export_series[] = {
	{ REC_MEM, "mem", AT(mem), false },
	{ REC_CHLD, "mem", AT(mem), false },
	{ REC_IPEAK, "interval_peak", AT(mem), false },
	{ REC_CHLDIPEAK, "interval_peak", AT(mem), false },
	{ REC_KIND, "anon", AT(kinds[0]), false },
	{ REC_KIND, "file", AT(kinds[1]), false },
	{ REC_KIND, "shmem", AT(kinds[2]), false },
	{ REC_KIND, "swap", AT(kinds[3]), false },
	{ REC_CHLDKIND, "anon", AT(kinds[0]), false },
	{ REC_CHLDKIND, "file", AT(kinds[1]), false },
	{ REC_CHLDKIND, "shmem", AT(kinds[2]), false },
	{ REC_CHLDKIND, "swap", AT(kinds[3]), false },
	{ REC_PYHEAP, "python_heap", AT(mem), false },
	{ REC_GPU, "gpu", AT(mem), false },
	{ REC_CGROUP, "cgroup_current", AT(mem), false },
	{ REC_CGROUP, "cgroup_anon", AT(cg[0]), false },
	{ REC_CGROUP, "cgroup_file", AT(cg[1]), false },
	{ REC_CGROUP, "cgroup_kernel", AT(cg[2]), false },
	{ REC_CGROUP, "cgroup_shmem", AT(cg[3]), false },
	{ REC_CGROUP, "cgroup_sock", AT(cg[4]), false },
	{ REC_CGROUP, "cgroup_file_active", AT(cg[5]), false },
	{ REC_CGROUP, "cgroup_file_inactive", AT(cg[6]), false },
	{ REC_CGPRESSURE, "pressure_some", AT(cg[0]), true },
	{ REC_CGPRESSURE, "pressure_full", AT(cg[1]), true },
	{ REC_CGPEAK, "cgroup_peak", AT(mem), false },
};
const size_t export_series_count = ARRAY_SIZE(export_series);

#define MAX_SERIES 64
_Static_assert(ARRAY_SIZE(export_series) <= MAX_SERIES, "export: too many series");

/* What the first pass finds. */
struct export_meta {
	double t0;            /* the first sample's time */
	bool have_mem, have_any;
	double any_t0;        /* the earliest row of any series, when there is no MEM */
	char *cmdline;        /* escaped as in the file (CMDLINE is not escaped) */
	char *header;         /* MPROF's fields */
	bool have_exit;
	char exit_how[16];
	int exit_status;
	double exit_t;
	unsigned long funcs, marks;
};

static bool has_pid(enum record_kind kind)
{
	return record_type_of(kind)->fields[0].kind == FIELD_PID;
}

static bool is_series(enum record_kind kind)
{
	for (size_t i = 0; i < export_series_count; i++)
		if (export_series[i].kind == kind)
			return true;
	return false;
}

static void meta_record(struct export_meta *m, const struct record *rec)
{
	if (rec->kind == REC_MEM && (!m->have_mem || rec->t < m->t0)) {
		m->t0 = rec->t;
		m->have_mem = true;
	}
	if (is_series(rec->kind) && (!m->have_any || rec->t < m->any_t0)) {
		m->any_t0 = rec->t;
		m->have_any = true;
	}
	if (rec->kind == REC_CMDLINE && !m->cmdline)
		m->cmdline = xstrndup(rec->text, rec->text_len);
	if (rec->kind == REC_MPROF && !m->header)
		m->header = xstrndup(rec->text, rec->text_len);
	if (rec->kind == REC_EXIT && (!m->have_exit || rec->t >= m->exit_t)) {
		m->have_exit = true;
		m->exit_t = rec->t;
		m->exit_status = rec->status;
		snprintf(m->exit_how, sizeof(m->exit_how), "%.*s", (int)rec->text_len, rec->text);
	}
	m->funcs += rec->kind == REC_FUNC;
	m->marks += rec->kind == REC_MARK;
}

static void meta_fn(void *ctx, const struct record *rec)
{
	meta_record(ctx, rec);
}

/* ---- rows ---- */

struct rows {
	FILE *f;
	bool json;            /* else CSV */
	struct json j;        /* JSON: the writer */
	double t0;
	struct {              /* a rate series: its previous record */
		double t, v;
		bool have;
	} prev[MAX_SERIES];
};

/* The value of series i in rec into *v: a rate series' is the growth of its
 * counter (us) since the previous record, in ms per s; the first record, one
 * at the same time, or a counter that went back (reset) gives no row. */
static bool series_value(struct rows *rw, size_t i, const struct record *rec, double *v)
{
	const struct export_series *es = &export_series[i];
	double x, dt;
	bool ok;

	memcpy(&x, (const char *)rec + es->off, sizeof(x));
	if (!es->rate) {
		*v = x;
		return true;
	}
	dt = rec->t - rw->prev[i].t;
	ok = rw->prev[i].have && dt > 0 && x >= rw->prev[i].v;
	if (ok)
		*v = (x - rw->prev[i].v) / 1000.0 / dt;
	rw->prev[i].t = rec->t;
	rw->prev[i].v = x;
	rw->prev[i].have = true;
	return ok;
}

/* "[time,pid,"series",mib]" or "time,pid,series,mib\n", in buf of cap
 * bytes (room for two numbers, a pid and a series name to spare). */
static size_t format_row(const struct rows *rw, const struct record *rec, const struct export_series *es,
			 double v, char *buf, size_t cap)
{
	bool json = rw->json;
	size_t n = 0;

	if (json)
		buf[n++] = '[';
	n += (size_t)format_fixed(buf + n, rec->t - rw->t0, 6);
	buf[n++] = ',';
	if (has_pid(rec->kind))
		n += (size_t)snprintf(buf + n, cap - n, "%ld", rec->pid);
	else if (json)
		n += (size_t)snprintf(buf + n, cap - n, "null");
	n += (size_t)snprintf(buf + n, cap - n, json ? ",\"%s\"," : ",%s,", es->name);
	n += (size_t)format_fixed(buf + n, v, 6);
	if (json)
		buf[n++] = ']';
	else
		buf[n++] = '\n';
	return n;
}

static void rows_fn(void *ctx, const struct record *rec)
{
	struct rows *rw = ctx;
	char buf[1024];

	for (size_t i = 0; i < export_series_count; i++) {
		const struct export_series *es = &export_series[i];
		size_t n;
		double v;

		if (es->kind != rec->kind || !series_value(rw, i, rec, &v))
			continue;
		n = format_row(rw, rec, es, v, buf, sizeof(buf));
		if (rw->json)
			json_raw(&rw->j, buf, n);
		else
			fwrite(buf, 1, n, rw->f);
	}
}

/* ---- JSON: metadata, functions, markers ---- */

static void json_text(struct json *j, const char *s, size_t len, bool escaped)
{
	char *t = xstrndup(s, len);

	if (escaped)
		len = profile_unescape(t, len);
	json_string(j, t, len);
	free(t);
}

/* "1 0.1.0 backend=rss interval=0.1 ...": the value of key, or NULL. */
static const char *header_value(const char *header, const char *key, char *buf, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = header; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " ");

			snprintf(buf, cap, "%.*s", (int)n, p + kl + 1);
			return buf;
		}
	}
	return NULL;
}

static void json_meta(struct json *j, const char *path, const struct export_meta *m)
{
	char buf[128];
	const char *v;
	double d;
	long pid;

	json_key(j, "file");
	json_cstring(j, path);
	json_key(j, "command");
	if (m->cmdline)
		json_text(j, m->cmdline, strlen(m->cmdline), false);
	else
		json_null(j);
	json_key(j, "start");
	json_number(j, m->have_mem ? m->t0 : m->have_any ? m->any_t0 : NAN, 6);
	json_key(j, "interval");
	v = m->header ? header_value(m->header, "interval", buf, sizeof(buf)) : NULL;
	json_number(j, v && parse_finite(v, &d) == 0 ? d : NAN, 9);
	json_key(j, "backend");
	json_cstring(j, m->header ? header_value(m->header, "backend", buf, sizeof(buf)) : NULL);
	json_key(j, "mode");
	json_cstring(j, m->header ? header_value(m->header, "mode", buf, sizeof(buf)) : NULL);
	json_key(j, "pid");
	v = m->header ? header_value(m->header, "pid", buf, sizeof(buf)) : NULL;
	if (v && parse_long(v, &pid) == 0)
		json_integer(j, pid);
	else
		json_null(j);
	json_key(j, "exit");
	if (m->have_exit) {
		json_object_begin(j);
		json_key(j, "how");
		json_cstring(j, m->exit_how);
		json_key(j, "status");
		json_integer(j, m->exit_status);
		json_object_end(j);
	} else {
		json_null(j);
	}
}

struct spans {
	struct json *j;
	double t0;
};

static void funcs_fn(void *ctx, const struct record *rec)
{
	const struct spans *sp = ctx;
	struct json *j = sp->j;

	if (rec->kind != REC_FUNC)
		return;
	json_object_begin(j);
	json_key(j, "name");
	json_text(j, rec->text, rec->text_len, true);
	json_key(j, "level");
	if (rec->level >= 0)
		json_integer(j, rec->level);
	else
		json_null(j);
	json_key(j, "start_s");
	json_number(j, rec->t - sp->t0, 6);
	json_key(j, "end_s");
	json_number(j, rec->t_end - sp->t0, 6);
	json_key(j, "mib_start");
	json_number(j, rec->mem, 6);
	json_key(j, "mib_end");
	json_number(j, rec->mem_end, 6);
	json_key(j, "unfinished");
	json_bool(j, rec->unfinished);
	json_object_end(j);
}

static void marks_fn(void *ctx, const struct record *rec)
{
	const struct spans *sp = ctx;
	struct json *j = sp->j;

	if (rec->kind != REC_MARK)
		return;
	json_object_begin(j);
	json_key(j, "label");
	json_text(j, rec->text, rec->text_len, true);
	json_key(j, "time_s");
	json_number(j, rec->t - sp->t0, 6);
	json_key(j, "mib");
	json_number(j, rec->mem, 6);
	json_object_end(j);
}

static int export_json(const char *path, const struct export_meta *m, struct rows *rw)
{
	struct json *jw = &rw->j;
	struct spans sp = { jw, rw->t0 };
	int rc = 0;

	json_init(jw, rw->f);
	rw->json = true;
	json_object_begin(jw);
	json_meta(jw, path, m);
	json_key(jw, "columns");
	json_array_begin(jw);
	for (const char *const *c = (const char *const[]){ "time_s", "pid", "series", "mib", NULL }; *c; c++)
		json_cstring(jw, *c);
	json_array_end(jw);
	json_key(jw, "samples");
	json_array_begin(jw);
	rc = profile_read_each(path, rows_fn, NULL, rw);
	json_array_end(jw);
	json_key(jw, "functions");
	json_array_begin(jw);
	if (rc == 0 && m->funcs)
		rc = profile_read_each(path, funcs_fn, NULL, &sp);
	json_array_end(jw);
	json_key(jw, "markers");
	json_array_begin(jw);
	if (rc == 0 && m->marks)
		rc = profile_read_each(path, marks_fn, NULL, &sp);
	json_array_end(jw);
	json_object_end(jw);
	json_finish(jw);
	return rc;
}

int export_profile(const char *path, enum export_format fmt, FILE *out, const char *outname)
{
	struct export_meta m = { 0 };
	struct rows rw = { .f = out };
	int rc;

	rc = profile_read_each(path, meta_fn, NULL, &m);
	if (rc == 0 && !m.have_any)
		warning("%s: no memory samples: only the header is written", path);
	rw.t0 = m.have_mem ? m.t0 : m.any_t0;
	if (rc == 0 && fmt == EXPORT_CSV) {
		fputs("time_s,pid,series,mib\n", out);
		rc = profile_read_each(path, rows_fn, NULL, &rw);
	} else if (rc == 0) {
		rc = export_json(path, &m, &rw);
	}
	free(m.cmdline);
	free(m.header);
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = error_errno("cannot write '%s'", outname);
	return rc;
}
