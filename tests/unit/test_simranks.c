/* test_simranks.c: finding a simulated node's ranks by their environment. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "sim/simranks.h"
#include "fixture.h"

static char root[FIXTURE_PATH_MAX];

static int setup(void **state)
{
	(void)state;
	return fixture_mkdtemp(root, sizeof(root), "test_simranks");
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rm(root);
}

/* An environ file: NUL-separated, as the kernel shows it. */
static void put_env(const char *rel, const char *vars, size_t len)
{
	char path[256];
	FILE *f;

	fixture_put(root, rel, "");
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(vars, 1, len, f), len);
	fclose(f);
}

#define ENV(s) s, sizeof(s) - 1

/*
 * Exactly the processes whose environment holds the tag: not a longer
 * tag, not the name in another variable's value, not a non-pid entry,
 * not a launcher whose tagged child does the work; sorted; at most max.
 */
static void test_fake_proc(void **state)
{
	pid_t pids[8];

	(void)state;
	put_env("300/environ", ENV("A=1\0PIRACK_SIM_NODE=/r/n0/sysfs\0B=2\0"));
	put_env("20/environ", ENV("PIRACK_SIM_NODE=/r/n0/sysfs"));
	put_env("21/environ", ENV("PIRACK_SIM_NODE=/r/n0/sysfs2\0"));
	put_env("22/environ", ENV("X=PIRACK_SIM_NODE=/r/n0/sysfs\0"));
	put_env("23/environ", ENV("PIRACK_SIM_NODE=/r/n1/sysfs\0"));
	put_env("self/environ", ENV("PIRACK_SIM_NODE=/r/n0/sysfs\0"));
	fixture_put(root, "24/stat", "24 (gone) Z\n"); /* no environ */
	/* settling asks for stat: none here, so nobody is old enough */
	assert_int_equal(simranks_scan(root, "/r/n0/sysfs", 1, pids, 8), 0);
	/* started at tick 1 after boot: old by now */
	fixture_put(root, "20/stat",
		    "20 (a b) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
		    "20 0 1 0 1 0 0\n");
	assert_int_equal(simranks_scan(root, "/r/n0/sysfs", 1, pids, 8), 1);
	assert_int_equal(pids[0], 20);
	assert_int_equal(simranks_scan(root, "/r/n0/sysfs", 0, pids, 8), 2);
	assert_int_equal(pids[0], 20);
	assert_int_equal(pids[1], 300);
	assert_int_equal(simranks_scan(root, "/r/n1/sysfs", 0, pids, 8), 1);
	assert_int_equal(pids[0], 23);
	assert_int_equal(simranks_scan(root, "/r/n0/sysfs", 0, pids, 1), 1);
	assert_int_equal(simranks_scan(root, "/r/n2/sysfs", 0, pids, 8), 0);
	assert_int_equal(simranks_scan("/nonexistent/proc", "x", 0, pids, 8),
			 -1);
	/* 300 launched 310 (pirack run and its command): 310 is the rank */
	put_env("310/environ", ENV("PIRACK_SIM_NODE=/r/n0/sysfs\0"));
	fixture_put(root, "310/stat", "310 (pirack-pi) R 300 1 1 0\n");
	assert_int_equal(simranks_scan(root, "/r/n0/sysfs", 0, pids, 8), 2);
	assert_int_equal(pids[0], 20);
	assert_int_equal(pids[1], 310);
}

/* A real process started with the tag is found in the real /proc. */
static void test_real_process(void **state)
{
	char tag[FIXTURE_PATH_MAX + 32], var[FIXTURE_PATH_MAX + 64];
	pid_t child, pids[64];
	int n = 0, found = 0;

	(void)state;
	snprintf(tag, sizeof(tag), "%s/n0/sysfs", root);
	snprintf(var, sizeof(var), "%s=%s", SIMRANKS_ENV, tag);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char *envp[] = { var, NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execle("/bin/sleep", "sleep", "30", (char *)NULL, envp);
		_exit(127);
	}
	/* until the exec has happened: the fork's copy has no tag */
	for (int i = 0; i < 500 && !found; i++) {
		struct timespec ts = { 0, 10000000L };

		n = simranks_scan("/proc", tag, 0, pids, 64);
		for (int k = 0; k < n; k++)
			found += pids[k] == child;
		if (!found)
			nanosleep(&ts, NULL);
	}
	assert_int_equal(n, 1);
	assert_int_equal(found, 1);
	/* not yet settled: a minute old at least is asked */
	assert_int_equal(simranks_scan("/proc", tag, 60000, pids, 64), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(simranks_scan("/proc", tag, 0, pids, 64), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_proc),
		cmocka_unit_test(test_real_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
