/* test_simload.c: unit tests of the ranks' busy-time measurement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "sim/simload.h"
#include "fixture.h"

static char root[FIXTURE_PATH_MAX];

static int setup(void **state)
{
	(void)state;
	return fixture_mkdtemp(root, sizeof(root), "test_simload");
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rm(root);
}

static void put(int pid, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/%s", root, pid, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* run + runqueue wait from schedstat: a rank waiting for a core counts. */
static void test_schedstat(void **state)
{
	uint64_t ns = 0;

	(void)state;
	put(100, "schedstat", "1500000000 500000000 42\n");
	assert_int_equal(simload_busy_ns(root, 100, &ns), 0);
	assert_true(ns == 2000000000ull);
	assert_int_equal(simload_busy_ns(root, 101, &ns), -1);
}

/* Without schedstat: utime + stime in clock ticks, command with ") (". */
static void test_stat_fallback(void **state)
{
	uint64_t ns = 0;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	put(200, "stat",
	    "200 (a) (b) R 1 200 200 0 -1 4194304 0 0 0 0 "
	    "300 100 0 0 20 0 1 0 5 0 0\n");
	assert_int_equal(simload_busy_ns(root, 200, &ns), 0);
	assert_true(ns == 400ull * (1000000000ull / (unsigned long long)hz));
	put(201, "stat", "garbage\n");
	assert_int_equal(simload_busy_ns(root, 201, &ns), -1);
}

/* Deltas between samples; new pids baseline; gone pids forgotten. */
static void test_sample(void **state)
{
	struct simload l;
	pid_t pids[] = { 300, 301, 300 };

	(void)state;
	simload_init(&l, root);
	put(300, "schedstat", "1000 0 1\n");
	put(301, "schedstat", "5000 0 1\n");
	assert_true(simload_sample(&l, pids, 2) == 0);
	put(300, "schedstat", "1600 400 2\n");
	put(301, "schedstat", "5500 0 2\n");
	/* the duplicate 300 counts once */
	assert_true(simload_sample(&l, pids, 3) == 1000 + 500);
	/* 301 reused (counter went back): new baseline, no negative */
	put(301, "schedstat", "10 0 1\n");
	put(300, "schedstat", "2600 400 3\n");
	assert_true(simload_sample(&l, pids, 2) == 1000);
	assert_int_equal(l.n, 2);
	/* 300 no longer listed: forgotten, counts from scratch later */
	assert_true(simload_sample(&l, pids + 1, 1) == 0);
	assert_int_equal(l.n, 1);
	put(300, "schedstat", "9000 0 3\n");
	assert_true(simload_sample(&l, pids, 2) == 0);
}

/* Run and wait apart, over the ranks measured across the whole interval. */
static void test_sample_split(void **state)
{
	struct simload l;
	struct simload_delta d;
	pid_t pids[] = { 400, 401, 402 };

	(void)state;
	simload_init(&l, root);
	put(400, "schedstat", "1000 100 1\n");
	put(401, "schedstat", "2000 200 1\n");
	simload_sample_split(&l, pids, 2, &d);
	assert_int_equal(d.n, 0);
	put(400, "schedstat", "1500 900 2\n");
	put(401, "schedstat", "2100 200 2\n");
	put(402, "schedstat", "7000 7000 2\n"); /* new: baseline only */
	simload_sample_split(&l, pids, 3, &d);
	assert_int_equal(d.n, 2);
	assert_true(d.run_ns == 500 + 100);
	assert_true(d.wait_ns == 800);
}

/* The real /proc: this process has run a little. */
static void test_real_proc(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(simload_busy_ns("/proc", getpid(), &ns), 0);
	assert_true(ns > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_stat_fallback),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_sample_split),
		cmocka_unit_test(test_real_proc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
