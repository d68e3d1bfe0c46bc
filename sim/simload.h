/* simload.h: how busy a node's ranks are, measured from /proc. */
#ifndef PIRACK_SIMLOAD_H
#define PIRACK_SIMLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SIMLOAD_MAX_PIDS 64

struct simload_pid {
	pid_t pid;
	uint64_t run_ns, wait_ns; /* counters at the previous sample */
};

struct simload {
	const char *proc_root; /* "/proc"; tests point it at a fake tree */
	struct simload_pid pids[SIMLOAD_MAX_PIDS];
	size_t n;
};

void simload_init(struct simload *l, const char *proc_root);

/*
 * A process's busy time so far in ns: from <proc>/<pid>/schedstat the time
 * it ran plus the time it was runnable but waiting for a CPU, i.e. the CPU
 * time it would have used with a core of its own (on a host with fewer
 * cores than the simulated cluster's slots, every busy rank still counts
 * as one busy core). Falls back to utime+stime of <proc>/<pid>/stat when
 * the kernel has no schedstat. 0, or -1 when the process is gone.
 */
int simload_busy_ns(const char *proc_root, pid_t pid, uint64_t *ns);
/*
 * The two parts apart: the CPU time the process got (run) and the time it
 * was runnable but waited for a CPU (wait; 0 without schedstat).
 */
int simload_cpu_ns(const char *proc_root, pid_t pid, uint64_t *run_ns,
		   uint64_t *wait_ns);

/* What the ranks did between two samples. */
struct simload_delta {
	uint64_t run_ns;  /* CPU time they got, summed */
	uint64_t wait_ns; /* time they waited for a CPU, summed */
	size_t n;	  /* ranks measured over the whole interval */
};

/*
 * The busy time the pids accumulated since the previous call, in ns (a
 * pid seen for the first time only sets its baseline). Forgets pids no
 * longer listed.
 */
uint64_t simload_sample(struct simload *l, const pid_t *pids, size_t n);
/* The same, run and wait apart, into d. */
void simload_sample_split(struct simload *l, const pid_t *pids, size_t n,
			  struct simload_delta *d);

#endif
