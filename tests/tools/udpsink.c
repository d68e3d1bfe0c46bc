/* udpsink.c: a UDP server that reads and never answers (a dead DNS server). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[4096];
	FILE *ready;
	int fd;

	if (argc != 4) {
		fputs("Usage: udpsink ADDRESS PORT READY_FILE\n"
		      "Binds UDP ADDRESS:PORT, writes READY_FILE, then reads\n"
		      "datagrams forever without answering.\n",
		      stderr);
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "udpsink: %s: not an IPv4 address\n", argv[1]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udpsink: bind");
		return 1;
	}
	ready = fopen(argv[3], "w");
	if (!ready || fclose(ready)) {
		perror(argv[3]);
		return 1;
	}
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) < 0)
			perror("udpsink: recv");
}
