/* finalize_burst.c: sends right up to MPI_Finalize; every byte checked. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each rank sends to every other rank EAGER small messages, RNDV large ones
 * (well above UCX's and MPICH's rendezvous thresholds) and, last of all, a
 * TAIL of small messages with MPI_Send, then calls MPI_Finalize at once: the
 * tail is complete locally while its bytes may still sit in the sender's
 * transport queue. The receivers post everything first and check every
 * byte against the pattern of (source, message, offset).
 */
enum {
	EAGER = 64,
	EAGER_LEN = 1024,
	RNDV = 4,
	RNDV_LEN = 1 << 20,
	TAIL = 32,
	TAIL_LEN = 256
};
enum { NMSG = EAGER + RNDV + TAIL };

static int msg_len(int m)
{
	return m < EAGER ? EAGER_LEN : m < EAGER + RNDV ? RNDV_LEN : TAIL_LEN;
}

static unsigned char pattern(int src, int dst, int m, long i)
{
	return (unsigned char)(src * 131 + dst * 31 + m * 7 + i * 13 +
			       (i >> 8));
}

static void fill(unsigned char *b, int src, int dst, int m)
{
	for (long i = 0; i < msg_len(m); i++)
		b[i] = pattern(src, dst, m, i);
}

static long check(const unsigned char *b, int src, int dst, int m)
{
	long bad = 0;

	for (long i = 0; i < msg_len(m); i++)
		bad += b[i] != pattern(src, dst, m, i);
	return bad;
}

static unsigned char *xmalloc(size_t n)
{
	unsigned char *p = malloc(n);

	if (!p) {
		fprintf(stderr, "finalize_burst: out of memory (%zu bytes)\n",
			n);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	return p;
}

int main(int argc, char **argv)
{
	int rank, size, nreq = 0;
	long bad = 0, got = 0;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);

	int npeer = size - 1;
	unsigned char **rbuf = calloc((size_t)size * NMSG, sizeof(*rbuf));
	unsigned char **sbuf = calloc((size_t)size * NMSG, sizeof(*sbuf));
	MPI_Request *req = calloc((size_t)2 * size * NMSG, sizeof(*req));
	/* statuses, not MPI_STATUSES_IGNORE: gcc 12 takes that for a
	 * zero-sized array (-Wstringop-overflow) */
	MPI_Status *st = calloc((size_t)2 * size * NMSG, sizeof(*st));
	if (!rbuf || !sbuf || !req || !st) {
		fprintf(stderr, "finalize_burst: out of memory\n");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	for (int p = 0; p < size; p++) {
		for (int m = 0; p != rank && m < NMSG; m++) {
			rbuf[p * NMSG + m] = xmalloc(msg_len(m));
			MPI_Irecv(rbuf[p * NMSG + m], msg_len(m), MPI_BYTE, p,
				  m, MPI_COMM_WORLD, &req[nreq++]);
		}
	}
	int nrecv = nreq;
	for (int m = 0; m < EAGER + RNDV; m++) {
		for (int p = 0; p < size; p++) {
			if (p == rank)
				continue;
			sbuf[p * NMSG + m] = xmalloc(msg_len(m));
			fill(sbuf[p * NMSG + m], rank, p, m);
			MPI_Isend(sbuf[p * NMSG + m], msg_len(m), MPI_BYTE, p,
				  m, MPI_COMM_WORLD, &req[nreq++]);
		}
	}
	MPI_Waitall(nreq - nrecv, req + nrecv, st);
	for (int m = EAGER + RNDV; m < NMSG; m++) {
		for (int p = 0; p < size; p++) {
			if (p == rank)
				continue;
			sbuf[p * NMSG + m] = xmalloc(msg_len(m));
			fill(sbuf[p * NMSG + m], rank, p, m);
			MPI_Send(sbuf[p * NMSG + m], msg_len(m), MPI_BYTE, p, m,
				 MPI_COMM_WORLD);
		}
	}
	MPI_Waitall(nrecv, req, st);
	for (int p = 0; p < size; p++) {
		for (int m = 0; p != rank && m < NMSG; m++) {
			bad += check(rbuf[p * NMSG + m], p, rank, m);
			got += msg_len(m);
		}
	}
	MPI_Finalize();

	printf("rank %d: %d messages, %ld bytes from %d peers, %ld bad\n", rank,
	       npeer * NMSG, got, npeer, bad);
	for (int i = 0; i < size * NMSG; i++) {
		free(rbuf[i]);
		free(sbuf[i]);
	}
	free(rbuf);
	free(sbuf);
	free(req);
	free(st);
	return bad ? 1 : 0;
}
