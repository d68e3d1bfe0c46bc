/* pace_overhead.c: what pace_step() costs at pace 1 between 10 ms chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mpi/pace.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* pace_overhead [CHUNKS [CHUNK_MS]]: spins CHUNK_MS, steps, repeats. */
int main(int argc, char *argv[])
{
	int chunks = argc > 1 ? atoi(argv[1]) : 200;
	double chunk_s = (argc > 2 ? atof(argv[2]) : 10) / 1000;
	double t0, t1, start, in_step = 0, worst = 0, total;
	struct pace_opts po;
	struct pace_stats st;
	struct pace *pace;
	volatile double sink = 0;
	int rank;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	pace_opts_default(&po);
	po.job_name = "pace_overhead";
	if (chunks < 1 || pace_init(&pace, MPI_COMM_WORLD, &po) < 0)
		MPI_Abort(MPI_COMM_WORLD, 2);
	start = now();
	for (int c = 0; c < chunks; c++) {
		t0 = now();
		while (now() - t0 < chunk_s)
			sink += 1; /* work the optimiser cannot drop */
		(void)sink;
		t0 = now();
		pace_step(pace);
		t1 = now();
		in_step += t1 - t0;
		if (t1 - t0 > worst)
			worst = t1 - t0;
	}
	total = now() - start;
	pace_get_stats(pace, &st);
	if (rank == 0)
		printf("{\"chunks\":%d,\"chunk_ms\":%g,\"step_mean_us\":%.3f,"
		       "\"step_max_us\":%.1f,\"overhead_pct\":%.4f,"
		       "\"readings\":%llu,\"mean_pace\":%.3f,"
		       "\"min_pace\":%.3f,\"sleep_s\":%.4f,"
		       "\"source\":\"%s\",\"seconds\":%.3f}\n",
		       chunks, chunk_s * 1000, in_step / chunks * 1e6,
		       worst * 1e6, in_step / total * 100,
		       (unsigned long long)st.readings, st.mean_pace,
		       st.min_pace, st.sleep_s, pace_source_name(st.source),
		       total);
	pace_finalize(pace);
	MPI_Finalize();
	return 0;
}
