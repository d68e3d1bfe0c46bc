/* simranks.h: which processes are a simulated node's ranks, from /proc. */
#ifndef PIRACK_SIMRANKS_H
#define PIRACK_SIMRANKS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The environment variable that puts a process on a simulated node:
 * simcluster starts each node's ranks with PIRACK_SIM_NODE=<the node's
 * sysfs_root> (mpiexec -env), a value no other node on the host shares.
 * The simnode finds them itself, as a Pi's heat comes from whatever runs
 * on it: neither the agent nor the job has to say which ranks they are.
 */
#define SIMRANKS_ENV "PIRACK_SIM_NODE"

/*
 * Scans <proc_root>/<pid>/environ for SIMRANKS_ENV=tag and writes up to
 * max matching pids into pids, lowest first. Processes it may not read
 * (another user's) are skipped, and those started less than settle_ms ago
 * (from <pid>/stat; 0 takes every one), and launchers: a found process
 * that is another found one's parent (`pirack run`, a shell) runs none of
 * the work. The number found (at most max),
 * or -1 when proc_root cannot be listed (errno set).
 */
int simranks_scan(const char *proc_root, const char *tag, unsigned settle_ms,
		  pid_t *pids, size_t max);

#endif
