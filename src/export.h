/* export: every series of a profile as numbers, for mprof export.
 *
 * CSV is tidy, one value a row, with the header
 *
 *   time_s,pid,series,mib
 *
 * time_s in seconds from the first sample (the earliest MEM record), pid
 * empty for the program (or, under -C, the tree) and a child's pid for its
 * own records, series one of the names of export_series[]: mem,
 * interval_peak, anon, file, shmem, swap, python_heap, gpu, the cgroup's
 * cgroup_current, cgroup_anon, cgroup_file, cgroup_kernel, cgroup_shmem,
 * cgroup_sock, cgroup_file_active, cgroup_file_inactive, cgroup_peak, and
 * pressure_some, pressure_full (and those that records added later map to).
 * mib holds the value in MiB, except for pressure_some and pressure_full:
 * there it is the stall rate in ms per s since the previous CGPRESSURE record
 * (none for the first).
 * JSON holds the same rows, [time_s, pid or null, series, mib], under
 * "samples", after the run's metadata (file, command, start, interval,
 * backend, mode, pid, exit), then "functions" and "markers".
 *
 * It streams: the file is read once to find the start and the metadata, then
 * once for the rows (and, for JSON, once each for functions and markers), in
 * memory that does not grow with the file.
 */
#ifndef MPROF_EXPORT_H
#define MPROF_EXPORT_H

#include "profile.h"

#include <stdbool.h>
#include <stdio.h>

enum export_format {
	EXPORT_CSV,
	EXPORT_JSON,
};

/* One series a record carries: the record kind, the series' name, and the
 * member of struct record that holds its value. A record with a pid field
 * gives its pid to the row. */
struct export_series {
	enum record_kind kind;
	const char *name;
	unsigned short off;
	bool rate;      /* a counter in us: the row is its growth since the
			 * previous such record, in ms per s */
};

extern const struct export_series export_series[];
extern const size_t export_series_count;

/* Export the profile at path to out. -1 (reported, naming the file and
 * line) when it cannot be read, or out cannot be written (named `outname`). */
int export_profile(const char *path, enum export_format fmt, FILE *out, const char *outname);


#endif
