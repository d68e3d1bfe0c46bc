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

#endif
