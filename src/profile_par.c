#include "profile_par.h"

#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_DEFAULT (1u << 20)
#define MIN_SIZE_DEFAULT (8u << 20)
#define OVERLAP (64u << 10)   /* read past a chunk for its last line */
#define PAD PROFILE_SCAN_PAD  /* zero bytes after the data, for the line scan */
#define SLOTS_PER_THREAD 2

/* A line: a MEM sample (mem >= +0, sign bit clear), or any other line, its
 * place in the chunk's buffer with the sign bit set in tag. */
union par_entry {
	struct profile_sample s;
	struct { uint64_t tag, off; } o;
};

#define OTHER_BIT (UINT64_C(1) << 63)
_Static_assert(sizeof(union par_entry) == sizeof(struct profile_sample),
	       "a run of entries is an array of samples");

struct par_slot {
	size_t index;          /* the chunk it holds, when done; SIZE_MAX before */
	bool done;
	int err;               /* errno of a failed read */
	char *buf;
	size_t cap;
	union par_entry *e;
	size_t n, ecap;
	size_t nother;         /* entries that are other lines */
	off_t first;           /* offset of the first line */
	off_t next;            /* where the worker stopped: the next line's offset */
	bool stopped;          /* a line that does not end in buf starts at next */
};

struct profile_par {
	int fd;
	off_t size;
	size_t chunk, nchunks;
	pthread_t th[PAR_THREADS_MAX];
	int nthreads;
	struct par_slot *slots;
	size_t nslots;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	size_t claim;          /* the next chunk for a worker */
	size_t consumed;       /* chunks the reader is done with */
	bool quit;
	/* the reader's side */
	enum { AT_NEXT, IN_CHUNK, IN_SERIAL, IN_TAIL } mode;
	off_t at;              /* AT_NEXT: offset of the next line */
	size_t k;              /* the chunk being read */
	size_t i;              /* its next entry */
};

static size_t tune_chunk, tune_min;
static int tune_threads;

void profile_par_tune(size_t chunk, size_t min_size, int threads)
{
	tune_chunk = chunk;
	tune_min = min_size;
	tune_threads = threads;
}

static int online_cpus(void)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) < n)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = 1;
	return n > PAR_THREADS_MAX ? PAR_THREADS_MAX : (int)n;
}

/* ---- workers ---- */

static void push(struct par_slot *s, union par_entry e)
{
	if (s->n == s->ecap)
		XGROW(s->e, s->ecap, s->n + 1);
	s->e[s->n++] = e;
}

/* Read chunk k's bytes (from the byte before it, to see whether a line
 * starts there, to OVERLAP past it) into s->buf. */
static ssize_t chunk_read(const struct profile_par *P, struct par_slot *s, off_t from, size_t want)
{
	size_t got = 0;

	if (s->cap < want) {
		free(s->buf);
		s->cap = want;
		s->buf = xmalloc(s->cap + PAD);
	}
	while (got < want) {
		ssize_t n = pread(P->fd, s->buf + got, want - got, from + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	memset(s->buf + got, 0, PAD);
	return (ssize_t)got;
}

/* The lines that start in chunk k, into s. */
static void chunk_parse(const struct profile_par *P, struct par_slot *s, size_t k)
{
	off_t start = (off_t)(k * P->chunk);
	off_t end = start + (off_t)P->chunk < P->size ? start + (off_t)P->chunk : P->size;
	off_t from = k ? start - 1 : 0;
	/* small chunks (tests) read less past their end: longer lines are
	 * read on the reading thread */
	off_t over = P->chunk < OVERLAP ? (off_t)P->chunk + 64 : (off_t)OVERLAP;
	off_t to = end + over < P->size ? end + over : P->size;
	ssize_t got = chunk_read(P, s, from, (size_t)(to - from));
	const char *p, *e, *mine;

	s->n = 0;
	s->nother = 0;
	s->stopped = false;
	s->err = got < 0 ? errno : 0;
	if (got < 0)
		got = 0;
	p = s->buf;
	e = s->buf + got;
	mine = s->buf + (end - from);
	if (k) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));

		p = nl ? nl + 1 : e;
	}
	s->first = from + (p - s->buf);
	while (p < mine) {
		union par_entry en;
		const char *nl;
		size_t n;

		if (s->n == s->ecap)
			XGROW(s->e, s->ecap, s->n + 1);
		p = profile_scan_mems(p, mine, e, &s->e[s->n].s, s->ecap - s->n, &n);
		s->n += n;
		if (p >= mine)
			break;
		if (n)
			continue; /* the entries are full */
		nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl || (size_t)(nl - p) >= PROFILE_READ_BUF) {
			s->stopped = true;
			break;
		}
		en.o.tag = OTHER_BIT | (uint64_t)(nl - p);
		en.o.off = (uint64_t)(p - s->buf);
		push(s, en);
		s->nother++;
		p = nl + 1;
	}
	s->next = from + (p - s->buf);
}

static void *worker(void *arg)
{
	struct profile_par *P = arg;

	pthread_mutex_lock(&P->mu);
	for (;;) {
		struct par_slot *s;
		size_t k;

		while (!P->quit && P->claim < P->nchunks && P->claim >= P->consumed + P->nslots)
			pthread_cond_wait(&P->cv_work, &P->mu);
		if (P->quit || P->claim >= P->nchunks)
			break;
		k = P->claim++;
		s = &P->slots[k % P->nslots];
		s->done = false;
		pthread_mutex_unlock(&P->mu);
		chunk_parse(P, s, k);
		pthread_mutex_lock(&P->mu);
		s->index = k;
		s->done = true;
		pthread_cond_broadcast(&P->cv_done);
	}
	pthread_mutex_unlock(&P->mu);
	return NULL;
}

/* ---- start and stop ---- */

void profile_par_start(struct profile_reader *r)
{
	struct profile_par *P;
	struct stat st;
	size_t chunk = tune_chunk ? tune_chunk : CHUNK_DEFAULT;
	size_t min_size = tune_min ? tune_min : MIN_SIZE_DEFAULT;
	int nthreads = tune_threads ? tune_threads : online_cpus();

	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < min_size ||
	    nthreads < 2 || st.st_size == 0)
		return;
	P = xcalloc(1, sizeof(*P));
	P->fd = r->fd;
	P->size = st.st_size;
	P->chunk = chunk;
	P->nchunks = (size_t)((st.st_size + (off_t)chunk - 1) / (off_t)chunk);
	P->nslots = (size_t)nthreads * SLOTS_PER_THREAD;
	P->slots = xcalloc(P->nslots, sizeof(*P->slots));
	for (size_t i = 0; i < P->nslots; i++)
		P->slots[i].index = SIZE_MAX;
	pthread_mutex_init(&P->mu, NULL);
	pthread_cond_init(&P->cv_work, NULL);
	pthread_cond_init(&P->cv_done, NULL);
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&P->th[P->nthreads], NULL, worker, P) != 0)
			break;
		P->nthreads++;
	}
	P->mode = AT_NEXT;
	r->par = P;
	if (!P->nthreads) /* no thread: read on this one */
		profile_par_stop(r);
}

void profile_par_stop(struct profile_reader *r)
{
	struct profile_par *P = r->par;

	if (!P)
		return;
	pthread_mutex_lock(&P->mu);
	P->quit = true;
	pthread_cond_broadcast(&P->cv_work);
	pthread_mutex_unlock(&P->mu);
	for (int i = 0; i < P->nthreads; i++)
		pthread_join(P->th[i], NULL);
	for (size_t i = 0; i < P->nslots; i++) {
		free(P->slots[i].buf);
		free(P->slots[i].e);
	}
	free(P->slots);
	pthread_mutex_destroy(&P->mu);
	pthread_cond_destroy(&P->cv_work);
	pthread_cond_destroy(&P->cv_done);
	free(P);
	r->par = NULL;
}

/* ---- the reader's side ---- */

/* Done with every chunk before k; wait until chunk k is parsed. */
static struct par_slot *chunk_wait(struct profile_par *P, size_t k)
{
	struct par_slot *s;

	pthread_mutex_lock(&P->mu);
	for (;;) {
		s = &P->slots[P->consumed % P->nslots];
		while (!(s->done && s->index == P->consumed))
			pthread_cond_wait(&P->cv_done, &P->mu);
		if (P->consumed == k)
			break;
		P->consumed++;
		pthread_cond_broadcast(&P->cv_work);
	}
	pthread_mutex_unlock(&P->mu);
	return s;
}

/* Lines from off on read on this thread, up to the chunk's end (limit). */
static void serial_from(struct profile_reader *r, off_t off, off_t limit)
{
	r->par->mode = limit == PROFILE_OFF_MAX ? IN_TAIL : IN_SERIAL;
	profile_reader_seek(r, off, limit);
}

/* Move to the chunk where the next line starts. -1 on a read error. */
static int chunk_enter(struct profile_reader *r)
{
	struct profile_par *P = r->par;
	size_t k;
	struct par_slot *s;

	if (P->at >= P->size) {
		serial_from(r, P->at, PROFILE_OFF_MAX);
		return 0;
	}
	k = (size_t)(P->at / (off_t)P->chunk);
	s = chunk_wait(P, k);
	if (s->err) {
		errno = s->err;
		return error_errno("cannot read '%s'", r->path);
	}
	P->k = k;
	if (s->first != P->at) {
		serial_from(r, P->at, (off_t)((k + 1) * P->chunk));
		return 0;
	}
	P->mode = IN_CHUNK;
	P->i = 0;
	return 0;
}

/* The next line of the current chunk: 1, 0 skipped, -1 error; 2 at its end. */
static int chunk_line(struct profile_reader *r, struct record *rec)
{
	struct profile_par *P = r->par;
	struct par_slot *s = &P->slots[P->k % P->nslots];
	union par_entry *e;

	if (P->i == s->n) {
		if (s->stopped) {
			serial_from(r, s->next, (off_t)((P->k + 1) * P->chunk));
		} else {
			P->at = s->next;
			P->mode = AT_NEXT;
		}
		return 2;
	}
	e = &s->e[P->i++];
	r->lineno++;
	if (!(e->o.tag & OTHER_BIT)) {
		profile_record_mem(rec, e->s.mem, e->s.t, r->lineno);
		return 1;
	}
	return profile_reader_line(r, s->buf + e->o.off, (size_t)(e->o.tag & ~OTHER_BIT), rec);
}

int profile_par_next(struct profile_reader *r, struct record *rec)
{
	struct profile_par *P = r->par;

	for (;;) {
		int rc;

		switch (P->mode) {
		case IN_CHUNK:
			rc = chunk_line(r, rec);
			if (rc == 2 || rc == 0)
				continue;
			return rc;
		case IN_SERIAL:
			rc = profile_reader_serial(r, rec);
			if (rc != 0)
				return rc;
			if (r->eof && r->pos >= r->len)
				return 0;
			P->at = r->base + (off_t)r->pos;
			P->mode = AT_NEXT;
			continue;
		case IN_TAIL:
			return profile_reader_serial(r, rec);
		case AT_NEXT:
			if (chunk_enter(r) < 0)
				return -1;
			continue;
		}
	}
}

int profile_par_next_run(struct profile_reader *r, struct record *rec,
			 const struct profile_sample **run, size_t *n)
{
	struct profile_par *P = r->par;

	if (P->mode == IN_CHUNK) {
		const struct par_slot *s = &P->slots[P->k % P->nslots];
		size_t i = P->i, j = s->nother ? i : s->n;

		while (j < s->n && !(s->e[j].o.tag & OTHER_BIT))
			j++;
		if (j > i) {
			*run = &s->e[i].s;
			*n = j - i;
			P->i = j;
			r->lineno += (long)(j - i);
			return 1;
		}
	}
	*n = 0;
	return profile_par_next(r, rec);
}
