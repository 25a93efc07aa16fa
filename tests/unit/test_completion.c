/* Shell completion (data/completion): bash run with the script sourced and
 * its completion function called as bash calls it; zsh through a pseudo-
 * terminal and fish with `complete -C`, when they are installed. Commands
 * and options are checked against what the program's --help says, indices
 * against `mprof list`. */
#include "testlib.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMPLETION_DIR SOURCE_ROOT "/data/completion"

/* Calls _mprof as bash does for the line (the word under the cursor is the
 * last one; a line ending in a blank completes an empty word), and prints
 * COMPREPLY a word a line. bash splits '--opt=value' into three words. */
static const char bash_driver[] =
	"source \"$1\" || exit 3\n"
	"COMP_LINE=$2\n"
	"COMP_POINT=${#COMP_LINE}\n"
	"line=${COMP_LINE//=/ = }\n"
	"read -ra COMP_WORDS <<< \"$line\"\n"
	"[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
	"COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
	"complete -p mprof > /dev/null || exit 4\n"
	"_mprof mprof \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD - 1]}\"\n"
	"printf '%s\\n' \"${COMPREPLY[@]}\"\n";

/* zsh -f HARNESS SETUP LINE: types LINE and a tab into an interactive zsh
 * on a pseudo-terminal and prints every match its completion adds. */
static const char zsh_harness[] =
	"zmodload zsh/zpty || exit 3\n"
	"zpty z 'zsh -f -i'\n"
	"zpty -w z \"source ${(q)1}\"\n"
	"zpty -w -n z \"$2\"$'\\t'\n"
	"zpty -r z out $'*\\3*'\n"
	"zpty -d z\n"
	"sep=$'\\1'\n"
	"for chunk in \"${(@ps:$sep:)out}\"; do\n"
	"  [[ $chunk == *$'\\2'* ]] && print -r -- ${chunk%%$'\\2'*}\n"
	"done\n";

static const char zsh_setup[] =
	"PROMPT='' RPROMPT=''\n"
	"cd \"$MPROF_TEST_DIR\"\n"
	"fpath=(\"$MPROF_TEST_FPATH\" $fpath)\n"
	"autoload -Uz compinit && compinit -u -D\n"
	"compadd() {\n"
	"  local -a m\n"
	"  if (( ${@[(I)-[OAD]]} )); then builtin compadd \"$@\"; return; fi\n"
	"  builtin compadd -O m \"$@\"\n"
	"  print -rn -- $'\\1'${(pj:\\n:)m}$'\\2'\n"
	"  builtin compadd \"$@\"\n"
	"}\n"
	"mprof_test_done() { print -rn -- $'\\3'; exit }\n"
	"comppostfuncs=(mprof_test_done)\n"
	"bindkey '^I' complete-word\n";

struct shells {
	char *dir;            /* the profiles' directory, the shells' cwd */
	char *work;           /* the drivers */
	int nprofiles;        /* as `mprof list` counts them */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of out, sorted, without duplicates or empty ones, joined by '|'. */
static char *word_set(const char *out)
{
	struct strvec v = { 0 };
	char *copy = xstrdup(out), *save = NULL, *res = xstrdup("");

	for (char *t = strtok_r(copy, "\r\n", &save); t; t = strtok_r(NULL, "\r\n", &save))
		if (*t && !strvec_contains(&v, t))
			strvec_push(&v, t);
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), cmp_str);
	for (size_t i = 0; i < v.n; i++) {
		char *n = xasprintf("%s%s%s", res, i ? "|" : "", v.v[i]);

		free(res);
		res = n;
	}
	strvec_clear(&v);
	free(copy);
	return res;
}

static bool in_set(const char *set, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = set; (p = strstr(p, word)); p++)
		if ((p == set || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
			return true;
	return false;
}

static void shells_init(struct shells *sh)
{
	static const char *const files[] = {
		"mprofile_20260101000000.dat", "mprofile_20260101000001.dat", "other.dat", "note.txt",
		"pic.png", "sp ace.dat", "mprofile_2026.dat",
	};
	struct tl_result r;
	char *p;

	sh->dir = tl_tmpdir();
	sh->work = tl_tmpdir();
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		p = tl_path(sh->dir, files[i]);
		tl_write_file(p, "CMDLINE x\n");
		free(p);
	}
	p = tl_path(sh->dir, "sub");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = tl_path(sh->dir, "mprofile_20260101000002.dat"); /* a directory: no index */
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	tl_run(&r, sh->dir, "mprof", "list");
	ck_assert_int_eq(r.status, 0);
	sh->nprofiles = tl_count_prefix(r.out, ""); /* one a line */
	tl_result_free(&r);
}

static void shells_release(struct shells *sh)
{
	tl_rmrf(sh->dir);
	tl_rmrf(sh->work);
	free(sh->dir);
	free(sh->work);
}

static char *work_file(struct shells *sh, const char *name, const char *content)
{
	char *p = tl_path(sh->work, name);

	tl_write_file(p, content);
	return p;
}

/* ---- bash ---- */

static char *bash_complete(struct shells *sh, const char *line)
{
	char *driver = work_file(sh, "driver.bash", bash_driver), *set;
	struct tl_result r;

	tl_run(&r, sh->dir, "bash", "--norc", "--noprofile", driver, COMPLETION_DIR "/mprof.bash", line);
	ck_assert_msg(r.status == 0, "bash '%s': status %d: %s", line, r.status, r.err);
	set = word_set(r.out);
	tl_result_free(&r);
	free(driver);
	return set;
}

/* The commands, as `mprof --help` lists them, and help. */
static char *help_commands(void)
{
	struct tl_result r;
	struct strvec v = { 0 };
	char *joined = xstrdup("help\n"), *t, *save = NULL, *res;
	bool in = false;

	tl_run(&r, NULL, "mprof", "--help");
	ck_assert_int_eq(r.status, 0);
	for (t = strtok_r(r.out, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		char name[32];

		if (strcmp(t, "Commands:") == 0)
			in = true;
		else if (in && t[0] == ' ' && sscanf(t, " %31s", name) == 1)
			strvec_push(&v, name);
		else
			in = false;
	}
	for (size_t i = 0; i < v.n; i++) {
		char *n = xasprintf("%s%s\n", joined, v.v[i]);

		free(joined);
		joined = n;
	}
	res = word_set(joined);
	free(joined);
	strvec_clear(&v);
	tl_result_free(&r);
	return res;
}

/* The long options `mprof CMD --help` names, and --help. */
static char *help_long_options(const char *cmd)
{
	struct tl_result r;
	char *all = xstrdup("--help\n"), *res;

	tl_run(&r, NULL, "mprof", cmd, "--help");
	ck_assert_msg(r.status == 0, "mprof %s --help: %d", cmd, r.status);
	for (const char *p = r.out; (p = strstr(p, "--")); p += 2) {
		size_t n = 2;
		char *w, *j;

		if (p > r.out && p[-1] != ' ' && p[-1] != ',' && p[-1] != '\n')
			continue;
		while ((p[n] >= 'a' && p[n] <= 'z') || (n > 2 && p[n] == '-'))
			n++;
		if (n == 2)
			continue;
		w = xstrndup(p, n);
		j = xasprintf("%s%s\n", all, w);
		free(all);
		all = j;
		free(w);
	}
	res = word_set(all);
	free(all);
	tl_result_free(&r);
	return res;
}

START_TEST(test_bash_commands_and_options)
{
	struct shells sh;
	char *want = help_commands(), *got, *cmds, *save = NULL;

	shells_init(&sh);
	got = bash_complete(&sh, "mprof ");
	ck_assert_str_eq(got, want);
	free(got);
	got = bash_complete(&sh, "mprof help ");
	ck_assert_str_eq(got, want);
	free(got);
	/* every command's long options, as its --help names them */
	cmds = xstrdup(want);
	for (char *c = strtok_r(cmds, "|", &save); c; c = strtok_r(NULL, "|", &save)) {
		char *line, *opts;

		if (strcmp(c, "help") == 0)
			continue;
		line = xasprintf("mprof %s --", c);
		opts = help_long_options(c);
		got = bash_complete(&sh, line);
		ck_assert_msg(strcmp(got, opts) == 0, "'%s': '%s', --help names '%s'", line, got, opts);
		free(got);
		free(opts);
		free(line);
	}
	free(cmds);
	free(want);
	shells_release(&sh);
}
END_TEST

static const struct {
	const char *line;
	const char *want;     /* the exact set, or NULL */
	const char *has;      /* words that must be offered, '|'-separated */
	const char *hasnt;    /* words that must not be */
} bash_cases[] = {
	{ "mprof pl", "plot", NULL, NULL },
	{ "mprof help r", "rm|run", NULL, NULL },
	{ "mprof -", "--help|--version|-V|-h", NULL, NULL },
	{ "mprof plot --c", "--color", NULL, NULL },
	{ "mprof plot --color ", "always|auto|never", NULL, NULL },
	{ "mprof plot --color=a", "always|auto", NULL, NULL },
	{ "mprof plot -t title --color n", "never", NULL, NULL },
	{ "mprof run --backend ", "posix|pss|psutil|psutil_pss|psutil_uss|rss|uss", NULL, NULL },
	{ "mprof attach --backend u", "uss", NULL, NULL },
	{ "mprof peak ", NULL, "mprofile_20260101000000.dat|mprofile_20260101000001.dat|other.dat|sp ace.dat|sub",
	  "note.txt|pic.png|0|-1" },
	{ "mprof rm mprofile_2026", NULL, "mprofile_20260101000000.dat|mprofile_2026.dat", "other.dat" },
	{ "mprof rm -", "--dry-run|--help|--version|-h", NULL, NULL },
	{ "mprof plot -o ", NULL, "pic.png|sub", "note.txt|other.dat" },
	{ "mprof plot --width 5 ", NULL, "other.dat", "5" },
	{ "mprof run --inc", "--include-children", NULL, NULL },
	{ "mprof run -T 0.5 --inc", "--include-children", NULL, NULL },
	{ "mprof run ./prog --inc", "", NULL, NULL },           /* the program's own options */
	{ "mprof run -o out.dat ba", NULL, "bash", NULL },
	{ "mprof lines ", NULL, "sub", "other.dat" },
	{ "mprof mark --b", "--begin", NULL, NULL },
	{ "mprof list ", "", NULL, NULL },
	{ "mprof summary ", NULL, "mprofile_20260101000000.dat|other.dat|sub", "note.txt|pic.png" },
	{ "mprof summary --", "--help|--json|--version", NULL, NULL },
	{ "mprof diff --max-increase 5 ", NULL, "mprofile_20260101000000.dat|other.dat", "5|note.txt" },
	{ "mprof diff --junit ", NULL, "sub", "other.dat|note.txt" },
	{ "mprof diff --e", "--exact", NULL, NULL },
	{ "mprof peak --max 1G --e", "--exact", NULL, NULL },
	{ "mprof run --kill-above 500M --q", "--quiet", NULL, NULL },
	{ "mprof run --max 1G ./prog --q", "", NULL, NULL },
	{ "mprof plot --al", "--align", NULL, NULL },
};

START_TEST(test_bash_cases)
{
	struct shells sh;
	char *got, *words, *save = NULL;

	shells_init(&sh);
	got = bash_complete(&sh, bash_cases[_i].line);
	if (bash_cases[_i].want)
		ck_assert_msg(strcmp(got, bash_cases[_i].want) == 0, "'%s': '%s', expected '%s'",
			      bash_cases[_i].line, got, bash_cases[_i].want);
	words = xstrdup(bash_cases[_i].has ? bash_cases[_i].has : "");
	for (char *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
		ck_assert_msg(in_set(got, w), "'%s': no '%s' in '%s'", bash_cases[_i].line, w, got);
	free(words);
	words = xstrdup(bash_cases[_i].hasnt ? bash_cases[_i].hasnt : "");
	for (char *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
		ck_assert_msg(!in_set(got, w), "'%s': '%s' in '%s'", bash_cases[_i].line, w, got);
	free(words);
	free(got);
	shells_release(&sh);
}
END_TEST

/* Indices: as many as `mprof list` shows, from 0 up and from -1 down. */
START_TEST(test_bash_indices)
{
	struct shells sh;
	char *got, *line;

	shells_init(&sh);
	ck_assert_int_ge(sh.nprofiles, 2);
	for (int i = 0; i < sh.nprofiles; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d", i);
		line = xasprintf("mprof plot %d", i);
		got = bash_complete(&sh, line);
		ck_assert_msg(in_set(got, want), "'%s': '%s'", line, got);
		free(got);
		free(line);
		snprintf(want, sizeof(want), "-%d", i + 1);
		line = xasprintf("mprof peak %s", want);
		got = bash_complete(&sh, line);
		ck_assert_msg(strcmp(got, want) == 0, "'%s': '%s'", line, got);
		free(got);
		free(line);
	}
	line = xasprintf("mprof rm -%d", sh.nprofiles + 1);
	got = bash_complete(&sh, line);
	ck_assert_msg(strcmp(got, "") == 0, "'%s': '%s'", line, got);
	free(got);
	free(line);
	line = xasprintf("mprof rm %d", sh.nprofiles);
	got = bash_complete(&sh, line);
	ck_assert_msg(!in_set(got, line + 9), "'%s': '%s'", line, got);
	free(got);
	free(line);
	shells_release(&sh);
}
END_TEST

START_TEST(test_bash_attach_pids)
{
	struct shells sh;
	char pid[24], *got;

	shells_init(&sh);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	{
		char *line = xasprintf("mprof attach -C %s", pid);

		got = bash_complete(&sh, line);
		ck_assert_msg(in_set(got, pid), "'%s': '%s'", line, got);
		free(line);
		free(got);
	}
	shells_release(&sh);
}
END_TEST

/* ---- zsh and fish, when installed ---- */

static bool have(const char *prog)
{
	struct tl_result r;
	bool ok;
	char *cmd = xasprintf("command -v %s", prog);

	tl_run(&r, NULL, "sh", "-c", cmd);
	ok = r.status == 0;
	tl_result_free(&r);
	free(cmd);
	if (!ok)
		tl_skip("%s is not installed: its completion was not tested", prog);
	return ok;
}

static char *zsh_complete(struct shells *sh, const char *line)
{
	char *harness = work_file(sh, "harness.zsh", zsh_harness);
	char *setup = work_file(sh, "setup.zsh", zsh_setup), *set;
	char *env_dir = xasprintf("MPROF_TEST_DIR=%s", sh->dir);
	const char *env[] = { env_dir, "MPROF_TEST_FPATH=" COMPLETION_DIR, NULL };
	struct tl_result r;

	tl_run_env(&r, sh->dir, env, 60,
		   (const char *const[]){ "zsh", "-f", harness, setup, line, NULL });
	ck_assert_msg(r.status == 0, "zsh '%s': status %d: %s", line, r.status, r.err);
	set = word_set(r.out);
	tl_result_free(&r);
	free(env_dir);
	free(setup);
	free(harness);
	return set;
}

static char *fish_complete(struct shells *sh, const char *line)
{
	char *cmd = xasprintf("source %s/mprof.fish; complete -C'%s'", COMPLETION_DIR, line), *set;
	struct tl_result r;

	tl_run(&r, sh->dir, "fish", "--no-config", "-c", cmd);
	ck_assert_msg(r.status == 0, "fish '%s': status %d: %s", line, r.status, r.err);
	/* "word<TAB>description": the words */
	for (char *p = r.out; (p = strchr(p, '\t'));)
		while (*p && *p != '\n')
			memmove(p, p + 1, strlen(p));
	set = word_set(r.out);
	tl_result_free(&r);
	free(cmd);
	return set;
}

static const struct {
	const char *line;
	const char *want;     /* exact, or with a leading '+': these at least */
} other_cases[] = {
	{ "mprof pl", "plot" },
	{ "mprof help r", "rm|run" },
	{ "mprof plot --c", "--color" },
	{ "mprof rm --", "--dry-run|--help|--version" },
	{ "mprof peak 1", "1" },
	{ "mprof plot -2", "-2" },
	{ "mprof peak ", "+mprofile_20260101000000.dat|mprofile_20260101000001.dat|other.dat" },
	{ "mprof run --inc", "--include-children" },
	{ "mprof run ba", "+bash" },
	{ "mprof su", "summary" },
	{ "mprof diff ", "+mprofile_20260101000000.dat|other.dat" },
	{ "mprof run --kill", "--kill-above" },
};

static void check_other(const char *shell, const char *line, const char *got, const char *want)
{
	if (want[0] != '+') {
		ck_assert_msg(strcmp(got, want) == 0, "%s '%s': '%s', expected '%s'", shell, line, got, want);
		return;
	}
	{
		char *words = xstrdup(want + 1), *save = NULL;

		for (char *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
			ck_assert_msg(in_set(got, w), "%s '%s': no '%s' in '%s'", shell, line, w, got);
		free(words);
	}
}

START_TEST(test_zsh)
{
	struct shells sh;

	if (!have("zsh"))
		return;
	shells_init(&sh);
	for (size_t i = 0; i < ARRAY_SIZE(other_cases); i++) {
		char *got = zsh_complete(&sh, other_cases[i].line);

		check_other("zsh", other_cases[i].line, got, other_cases[i].want);
		free(got);
	}
	{
		char *got = zsh_complete(&sh, "mprof plot --color="), *cmds = help_commands();

		ck_assert_str_eq(got, "always|auto|never");
		free(got);
		got = zsh_complete(&sh, "mprof ");
		ck_assert_str_eq(got, cmds);
		free(got);
		free(cmds);
	}
	shells_release(&sh);
}
END_TEST

START_TEST(test_fish)
{
	struct shells sh;

	if (!have("fish"))
		return;
	shells_init(&sh);
	for (size_t i = 0; i < ARRAY_SIZE(other_cases); i++) {
		char *got = fish_complete(&sh, other_cases[i].line);

		check_other("fish", other_cases[i].line, got, other_cases[i].want);
		free(got);
	}
	{
		char *got = fish_complete(&sh, "mprof plot --color "), *cmds = help_commands();

		ck_assert_str_eq(got, "always|auto|never");
		free(got);
		got = fish_complete(&sh, "mprof ");
		ck_assert_str_eq(got, cmds);
		free(got);
		got = fish_complete(&sh, "mprof run ./prog --inc");
		ck_assert_str_eq(got, "");
		free(got);
		free(cmds);
	}
	shells_release(&sh);
}
END_TEST

static Suite *completion_suite(void)
{
	Suite *s = suite_create("completion");
	TCase *tc = tcase_create("completion");

	tcase_add_test(tc, test_bash_commands_and_options);
	tcase_add_loop_test(tc, test_bash_cases, 0, (int)ARRAY_SIZE(bash_cases));
	tcase_add_test(tc, test_bash_indices);
	tcase_add_test(tc, test_bash_attach_pids);
	tcase_add_test(tc, test_zsh);
	tcase_add_test(tc, test_fish);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(completion_suite());
}
