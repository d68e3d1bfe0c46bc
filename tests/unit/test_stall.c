/* test_stall.c: the watchdog's warning and limit (mpi/stall.c, pure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "stall.h"

static void limits(double limit, double slack, double warn_want,
		   double limit_want)
{
	double warn = -1, eff = -1;

	stall_limits(limit, slack, &warn, &eff);
	if (warn != warn_want || eff != limit_want)
		fail_msg("--stall-s %g, slack %g: warn %g limit %g, want %g %g",
			 limit, slack, warn, eff, warn_want, limit_want);
}

static void test_limits(void **state)
{
	(void)state;
	limits(60, 0.2, 5, 60); /* the default: warn at 5 s */
	limits(2, 0.1, 1, 2);	/* a short limit: warn at half of it */
	limits(0, 0.2, 5, 0);	/* forever: still warn */
	limits(0.1, 0.02, 0.05, 0.1);
	/* Chunks of 1 s at the lowest pace take 20 s: not a stall. */
	limits(60, 20, 20, 60);
	limits(10, 20, 20, 40);
	limits(0, 20, 20, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
