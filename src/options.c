/* options: the one option parser of every command (see options.h). */
#include "options.h"

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The help column: option names are padded to this many characters, at
 * most; longer ones put their help on the next line. */
#define HELP_COLUMN_MAX 26

const struct opt opt_builtins[] = {
	{ OPT_TYPE_HELP, 'h', "help", NULL, "show this help", 0, NULL },
	{ OPT_TYPE_VERSION, 0, "version", NULL, "print the version of mprof", 0, NULL },
	OPT_END(),
};

static int vset_error(struct opt_parser *p, const char *prefix, const char *fmt, va_list ap)
	MPROF_PRINTF(3, 0);

static int vset_error(struct opt_parser *p, const char *prefix, const char *fmt, va_list ap)
{
	size_t n;

	snprintf(p->err, sizeof(p->err), "%s", prefix);
	n = strlen(p->err);
	vsnprintf(p->err + n, sizeof(p->err) - n, fmt, ap);
	return -1;
}

int opt_error(struct opt_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_error(p, "", fmt, ap);
	va_end(ap);
	return -1;
}

int opt_bad_value(struct opt_parser *p, const char *fmt, ...)
{
	char prefix[96];
	va_list ap;

	if (p->cur && p->cur->long_name)
		snprintf(prefix, sizeof(prefix), "option --%s: ", p->cur->long_name);
	else
		snprintf(prefix, sizeof(prefix), "option -%c: ", p->cur ? p->cur->short_name : '?');
	va_start(ap, fmt);
	vset_error(p, prefix, fmt, ap);
	va_end(ap);
	return -1;
}

int opt_file_name(struct opt_parser *p, void *field, const char *arg)
{
	if (!*arg)
		return opt_bad_value(p, "a file name is needed");
	*(const char **)field = arg;
	return 0;
}

/* ---- parsing ---- */

/* The command's options, then the parser's own: the k-th of both. */
static const struct opt *opt_at(const struct opt_cmd *cmd, size_t k)
{
	size_t n = 0;

	while (cmd->opts[n].type != OPT_TYPE_END)
		n++;
	if (k < n)
		return &cmd->opts[k];
	k -= n;
	return opt_builtins[k].type != OPT_TYPE_END ? &opt_builtins[k] : NULL;
}

/* Not an option: "-", a negative number, or no leading '-'. */
static bool is_argument(const char *a)
{
	return a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9');
}

static void *field_of(struct opt_parser *p, const struct opt *o)
{
	return (char *)p->values + o->offset;
}

static enum opt_status apply(struct opt_parser *p, const struct opt *o, const char *arg)
{
	p->cur = o;
	switch (o->type) {
	case OPT_TYPE_BOOL:
		*(bool *)field_of(p, o) = true;
		return OPT_OK;
	case OPT_TYPE_STRING:
		*(const char **)field_of(p, o) = arg;
		return OPT_OK;
	case OPT_TYPE_CALLBACK:
		return o->cb(p, field_of(p, o), arg) < 0 ? OPT_ERROR : OPT_OK;
	case OPT_TYPE_HELP:
		return OPT_HELP;
	case OPT_TYPE_VERSION:
		return OPT_VERSION;
	case OPT_TYPE_END:
		break;
	}
	return OPT_ERROR;
}

/* The long option named name[0..len), exactly or by a prefix of one option
 * only. NULL (with the error set) otherwise. */
static const struct opt *find_long(struct opt_parser *p, const char *token, const char *name, size_t len)
{
	const struct opt *o, *found = NULL;
	char names[256] = "";
	int matches = 0;

	for (size_t k = 0; len && (o = opt_at(p->cmd, k)); k++) {
		if (!o->long_name || strncmp(o->long_name, name, len) != 0)
			continue;
		if (!o->long_name[len])
			return o; /* exact: wins over longer names */
		found = o;
		matches++;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s--%s",
			 matches > 1 ? ", " : "", o->long_name);
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		opt_error(p, "ambiguous option '--%.*s': could be %s", (int)len, name, names);
	else
		opt_error(p, "unknown option '%s'", token);
	return NULL;
}

/* argv[*i] is "--name" or "--name=value"; a value may take argv[*i + 1]. */
static enum opt_status parse_long_opt(struct opt_parser *p, int argc, char **argv, int *i)
{
	const char *token = argv[*i], *name = token + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = find_long(p, token, name, len);

	if (!o)
		return OPT_ERROR;
	if (!o->arg) {
		if (eq) {
			opt_error(p, "option '--%s' takes no value", o->long_name);
			return OPT_ERROR;
		}
		return apply(p, o, NULL);
	}
	if (eq)
		return apply(p, o, eq + 1);
	if (*i + 1 >= argc) {
		opt_error(p, "option '--%s' needs a value", o->long_name);
		return OPT_ERROR;
	}
	return apply(p, o, argv[++*i]);
}

static const struct opt *find_short(const struct opt_cmd *cmd, char c)
{
	const struct opt *o;

	for (size_t k = 0; (o = opt_at(cmd, k)); k++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* argv[*i] is "-abc": flags, the last of which may take a value ("-ofile",
 * or argv[*i + 1]). */
static enum opt_status parse_short_opts(struct opt_parser *p, int argc, char **argv, int *i)
{
	const char *s = argv[*i] + 1;
	enum opt_status st = OPT_OK;

	for (; *s && st == OPT_OK; s++) {
		const struct opt *o = find_short(p->cmd, *s);

		if (!o) {
			opt_error(p, "unknown option '-%c'", *s);
			return OPT_ERROR;
		}
		if (!o->arg) {
			st = apply(p, o, NULL);
			continue;
		}
		if (s[1])
			return apply(p, o, s + 1);
		if (*i + 1 >= argc) {
			opt_error(p, "option '-%c' needs a value", *s);
			return OPT_ERROR;
		}
		return apply(p, o, argv[++*i]);
	}
	return st;
}

enum opt_status opt_parse_gently(struct opt_parser *p, const struct opt_cmd *cmd, void *values,
				 int argc, char **argv)
{
	enum opt_status st = OPT_OK;
	int n = 0;

	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->values = values;
	p->stop_at_arg = cmd->flags & OPT_STOP_AT_ARG;
	for (int i = 1; i < argc && st == OPT_OK; i++) {
		char *a = argv[i];

		if (p->done || is_argument(a)) {
			/* n < i: what is still to be read is never overwritten */
			argv[n++] = a;
			p->done = p->done || p->stop_at_arg;
		} else if (strcmp(a, "--") == 0) {
			p->done = true;
		} else if (a[1] == '-') {
			st = parse_long_opt(p, argc, argv, &i);
		} else {
			st = parse_short_opts(p, argc, argv, &i);
		}
	}
	argv[n] = NULL;
	p->nargs = n;
	return st;
}

int opt_parse(const struct opt_cmd *cmd, void *values, int argc, char **argv)
{
	struct opt_parser p;

	switch (opt_parse_gently(&p, cmd, values, argc, argv)) {
	case OPT_OK:
		break;
	case OPT_HELP:
		opt_usage(cmd, stdout);
		exit(EXIT_OK);
	case OPT_VERSION:
		printf("mprof %s\n", MPROF_VERSION);
		exit(EXIT_OK);
	case OPT_ERROR:
		die_usage(cmd->name, "%s", p.err);
	}
	return p.nargs;
}

/* ---- the usage text ---- */

/* "  -o, --output FILE", "      --force", "  -m MODULE" */
static void opt_names(const struct opt *o, char *buf, size_t size)
{
	int n;

	if (o->short_name && o->long_name)
		n = snprintf(buf, size, "  -%c, --%s", o->short_name, o->long_name);
	else if (o->short_name)
		n = snprintf(buf, size, "  -%c", o->short_name);
	else
		n = snprintf(buf, size, "      --%s", o->long_name);
	if (o->arg && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " %s", o->arg);
}

static void print_help_lines(FILE *f, const char *help, int column)
{
	const char *line = help;

	for (;;) {
		size_t len = strcspn(line, "\n");

		fprintf(f, "%.*s\n", (int)len, line);
		if (!line[len])
			break;
		line += len + 1;
		fprintf(f, "%*s", column, "");
	}
}

void opt_usage(const struct opt_cmd *cmd, FILE *f)
{
	const struct opt *o;
	char names[128];
	int column = 0;

	for (size_t i = 0; cmd->usage[i]; i++)
		fprintf(f, "%s%s\n", i ? "       " : "usage: ", cmd->usage[i]);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	for (size_t k = 0; (o = opt_at(cmd, k)); k++) {
		int w;

		opt_names(o, names, sizeof(names));
		w = (int)strlen(names) + 2;
		if (w > column && w <= HELP_COLUMN_MAX)
			column = w;
	}
	fputc('\n', f);
	for (size_t k = 0; (o = opt_at(cmd, k)); k++) {
		opt_names(o, names, sizeof(names));
		if ((int)strlen(names) + 2 > column)
			fprintf(f, "%s\n%*s", names, column, "");
		else
			fprintf(f, "%-*s", column, names);
		print_help_lines(f, o->help, column);
	}
	if (cmd->footer)
		fprintf(f, "\n%s", cmd->footer);
}
