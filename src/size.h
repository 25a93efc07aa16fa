/* size: memory sizes as people write them on a command line ("500M", "1.5G",
 * "300MiB", "2GB"), and budgets of such sizes.
 *
 * The rule (mprof counts memory in MiB, 2^20 bytes, everywhere):
 *   K M G T P, Ki Mi Gi Ti Pi, KiB MiB GiB TiB PiB   powers of 1024
 *   (and k m g t p, lowercase letters alone, as docker and java write them)
 *   kB KB MB GB TB PB                                powers of 1000 (SI)
 *   B                                                bytes
 * A number alone is refused: bytes or MiB, it is ambiguous. The number is
 * decimal with up to 9 decimals ("1.5G", ".5G"), blanks may separate it from
 * the unit ("500 MiB"); the result is rounded to a whole byte.
 */
#ifndef MPROF_SIZE_H
#define MPROF_SIZE_H

#include <stdint.h>

enum size_error {
	SIZE_OK,
	SIZE_EMPTY,          /* nothing given */
	SIZE_NO_UNIT,        /* a number alone */
	SIZE_NEGATIVE,       /* starts with '-' */
	SIZE_BAD_NUMBER,     /* no digits, a sign, an exponent, a second point... */
	SIZE_BAD_UNIT,       /* a unit not in the table */
	SIZE_TOO_PRECISE,    /* more than 9 decimals */
	SIZE_TOO_LARGE,      /* more than 2^64 - 1 bytes */
};

/* Parse s into *bytes. Returns SIZE_OK or the reason, printing nothing. */
enum size_error size_parse(const char *s, uint64_t *bytes);
/* The reason as a phrase for a message. */
const char *size_strerror(enum size_error e);
/* Parse the argument of an option: 0, or -1 after a message naming the option
 * and the argument ("mprof: option --max: '500' has no unit ..."). */
int size_parse_arg(const char *option, const char *s, uint64_t *bytes);

/* A size given to an option: the bytes and the argument as written (NULL:
 * not given), for the messages. */
struct size_arg {
	uint64_t bytes;
	const char *arg;
};

struct opt_parser;
/* The option parser's callback (options.h) for an option whose value is a
 * size: fills the struct size_arg at field, or reports the argument as
 * size_parse_arg words it, as a bad value of the option (exit 2). */
int size_opt_value(struct opt_parser *p, void *field, const char *arg);

/* Bytes as MiB, the unit of profiles. */
double size_mib(uint64_t bytes);

/* A budget: the peak `mib` (of `what`, "peak", "exact peak", "peak of f")
 * of profile `file` against `max` bytes, given as `arg` on the command line.
 * 0: within; 1: over, after one line on standard error naming the file, the
 * peak and the budget; -1: no value to judge (NaN), after a message. */
int size_check_budget(const char *file, const char *what, double mib, uint64_t max, const char *arg);

#endif
