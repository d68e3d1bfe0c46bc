/* resolve.c: host name lookup in the background (glibc getaddrinfo_a). */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "resolve.h"

/*
 * libmosquitto resolves the broker's name with a blocking getaddrinfo; with
 * the head node (often also the DNS server) gone that blocks for the
 * resolver's whole timeout, and fan, LED and control socket with it. So the
 * agent looks the name up here first and only hands it to libmosquitto once
 * it resolves, when its own lookup is answered at once.
 */
struct resolve {
	struct gaicb cb;
	struct addrinfo hints;
	char host[256];
};

bool resolve_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	       inet_pton(AF_INET6, host, buf) == 1;
}

struct resolve *resolve_start(const char *host, char *err, size_t errlen)
{
	struct resolve *r = calloc(1, sizeof(*r));
	struct gaicb *list[1];
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->hints.ai_socktype = SOCK_STREAM;
	r->cb.ar_name = r->host;
	r->cb.ar_request = &r->hints;
	list[0] = &r->cb;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc) {
		snprintf(err, errlen, "%s", gai_strerror(rc));
		free(r);
		return NULL;
	}
	return r;
}

int resolve_poll(struct resolve *r, char *err, size_t errlen)
{
	int rc = gai_error(&r->cb);

	if (rc == EAI_INPROGRESS)
		return 0;
	if (rc == 0)
		return 1;
	snprintf(err, errlen, "%s", gai_strerror(rc));
	return -1;
}

void resolve_free(struct resolve *r)
{
	const struct gaicb *list[1];
	struct timespec tick = {0, 100 * 1000 * 1000};
	int i;

	if (!r)
		return;
	list[0] = &r->cb;
	if (gai_error(&r->cb) == EAI_INPROGRESS &&
	    gai_cancel(&r->cb) == EAI_NOTCANCELED) {
		/* glibc's helper thread still writes into r: give it 1 s */
		for (i = 0; i < 10 && gai_error(&r->cb) == EAI_INPROGRESS; i++)
			gai_suspend(list, 1, &tick);
		if (gai_error(&r->cb) == EAI_INPROGRESS)
			return; /* left to it: freeing r would be unsafe */
	}
	if (r->cb.ar_result)
		freeaddrinfo(r->cb.ar_result);
	free(r);
}
