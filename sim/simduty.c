/* simduty.c: makes a throttled node's ranks really run slower. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "simduty.h"

struct simduty_child {
	double speed;
	pid_t pids[SIMDUTY_MAX_PIDS];
	size_t n;
	int running; /* 1 continued, 0 stopped, -1 unknown */
};

static void simduty_signal(struct simduty_child *c, int sig)
{
	for (size_t i = 0; i < c->n; i++)
		kill(c->pids[i], sig);
}

/* Parses one "speed pid..." line; continues pids that left the set. */
static void simduty_parse(struct simduty_child *c, char *line)
{
	struct simduty_child next = { .running = -1 };
	char *tok, *save = NULL;

	tok = strtok_r(line, " ", &save);
	if (!tok)
		return;
	next.speed = strtod(tok, NULL);
	while ((tok = strtok_r(NULL, " ", &save)) &&
	       next.n < SIMDUTY_MAX_PIDS) {
		long pid = strtol(tok, NULL, 10);

		if (pid > 1)
			next.pids[next.n++] = (pid_t)pid;
	}
	for (size_t i = 0; i < c->n; i++) {
		bool kept = false;

		for (size_t j = 0; j < next.n; j++)
			kept |= c->pids[i] == next.pids[j];
		if (!kept)
			kill(c->pids[i], SIGCONT);
	}
	*c = next;
}

static void simduty_apply(struct simduty_child *c, int run)
{
	if (c->running == run)
		return;
	simduty_signal(c, run ? SIGCONT : SIGSTOP);
	c->running = run;
}

static void __attribute__((noreturn)) simduty_main(int fd)
{
	struct simduty_child c = { .speed = 1, .running = -1 };
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int timeout = -1;

		if (c.speed >= 0.999 || c.n == 0) {
			simduty_apply(&c, 1);
		} else {
			long period = SIMDUTY_PERIOD_MS;
			long run = (long)(c.speed * period + 0.5);
			long phase = (long)clock_ms() % period;
			int want = phase < run;

			simduty_apply(&c, want);
			timeout = (int)(want ? run - phase : period - phase);
		}
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
	simduty_apply(&c, 1);
	_exit(0);
}

int simduty_start(struct simduty *d)
{
	int p[2];
	pid_t pid;

	d->child = -1;
	d->fd = -1;
	d->speed = 1;
	d->n = 0;
	/* a socket, not a pipe: send() with MSG_NOSIGNAL never raises SIGPIPE
	 * in the simnode should the child be gone; non-blocking, never waits */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
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
		simduty_main(fd);
	}
	close(p[0]);
	d->child = pid;
	d->fd = p[1];
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
}
