/* cgroup_find: the cgroup to attach to, by path, by systemd unit or by
 * container id.
 *
 * systemd puts a unit's processes in a cgroup named after the unit, in its
 * slice: /system.slice/nginx.service, /system.slice/system-getty.slice/
 * getty@tty1.service, /user.slice/user-1000.slice/user@1000.service/app.slice/
 * x.service. Container engines name theirs after the container id: with the
 * systemd driver docker-ID.scope, libpod-ID.scope, crio-ID.scope,
 * cri-containerd-ID.scope; with the cgroupfs driver (and on v1) a directory
 * named by the id alone, as /docker/ID or /kubepods/.../ID. The hierarchy is
 * walked (a few levels deep) and every match collected: a name that matches
 * more than one cgroup is an error that lists them.
 */
#include "cgroup.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FIND_DEPTH 10

typedef bool (*match_fn)(const char *name, const void *arg);

/* Collect the paths (relative to the walk's start, "/a/b") of the cgroups
 * whose directory name matches. */
static void walk(const char *mount, const char *rel, int depth, match_fn match,
		 const void *arg, struct strvec *found)
{
	char *dir = xasprintf("%s%s", mount, rel);
	DIR *d = opendir(dir);
	struct dirent *e;

	free(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *sub;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", rel, e->d_name);
		if (match(e->d_name, arg))
			strvec_push(found, sub);
		if (depth < FIND_DEPTH)
			walk(mount, sub, depth + 1, match, arg, found);
		free(sub);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One match: *rel. None or several: an error naming them. */
static int one_match(struct strvec *found, const char *what, const char *arg,
		     const char *mount, char **rel)
{
	int rc = 0;

	if (found->n == 1) {
		*rel = found->v[0];
		found->v[0] = NULL;
		found->n = 0;
	} else if (found->n == 0) {
		rc = error("no cgroup of %s '%s' under %s", what, arg, mount);
	} else {
		qsort(found->v, found->n, sizeof(*found->v), cmp_str);
		rc = error("%s '%s' matches %zu cgroups under %s: %s, %s%s; "
			   "give one with --cgroup PATH", what, arg, found->n, mount,
			   found->v[0], found->v[1], found->n > 2 ? ", ..." : "");
	}
	strvec_clear(found);
	return rc;
}

/* --- systemd units --- */

static const char *const unit_types[] = { ".service", ".scope", ".slice" };

static bool has_unit_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(unit_types); i++)
		if (str_ends_with(name, unit_types[i]))
			return true;
	return false;
}

static bool valid_unit_name(const char *name)
{
	if (!*name || strlen(name) > 255)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(":_.\\@-", *p))
			return false;
	return true;
}

/* arg: the names that count ("x.service", or "x" as x.service or x.scope) */
static bool unit_matches(const char *name, const void *arg)
{
	const char *want = arg;
	size_t wl = strlen(want);

	if (has_unit_type(want))
		return strcmp(name, want) == 0;
	return strncmp(name, want, wl) == 0 &&
	       (strcmp(name + wl, ".service") == 0 || strcmp(name + wl, ".scope") == 0);
}

int cgroup_find_unit(const char *mount, const char *name, char **rel)
{
	struct strvec found = { 0 };

	*rel = NULL;
	if (!valid_unit_name(name))
		return error("'%s' is not a systemd unit name (as nginx, nginx.service, "
			     "session-2.scope, user.slice)", name);
	walk(mount, "", 1, unit_matches, name, &found);
	return one_match(&found, "unit", name, mount, rel);
}

/* --- containers --- */

static const char *const engine_prefixes[] = {
	"docker-", "libpod-", "crio-", "cri-containerd-",
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* The id in a container's cgroup name, and its length; NULL if the name is
 * not one (an engine's monitor, "libpod-conmon-ID.scope", is not). */
static const char *container_id_of(const char *name, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(engine_prefixes); i++) {
		size_t pl = strlen(engine_prefixes[i]), n;

		if (strncmp(name, engine_prefixes[i], pl) != 0)
			continue;
		name += pl;
		n = strlen(name);
		if (n > 6 && strcmp(name + n - 6, ".scope") == 0)
			n -= 6;
		*len = n;
		return n >= 12 && all_hex(name, n) ? name : NULL;
	}
	*len = strlen(name);
	return *len == 64 && all_hex(name, 64) ? name : NULL;
}

static bool container_matches(const char *name, const void *arg)
{
	const char *want = arg;
	size_t wl = strlen(want), n;
	const char *id = container_id_of(name, &n);

	return id && n >= wl && strncasecmp(id, want, wl) == 0;
}

int cgroup_find_container(const char *mount, const char *id, char **rel)
{
	struct strvec found = { 0 };

	*rel = NULL;
	if (strlen(id) > 64 || !all_hex(id, strlen(id)))
		return error("'%s' is not a container id: give its hex id or a prefix of it "
			     "(docker ps --no-trunc -q, podman ps --no-trunc -q)", id);
	walk(mount, "", 1, container_matches, id, &found);
	return one_match(&found, "container", id, mount, rel);
}

/* --- attaching --- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A directory, or a path inside the memory hierarchy. *rel is the path in
 * the hierarchy when known (for the companion in the unified one), else NULL. */
static int resolve_path(const struct cgroup_sys *sys, const char *arg, char **dir, char **rel)
{
	size_t ml = strlen(sys->mem_mount);
	char *inside = xasprintf("%s%s%s", sys->mem_mount, arg[0] == '/' ? "" : "/", arg);

	*rel = NULL;
	if (is_dir(arg) && !is_dir(inside)) {
		*dir = xstrdup(arg);
		if (strncmp(arg, sys->mem_mount, ml) == 0 && arg[ml] == '/')
			*rel = xstrdup(arg + ml);
		free(inside);
		return 0;
	}
	if (!is_dir(inside)) {
		error("no cgroup '%s' (neither a directory nor one under %s)", arg, sys->mem_mount);
		free(inside);
		return -1;
	}
	*dir = inside;
	*rel = xasprintf("%s%s", arg[0] == '/' ? "" : "/", arg);
	return 0;
}

int cgroup_attach(struct cgroup_reader *r, const struct cgroup_sys *sys,
		  enum cgroup_by by, const char *arg)
{
	char *dir = NULL, *rel = NULL, *psi = NULL;
	int rc;

	if (by == CGROUP_BY_PATH)
		rc = resolve_path(sys, arg, &dir, &rel);
	else if (by == CGROUP_BY_UNIT)
		rc = cgroup_find_unit(sys->mem_mount, arg, &rel);
	else
		rc = cgroup_find_container(sys->mem_mount, arg, &rel);
	if (rc < 0)
		return -1;
	if (!dir)
		dir = xasprintf("%s%s", sys->mem_mount, rel);
	/* hybrid: systemd keeps the same cgroups in the unified hierarchy */
	if (sys->version == CGROUP_V1 && sys->v2_mount && rel) {
		psi = xasprintf("%s%s", sys->v2_mount, rel);
		if (!is_dir(psi)) {
			free(psi);
			psi = NULL;
		}
	}
	rc = cgroup_reader_open(r, sys->version, dir, psi);
	free(dir);
	free(rel);
	free(psi);
	return rc;
}
