/* test_sim.c: unit tests of the simulated node (real files, real ranks). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/agent.h"
#include "agent/sim.h"
#include "agent/simplant.h"
#include "fixture.h"

static char dir[FIXTURE_PATH_MAX];

static int setup(void **state)
{
	(void)state;
	return fixture_mkdtemp(dir, sizeof(dir), "test_sim");
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rm(dir);
}

/* The fields sim reads, set by hand: the unit test needs no config file. */
static void agent_setup(struct agent *a, const char *profile, double ambient,
			double time_scale)
{
	memset(a, 0, sizeof(*a));
	a->cfg.thermal.source = THERMAL_SIM;
	snprintf(a->cfg.thermal.sysfs_root, sizeof(a->cfg.thermal.sysfs_root),
		 "%s/sysfs", dir);
	a->cfg.fan.driver = FAN_DRIVER_GPIO;
	strcpy(a->cfg.fan.chip, "gpiochip0");
	a->cfg.fan.line = 14;
	a->cfg.gpio.backend = GPIO_BACKEND_SIM;
	snprintf(a->cfg.gpio.sim_dir, sizeof(a->cfg.gpio.sim_dir), "%s/gpio",
		 dir);
	snprintf(a->cfg.sim.profile, sizeof(a->cfg.sim.profile), "%s",
		 profile);
	a->cfg.sim.ambient_c = ambient;
	a->cfg.sim.time_scale = time_scale;
	a->cfg.sim.slots = 1;
}

static long read_long(const char *rel, int base)
{
	char path[256], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/sysfs/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtol(buf, NULL, base);
}

#define TEMP "class/thermal/thermal_zone0/temp"
#define THROTTLED "devices/platform/soc/soc:firmware/get_throttled"
#define FREQ "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Refuses the real /sys and unknown profiles; touches nothing then. */
static void test_refuses(void **state)
{
	struct agent a;

	(void)state;
	agent_setup(&a, "pi4-bare", 25, 1);
	strcpy(a.cfg.thermal.sysfs_root, "/sys");
	assert_int_equal(sim_init(&a), -1);
	assert_null(a.sim);
	agent_setup(&a, "pi3-bare", 25, 1);
	assert_int_equal(sim_init(&a), -1);
	assert_null(a.sim);
	sim_free(&a);			/* harmless without init */
}

/* The fake tree a Pi's kernel would show, at the idle temperature. */
static void test_tree(void **state)
{
	struct agent a;
	char path[256], type[64] = "";
	FILE *f;

	(void)state;
	agent_setup(&a, "pi4-bare", 25, 1);
	assert_int_equal(sim_init(&a), 0);
	assert_int_equal(read_long(TEMP, 10), 45000);	/* 25 + 20 idle */
	assert_int_equal(read_long(THROTTLED, 16), 0);
	assert_int_equal(read_long(FREQ, 10), 1500000);
	assert_int_equal(read_long("devices/system/cpu/cpu3/cpufreq/"
				   "scaling_cur_freq", 10), 1500000);
	snprintf(path, sizeof(path), "%s/sysfs/class/thermal/thermal_zone0/"
		 "type", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(type, sizeof(type), f));
	fclose(f);
	assert_string_equal(type, "cpu-thermal\n");
	sim_free(&a);
	assert_null(a.sim);
}

/* The fan line read from the sim GPIO file cools the idle board. */
static void test_fan_line(void **state)
{
	struct agent a;
	char path[256];
	FILE *f;
	long t = 0;

	(void)state;
	agent_setup(&a, "pi4-heatsink-fan", 25, 1000);
	assert_int_equal(sim_init(&a), 0);
	assert_int_equal(read_long(TEMP, 10), 39000);	/* 25 + 14 */
	snprintf(path, sizeof(path), "%s/gpio", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/gpio/gpiochip0", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/gpio/gpiochip0/14", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("1\n", f);
	fclose(f);
	/* idle with the fan on settles at 25 + 5 */
	for (int i = 0; i < 500; i++) {
		nap_ms(10);
		sim_step(&a);
		t = read_long(TEMP, 10);
		if (t < 31000)
			break;
	}
	assert_true(t < 31000 && t >= 30000);
	sim_free(&a);
}

/*
 * A busy rank heats the node past 80 degC; the firmware then caps the
 * clock, sets its bits and the rank is stopped part of the time; at the
 * end nothing is left stopped.
 */
static void test_busy_rank_throttles(void **state)
{
	struct agent a;
	pid_t rank;
	bool stopped = false, hot = false;

	(void)state;
	rank = fork();
	assert_true(rank >= 0);
	if (rank == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			;
	}
	agent_setup(&a, "pi4-bare", 50, 200);
	assert_int_equal(sim_init(&a), 0);
	a.job_pids[0] = rank;
	a.njob_pids = 1;
	for (int i = 0; i < 1000 && !(hot && stopped); i++) {
		nap_ms(10);
		sim_step(&a);
		hot |= read_long(TEMP, 10) > 80000 &&
		       (read_long(THROTTLED, 16) & 0x8000a) &&
		       read_long(FREQ, 10) < 1500000;
		stopped |= fixture_proc_state(rank) == 'T';
	}
	assert_true(hot);
	assert_true(stopped);
	sim_free(&a);
	assert_true(fixture_proc_state(rank) != 'T');
	kill(rank, SIGKILL);
	waitpid(rank, NULL, 0);
}

/* The [sim] keys: profile and slots, with FILE:LINE errors. */
static int load(const char *text, struct config *c, char *err, size_t len)
{
	char path[FIXTURE_PATH_MAX + 16];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/agent.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	rc = config_load(path, c, err, len);
	unlink(path);
	return rc;
}

static void test_config_keys(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.sim.profile, "pi4-bare");
	assert_int_equal(c.sim.slots, 4);
	assert_int_equal(load("[sim]\nprofile = pi5-active-cooler\n"
			      "slots = 2\n", &c, err, sizeof(err)), 0);
	assert_string_equal(c.sim.profile, "pi5-active-cooler");
	assert_int_equal(c.sim.slots, 2);
	assert_int_equal(load("[sim]\nslots = 1\nprofile = pi3\n", &c, err,
			      sizeof(err)), -1);
	assert_non_null(strstr(err, "agent.conf:3: [sim] profile 'pi3' is "
				    "unknown: one of pi4-bare, "));
	assert_int_equal(load("[sim]\n\nslots = 0\n", &c, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "agent.conf:3: [sim] slots"));
}

/* config.c keeps its own list of profile names: it must match the plant's. */
static void test_config_knows_every_profile(void **state)
{
	struct config c;
	char err[512], text[128], names[256];

	(void)state;
	for (const struct simplant_profile *p = simplant_profiles; p->name;
	     p++) {
		snprintf(text, sizeof(text), "[sim]\nprofile = %s\n", p->name);
		assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	}
	assert_int_equal(load("[sim]\nprofile = x\n", &c, err, sizeof(err)),
			 -1);
	simplant_profile_names(names, sizeof(names));
	assert_non_null(strstr(err, names));
	assert_string_equal(strstr(err, names), names);	/* nothing more */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_fan_line),
		cmocka_unit_test(test_busy_rank_throttles),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_knows_every_profile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
