/* simload.c: how busy a node's ranks are, measured from /proc. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "simload.h"

void simload_init(struct simload *l, const char *proc_root)
{
	memset(l, 0, sizeof(*l));
	l->proc_root = proc_root ? proc_root : "/proc";
}

static int simload_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* utime + stime (fields 14 and 15 of stat), after the command's ')'. */
static int simload_stat_ns(const char *proc_root, pid_t pid, uint64_t *ns)
{
	char path[512], buf[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	if (simload_read(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || hz <= 0 ||
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
		   "%llu",
		   &ut, &st) != 2)
		return -1;
	*ns = (uint64_t)(ut + st) * (1000000000ull / (uint64_t)hz);
	return 0;
}

int simload_cpu_ns(const char *proc_root, pid_t pid, uint64_t *run_ns,
		   uint64_t *wait_ns)
{
	char path[512], buf[256];
	unsigned long long run, wait;

	snprintf(path, sizeof(path), "%s/%d/schedstat", proc_root, (int)pid);
	if (simload_read(path, buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%llu %llu", &run, &wait) == 2) {
		*run_ns = run;
		*wait_ns = wait;
		return 0;
	}
	*wait_ns = 0;
	return simload_stat_ns(proc_root, pid, run_ns);
}

int simload_busy_ns(const char *proc_root, pid_t pid, uint64_t *ns)
{
	uint64_t run, wait;

	if (simload_cpu_ns(proc_root, pid, &run, &wait) < 0)
		return -1;
	*ns = run + wait;
	return 0;
}

static struct simload_pid *simload_find(struct simload *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->pids[i].pid == pid)
			return &l->pids[i];
	return NULL;
}

void simload_sample_split(struct simload *l, const pid_t *pids, size_t n,
			  struct simload_delta *d)
{
	struct simload_pid next[SIMLOAD_MAX_PIDS];
	size_t nnext = 0;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < n && nnext < SIMLOAD_MAX_PIDS; i++) {
		struct simload_pid *old = simload_find(l, pids[i]);
		uint64_t run, wait;
		bool dup = false;

		for (size_t j = 0; j < nnext; j++)
			dup |= next[j].pid == pids[i];
		if (dup ||
		    simload_cpu_ns(l->proc_root, pids[i], &run, &wait) < 0)
			continue;
		/* a counter that went backwards is a reused pid: new baseline
		 */
		if (old && run >= old->run_ns && wait >= old->wait_ns) {
			d->run_ns += run - old->run_ns;
			d->wait_ns += wait - old->wait_ns;
			d->n++;
		}
		next[nnext].pid = pids[i];
		next[nnext].run_ns = run;
		next[nnext].wait_ns = wait;
		nnext++;
	}
	memcpy(l->pids, next, nnext * sizeof(next[0]));
	l->n = nnext;
}

uint64_t simload_sample(struct simload *l, const pid_t *pids, size_t n)
{
	struct simload_delta d;

	simload_sample_split(l, pids, n, &d);
	return d.run_ns + d.wait_ns;
}
