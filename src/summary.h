/* summary: what one profile says, in numbers: duration, samples, the sampled
 * and the kernel's peak, mean, final, slope, how the program ended, and one
 * row per function, per marker and per child.
 *
 * Read in one streaming pass over the records, in any order; a second pass
 * over the MEM samples, only when the profile has FUNC records, finds the
 * highest sample inside each function's calls. Memory grows with the number
 * of functions, markers, children and calls, never with the samples.
 *
 * Times are seconds from the start: the earliest MEM sample or call start,
 * as in `mprof plot`. Memory is in MiB. A value the profile does not hold
 * (no PEAK record, no samples) is NAN.
 */
#ifndef MPROF_SUMMARY_H
#define MPROF_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json;
struct record;
struct summary_reading;

#define SUMMARY_FORMAT "mprof-summary"
#define SUMMARY_VERSION 1

struct summary_point {
	double mib;           /* NAN: none */
	double t;             /* seconds from the start (the first time it was reached) */
};

struct summary_func {
	char *name;           /* unescaped bytes, NUL-terminated */
	size_t name_len;
	unsigned long calls;
	unsigned long unfinished; /* calls still open when the program ended */
	double total;         /* seconds in its calls, summed */
	double increment;     /* MiB at the end minus at the start, summed over calls */
	double peak;          /* highest memory inside its calls: the MEM samples
	                       * inside them (ends included) and the memory at their
	                       * starts and ends */
	double exact_peak;    /* the kernel's peak inside its calls, from interval
	                       * peaks (summary_interval_peak); NAN without them */
	double first;         /* start of its first call */
};

struct summary_mark {
	char *label;          /* unescaped bytes, NUL-terminated */
	size_t label_len;
	unsigned long count;
	double first;         /* time of its first occurrence */
	double first_mib;     /* memory there */
	double peak;          /* highest memory at its occurrences */
};

struct summary_child {
	long pid;
	char *command;        /* CHLDCMD, unescaped; NULL without */
	size_t command_len;
	unsigned long samples;
	struct summary_point peak;        /* highest CHLD sample */
	struct summary_point exact_peak;  /* highest CHLDPEAK */
};

struct summary_exit {
	bool set;             /* false: no EXIT record (cut short, or still running) */
	char how[16];         /* "exit", "signal", "detached" */
	int status;           /* exit status or signal number */
	double t;
};

struct summary {
	char *path;
	char *command;        /* the first CMDLINE, as written; NULL without */
	unsigned runs;        /* CMDLINE records: more than 1 in an appended file */
	double start_unix;    /* unix time of the start; NAN without samples or calls */
	double duration;      /* from the start to the last sample or call end */
	unsigned long samples;        /* MEM records */
	struct summary_point peak;    /* highest MEM sample */
	struct summary_point exact_peak; /* highest PEAK record: the kernel's */
	double mean;          /* of the MEM samples */
	double initial;       /* the first MEM sample (earliest in time) */
	double final;         /* the last MEM sample (latest in time) */
	double slope;         /* MiB/s: least squares over the MEM samples, the
	                       * line `mprof plot --slope` fits; NAN with fewer
	                       * than two distinct times */
	struct summary_exit exit;
	bool func_peaks_sampled; /* func peaks include the MEM samples inside the
	                          * calls (false: the file could not be read twice) */
	struct summary_func *funcs;   /* by the start of their first call */
	size_t nfuncs;
	struct summary_mark *marks;   /* by first occurrence */
	size_t nmarks;
	struct summary_child *children; /* by pid */
	size_t nchildren;
	struct summary_reading *rd;   /* private: state while reading */
};

enum summary_flags {
	/* Read the file once, and keep nothing per call: no peaks inside
	 * functions, memory that grows only with the number of functions,
	 * markers and children (for a line at the end of `mprof run`). */
	SUMMARY_NO_CALL_PEAKS = 1 << 0,
};

/* Read the profile at path (flags: enum summary_flags). -1 on error
 * (reported as FILE:LINE). */
int summary_read(struct summary *s, const char *path, unsigned flags);
void summary_release(struct summary *s);

/* The same in steps, for records that do not come from a file (tests) or
 * for a reader of another kind:
 *   summary_init; summary_record for every record;
 *   if summary_calls_pending: summary_calls_begin, then summary_calls_record
 *     for every record again;
 *   summary_finish. */
void summary_init(struct summary *s, const char *path, unsigned flags);
void summary_record(struct summary *s, const struct record *rec);
bool summary_calls_pending(const struct summary *s);
void summary_calls_begin(struct summary *s);
void summary_calls_record(struct summary *s, const struct record *rec);
/* Hook for interval peaks (the kernel's high-water mark between t0 and t1,
 * unix times): raise the exact peak of each function that has a call holding
 * all of [t0, t1]. Call it between summary_calls_begin and summary_finish. No
 * record carries interval peaks yet; when one does, summary_calls_record
 * passes it here. */
void summary_interval_peak(struct summary *s, double t0, double t1, double mib);
void summary_finish(struct summary *s);

/* Output: text for people, and one JSON object (schema in mprof(1)). */
void summary_print_text(const struct summary *s, FILE *f);
void summary_json(const struct summary *s, struct json *j);

/* A name or label from a profile for a terminal: valid UTF-8 as is, other
 * bytes and control characters as \xHH. */
void summary_put_name(FILE *f, const char *s, size_t len);
/* The same as a string. Caller frees. */
char *summary_display_name(const char *s, size_t len);

/* Names in byte order (memcmp, then the shorter first). */
int summary_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* The function so named, or else the timestamp block ".name" (as
 * `mprof peak --func` finds it); NULL if none. */
const struct summary_func *summary_find_func(const struct summary *s, const char *name);

#endif
