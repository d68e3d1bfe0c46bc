/* scatter.c: the recipe scatter demo, exact: [(x+1)**x for x in range(size)] */
#include <gmp.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abort.h"
#include "cli.h"

/*
 * Rank 0 builds the list as GMP integers (17**16 already needs 66 bits)
 * and scatters each as a fixed-size record of magnitude bytes, most
 * significant first; the record size, the largest element's, is broadcast
 * before.
 */
int main(int argc, char *argv[])
{
	unsigned char *records = NULL, *mine;
	char *digits;
	unsigned long len = 0;
	size_t count;
	int rank, size, x, ok = 1;
	mpz_t v;

	if (argc > 1) {
		int help = strcmp(argv[1], "-h") == 0 ||
			   strcmp(argv[1], "--help") == 0;

		if (cli_first_rank())
			fprintf(help ? stdout : stderr,
				"%s%sUsage: mpiexec -n N scatter\nRank 0 "
				"scatters (x+1)**x for x in 0..N-1, one to "
				"each rank; each prints it.\n",
				help ? "" : "scatter: unexpected argument ",
				help ? "" : "\n");
		return help ? 0 : 2;
	}
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	mpz_init(v);

	if (rank == 0) {
		mpz_ui_pow_ui(v, size, size - 1); /* the largest */
		len = (mpz_sizeinbase(v, 2) + 7) / 8;
		records = calloc(size, len);
		ok = records != NULL;
		for (x = 0; ok && x < size; x++) {
			mpz_ui_pow_ui(v, x + 1, x);
			count = (mpz_sizeinbase(v, 2) + 7) / 8;
			mpz_export(records + (size_t)x * len + (len - count),
				   NULL, 1, 1, 1, 0, v);
		}
		if (!ok)
			len = 0;
	}
	MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG, 0, MPI_COMM_WORLD);
	mine = len ? malloc(len) : NULL;
	if (!mine) {
		fprintf(stderr, "scatter: rank %d: out of memory\n", rank);
		abort_job(MPI_COMM_WORLD, 1);
	}
	MPI_Scatter(records, (int)len, MPI_UNSIGNED_CHAR, mine, (int)len,
		    MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
	mpz_import(v, len, 1, 1, 1, 0, mine);
	/* One write per line: the launcher merges the ranks' output. */
	digits = mpz_get_str(NULL, 10, v);
	printf("rank %d has data: %s\n", rank, digits);
	fflush(stdout);
	free(digits);

	mpz_clear(v);
	free(mine);
	free(records);
	MPI_Finalize();
	return 0;
}
