/* cpi.c: the classic scalar MPI pi (MPICH's examples/cpi.c), the baseline. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* cpi [INTERVALS]: as MPICH's cpi, with n from the command line. */
static double f(double a)
{
	return 4.0 / (1.0 + a * a);
}

int main(int argc, char *argv[])
{
	long long n = argc > 1 ? (long long)strtod(argv[1], NULL) : 100000000;
	int myid, numprocs;
	double PI25DT = 3.141592653589793238462643;
	double mypi, pi, h, sum, x, startwtime, endwtime;

	MPI_Init(&argc, &argv);
	MPI_Comm_size(MPI_COMM_WORLD, &numprocs);
	MPI_Comm_rank(MPI_COMM_WORLD, &myid);
	startwtime = MPI_Wtime();
	MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
	h = 1.0 / (double)n;
	sum = 0.0;
	for (long long i = myid + 1; i <= n; i += numprocs) {
		x = h * ((double)i - 0.5);
		sum += f(x);
	}
	mypi = h * sum;
	MPI_Reduce(&mypi, &pi, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
	if (myid == 0) {
		endwtime = MPI_Wtime();
		printf("pi is approximately %.16f, Error is %.16f\n", pi,
		       fabs(pi - PI25DT));
		printf("wall clock time = %f\n", endwtime - startwtime);
	}
	MPI_Finalize();
	return 0;
}
