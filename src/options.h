/* options: the one option parser of every command.
 *
 * A command declares its options once, in a table, and the parser does the
 * rest: --help (the usage text is made from the table), --version, long
 * options abbreviated to any unambiguous prefix (--out for --output),
 * --opt=value, --opt value, -ovalue, -o value, bundled flags (-CM), "--" to
 * end the options, and one error style:
 *
 *   mprof CMD: unknown option '--x'
 *   Try 'mprof CMD --help' for more information.
 *
 * with exit status 2. A word that starts with '-' and a digit ("-1", the
 * newest profile) is an argument, never an option: no option is a digit.
 *
 * Values go into a struct of the command's own (the table holds offsets in
 * it), so that the tables are static, and the tests and the help can read
 * them:
 *
 *   struct rm_args { bool dry_run; };
 *   static const struct opt rm_opts[] = {
 *           OPT_BOOL(0, "dry-run", struct rm_args, dry_run,
 *                    "print what would be removed, remove nothing"),
 *           OPT_END(),
 *   };
 *   const struct opt_cmd opt_cmd_rm = { "rm", OPT_USAGE("mprof rm [--dry-run] INDEX|FILE..."),
 *                                       "Remove profiles...\n", rm_opts, NULL, 0 };
 *   ...
 *   struct rm_args a = { 0 };
 *   int n = opt_parse(&opt_cmd_rm, &a, argc, argv);   // argv[0..n): the arguments
 *
 * A value the parser cannot check by its kind alone goes through a callback,
 * which stores it or reports it with opt_bad_value(). Checks that involve
 * several options or the arguments stay in the command, with die_usage(),
 * which prints the same style.
 */
#ifndef MPROF_OPTIONS_H
#define MPROF_OPTIONS_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_type {
	OPT_TYPE_END = 0,
	OPT_TYPE_BOOL,     /* no value; sets a bool to true */
	OPT_TYPE_STRING,   /* a value; stores the const char * (may be "") */
	OPT_TYPE_CALLBACK, /* calls cb with the value (NULL when arg is NULL) */
	OPT_TYPE_HELP,     /* the parser's own: --help, --version */
	OPT_TYPE_VERSION,
};

struct opt_parser;

/* Store or check a value. field points into the command's struct at the
 * option's offset. Return 0, or opt_bad_value(p, ...) / opt_error(p, ...). */
typedef int opt_callback(struct opt_parser *p, void *field, const char *arg);

/* The callback of OPT_FILE. */
int opt_file_name(struct opt_parser *p, void *field, const char *arg);

struct opt {
	enum opt_type type;
	char short_name;       /* 0: none */
	const char *long_name; /* NULL: none; lowercase words joined by '-' */
	const char *arg;       /* the value's name in the help ("FILE"); NULL: takes no value */
	const char *help;      /* lines joined by '\n', no final newline */
	size_t offset;         /* of the field in the command's struct */
	opt_callback *cb;
};

/* The field's type is checked: a bool for OPT_BOOL, a const char * for OPT_STRING. */
#define OPT_BOOL(s, l, type, field, help) \
	{ OPT_TYPE_BOOL, (s), (l), NULL, (help), \
	  _Generic(((type *)0)->field, bool: offsetof(type, field)), NULL }
#define OPT_STRING(s, l, arg, type, field, help) \
	{ OPT_TYPE_STRING, (s), (l), (arg), (help), \
	  _Generic(((type *)0)->field, const char *: offsetof(type, field)), NULL }
/* arg NULL: a flag whose callback gets a NULL value */
#define OPT_CALLBACK(s, l, arg, type, field, cb, help) \
	{ OPT_TYPE_CALLBACK, (s), (l), (arg), (help), offsetof(type, field), (cb) }
/* A file name: a const char *, never empty ("a file name is needed"). */
#define OPT_FILE(s, l, arg, type, field, help) \
	{ OPT_TYPE_CALLBACK, (s), (l), (arg), (help), \
	  _Generic(((type *)0)->field, const char *: offsetof(type, field)), opt_file_name }
#define OPT_END() { OPT_TYPE_END, 0, NULL, NULL, NULL, 0, NULL }

/* NULL-terminated synopsis lines, for struct opt_cmd */
#define OPT_USAGE(...) ((const char *const[]){ __VA_ARGS__, NULL })

enum {
	/* Options end at the first argument (mprof run PROGRAM ARGS...: what
	 * follows PROGRAM is its own). Otherwise options and arguments mix. */
	OPT_STOP_AT_ARG = 1 << 0,
};

struct opt_cmd {
	const char *name;          /* "run": messages say "mprof run: " */
	const char *const *usage;  /* synopsis lines, "mprof run [options] ..." */
	const char *about;         /* text between the synopsis and the options, or NULL */
	const struct opt *opts;    /* ends with OPT_END(); --help and --version are added */
	const char *footer;        /* text after the options, or NULL */
	unsigned flags;            /* OPT_STOP_AT_ARG */
};

enum opt_status {
	OPT_OK = 0,
	OPT_HELP,    /* --help was given: print opt_usage(), exit 0 */
	OPT_VERSION, /* --version was given */
	OPT_ERROR,   /* the message is in the parser's err */
};

/* A parse under way; callbacks may read and change the public part. */
struct opt_parser {
	const struct opt_cmd *cmd;
	void *values;             /* the command's struct */
	const struct opt *cur;    /* the option being handled */
	bool stop_at_arg;         /* options end at the next argument */
	bool done;                /* options have ended: the rest are arguments */
	int nargs;                /* after opt_parse_gently: the arguments, in argv[0..nargs) */
	char err[512];            /* after OPT_ERROR: the message, without "mprof CMD: " */
};

/* Parse argv[1..argc) (argv[0], the command's name, is not read). The
 * arguments that are not options are moved, in their order, to argv[0..n),
 * argv[n] set to NULL, and n is returned. --help prints the usage and exits
 * 0; --version prints the version and exits 0; an error prints the one
 * style above and exits 2. argv must be writable and hold argc + 1 entries. */
int opt_parse(const struct opt_cmd *cmd, void *values, int argc, char **argv);

/* The same, without printing or exiting: for tests. */
enum opt_status opt_parse_gently(struct opt_parser *p, const struct opt_cmd *cmd, void *values,
				 int argc, char **argv);

/* For callbacks: set the message and return -1. opt_bad_value prefixes
 * "option --NAME: " (the option being handled), so that a bad value reads
 *   mprof run: option --interval: 'abc' is not a number of seconds ... */
int opt_error(struct opt_parser *p, const char *fmt, ...) MPROF_PRINTF(2, 3);
int opt_bad_value(struct opt_parser *p, const char *fmt, ...) MPROF_PRINTF(2, 3);

/* The usage text: synopsis, about, the options (the table's, then --help and
 * --version), footer. */
void opt_usage(const struct opt_cmd *cmd, FILE *f);

/* The options every command has, after its own: -h/--help and --version,
 * ending with OPT_END(). */
extern const struct opt opt_builtins[];

#endif
