#include "unseen.h"

#include "proc.h"

void unseen_init(struct unseen *u, bool started)
{
	u->cminflt = 0;
	u->have = started;
	u->rose = false;
	u->gone = u->gone_before = u->intervals = 0;
}

void unseen_read(struct unseen *u, pid_t program)
{
	struct proc_stat st;

	u->rose = false;
	if (!proc_read_stat(program, &st))
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
