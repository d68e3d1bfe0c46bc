/* test_reader.c: sensor reads off the loop with a deadline (agent/reader.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/reader.h"

/*
 * The stand-in reading: blocks until a byte arrives on the pipe, as a
 * sysfs attribute behind a hung bus would (one pipe per test group).
 */
static int gate[2];

static int gated_read(const struct sensors_opts *o, struct sample *s)
{
	char c;

	(void)o;
	if (read(gate[0], &c, 1) != 1)
		return -1;
	s->temp_c = 42.5;
	s->nzones = 1;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return pipe(gate);
}

static int teardown(void **state)
{
	(void)state;
	close(gate[0]);
	close(gate[1]);
	return 0;
}

static void release_one(void)
{
	assert_int_equal(write(gate[1], "x", 1), 1);
}

static void test_answered_in_time(void **state)
{
	struct sensors_opts o = { .zones = "all" };
	char err[128];
	struct reader *r = reader_start(gated_read, err, sizeof(err));
	struct sample s;

	(void)state;
	assert_non_null(r);
	release_one(); /* the read can go through at once */
	assert_int_equal(reader_read(r, &o, &s, 5000), 0);
	assert_false(s.fault);
	assert_true(s.temp_c == 42.5);
	reader_stop(r);
}

static void test_hung_read_is_a_fault(void **state)
{
	struct sensors_opts o = { .zones = "all" };
	char err[128];
	struct reader *r = reader_start(gated_read, err, sizeof(err));
	struct sample s;

	(void)state;
	assert_non_null(r);
	/* nothing on the pipe: the read hangs past its deadline */
	assert_int_equal(reader_read(r, &o, &s, 50), -1);
	assert_true(s.fault);
	assert_true(isnan(s.temp_c));
	assert_non_null(strstr(s.fault_msg, "did not finish within 0.050 s"));
	/* still hung: a fault at once, saying for how long */
	assert_int_equal(reader_read(r, &o, &s, 60000), -1);
	assert_non_null(strstr(s.fault_msg, "blocked for"));
	/* the bus recovers: the stale answer is dropped, a new read runs */
	release_one();
	release_one();
	/* polled with a deadline until the old read has ended */
	for (int i = 0; i < 500 && reader_read(r, &o, &s, 5000) < 0; i++)
		usleep(10000);
	assert_false(s.fault);
	assert_true(s.temp_c == 42.5);
	reader_stop(r);
}

static void test_stop_while_hung(void **state)
{
	struct sensors_opts o = { .zones = "all" };
	char err[128];
	struct reader *r = reader_start(gated_read, err, sizeof(err));
	struct sample s;

	(void)state;
	assert_non_null(r);
	assert_int_equal(reader_read(r, &o, &s, 20), -1);
	reader_stop(r); /* must return, not wait for the read */
	release_one();	/* the detached thread ends and frees all */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answered_in_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hung_read_is_a_fault,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_hung, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
