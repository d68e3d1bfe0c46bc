/* loop.c: the main loop's timers, signals and configuration reload. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "agent.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "reloadctl.h"

int loop_config(const char *file, struct config *c, char *err, size_t errlen)
{
	/* Without -c a missing default file means "all defaults". */
	if (!file && access(CONFIG_DEFAULT_PATH, F_OK) < 0 && errno == ENOENT) {
		config_defaults(c);
		return 0;
	}
	return config_load(file ? file : CONFIG_DEFAULT_PATH, c, err, errlen);
}

int loop_init(struct loop *l, const char *config_file, char *err, size_t errlen)
{
	sigset_t set;

	memset(l, 0, sizeof(*l));
	l->config_file = config_file;
	l->sig_fd = l->tick_fd = l->blink_fd = l->notify.fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Sockets report a gone peer as EPIPE, not as a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (l->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (l->tick_fd = timerfd_create(CLOCK_MONOTONIC,
					 TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    (l->blink_fd = timerfd_create(CLOCK_MONOTONIC,
					  TFD_NONBLOCK | TFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "signals and timers: %s",
			 strerror(errno));
		return -1;
	}
	notify_init(&l->notify);
	return 0;
}

void loop_arm(struct loop *l, const struct agent *a)
{
	uint64_t blink = a->led_next_ms == UINT64_MAX ? 0 : a->led_next_ms;

	if (l->interval_ms != a->cfg.thermal.interval_ms) {
		int ms = a->cfg.thermal.interval_ms;
		struct itimerspec its = {
			.it_interval = { ms / 1000, (ms % 1000) * 1000000L },
			.it_value = { ms / 1000, (ms % 1000) * 1000000L },
		};

		if (timerfd_settime(l->tick_fd, 0, &its, NULL) < 0)
			fatal("timerfd_settime");
		l->interval_ms = ms;
	}
	if (blink != l->blink_ms) {
		/* Absolute, so a late loop does not stretch the blink;
		 * all zero disarms it. */
		struct itimerspec its = {
			.it_value = { blink / 1000, (blink % 1000) * 1000000L },
		};

		if (timerfd_settime(l->blink_fd, TFD_TIMER_ABSTIME, &its,
				    NULL) < 0)
			fatal("timerfd_settime");
		l->blink_ms = blink;
	}
}

int loop_timeout_ms(struct loop *l, struct agent *a)
{
	uint64_t now = clock_ms();
	int m = mqtt_timeout_ms(a->mqtt);
	int w = notify_timeout_ms(&l->notify, now);

	l->mqtt_due_ms = m >= 0 ? now + m : UINT64_MAX;
	if (m < 0)
		return w;
	if (w < 0)
		return m;
	return m < w ? m : w;
}

void loop_drain(int fd)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("timerfd read");
}

/*
 * A new file only replaces the running one whole and when valid. A
 * refusal stays in STATUS= until a reload succeeds. true when reloaded.
 */
static bool loop_reload(struct loop *l, struct agent *a)
{
	struct config next;
	struct report_view v;
	char err[512], note[sizeof(l->notify.note)];
	bool ok = false;

	notify_reloading(&l->notify);
	if (loop_config(l->config_file, &next, err, sizeof(err)) < 0 ||
	    config_reload_check(&a->cfg, &next, err, sizeof(err)) < 0 ||
	    agent_reload(a, &next, err, sizeof(err)) < 0) {
		log_warnx("reload refused: %s; keeping the running "
			  "configuration",
			  err);
		snprintf(note, sizeof(note), "reload refused: %.170s", err);
		notify_note(&l->notify, note);
	} else {
		log_info("reloaded %s", next.path[0] ? next.path : "defaults");
		notify_note(&l->notify, "");
		ok = true;
	}
	agent_view(a, &v);
	notify_ready(&l->notify, &v);
	return ok;
}

bool loop_signal(struct loop *l, struct agent *a)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(l->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reloadctl_answer((pid_t)si.ssi_pid, si.ssi_code,
					 si.ssi_int, loop_reload(l, a));
			break;
		default:
			log_info("signal %d: stopping", (int)si.ssi_signo);
			stop = true;
		}
	}
	return stop;
}

void loop_free(struct loop *l)
{
	notify_free(&l->notify);
	if (l->sig_fd >= 0)
		close(l->sig_fd);
	if (l->tick_fd >= 0)
		close(l->tick_fd);
	if (l->blink_fd >= 0)
		close(l->blink_fd);
}
