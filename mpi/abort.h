/* abort.h: ending a job with a message the user gets to read. */
#ifndef PIRACK_ABORT_H
#define PIRACK_ABORT_H

#include <mpi.h>

/*
 * MPI_Abort(comm, code) once what this rank wrote to stdout and stderr has
 * reached its launcher. Hydra (MPICH) reads a rank's output from a pipe and
 * the abort from its PMI socket; when both are waiting it may handle the
 * abort first and kill the job with the message still in the pipe (6 of 40
 * runs of an "error, then abort" rank lost the error here). So the pipes
 * are given up to a second to be read empty first.
 */
_Noreturn void abort_job(MPI_Comm comm, int code);

#endif
