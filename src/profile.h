/* profile: the mprofile_*.dat format, defined once for its reader and its writer.
 *
 * One record a line, a keyword, one space, then fields separated by spaces.
 * The Python tool's records (CMDLINE, MEM, CHLD, FUNC) are written exactly as it
 * writes them; our extensions are new keywords, which its reader skips.
 * See man/mprofile.5.
 */
#ifndef MPROF_PROFILE_H
#define MPROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROFILE_FORMAT_VERSION 1
/* The longest name or label a record carries, escaped. */
#define PROFILE_NAME_MAX 1024

enum record_kind {
	REC_CMDLINE,  /* CMDLINE <command line> */
	REC_MEM,      /* MEM <MiB> <time> */
	REC_CHLD,     /* CHLD <pid> <MiB> <time> */
	REC_FUNC,     /* FUNC <name> <MiB> <time> <MiB> <time> [<level> [unfinished] [<pid>]] */
	REC_MARK,     /* MARK <label> <MiB> <time> */
	REC_PEAK,     /* PEAK <MiB> <time>: kernel high-water mark of the target */
	REC_CHLDPEAK, /* CHLDPEAK <pid> <MiB> <time>: same for a child */
	REC_CHLDCMD,  /* CHLDCMD <pid> <name>: a child's command name */
	REC_MPROF,    /* MPROF <format> <version> [key=value...] */
	REC_EXIT,     /* EXIT <time> <exit|signal|detached> <n>: how the target ended */
	REC_CGROUP,   /* CGROUP <MiB> <anon> <file> <kernel> <shmem> <sock> <active> <inactive> <time>:
		       * the charge of the target's memory cgroup and its breakdown, MiB */
	REC_CGPRESSURE, /* CGPRESSURE <some_us> <full_us> <time>: PSI memory stall totals */
	REC_CGPEAK,   /* CGPEAK <MiB> <time>: the cgroup's own high-water mark */
	REC_KIND,     /* KIND <anon> <file> <shmem> <swap> <time>: MiB of each kind */
	REC_CHLDKIND, /* CHLDKIND <pid> <anon> <file> <shmem> <swap> <time>: same for a child */
	REC_PYHEAP,   /* PYHEAP <MiB> <time>: the program's Python heap (tracemalloc) */
	REC_GPU,      /* GPU <MiB> <time>: device memory of the program's processes */
	REC_IPEAK,    /* IPEAK <MiB> <time>: highest resident set since the sample before */
	REC_CHLDIPEAK, /* CHLDIPEAK <pid> <MiB> <time>: same for a child */
	REC_UNSEEN,   /* UNSEEN <pid> <time>: pid reaped children no sample saw */
	REC_UNSEENPEAK, /* UNSEENPEAK <MiB> <time>: the largest peak of those */
	REC_KIND_COUNT
};

struct record {
	enum record_kind kind;
	double mem, t;
	double mem_end, t_end;
	double kinds[4]; /* KIND, CHLDKIND: anon, file, shmem, swap (MiB) */
	int level;       /* FUNC: -1 in the old 5-field form */
	bool unfinished; /* FUNC: the span was still open when the target ended */
	long pid;        /* CHLD, CHLDPEAK, CHLDCMD; FUNC: the process of a span from
	                  * another process than the target's, else 0 */
	int status;      /* EXIT */
	double cg[7];    /* CGROUP: anon file kernel shmem sock file_active file_inactive;
			  * CGPRESSURE: some full (us) */
	/* The one text field of a record. Read: escaped as in the file, valid
	 * until the next read. Written: the bytes as they are (a FIELD_NAME is
	 * escaped by the writer). */
	const char *text;
	size_t text_len;
	long lineno;
};

/* The kinds of field; each reads into and writes from one member of struct
 * record. */
enum field_kind {
	FIELD_END,   /* after the last field */
	FIELD_NUM,   /* a finite number: double */
	FIELD_MEM,   /* a finite number >= 0 (MiB): double */
	FIELD_PID,   /* 1 to 10 decimal digits: long */
	FIELD_INT,   /* decimal digits, 0 to max: int */
	FIELD_NAME,  /* one field, escaped (profile_escape): text */
	FIELD_FLAG,  /* the word `form` or nothing: bool */
	FIELD_REST,  /* the rest of the line as it is (the last field): text */
};

struct field_spec {
	enum field_kind kind;
	unsigned short off;  /* offsetof(struct record, member); unused by text fields */
	unsigned char prec;  /* FIELD_NUM, FIELD_MEM: decimals written */
	bool optional;       /* may be missing when read (the member keeps its default:
	                      * 0, level -1); a flag is always optional; an optional
	                      * pid is written only when it is not 0 */
	unsigned char tail;  /* FIELD_NAME first in its record: the number of fields after
	                      * it that the Python tool writes; a line that does not
	                      * parse, or has too many fields, is read again with all
	                      * but the last `tail` fields as the name (spaces unescaped) */
	long max;            /* FIELD_INT: the largest value */
	const char *form;    /* "<MiB>" in the record's form; a flag's word */
	const char *bad;     /* why such a field is refused */
};

#define RECORD_FIELDS_MAX 12

/* One record type: how it is read and written. Fields are separated by one
 * space when written; blanks (spaces, tabs) when read.
 *
 * A new record type: a REC_ kind above, its line in record_types (profile.c),
 * members of struct record for values no member holds yet, and a
 * profile_write_* wrapper if its writers want one. Older readers skip an
 * unknown keyword. A new field of a record: one line in its entry, optional
 * and after the others, so that files written before still read. */
struct record_type {
	const char *keyword;
	enum record_kind kind;
	struct field_spec fields[RECORD_FIELDS_MAX]; /* up to a FIELD_END, or all */
	/* A check across fields after reading: NULL, or why the record is refused. */
	const char *(*check)(const struct record *rec);
};

const struct record_type *record_type_of(enum record_kind kind);
/* "FUNC <name> <MiB> ... [<level> [unfinished]]", for messages and docs. */
const char *record_form(enum record_kind kind, char *buf, size_t cap);

/* Streaming reader: one pass, bounded memory, any bytes. A large regular
 * file is parsed in chunks on every core and its records are given out in
 * the file's order, the same records as a reading on one thread.
 * Unknown keywords, blank lines and untagged old "<mem> <t>" lines are skipped
 * (as the Python tool's reader skips them); a malformed known record is an error
 * "FILE:LINE: what is wrong". An incomplete last line (no newline: a file still
 * being written) is ignored with a warning. */
struct profile_reader {
	char *path;
	int fd;
	char *buf;
	size_t cap, pos, len;
	long lineno;
	bool eof;
	bool incomplete_tail; /* set when the last line had no newline */
	bool noted;           /* a record read with a note (said once per file) */
	off_t base;           /* file offset of buf[0] */
	off_t limit;          /* no line starting at or after this offset is read */
	struct profile_par *par; /* a large file read on every core (profile_par.c) */
};

int profile_reader_open(struct profile_reader *r, const char *path);
/* 1: a record in *rec; 0: end of file; -1: error (already reported). */
int profile_reader_next(struct profile_reader *r, struct record *rec);
/* A MEM record's values. */
struct profile_sample {
	double mem, t;
};
/* The same, with MEM records that follow one another given out as a run
 * when that is cheaper: 1 with *n > 0 samples at *run (valid until the next
 * read; r->lineno is the last one's line; rec is not set), or 1 with *n == 0
 * and a record in rec; 0: end of file; -1: error (already reported). */
int profile_reader_next_run(struct profile_reader *r, struct record *rec,
			    const struct profile_sample **run, size_t *n);
void profile_reader_close(struct profile_reader *r);
/* One pass over the file at path, each record to fn; a run of MEM records
 * that follow one another to fn_run at once, or, when it is NULL, to fn one
 * by one. 0 at its end, -1 on an error (reported). */
int profile_read_each(const char *path, void (*fn)(void *ctx, const struct record *rec),
		      void (*fn_run)(void *ctx, const struct profile_sample *run, size_t n), void *ctx);

/* Parse one line (without its newline) into *rec.
 * 1: a record, with *why NULL or a note to warn about (read, but written
 * oddly); 0: a line to skip; -1: malformed, with the reason in *why. */
int profile_parse_line(char *line, size_t len, struct record *rec, const char **why);

/* Numbers as strtod reads them, with a fast exact path for plain decimals. */
int profile_parse_number(const char *s, size_t len, double *out);
/* 1 to 10 decimal digits and nothing else (pids, levels, statuses). */
int profile_parse_digits(const char *s, size_t len, long *out);

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at s, or 0. */
size_t profile_utf8_len(const unsigned char *s, size_t avail);

/* Names and labels: bytes that would break the format (space, control bytes,
 * backslash, invalid UTF-8) become \xHH. Returns the escaped length (always
 * NUL-terminated, truncated to fit cap). */
size_t profile_escape(const char *src, size_t len, char *dst, size_t cap);
/* Undo profile_escape in place; returns the new length. */
size_t profile_unescape(char *s, size_t len);
/* Decode the byte at s (a \xHH escape or itself) into *c; returns how many
 * bytes of s it took. len > 0. */
size_t profile_unescape_byte(const char *s, size_t len, unsigned char *c);

/* Writer: records are written whole; after a failed write the file is cut back
 * to the last whole record, so what is on disk is always a valid profile. */
enum profile_open_mode {
	PROFILE_CREATE,  /* refuse an existing file */
	PROFILE_REPLACE, /* truncate an existing file */
	PROFILE_APPEND,  /* add to an existing file */
};

struct profile_writer {
	char *path;
	int fd;
	char *buf;
	size_t len, cap;
	off_t good;       /* bytes on disk known to end on a record boundary */
	int err;          /* errno of the first failed write, 0 if none */
};

int profile_writer_open(struct profile_writer *w, const char *path, enum profile_open_mode mode);
/* Adopt an already open fd (tests, stdout). */
void profile_writer_init_fd(struct profile_writer *w, int fd, const char *name);
/* Any record, as its record type describes it (rec->lineno is not used). A
 * FIELD_NAME that is empty is written "?". */
int profile_write(struct profile_writer *w, const struct record *rec);
/* The same, for each kind. */
int profile_write_cmdline(struct profile_writer *w, char *const argv[]);
int profile_write_header(struct profile_writer *w, const char *fields);
int profile_write_mem(struct profile_writer *w, double mem, double t);
int profile_write_chld(struct profile_writer *w, long pid, double mem, double t);
int profile_write_func(struct profile_writer *w, const char *name, double mem, double t,
		       double mem_end, double t_end, int level, bool unfinished);
int profile_write_mark(struct profile_writer *w, const char *label, double mem, double t);
int profile_write_peak(struct profile_writer *w, double mem, double t);
int profile_write_chldpeak(struct profile_writer *w, long pid, double mem, double t);
int profile_write_chldcmd(struct profile_writer *w, long pid, const char *name);
int profile_write_ipeak(struct profile_writer *w, double mem, double t);
int profile_write_chldipeak(struct profile_writer *w, long pid, double mem, double t);
int profile_write_unseen(struct profile_writer *w, long pid, double t);
int profile_write_unseenpeak(struct profile_writer *w, double mem, double t);
int profile_write_exit(struct profile_writer *w, double t, const char *how, int n);
int profile_write_cgpeak(struct profile_writer *w, double mem, double t);
/* mib: anon, file, shmem, swap. pid 0: KIND, else CHLDKIND. */
int profile_write_kind(struct profile_writer *w, long pid, const double mib[4], double t);
int profile_write_pyheap(struct profile_writer *w, double mem, double t);
int profile_write_gpu(struct profile_writer *w, double mem, double t);
/* Push buffered records to the file. -1 (reported) on failure. */
int profile_writer_flush(struct profile_writer *w);
size_t profile_writer_pending(const struct profile_writer *w);
int profile_writer_close(struct profile_writer *w);

/* The command line as the Python tool writes it: arguments with a blank
 * single-quoted, joined by spaces. Caller frees. */
char *profile_format_cmdline(char *const argv[]);

#endif
