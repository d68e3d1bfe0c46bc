/* fuzz_pi_args.c: pirack-pi's command line (pi_args_parse, pi_args_intervals).
 */
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "mpi/pi_args.h"

#define FUZZ_ARGS_MAX 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* not rank 0: the messages for a bad command line are not printed */
	setenv("PMI_RANK", "1", 1);
	return 0;
}

/* An accepted count is what its digits say, within [1, 2^62]. */
static void fuzz_check_intervals(const char *s)
{
	uint64_t v = 0;

	if (pi_args_intervals(s, &v) < 0)
		return;
	FUZZ_CHECK(v >= 1 && v <= PI_INTERVALS_MAX, "'%s' gave %llu", s,
		   (unsigned long long)v);
	if (strspn(s, "0123456789") == strlen(s))
		FUZZ_CHECK(v == strtoull(s, NULL, 10), "'%s' gave %llu", s,
			   (unsigned long long)v);
	else
		FUZZ_CHECK((double)v == strtod(s, NULL), "'%s' gave %llu", s,
			   (unsigned long long)v);
}

/* The input is the arguments after argv[0], separated by NUL bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_ARGS_MAX + 2];
	struct pi_args a;
	bool done;
	int argc = 0, rc;

	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "pirack-pi";
	for (char *p = buf; p <= buf + size && argc <= FUZZ_ARGS_MAX;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	for (int i = 1; i < argc; i++)
		fuzz_check_intervals(argv[i]);

	optind = 0; /* glibc: a full getopt reset for each command line */
	rc = pi_args_parse(argc, argv, &a, &done);
	FUZZ_CHECK(rc == 0 || rc == 2, "rc %d", rc);
	if (rc == 0 && !done) {
		FUZZ_CHECK(a.intervals >= 1 && a.intervals <= PI_INTERVALS_MAX,
			   "intervals %llu", (unsigned long long)a.intervals);
		FUZZ_CHECK(a.chunk_ms >= 0.01 && a.chunk_ms <= 60000,
			   "chunk_ms %g", a.chunk_ms);
		FUZZ_CHECK(a.pace == PACE_MODE_UNIFORM ||
			       a.pace == PACE_MODE_NODE ||
			       a.pace == PACE_MODE_OFF,
			   "pace %d", a.pace);
	}
	free(buf);
	return 0;
}
