/* test_pi_args.c: pirack-pi's command line (mpi/pi_args.c), every option. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "mpi/pi_args.h"
#include "mpi/pi_kernel.h"

static void test_intervals_good(void **state)
{
	static const struct {
		const char *s;
		uint64_t want;
	} cases[] = {
		{ "1", 1 },
		{ "1e9", 1000000000 },
		{ "1E9", 1000000000 },
		{ "1.5e9", 1500000000 },
		{ "2.5e1", 25 },
		{ "1e+3", 1000 },
		{ "100000000", 100000000 },
		{ "000123", 123 },
		{ "4611686018427387904", UINT64_C(1) << 62 },
		{ "4.611686018427387904e18", UINT64_C(1) << 62 },
		{ "4611686018427387903", (UINT64_C(1) << 62) - 1 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 7;

		if (pi_args_intervals(cases[i].s, &got) != 0)
			fail_msg("'%s' refused", cases[i].s);
		if (got != cases[i].want)
			fail_msg("'%s' gave %llu", cases[i].s,
				 (unsigned long long)got);
	}
}

static void test_intervals_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"0",
		"00",
		"0e5",
		"0.0",
		"-5",
		"+5",
		" 5",
		"5 ",
		"abc",
		"1e9x",
		"1e",
		"e9",
		"0x10",
		"inf",
		"nan",
		"1.5",
		"1e-3",
		"1.5e0",
		"4611686018427387905",
		"9223372036854775808",
		"18446744073709551616",
		"99999999999999999999999",
		"1e19",
		"4.7e18",
		"1e400",
		"1,000",
	};
	uint64_t got = 42;
	(void)state;

	assert_int_equal(pi_args_intervals(NULL, &got), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pi_args_intervals(bad[i], &got) != -1)
			fail_msg("'%s' accepted as %llu", bad[i],
				 (unsigned long long)got);
	assert_int_equal(got, 42); /* a refusal writes nothing */
}

/*
 * Runs pi_args_parse on argv (NULL-terminated, argv[0] added) with fd
 * (1 or 2) caught into out; returns its result.
 */
static int parse(struct pi_args *a, bool *done, int fd, char *out,
		 size_t outlen, ...)
{
	char *argv[16] = { "pirack-pi" };
	int argc = 1, saved, rc;
	FILE *tmp = tmpfile();
	va_list ap;
	size_t n;

	assert_non_null(tmp);
	va_start(ap, outlen);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	assert_true(argc < 16);
	fflush(NULL);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), fd) >= 0);
	optind = 0; /* glibc: start afresh, as a new process would */
	rc = pi_args_parse(argc, argv, a, done);
	fflush(NULL);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

static void test_defaults(void **state)
{
	struct pi_args a;
	bool done = true;
	char out[256];
	(void)state;

	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), NULL), 0);
	assert_false(done);
	assert_string_equal(out, "");
	assert_true(a.intervals == 1000000000);
	assert_int_equal(a.pace, PACE_MODE_NODE);
	assert_true(a.chunk_ms == 10);
	assert_false(a.json);
	assert_null(a.kernel);
	assert_true(a.stall_s == 60);
}

/* --stall-s: seconds, 0 for never; PIRACK_STALL_S is its default. */
static void test_stall(void **state)
{
	struct pi_args a;
	bool done;
	char out[256];
	(void)state;

	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-s", "0", NULL),
			 0);
	assert_true(a.stall_s == 0);
	assert_int_equal(
	    parse(&a, &done, 2, out, sizeof(out), "--stall-s=2.5", NULL), 0);
	assert_true(a.stall_s == 2.5);
	assert_int_equal(
	    parse(&a, &done, 2, out, sizeof(out), "--stall-s", "86400", NULL),
	    0);
	assert_true(a.stall_s == 86400);
	setenv("PIRACK_STALL_S", "0.1", 1);
	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), NULL), 0);
	assert_true(a.stall_s == 0.1);
	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-s", "7", NULL),
			 0);
	assert_true(a.stall_s == 7); /* the option wins */
	setenv("PIRACK_STALL_S", "soon", 1);
	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-s", "7", NULL),
			 2);
	assert_non_null(strstr(out, "bad PIRACK_STALL_S 'soon'"));
	unsetenv("PIRACK_STALL_S");
	assert_non_null(strstr(out, "Try 'pirack-pi --help'."));
}

static void test_options(void **state)
{
	struct pi_args a;
	bool done;
	char out[256];
	(void)state;

	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-i", "1e6",
			       "-p", "uniform", "-c", "0.5", "-k", "generic",
			       "-j", NULL),
			 0);
	assert_false(done);
	assert_string_equal(out, "");
	assert_true(a.intervals == 1000000);
	assert_int_equal(a.pace, PACE_MODE_UNIFORM);
	assert_true(a.chunk_ms == 0.5);
	assert_string_equal(a.kernel, "generic");
	assert_true(a.json);

	assert_int_equal(
	    parse(&a, &done, 2, out, sizeof(out), "--intervals=2000", "--pace",
		  "off", "--chunk-ms=60000", "--kernel=auto", "--json", NULL),
	    0);
	assert_true(a.intervals == 2000);
	assert_int_equal(a.pace, PACE_MODE_OFF);
	assert_true(a.chunk_ms == 60000);
	assert_string_equal(a.kernel, "auto");
	assert_true(a.json);

	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "--pace=node",
			       "-c", "0.01", NULL),
			 0);
	assert_int_equal(a.pace, PACE_MODE_NODE);
	assert_true(a.chunk_ms == 0.01);
	assert_string_equal(out, "");
}

/* --kernel's line names the kernels this build and CPU run, no other. */
static void help_kernels(const char *out)
{
	static const char *const all[] = { "avx512", "avx2", "neon",
					   "generic" };
	const struct pi_kernel *k;
	char want[256] = "--kernel NAME    auto (default)";
	const char *line = strstr(out, "--kernel NAME"), *end;
	size_t i;

	for (i = 0; (k = pi_kernel_runnable(i)) != NULL; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s %s", pi_kernel_runnable(i + 1) ? "," : " or",
			 k->name);
	strcat(want, "\n");
	assert_non_null(line);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	end = strchr(line, '\n');
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *at = strstr(line, all[i]);

		/* "avx2" is not inside "avx512": listed iff it runs */
		assert_int_equal(at && at < end,
				 pi_kernel_pick(all[i]) != NULL);
	}
}

static void test_help_version(void **state)
{
	struct pi_args a;
	bool done;
	char out[4096];
	(void)state;

	assert_int_equal(parse(&a, &done, 1, out, sizeof(out), "--help", NULL),
			 0);
	assert_true(done);
	assert_non_null(strstr(out, "Usage: mpiexec"));
	assert_non_null(strstr(out, "--intervals N"));
	assert_non_null(strstr(out, "pirack-pi(1)"));
	help_kernels(out);

	assert_int_equal(parse(&a, &done, 1, out, sizeof(out), "-h", NULL), 0);
	assert_true(done);
	assert_non_null(strstr(out, "Usage: mpiexec"));

	assert_int_equal(parse(&a, &done, 1, out, sizeof(out), "-V", NULL), 0);
	assert_true(done);
	assert_string_equal(out, "pirack-pi " PIRACK_VERSION "\n");
	assert_int_equal(
	    parse(&a, &done, 1, out, sizeof(out), "--version", NULL), 0);
	assert_true(done);
}

/* Each refusal: exit status 2, the message naming option and value. */
static void bad(const char *want, const char *o1, const char *o2)
{
	struct pi_args a;
	bool done = true;
	char out[512];

	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), o1, o2, NULL),
			 2);
	assert_false(done);
	if (!strstr(out, want))
		fail_msg("%s %s: '%s' not in '%s'", o1, o2 ? o2 : "", want,
			 out);
	assert_non_null(strstr(out, "Try 'pirack-pi --help'."));
}

static void test_refused(void **state)
{
	(void)state;
	bad("bad --intervals '0': want an integer from 1 to 2^62", "-i", "0");
	bad("bad --intervals '-1'", "--intervals", "-1");
	bad("bad --intervals 'lots'", "--intervals=lots", NULL);
	bad("bad --intervals '1e19'", "-i", "1e19");
	bad("bad --pace 'fast': want uniform, node or off", "-p", "fast");
	bad("bad --chunk-ms '0.001': want 0.01 to 60000", "-c", "0.001");
	bad("bad --chunk-ms '60001'", "--chunk-ms", "60001");
	bad("bad --chunk-ms 'x'", "-c", "x");
	bad("bad --chunk-ms ''", "-c", "");
	bad("bad --chunk-ms 'nan'", "-c", "nan");
	bad("bad --kernel 'sse9': unknown or not supported", "-k", "sse9");
	bad("option '-i' needs an argument", "-i", NULL);
	bad("option '--pace' needs an argument", "--pace", NULL);
	bad("unknown option '-x'", "-x", NULL);
	bad("unknown option '--frobnicate'", "--frobnicate", NULL);
	bad("unexpected argument 'extra'", "-j", "extra");
	bad("bad --stall-s '-1': want seconds, 0 (wait forever) or 0.1 to "
	    "86400",
	    "-s", "-1");
	bad("bad --stall-s '0.05'", "--stall-s", "0.05");
	bad("bad --stall-s '86401'", "--stall-s", "86401");
	bad("bad --stall-s '1e3'", "-s", "1e3");
	bad("bad --stall-s 'inf'", "-s", "inf");
	bad("bad --stall-s ''", "-s", "");
	bad("bad --stall-s '.'", "-s", ".");
	bad("option '--stall-s' needs an argument", "--stall-s", NULL);
}

/* Only the job's rank 0 prints: not once per rank. */
static void test_quiet_rank(void **state)
{
	struct pi_args a;
	bool done;
	char out[512];
	(void)state;

	setenv("PMI_RANK", "3", 1);
	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-i", "0", NULL),
			 2);
	assert_string_equal(out, "");
	assert_int_equal(parse(&a, &done, 1, out, sizeof(out), "--help", NULL),
			 0);
	assert_true(done);
	assert_string_equal(out, "");
	setenv("PMI_RANK", "0", 1);
	assert_int_equal(parse(&a, &done, 2, out, sizeof(out), "-i", "0", NULL),
			 2);
	assert_non_null(strstr(out, "bad --intervals '0'"));
	unsetenv("PMI_RANK");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intervals_good),
		cmocka_unit_test(test_intervals_bad),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_quiet_rank),
	};

	/* the launcher's rank variables would silence the messages */
	unsetenv("PMI_RANK");
	unsetenv("PMIX_RANK");
	unsetenv("OMPI_COMM_WORLD_RANK");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
