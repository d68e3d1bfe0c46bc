/* ctl.c: a tiny control-socket client for the tests (socat is not here). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fputs("Usage: ctl [-p N] [-r] [-s] [-t SECS] SOCKET REQUEST...\n"
	      "Sends each REQUEST as a line on one connection and prints the\n"
	      "reply lines; exit 0 when one reply came per request.\n"
	      "  -p N     N connections at once, each sending every request\n"
	      "  -r       raw: send the REQUESTs as given, no newlines added,\n"
	      "           then shut down writing; print whatever comes back\n"
	      "  -s       stall: send, then neither read nor close (a dead\n"
	      "           client) until killed\n"
	      "  -t SECS  give up after SECS (default 10)\n",
	      stderr);
	exit(2);
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void ctl_send(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0) {
			fprintf(stderr, "ctl: write: %s\n", strerror(errno));
			exit(1);
		}
		s += n;
		len -= n;
	}
}

/* Reads until want newlines (or EOF when want < 0); prints it all. */
static int ctl_read(int fd, int want, time_t deadline)
{
	char buf[4096];
	int got = 0;

	while (want < 0 || got < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - time(NULL));
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0) {
			fprintf(stderr, "ctl: timed out (%d replies)\n", got);
			return -1;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, n, stdout);
		for (ssize_t i = 0; i < n; i++)
			got += buf[i] == '\n';
	}
	fflush(stdout);
	return want < 0 || got >= want ? 0 : -1;
}

int main(int argc, char **argv)
{
	int par = 1, raw = 0, stall = 0, secs = 10, ch, rc = 0, nreq;
	int *fds;
	char *req;
	size_t len = 0;
	time_t deadline;

	while ((ch = getopt(argc, argv, "p:rst:")) != -1) {
		switch (ch) {
		case 'p':
			par = atoi(optarg);
			break;
		case 'r':
			raw = 1;
			break;
		case 's':
			stall = 1;
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 1 || par < 1)
		usage();
	nreq = argc - optind - 1;
	deadline = time(NULL) + secs;
	fds = calloc(par, sizeof(*fds));
	for (int i = 0; i < par; i++)
		fds[i] = ctl_connect(argv[optind]);
	/* All requests in one buffer: one write, as a pipelining client. */
	for (int r = 0; r < nreq; r++)
		len += strlen(argv[optind + 1 + r]) + 1;
	req = malloc(len + 1);
	len = 0;
	for (int r = 0; r < nreq; r++) {
		const char *q = argv[optind + 1 + r];

		memcpy(req + len, q, strlen(q));
		len += strlen(q);
		if (!raw)
			req[len++] = '\n';
	}
	for (int i = 0; i < par; i++) {
		ctl_send(fds[i], req, len);
		if (raw)
			shutdown(fds[i], SHUT_WR);
	}
	free(req);
	if (stall)
		for (;;)
			pause();
	for (int i = 0; i < par; i++) {
		if (ctl_read(fds[i], raw ? -1 : nreq, deadline) < 0)
			rc = 1;
		close(fds[i]);
	}
	free(fds);
	return rc;
}
