/* cgroup: the hierarchy, and the life of a job's cgroup: where it may be
 * made, making it with its limit, the child joining it, removing it.
 *
 * Nothing is left behind: every step of cgroup_create is undone when a later
 * one fails, and cgroup_remove undoes them all (a cgroup the job made inside
 * its own is removed too). Processes are never moved, except that in a
 * delegated v2 cgroup mprof moves itself into a leaf and back.
 */
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HINT_DELEGATE "run as root, or in a delegated scope: " \
	"systemd-run --user --scope -p Delegate=yes mprof run --cgroup ..."
#define HINT_V1_ROOT "run as root (sudo mprof run --cgroup ...): " \
	"the v1 memory controller is not delegated to users"

/* --- small file helpers --- */

/* A whole small file (cgroup files, /proc/self/...), NUL-terminated; NULL
 * with errno if it cannot be read. */
static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : read_fd_whole(fd, NULL);
}

/* The next pid of a cgroup.procs text (one a line) at *p, which moves past
 * it: false at the end, or at anything else. */
static bool procs_next(const char **p, long *pid)
{
	const char *s = *p;
	uint64_t v;

	if (!scan_u64(&s, &v) || v > LONG_MAX)
		return false;
	*pid = (long)v;
	*p = s + strspn(s, "\n");
	return true;
}

static char *read_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	char *text = read_file(p);
	int e = errno;

	free(p);
	errno = e;
	return text;
}

/* Write a short text to dir/name. 0, or -1 with errno. */
static int write_in(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	int rc = fd < 0 ? -1 : write_all(fd, text, strlen(text));
	int e = errno;

	if (fd >= 0)
		close(fd);
	free(p);
	errno = e;
	return rc;
}

/* Is word one of the words of text (separated by spaces, commas or newlines)? */
static bool has_word(const char *text, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = text; p && *p; p += strcspn(p, " ,\n"), p += strspn(p, " ,\n"))
		if (strncmp(p, word, wl) == 0 && strchr(" ,\n", p[wl]))
			return true;
	return false;
}

static bool file_has_word(const char *dir, const char *name, const char *word)
{
	char *text = read_in(dir, name);
	bool yes = text && has_word(text, word);

	free(text);
	return yes;
}

static bool can_write_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool yes = access(p, W_OK) == 0;

	free(p);
	return yes;
}

static bool can_make_in(const char *dir)
{
	return access(dir, W_OK | X_OK) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* --- the hierarchies --- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. In place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

struct mount_found {
	char *v2_root, *v2_point;   /* the cgroup2 mount: its root in the hierarchy, where */
	char *v1_root, *v1_point;   /* the v1 mount with the memory controller */
};

/* One line of mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] -
 * FSTYPE SOURCE SUPEROPTS". Only the first mount of each kind counts. */
static void mount_line(char *line, struct mount_found *m)
{
	char *f[64], *save = NULL;
	size_t n = 0, sep = 0;

	for (char *t = strtok_r(line, " ", &save); t && n < ARRAY_SIZE(f); t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	for (size_t i = 6; i < n && !sep; i++)
		if (strcmp(f[i], "-") == 0)
			sep = i;
	if (!sep || sep + 3 >= n)
		return;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	if (strcmp(f[sep + 1], "cgroup2") == 0 && !m->v2_point) {
		m->v2_root = xstrdup(f[3]);
		m->v2_point = xstrdup(f[4]);
	} else if (strcmp(f[sep + 1], "cgroup") == 0 && !m->v1_point && has_word(f[sep + 3], "memory")) {
		m->v1_root = xstrdup(f[3]);
		m->v1_point = xstrdup(f[4]);
	}
}

/* Our cgroup in a hierarchy, from /proc/self/cgroup ("ID:CONTROLLERS:PATH"):
 * v2 is "0::PATH"; a v1 hierarchy lists its controllers. */
static char *self_path(const char *self_cgroup, bool v2)
{
	const char *p = self_cgroup;

	while (p && *p) {
		const char *c1 = strchr(p, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *end = p + strcspn(p, "\n");

		if (c2 && c2 < end) {
			char *ctl = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
			bool match = v2 ? (c1 == p + 1 && *p == '0' && !*ctl) : has_word(ctl, "memory");

			free(ctl);
			if (match)
				return xstrndup(c2 + 1, (size_t)(end - c2 - 1));
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* The path of our cgroup relative to the mount, whose root is `root` in the
 * hierarchy: NULL when our cgroup is outside what is mounted. */
static char *relative_to_root(char *path, const char *root)
{
	size_t rl = strlen(root);
	char *rel;

	if (!path || strcmp(root, "/") == 0)
		return path;
	if (strncmp(path, root, rl) != 0 || (path[rl] && path[rl] != '/')) {
		free(path);
		return NULL;
	}
	rel = xstrdup(path[rl] ? path + rl : "/");
	free(path);
	return rel;
}

static void mount_found_release(struct mount_found *m)
{
	free(m->v2_root);
	free(m->v2_point);
	free(m->v1_root);
	free(m->v1_point);
}

static int no_memory_hierarchy(const struct mount_found *m, const char *v2_mount)
{
	if (v2_mount)
		return error("no cgroup hierarchy has the memory controller: cgroup v2 at %s "
			     "has no memory in its cgroup.controllers, and the v1 memory "
			     "controller is not mounted", m->v2_point);
	return error("no cgroup hierarchy with the memory controller is mounted "
		     "(see /proc/self/mountinfo)");
}

int cgroup_sys_parse(struct cgroup_sys *sys, const char *mountinfo,
		     const char *self_cgroup, const char *fsroot)
{
	struct mount_found m = { 0 };
	char *copy = xstrdup(mountinfo), *save = NULL;
	const char *pre = fsroot && strcmp(fsroot, "/") != 0 ? fsroot : "";
	int rc = 0;

	memset(sys, 0, sizeof(*sys));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		mount_line(l, &m);
	free(copy);
	if (m.v2_point) {
		sys->v2_mount = xasprintf("%s%s", pre, m.v2_point);
		sys->v2_self = relative_to_root(self_path(self_cgroup, true), m.v2_root);
	}
	if (sys->v2_mount && file_has_word(sys->v2_mount, "cgroup.controllers", "memory")) {
		sys->version = CGROUP_V2;
		sys->mem_mount = xstrdup(sys->v2_mount);
		sys->mem_self = sys->v2_self ? xstrdup(sys->v2_self) : NULL;
	} else if (m.v1_point) {
		sys->version = CGROUP_V1;
		sys->mem_mount = xasprintf("%s%s", pre, m.v1_point);
		sys->mem_self = relative_to_root(self_path(self_cgroup, false), m.v1_root);
	} else {
		rc = no_memory_hierarchy(&m, sys->v2_mount);
	}
	mount_found_release(&m);
	return rc;
}

int cgroup_sys_detect(struct cgroup_sys *sys)
{
	char *mi = read_file("/proc/self/mountinfo");
	char *cg = mi ? read_file("/proc/self/cgroup") : NULL;
	int rc;

	memset(sys, 0, sizeof(*sys));
	if (!mi || !cg) {
		error_errno("cannot read %s", mi ? "/proc/self/cgroup" : "/proc/self/mountinfo");
		free(mi);
		return -1;
	}
	rc = cgroup_sys_parse(sys, mi, cg, NULL);
	free(mi);
	free(cg);
	return rc;
}

void cgroup_sys_release(struct cgroup_sys *sys)
{
	free(sys->mem_mount);
	free(sys->mem_self);
	free(sys->v2_mount);
	free(sys->v2_self);
	memset(sys, 0, sizeof(*sys));
}

const char *cgroup_sys_name(const struct cgroup_sys *sys)
{
	switch (sys->version) {
	case CGROUP_V2:
		return "v2";
	case CGROUP_V1:
		return sys->v2_mount ? "v1+v2" : "v1";
	default:
		return "none";
	}
}

/* --- where a job's cgroup goes --- */

static char *join_path(const char *mount, const char *rel)
{
	return strcmp(rel, "/") == 0 ? xstrdup(mount) : xasprintf("%s%s", mount, rel);
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrndup(path, slash && slash != path ? (size_t)(slash - path) : 1);
}

/* Only our own process in the cgroup? */
static bool holds_only_us(const char *dir)
{
	char *text = read_in(dir, "cgroup.procs");
	const char *p = text;
	bool only = text != NULL;

	while (only && *p) {
		long pid;

		only = procs_next(&p, &pid) && pid == (long)getpid();
	}
	free(text);
	return only;
}

static int place_v1(const struct cgroup_sys *sys, struct cgroup_place *pl)
{
	char *own = join_path(sys->mem_mount, sys->mem_self);

	if (!can_make_in(own)) {
		int rc = error("cannot create a cgroup under %s: %s; " HINT_V1_ROOT, own,
			       strerror(errno));

		free(own);
		return rc;
	}
	pl->parent = own;
	return 0;
}

/* Our own cgroup, delegated to us, as the place: checks, or an error that
 * says what is missing. */
static int place_v2_delegated(const char *own, struct cgroup_place *pl)
{
	if (!can_make_in(own) || !can_write_in(own, "cgroup.procs") ||
	    !can_write_in(own, "cgroup.subtree_control"))
		return error("cannot create a cgroup under %s: Permission denied; " HINT_DELEGATE,
			     own);
	if (!file_has_word(own, "cgroup.controllers", "memory"))
		return error("cannot create a cgroup under %s: the memory controller is not "
			     "delegated to it (memory is not in its cgroup.controllers); "
			     "the service manager above it does not hand it out", own);
	if (file_has_word(own, "cgroup.subtree_control", "memory"))
		return error("cannot use the delegated cgroup %s: it already hands the memory "
			     "controller to its children, so it cannot hold mprof; run mprof in "
			     "one of them", own);
	if (!holds_only_us(own))
		return error("cannot use the delegated cgroup %s: other processes than mprof "
			     "are in it; start mprof as the only process of its scope: "
			     "systemd-run --user --scope -p Delegate=yes mprof run --cgroup ...", own);
	pl->parent = xstrdup(own);
	pl->deleg = xstrdup(own);
	pl->leaf = xasprintf("%s/mprof-%ld.self", own, (long)getpid());
	return 0;
}

static int place_v2(const struct cgroup_sys *sys, struct cgroup_place *pl)
{
	char *own = join_path(sys->mem_mount, sys->mem_self);
	char *up = parent_dir(own);
	int rc = 0;

	if (strcmp(sys->mem_self, "/") == 0) {
		if (!file_has_word(own, "cgroup.subtree_control", "memory"))
			rc = error("cannot create a cgroup under %s: the memory controller is not "
				   "enabled for its children; enable it: echo +memory > "
				   "%s/cgroup.subtree_control", own, own);
		else if (!can_make_in(own))
			rc = error("cannot create a cgroup under %s: Permission denied; " HINT_DELEGATE,
				   own);
		else
			pl->parent = xstrdup(own);
	} else if (can_make_in(up) && can_write_in(up, "cgroup.procs")) {
		if (file_has_word(up, "cgroup.subtree_control", "memory"))
			pl->parent = xstrdup(up);
		else
			rc = error("cannot create a cgroup beside %s: %s does not enable the memory "
				   "controller for its children (memory is not in its "
				   "cgroup.subtree_control); run mprof in a scope of its own: "
				   "systemd-run --scope -p Delegate=yes mprof run --cgroup ...", own, up);
	} else {
		rc = place_v2_delegated(own, pl);
	}
	free(up);
	free(own);
	return rc;
}

int cgroup_place_find(const struct cgroup_sys *sys, struct cgroup_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	if (sys->version == CGROUP_NONE)
		return error("no cgroup hierarchy with the memory controller");
	if (!sys->mem_self)
		return error("cannot create a cgroup: mprof's own cgroup is not visible under %s "
			     "(a container that shows only a part of the hierarchy)", sys->mem_mount);
	return sys->version == CGROUP_V1 ? place_v1(sys, pl) : place_v2(sys, pl);
}

void cgroup_place_release(struct cgroup_place *pl)
{
	free(pl->parent);
	free(pl->deleg);
	free(pl->leaf);
	memset(pl, 0, sizeof(*pl));
}

/* --- making the job's cgroup --- */

static void cgroup_init(struct cgroup *cg, enum cgroup_version v)
{
	memset(cg, 0, sizeof(*cg));
	cg->version = v;
	cg->procs_fd = cg->psi_procs_fd = cg->dir_fd = -1;
}

static int write_pid(const char *dir, pid_t pid)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld\n", (long)pid);
	return write_in(dir, "cgroup.procs", num);
}

/* Delegated v2: move ourselves into a leaf, then hand memory to children. */
static int prepare_delegated(struct cgroup *cg)
{
	const struct cgroup_place *pl = &cg->place;

	if (mkdir(pl->leaf, 0755) < 0)
		return error_errno("cannot create the cgroup %s", pl->leaf);
	if (write_pid(pl->leaf, getpid()) < 0) {
		error_errno("cannot move mprof into %s", pl->leaf);
		rmdir(pl->leaf);
		return -1;
	}
	cg->moved_self = true;
	if (write_in(pl->deleg, "cgroup.subtree_control", "+memory\n") < 0)
		return error_errno("cannot enable the memory controller in %s/cgroup.subtree_control",
				   pl->deleg);
	cg->enabled_memory = true;
	return 0;
}

static int undo_delegated(struct cgroup *cg)
{
	const struct cgroup_place *pl = &cg->place;
	int rc = 0;

	if (cg->enabled_memory && write_in(pl->deleg, "cgroup.subtree_control", "-memory\n") < 0)
		rc = error_errno("cannot disable the memory controller in %s/cgroup.subtree_control",
				 pl->deleg);
	cg->enabled_memory = false;
	if (cg->moved_self) {
		if (write_pid(pl->deleg, getpid()) < 0)
			rc = error_errno("cannot move mprof back into %s", pl->deleg);
		else if (rmdir(pl->leaf) < 0)
			rc = error_errno("cannot remove the cgroup %s", pl->leaf);
	}
	cg->moved_self = false;
	return rc;
}

static void sweep_stale(const char *parent);

/* mkdir parent/mprof-PID-N with the first free N. The path, or NULL (errno). */
static char *make_dir(const char *parent)
{
	static unsigned seq;

	for (int tries = 0; tries < 1000; tries++) {
		char *p = xasprintf("%s/mprof-%ld-%u", parent, (long)getpid(), ++seq);

		if (mkdir(p, 0755) == 0)
			return p;
		free(p);
		if (errno != EEXIST)
			return NULL;
	}
	errno = EEXIST;
	return NULL;
}

static int mkdir_failed(const struct cgroup *cg, const char *parent)
{
	int e = errno;

	if (e != EACCES && e != EPERM && e != EROFS)
		return error_errno("cannot create a cgroup under %s", parent);
	return error("cannot create a cgroup under %s: %s; %s", parent, strerror(e),
		     cg->version == CGROUP_V1 ? HINT_V1_ROOT : HINT_DELEGATE);
}

static int set_u64(const char *dir, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)v);
	return write_in(dir, name, num);
}

/* Is swap in use on this machine (SwapTotal in /proc/meminfo)? */
static bool have_swap(void)
{
	char *text = read_file("/proc/meminfo");
	const char *p = text ? strstr(text, "\nSwapTotal:") : NULL;
	bool yes = p && strtoull(p + 11, NULL, 10) > 0;

	free(text);
	return yes;
}

/* v1: a cgroup swappiness of 0 keeps its limit reclaim from swapping (the
 * kernel's promise for memcg reclaim, unlike global reclaim). Where swap is in
 * use and accounted (memory.memsw.*, swapaccount=1), memory+swap is limited
 * too, so that global reclaim cannot lend the job swap; the kernel then
 * stops at the memsw limit first, and since Linux 6.15 does not count that in
 * memory.memsw.failcnt: the "max" events are not seen (oom_kill still is). */
static int swap_off_v1(struct cgroup *cg)
{
	if (write_in(cg->path, "memory.swappiness", "0\n") == 0)
		cg->swap_off = "memory.swappiness";
	else if (errno != ENOENT)
		return error_errno("cannot set %s/memory.swappiness", cg->path);
	if (!have_swap())
		return 0;
	if (set_u64(cg->path, "memory.memsw.limit_in_bytes", cg->memory_max) == 0)
		cg->swap_off = "memory.memsw.limit_in_bytes";
	else if (errno != ENOENT)
		return error_errno("cannot set %s/memory.memsw.limit_in_bytes", cg->path);
	return 0;
}

/* The limit, and swap off for the cgroup. */
static int set_limit(struct cgroup *cg)
{
	const char *lim = cg->version == CGROUP_V2 ? "memory.max" : "memory.limit_in_bytes";

	if (!cg->memory_max)
		return 0;
	if (set_u64(cg->path, lim, cg->memory_max) < 0)
		return error_errno("cannot set %s/%s", cg->path, lim);
	if (cg->version == CGROUP_V1)
		return swap_off_v1(cg);
	if (write_in(cg->path, "memory.swap.max", "0\n") == 0)
		cg->swap_off = "memory.swap.max";
	else if (errno != ENOENT)
		return error_errno("cannot set %s/memory.swap.max", cg->path);
	return 0;
}

/* Hybrid: a cgroup in the unified hierarchy too, inside our own there (no
 * controller is enabled in it, so it may hold processes and children), for
 * the job's pressure. Without it the job has no pressure: not an error. */
static void make_companion(struct cgroup *cg, const struct cgroup_sys *sys)
{
	char *own;

	if (!sys->v2_mount || !sys->v2_self)
		return;
	own = join_path(sys->v2_mount, sys->v2_self);
	if (can_make_in(own) && !file_has_word(own, "cgroup.subtree_control", "memory")) {
		sweep_stale(own);
		cg->psi_path = make_dir(own);
	}
	free(own);
	if (!cg->psi_path)
		return;
	cg->psi_procs_fd = cgroup_open_in(cg->psi_path, "cgroup.procs", O_WRONLY);
	if (cg->psi_procs_fd < 0) {
		rmdir(cg->psi_path);
		free(cg->psi_path);
		cg->psi_path = NULL;
	}
}

static int open_job(struct cgroup *cg)
{
	cg->procs_fd = cgroup_open_in(cg->path, "cgroup.procs", O_WRONLY);
	if (cg->procs_fd < 0)
		return error_errno("cannot open %s/cgroup.procs", cg->path);
	if (cg->version == CGROUP_V2) {
		cg->dir_fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->dir_fd < 0)
			return error_errno("cannot open %s", cg->path);
	}
	return 0;
}

int cgroup_create(struct cgroup *cg, const struct cgroup_sys *sys, uint64_t memory_max)
{
	cgroup_init(cg, sys->version);
	cg->memory_max = memory_max;
	if (cgroup_place_find(sys, &cg->place) < 0)
		return -1;
	sweep_stale(cg->place.parent);
	if (cg->place.leaf && prepare_delegated(cg) < 0)
		goto fail;
	cg->path = make_dir(cg->place.parent);
	if (!cg->path) {
		mkdir_failed(cg, cg->place.parent);
		goto fail;
	}
	if (set_limit(cg) < 0 || open_job(cg) < 0)
		goto fail;
	if (sys->version == CGROUP_V1)
		make_companion(cg, sys);
	return 0;
fail:
	cgroup_remove(cg, 0);
	return -1;
}

int cgroup_join_child(const struct cgroup *cg)
{
	if (cg->procs_fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (write(cg->procs_fd, "0", 1) != 1)
		return -1;
	if (cg->psi_procs_fd >= 0 && write(cg->psi_procs_fd, "0", 1) != 1)
		return -1;
	return 0;
}

/* --- emptying and removing --- */

/* Calls fn on each cgroup below dir (children first), then on dir. Stops at
 * the first non-zero return. */
static int each_cgroup(const char *dir, int (*fn)(const char *dir, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while (!rc && (e = readdir(d))) {
		char *sub;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", dir, e->d_name);
		rc = each_cgroup(sub, fn, arg);
		free(sub);
	}
	closedir(d);
	return rc ? rc : fn(dir, arg);
}

/* --- what a run that was killed left --- */

/* The pid in a name mprof gives its cgroups (mprof-PID-N, mprof-PID.self),
 * or 0 for any other name. */
static long name_pid(const char *name)
{
	const char *p = name;
	uint64_t pid, n;

	if (strncmp(p, "mprof-", 6) != 0)
		return 0;
	p += 6;
	if (!scan_u64(&p, &pid) || pid == 0 || pid > INT_MAX)
		return 0;
	if (strcmp(p, ".self") == 0)
		return (long)pid;
	if (*p++ != '-' || !scan_u64(&p, &n) || *p)
		return 0;
	return (long)pid;
}

static int rmdir_empty(const char *dir, void *arg)
{
	(void)arg;
	return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

/* The cgroups under parent that an mprof no longer running made and could
 * not remove (it was killed): removed when empty, and said. One that still
 * holds processes stays (the kernel refuses to remove it), and so do those
 * whose mprof still runs (or whose pid names another process now). */
static void sweep_stale(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		long pid = e->d_type == DT_DIR ? name_pid(e->d_name) : 0;
		char *sub;

		if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		sub = xasprintf("%s/%s", parent, e->d_name);
		if (each_cgroup(sub, rmdir_empty, NULL) == 0)
			warning("removed the cgroup %s: an mprof that is no longer running left it", sub);
		free(sub);
	}
	closedir(d);
}

/* 1 if the cgroup itself lists a process (cgroup.procs). */
static int lists_process(const char *dir, void *arg)
{
	char *text = read_in(dir, "cgroup.procs");
	int rc;

	(void)arg;
	if (!text)
		return errno == ENOENT ? 0 : -1;
	rc = text[strspn(text, " \n")] != '\0';
	free(text);
	return rc;
}

static int populated_at(const char *path, enum cgroup_version v)
{
	char *text;
	const char *p;
	int rc;

	if (v == CGROUP_V1)
		return each_cgroup(path, lists_process, NULL);
	text = read_in(path, "cgroup.events");
	if (!text)
		return errno == ENOENT ? 0 : -1;
	p = strstr(text, "populated ");
	rc = p ? p[10] == '1' : -1;
	free(text);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

int cgroup_populated(const struct cgroup *cg)
{
	int rc = populated_at(cg->path, cg->version);

	if (rc == 0 && cg->psi_path)
		rc = populated_at(cg->psi_path, CGROUP_V2);
	return rc;
}

static int kill_listed(const char *dir, void *arg)
{
	char *text = read_in(dir, "cgroup.procs");
	int *count = arg;
	long pid;

	if (!text)
		return errno == ENOENT ? 0 : -1;
	for (const char *p = text; procs_next(&p, &pid);)
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			(*count)++;
	free(text);
	return 0;
}

int cgroup_kill(const struct cgroup *cg)
{
	int count = 0;

	if (!cg->path)
		return 0;
	if (cg->version == CGROUP_V2 && write_in(cg->path, "cgroup.kill", "1\n") == 0)
		return 0;
	if (each_cgroup(cg->path, kill_listed, &count) < 0)
		return -1;
	if (cg->psi_path && each_cgroup(cg->psi_path, kill_listed, &count) < 0)
		return -1;
	return 0;
}

/* Poll until empty or ms milliseconds have gone by: 0 when empty. */
static int wait_empty(const struct cgroup *cg, long ms)
{
	for (long waited = 0;; waited += 5) {
		int rc = cgroup_populated(cg);

		if (rc <= 0)
			return rc;
		if (waited >= ms)
			return 1;
		sleep_ms(5);
	}
}

/* rmdir, retried for a while on EBUSY: the kernel may still be letting go
 * of the last process. */
static int rmdir_one(const char *dir, void *arg)
{
	(void)arg;
	for (int i = 0; rmdir(dir) < 0; i++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 200)
			return -1;
		sleep_ms(5);
	}
	return 0;
}

static int remove_dir(const char *path)
{
	if (path && each_cgroup(path, rmdir_one, NULL) < 0)
		return error_errno("cannot remove the cgroup %s", path);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int cgroup_remove(struct cgroup *cg, double timeout)
{
	int rc = 0, left = 0;

	close_fd(&cg->procs_fd);
	close_fd(&cg->psi_procs_fd);
	close_fd(&cg->dir_fd);
	if (cg->path) {
		left = wait_empty(cg, (long)(timeout * 1000));
		/* killed again and again for 5 s: one by one (v1), a fork may slip by */
		for (int i = 0; left > 0 && i < 50 && cgroup_kill(cg) == 0; i++)
			left = wait_empty(cg, 100);
	}
	if (left > 0)
		rc = error("cannot remove the cgroup %s: processes are still in it", cg->path);
	else if (left < 0)
		rc = error_errno("cannot remove the cgroup %s", cg->path);
	else if ((remove_dir(cg->path) < 0) | (remove_dir(cg->psi_path) < 0))
		rc = -1;  /* (both tried) */
	if (undo_delegated(cg) < 0)
		rc = -1;
	free(cg->path);
	free(cg->psi_path);
	cg->path = cg->psi_path = NULL;
	cgroup_place_release(&cg->place);
	return rc;
}
