#include "channel.h"

#include "ring.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHANNEL_PIPE_SIZE (1 << 20) /* bursts of events wait without blocking the target */

static const char *channel_base(void)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	if (!base || !*base || access(base, W_OK) != 0)
		base = getenv("TMPDIR");
	if (!base || !*base || access(base, W_OK) != 0)
		base = "/tmp";
	return base;
}

/* The ring beside the FIFO; without it (reported), the FIFO does alone. */
static void channel_ring_open(struct events_channel *ch)
{
	char *path = xasprintf("%s/ring", ch->dir);

	ch->ring = ring_create(path, RING_SLOTS);
	free(path);
	if (ch->ring && setenv(MPROF_RING_ENV, ring_path(ch->ring), 1) < 0) {
		ring_free(ch->ring);
		ch->ring = NULL;
	}
	if (!ch->ring)
		unsetenv(MPROF_RING_ENV);
}

int events_channel_open(struct events_channel *ch)
{
	const char *base = channel_base();

	memset(ch, 0, sizeof(*ch));
	ch->rfd = ch->wfd = -1;
	ch->dir = xasprintf("%s/mprof-XXXXXX", base);
	if (!mkdtemp(ch->dir)) {
		error_errno("cannot make a directory for the event channel in '%s'", base);
		free(ch->dir);
		ch->dir = NULL;
		return -1;
	}
	ch->path = xasprintf("%s/events", ch->dir);
	if (mkfifo(ch->path, 0600) < 0) {
		error_errno("cannot make the event channel '%s'", ch->path);
		goto fail;
	}
	ch->rfd = open(ch->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->rfd >= 0)
		ch->wfd = open(ch->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (ch->rfd < 0 || ch->wfd < 0) {
		error_errno("cannot open the event channel '%s'", ch->path);
		goto fail;
	}
	(void)fcntl(ch->rfd, F_SETPIPE_SZ, CHANNEL_PIPE_SIZE);
	channel_ring_open(ch);
	return 0;
fail:
	events_channel_close(ch);
	return -1;
}

void events_channel_close(struct events_channel *ch)
{
	if (ch->rfd >= 0)
		close(ch->rfd);
	if (ch->wfd >= 0)
		close(ch->wfd);
	if (ch->ring) {
		ring_free(ch->ring);
		unsetenv(MPROF_RING_ENV);
	}
	if (ch->path)
		unlink(ch->path);
	if (ch->dir)
		rmdir(ch->dir);
	free(ch->path);
	free(ch->dir);
	memset(ch, 0, sizeof(*ch));
	ch->rfd = ch->wfd = -1;
}
