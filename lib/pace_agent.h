/* pace_agent.h: a client of pirackd's control socket (pace, report). */
#ifndef PIRACK_PACE_AGENT_H
#define PIRACK_PACE_AGENT_H

#include <stdbool.h>
#include "pace_reading.h"

#define PACE_AGENT_PATH_MAX 108 /* sun_path */
#define PACE_AGENT_ERR_MAX 192
#define PACE_AGENT_REPLY_MAX 8192
#define PACE_AGENT_LINE_MAX 2048 /* a request line, "report <json>\n" */

struct pace_agent {
	char path[PACE_AGENT_PATH_MAX];
	int fd;		    /* -1 when not connected */
	double timeout_s;   /* per request, connect to reply */
	double retry_s;	    /* wait after a first failure */
	double retry_max_s; /* doubling up to this while it fails */
	unsigned fails_in_row;
	double retry_at;	      /* monotonic s; no attempt before */
	char err[PACE_AGENT_ERR_MAX]; /* last failure, "" = none */
	unsigned long failures;	      /* requests that failed */
	/* pace_agent_post's requests in flight, oldest first, their lines
	 * (sent again once on a new connection if the agent closed the old
	 * one unread) and the replies' bytes so far */
	int posted;	 /* lines sent: 1 (pace) or 2 (pace, report) */
	int inflight;	 /* of those, replies still to come */
	double deadline; /* monotonic s, the next reply's */
	bool resent;	 /* or sent on a new connection: no second try */
	char out[PACE_AGENT_LINE_MAX + 8];
	char in[PACE_AGENT_REPLY_MAX];
	size_t inlen;
};

void pace_agent_init(struct pace_agent *ag, const char *path);

/*
 * "pace" request: 0 with *r filled (source AGENT), or -1 with ag->err set,
 * the connection closed and no new attempt for retry_s, doubled after each
 * failure in a row up to retry_max_s (a hung agent costs one deadline per
 * attempt, so attempts must thin out). A reply
 * that is not the documented JSON object is a failure: "no agent".
 */
int pace_agent_pace(struct pace_agent *ag, double now, struct pace_reading *r);

/*
 * "status": the firmware's get_throttled word from it in *raw (-1 when
 * the node has none). 0, or -1 as for pace_agent_pace.
 */
int pace_agent_throttle(struct pace_agent *ag, double now, int64_t *raw);

/*
 * "report <json>": 0 when the agent answered {"ok":true}; 1 when it
 * answered with an error (ag->err set; the agent stays usable); -1 as
 * for pace_agent_pace.
 */
int pace_agent_report(struct pace_agent *ag, double now, const char *json);

/*
 * The same "pace" request without waiting for the reply, for a caller
 * with work to do (a rank between chunks): sends "pace", and the report
 * line when report_json is not NULL, on the connection, 0; -1 as
 * pace_agent_pace when it cannot (no agent, in its retry wait, a request
 * still in flight). pace_agent_poll takes the replies.
 */
int pace_agent_post(struct pace_agent *ag, double now, const char *report_json);

/*
 * The replies of pace_agent_post that came, without waiting: 1 with *r
 * filled when the pace reply came, 0 while they are on their way or none
 * is in flight, -1 as pace_agent_pace when one did not come within
 * timeout_s of the request or of the reply before it, or was not what
 * the agent answers.
 * A report's refusal only sets err. A blocking request (pace_agent_pace,
 * _throttle, _report) drops the replies still in flight.
 */
int pace_agent_poll(struct pace_agent *ag, double now, struct pace_reading *r);

/* A pace_agent_post whose replies have not all come. */
bool pace_agent_busy(const struct pace_agent *ag);

void pace_agent_close(struct pace_agent *ag);

#endif
