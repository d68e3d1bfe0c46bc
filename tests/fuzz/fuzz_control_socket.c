/* fuzz_control_socket.c: raw bytes on the real control socket. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "agent/agent.h"
#include "agent/control.h"
#include "fuzz.h"

/*
 * One agent with its control socket for the whole run; each input is what
 * one client sends before shutting down its side. control.c splits it
 * into lines, refuses NUL bytes and over-long lines, holds lines back
 * while replies go unread: whatever the bytes, every line gets exactly one
 * JSON reply, in order, and the agent closes the connection at the end.
 */
static struct agent fuzz_agent;
static struct control *fuzz_ctl;
static char fuzz_dir[64], fuzz_path[96];

static void fuzz_cleanup(void)
{
	control_close(fuzz_ctl);
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char err[256];

	(void)argc;
	(void)argv;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_ctl.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz_control_socket: mkdtemp");
		exit(1);
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/agent.sock", fuzz_dir);
	fuzz_ctl = control_open(fuzz_path, agent_request, &fuzz_agent, err,
				sizeof(err));
	if (!fuzz_ctl) {
		fprintf(stderr, "fuzz_control_socket: %s\n", err);
		exit(1);
	}
	atexit(fuzz_cleanup);
	return 0;
}

/* A fresh agent (no devices) around the one socket, for repeatability. */
static void fuzz_reset(void)
{
	struct config c;

	config_defaults(&c);
	strcpy(c.node.name, "rpi-0");
	c.mqtt.enabled = false;
	agent_init(&fuzz_agent, &c);
	fuzz_agent.control = fuzz_ctl;
}

/* The replies control.c owes for these bytes, and what each must say. */
enum fuzz_want { W_ANY, W_NUL, W_LONG };

static size_t fuzz_expect(const uint8_t *data, size_t size,
			  enum fuzz_want *want)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i == size && i == start)
			break; /* nothing after the last newline */
		if (i - start >= CONTROL_LINE_MAX)
			want[n++] = W_LONG;
		else if (memchr(data + start, '\0', i - start))
			want[n++] = W_NUL;
		else
			want[n++] = W_ANY;
		start = i + 1;
	}
	return n;
}

static void fuzz_check_reply(const char *r, enum fuzz_want want)
{
	cJSON *o = cJSON_Parse(r), *e;

	FUZZ_CHECK(cJSON_IsObject(o), "reply not a JSON object: %s", r);
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (want == W_LONG)
		FUZZ_CHECK(e && !strcmp(e->valuestring, "request too long"),
			   "over-long line answered %s", r);
	if (want == W_NUL)
		FUZZ_CHECK(e && strstr(e->valuestring, "NUL"),
			   "line with a NUL answered %s", r);
	FUZZ_CHECK(e || cJSON_GetObjectItemCaseSensitive(o, "ok") ||
		       cJSON_GetObjectItemCaseSensitive(o, "node"),
		   "reply neither error, ok nor data: %s", r);
	cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pollfd pfd[CONTROL_MAX_CLIENTS + 1];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	enum fuzz_want *want = malloc((size + 1) * sizeof(*want));
	size_t nwant = fuzz_expect(data, size, want), sent = 0, got = 0;
	size_t cap = 4096, nlines = 0;
	char *in = malloc(cap), *line, *nl;
	bool eof = false;
	int fd, rounds;

	fuzz_reset();
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fuzz_path);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
		   "connect: %s", strerror(errno));
	if (!size)
		shutdown(fd, SHUT_WR);
	/* Client and agent in turn, as poll() would run them. */
	for (rounds = 0; !eof && rounds < 100000; rounds++) {
		size_t n;
		ssize_t r;

		if (sent < size) {
			r = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (r > 0 && (sent += r) == size)
				shutdown(fd, SHUT_WR);
		}
		n = control_pollfds(fuzz_ctl, pfd, CONTROL_MAX_CLIENTS + 1);
		if (poll(pfd, n, 0) > 0)
			control_service(fuzz_ctl, pfd, n);
		if (got + 2048 > cap)
			in = realloc(in, cap *= 2);
		r = read(fd, in + got, cap - got - 1);
		if (r == 0)
			eof = true;
		else if (r > 0)
			got += r;
	}
	close(fd);
	FUZZ_CHECK(eof,
		   "the agent never closed the connection (sent %zu of "
		   "%zu bytes, %zu bytes of replies)",
		   sent, size, got);
	FUZZ_CHECK(control_nclients(fuzz_ctl) == 0, "client left open");
	in[got] = '\0';
	FUZZ_CHECK(!got || in[got - 1] == '\n', "last reply not a line");
	FUZZ_CHECK(strlen(in) == got, "a NUL byte in the replies");
	for (line = in; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		FUZZ_CHECK(nlines < nwant,
			   "more replies than the %zu lines: "
			   "%s",
			   nwant, line);
		fuzz_check_reply(line, want[nlines++]);
	}
	FUZZ_CHECK(nlines == nwant, "%zu replies to %zu lines", nlines, nwant);
	free(in);
	free(want);
	return 0;
}
