#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

void tl_run_env(struct tl_result *r, const char *cwd, const char *const *env,
		double timeout, const char *const argv[])
{
	int out[2], err[2], status;
	size_t olen = 0, elen = 0;
	double deadline;
	pid_t pid;
	bool open_out = true, open_err = true;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *bin = strcmp(argv[0], "mprof") == 0 ? MPROF_BIN : argv[0];
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(bin, (char *const *)argv);
		fprintf(stderr, "testlib: cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	deadline = tl_now() + (timeout > 0 ? timeout : 60);
	while (open_out || open_err) {
		struct pollfd p[2] = { { open_out ? out[0] : -1, POLLIN, 0 },
				       { open_err ? err[0] : -1, POLLIN, 0 } };
		char buf[65536];
		int left = (int)((deadline - tl_now()) * 1000);

		if (left <= 0) {
			tl_kill_wait(pid);
			ck_abort_msg("'%s %s' ran past its time limit", argv[0], argv[1] ? argv[1] : "");
		}
		if (poll(p, 2, left) < 0 && errno != EINTR)
			ck_abort_msg("poll: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (i == 0)
					open_out = false;
				else
					open_err = false;
			} else if (i == 0) {
				append(&r->out, &olen, buf, (size_t)n);
			} else {
				append(&r->err, &elen, buf, (size_t)n);
			}
		}
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tl_result_free(struct tl_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

char *tl_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/mprof-test-XXXXXX", base && *base ? base : "/tmp") < 0)
		ck_abort_msg("out of memory");
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tl_rmrf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tl_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		ck_abort_msg("out of memory");
	return p;
}

char *tl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	char tmp[65536];
	size_t k;

	if (!f)
		return NULL;
	buf = calloc(1, 1);
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		append(&buf, &n, tmp, k);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

void tl_write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(content, f);
	ck_assert_int_eq(fclose(f), 0);
}

char *tl_shared_fixtures(void)
{
	const char *root = getenv("SHARED_ROOT");
	char *p;

	if (asprintf(&p, "%s/fixtures/python-mprof", root && *root ? root : SOURCE_ROOT "/../shared") < 0)
		ck_abort_msg("out of memory");
	return p;
}

char *tl_fixture(const char *name)
{
	char *dir = tl_shared_fixtures(), *p = tl_path(dir, name);

	free(dir);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	if (asprintf(&p, "%s/tests/data/python-mprof/%s", SOURCE_ROOT, name) < 0)
		ck_abort_msg("out of memory");
	return p;
}

char *tl_data(const char *name)
{
	return tl_path(SOURCE_ROOT "/tests/data", name);
}

int tl_count_prefix(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix);
	int n = 0;

	for (const char *p = text; p && *p;) {
		if (strncmp(p, prefix, pl) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

void tl_skip(const char *fmt, ...)
{
	va_list ap;
	char *reason;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		ck_abort_msg("out of memory");
	va_end(ap);
	/* one line, written at once */
	for (char *p = reason; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "SKIP: %s\n", reason);
	fflush(stderr);
	free(reason);
}

/* Whether nobody runs `bin --version` in dir; r keeps what it said. */
static bool nobody_runs(struct tl_result *r, const char *dir, const char *bin)
{
	tl_run_env(r, dir, NULL, 30, (const char *const[]){ TL_AS_NOBODY, bin, "--version", NULL });
	return r->status == 0 && strncmp(r->out, "mprof ", 6) == 0;
}

char *tl_nobody_mprof(const char *dir, const char *what)
{
	static const char copy[] = "./.nobody/mprof";
	struct tl_result r;
	char *bin, *sub, *path, *why;
	size_t len;

	if (access(TL_SETPRIV, X_OK) != 0) {
		tl_skip("%s as user nobody: %s is not installed (Debian: util-linux)", what, TL_SETPRIV);
		return NULL;
	}
	ck_assert_int_eq(chmod(dir, 0755), 0);
	if (nobody_runs(&r, dir, MPROF_BIN)) {
		tl_result_free(&r);
		return strdup(MPROF_BIN);
	}
	tl_result_free(&r);
	sub = tl_path(dir, ".nobody");
	path = tl_path(dir, copy + 2);
	bin = tl_read_file(MPROF_BIN, &len);
	ck_assert_msg(bin != NULL, "cannot read %s", MPROF_BIN);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	{
		FILE *f = fopen(path, "wb");

		ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
		ck_assert_uint_eq(fwrite(bin, 1, len, f), len);
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_int_eq(chmod(path, 0755), 0);
	free(bin);
	free(path);
	free(sub);
	if (nobody_runs(&r, dir, copy)) {
		tl_result_free(&r);
		return strdup(copy);
	}
	why = r.err[0] ? r.err : r.out;
	why[strcspn(why, "\n")] = '\0';
	tl_skip("%s as user nobody: nobody cannot run mprof here (exit %d: %s)", what, r.status, why);
	tl_result_free(&r);
	return NULL;
}

int tl_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

bool tl_have_python_json_xml(void)
{
	struct tl_result r;
	bool ok;

	tl_run(&r, NULL, "python3", "-c", "import json, xml.etree.ElementTree");
	ok = r.status == 0;
	tl_result_free(&r);
	if (!ok)
		tl_skip("python3 with json and xml.etree is not available");
	return ok;
}

/* ---- programs started without waiting ---- */

double tl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tl_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

pid_t tl_start(const char *dir, const char *const argv[])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY), log;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(dir) < 0 || setenv("TMPDIR", dir, 1) < 0)
			_exit(126);
		log = open("log", O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		setpgid(0, 0);
		execv(strcmp(argv[0], "mprof") == 0 ? MPROF_BIN : argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int tl_wait(pid_t pid, double timeout)
{
	double end = tl_now() + timeout;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		ck_assert_int_ge(r, 0);
		if (tl_now() > end) {
			tl_kill_wait(pid);
			ck_abort_msg("pid %d still running after %.0f s", (int)pid, timeout);
		}
		tl_sleep_ms(5);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tl_kill_wait(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
