/* proc: what the sampler reads from Linux /proc about one process.
 *
 * Files read often are opened once and read with pread (statm, status);
 * smaps_rollup, which does not follow an exec, is opened for each read. A
 * process that has vanished is a false (or -1) return, never a fatal error:
 * the sampler races with processes that come and go. Optional files
 * (smaps_rollup) are probed once. The process tree is in proctree.h.
 */
#ifndef MPROF_PROC_H
#define MPROF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a memory sample measures. */
enum proc_backend {
	PROC_RSS, /* resident set size, from statm */
	PROC_PSS, /* proportional set size, from smaps_rollup */
	PROC_USS, /* unique set size (private pages), from smaps_rollup */
};

const char *proc_backend_name(enum proc_backend b);
/* Does this kernel have /proc/PID/smaps_rollup (Linux 4.14)? Probed once. */
bool proc_have_smaps_rollup(void);

/* One watched process: its files that follow it through exec kept open. */
struct proc_handle {
	pid_t pid;
	enum proc_backend backend;
	int fd;         /* statm (rss); -1 for pss and uss (smaps_rollup is opened at each read) */
	int status_fd;  /* status, opened on the first proc_read_hwm */
};

/* 0, or -1 with errno (ENOENT: no such process; EACCES: not ours to read). */
int proc_open(struct proc_handle *h, pid_t pid, enum proc_backend backend);
void proc_close(struct proc_handle *h);
/* Current memory in bytes. It follows the process through exec. False when
 * the process has vanished (errno ESRCH), when it has no memory left to
 * measure (errno 0: a zombie, one that is ending, a kernel thread), or when
 * its memory cannot be read (errno: EACCES, ...). A process whose main
 * thread has ended before the others is read through another thread. */
bool proc_read_mem(struct proc_handle *h, uint64_t *bytes);
/* The kernel's high-water mark of the resident set (VmHWM), in bytes. False
 * when the process has vanished or is a zombie. */
bool proc_read_hwm(struct proc_handle *h, uint64_t *bytes);
/* VmHWM and the resident set (VmRSS) in one read, as of one moment. */
bool proc_read_hwm_rss(struct proc_handle *h, uint64_t *hwm, uint64_t *rss);

/* Small one-shot reads. */
bool proc_exists(pid_t pid);
/* A few fields of /proc/PID/stat; it is still there for a zombie. */
struct proc_stat {
	char state;          /* R, S, D, Z, T, ... */
	pid_t ppid;
	uint64_t cminflt;    /* page faults of the children it has reaped: 0 when it reaped none */
};
bool proc_read_stat(pid_t pid, struct proc_stat *st);
/* The same, from the text of a /proc/PID/stat. */
bool proc_parse_stat(const char *buf, struct proc_stat *st);
/* The command name (comm, at most 15 bytes). */
bool proc_read_comm(pid_t pid, char *buf, size_t cap);
/* The command line, arguments in *out (a NULL-terminated vector of owned
 * strings, to free with proc_free_argv). False for a vanished process or a
 * kernel thread. */
bool proc_read_cmdline(pid_t pid, char ***out);
void proc_free_argv(char **argv);
/* The first process (lowest pid) other than `self` whose command name
 * contains `name`; 0 if none. */
pid_t proc_find_by_name(const char *name, pid_t self);

/* Parsing and opening, shared with proctree.c. */
/* Open /proc/PID/name read-only (close-on-exec): an fd, or -1 with errno. */
int proc_open_file(pid_t pid, const char *name);
/* An unsigned decimal at *p, after blanks; *p is moved past it. False when
 * there is no digit. */
bool proc_scan_u64(const char **p, uint64_t *out);
/* A non-empty string of digits only (a pid's name in /proc)? */
bool proc_all_digits(const char *s);
/* The fields of a /proc/PID/stat text after "pid (comm) ": a pointer to the
 * state, or NULL. comm may hold any byte, ')' too. */
const char *proc_stat_fields(const char *buf);

#endif
