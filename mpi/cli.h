/* cli.h: what the MPI programs share on their command lines. */
#ifndef PIRACK_CLI_H
#define PIRACK_CLI_H

#include <stdbool.h>

/*
 * Whether this process is the job's rank 0, judged from the launcher's
 * environment before MPI_Init (true when run without mpiexec), so that a
 * usage error is printed once, not once per rank.
 */
bool cli_first_rank(void);

/*
 * The exit status of a usage error found before MPI_Init (status, e.g. 2,
 * on the first rank, which printed the message; 0 on the others). Were
 * every rank to exit 2, the launcher could end the job for another rank's
 * early exit before the first rank's message was out: Hydra then closes
 * its stderr under it, it dies of SIGPIPE and the user reads nothing (2 to
 * 7 runs in 60 here on a loaded machine). The job still ends with status.
 */
int cli_usage_status(int status);

#endif
