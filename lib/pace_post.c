/* pace_post.c: pace_agent's "pace" request that does not wait for its reply. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "pace_agent.h"
#include "pace_agent_int.h"

/*
 * Why. A rank that asks its agent and waits for the reply stops
 * computing for as long as the agent takes to be scheduled and answer:
 * on a node whose cores all run ranks that is a scheduler's latency per
 * request, and in the simulated 8x2 rack (16 ranks on 2 cores) 7-10 ms a
 * request, 1-3 % of a rank's time. Posted, the request costs a send;
 * the reply is taken between chunks when it has come.
 */

bool pace_agent_busy(const struct pace_agent *ag)
{
	return ag->inflight > 0;
}

/* The lines at once: a few hundred bytes into a Unix socket whose
 * earlier replies were all read; anything short of all is a failure. */
static int post_send(struct pace_agent *ag)
{
	size_t want = strlen(ag->out);
	ssize_t n = send(ag->fd, ag->out, want, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n == (ssize_t)want)
		return 0;
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
		return PACE_AGENT_STALE;
	if (n < 0)
		snprintf(ag->err, sizeof(ag->err), "send: %s", strerror(errno));
	else
		snprintf(ag->err, sizeof(ag->err), "send: %zd of %zu bytes", n,
			 want);
	return -1;
}

/* ag->out on a new connection, the old one closed under us. */
static int post_resend(struct pace_agent *ag, double now)
{
	int posted = ag->posted, rc;

	pace_agent_close(ag);
	if (pace_agent_connect(ag, now) < 0)
		return -1;
	rc = post_send(ag);
	if (rc == PACE_AGENT_STALE)
		snprintf(ag->err, sizeof(ag->err),
			 "connection closed by the agent");
	if (rc < 0)
		return -1;
	ag->posted = ag->inflight = posted;
	ag->resent = true;
	return 0;
}

static int post_failed(struct pace_agent *ag, double now)
{
	char why[PACE_AGENT_ERR_MAX];

	snprintf(why, sizeof(why), "%s", ag->err); /* not onto itself */
	return pace_agent_fail(ag, now, "%s", why);
}

int pace_agent_post(struct pace_agent *ag, double now, const char *report_json)
{
	bool reused = ag->fd >= 0;
	int posted = 1, rc;
	size_t n;

	if (now < ag->retry_at)
		return -1;
	if (ag->inflight) {
		snprintf(ag->err, sizeof(ag->err), "a request is in flight");
		return -1;
	}
	n = (size_t)snprintf(ag->out, sizeof(ag->out), "pace\n");
	/* A report too long for a line is left out; the pace still goes. */
	if (report_json && pace_agent_report_line(ag, report_json, ag->out + n,
						  sizeof(ag->out) - n) == 0)
		posted = 2;
	else
		ag->out[n] = '\0';
	if (!reused && pace_agent_connect(ag, now) < 0)
		return -1;
	ag->posted = posted;
	ag->resent = !reused;
	rc = post_send(ag);
	if (rc == PACE_AGENT_STALE && reused)
		rc = post_resend(ag, now);
	else if (rc == PACE_AGENT_STALE)
		snprintf(ag->err, sizeof(ag->err),
			 "connection closed by the agent");
	if (rc < 0)
		return post_failed(ag, now);
	ag->posted = ag->inflight = posted;
	ag->deadline = now + ag->timeout_s;
	ag->inlen = 0;
	return 0;
}

/* The next whole reply line out of ag->in into line (as large as
 * ag->in: it fits): true, or false. */
static bool post_line(struct pace_agent *ag, char line[PACE_AGENT_REPLY_MAX])
{
	char *nl = memchr(ag->in, '\n', ag->inlen);
	size_t l;

	if (!nl)
		return false;
	l = (size_t)(nl - ag->in);
	memcpy(line, ag->in, l);
	line[l] = '\0';
	ag->inlen -= (size_t)(nl - ag->in) + 1;
	memmove(ag->in, nl + 1, ag->inlen);
	return true;
}

int pace_agent_poll(struct pace_agent *ag, double now, struct pace_reading *r)
{
	char line[PACE_AGENT_REPLY_MAX];
	int got = 0;
	ssize_t n;

	while (ag->inflight) {
		if (post_line(ag, line)) {
			bool pace = ag->inflight == ag->posted;

			/* the agent answers in turn: the next reply's
			 * deadline runs from this one */
			ag->inflight--;
			ag->deadline = now + ag->timeout_s;
			if (pace && pace_agent_parse(ag, now, line, r) < 0)
				return -1;
			if (!pace && pace_agent_report_reply(ag, now, line) < 0)
				return -1;
			got |= pace;
			continue;
		}
		if (ag->inlen >= sizeof(ag->in) - 1)
			return pace_agent_fail(ag, now, "reply too long");
		n = recv(ag->fd, ag->in + ag->inlen,
			 sizeof(ag->in) - 1 - ag->inlen, MSG_DONTWAIT);
		if (n > 0) {
			ag->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (now < ag->deadline)
				return got;
			return pace_agent_fail(
			    ag, now, "no reply within %.1f s", ag->timeout_s);
		}
		if (n < 0 && errno != ECONNRESET)
			return pace_agent_fail(ag, now, "recv: %s",
					       strerror(errno));
		/* Closed: before any reply on a connection we had used, the
		 * agent dropped it as idle or restarted; once more anew. */
		if (ag->inflight == ag->posted && ag->inlen == 0 &&
		    !ag->resent && now < ag->deadline) {
			if (post_resend(ag, now) < 0)
				return post_failed(ag, now);
			continue;
		}
		return pace_agent_fail(ag, now,
				       "connection closed by the agent");
	}
	/* More than the replies: the next request's would not be its own. */
	if (ag->inlen)
		return pace_agent_fail(ag, now, "more than the replies");
	return got;
}
