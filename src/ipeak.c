#include "ipeak.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void ipeak_init(struct ipeak *ip)
{
	ip->clear_fd = -1;
	ip->off = ip->fresh = ip->taken = ip->marked = false;
	ip->hwm = ip->rss = 0;
}

void ipeak_close(struct ipeak *ip)
{
	if (ip->clear_fd >= 0)
		close(ip->clear_fd);
	ip->clear_fd = -1;
}

/* The kernel said no: permissions (another user's or an undumpable process),
 * or a kernel that does not know "5" (EINVAL, before Linux 4.0). */
static bool refusal(int err)
{
	return err == EACCES || err == EPERM || err == EINVAL;
}

static void refuse(struct ipeak_set *set, struct ipeak *ip, pid_t pid, int err)
{
	ipeak_close(ip);
	ip->off = true;
	set->refused++;
	if (set->told)
		return;
	set->told = true;
	if (err == EINVAL)
		warning("no interval peaks: this kernel cannot reset a high-water mark (Linux 4.0 or later "
			"needed); sampling without them");
	else
		warning("no interval peaks for pid %d: cannot reset its high-water mark (/proc/%d/clear_refs: "
			"%s); sampling it without them", (int)pid, (int)pid, strerror(err));
}

/* Opened at the first sample, so that a refusal is known at once. */
static bool open_clear_refs(struct ipeak_set *set, struct ipeak *ip, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	ip->clear_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (ip->clear_fd >= 0)
		return true;
	if (refusal(errno))
		refuse(set, ip, pid, errno);
	return false;
}

static bool reset(struct ipeak_set *set, struct ipeak *ip, pid_t pid)
{
	if (write(ip->clear_fd, "5", 1) == 1)
		return true;
	if (refusal(errno))
		refuse(set, ip, pid, errno);
	else
		ipeak_close(ip); /* gone, or its pid taken again: reopened next time */
	return false;
}

bool ipeak_read_mem(const struct ipeak_set *set, struct ipeak *ip, struct proc_handle *h, uint64_t *bytes)
{
	ip->fresh = set->on && !ip->off && proc_read_hwm_rss(h, &ip->hwm, &ip->rss);
	if (ip->fresh)
		*bytes = ip->rss;
	return ip->fresh;
}

bool ipeak_take(struct ipeak_set *set, struct ipeak *ip, struct proc_handle *h, uint64_t *peak,
		uint64_t *rss)
{
	bool fresh = ip->fresh;

	ip->fresh = ip->marked = false;
	if (!set->on || ip->off)
		return false;
	if (!fresh && !proc_read_hwm_rss(h, &ip->hwm, &ip->rss))
		return false;
	ip->marked = true;
	if (ip->clear_fd < 0 && !open_clear_refs(set, ip, h->pid))
		return false;
	*peak = ip->hwm;
	*rss = ip->rss;
	if (!ip->taken && set->attached) {
		ip->taken = true;
		if (ip->hwm != ip->rss)
			reset(set, ip, h->pid);
		return false;
	}
	ip->taken = true;
	return ip->hwm == ip->rss || reset(set, ip, h->pid);
}
