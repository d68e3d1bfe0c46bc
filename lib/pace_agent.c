/* pace_agent.c: a client of pirackd's control socket (pace, report). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "clock.h"
#include "pace_agent.h"
#include "pace_agent_int.h"

void pace_agent_init(struct pace_agent *ag, const char *path)
{
	memset(ag, 0, sizeof(*ag));
	snprintf(ag->path, sizeof(ag->path), "%s", path);
	ag->fd = -1;
	ag->timeout_s = 0.5;
	ag->retry_s = 5.0;
	ag->retry_max_s = 60.0;
}

void pace_agent_close(struct pace_agent *ag)
{
	if (ag->fd >= 0)
		close(ag->fd);
	ag->fd = -1;
	ag->posted = ag->inflight = 0;
	ag->inlen = 0;
}

int pace_agent_fail(struct pace_agent *ag, double now, const char *fmt, ...)
{
	double wait = ag->retry_s;
	unsigned i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ag->err, sizeof(ag->err), fmt, ap);
	va_end(ap);
	pace_agent_close(ag);
	for (i = 0; i < ag->fails_in_row && wait < ag->retry_max_s; i++)
		wait *= 2;
	ag->retry_at = now + (wait < ag->retry_max_s ? wait : ag->retry_max_s);
	ag->fails_in_row++;
	ag->failures++;
	return -1;
}

/*
 * Non-blocking from the start: a Unix connect either succeeds at once or
 * fails (no listener, full backlog), and every later wait is a poll()
 * with the request's deadline, so a hung agent costs at most timeout_s.
 */
int pace_agent_connect(struct pace_agent *ag, double now)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(ag->path) >= sizeof(sa.sun_path))
		return pace_agent_fail(ag, now, "socket path too long");
	memcpy(sa.sun_path, ag->path, strlen(ag->path) + 1);
	ag->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ag->fd < 0)
		return pace_agent_fail(ag, now, "socket: %s", strerror(errno));
	if (connect(ag->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pace_agent_fail(ag, now, "connect: %s", strerror(errno));
	return 0;
}

static int pace_agent_wait(int fd, short events, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ms, rc;

	for (;;) {
		ms = (int)ceil((deadline - clock_s()) * 1000);
		if (ms <= 0)
			return 0;
		rc = poll(&pfd, 1, ms);
		if (rc >= 0 || errno != EINTR)
			return rc;
	}
}

/*
 * One request line out, one reply line back, by the deadline: 0, -1 with
 * err set, or PACE_AGENT_STALE when the connection was closed under us
 * before any of the reply came (the agent restarted, or dropped us as
 * idle): the caller may try once more on a new connection.
 */
static int pace_agent_exchange(struct pace_agent *ag, double deadline,
			       const char *line, char *reply, size_t len)
{
	size_t sent = 0, want = strlen(line), got = 0;
	ssize_t n;
	char *nl;

	while (sent < want) {
		/* MSG_NOSIGNAL: a dead agent must not SIGPIPE the job. */
		n = send(ag->fd, line + sent, want - sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			sent += n;
			continue;
		}
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return PACE_AGENT_STALE;
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(ag->err, sizeof(ag->err), "send: %s",
				 strerror(errno));
			return -1;
		}
		if (pace_agent_wait(ag->fd, POLLOUT, deadline) <= 0) {
			snprintf(ag->err, sizeof(ag->err), "send timed out");
			return -1;
		}
	}
	for (;;) {
		n = recv(ag->fd, reply + got, len - 1 - got, MSG_DONTWAIT);
		if (n > 0) {
			got += n;
			reply[got] = '\0';
			nl = strchr(reply, '\n');
			if (nl) {
				*nl = '\0';
				return 0;
			}
			if (got == len - 1) {
				snprintf(ag->err, sizeof(ag->err),
					 "reply too long");
				return -1;
			}
			continue;
		}
		if ((n == 0 || errno == ECONNRESET) && got == 0)
			return PACE_AGENT_STALE;
		if (n == 0) {
			snprintf(ag->err, sizeof(ag->err),
				 "connection closed by the agent");
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			snprintf(ag->err, sizeof(ag->err), "recv: %s",
				 strerror(errno));
			return -1;
		}
		if (pace_agent_wait(ag->fd, POLLIN, deadline) <= 0) {
			snprintf(ag->err, sizeof(ag->err),
				 "no reply within %.1f s", ag->timeout_s);
			return -1;
		}
	}
}

static int pace_agent_request(struct pace_agent *ag, double now,
			      const char *line, char *reply, size_t len)
{
	double deadline = now + ag->timeout_s;
	bool reused = ag->fd >= 0;
	char why[PACE_AGENT_ERR_MAX];
	int rc;

	if (ag->inflight) { /* pace_agent_post's replies: not these */
		pace_agent_close(ag);
		reused = false;
	}
	if (!reused && pace_agent_connect(ag, now) < 0)
		return -1;
	rc = pace_agent_exchange(ag, deadline, line, reply, len);
	if (rc == PACE_AGENT_STALE && reused) {
		pace_agent_close(ag);
		if (pace_agent_connect(ag, now) < 0)
			return -1;
		rc = pace_agent_exchange(ag, deadline, line, reply, len);
	}
	if (rc == 0)
		return 0;
	if (rc == PACE_AGENT_STALE)
		return pace_agent_fail(ag, now,
				       "connection closed by the agent");
	snprintf(why, sizeof(why), "%s", ag->err); /* not onto itself */
	return pace_agent_fail(ag, now, "%s", why);
}

static double pace_agent_num(const cJSON *obj, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble
							     : dflt;
}

static bool pace_agent_bool(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsObject(v)) /* "status" spells throttling as flags */
		v = cJSON_GetObjectItemCaseSensitive(v, key);
	return cJSON_IsTrue(v);
}

int pace_agent_parse(struct pace_agent *ag, double now, const char *reply,
		     struct pace_reading *r)
{
	cJSON *o = cJSON_Parse(reply);
	const cJSON *v;
	double pace;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return pace_agent_fail(ag, now,
				       "bad reply (not a JSON object)");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (cJSON_IsString(v)) {
		pace_agent_fail(ag, now, "agent error: %.120s", v->valuestring);
		cJSON_Delete(o);
		return -1;
	}
	pace = pace_agent_num(o, "pace", NAN);
	if (!(pace >= 0 && pace <= 1)) {
		cJSON_Delete(o);
		return pace_agent_fail(ag, now, "bad reply (no pace in [0,1])");
	}
	memset(r, 0, sizeof(*r));
	r->source = PACE_SOURCE_AGENT;
	r->pace = pace;
	r->temp_c = pace_agent_num(o, "temp_c", NAN);
	r->target_c = pace_agent_num(o, "target_c", NAN);
	r->limit_c = pace_agent_num(o, "limit_c", NAN);
	r->ts = pace_agent_num(o, "ts", (double)time(NULL));
	r->fault = pace_agent_bool(o, "fault");
	r->throttled = pace_agent_bool(o, "throttled");
	r->throttle_raw = -1; /* "pace" has the summary only; see status */
	v = cJSON_GetObjectItemCaseSensitive(o, "node");
	if (cJSON_IsString(v))
		snprintf(r->node, sizeof(r->node), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "fan");
	if (cJSON_IsString(v))
		snprintf(r->fan, sizeof(r->fan), "%s", v->valuestring);
	else if (cJSON_IsBool(v))
		snprintf(r->fan, sizeof(r->fan), "%s",
			 cJSON_IsTrue(v) ? "on" : "off");
	cJSON_Delete(o);
	ag->err[0] = '\0';
	ag->fails_in_row = 0;
	return 0;
}

int pace_agent_pace(struct pace_agent *ag, double now, struct pace_reading *r)
{
	char reply[PACE_AGENT_REPLY_MAX];

	if (now < ag->retry_at)
		return -1;
	if (pace_agent_request(ag, now, "pace\n", reply, sizeof(reply)) < 0)
		return -1;
	return pace_agent_parse(ag, now, reply, r);
}

int pace_agent_throttle(struct pace_agent *ag, double now, int64_t *raw)
{
	char reply[PACE_AGENT_REPLY_MAX];
	const cJSON *t, *v;
	cJSON *o;

	*raw = -1;
	if (now < ag->retry_at)
		return -1;
	if (pace_agent_request(ag, now, "status\n", reply, sizeof(reply)) < 0)
		return -1;
	o = cJSON_Parse(reply);
	if (!cJSON_IsObject(o) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "pace"))) {
		cJSON_Delete(o);
		return pace_agent_fail(ag, now, "bad reply to status");
	}
	t = cJSON_GetObjectItemCaseSensitive(o, "throttled");
	v = cJSON_GetObjectItemCaseSensitive(t, "raw");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble <= 0xffffffff)
		*raw = (int64_t)v->valuedouble;
	cJSON_Delete(o);
	return 0;
}

int pace_agent_report_line(struct pace_agent *ag, const char *json, char *line,
			   size_t len)
{
	if (snprintf(line, len, "report %s\n", json) >= (int)len) {
		snprintf(ag->err, sizeof(ag->err), "report too long");
		return 1;
	}
	return 0;
}

int pace_agent_report_reply(struct pace_agent *ag, double now,
			    const char *reply)
{
	cJSON *o = cJSON_Parse(reply);
	const cJSON *v;
	int rc;

	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return pace_agent_fail(ag, now, "bad reply to report");
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "error");
	rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok")) ? 0 : 1;
	if (rc)
		snprintf(ag->err, sizeof(ag->err), "report refused: %.120s",
			 cJSON_IsString(v) ? v->valuestring : "no ok");
	cJSON_Delete(o);
	return rc;
}

int pace_agent_report(struct pace_agent *ag, double now, const char *json)
{
	char reply[PACE_AGENT_REPLY_MAX], line[PACE_AGENT_LINE_MAX];

	if (now < ag->retry_at)
		return -1;
	if (pace_agent_report_line(ag, json, line, sizeof(line)))
		return 1;
	if (pace_agent_request(ag, now, line, reply, sizeof(reply)) < 0)
		return -1;
	return pace_agent_report_reply(ag, now, reply);
}
