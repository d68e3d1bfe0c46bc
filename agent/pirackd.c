/* pirackd.c: the node agent: options, start-up, and the poll() loop. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "agent.h"
#include "control.h"
#include "failsafe.h"
#include "log.h"
#include "loop.h"
#include "mqtt.h"
#include "notify.h"
#include "reloadctl.h"

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pirackd [OPTION]...\n"
		"The pirack node agent: reads the temperatures, drives the fan "
		"and status\n"
		"LED, reports over MQTT and paces MPI jobs through a local "
		"socket.\n"
		"\n"
		"  -c, --config=FILE   configuration file "
		"(default " CONFIG_DEFAULT_PATH ")\n"
		"  -f, --foreground    stay in the foreground, log to stderr "
		"(for systemd)\n"
		"  -v, --verbose       log debug messages too\n"
		"      --check-config  validate the configuration and exit: 0 "
		"valid, 2 not;\n"
		"                      touches no hardware, socket or broker\n"
		"      --failsafe      switch the fan on (LED red) and exit "
		"(for systemd's\n"
		"                      ExecStopPost, so a dead agent leaves "
		"the fan running);\n"
		"                      a bad config is reported, the keys that "
		"parse used,\n"
		"                      the fan still switched on and the exit "
		"status 2\n"
		"      --hold          with --failsafe: keep the fan on (LED "
		"red) until\n"
		"                      SIGTERM (pirackd-failsafe.service), "
		"whatever the\n"
		"                      kernel does with a released line\n"
		"      --reload=PID    ask the agent PID to reload (SIGHUP) "
		"and wait for\n"
		"                      its answer (for ExecReload=): 0 "
		"reloaded, 1 refused\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop (fan left on), SIGHUP reloads "
		"the file (a bad\n"
		"file is refused and the running configuration kept).\n"
		"Exit status: 0 stopped cleanly, 1 start-up failed, 2 bad "
		"configuration or\n"
		"usage. See pirackd(8) and pirackd.conf(5).\n");
}

struct opts {
	const char *config;
	bool foreground, verbose, check, failsafe, hold;
	long reload_pid; /* --reload PID, or 0 */
};

static void opts_parse(int argc, char **argv, struct opts *o)
{
	enum { OPT_CHECK = 256, OPT_FAILSAFE, OPT_HOLD, OPT_RELOAD };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "failsafe", no_argument, NULL, OPT_FAILSAFE },
		{ "hold", no_argument, NULL, OPT_HOLD },
		{ "reload", required_argument, NULL, OPT_RELOAD },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:fvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_FAILSAFE:
			o->failsafe = true;
			break;
		case OPT_HOLD:
			o->hold = true;
			break;
		case OPT_RELOAD:
			errno = 0;
			o->reload_pid = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg ||
			    o->reload_pid <= 0 || o->reload_pid > INT_MAX) {
				fprintf(stderr,
					"pirackd: --reload: '%s' is "
					"not a process id\n",
					optarg);
				exit(2);
			}
			break;
		case 'V':
			printf("pirackd " PIRACK_VERSION "\n");
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'pirackd --help'.\n");
			exit(2);
		}
	}
	if (o->hold && !o->failsafe) {
		fprintf(stderr, "pirackd: --hold goes with --failsafe\n"
				"Try 'pirackd --help'.\n");
		exit(2);
	}
	if (optind < argc) {
		fprintf(stderr,
			"pirackd: unexpected argument '%s'\n"
			"Try 'pirackd --help'.\n",
			argv[optind]);
		exit(2);
	}
}

/*
 * One thread, one poll(): signals, the sample timer, the LED blink timer,
 * MQTT's socket and the control socket's clients. Idle, it wakes once per
 * sample period (plus blinks, MQTT keepalive and watchdog deadlines).
 */
static int pirackd_run(struct loop *l, struct agent *a)
{
	struct pollfd pfd[3 + 1 + 1 + CONTROL_MAX_CLIENTS];
	struct report_view v;
	size_t n, mq, ctl;

	for (;;) {
		loop_arm(l, a);
		n = 0;
		pfd[n++] = (struct pollfd){ l->sig_fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ l->tick_fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ l->blink_fd, POLLIN, 0 };
		mq = n;
		if (mqtt_pollfd(a->mqtt, &pfd[n]))
			n++;
		ctl = n;
		n += control_pollfds(a->control, &pfd[n], ARRAY_SIZE(pfd) - n);
		if (poll(pfd, n, loop_timeout_ms(l, a)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents && loop_signal(l, a))
			return 0;
		if (pfd[1].revents) {
			loop_drain(l->tick_fd);
			agent_tick(a);
			agent_view(a, &v);
			notify_tick(&l->notify, &v, clock_ms());
		}
		if (pfd[2].revents) {
			loop_drain(l->blink_fd);
			agent_led_update(a);
		}
		if ((ctl > mq && pfd[mq].revents) ||
		    clock_ms() >= l->mqtt_due_ms)
			mqtt_service(a->mqtt, ctl > mq ? pfd[mq].revents : 0);
		control_service(a->control, &pfd[ctl], n - ctl);
		notify_watchdog(&l->notify, clock_ms());
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct agent a;
	struct report_view view;
	struct config cfg;
	struct loop l;
	char err[512] = "", abs[PATH_MAX];
	int rc;

	opts_parse(argc, argv, &o);
	log_init(o.verbose, false);
	/* Reloads happen after daemon() moved us to "/". */
	if (o.config && !o.check && realpath(o.config, abs))
		o.config = abs;
	if (o.reload_pid)
		return reloadctl_request((pid_t)o.reload_pid, o.config, 30000);
	rc = loop_config(o.config, &cfg, err, sizeof(err));
	/* --check-config touches no hardware, --failsafe with it neither */
	if (o.failsafe && !o.check)
		return failsafe_run(&cfg, rc < 0 ? err : NULL, o.hold);
	if (rc < 0) {
		fprintf(stderr, "pirackd: %s\n", err);
		return 2;
	}
	if (o.check) {
		printf("%s: configuration ok\n",
		       cfg.path[0] ? cfg.path : "built-in defaults");
		return 0;
	}
	agent_init(&a, &cfg);
	a.verbose = o.verbose;
	if (loop_init(&l, o.config, err, sizeof(err)) < 0 ||
	    agent_start(&a, err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (!o.foreground) {
		if (daemon(0, 0) < 0)
			fatal("daemon");
		log_init(o.verbose, true);
	}
	agent_tick(&a); /* the fan is on until this reads */
	agent_view(&a, &view);
	notify_ready(&l.notify, &view);
	log_info("running as %s from %s, sampling every %d ms", a.cfg.node.name,
		 a.cfg.path[0] ? a.cfg.path : "defaults",
		 a.cfg.thermal.interval_ms);
	rc = pirackd_run(&l, &a);
	notify_stopping(&l.notify);
	agent_stop(&a);
	loop_free(&l);
	log_info("stopped");
	return rc;
}
