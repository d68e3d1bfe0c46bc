/* fuzz_pace_agent.c: libpirackpace reading the replies of a (fake) agent. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "fuzz.h"
#include "lib/pace_agent.h"

/*
 * A fake agent on a real Unix socket answers each request with the
 * input's bytes and hangs up, as a broken or hostile agent could: the
 * library must turn any reply into a reading or a clear failure, never
 * a crash, a hang or a pace outside [0, 1].
 */
static char fuzz_dir[64], fuzz_path[108];
static int fuzz_listen = -1;
static const uint8_t *fuzz_reply;
static size_t fuzz_reply_len;
/* Connections the fake agent has finished: the input outlives them. */
static pthread_mutex_t fuzz_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fuzz_cond = PTHREAD_COND_INITIALIZER;
static unsigned long fuzz_served;

static void fuzz_wait_served(unsigned long n)
{
	pthread_mutex_lock(&fuzz_lock);
	while (fuzz_served < n)
		pthread_cond_wait(&fuzz_cond, &fuzz_lock);
	pthread_mutex_unlock(&fuzz_lock);
}

static void *fuzz_agent(void *arg)
{
	char req[4096];

	(void)arg;
	for (;;) {
		int fd = accept(fuzz_listen, NULL, NULL);
		size_t got = 0;
		ssize_t n;

		if (fd < 0)
			continue;
		/* the request line first, so the reply answers it */
		while (got < sizeof(req) &&
		       (n = read(fd, req + got, sizeof(req) - got)) > 0) {
			got += n;
			if (memchr(req, '\n', got))
				break;
		}
		for (size_t sent = 0; sent < fuzz_reply_len; sent += n) {
			n = send(fd, fuzz_reply + sent, fuzz_reply_len - sent,
				 MSG_NOSIGNAL);
			if (n <= 0)
				break;
		}
		close(fd);
		pthread_mutex_lock(&fuzz_lock);
		fuzz_served++;
		pthread_cond_signal(&fuzz_cond);
		pthread_mutex_unlock(&fuzz_lock);
	}
	return NULL;
}

static void fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *tmp = getenv("TMPDIR");
	pthread_t t;

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_pace.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz_pace_agent: mkdtemp");
		exit(1);
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/agent.sock", fuzz_dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fuzz_path);
	fuzz_listen = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fuzz_listen < 0 ||
	    bind(fuzz_listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fuzz_listen, 16) < 0 ||
	    pthread_create(&t, NULL, fuzz_agent, NULL)) {
		perror("fuzz_pace_agent: fake agent");
		exit(1);
	}
	atexit(fuzz_cleanup);
	return 0;
}

static void fuzz_check_failed(const struct pace_agent *ag, double now)
{
	size_t n = strnlen(ag->err, sizeof(ag->err));

	FUZZ_CHECK(n > 0 && n < sizeof(ag->err), "failure without a message");
	FUZZ_CHECK(ag->fd == -1, "failed, connection left open");
	FUZZ_CHECK(ag->retry_at > now, "failed, retry not deferred");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pace_agent ag;
	struct pace_reading r;
	int64_t raw;
	int rc;

	unsigned long base;

	pthread_mutex_lock(&fuzz_lock);
	base = fuzz_served;
	fuzz_reply = data;
	fuzz_reply_len = size;
	pthread_mutex_unlock(&fuzz_lock);

	pace_agent_init(&ag, fuzz_path);
	ag.timeout_s = 2; /* the fake agent always hangs up at once */
	memset(&r, 0x55, sizeof(r));
	rc = pace_agent_pace(&ag, 1000, &r);
	FUZZ_CHECK(rc == 0 || rc == -1, "pace rc %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(r.pace >= 0 && r.pace <= 1, "pace %g", r.pace);
		FUZZ_CHECK(r.source == PACE_SOURCE_AGENT, "source %d",
			   r.source);
		FUZZ_CHECK(memchr(r.node, '\0', sizeof(r.node)) &&
			       memchr(r.fan, '\0', sizeof(r.fan)),
			   "node or fan unterminated");
		FUZZ_CHECK(isnan(r.temp_c) || isfinite(r.temp_c), "temp_c");
		FUZZ_CHECK(!ag.err[0], "success with error '%s'", ag.err);
	} else {
		fuzz_check_failed(&ag, 1000);
	}
	pace_agent_close(&ag);
	fuzz_wait_served(base + 1);

	pace_agent_init(&ag, fuzz_path);
	ag.timeout_s = 2;
	rc = pace_agent_throttle(&ag, 1000, &raw);
	FUZZ_CHECK(rc == 0 || rc == -1, "throttle rc %d", rc);
	FUZZ_CHECK(raw == -1 || (raw >= 0 && raw <= 0xffffffffLL), "raw %lld",
		   (long long)raw);
	if (rc < 0)
		fuzz_check_failed(&ag, 1000);
	pace_agent_close(&ag);
	fuzz_wait_served(base + 2);

	pace_agent_init(&ag, fuzz_path);
	ag.timeout_s = 2;
	rc = pace_agent_report(&ag, 1000, "{\"done\":1,\"total\":2}");
	FUZZ_CHECK(rc >= -1 && rc <= 1, "report rc %d", rc);
	if (rc < 0)
		fuzz_check_failed(&ag, 1000);
	else
		FUZZ_CHECK((rc == 0) == !ag.err[0], "report rc %d, err '%s'",
			   rc, ag.err);
	pace_agent_close(&ag);
	fuzz_wait_served(base + 3);

	/* Posted (pace and report in one send), the replies taken as they
	 * come: the fake agent's hang-up ends the wait in any case. */
	pace_agent_init(&ag, fuzz_path);
	ag.timeout_s = 2;
	rc = pace_agent_post(&ag, 1000, "{\"done\":1,\"total\":2}");
	FUZZ_CHECK(rc == 0 || rc == -1, "post rc %d", rc);
	while (rc >= 0 && pace_agent_busy(&ag)) {
		struct pollfd pfd = { .fd = ag.fd, .events = POLLIN };

		poll(&pfd, 1, 1000);
		memset(&r, 0x55, sizeof(r));
		rc = pace_agent_poll(&ag, 1000, &r);
		FUZZ_CHECK(rc >= -1 && rc <= 1, "poll rc %d", rc);
		if (rc == 1)
			FUZZ_CHECK(r.pace >= 0 && r.pace <= 1 &&
				       r.source == PACE_SOURCE_AGENT,
				   "posted: pace %g", r.pace);
	}
	if (rc < 0)
		fuzz_check_failed(&ag, 1000);
	else
		FUZZ_CHECK(ag.fd >= 0 && ag.inlen == 0, "done, fd %d, %zu left",
			   ag.fd, ag.inlen);
	pace_agent_close(&ag);
	fuzz_wait_served(base + 4);
	return 0;
}
