/* control.c: the control socket server: non-blocking, many clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "clock.h"
#include "control.h"
#include "fsutil.h"
#include "log.h"
#include "utf8.h"

struct control_client {
	int fd;
	pid_t pid;	   /* SO_PEERCRED, 0 if unknown */
	uint64_t since_ms; /* accepted at */
	uint64_t last_ms;  /* last progress either way */
	uint64_t line_ms;  /* when the unfinished request began, or 0 */
	bool eof;	   /* peer shut its side: close once flushed */
	bool discarding;   /* skipping the rest of an over-long line */
	size_t inlen, outlen, outcap;
	char *out;
	char in[CONTROL_LINE_MAX + 1]; /* + a NUL for a last line at EOF */
};

struct control {
	int fd;
	uint64_t paused_until_ms; /* accept failed (no fds): rest */
	long fd_cap;		  /* client fds stay below this */
	bool pause_logged;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct control_client *clients[CONTROL_MAX_CLIENTS];
	control_request_fn answer;
	void *ctx;
};

/*
 * A socket file left by a crashed agent is replaced; one a live agent
 * answers on is not (two agents would fight over the fan).
 */
static int control_unlink_stale(const struct sockaddr_un *sa, char *err,
				size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket",
			 sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another pirackd is running on it",
			 sa->sun_path);
		return -1;
	}
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -1 : 0;
}

/*
 * Clients may not take the last CONTROL_FD_RESERVE descriptors: the
 * sensor reads need a few every tick, and without them the node runs
 * blind (fan on, but not following the temperature).
 */
static long control_fd_cap(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return LONG_MAX;
	return (long)rl.rlim_cur - CONTROL_FD_RESERVE;
}

struct control *control_open(const char *path, control_request_fn answer,
			     void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *ctl;
	mode_t mask;
	int rc;

	err[0] = '\0';
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(ctl->path, path, strlen(path) + 1);
	ctl->fd = -1;
	ctl->fd_cap = control_fd_cap();
	ctl->answer = answer;
	ctl->ctx = ctx;
	if (fs_mkdirs_parent(path, 0755) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s",
			 path, strerror(errno));
		goto fail;
	}
	if (control_unlink_stale(&sa, err, errlen) < 0) {
		if (!err[0])
			snprintf(err, errlen, "%s: cannot replace: %s", path,
				 strerror(errno));
		goto fail;
	}
	ctl->fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* Born with mode 0660: no window in which others could connect. */
	mask = umask(0117);
	rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (rc < 0 || chmod(path, 0660) < 0 || listen(ctl->fd, 16) < 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", path,
			 strerror(errno));
		goto fail;
	}
	return ctl;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return NULL;
}

static void control_drop(struct control *ctl, size_t i)
{
	struct control_client *cl = ctl->clients[i];

	log_debug("control: client %d (pid %d) closed", cl->fd, cl->pid);
	close(cl->fd);
	free(cl->out);
	free(cl);
	ctl->clients[i] = NULL;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (ctl->clients[i])
			control_drop(ctl, i);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

const char *control_path(const struct control *ctl)
{
	return ctl->path;
}

size_t control_nclients(const struct control *ctl)
{
	size_t n = 0;

	for (size_t i = 0; ctl && i < CONTROL_MAX_CLIENTS; i++)
		n += ctl->clients[i] != NULL;
	return n;
}

size_t control_pollfds(const struct control *ctl, struct pollfd *pfd,
		       size_t max)
{
	size_t n = 0;

	if (!ctl || !max)
		return 0;
	/* Paused: a listener we cannot accept on would wake us at once. */
	pfd[n++] = (struct pollfd){
		.fd = ctl->paused_until_ms > clock_ms() ? -1 : ctl->fd,
		.events = POLLIN,
	};
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		const struct control_client *cl = ctl->clients[i];
		short ev = 0;

		if (!cl)
			continue;
		/* Stop reading a client that does not read its replies. */
		if (!cl->eof && cl->outlen < CONTROL_OUT_MAX &&
		    cl->inlen < CONTROL_LINE_MAX)
			ev |= POLLIN;
		if (cl->outlen)
			ev |= POLLOUT;
		pfd[n++] = (struct pollfd){ .fd = cl->fd, .events = ev };
	}
	return n;
}

static int control_queue(struct control_client *cl, const char *s)
{
	size_t len = strlen(s) + 1; /* with the newline */

	if (cl->outlen + len > cl->outcap) {
		size_t cap = cl->outcap ? cl->outcap : 1024;
		char *p;

		while (cap < cl->outlen + len)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p)
			return -1;
		cl->out = p;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, s, len - 1);
	cl->out[cl->outlen + len - 1] = '\n';
	cl->outlen += len;
	return 0;
}

static int control_reply(struct control *ctl, struct control_client *cl,
			 char *line)
{
	char *reply = ctl->answer(ctl->ctx, line, cl->pid);
	int rc;

	if (!reply)
		return -1;
	rc = control_queue(cl, reply);
	free(reply);
	return rc;
}

/*
 * Runs the complete lines in the input buffer (and, after EOF, a last one
 * without its newline) while the client's unread replies stay under
 * CONTROL_OUT_MAX: the rest waits until it reads, so a client cannot make
 * the agent queue more than that. -1 drops the client.
 */
static int control_lines(struct control *ctl, struct control_client *cl)
{
	char *start = cl->in, *nl, *end = cl->in + cl->inlen;

	while (cl->outlen < CONTROL_OUT_MAX && start < end) {
		nl = memchr(start, '\n', end - start);
		if (!nl && !cl->eof)
			break;
		if (!nl)
			nl = end; /* in[] has room for this NUL */
		*nl = '\0';
		if (cl->discarding)
			cl->discarding = false;
		else if (strlen(start) != (size_t)(nl - start)) {
			if (control_queue(cl, "{\"error\":\"request contains "
					      "a NUL byte\"}") < 0)
				return -1;
		} else if (!utf8_valid(start, nl - start)) {
			/* it would reach status and MQTT as invalid JSON */
			if (control_queue(cl, "{\"error\":\"request is not "
					      "valid UTF-8\"}") < 0)
				return -1;
		} else if (control_reply(ctl, cl, start) < 0)
			return -1;
		start = nl < end ? nl + 1 : end;
	}
	if (start != cl->in) /* a line was done: the next one starts now */
		cl->line_ms = end > start ? clock_ms() : 0;
	cl->inlen = end - start;
	memmove(cl->in, start, cl->inlen);
	if (cl->inlen == CONTROL_LINE_MAX) {
		/* Full with no newline: refuse it, skip to the next line. */
		if (!cl->discarding &&
		    control_queue(cl, "{\"error\":\"request too long\"}") < 0)
			return -1;
		cl->discarding = true;
		cl->inlen = 0;
	}
	return 0;
}

static int control_read(struct control *ctl, struct control_client *cl)
{
	ssize_t n;

	if (cl->inlen == CONTROL_LINE_MAX)
		return 0; /* lines wait for the client to read replies */
	n = read(cl->fd, cl->in + cl->inlen, CONTROL_LINE_MAX - cl->inlen);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		cl->eof = true;
	if (n > 0 && !cl->inlen)
		cl->line_ms = clock_ms(); /* a request begins */
	cl->inlen += n;
	return control_lines(ctl, cl);
}

static int control_write(struct control_client *cl)
{
	ssize_t n =
	    send(cl->fd, cl->out, cl->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	cl->outlen -= n;
	memmove(cl->out, cl->out + n, cl->outlen);
	return 0;
}

/*
 * A full house gives way: the client that has waited the longest without
 * a whole request goes, so that silent or trickling clients cannot lock
 * others out. A client younger than CONTROL_GRACE_MS is spared: it has
 * not had its chance to send, and a burst of reconnects would otherwise
 * push a well-behaved client out before its request was read.
 */
static uint64_t control_waiting_since(const struct control_client *cl)
{
	/* a trickler is as old as its unfinished line, a silent client as
	 * its last byte: both older than a client that just came */
	return cl->line_ms ? cl->line_ms : cl->last_ms;
}

/* The slot to take: a free one, else the victim's; -1 when every client
 * is in its grace, with *wait_ms set to the end of the first grace. */
static int control_slot(const struct control *ctl, uint64_t now,
			uint64_t *wait_ms)
{
	int victim = -1;

	*wait_ms = UINT64_MAX;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		const struct control_client *cl = ctl->clients[i];

		if (!cl)
			return i;
		if (now - cl->since_ms < CONTROL_GRACE_MS) {
			if (cl->since_ms + CONTROL_GRACE_MS < *wait_ms)
				*wait_ms = cl->since_ms + CONTROL_GRACE_MS;
			continue;
		}
		if (victim < 0 ||
		    control_waiting_since(cl) <
			control_waiting_since(ctl->clients[victim]))
			victim = i;
	}
	return victim;
}

/* Out of descriptors (or memory): stop listening a while, say so once. */
static void control_pause(struct control *ctl)
{
	ctl->paused_until_ms = clock_ms() + CONTROL_PAUSE_MS;
	if (!ctl->pause_logged)
		log_warn("control: cannot accept on %s (pausing it for %d ms "
			 "at a time; the fan is driven regardless)",
			 ctl->path, CONTROL_PAUSE_MS);
	ctl->pause_logged = true;
}

/*
 * Replies go out at once when the socket has room; lines held back by
 * unread replies run once those are gone. False: the client goes.
 */
static bool control_flush(struct control *ctl, struct control_client *cl)
{
	if ((cl->outlen && control_write(cl) < 0) ||
	    (cl->inlen && control_lines(ctl, cl) < 0) ||
	    (cl->outlen && control_write(cl) < 0))
		return false;
	return !(cl->eof && !cl->outlen && !cl->inlen);
}

static void control_accept(struct control *ctl)
{
	struct control_client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uint64_t now, wait_ms;
	int fd, i;

	/* Bounded so a flood of connections cannot starve the tick. */
	for (int round = 0; round < 16; round++) {
		now = clock_ms();
		i = control_slot(ctl, now, &wait_ms);
		if (i < 0) {
			/* full of newcomers: the next waits in the backlog */
			ctl->paused_until_ms = wait_ms;
			return;
		}
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				control_pause(ctl);
			else if (errno != EAGAIN && errno != EINTR &&
				 errno != ECONNABORTED)
				log_warn("control: accept on %s", ctl->path);
			return;
		}
		if (fd >= ctl->fd_cap) {
			close(fd);
			errno = EMFILE;
			control_pause(ctl);
			return;
		}
		if (ctl->pause_logged) {
			log_info("control: accepting on %s again", ctl->path);
			ctl->pause_logged = false;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			control_pause(ctl);
			return;
		}
		if (ctl->clients[i]) {
			log_debug("control: full, closing the quietest client "
				  "(pid %d)",
				  ctl->clients[i]->pid);
			control_drop(ctl, i);
		}
		cl->fd = fd;
		cl->since_ms = cl->last_ms = now;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			cl->pid = cred.pid;
		ctl->clients[i] = cl;
		log_debug("control: client %d (pid %d) connected", fd, cl->pid);
		/* A request sent with the connect is answered at once. */
		if (control_read(ctl, cl) < 0 || !control_flush(ctl, cl))
			control_drop(ctl, i);
	}
}

static struct control_client *control_find(struct control *ctl, int fd,
					   size_t *idx)
{
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (ctl->clients[i] && ctl->clients[i]->fd == fd) {
			*idx = i;
			return ctl->clients[i];
		}
	}
	return NULL;
}

void control_service(struct control *ctl, const struct pollfd *pfd, size_t n)
{
	struct control_client *cl;
	bool listener = false;
	size_t i;

	if (!ctl)
		return;
	for (size_t k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		if (pfd[k].fd == ctl->fd) {
			listener = true; /* served last, see below */
			continue;
		}
		cl = control_find(ctl, pfd[k].fd, &i);
		if (!cl)
			continue;
		if ((pfd[k].revents & POLLOUT) && control_write(cl) < 0) {
			control_drop(ctl, i);
			continue;
		}
		if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !cl->eof && control_read(ctl, cl) < 0) {
			control_drop(ctl, i);
			continue;
		}
		if (pfd[k].revents & POLLERR) {
			control_drop(ctl, i);
			continue;
		}
		cl->last_ms = clock_ms();
		if (!control_flush(ctl, cl))
			control_drop(ctl, i);
	}
	/*
	 * Accepting last: a client closed above frees its fd, and a new one
	 * must not inherit revents meant for the old.
	 */
	if (listener)
		control_accept(ctl);
}

void control_expire(struct control *ctl, uint64_t now_ms)
{
	for (size_t i = 0; ctl && i < CONTROL_MAX_CLIENTS; i++) {
		const struct control_client *cl = ctl->clients[i];
		uint64_t quiet;

		if (!cl)
			continue;
		quiet = now_ms - cl->last_ms;
		/* A request must be whole within its deadline, however
		 * slowly it trickles in (each byte is progress). */
		if (quiet > CONTROL_IDLE_MS ||
		    (cl->line_ms &&
		     now_ms - cl->line_ms > CONTROL_REQUEST_MS) ||
		    ((cl->outlen || cl->inlen) && quiet > CONTROL_STUCK_MS)) {
			log_debug("control: dropping stuck client (pid %d)",
				  cl->pid);
			control_drop(ctl, i);
		}
	}
}
