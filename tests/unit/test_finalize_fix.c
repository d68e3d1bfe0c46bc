/* test_finalize_fix.c: which MPIs get the fix (mpi/finalize_fix.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "mpi/finalize_fix.h"

/* Debian 12's MPICH, as MPI_Get_library_version gives it (shortened) */
static const char debian12[] =
    "MPICH Version:\t4.0.2\n"
    "MPICH Release date:\tThu Apr  7 12:34:45 CDT 2022\n"
    "MPICH ABI:\t14:2:2\n"
    "MPICH Device:\tch4:ucx\n"
    "MPICH configure:\t--with-device=ch4:ucx --with-pm=hydra\n";

static int affected(const char *ver, const char *dev, char *why, size_t n)
{
	char s[256];

	snprintf(s, sizeof(s), "MPICH Version:\t%s\nMPICH Device:\t%s\n", ver,
		 dev);
	return finalize_fix_affected(s, why, n);
}

static void test_debian12(void **state)
{
	char why[200];
	(void)state;

	assert_int_equal(finalize_fix_affected(debian12, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "MPICH 4.0.2, device ch4:ucx"));
	assert_non_null(strstr(why, "affected"));
}

static void test_versions(void **state)
{
	static const struct {
		const char *ver, *dev;
		int want;
	} cases[] = {
		{ "3.3.2", "ch4:ucx", 0 }, /* before 3.4: not recognised */
		{ "3.4", "ch4:ucx", 1 },       { "3.4.3", "ch4:ucx", 1 },
		{ "4.0", "ch4:ucx", 1 },       { "4.0.2", "ch4:ucx", 1 },
		{ "4.1rc1", "ch4:ucx", 1 },    { "4.1.3", "ch4:ucx", 1 },
		{ "4.2.0", "ch4:ucx", 0 },     { "4.2.0b1", "ch4:ucx", 0 },
		{ "4.2.1", "ch4:ucx", 0 },     { "4.3.0", "ch4:ucx", 0 },
		{ "10.0", "ch4:ucx", 0 },      { "4.0.2", "ch4:ofi", 0 },
		{ "4.0.2", "ch3:nemesis", 0 }, { "4.0.2", "ch4:ucx:gpu", 1 },
	};
	char why[200];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got =
		    affected(cases[i].ver, cases[i].dev, why, sizeof(why));

		if (got != cases[i].want)
			fail_msg("MPICH %s %s: %d, want %d (%s)", cases[i].ver,
				 cases[i].dev, got, cases[i].want, why);
	}
}

static void test_not_mpich(void **state)
{
	char why[200];
	(void)state;

	assert_int_equal(finalize_fix_affected("Open MPI v4.1.4, package: "
					       "Debian OpenMPI, ident: 4.1.4",
					       why, sizeof(why)),
			 0);
	assert_non_null(strstr(why, "not MPICH (Open MPI v4.1.4"));
	assert_int_equal(finalize_fix_affected("", why, sizeof(why)), 0);
	assert_int_equal(finalize_fix_affected(NULL, why, sizeof(why)), 0);
	/* no device line: not recognised as ch4:ucx */
	assert_int_equal(
	    finalize_fix_affected("MPICH Version:\t4.0.2\n", why, sizeof(why)),
	    0);
	assert_non_null(strstr(why, "device unknown"));
	/* a version it cannot read is left alone */
	assert_int_equal(affected("four", "ch4:ucx", why, sizeof(why)), 0);
	assert_non_null(strstr(why, "not understood"));
}

static void test_why_truncates(void **state)
{
	char why[16];
	(void)state;

	assert_int_equal(finalize_fix_affected(debian12, why, sizeof(why)), 1);
	assert_int_equal(strlen(why), sizeof(why) - 1);
}

static void test_mode(void **state)
{
	(void)state;
	assert_int_equal(finalize_fix_mode(NULL), FF_AUTO);
	assert_int_equal(finalize_fix_mode(""), FF_AUTO);
	assert_int_equal(finalize_fix_mode("auto"), FF_AUTO);
	assert_int_equal(finalize_fix_mode("on"), FF_ON);
	assert_int_equal(finalize_fix_mode("off"), FF_OFF);
	assert_int_equal(finalize_fix_mode("yes"), -1);
	assert_int_equal(finalize_fix_mode("ON"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian12),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_not_mpich),
		cmocka_unit_test(test_why_truncates),
		cmocka_unit_test(test_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
