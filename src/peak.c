#include "peak.h"

#include "profile.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- spans ---- */

static int cmp_span(const void *a, const void *b)
{
	const struct peak_span *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

size_t peak_spans_merge(struct peak_span *s, size_t n)
{
	size_t o = 0;

	if (!n)
		return 0;
	qsort(s, n, sizeof(*s), cmp_span);
	for (size_t i = 1; i < n; i++) {
		if (s[i].start <= s[o].end) {
			if (s[i].end > s[o].end)
				s[o].end = s[i].end;
		} else {
			s[++o] = s[i];
		}
	}
	return o + 1;
}

bool peak_spans_contain(const struct peak_span *s, size_t n, double t)
{
	size_t lo = 0, hi = n;

	/* the first span starting after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid].start <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && t <= s[lo - 1].end;
}

/* ---- children ---- */

static struct peak_child *child_of(struct peak *p, long pid)
{
	uint64_t h = idxmap_hash_pid(pid);
	struct idxmap_iter it;
	struct peak_child *c;

	for (size_t i = idxmap_first(&p->index, h, &it); i != IDXMAP_NONE; i = idxmap_next(&it))
		if (p->children[i].pid == pid)
			return &p->children[i];
	XGROW(p->children, p->children_cap, p->nchildren + 1);
	idxmap_put(&p->index, h, p->nchildren);
	c = &p->children[p->nchildren++];
	c->pid = pid;
	c->mem = c->kernel = NAN;
	return c;
}

static void raise_to(double *peak, double v)
{
	if (isnan(*peak) || v > *peak)
		*peak = v;
}

/* ---- function filter ---- */

/* Whether the escaped name esc (as in a FUNC record) is name, unescaped as
 * profile_unescape() does. */
static bool escaped_equals(const char *esc, size_t len, const char *name)
{
	for (size_t i = 0; i < len; name++) {
		unsigned char c;

		i += profile_unescape_byte(esc + i, len - i, &c);
		if (!*name || (unsigned char)*name != c)
			return false;
	}
	return !*name;
}

struct span_list {
	struct peak_span *v;
	size_t n, cap;
};

static void span_push(struct span_list *l, double start, double end)
{
	XGROW(l->v, l->cap, l->n + 1);
	l->v[l->n].start = start;
	l->v[l->n].end = end;
	l->n++;
}

/* First pass: the calls of func, or else of ".func". */
static int read_spans(struct peak *p, const char *path, const char *func, struct span_list *out)
{
	struct span_list dotted = { 0 };
	struct profile_reader r;
	struct record rec;
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return error("cannot read '%s' twice, as --func needs: not a regular file", path);
	if (profile_reader_open(&r, path) < 0)
		return -1;
	while ((rc = profile_reader_next(&r, &rec)) > 0) {
		if (rec.kind != REC_FUNC)
			continue;
		if (escaped_equals(rec.text, rec.text_len, func))
			span_push(out, rec.t, rec.t_end);
		else if (p->func_dot && escaped_equals(rec.text, rec.text_len, p->func_dot))
			span_push(&dotted, rec.t, rec.t_end);
	}
	profile_reader_close(&r);
	if (rc < 0) {
		free(dotted.v);
		return -1;
	}
	if (out->n) {
		p->func_used = func;
		free(dotted.v);
	} else if (dotted.n) {
		p->func_used = p->func_dot;
		free(out->v);
		*out = dotted;
	}
	p->calls = out->n;
	return 0;
}

/* ---- the pass over the samples ---- */

/* peak_before_attach=MiB among the header's key=value fields. */
static void header_before_attach(struct peak *p, const char *s, size_t len)
{
	static const char key[] = "peak_before_attach=";
	const char *end = s + len;
	double v;

	while (s < end) {
		const char *sp = memchr(s, ' ', (size_t)(end - s)), *f = sp ? sp : end;

		if ((size_t)(f - s) > sizeof(key) - 1 && memcmp(s, key, sizeof(key) - 1) == 0 &&
		    profile_parse_number(s + sizeof(key) - 1, (size_t)(f - s) - (sizeof(key) - 1), &v) == 0 &&
		    isfinite(v) && v >= 0)
			raise_to(&p->before_attach, v);
		s = f + 1;
	}
}

static void peak_samples(struct peak *p, const struct profile_sample *run, size_t n,
			 const struct span_list *spans)
{
	double top = NAN;

	if (!spans) {
		top = run[0].mem;
		for (size_t i = 1; i < n; i++)
			top = run[i].mem > top ? run[i].mem : top;
	}
	for (size_t i = 0; spans && i < n; i++)
		if (peak_spans_contain(spans->v, spans->n, run[i].t))
			raise_to(&top, run[i].mem);
	p->samples += n;
	if (!isnan(top))
		raise_to(&p->mem, top);
}

int peak_read(struct peak *p, const char *path, const char *func)
{
	struct span_list spans = { 0 };
	struct profile_reader r;
	struct record rec;
	const struct profile_sample *run;
	size_t nrun;
	int rc;

	memset(p, 0, sizeof(*p));
	p->mem = p->kernel = p->cgroup = p->before_attach = NAN;
	if (func) {
		if (func[0] != '.')
			p->func_dot = xasprintf(".%s", func);
		if (read_spans(p, path, func, &spans) < 0) {
			free(spans.v);
			return -1;
		}
		spans.n = peak_spans_merge(spans.v, spans.n);
	}
	if (profile_reader_open(&r, path) < 0) {
		free(spans.v);
		return -1;
	}
	while ((rc = profile_reader_next_run(&r, &rec, &run, &nrun)) > 0) {
		if (nrun) {
			peak_samples(p, run, nrun, func ? &spans : NULL);
			continue;
		}
		switch (rec.kind) {
		case REC_MEM:
			peak_samples(p, &(struct profile_sample){ rec.mem, rec.t }, 1,
				     func ? &spans : NULL);
			break;
		case REC_PEAK:
			raise_to(&p->kernel, rec.mem);
			break;
		case REC_CGPEAK:
			raise_to(&p->cgroup, rec.mem);
			break;
		case REC_CHLD:
			raise_to(&child_of(p, rec.pid)->mem, rec.mem);
			break;
		case REC_CHLDPEAK:
			raise_to(&child_of(p, rec.pid)->kernel, rec.mem);
			break;
		case REC_MPROF:
			header_before_attach(p, rec.text, rec.text_len);
			break;
		default:
			break;
		}
	}
	profile_reader_close(&r);
	free(spans.v);
	return rc < 0 ? -1 : 0;
}

void peak_release(struct peak *p)
{
	free(p->children);
	idxmap_release(&p->index);
	free(p->func_dot);
	memset(p, 0, sizeof(*p));
}
