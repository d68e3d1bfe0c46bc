/* abort.c: MPI_Abort after the launcher has read the rank's last words. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "abort.h"
#include "clock.h"

#define ABORT_DRAIN_MS 1000

/* Whether fd is a pipe with bytes its reader has not taken yet. */
static int abort_unread(int fd)
{
	struct stat st;
	int n = 0;

	/* FIONREAD on either end of a Linux pipe counts what is queued. */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    ioctl(fd, FIONREAD, &n) < 0)
		return 0;
	return n > 0;
}

_Noreturn void abort_job(MPI_Comm comm, int code)
{
	const struct timespec nap = { 0, 5 * 1000 * 1000 };
	uint64_t until = clock_ms() + ABORT_DRAIN_MS;

	fflush(stdout);
	fflush(stderr);
	while ((abort_unread(STDOUT_FILENO) || abort_unread(STDERR_FILENO)) &&
	       clock_ms() < until)
		nanosleep(&nap, NULL);
	MPI_Abort(comm, code);
	/* MPI_Abort does not return; should a library's ever do so: */
	exit(code);
}
