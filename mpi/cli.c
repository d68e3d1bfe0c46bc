/* cli.c: command-line helpers for pirack-pi, pirack-temps and the examples. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"

bool cli_first_rank(void)
{
	/* Hydra (MPICH), PMIx and Open MPI name the rank in the environment. */
	static const char *const vars[] = { "PMI_RANK", "PMIX_RANK",
					    "OMPI_COMM_WORLD_RANK" };
	const char *v;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL)
			return strcmp(v, "0") == 0;
	return true;
}
