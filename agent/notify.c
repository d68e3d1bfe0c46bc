/* notify.c: systemd Type=notify readiness, watchdog and status lines. */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include "agent.h"
#include "log.h"
#include "notify.h"

void notify_init(struct notify *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	/* Ping at half the period systemd allows: one late tick is fine. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec)
		n->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
	if (n->watchdog_ms)
		log_debug("systemd watchdog: ping every %llu ms",
			  (unsigned long long)n->watchdog_ms);
}

static void notify_format(const struct agent *a, char *buf, size_t len)
{
	const char *fan = a->fan_state.duty > 0 ? "on" : "off";
	const char *mode = a->fan_state.mode == FAN_MODE_MANUAL ? "manual" :
				  "auto";

	if (!a->seq)
		snprintf(buf, len, "starting, fan on");
	else if (a->sample.fault)
		snprintf(buf, len, "sensor fault, fan on: %.100s",
			 a->sample.fault_msg);
	else if (a->cfg.fan.driver == FAN_DRIVER_PWM)
		snprintf(buf, len, "%.1f °C, fan %d%% (%s), pace %.2f",
			 a->sample.temp_c, a->fan_state.duty, mode,
			 a->pace.pace);
	else
		snprintf(buf, len, "%.1f °C, fan %s (%s), pace %.2f",
			 a->sample.temp_c, fan, mode, a->pace.pace);
}

void notify_ready(struct notify *n, const struct agent *a)
{
	notify_format(a, n->status, sizeof(n->status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", n->status);
}

void notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void notify_tick(struct notify *n, const struct agent *a, uint64_t now_ms)
{
	char status[sizeof(n->status)];

	notify_format(a, status, sizeof(status));
	if (strcmp(status, n->status)) {
		memcpy(n->status, status, sizeof(status));
		sd_notifyf(0, "STATUS=%s%s", status,
			   n->watchdog_ms ? "\nWATCHDOG=1" : "");
		n->last_ping_ms = now_ms;
		return;
	}
	notify_watchdog(n, now_ms);
}

void notify_watchdog(struct notify *n, uint64_t now_ms)
{
	if (!n->watchdog_ms || now_ms - n->last_ping_ms < n->watchdog_ms / 2)
		return;
	sd_notify(0, "WATCHDOG=1");
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
