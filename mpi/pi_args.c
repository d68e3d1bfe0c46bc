/* pi_args.c: pirack-pi's options, checked before any MPI work starts. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "pi_args.h"
#include "pi_kernel.h"

static const char pi_usage[] =
    "Usage: mpiexec [-f MACHINEFILE] -n N pirack-pi [OPTION]...\n"
    "Computes pi by the midpoint rule for the integral of 4/(1+x^2) over\n"
    "[0, 1] on every rank, paced by the nodes' temperatures (libpirackpace).\n"
    "The result is bit-for-bit the same for any number of ranks, pace mode\n"
    "and schedule.\n"
    "\n"
    "  -i, --intervals N    intervals, an integer up to 2^62, e.g. 1e9 or\n"
    "                       1000000000 (default 1e9)\n"
    "  -p, --pace MODE      node: each node at its own pace, work shared\n"
    "                       dynamically (default); uniform: every rank at the\n"
    "                       job's lowest pace, in rounds; off: no pacing\n"
    "  -c, --chunk-ms MS    work between two pacing steps, milliseconds\n"
    "                       (default 10)\n"
    "  -k, --kernel NAME    auto (default)";
/* The kernels this build and CPU run are listed between the two parts. */
static const char pi_usage_tail[] =
    "  -s, --stall-s S      a rank that sees no progress for a while says\n"
    "                       which rank and node it waits for; after S\n"
    "                       seconds the job ends with an error (default 60,\n"
    "                       $PIRACK_STALL_S; 0: wait forever)\n"
    "  -j, --json           one JSON object instead of the text report\n"
    "  -h, --help           this help\n"
    "  -V, --version        the version\n"
    "\n"
    "Environment: PIRACK_SOCKET (agent socket), PIRACK_SYSFS_ROOT,\n"
    "PIRACK_NODE (node name), PIRACK_PACE_REFRESH_S (seconds between\n"
    "readings), PIRACK_TARGET_C and PIRACK_LIMIT_C (without an agent).\n"
    "See pirack-pi(1).\n";

static void pi_args_usage(void)
{
	const struct pi_kernel *k;
	size_t i;

	fputs(pi_usage, stdout);
	for (i = 0; (k = pi_kernel_runnable(i)) != NULL; i++)
		printf("%s %s", pi_kernel_runnable(i + 1) ? "," : " or",
		       k->name);
	fputs("\n", stdout);
	fputs(pi_usage_tail, stdout);
}

int pi_args_intervals(const char *s, uint64_t *out)
{
	unsigned long long u;
	char *end;
	double d;

	if (!s || !*s || strspn(s, "0123456789") == 0)
		return -1;
	errno = 0;
	if (s[strspn(s, "0123456789")] == '\0') {
		u = strtoull(s, &end, 10);
		if (errno || u == 0 || u > PI_INTERVALS_MAX)
			return -1;
		*out = u;
		return 0;
	}
	/* 1e9-style: digits, an optional fraction, an exponent; no hex, inf. */
	if (s[strspn(s, "0123456789.eE+")] != '\0')
		return -1;
	d = strtod(s, &end);
	if (errno || *end || !(d >= 1) || d > (double)PI_INTERVALS_MAX ||
	    d != floor(d))
		return -1;
	*out = (uint64_t)d;
	return 0;
}

int pi_args_stall(const char *s, double *out)
{
	char *end;
	double d;

	/* Digits and a point only: no sign, hex, inf or exponent. */
	if (!s || !*s || s[strspn(s, "0123456789.")] != '\0')
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d == 0 || (d >= 0.1 && d <= 86400)))
		return -1;
	*out = d;
	return 0;
}

static int pi_args_bad(const char *fmt, const char *what)
{
	if (cli_first_rank()) {
		fprintf(stderr, "pirack-pi: ");
		fprintf(stderr, fmt, what);
		fprintf(stderr, "\nTry 'pirack-pi --help'.\n");
	}
	return 2;
}

int pi_args_parse(int argc, char **argv, struct pi_args *a, bool *done)
{
	static const struct option longopts[] = {
		{ "intervals", required_argument, NULL, 'i' },
		{ "pace", required_argument, NULL, 'p' },
		{ "chunk-ms", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "stall-s", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env;
	char *end;
	int c;

	*done = false;
	a->intervals = 1000000000;
	a->pace = PACE_MODE_NODE;
	a->chunk_ms = 10;
	a->json = false;
	a->kernel = NULL;
	a->stall_s = 60;
	env = getenv("PIRACK_STALL_S");
	if (env && *env && pi_args_stall(env, &a->stall_s) < 0)
		return pi_args_bad("bad PIRACK_STALL_S '%s': want seconds, "
				   "0 (wait forever) or 0.1 to 86400",
				   env);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:p:c:k:s:jhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			if (pi_args_intervals(optarg, &a->intervals) < 0)
				return pi_args_bad("bad --intervals '%s': want "
						   "an integer from 1 to 2^62, "
						   "e.g. 1e9",
						   optarg);
			break;
		case 'p':
			if (pace_mode_parse(optarg, &a->pace) < 0)
				return pi_args_bad("bad --pace '%s': want "
						   "uniform, node or off",
						   optarg);
			break;
		case 'c':
			errno = 0;
			a->chunk_ms = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(a->chunk_ms >= 0.01 && a->chunk_ms <= 60000))
				return pi_args_bad("bad --chunk-ms '%s': want "
						   "0.01 to 60000",
						   optarg);
			break;
		case 'k':
			a->kernel = optarg;
			if (strcmp(optarg, "auto") != 0 &&
			    !pi_kernel_pick(optarg))
				return pi_args_bad("bad --kernel '%s': unknown "
						   "or not supported by this "
						   "CPU",
						   optarg);
			break;
		case 's':
			if (pi_args_stall(optarg, &a->stall_s) < 0)
				return pi_args_bad("bad --stall-s '%s': want "
						   "seconds, 0 (wait forever) "
						   "or 0.1 to 86400",
						   optarg);
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			if (cli_first_rank())
				pi_args_usage();
			*done = true;
			return 0;
		case 'V':
			if (cli_first_rank())
				printf("pirack-pi %s\n", PIRACK_VERSION);
			*done = true;
			return 0;
		case ':':
			return pi_args_bad("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };

				return pi_args_bad("unknown option '%s'", opt);
			}
			return pi_args_bad("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return pi_args_bad("unexpected argument '%s'", argv[optind]);
	return 0;
}
