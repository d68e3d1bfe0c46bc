/* pi.c: pirack-pi, MPICH's cpi made fast, reproducible and thermally paced. */
#include <stdio.h>
#include <stdlib.h>
#include "pace.h"
#include "pi_args.h"
#include "pi_kernel.h"
#include "pi_report.h"
#include "pi_work.h"
#include "abort.h"
#include "stall.h"

int main(int argc, char *argv[])
{
	MPI_Comm comm = MPI_COMM_WORLD;
	struct pi_args args;
	struct pi_plan plan;
	struct pi_tally tally = { 0, 0 };
	struct pi_result res = { 0 };
	const struct pi_kernel *kernel;
	struct pace_opts po;
	struct pace *pace;
	struct stall stall = { 0 };
	uint64_t chunk_blocks = 1;
	double startwtime, *sums;
	MPI_Request req;
	int rank, size, rc;
	bool done;

	/* Bad arguments end every rank here, before any MPI work. */
	rc = pi_args_parse(argc, argv, &args, &done);
	if (rc || done)
		return rc;
	kernel = pi_kernel_pick(args.kernel);

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	startwtime = MPI_Wtime();

	pace_opts_default(&po);
	po.mode = args.pace;
	po.job_name = "pirack-pi";
	/* A stalled job says who it waits for; a chunk at the lowest pace
	 * (20 chunk times) is no stall. */
	if (stall_init(&stall, comm, "pirack-pi", args.stall_s,
		       20 * args.chunk_ms / 1000) < 0) {
		MPI_Finalize();
		return 1;
	}
	po.on_wait = stall_on_wait;
	po.on_wait_arg = &stall;
	if (pace_init(&pace, comm, &po) < 0) { /* it said why */
		stall_free(&stall);
		MPI_Finalize();
		return 1;
	}

	/* Blocks depend on the intervals only; chunks on rank 0's speed. */
	pi_plan_init(&plan, args.intervals);
	if (rank == 0)
		chunk_blocks =
		    pi_plan_calibrate(&plan, kernel, args.chunk_ms / 1000);
	/* Nonblocking, waited for napping (MPICH's blocking calls spin)
	 * and watched: a stalled rank 0 is named. */
	MPI_Ibcast(&chunk_blocks, 1, MPI_UINT64_T, 0, comm, &req);
	stall_wait(&stall, pace, &req, 0, "the chunk size");
	pi_plan_set_chunk(&plan, chunk_blocks);

	sums = calloc(2 * plan.nblocks, sizeof(*sums));
	if (!sums) {
		fprintf(stderr, "pirack-pi: out of memory for %llu blocks\n",
			(unsigned long long)plan.nblocks);
		abort_job(comm, 1);
	}
	if (args.pace == PACE_MODE_UNIFORM)
		rc = pi_work_rounds(&plan, kernel, pace, &stall, comm, sums,
				    &tally);
	else
		rc = pi_work_shared(&plan, kernel, pace, &stall, comm, sums,
				    &tally);
	if (rc < 0) {
		fprintf(stderr, "pirack-pi: out of memory sharing the work\n");
		abort_job(comm, 1);
	}

	/* Each block was computed once; the others add exact zeros. */
	MPI_Ireduce(rank == 0 ? MPI_IN_PLACE : sums, sums, 2 * plan.nblocks,
		    MPI_DOUBLE, MPI_SUM, 0, comm, &req);
	stall_wait(&stall, pace, &req, STALL_ANY, "the final sum");
	if (rank == 0)
		res.pi = pi_plan_result(&plan, sums);
	res.seconds = MPI_Wtime() - startwtime;
	res.kernel = kernel->name;

	rc = pi_report(&args, &plan, &res, &tally, pace, comm) < 0;
	free(sums);
	stall_close(&stall, pace);
	stall_free(&stall);
	pace_finalize(pace);
	MPI_Finalize();
	return rc;
}
