#include "waiter.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

void waiter_init(struct waiter *w)
{
	memset(w, 0, sizeof(*w));
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
}

void waiter_release(struct waiter *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	w->epfd = -1;
}

void waiter_add(struct waiter *w, int fd, unsigned tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (w->n == WAITER_MAX)
		return;
	w->pfd[w->n] = (struct pollfd){ fd, POLLIN, 0 };
	w->tag[w->n++] = tag;
	if (w->epfd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		waiter_release(w); /* ppoll has them all */
}

int waiter_wait(struct waiter *w, const struct timespec *ts, unsigned *ready)
{
	int n;

	*ready = 0;
	if (w->epfd >= 0) {
		struct epoll_event ev[WAITER_MAX];

		n = epoll_pwait2(w->epfd, ev, WAITER_MAX, ts, NULL);
		if (n >= 0) {
			for (int i = 0; i < n; i++)
				*ready |= 1u << ev[i].data.u32;
			return 0;
		}
		if (errno != ENOSYS)
			return -1;
		waiter_release(w);
	}
	n = ppoll(w->pfd, (nfds_t)w->n, ts, NULL);
	if (n < 0)
		return -1;
	for (int i = 0; i < w->n; i++)
		if (w->pfd[i].revents)
			*ready |= 1u << w->tag[i];
	return 0;
}
