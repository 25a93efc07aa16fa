/* profile_par: a large profile read on every core.
 *
 * The file is cut into chunks of fixed size; a chunk's lines are those that
 * start in it (the last may end in the next chunk). Worker threads (one per
 * online CPU, at most PAR_THREADS_MAX) read chunks with pread and parse the
 * common record, "MEM <MiB> <t>" with plain decimals, into (mem, t) pairs;
 * any other line is kept as its place in the chunk. The reading thread gives
 * the records out in the file's order: pairs as they are, other lines parsed
 * there, with their line numbers, as profile_reader_next on one thread would.
 * A line that does not end inside the bytes a worker read (a very long one,
 * or the last one of a file without its newline) is read the ordinary way, up
 * to the next chunk.
 *
 * Memory: a few chunks in flight per thread, whatever the file's size. Files
 * smaller than a few chunks, and what is not a regular file, are read on one
 * thread.
 */
#ifndef MPROF_PROFILE_PAR_H
#define MPROF_PROFILE_PAR_H

#include "profile.h"

#include <stdint.h>

#define PROFILE_OFF_MAX ((off_t)INT64_MAX)
#define PAR_THREADS_MAX 8
/* The reader's largest buffer: also the longest line it takes. */
#define PROFILE_READ_BUF (1u << 20)

/* Start reading r's file on every core when it is worth it (sets r->par). */
void profile_par_start(struct profile_reader *r);
int profile_par_next(struct profile_reader *r, struct record *rec);
int profile_par_next_run(struct profile_reader *r, struct record *rec,
			 const struct profile_sample **run, size_t *n);
void profile_par_stop(struct profile_reader *r);

/* For tests: chunk size in bytes, the smallest file read in parallel, and the
 * number of threads (0: the online CPUs). All 0: the defaults. */
void profile_par_tune(size_t chunk, size_t min_size, int threads);

/* profile.c's parts that the parallel reading uses. */
/* Bytes read past a line's start by profile_scan_mem_fast (its window and
 * 8-byte loads of digits in it). */
#define PROFILE_SCAN_WINDOW 64
#define PROFILE_SCAN_PAD 96
/* Lines "MEM <MiB> <t>\n" with plain decimals from p on (PROFILE_SCAN_PAD
 * bytes after end readable), those that start before mine, at most cap of
 * them, into out: their count in *n, and where the first line not read
 * starts. (profile_scan.c) */
const char *profile_scan_mems(const char *p, const char *mine, const char *end,
			      struct profile_sample *out, size_t cap, size_t *n);
/* One such line at p, avail bytes of data from p (PROFILE_SCAN_PAD bytes
 * from p readable), in its most common forms: a line shorter than the
 * window, numbers of at most 15 digits in 16 bytes, no sign; only where the
 * processor has the instructions for it (AVX2). Where the next line starts,
 * or NULL: then ask profile_scan_mem_line. */
const char *profile_scan_mem_fast(const char *p, size_t avail, double *mem, double *t);
/* The same for any plain decimals (profile.c; 8 bytes after end readable). */
const char *profile_scan_mem_line(const char *line, const char *end, double *mem, double *t);
void profile_record_mem(struct record *rec, double mem, double t, long lineno);
/* One line (not its newline; 8 bytes after it readable), numbered
 * r->lineno: 1 record, 0 skipped, -1 error (reported). */
int profile_reader_line(struct profile_reader *r, char *line, size_t len, struct record *rec);
/* Read on one thread from offset off, up to the first line that starts at or
 * after limit. */
void profile_reader_seek(struct profile_reader *r, off_t off, off_t limit);
int profile_reader_serial(struct profile_reader *r, struct record *rec);

#endif
