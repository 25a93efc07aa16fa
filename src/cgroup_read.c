/* cgroup_read: a memory cgroup's files, read once per sample.
 *
 * The files are opened once and read with pread into the reader's fixed
 * buffer (the kernel makes each file's text anew at offset 0), then parsed in
 * place: a sample allocates nothing. The texts follow the kernel's formats:
 * single values (a number, or "max"), flat keyed files ("key value" lines,
 * new keys may appear anywhere, so they are looked up by name), and the nested
 * keyed PSI file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0").
 */
#include "cgroup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- parsing --- */

/* A decimal such as "12.34" (PSI's percentages). */
static bool scan_decimal(const char **p, double *out)
{
	uint64_t whole, frac = 0;
	double scale = 1;
	const char *s = *p;

	if (!scan_u64(&s, &whole))
		return false;
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9' && scale < 1e15; s++) {
			frac = frac * 10 + (uint64_t)(*s - '0');
			scale *= 10;
		}
		if (scale == 1)
			return false;
	}
	*p = s;
	*out = (double)whole + (double)frac / scale;
	return true;
}

static int bad_text(void)
{
	errno = EINVAL;
	return -1;
}

static bool at_line_end(const char *s)
{
	return *s == '\0' || *s == '\n';
}

int cgroup_parse_u64(const char *text, uint64_t *v)
{
	const char *s = text;

	if (strncmp(s, "max", 3) == 0 && at_line_end(s + 3)) {
		*v = UINT64_MAX;
		s += 3;
	} else if (!scan_u64(&s, v)) {
		return bad_text();
	}
	if (*s == '\n')
		s++;
	return *s ? bad_text() : 0;
}

/* One line of a flat keyed file: key, a space, a number. Advances *p past the
 * line. 1 for a line, 0 at the end, -1 for a line in another format. */
static int next_pair(const char **p, const char **key, size_t *klen, uint64_t *val)
{
	const char *s = *p;
	const char *sp;

	if (!*s)
		return 0;
	sp = s + strcspn(s, " \n");
	if (*sp != ' ' || sp == s)
		return -1;
	*key = s;
	*klen = (size_t)(sp - s);
	s = sp + 1;
	if (!scan_u64(&s, val) || !at_line_end(s))
		return -1;
	*p = *s ? s + 1 : s;
	return 1;
}

static bool key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

/* Where a memory.stat key goes: a field of struct cgroup_stat, or one of the
 * parts of "kernel" (v2 before 5.18, which had no "kernel" line; before 5.9
 * no "slab" either, only its two halves). */
#define STAT_FIELD(f) offsetof(struct cgroup_stat, f)
#define KERNEL_PART ((size_t)-1)
#define SLAB_ALL ((size_t)-2)
#define SLAB_HALF ((size_t)-3)

/* A name and its length, for lookups that compare lengths first. */
#define KEY(s) s, sizeof(s) - 1

struct stat_key {
	const char *name;
	size_t len;
	size_t field;
	unsigned have;  /* the CGROUP_HAVE_* bit it gives */
	bool total;     /* v1: the hierarchical total_* line, preferred */
};

static const struct stat_key v2_stat_keys[] = {
	{ KEY("anon"), STAT_FIELD(anon), 0, false },
	{ KEY("file"), STAT_FIELD(file), 0, false },
	{ KEY("kernel"), STAT_FIELD(kernel), CGROUP_HAVE_KERNEL, false },
	{ KEY("shmem"), STAT_FIELD(shmem), 0, false },
	{ KEY("sock"), STAT_FIELD(sock), CGROUP_HAVE_SOCK, false },
	{ KEY("active_file"), STAT_FIELD(file_active), 0, false },
	{ KEY("inactive_file"), STAT_FIELD(file_inactive), 0, false },
	{ KEY("file_mapped"), STAT_FIELD(file_mapped), 0, false },
	{ KEY("file_dirty"), STAT_FIELD(file_dirty), 0, false },
	{ KEY("kernel_stack"), KERNEL_PART, 0, false },
	{ KEY("pagetables"), KERNEL_PART, 0, false },
	{ KEY("sec_pagetables"), KERNEL_PART, 0, false },
	{ KEY("percpu"), KERNEL_PART, 0, false },
	{ KEY("slab"), SLAB_ALL, 0, false },
	{ KEY("slab_reclaimable"), SLAB_HALF, 0, false },
	{ KEY("slab_unreclaimable"), SLAB_HALF, 0, false },
	{ KEY("vmalloc"), KERNEL_PART, 0, false },
};

/* v1: the cgroup's own line and the total_* line (itself and its
 * descendants); the total wins, as v2's counts are hierarchical too. */
static const struct stat_key v1_stat_keys[] = {
	{ KEY("rss"), STAT_FIELD(anon), 0, false },
	{ KEY("total_rss"), STAT_FIELD(anon), 0, true },
	{ KEY("cache"), STAT_FIELD(file), 0, false },
	{ KEY("total_cache"), STAT_FIELD(file), 0, true },
	{ KEY("shmem"), STAT_FIELD(shmem), 0, false },
	{ KEY("total_shmem"), STAT_FIELD(shmem), 0, true },
	{ KEY("active_file"), STAT_FIELD(file_active), 0, false },
	{ KEY("total_active_file"), STAT_FIELD(file_active), 0, true },
	{ KEY("inactive_file"), STAT_FIELD(file_inactive), 0, false },
	{ KEY("total_inactive_file"), STAT_FIELD(file_inactive), 0, true },
	{ KEY("mapped_file"), STAT_FIELD(file_mapped), 0, false },
	{ KEY("total_mapped_file"), STAT_FIELD(file_mapped), 0, true },
	{ KEY("dirty"), STAT_FIELD(file_dirty), 0, false },
	{ KEY("total_dirty"), STAT_FIELD(file_dirty), 0, true },
};

static const struct stat_key *stat_key_find(const struct stat_key *keys, size_t n,
					    const char *key, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].len == klen && memcmp(key, keys[i].name, klen) == 0)
			return &keys[i];
	return NULL;
}

/* Bits of the fields set, to check that anon and file were there. */
#define FIELD_BIT(f) (1u << (STAT_FIELD(f) / sizeof(uint64_t)))

/* The kernel parts of a v2 memory.stat without a "kernel" line. */
struct kernel_parts {
	uint64_t other, slab, slab_halves;
	bool have_slab;
};

static bool kernel_part(const struct stat_key *k, uint64_t val, struct kernel_parts *kp)
{
	if (k->field == KERNEL_PART) {
		kp->other += val;
	} else if (k->field == SLAB_HALF) {
		kp->slab_halves += val;
	} else if (k->field == SLAB_ALL) {
		kp->slab = val;
		kp->have_slab = true;
	} else {
		return false;
	}
	return true;
}

int cgroup_parse_stat(const char *text, enum cgroup_version v,
		      struct cgroup_stat *st, unsigned *have)
{
	const struct stat_key *keys = v == CGROUP_V1 ? v1_stat_keys : v2_stat_keys;
	size_t nkeys = v == CGROUP_V1 ? ARRAY_SIZE(v1_stat_keys) : ARRAY_SIZE(v2_stat_keys);
	unsigned set = 0, from_total = 0, got = 0;
	struct kernel_parts kp = { 0 };
	const char *p = text, *key;
	uint64_t val;
	size_t klen;
	int r;

	memset(st, 0, sizeof(*st));
	while ((r = next_pair(&p, &key, &klen, &val)) > 0) {
		const struct stat_key *k = stat_key_find(keys, nkeys, key, klen);
		unsigned bit;

		if (!k || kernel_part(k, val, &kp))
			continue;
		bit = 1u << (k->field / sizeof(uint64_t));
		if ((from_total & bit) && !k->total)
			continue;
		*(uint64_t *)((char *)st + k->field) = val;
		set |= bit;
		if (k->total)
			from_total |= bit;
		got |= k->have;
	}
	if (r < 0 || (set & (FIELD_BIT(anon) | FIELD_BIT(file))) !=
			     (FIELD_BIT(anon) | FIELD_BIT(file)))
		return bad_text();
	if (v == CGROUP_V2 && !(got & CGROUP_HAVE_KERNEL)) {
		st->kernel = kp.other + (kp.have_slab ? kp.slab : kp.slab_halves);
		got |= CGROUP_HAVE_KERNEL;
	}
	*have |= got;
	return 0;
}

int cgroup_parse_events(const char *text, struct cgroup_events *ev, unsigned *have)
{
	static const struct {
		const char *name;
		size_t field;
	} keys[] = {
		{ "low", offsetof(struct cgroup_events, low) },
		{ "high", offsetof(struct cgroup_events, high) },
		{ "max", offsetof(struct cgroup_events, max) },
		{ "oom", offsetof(struct cgroup_events, oom) },
		{ "oom_kill", offsetof(struct cgroup_events, oom_kill) },
		{ "oom_group_kill", offsetof(struct cgroup_events, oom_group_kill) },
	};
	const char *p = text, *key;
	unsigned seen = 0;
	uint64_t val;
	size_t klen;
	int r;

	memset(ev, 0, sizeof(*ev));
	while ((r = next_pair(&p, &key, &klen, &val)) > 0)
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (key_is(key, klen, keys[i].name)) {
				*(uint64_t *)((char *)ev + keys[i].field) = val;
				seen |= 1u << i;
			}
	/* high, max, oom (Linux 4.5) and oom_kill (4.13) */
	if (r < 0 || (seen & 0x1e) != 0x1e)
		return bad_text();
	*have |= CGROUP_HAVE_EV_HIGH | CGROUP_HAVE_EV_MAX | CGROUP_HAVE_EV_OOM_KILL;
	return 0;
}

int cgroup_parse_oom_control(const char *text, struct cgroup_events *ev, unsigned *have)
{
	const char *p = text, *key;
	bool under = false;
	uint64_t val;
	size_t klen;
	int r;

	while ((r = next_pair(&p, &key, &klen, &val)) > 0) {
		if (key_is(key, klen, "under_oom")) {
			ev->under_oom = val != 0;
			under = true;
		} else if (key_is(key, klen, "oom_kill")) {
			ev->oom_kill = val;
			*have |= CGROUP_HAVE_EV_OOM_KILL;
		}
	}
	return r < 0 || !under ? bad_text() : 0;
}

/* The fields of a PSI line, looked up by name: three averages and a total. */
static const char *const psi_keys[] = { "avg10", "avg60", "avg300", "total" };

/* One "key=value" of a PSI line; an unknown key is skipped. */
static bool psi_field(const char **p, struct cgroup_psi *psi, unsigned *seen)
{
	double *avg[] = { &psi->avg10, &psi->avg60, &psi->avg300 };
	const char *key = *p, *eq = key + strcspn(key, "= \n");
	size_t klen = (size_t)(eq - key);

	if (*eq != '=')
		return false;
	*p = eq + 1;
	for (size_t i = 0; i < ARRAY_SIZE(psi_keys); i++) {
		if (!key_is(key, klen, psi_keys[i]))
			continue;
		*seen |= 1u << i;
		return i < ARRAY_SIZE(avg) ? scan_decimal(p, avg[i]) : scan_u64(p, &psi->total_us);
	}
	*p += strcspn(*p, " \n");
	return true;
}

/* "some avg10=1.00 avg60=0.50 avg300=0.10 total=1234": the fields of the line
 * after its first word, in any order. */
static int parse_psi_line(const char **p, struct cgroup_psi *psi)
{
	const char *s = *p;
	unsigned seen = 0;

	while (*s == ' ') {
		s++;
		if (!psi_field(&s, psi, &seen))
			return -1;
	}
	if (!at_line_end(s) || seen != (1u << ARRAY_SIZE(psi_keys)) - 1)
		return -1;
	*p = *s ? s + 1 : s;
	return 0;
}

int cgroup_parse_pressure(const char *text, struct cgroup_pressure *pr)
{
	const char *p = text;
	bool some = false;

	memset(pr, 0, sizeof(*pr));
	while (*p) {
		struct cgroup_psi *line;

		if (strncmp(p, "some ", 5) == 0) {
			line = &pr->some;
			some = true;
		} else if (strncmp(p, "full ", 5) == 0) {
			line = &pr->full;
		} else {
			return bad_text();
		}
		p += 4;
		if (parse_psi_line(&p, line) < 0)
			return bad_text();
	}
	return some ? 0 : bad_text();
}

unsigned cgroup_events_changed(const struct cgroup_events *before,
			       const struct cgroup_events *after)
{
	unsigned bits = 0;

	if (after->high > before->high)
		bits |= CGROUP_EV_HIGH;
	if (after->max > before->max)
		bits |= CGROUP_EV_MAX;
	if (after->oom > before->oom || (after->under_oom && !before->under_oom))
		bits |= CGROUP_EV_OOM;
	if (after->oom_kill > before->oom_kill)
		bits |= CGROUP_EV_OOM_KILL;
	return bits;
}

const char *cgroup_event_name(unsigned bit)
{
	switch (bit) {
	case CGROUP_EV_HIGH:
		return "high";
	case CGROUP_EV_MAX:
		return "max";
	case CGROUP_EV_OOM:
		return "oom";
	case CGROUP_EV_OOM_KILL:
		return "oom_kill";
	default:
		return NULL;
	}
}

/* --- the reader --- */

/* Each file the reader keeps open: its name per version (NULL: none there),
 * whether a cgroup without it is not a memory cgroup, and its slot. */
struct reader_file {
	const char *v2, *v1;
	bool required;
	size_t fd;
};

#define READER_FD(f) offsetof(struct cgroup_reader, f)

static const struct reader_file reader_files[] = {
	{ "memory.current", "memory.usage_in_bytes", true, READER_FD(current_fd) },
	{ "memory.stat", "memory.stat", true, READER_FD(stat_fd) },
	{ "memory.events", "memory.oom_control", false, READER_FD(events_fd) },
	{ NULL, "memory.failcnt", false, READER_FD(failcnt_fd) },
	{ NULL, "memory.memsw.failcnt", false, READER_FD(memsw_failcnt_fd) },
	{ NULL, "memory.kmem.usage_in_bytes", false, READER_FD(kmem_fd) },
	{ "memory.peak", "memory.max_usage_in_bytes", false, READER_FD(peak_fd) },
};

static int *reader_fd(struct cgroup_reader *r, size_t slot)
{
	return (int *)((char *)r + slot);
}

int cgroup_open_in(const char *dir, const char *name, int flags)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, flags | O_CLOEXEC);

	free(p);
	return fd;
}

static int missing_file(const struct cgroup_reader *r, const char *name)
{
	if (errno != ENOENT)
		return error_errno("cannot open %s/%s", r->path, name);
	if (r->version == CGROUP_V2)
		return error("%s has no %s: the memory controller is not enabled for it "
			     "(memory is not in its parent's cgroup.subtree_control)", r->path, name);
	return error("%s has no %s: it is not a cgroup of the v1 memory controller",
		     r->path, name);
}

static void reader_init(struct cgroup_reader *r, enum cgroup_version v, const char *path)
{
	r->version = v;
	r->path = xstrdup(path);
	for (size_t i = 0; i < ARRAY_SIZE(reader_files); i++)
		*reader_fd(r, reader_files[i].fd) = -1;
	r->pressure_fd = -1;
}

int cgroup_reader_open(struct cgroup_reader *r, enum cgroup_version v,
		       const char *path, const char *psi_path)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	reader_init(r, v, path);
	if (dfd < 0) {
		error_errno("cannot open the cgroup %s", path);
		goto fail;
	}
	close(dfd);
	for (size_t i = 0; i < ARRAY_SIZE(reader_files); i++) {
		const struct reader_file *f = &reader_files[i];
		const char *name = v == CGROUP_V1 ? f->v1 : f->v2;
		int *fd = reader_fd(r, f->fd);

		if (!name)
			continue;
		*fd = cgroup_open_in(path, name, O_RDONLY);
		if (*fd < 0 && f->required) {
			missing_file(r, name);
			goto fail;
		}
	}
	/* PSI: absent when the kernel has no CONFIG_PSI or was booted psi=0,
	 * and in v1 cgroups. */
	r->pressure_fd = cgroup_open_in(psi_path ? psi_path : path, "memory.pressure", O_RDONLY);
	return 0;
fail:
	cgroup_reader_close(r);
	return -1;
}

void cgroup_reader_close(struct cgroup_reader *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(reader_files); i++) {
		int *fd = reader_fd(r, reader_files[i].fd);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	if (r->pressure_fd >= 0)
		close(r->pressure_fd);
	r->pressure_fd = -1;
	free(r->path);
	r->path = NULL;
}

/* The file's text into r->buf. A text that fills the buffer is refused
 * rather than parsed in part. */
static int read_text(struct cgroup_reader *r, int fd)
{
	long n = pread_str(fd, r->buf, sizeof(r->buf));

	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(r->buf) - 1) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

static int read_u64(struct cgroup_reader *r, int fd, uint64_t *v)
{
	return read_text(r, fd) < 0 ? -1 : cgroup_parse_u64(r->buf, v);
}

static int read_stat(struct cgroup_reader *r, struct cgroup_sample *s)
{
	if (read_text(r, r->stat_fd) < 0 ||
	    cgroup_parse_stat(r->buf, r->version, &s->stat, &s->have) < 0)
		return -1;
	if (r->kmem_fd >= 0) {
		if (read_u64(r, r->kmem_fd, &s->stat.kernel) < 0)
			return -1;
		s->have |= CGROUP_HAVE_KERNEL;
	}
	return 0;
}

static int read_events(struct cgroup_reader *r, struct cgroup_sample *s)
{
	if (r->events_fd >= 0 && read_text(r, r->events_fd) < 0)
		return -1;
	if (r->version == CGROUP_V2)
		return r->events_fd < 0 ? 0 : cgroup_parse_events(r->buf, &s->events, &s->have);
	if (r->events_fd >= 0 && cgroup_parse_oom_control(r->buf, &s->events, &s->have) < 0)
		return -1;
	if (r->failcnt_fd >= 0) {
		if (read_u64(r, r->failcnt_fd, &s->events.max) < 0)
			return -1;
		s->have |= CGROUP_HAVE_EV_MAX;
	}
	if (r->memsw_failcnt_fd >= 0) {
		uint64_t n;

		if (read_u64(r, r->memsw_failcnt_fd, &n) < 0)
			return -1;
		s->events.max += n;
	}
	return 0;
}

/* PSI can be switched off per cgroup (cgroup.pressure, Linux 6.3): its read
 * then fails with EOPNOTSUPP, and the sample has no pressure. */
static int read_pressure(struct cgroup_reader *r, struct cgroup_sample *s)
{
	if (read_text(r, r->pressure_fd) < 0)
		return errno == EOPNOTSUPP ? 1 : -1;
	return cgroup_parse_pressure(r->buf, &s->pressure);
}

int cgroup_read(struct cgroup_reader *r, unsigned parts, struct cgroup_sample *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((parts & CGROUP_CURRENT) && read_u64(r, r->current_fd, &s->current) < 0)
		return -1;
	if ((parts & CGROUP_STAT) && read_stat(r, s) < 0)
		return -1;
	if ((parts & CGROUP_EVENTS) && read_events(r, s) < 0)
		return -1;
	if ((parts & CGROUP_PEAK) && r->peak_fd >= 0) {
		if (read_u64(r, r->peak_fd, &s->peak) < 0)
			return -1;
		s->have |= CGROUP_PEAK;
	}
	if ((parts & CGROUP_PRESSURE) && r->pressure_fd >= 0) {
		rc = read_pressure(r, s);
		if (rc < 0)
			return -1;
		if (rc == 0)
			s->have |= CGROUP_PRESSURE;
	}
	s->have |= parts & (CGROUP_CURRENT | CGROUP_STAT | CGROUP_EVENTS);
	return 0;
}

/* memory.peak takes writes from Linux 6.12; before, it is read-only (0444). */
static int reset_peak_v2(struct cgroup_reader *r)
{
	char *p = xasprintf("%s/memory.peak", r->path);
	struct stat st;
	int fd = -1;

	if (stat(p, &st) < 0) {
		error_errno("cannot reset the peak of %s: no memory.peak (Linux 5.19)", r->path);
		goto cleanup;
	}
	if (!(st.st_mode & 0222)) {
		error("cannot reset the peak of %s: memory.peak is read-only before Linux 6.12",
		      r->path);
		goto cleanup;
	}
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0 || write_all(fd, "reset\n", 6) < 0) {
		error_errno("cannot reset the peak of %s", r->path);
		if (fd >= 0)
			close(fd);
		fd = -1;
		goto cleanup;
	}
	if (r->peak_fd >= 0)
		close(r->peak_fd);
	r->peak_fd = fd;
cleanup:
	free(p);
	return fd < 0 ? -1 : 0;
}

int cgroup_reader_reset_peak(struct cgroup_reader *r)
{
	int fd, rc;

	if (r->version == CGROUP_V2)
		return reset_peak_v2(r);
	fd = cgroup_open_in(r->path, "memory.max_usage_in_bytes", O_WRONLY);
	if (fd < 0)
		return error_errno("cannot reset the peak of %s", r->path);
	rc = write_all(fd, "0\n", 2);
	if (rc < 0)
		error_errno("cannot reset the peak of %s", r->path);
	close(fd);
	return rc;
}
