/* sdnotify.c: a stand-in for systemd's NOTIFY_SOCKET, printing each
 * datagram it receives followed by a "--" line, until killed. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fputs("Usage: sdnotify SOCKET_PATH\n", stderr);
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		fwrite(buf, 1, n, stdout);
		fputs("\n--\n", stdout);
		fflush(stdout);
	}
	perror("recv");
	return 1;
}
