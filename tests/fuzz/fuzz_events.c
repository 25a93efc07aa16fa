/* fuzz_events: libFuzzer harness for the instrumentation protocol.
 *
 * The input is fed to events_feed in pieces whose sizes come from the input
 * itself (so events are cut anywhere, as reads from a FIFO cut them), then
 * events_finish closes what is open. Whatever a target writes, the records
 * that come out must make a valid profile: the streaming reader reads them
 * back to the end with no error and no incomplete line.
 */
#include "events.h"
#include "profile.h"
#include "util.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The directory of its corpus and regressions, for the replaying test. */
extern const char fuzz_target[];
const char fuzz_target[] = "events";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup("fuzz_events");
	return 0;
}

static double mem_fn(void *ctx)
{
	unsigned *calls = ctx;

	return 10.0 + (*calls)++ % 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	struct events *ev;
	unsigned calls = 0, step;
	size_t pos = 0;
	int rc;

	if (size < 1)
		return 0;
	/* the first byte: how to cut the rest */
	step = data[0] ? data[0] : 4096;
	data++;
	size--;
	if (ftruncate(memfd, 0) < 0 || lseek(memfd, 0, SEEK_SET) < 0)
		abort();
	profile_writer_init_fd(&w, dup(memfd), "fuzz.dat");
	ev = events_new(&w);
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step;
		/* a copy of exactly that piece, so reads past it are seen */
		char *piece = malloc(n);

		memcpy(piece, data + pos, n);
		events_feed(ev, piece, n, mem_fn, &calls);
		free(piece);
		pos += n;
	}
	events_finish(ev, 2e9, 5.0);
	events_free(ev);
	CHECK(profile_writer_close(&w) == 0);

	CHECK(profile_reader_open(&r, memfd_path) == 0);
	while ((rc = profile_reader_next(&r, &rec)) > 0)
		CHECK(rec.kind == REC_FUNC || rec.kind == REC_MARK);
	CHECK(rc == 0);
	CHECK(!r.incomplete_tail);
	profile_reader_close(&r);
	return 0;
}
