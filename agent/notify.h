/* notify.h: systemd readiness, watchdog pings and STATUS= (sd_notify). */
#ifndef PIRACK_NOTIFY_H
#define PIRACK_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct report_view;

struct notify {
	int fd; /* datagram socket to NOTIFY_SOCKET, or -1 */
	struct sockaddr_un addr;
	socklen_t addrlen;
	uint64_t watchdog_ms; /* ping period; 0 = no watchdog */
	uint64_t last_ping_ms;
	char status[320]; /* last STATUS= sent */
	char note[200];	  /* appended to STATUS=: a refused reload */
};

/*
 * Reads NOTIFY_SOCKET and WATCHDOG_USEC (for this pid); without them
 * every call below does nothing.
 */
void notify_init(struct notify *n);
void notify_free(struct notify *n);
void notify_ready(struct notify *n, const struct report_view *v);
/* READY=1 with a STATUS= of the caller's (pirackd --failsafe --hold). */
void notify_ready_status(struct notify *n, const char *status);
void notify_reloading(struct notify *n);
/*
 * Sets (or with "" clears) the note every later STATUS= ends with, so
 * that a refused reload shows in systemctl status until one succeeds.
 */
void notify_note(struct notify *n, const char *note);
void notify_stopping(struct notify *n);
/* From the tick: STATUS= when it changed, WATCHDOG=1 when due. */
void notify_tick(struct notify *n, const struct report_view *v,
		 uint64_t now_ms);
/* Pings the watchdog if due (when no tick comes in time). */
void notify_watchdog(struct notify *n, uint64_t now_ms);
/* Milliseconds until the next ping is due; -1 = no watchdog. */
int notify_timeout_ms(const struct notify *n, uint64_t now_ms);

#endif
