/* resolve.c: host name lookup in a short-lived child, read over a pipe. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "resolve.h"

/*
 * libmosquitto resolves the broker's name with a blocking getaddrinfo; with
 * the head node (often also the DNS server) gone, that blocks for the
 * resolver's whole timeout, and fan, LED and control socket with it. So the
 * name is looked up first in a child process whose answer arrives on a pipe
 * the loop polls; libmosquitto gets the name only once it resolves, when its
 * own lookup is answered at once. A child rather than a thread keeps the
 * agent single-threaded (and getaddrinfo_a's helper threads out of valgrind).
 */
struct resolve {
	pid_t pid;
	int fd;
	char buf[160];
	size_t len;
};

bool resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* The child: one line, "ok" or the resolver's message, then exit. */
static void resolve_child(const char *host, int fd)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char line[160];
	int rc, n;

	/* an orphan has nothing to answer to */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (!rc)
		freeaddrinfo(res);
	n = snprintf(line, sizeof(line), "%s\n", rc ? gai_strerror(rc) : "ok");
	if (write(fd, line, (size_t)n) < 0)
		_exit(1);
	_exit(0);
}

struct resolve *resolve_start(const char *host, char *err, size_t errlen)
{
	struct resolve *r = calloc(1, sizeof(*r));
	int p[2];

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(r);
		return NULL;
	}
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		free(r);
		return NULL;
	}
	if (r->pid == 0) {
		close(p[0]);
		free(r); /* the child's copy, unused there */
		resolve_child(host, p[1]);
	}
	close(p[1]);
	r->fd = p[0];
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
	return r;
}

int resolve_fd(const struct resolve *r)
{
	return r->fd;
}

int resolve_poll(struct resolve *r, char *err, size_t errlen)
{
	ssize_t n;

	for (;;) {
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
		if (n > 0) {
			r->len += (size_t)n;
			if (r->len < sizeof(r->buf) - 1)
				continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		break; /* EOF, full, or an error: the child is done */
	}
	r->buf[r->len] = '\0';
	r->buf[strcspn(r->buf, "\n")] = '\0';
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
	if (!strcmp(r->buf, "ok"))
		return 1;
	snprintf(err, errlen, "%s", r->buf[0] ? r->buf : "resolver crashed");
	return -1;
}

void resolve_free(struct resolve *r)
{
	if (!r)
		return;
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	close(r->fd);
	free(r);
}
