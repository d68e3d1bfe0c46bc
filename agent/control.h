/* control.h: the local control socket (one request line, one JSON line). */
#ifndef PIRACK_CONTROL_H
#define PIRACK_CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct control;

#define CONTROL_MAX_CLIENTS 32
#define CONTROL_LINE_MAX 2048 /* a request, newline included */
#define CONTROL_OUT_MAX                                                        \
	(64 * 1024)	       /* unread replies before we stop                \
				* reading that client */
#define CONTROL_STUCK_MS 10000 /* no progress, work pending */
#define CONTROL_IDLE_MS 120000 /* nothing at all */
#define CONTROL_REQUEST_MS                                                     \
	2000		      /* a request line, from its first                \
			       * byte to its newline */
#define CONTROL_PAUSE_MS 1000 /* no descriptor to accept with */
#define CONTROL_GRACE_MS 500  /* a newcomer's time to send, unevictable */
#define CONTROL_FD_RESERVE 4  /* kept for the sensor reads */

/*
 * Answers one request line (no newline; may be modified) from process
 * peer (0 = unknown): the reply line, malloc'd, without its newline; NULL
 * only when out of memory. The agent's is agent_request.
 */
typedef char *(*control_request_fn)(void *ctx, char *line, pid_t peer);

/*
 * Creates the socket at path (parent directory made, a stale socket
 * replaced, mode 0660), non-blocking, whose requests go to answer(ctx).
 * NULL + err on failure, e.g. when another agent answers on it.
 */
struct control *control_open(const char *path, control_request_fn answer,
			     void *ctx, char *err, size_t errlen);
void control_close(struct control *ctl);
const char *control_path(const struct control *ctl);

/* The listener's and every client's pollfd; returns how many (<= max). */
size_t control_pollfds(const struct control *ctl, struct pollfd *pfd,
		       size_t max);
/* Acts on the revents of the pollfds control_pollfds gave. */
void control_service(struct control *ctl, const struct pollfd *pfd, size_t n);
/* Closes clients that stopped reading or went idle; from the tick. */
void control_expire(struct control *ctl, uint64_t now_ms);
size_t control_nclients(const struct control *ctl);

enum control_op {
	CONTROL_STATUS,
	CONTROL_PACE,
	CONTROL_FAN,
	CONTROL_LED,
	CONTROL_REPORT
};

struct control_req {
	enum control_op op;
	const char *arg; /* into the line; "" when none */
};

/*
 * Pure: splits one request line (no newline; trailing CR and blanks
 * ignored; modified in place) into op and argument. 0, or -1 with err
 * saying what is wrong.
 */
int control_parse(char *line, struct control_req *req, char *err,
		  size_t errlen);

#endif
