/* simranks.c: a simulated node's ranks: the processes that carry its tag. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "simranks.h"

#define SIMRANKS_ENV_MAX 65536 /* environ bytes read per process */

/*
 * Reads all of a process's initial environment (what execve got: setenv
 * later does not show here, so a rank cannot change its node). At most
 * SIMRANKS_ENV_MAX bytes: a variable past that is not looked at.
 */
static ssize_t simranks_read_env(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

/* Whether the NUL-separated environment env holds NAME=tag exactly. */
static bool simranks_env_has(const char *env, size_t len, const char *want,
			     size_t wlen)
{
	size_t i = 0;

	while (i < len) {
		const char *var = env + i;
		size_t vlen = strnlen(var, len - i);

		if (vlen == wlen && memcmp(var, want, wlen) == 0)
			return true;
		i += vlen + 1;
	}
	return false;
}

static bool simranks_is_pid(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!isdigit((unsigned char)*name))
			return false;
	return true;
}

/*
 * The fields of <proc_root>/<pid>/stat after the command's closing
 * parenthesis (the command may hold spaces and parentheses), into buf;
 * NULL when unreadable.
 */
static const char *simranks_stat(const char *proc_root, const char *pid,
				 char *buf, size_t len)
{
	char path[4200];
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/stat", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

/*
 * How long ago the process started, in ms, from field 22 of its stat
 * (clock ticks after boot, the boot-time clock since Linux 5.3); -1 when
 * unreadable.
 */
static long long simranks_age_ms(const char *proc_root, const char *pid)
{
	char buf[1024];
	const char *p = simranks_stat(proc_root, pid, buf, sizeof(buf));
	unsigned long long start;
	struct timespec now;
	long hz = sysconf(_SC_CLK_TCK);

	if (!p || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) < 0 ||
	    sscanf(p,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
		   "%*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1)
		return -1;
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 -
	       (long long)(start * 1000 / (unsigned long long)hz);
}

/* The parent's pid, from field 4 of the process's stat; -1 unreadable. */
static long simranks_ppid(const char *proc_root, pid_t pid)
{
	char name[24], buf[1024];
	const char *p;
	long ppid;

	snprintf(name, sizeof(name), "%d", (int)pid);
	p = simranks_stat(proc_root, name, buf, sizeof(buf));
	if (!p || sscanf(p, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

/*
 * A tagged process whose child is tagged too is a launcher (a shell, or
 * `pirack run` holding its command), not a rank: it sleeps while its
 * child computes, and counted as a rank it would halve the node's load
 * and, on the CPU clock, its wait. Kept: the processes no other found one
 * names as its parent. Returns the new count.
 */
static size_t simranks_drop_launchers(const char *proc_root, pid_t *pids,
				      size_t n)
{
	long *ppids = malloc((n ? n : 1) * sizeof(*ppids));
	size_t kept = 0;

	if (!ppids)
		return n; /* all kept: a launcher counted beats no ranks */
	for (size_t i = 0; i < n; i++)
		ppids[i] = simranks_ppid(proc_root, pids[i]);
	for (size_t i = 0; i < n; i++) {
		bool parent = false;

		for (size_t k = 0; k < n && !parent; k++)
			parent = k != i && ppids[k] == (long)pids[i];
		if (!parent)
			pids[kept++] = pids[i];
	}
	free(ppids);
	return kept;
}

static int simranks_cmp(const void *x, const void *y)
{
	pid_t a = *(const pid_t *)x, b = *(const pid_t *)y;

	return (a > b) - (a < b);
}

int simranks_scan(const char *proc_root, const char *tag, unsigned settle_ms,
		  pid_t *pids, size_t max)
{
	char want[4096 + sizeof(SIMRANKS_ENV) + 1], path[4200];
	char *env;
	struct dirent *de;
	size_t n = 0, wlen;
	DIR *d;

	wlen = (size_t)snprintf(want, sizeof(want), "%s=%s", SIMRANKS_ENV, tag);
	if (wlen >= sizeof(want)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	env = malloc(SIMRANKS_ENV_MAX);
	if (!env)
		return -1;
	d = opendir(proc_root);
	if (!d) {
		int e = errno;

		free(env);
		errno = e;
		return -1;
	}
	while (n < max && (de = readdir(d))) {
		ssize_t len;

		if (!simranks_is_pid(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/environ", proc_root,
			 de->d_name);
		len = simranks_read_env(path, env, SIMRANKS_ENV_MAX);
		if (len <= 0 || !simranks_env_has(env, (size_t)len, want, wlen))
			continue;
		if (settle_ms && simranks_age_ms(proc_root, de->d_name) <
				     (long long)settle_ms)
			continue;
		pids[n++] = (pid_t)atol(de->d_name);
	}
	closedir(d);
	free(env);
	n = simranks_drop_launchers(proc_root, pids, n);
	qsort(pids, n, sizeof(*pids), simranks_cmp);
	return (int)n;
}
