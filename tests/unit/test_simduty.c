/* test_simduty.c: unit tests of the throttling helper (real processes). */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "clock.h"
#include "sim/simduty.h"
#include "fixture.h"

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive us */
		for (;;)
			pause();
	}
	return pid;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Polls up to 10 s (the box is loaded) for the state to be seen. */
static bool seen_state(pid_t pid, char want)
{
	for (int i = 0; i < 10000; i++) {
		if (fixture_proc_state(pid) == want)
			return true;
		nap_ms(1);
	}
	return false;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* At speed 0.3 the rank is stopped part of the time, then continued. */
static void test_cycles_and_stops(void **state)
{
	struct simduty d;
	pid_t r = spawn_sleeper();

	(void)state;
	assert_int_equal(simduty_start(&d), 0);
	simduty_set(&d, 0.3, &r, 1);
	assert_true(seen_state(r, 'T'));
	assert_true(seen_state(r, 'S'));
	/* back at full speed: stays running */
	simduty_set(&d, 1, &r, 1);
	assert_true(seen_state(r, 'S'));
	for (int i = 0; i < 20; i++) {
		nap_ms(5);
		assert_true(fixture_proc_state(r) != 'T');
	}
	simduty_stop(&d);
	reap(r);
}

/* Ending the helper (the agent exits or dies) leaves no rank stopped. */
static void test_stop_continues(void **state)
{
	struct simduty d;
	pid_t r = spawn_sleeper();

	(void)state;
	assert_int_equal(simduty_start(&d), 0);
	simduty_set(&d, 0.01, &r, 1);
	assert_true(seen_state(r, 'T'));
	simduty_stop(&d);
	assert_true(fixture_proc_state(r) != 'T');
	assert_int_equal(d.child, -1);
	simduty_set(&d, 0.5, &r, 1); /* after stop: ignored, no crash */
	reap(r);
}

/* A rank dropped from the set is continued and left alone. */
static void test_dropped_pid_continued(void **state)
{
	struct simduty d;
	pid_t r[2] = { spawn_sleeper(), spawn_sleeper() };

	(void)state;
	assert_int_equal(simduty_start(&d), 0);
	simduty_set(&d, 0.01, r, 2);
	assert_true(seen_state(r[0], 'T'));
	simduty_set(&d, 0.01, r + 1, 1);
	assert_true(seen_state(r[0], 'S'));
	for (int i = 0; i < 20; i++) {
		nap_ms(5);
		assert_true(fixture_proc_state(r[0]) != 'T');
	}
	simduty_stop(&d);
	reap(r[0]);
	reap(r[1]);
}

/*
 * The time the cycler held the ranks stopped, which the sim reads: at
 * speed 0.4 it is 0.6 of the time, over a second (the cycler carries a
 * late wake-up into the next period); at full speed it stops growing; 0
 * before the cycler starts and after it ends.
 */
static void test_stopped_time(void **state)
{
	struct simduty d = { .clock = NULL };
	pid_t r = spawn_sleeper();
	double t0, s0, s1, t1, s2;

	(void)state;
	assert_true(simduty_stopped_s(&d) == 0);
	assert_int_equal(simduty_start(&d), 0);
	assert_true(simduty_stopped_s(&d) == 0);
	simduty_set(&d, 0.4, &r, 1);
	assert_true(seen_state(r, 'T'));
	t0 = clock_s();
	s0 = simduty_stopped_s(&d);
	nap_ms(1000);
	t1 = clock_s();
	s1 = simduty_stopped_s(&d);
	print_message("stopped %.3f of %.3f s\n", s1 - s0, t1 - t0);
	assert_true(fabs((s1 - s0) / (t1 - t0) - 0.6) < 0.1);
	simduty_set(&d, 1, &r, 1);
	assert_true(seen_state(r, 'S'));
	s1 = simduty_stopped_s(&d);
	nap_ms(100);
	s2 = simduty_stopped_s(&d);
	assert_true(s2 == s1);
	simduty_stop(&d);
	assert_true(simduty_stopped_s(&d) == 0);
	reap(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_time),
		cmocka_unit_test(test_cycles_and_stops),
		cmocka_unit_test(test_stop_continues),
		cmocka_unit_test(test_dropped_pid_continued),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
