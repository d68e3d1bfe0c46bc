/* failsafe.c: pirackd --failsafe [--hold]: the fan on while no agent runs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "failsafe.h"
#include "log.h"
#include "notify.h"

/*
 * Waits for SIGTERM or SIGINT (systemd's stop), the lines held meanwhile.
 * SIGHUP is taken and ignored: a reload has nothing to change here.
 */
static void failsafe_wait(void)
{
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fatal("--failsafe --hold: sigprocmask");
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0) {
			if (errno == EINTR)
				continue;
			fatal("--failsafe --hold: sigwaitinfo");
		}
		if (si.si_signo != SIGHUP)
			return;
	}
}

/*
 * --hold keeps the lines requested until SIGTERM: a released line is
 * whatever the kernel makes of it (gpio-sim and mainline kernels return
 * it to an input, Raspberry Pi OS keeps an output's level unless
 * dtparam=strict_gpiod), so only a process that holds it keeps the fan on.
 * As a Type=notify unit it says READY=1 once the fan is on, and STATUS=
 * why it runs, with the config's error if the file is bad.
 */
static int failsafe_hold(const struct config *cfg, const char *cfg_err)
{
	struct agent_hold h;
	struct notify n;
	char err[512], status[sizeof(n.status)];

	if (agent_failsafe_hold(cfg, &h, err, sizeof(err)) < 0) {
		agent_failsafe_release(&h);
		fatalx("--failsafe --hold: %s", err);
	}
	notify_init(&n);
	snprintf(status, sizeof(status),
		 "fan held on: pirackd is not "
		 "running%s%.200s",
		 cfg_err ? "; bad config: " : "", cfg_err ? cfg_err : "");
	notify_ready_status(&n, status);
	log_info("--failsafe --hold: fan on, held until SIGTERM");
	failsafe_wait();
	notify_stopping(&n);
	agent_failsafe_release(&h);
	notify_free(&n);
	log_info("--failsafe --hold: lines released");
	return 0;
}

int failsafe_run(const struct config *cfg, const char *cfg_err, bool hold)
{
	char err[512];

	if (cfg_err)
		log_warnx("--failsafe: %s; using the keys that parsed, "
			  "defaults for the rest",
			  cfg_err);
	if (hold)
		return failsafe_hold(cfg, cfg_err);
	if (agent_failsafe(cfg, err, sizeof(err)) < 0)
		fatalx("--failsafe: %s", err);
	log_info("--failsafe: fan on");
	return cfg_err ? 2 : 0;
}
