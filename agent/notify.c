/*
 * notify.c: systemd Type=notify readiness, watchdog and status lines, by
 * the documented protocol (sd_notify(3): one datagram to $NOTIFY_SOCKET).
 * Not through libsystemd: linking it maps libsystemd, libgcrypt, liblzma,
 * libzstd, liblz4, libcap and libgpg-error into every agent, about 1 MiB
 * of resident memory for three lines of protocol (tests/bench/footprint).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "notify.h"
#include "report.h"

/* WATCHDOG_USEC, when meant for this process (WATCHDOG_PID). */
static uint64_t notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	if (!usec)
		return 0;
	if (pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	return errno || *end || end == usec ? 0 : v;
}

void notify_init(struct notify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	uint64_t usec = notify_watchdog_usec();
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	/* Ping at half the period systemd allows: one late tick is fine. */
	if (usec)
		n->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
	if (!path || (path[0] != '/' && path[0] != '@')) {
		n->watchdog_ms = 0; /* nobody to ping */
		return;
	}
	len = strlen(path);
	if (len >= sizeof(n->addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET too long: not notifying systemd");
		n->watchdog_ms = 0;
		return;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0'; /* abstract namespace */
	n->addrlen = offsetof(struct sockaddr_un, sun_path) + len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		log_warn("NOTIFY_SOCKET %s: socket", path);
		n->watchdog_ms = 0;
		return;
	}
	if (n->watchdog_ms)
		log_debug("systemd watchdog: ping every %llu ms",
			  (unsigned long long)n->watchdog_ms);
}

void notify_free(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

/* One datagram, newline-separated assignments; best effort. */
static void notify_send(struct notify *n, const char *msg)
{
	if (n->fd < 0)
		return;
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
		   (struct sockaddr *)&n->addr, n->addrlen) < 0)
		log_debug("NOTIFY_SOCKET: %s", strerror(errno));
}

static void notify_format(const struct notify *n, const struct report_view *v,
			  char *buf, size_t len)
{
	const char *fan = v->fan.duty > 0 ? "on" : "off";
	const char *mode = v->fan.mode == FAN_MODE_MANUAL ? "manual" : "auto";
	size_t used;

	if (!v->seq)
		snprintf(buf, len, "starting, fan on");
	else if (v->sample->fault)
		snprintf(buf, len, "sensor fault, fan on: %.100s",
			 v->sample->fault_msg);
	else if (v->cfg->fan.driver == FAN_DRIVER_PWM)
		snprintf(buf, len, "%.1f °C, fan %d%% (%s), pace %.2f",
			 v->sample->temp_c, v->fan.duty, mode, v->pace);
	else
		snprintf(buf, len, "%.1f °C, fan %s (%s), pace %.2f",
			 v->sample->temp_c, fan, mode, v->pace);
	used = strlen(buf);
	if (n->note[0] && used < len)
		snprintf(buf + used, len - used, "; %s", n->note);
}

void notify_ready(struct notify *n, const struct report_view *v)
{
	char msg[sizeof(n->status) + 32];

	notify_format(n, v, n->status, sizeof(n->status));
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", n->status);
	notify_send(n, msg);
}

void notify_ready_status(struct notify *n, const char *status)
{
	char msg[sizeof(n->status) + 32];

	snprintf(n->status, sizeof(n->status), "%s", status);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", n->status);
	notify_send(n, msg);
}

void notify_note(struct notify *n, const char *note)
{
	snprintf(n->note, sizeof(n->note), "%s", note);
}

void notify_reloading(struct notify *n)
{
	notify_send(n, "RELOADING=1");
}

void notify_stopping(struct notify *n)
{
	notify_send(n, "STOPPING=1");
}

void notify_tick(struct notify *n, const struct report_view *v, uint64_t now_ms)
{
	char status[sizeof(n->status)];

	notify_format(n, v, status, sizeof(status));
	if (strcmp(status, n->status)) {
		char msg[sizeof(status) + 32];

		memcpy(n->status, status, sizeof(status));
		snprintf(msg, sizeof(msg), "STATUS=%s%s", status,
			 n->watchdog_ms ? "\nWATCHDOG=1" : "");
		notify_send(n, msg);
		n->last_ping_ms = now_ms;
		return;
	}
	notify_watchdog(n, now_ms);
}

void notify_watchdog(struct notify *n, uint64_t now_ms)
{
	if (!n->watchdog_ms || now_ms - n->last_ping_ms < n->watchdog_ms / 2)
		return;
	notify_send(n, "WATCHDOG=1");
	n->last_ping_ms = now_ms;
}

int notify_timeout_ms(const struct notify *n, uint64_t now_ms)
{
	uint64_t due;

	if (!n->watchdog_ms)
		return -1;
	due = n->last_ping_ms + n->watchdog_ms;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}
