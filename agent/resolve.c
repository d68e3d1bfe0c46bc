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
 * name is looked up in a child process whose answer, the addresses as
 * text, arrives on a pipe the loop polls; libmosquitto is then given one
 * numeric address, which it parses without asking DNS (over TLS it needs the
 * name itself to verify the certificate: see mqtt_link_connect). A child
 * rather than a thread keeps the agent single-threaded (and getaddrinfo_a's
 * helper threads out of valgrind).
 */
struct resolve {
	pid_t pid;
	int fd;
	char buf[512];
	size_t len;
	/* the answer, once resolve_poll says 1 */
	char addrs[RESOLVE_ADDRS_MAX][INET6_ADDRSTRLEN];
	unsigned naddrs;
};

bool resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

/* res's address as text, or "" when it is of no known family. */
static void resolve_ntop(const struct addrinfo *res, char *out, size_t len)
{
	const void *in = NULL;

	if (res->ai_family == AF_INET)
		in = &((const struct sockaddr_in *)res->ai_addr)->sin_addr;
	else if (res->ai_family == AF_INET6)
		in = &((const struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	if (!in || !inet_ntop(res->ai_family, in, out, (socklen_t)len))
		out[0] = '\0';
}

/*
 * The child: one line, "ok" and up to RESOLVE_ADDRS_MAX addresses, or the
 * resolver's message, then exit. The hints are libmosquitto's own, so the
 * addresses come in the order it would have tried them.
 */
static void resolve_child(const char *host, int fd)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM },
			*res = NULL, *ai;
	char line[512] = "ok", addr[INET6_ADDRSTRLEN];
	unsigned n = 0;
	int rc;

	/* an orphan has nothing to answer to */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rc = getaddrinfo(host, NULL, &hints, &res);
	for (ai = rc ? NULL : res; ai && n < RESOLVE_ADDRS_MAX;
	     ai = ai->ai_next) {
		resolve_ntop(ai, addr, sizeof(addr));
		if (!addr[0])
			continue;
		strcat(line, " ");
		strcat(line, addr);
		n++;
	}
	if (!rc)
		freeaddrinfo(res);
	if (rc)
		snprintf(line, sizeof(line), "%s", gai_strerror(rc));
	else if (!n)
		snprintf(line, sizeof(line), "no IPv4 or IPv6 address");
	strcat(line, "\n");
	if (write(fd, line, strlen(line)) < 0)
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

const char *resolve_addr(const struct resolve *r, unsigned n)
{
	return r->addrs[n % r->naddrs];
}

int resolve_fd(const struct resolve *r)
{
	return r->fd;
}

/* The child's addresses, space-separated; false when there is none. */
static bool resolve_parse(struct resolve *r, char *list)
{
	char *save = NULL, *tok;

	r->naddrs = 0;
	for (tok = strtok_r(list, " ", &save);
	     tok && r->naddrs < RESOLVE_ADDRS_MAX;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strlen(tok) >= sizeof(r->addrs[0]) ||
		    !resolve_is_numeric(tok))
			continue;
		strcpy(r->addrs[r->naddrs++], tok);
	}
	return r->naddrs > 0;
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
	if (!strncmp(r->buf, "ok ", 3) && resolve_parse(r, r->buf + 3))
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
