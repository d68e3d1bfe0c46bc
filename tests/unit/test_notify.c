/*
 * test_notify.c: the sd_notify datagrams, received on a real AF_UNIX
 * socket (a path in a temp dir, or an abstract name) as NOTIFY_SOCKET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/agent.h"
#include "fixture.h"
#include "agent/notify.h"

/* The "systemd" end: a bound datagram socket and what NOTIFY_SOCKET says. */
struct sink {
	char dir[FIXTURE_PATH_MAX];
	char env[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
};

static void sink_open(struct sink *k, int abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;

	memset(k->dir, 0, sizeof(k->dir));
	k->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(k->fd >= 0);
	if (abstract) {
		/* unique per process and call: tests may run in parallel */
		static unsigned serial;

		snprintf(k->env, sizeof(k->env), "@pirack-test-notify-%ld-%u",
			 (long)getpid(), serial++);
		memcpy(sa.sun_path, k->env, strlen(k->env));
		sa.sun_path[0] = '\0';
		len = offsetof(struct sockaddr_un, sun_path) + strlen(k->env);
	} else {
		assert_int_equal(
		    fixture_mkdtemp(k->dir, sizeof(k->dir), "notify"), 0);
		/* FIXTURE_PATH_MAX may exceed sun_path: a clear failure */
		assert_true(strlen(k->dir) + 8 < sizeof(k->env));
		memcpy(k->env, k->dir, strlen(k->dir));
		strcpy(k->env + strlen(k->dir), "/notify");
		strcpy(sa.sun_path, k->env);
		len = sizeof(sa);
	}
	assert_int_equal(bind(k->fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", k->env, 1), 0);
}

static void sink_close(struct sink *k)
{
	close(k->fd);
	assert_int_equal(fixture_rm(k->dir), 0);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* The next datagram (waiting up to 5 s: the machine is loaded). */
static void sink_expect(struct sink *k, const char *want)
{
	struct pollfd p = { .fd = k->fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	assert_int_equal(poll(&p, 1, 5000), 1);
	n = recv(k->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

/* Nothing queued: AF_UNIX datagrams arrive before sendto returns. */
static void sink_expect_none(struct sink *k)
{
	char buf[512];

	assert_int_equal(recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

/* What the reports see of a (agent_view), valid until the next call. */
static const struct report_view *view(const struct agent *a)
{
	static struct report_view v;

	agent_view(a, &v);
	return &v;
}

static struct agent *agent_new(void)
{
	struct agent *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	return a;
}

static void test_unset(void **state)
{
	struct agent *a = agent_new();
	struct notify n;
	(void)state;

	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "1000000", 1);
	notify_init(&n);
	assert_int_equal(n.fd, -1);
	assert_int_equal(n.watchdog_ms, 0); /* nobody to ping */
	errno = 0;
	notify_ready(&n, view(a));
	a->seq = 1;
	notify_tick(&n, view(a), 10000);
	notify_watchdog(&n, 20000);
	notify_reloading(&n);
	notify_stopping(&n);
	assert_int_equal(errno, 0);
	assert_int_equal(notify_timeout_ms(&n, 0), -1);
	notify_free(&n);
	unsetenv("WATCHDOG_USEC");
	free(a);
}

/* Not an absolute path nor an abstract name: ignored, like sd_notify. */
static void test_relative_ignored(void **state)
{
	struct notify n;
	(void)state;

	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	notify_init(&n);
	assert_int_equal(n.fd, -1);
	notify_free(&n);
	unsetenv("NOTIFY_SOCKET");
}

static void ready_status(int abstract)
{
	struct agent *a = agent_new();
	struct sink k;
	struct notify n;

	sink_open(&k, abstract);
	notify_init(&n);
	assert_true(n.fd >= 0);
	assert_int_equal(notify_timeout_ms(&n, 0), -1); /* no watchdog */

	notify_ready(&n, view(a));
	sink_expect(&k, "READY=1\nSTATUS=starting, fan on");

	/* STATUS= only when it changed; no WATCHDOG=1 without one */
	a->seq = 1;
	a->sample.temp_c = 51.25;
	a->fan_state.duty = 100;
	a->pace.pace = 0.5;
	notify_tick(&n, view(a), 1000);
	sink_expect(&k, "STATUS=51.2 °C, fan on (auto), pace 0.50");
	notify_tick(&n, view(a), 2000);
	notify_watchdog(&n, 100000);
	sink_expect_none(&k);

	a->cfg.fan.driver = FAN_DRIVER_PWM;
	a->fan_state.mode = FAN_MODE_MANUAL;
	a->fan_state.duty = 40;
	notify_tick(&n, view(a), 3000);
	sink_expect(&k, "STATUS=51.2 °C, fan 40% (manual), pace 0.50");

	a->sample.fault = true;
	snprintf(a->sample.fault_msg, sizeof(a->sample.fault_msg),
		 "thermal_zone0: missing");
	notify_tick(&n, view(a), 4000);
	sink_expect(&k, "STATUS=sensor fault, fan on: thermal_zone0: missing");

	notify_reloading(&n);
	sink_expect(&k, "RELOADING=1");
	/* a refused reload: every STATUS= ends with it until cleared */
	notify_note(&n, "reload refused: a.conf:3: bad");
	notify_ready(&n, view(a));
	sink_expect(&k,
		    "READY=1\nSTATUS=sensor fault, fan on: "
		    "thermal_zone0: missing; reload refused: a.conf:3: bad");
	a->sample.fault = false;
	notify_tick(&n, view(a), 5000);
	sink_expect(&k, "STATUS=51.2 °C, fan 40% (manual), pace 0.50; "
			"reload refused: a.conf:3: bad");
	notify_note(&n, "");
	notify_tick(&n, view(a), 6000);
	sink_expect(&k, "STATUS=51.2 °C, fan 40% (manual), pace 0.50");
	/* --failsafe --hold's own status line */
	notify_ready_status(&n, "fan held on: pirackd is not running");
	sink_expect(&k, "READY=1\nSTATUS=fan held on: pirackd is not running");
	notify_stopping(&n);
	sink_expect(&k, "STOPPING=1");
	sink_expect_none(&k);

	notify_free(&n);
	assert_int_equal(n.fd, -1);
	sink_close(&k);
	free(a);
}

static void test_path(void **state)
{
	(void)state;
	ready_status(0);
}

static void test_abstract(void **state)
{
	(void)state;
	ready_status(1);
}

/* WATCHDOG_USEC=2 s: pings every 1 s, as due from the tick or alone. */
static void watchdog_pings(struct sink *k)
{
	struct agent *a = agent_new();
	struct notify n;

	notify_init(&n);
	assert_int_equal(n.watchdog_ms, 1000);
	assert_int_equal(notify_timeout_ms(&n, 0), 1000);
	assert_int_equal(notify_timeout_ms(&n, 400), 600);
	assert_int_equal(notify_timeout_ms(&n, 5000), 0);

	notify_ready(&n, view(a));
	sink_expect(k, "READY=1\nSTATUS=starting, fan on");
	notify_watchdog(&n, 100); /* not due yet */
	sink_expect_none(k);
	notify_watchdog(&n, 600);
	sink_expect(k, "WATCHDOG=1");
	assert_int_equal(notify_timeout_ms(&n, 600), 1000);
	notify_watchdog(&n, 700);
	sink_expect_none(k);

	/* a changed status carries the ping along */
	a->seq = 1;
	a->sample.temp_c = 40;
	notify_tick(&n, view(a), 800);
	sink_expect(k, "STATUS=40.0 °C, fan off (auto), pace 0.00\n"
		       "WATCHDOG=1");
	/* an unchanged one pings alone, when due */
	notify_tick(&n, view(a), 900);
	sink_expect_none(k);
	notify_tick(&n, view(a), 1400);
	sink_expect(k, "WATCHDOG=1");
	notify_free(&n);
	free(a);
}

static void test_watchdog_no_pid(void **state)
{
	struct sink k;
	(void)state;

	sink_open(&k, 0);
	setenv("WATCHDOG_USEC", "2000000", 1);
	unsetenv("WATCHDOG_PID");
	watchdog_pings(&k);
	sink_close(&k);
}

static void test_watchdog_our_pid(void **state)
{
	struct sink k;
	char pid[32];
	(void)state;

	sink_open(&k, 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "2000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	watchdog_pings(&k);
	sink_close(&k);
}

/* Meant for another process (e.g. the parent's), or garbled: no pings. */
static void test_watchdog_not_ours(void **state)
{
	static const char *const usec[] = { "2000000", "2000000", "junk", "",
					    "12x" };
	struct agent *a = agent_new();
	struct sink k;
	char pid[32], want[64];
	(void)state;

	sink_open(&k, 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	for (size_t i = 0; i < sizeof(usec) / sizeof(usec[0]); i++) {
		struct notify n;

		setenv("WATCHDOG_USEC", usec[i], 1);
		if (i < 2) /* another pid, then init's */
			setenv("WATCHDOG_PID", i ? "1" : pid, 1);
		else
			unsetenv("WATCHDOG_PID");
		notify_init(&n);
		assert_true(n.fd >= 0);
		assert_int_equal(n.watchdog_ms, 0);
		assert_int_equal(notify_timeout_ms(&n, 0), -1);
		notify_watchdog(&n, 100000);
		sink_expect_none(&k);
		a->seq = i + 1;
		a->sample.temp_c = 30 + (double)i;
		notify_tick(&n, view(a), 200000);
		/* the status still goes, without WATCHDOG=1 */
		snprintf(want, sizeof(want),
			 "STATUS=%.1f °C, fan off (auto), pace 0.00",
			 30 + (double)i);
		sink_expect(&k, want);
		notify_free(&n);
	}
	sink_close(&k);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_relative_ignored),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_watchdog_no_pid),
		cmocka_unit_test(test_watchdog_our_pid),
		cmocka_unit_test(test_watchdog_not_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
