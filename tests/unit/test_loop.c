/*
 * test_loop.c: agent/loop.c with a real agent (sim GPIO, a fake sysfs,
 * its control socket in a temp dir): the config it loads, the tick timer,
 * SIGHUP reloading only what changed (named in the log), a refused file,
 * SIGTERM, and the deadlines poll() sleeps to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent.h"
#include "agent/loop.h"
#include "agent/mqtt.h"
#include "fixture.h"
#include "lib/log.h"

static char dir[FIXTURE_PATH_MAX], conf[FIXTURE_PATH_MAX + 16];
static char logpath[FIXTURE_PATH_MAX + 16];

/*
 * agent.conf in the temp dir: fan keys from line 9 on (NULL: line = 14),
 * the control socket's file name in the temp dir (NULL: agent.sock).
 */
static void write_conf(const char *fan, const char *sock)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[node]\nname = loop1\n"
		 "[thermal]\nsysfs_root = %s/sys\ninterval_ms = 20\n"
		 "[fan]\ndriver = gpio\nchip = gpiochip0\n%s"
		 "[led]\ndriver = none\n"
		 "[gpio]\nbackend = sim\nsim_dir = %s/gpio\n"
		 "[mqtt]\nenabled = false\n"
		 "[control]\nsocket = %s/%s\n",
		 dir, fan ? fan : "line = 14\n", dir, dir,
		 sock ? sock : "agent.sock");
	fixture_put(dir, "agent.conf", text);
}

static int setup(void **state)
{
	(void)state;
	if (fixture_mkdtemp(dir, sizeof(dir), "loop") < 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/agent.conf", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fixture_put(dir, "sys/class/thermal/thermal_zone0/type",
		    "cpu-thermal\n");
	fixture_put(dir, "sys/class/thermal/thermal_zone0/temp", "40000\n");
	write_conf(NULL, NULL);
	log_init(false, false);
	return 0;
}

/* Each test starts from the base file. */
static int base_conf(void **state)
{
	(void)state;
	write_conf(NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rm(dir);
}

/* stderr (the log) into logpath while the test runs; restored by log_end. */
static int log_fd = -1;

static void log_begin(void)
{
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	fflush(stderr);
	log_fd = dup(2);
	assert_true(log_fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

/* The log since log_begin (malloc'd), stderr back where it was. */
static char *log_end(void)
{
	char *text;

	fflush(stderr);
	assert_int_equal(dup2(log_fd, 2), 2);
	close(log_fd);
	text = fixture_read(logpath);
	assert_non_null(text);
	return text;
}

/* needle is (or is not) in the log; the log shown when not as wanted. */
static void log_has(const char *log, const char *needle, bool want)
{
	if ((strstr(log, needle) != NULL) != want)
		fail_msg("log %s \"%s\":\n%s", want ? "lacks" : "has", needle,
			 log);
}

/* The test's loop and agent: static, so a failed test's are still there
 * for the teardown to stop. */
static struct loop the_loop;
static struct agent the_agent;
static bool running;

/* A loop and a started agent on the current agent.conf. */
static void start(struct loop *l, struct agent *a)
{
	struct config c;
	char err[512];

	assert_int_equal(loop_config(conf, &c, err, sizeof(err)), 0);
	assert_int_equal(loop_init(l, conf, err, sizeof(err)), 0);
	agent_init(a, &c);
	assert_int_equal(agent_start(a, err, sizeof(err)), 0);
	running = true;
	agent_tick(a);
}

static void stop(struct loop *l, struct agent *a)
{
	running = false;
	agent_stop(a);
	loop_free(l);
}

/* After each test: what a failed one left running goes. */
static int stop_left(void **state)
{
	(void)state;
	if (running)
		stop(&the_loop, &the_agent);
	return 0;
}

/* Waits (poll, with a deadline) for fd to become readable. */
static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void test_config(void **state)
{
	struct config c;
	char err[512], want[FIXTURE_PATH_MAX + 64];

	(void)state;
	assert_int_equal(loop_config(conf, &c, err, sizeof(err)), 0);
	assert_string_equal(c.node.name, "loop1");
	assert_int_equal(c.thermal.interval_ms, 20);

	/* FILE:LINE of the bad key */
	write_conf("line = 14\nactive_low = maybe\n", NULL);
	assert_int_equal(loop_config(conf, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:10: [fan] active_low", conf);
	assert_non_null(strstr(err, want));
}

static void test_tick_timer(void **state)
{
	struct loop *l = &the_loop;
	struct agent *a = &the_agent;

	(void)state;
	start(l, a);
	assert_false(readable(l->tick_fd, 0));
	loop_arm(l, a);
	assert_int_equal(l->interval_ms, 20);
	/* every interval_ms: two in a row */
	assert_true(readable(l->tick_fd, 2000));
	loop_drain(l->tick_fd);
	assert_true(readable(l->tick_fd, 2000));
	loop_drain(l->tick_fd);
	/* no LED: no blink timer */
	assert_int_equal(l->blink_ms, 0);
	stop(l, a);
}

/* SIGHUP as pirackd gets it: pending on the signalfd, then handled. */
static bool hup(struct loop *l, struct agent *a)
{
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_true(readable(l->sig_fd, 2000));
	return loop_signal(l, a);
}

static void test_sighup_reload(void **state)
{
	struct loop *l = &the_loop;
	struct agent *a = &the_agent;
	char *log, path[FIXTURE_PATH_MAX + 32];

	(void)state;
	start(l, a);

	/* the same file again: nothing to redo */
	log_begin();
	assert_false(hup(l, a));
	log = log_end();
	log_has(log, "reload: nothing changed", true);
	free(log);

	/* a policy key: taken, named, the lines left alone */
	write_conf("line = 14\non_c = 55\noff_c = 45\n", NULL);
	log_begin();
	assert_false(hup(l, a));
	log = log_end();
	assert_true(a->cfg.fan.on_c == 55);
	log_has(log, "reload: changed [fan] on_c, [fan] off_c", true);
	log_has(log, "re-requesting", false);
	log_has(log, "reconnecting", false);
	free(log);

	/* the fan's line: released and requested anew */
	write_conf("line = 15\n", NULL);
	log_begin();
	assert_false(hup(l, a));
	log = log_end();
	assert_int_equal(a->cfg.fan.line, 15);
	log_has(log,
		"changed [fan] line, [fan] on_c, [fan] off_c; "
		"re-requesting the fan/LED lines",
		true);
	free(log);
	snprintf(path, sizeof(path), "%s/gpio/gpiochip0/15", dir);
	assert_int_equal(access(path, F_OK), 0);

	/* the socket moves: the new one is there, the old one gone */
	write_conf("line = 15\n", "b.sock");
	log_begin();
	assert_false(hup(l, a));
	log = log_end();
	log_has(log, "changed [control] socket; moving", true);
	free(log);
	snprintf(path, sizeof(path), "%s/b.sock", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/agent.sock", dir);
	assert_int_equal(access(path, F_OK), -1);

	/* a bad file: refused, the running config kept */
	write_conf("line = 16\non_c = oops\n", "b.sock");
	log_begin();
	assert_false(hup(l, a));
	log = log_end();
	log_has(log, "reload refused", true);
	assert_int_equal(a->cfg.fan.line, 15);
	free(log);
	stop(l, a);
}

static void test_sigterm_stops(void **state)
{
	struct loop *l = &the_loop;
	struct agent *a = &the_agent;

	(void)state;
	start(l, a);
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_true(readable(l->sig_fd, 2000));
	assert_true(loop_signal(l, a));
	stop(l, a);
}

static void test_timeouts(void **state)
{
	struct loop *l = &the_loop;
	struct agent *a = &the_agent;
	int t;

	(void)state;
	start(l, a);
	/* nothing but timerfds: poll may sleep until one fires */
	assert_int_equal(loop_timeout_ms(l, a), -1);
	assert_true(l->mqtt_due_ms == UINT64_MAX);

	/* a watchdog: at most its period */
	l->notify.watchdog_ms = 5000;
	l->notify.last_ping_ms = clock_ms();
	t = loop_timeout_ms(l, a);
	assert_true(t > 0 && t <= 5000);

	/* MQTT about to connect: at once, and noted as due */
	a->cfg.mqtt.enabled = true;
	strcpy(a->cfg.mqtt.host, "127.0.0.1");
	a->cfg.mqtt.port = 1;
	agent_mqtt_open(a);
	assert_non_null(a->mqtt);
	assert_int_equal(loop_timeout_ms(l, a), 0);
	assert_true(l->mqtt_due_ms <= clock_ms());
	l->notify.watchdog_ms = 0;
	stop(l, a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, base_conf,
						stop_left),
		cmocka_unit_test_setup_teardown(test_tick_timer, base_conf,
						stop_left),
		cmocka_unit_test_setup_teardown(test_sighup_reload, base_conf,
						stop_left),
		cmocka_unit_test_setup_teardown(test_sigterm_stops, base_conf,
						stop_left),
		cmocka_unit_test_setup_teardown(test_timeouts, base_conf,
						stop_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
