/* waiter: wait for input on any of a few descriptors, or for a timeout, to
 * the nanosecond.
 *
 * epoll with epoll_pwait2 (Linux 5.11) costs least per wake-up, as the set
 * is registered once; ppoll where that is missing.
 */
#ifndef MPROF_WAITER_H
#define MPROF_WAITER_H

#include <poll.h>
#include <time.h>

#define WAITER_MAX 4

struct waiter {
	int epfd;                      /* -1: ppoll */
	struct pollfd pfd[WAITER_MAX];
	unsigned tag[WAITER_MAX];
	int n;
};

void waiter_init(struct waiter *w);
/* Watch fd: when it has input, bit `tag` (below 32) is set in the ready
 * bits of waiter_wait. At most WAITER_MAX descriptors. */
void waiter_add(struct waiter *w, int fd, unsigned tag);
/* Wait until a descriptor is ready or the timeout (NULL: none) passes; the
 * ready tags as bits in *ready. -1 with errno (EINTR too) on failure. */
int waiter_wait(struct waiter *w, const struct timespec *ts, unsigned *ready);
void waiter_release(struct waiter *w);

#endif
