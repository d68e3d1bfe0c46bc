/* test_pace_agent.c: lib/pace_agent.c against a real socket, canned replies. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/pace_agent.h"
#include "fixture.h"

/* One per test (setup/teardown): a failed assertion still kills the
 * server and removes its directory. */
struct srv {
	char dir[FIXTURE_PATH_MAX];
	char path[PACE_AGENT_PATH_MAX];
	pid_t pid; /* the server, 0 when none runs */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * A child process listens on a Unix socket and answers each request line
 * on one connection with the next canned reply, sent as is (NULL: keep the
 * connection open without answering; "": hang up, serve the next one).
 */
static void srv_start(struct srv *s, const char *const *replies, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd;
	char buf[4096];
	size_t i, got;

	assert_true(strlen(s->dir) + sizeof("/agent.sock") <=
		    sizeof(sa.sun_path));
	snprintf(s->path, sizeof(s->path), "%s/agent.sock", s->dir);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid > 0) {
		close(lfd);
		return;
	}
	alarm(20); /* never outlive a test that failed before srv_stop */
	fd = accept(lfd, NULL, NULL);
	for (i = 0; fd >= 0 && i < n; i++) {
		for (got = 0; got < sizeof(buf) - 1;) { /* one line */
			ssize_t r = read(fd, buf + got, 1);

			if (r <= 0)
				_exit(0);
			if (buf[got++] == '\n')
				break;
		}
		if (!replies[i]) {
			pause();
			_exit(0);
		}
		if (!*replies[i]) { /* hang up; serve the next connection */
			close(fd);
			fd = accept(lfd, NULL, NULL);
			continue;
		}
		if (write(fd, replies[i], strlen(replies[i])) < 0)
			_exit(1);
	}
	pause();
	_exit(0);
}

static void srv_stop(struct srv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	unlink(s->path);
}

static int setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));

	if (!s || fixture_mkdtemp(s->dir, sizeof(s->dir), "pace_agent") < 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct srv *s = *state;

	srv_stop(s);
	fixture_rm(s->dir);
	free(s);
	return 0;
}

static void test_pace_reply(void **state)
{
	static const char *const r[] = {
		"{\"node\":\"rpi-0\",\"pace\":0.73,\"temp_c\":71.2,"
		"\"target_c\":70,\"limit_c\":80,\"fan\":\"on\","
		"\"fault\":false,\"throttled\":true,\"ts\":1700000000}\n",
		"{\"pace\":1,\"temp_c\":null}\n",
	};
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 2);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_string_equal(rd.node, "rpi-0");
	assert_int_equal(rd.source, PACE_SOURCE_AGENT);
	assert_true(fabs(rd.pace - 0.73) < 1e-12);
	assert_true(fabs(rd.temp_c - 71.2) < 1e-12);
	assert_true(rd.target_c == 70 && rd.limit_c == 80);
	assert_string_equal(rd.fan, "on");
	assert_false(rd.fault);
	assert_true(rd.throttled);
	assert_true(rd.ts == 1700000000);
	/* A second request on the same connection. */
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 1 && isnan(rd.temp_c));
	assert_int_equal(ag.failures, 0);
	pace_agent_close(&ag);
	srv_stop(s);
}

/* Each bad reply is "no agent": -1, the reason kept, a retry later. */
static void check_bad(struct srv *s, const char *reply, const char *why)
{
	const char *const r[] = { reply };
	struct pace_reading rd;
	struct pace_agent ag;
	double t0;

	srv_start(s, r, 1);
	pace_agent_init(&ag, s->path);
	ag.timeout_s = 0.3;
	t0 = mono();
	assert_int_equal(pace_agent_pace(&ag, t0, &rd), -1);
	assert_true(mono() - t0 < 2.0); /* the deadline held */
	if (!strstr(ag.err, why))
		fail_msg("reply '%s': error '%s', want '%s'",
			 reply ? reply : "(none)", ag.err, why);
	assert_int_equal(ag.fd, -1);
	assert_int_equal(ag.failures, 1);
	/* Not retried before retry_s has passed: no connect, no wait. */
	assert_int_equal(pace_agent_pace(&ag, t0 + 1, &rd), -1);
	assert_int_equal(ag.failures, 1);
	srv_stop(s);
}

static void test_pace_bad_replies(void **state)
{
	struct srv *s = *state;

	check_bad(s, "not json\n", "not a JSON object");
	check_bad(s, "[1,2]\n", "not a JSON object");
	check_bad(s, "{\"error\":\"unknown command\"}\n", "unknown command");
	check_bad(s, "{\"pace\":1.5}\n", "no pace");
	check_bad(s, "{\"pace\":\"1\"}\n", "no pace");
	check_bad(s, "{\"temp_c\":50}\n", "no pace");
	check_bad(s, NULL, "no reply");		   /* a hung agent */
	check_bad(s, "{\"pace\":0.5", "no reply"); /* no newline */
	check_bad(s, "", "closed");		   /* it went away */
}

static void test_pace_no_agent(void **state)
{
	struct pace_reading rd;
	struct pace_agent ag;
	double t;

	(void)state;
	pace_agent_init(&ag, "/nonexistent/pirack/agent.sock");
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), -1);
	assert_non_null(strstr(ag.err, "connect"));
	/* Failures in a row thin the attempts out: 5 s, 10 s, 20 s ... 60 s. */
	assert_true(ag.retry_at - mono() > 4 && ag.retry_at - mono() <= 5);
	assert_int_equal(pace_agent_pace(&ag, ag.retry_at, &rd), -1);
	assert_true(ag.retry_at - mono() > 14 && ag.retry_at - mono() <= 15.1);
	for (int i = 0; i < 6; i++) {
		t = ag.retry_at;
		pace_agent_pace(&ag, t, &rd);
	}
	assert_int_equal(ag.failures, 8);
	assert_true(fabs(ag.retry_at - t - 60) < 1e-6);
	pace_agent_init(
	    &ag,
	    "/tmp/"
	    "a-path-much-too-long-for-sun_path-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), -1);
}

static void test_report(void **state)
{
	static const char *const r[] = {
		"{\"ok\":true}\n",
		"{\"error\":\"job too large\"}\n",
		"{\"pace\":0.5}\n",
	};
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 3);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_report(&ag, mono(), "{\"job\":\"x\"}"), 0);
	/* A refused report leaves the agent usable. */
	assert_int_equal(pace_agent_report(&ag, mono(), "{\"job\":\"y\"}"), 1);
	assert_non_null(strstr(ag.err, "job too large"));
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 0.5);
	pace_agent_close(&ag);
	srv_stop(s);
}

/*
 * The agent restarted or dropped an idle client: a request on the old
 * connection finds it closed, and is sent again on a new one at once.
 */
static void test_pace_reconnect(void **state)
{
	static const char *const r[] = { "{\"pace\":0.5}\n", "",
					 "{\"pace\":0.25}\n" };
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 3);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 0.5);
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 0.25);
	assert_int_equal(ag.failures, 0);
	pace_agent_close(&ag);
	srv_stop(s);
}

static void test_throttle(void **state)
{
	static const char pi[] = "{\"pace\":1,\"throttled\":{\"raw\":327685,"
				 "\"throttled\":true}}\n";
	static const char *const r[] = {
		pi,
		"{\"pace\":1,\"throttled\":null}\n",
		"{\"node\":\"x\"}\n",
	};
	struct pace_agent ag;
	struct srv *s = *state;
	int64_t raw;

	srv_start(s, r, 3);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_throttle(&ag, mono(), &raw), 0);
	assert_int_equal(raw, 0x50005);
	assert_int_equal(pace_agent_throttle(&ag, mono(), &raw), 0);
	assert_int_equal(raw, -1); /* not a Pi */
	assert_int_equal(pace_agent_throttle(&ag, mono(), &raw), -1);
	assert_non_null(strstr(ag.err, "bad reply to status"));
	srv_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pace_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pace_bad_replies, setup,
						teardown),
		cmocka_unit_test(test_pace_no_agent),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pace_reconnect, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
