#include "unseen.h"

#include "proc.h"
#include "util.h"

#include <unistd.h>

void unseen_init(struct unseen *u, bool started)
{
	u->stat_fd = -1;
	u->cminflt = 0;
	u->have = started;
	u->rose = false;
	u->gone = u->gone_before = u->intervals = 0;
}

void unseen_close(struct unseen *u)
{
	if (u->stat_fd >= 0)
		close(u->stat_fd);
	u->stat_fd = -1;
}

/* One pread of a descriptor kept open: the file names the process, not its
 * program, and follows it through exec. */
void unseen_read(struct unseen *u, pid_t program)
{
	struct proc_stat st;
	char buf[1024];

	u->rose = false;
	if (u->stat_fd < 0 && (u->stat_fd = proc_open_file(program, "stat")) < 0)
		return;
	if (pread_str(u->stat_fd, buf, sizeof(buf)) <= 0 || !proc_parse_stat(buf, &st))
		return;
	u->rose = u->have && st.cminflt > u->cminflt;
	u->cminflt = st.cminflt;
	u->have = true;
}

bool unseen_verdict(struct unseen *u)
{
	bool yes = u->rose && !u->gone && !u->gone_before;

	u->gone_before = u->gone;
	u->gone = 0;
	u->rose = false;
	u->intervals += yes;
	return yes;
}

uint64_t unseen_peak(uint64_t maxrss, uint64_t cminflt, uint64_t own, uint64_t kids)
{
	if (cminflt == 0 || cminflt == UINT64_MAX)
		return 0; /* it reaped none (or it is not known) */
	/* the kernel's counters of one process agree within a few pages */
	uint64_t margin = kids / 50 > (1u << 20) ? kids / 50 : (1u << 20);

	return maxrss > own && maxrss > kids + margin ? maxrss : 0;
}
