/* test_pace_agent.c: lib/pace_agent.c against a real socket, canned replies. */
#include <errno.h>
#include <math.h>
#include <poll.h>
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

/*
 * pace_agent_poll until it has news (not 0) or nothing is in flight,
 * waiting on the socket between calls; at most limit_s.
 */
static int poll_for(struct pace_agent *ag, struct pace_reading *rd,
		    double limit_s)
{
	double end = mono() + limit_s;
	int rc;

	while ((rc = pace_agent_poll(ag, mono(), rd)) == 0 &&
	       pace_agent_busy(ag) && mono() < end) {
		struct pollfd pfd = { .fd = ag->fd, .events = POLLIN };

		poll(&pfd, 1, 100);
	}
	return rc;
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
 * connection finds it closed, and is sent again on a new one at once,
 * waited for or posted.
 */
static void test_pace_reconnect(void **state)
{
	static const char *const r[] = { "{\"pace\":0.5}\n", "",
					 "{\"pace\":0.25}\n", "",
					 "{\"pace\":0.125}\n" };
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 5);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 0.5);
	assert_int_equal(pace_agent_pace(&ag, mono(), &rd), 0);
	assert_true(rd.pace == 0.25);
	assert_int_equal(pace_agent_post(&ag, mono(), NULL), 0);
	assert_int_equal(poll_for(&ag, &rd, 5), 1);
	assert_true(rd.pace == 0.125);
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

/* Posted: the request is sent and the call returns; the replies (the
 * pace's, then the report's) are taken when they came, in order. */
static void test_post(void **state)
{
	static const char *const r[] = { "{\"pace\":0.5,\"node\":\"n3\"}\n",
					 "{\"ok\":true}\n", "{\"pace\":0.25}\n",
					 "{\"ok\":false,\"error\":\"no\"}\n",
					 "{\"pace\":0.125}\n" };
	struct pace_reading rd = { .pace = -1 };
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 5);
	pace_agent_init(&ag, s->path);
	assert_false(pace_agent_busy(&ag));
	assert_int_equal(pace_agent_poll(&ag, mono(), &rd), 0); /* none */
	assert_int_equal(pace_agent_post(&ag, mono(), "{\"job\":\"x\"}"), 0);
	assert_true(pace_agent_busy(&ag));
	/* one in flight at a time; that is no failure */
	assert_int_equal(pace_agent_post(&ag, mono(), NULL), -1);
	assert_int_equal(ag.failures, 0);
	assert_int_equal(poll_for(&ag, &rd, 5), 1);
	assert_true(rd.pace == 0.5);
	assert_string_equal(rd.node, "n3");
	assert_int_equal(poll_for(&ag, &rd, 5), 0); /* the report's ok */
	assert_false(pace_agent_busy(&ag));
	assert_string_equal(ag.err, "");
	/* a refused report says so and costs nothing else */
	assert_int_equal(pace_agent_post(&ag, mono(), "{\"job\":\"y\"}"), 0);
	assert_int_equal(poll_for(&ag, &rd, 5), 1);
	assert_true(rd.pace == 0.25);
	assert_int_equal(poll_for(&ag, &rd, 5), 0);
	assert_false(pace_agent_busy(&ag));
	assert_non_null(strstr(ag.err, "report refused: no"));
	assert_int_equal(ag.failures, 0);
	/* no report: the pace alone */
	assert_int_equal(pace_agent_post(&ag, mono(), NULL), 0);
	assert_int_equal(poll_for(&ag, &rd, 5), 1);
	assert_true(rd.pace == 0.125);
	assert_false(pace_agent_busy(&ag));
	assert_int_equal(ag.failures, 0);
	pace_agent_close(&ag);
	srv_stop(s);
}

/* No reply by the deadline: a failure then, not before, and the retry
 * wait as for a request that waited. */
static void test_post_timeout(void **state)
{
	static const char *const r[] = { NULL };
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;
	double t0 = mono();

	srv_start(s, r, 1);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_post(&ag, t0, NULL), 0);
	assert_int_equal(pace_agent_poll(&ag, t0 + ag.timeout_s / 2, &rd), 0);
	assert_true(pace_agent_busy(&ag));
	assert_int_equal(pace_agent_poll(&ag, t0 + ag.timeout_s, &rd), -1);
	assert_non_null(strstr(ag.err, "no reply within"));
	assert_int_equal(ag.failures, 1);
	assert_false(pace_agent_busy(&ag));
	assert_true(ag.retry_at > t0 + ag.timeout_s);
	assert_int_equal(pace_agent_post(&ag, t0 + ag.timeout_s, NULL), -1);
	srv_stop(s);
}

/* A hang-up on a new connection and a bad pace reply are failures (the
 * fake agent serves the next connection after it hung up, and stops
 * when the client closed). */
static void test_post_bad(void **state)
{
	static const char *const r[] = { "", "{\"pace\":7}\n" };
	struct pace_reading rd;
	struct pace_agent ag;
	struct srv *s = *state;

	srv_start(s, r, 2);
	pace_agent_init(&ag, s->path);
	assert_int_equal(pace_agent_post(&ag, mono(), NULL), 0);
	assert_int_equal(poll_for(&ag, &rd, 5), -1);
	assert_non_null(strstr(ag.err, "connection closed by the agent"));
	ag.retry_at = 0;
	assert_int_equal(pace_agent_post(&ag, mono(), NULL), 0);
	assert_int_equal(poll_for(&ag, &rd, 5), -1);
	assert_non_null(strstr(ag.err, "no pace in [0,1]"));
	assert_int_equal(ag.failures, 2);
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
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_post_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
