/* simduty.c: makes a throttled node's ranks really run slower. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "simduty.h"

/* What the child held stopped: a seqlock the simnode reads. */
struct simduty_clock {
	_Atomic unsigned seq;	     /* odd while the child writes */
	_Atomic double stopped_s;    /* closed stops, s */
	_Atomic double stop_since_s; /* clock_s of the open stop, or 0 */
};

struct simduty_child {
	double speed;
	pid_t pids[SIMDUTY_MAX_PIDS];
	size_t n;
	int running;	/* 1 continued, 0 stopped, -1 unknown */
	double cont_at; /* clock_s when this period's run phase began */
	double ran;	/* s the ranks ran in it (known once stopped) */
	double carry;	/* s the ranks are owed (< 0: ran too much) */
	struct simduty_clock *clock;
};

static void simduty_signal(struct simduty_child *c, int sig)
{
	for (size_t i = 0; i < c->n; i++)
		kill(c->pids[i], sig);
}

/* Parses one "speed pid..." line; continues pids that left the set. */
static void simduty_parse(struct simduty_child *c, char *line)
{
	double speed;
	pid_t pids[SIMDUTY_MAX_PIDS];
	size_t n = 0;
	char *tok, *save = NULL;

	tok = strtok_r(line, " ", &save);
	if (!tok)
		return;
	speed = strtod(tok, NULL);
	while ((tok = strtok_r(NULL, " ", &save)) && n < SIMDUTY_MAX_PIDS) {
		long pid = strtol(tok, NULL, 10);

		if (pid > 1)
			pids[n++] = (pid_t)pid;
	}
	for (size_t i = 0; i < c->n; i++) {
		bool kept = false;

		for (size_t j = 0; j < n; j++)
			kept |= c->pids[i] == pids[j];
		if (!kept)
			kill(c->pids[i], SIGCONT);
	}
	c->speed = speed;
	memcpy(c->pids, pids, n * sizeof(pids[0]));
	c->n = n;
	c->running = -1; /* the new set is signalled at once */
}

static void simduty_note(struct simduty_clock *k, double stopped, double since)
{
	atomic_fetch_add(&k->seq, 1);
	atomic_store(&k->stopped_s, stopped);
	atomic_store(&k->stop_since_s, since);
	atomic_fetch_add(&k->seq, 1);
}

static void simduty_apply(struct simduty_child *c, int run, double now)
{
	struct simduty_clock *k = c->clock;
	double since = atomic_load(&k->stop_since_s);

	if (c->running == run)
		return;
	/* noted first: a rank seen continued has its stop counted */
	if (run && since > 0)
		simduty_note(k, atomic_load(&k->stopped_s) + now - since, 0);
	else if (!run && !(since > 0))
		simduty_note(k, atomic_load(&k->stopped_s), now);
	simduty_signal(c, run ? SIGCONT : SIGSTOP);
	c->running = run;
}

/*
 * One decision of the cycle at now; returns how long to wait for the
 * next (ms, -1: until a line comes). Each period begins with a run phase
 * of speed x the period plus what the ranks are owed; the late part of a
 * wake-up shows in the next period's debt.
 */
static int simduty_cycle(struct simduty_child *c, double now)
{
	const double period = SIMDUTY_PERIOD_MS / 1000.0;
	double run_len, wait;

	if (c->speed >= 0.999 || c->n == 0) {
		simduty_apply(c, 1, now);
		c->carry = 0;
		c->cont_at = now;
		return -1;
	}
	if (c->running < 0 || now >= c->cont_at + period) {
		/* a new period: settle what the last one ran */
		double len = now - c->cont_at;

		if (c->running == 1)
			c->ran = len;
		if (c->running >= 0 && len < 2 * period)
			c->carry += c->speed * len - c->ran;
		c->carry = c->carry > period	? period
			   : c->carry < -period ? -period
						: c->carry;
		c->cont_at = now;
		c->ran = 0;
		simduty_apply(c, c->speed * period + c->carry > 0, now);
	}
	run_len = c->speed * period + c->carry;
	if (c->running == 1 && now >= c->cont_at + run_len) {
		simduty_apply(c, 0, now);
		c->ran = now - c->cont_at;
	}
	wait = (c->running == 1 && run_len < period ? c->cont_at + run_len
						    : c->cont_at + period) -
	       now;
	return wait > 0 ? (int)(wait * 1000) + 1 : 1;
}

static void __attribute__((noreturn))
simduty_main(int fd, struct simduty_clock *k)
{
	struct simduty_child c = { .speed = 1, .running = -1, .clock = k };
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int timeout = simduty_cycle(&c, clock_s());

		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the simnode is gone */
		len += (size_t)n;
		buf[len] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			simduty_parse(&c, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* garbage without newline: drop */
	}
	c.running = -1;
	simduty_apply(&c, 1, clock_s());
	_exit(0);
}

double simduty_stopped_s(const struct simduty *d)
{
	const struct simduty_clock *k = d->clock;
	unsigned seq;
	double stopped, since;

	if (!k)
		return 0;
	/* a child descheduled in mid-write: give it the CPU, a few times */
	for (int tries = 0;; tries++) {
		seq = atomic_load(&k->seq);
		stopped = atomic_load(&k->stopped_s);
		since = atomic_load(&k->stop_since_s);
		if ((!(seq & 1) && atomic_load(&k->seq) == seq) || tries > 100)
			break;
		sched_yield();
	}
	return since > 0 ? stopped + (clock_s() - since) : stopped;
}

int simduty_start(struct simduty *d)
{
	struct simduty_clock *k;
	int p[2];
	pid_t pid;

	d->child = -1;
	d->fd = -1;
	d->speed = 1;
	d->n = 0;
	d->clock = NULL;
	k = mmap(NULL, sizeof(*k), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k == MAP_FAILED)
		return -1;
	atomic_init(&k->seq, 0);
	atomic_init(&k->stopped_s, 0);
	atomic_init(&k->stop_since_s, 0);
	/* a socket, not a pipe: send() with MSG_NOSIGNAL never raises SIGPIPE
	 * in the simnode should the child be gone; non-blocking, never waits */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) {
		munmap(k, sizeof(*k));
		return -1;
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		munmap(k, sizeof(*k));
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/*
		 * Keep only our socket end: an inherited listening socket would
		 * outlive a dead parent and hang its clients. Ignore the
		 * signals meant for the simnode; only end of file ends us.
		 */
		int fd = p[0];

		close(p[1]);
		if (fd > 3)
			close_range(3, (unsigned)fd - 1, 0);
		close_range((unsigned)fd + 1, ~0u, 0);
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_NAME, "pirackd-simduty");
		simduty_main(fd, k);
	}
	close(p[0]);
	d->child = pid;
	d->fd = p[1];
	d->clock = k;
	return 0;
}

void simduty_set(struct simduty *d, double speed, const pid_t *pids, size_t n)
{
	char line[SIMDUTY_MAX_PIDS * 12 + 32];
	size_t off;
	int len;

	if (n > SIMDUTY_MAX_PIDS)
		n = SIMDUTY_MAX_PIDS;
	/* n == 0 may come with pids NULL, which memcmp must not see */
	if (d->fd < 0 ||
	    (speed == d->speed && n == d->n &&
	     (n == 0 || memcmp(pids, d->pids, n * sizeof(*pids)) == 0)))
		return;
	len = snprintf(line, sizeof(line), "%.3f", speed);
	off = (size_t)len;
	for (size_t i = 0; i < n; i++) {
		len = snprintf(line + off, sizeof(line) - off, " %d",
			       (int)pids[i]);
		off += (size_t)len;
	}
	line[off++] = '\n';
	/* a short line into an all but empty buffer: sent whole or not */
	if (send(d->fd, line, off, MSG_NOSIGNAL) != (ssize_t)off)
		return;
	d->speed = speed;
	if (n)
		memcpy(d->pids, pids, n * sizeof(*pids));
	d->n = n;
}

void simduty_stop(struct simduty *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->child > 0)
		while (waitpid(d->child, NULL, 0) < 0 && errno == EINTR)
			;
	d->child = -1;
	if (d->clock)
		munmap(d->clock, sizeof(*d->clock));
	d->clock = NULL;
}
