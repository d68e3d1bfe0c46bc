/* hold.c: many control-socket clients that hold their slots (attack tests). */
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
	fputs("Usage: hold [-b MS] N SOCKET\n"
	      "Opens N connections to SOCKET and holds them until killed:\n"
	      "silent, or with -b sending one byte of \"status\" every MS ms\n"
	      "on each (a trickle that never finishes a line; a connection\n"
	      "the agent closes is opened again). Prints \"ready\" once all\n"
	      "N are connected.\n",
	      stderr);
	exit(2);
}

static int hold_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	long every = 0;
	int opt, n = 0, *fds;

	while ((opt = getopt(argc, argv, "b:")) != -1) {
		if (opt != 'b')
			usage();
		every = strtol(optarg, NULL, 10);
		if (every <= 0)
			usage();
	}
	if (argc - optind != 2 || (n = atoi(argv[optind])) <= 0)
		usage();
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return 1;
	for (int i = 0; i < n; i++)
		if ((fds[i] = hold_connect(argv[optind + 1])) < 0) {
			fprintf(stderr, "hold: %s: %s\n", argv[optind + 1],
				strerror(errno));
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	for (unsigned k = 0;; k++) {
		struct timespec ts = { .tv_sec = every ? every / 1000 : 3600,
				       .tv_nsec = (every % 1000) * 1000000 };

		nanosleep(&ts, NULL); /* the attack's pace, not a sync */
		for (int i = 0; every && i < n; i++) {
			char c = "status"[k % 6];

			if (send(fds[i], &c, 1, MSG_NOSIGNAL) == 1)
				continue;
			close(fds[i]); /* dropped by the agent: again */
			fds[i] = hold_connect(argv[optind + 1]);
		}
	}
}
