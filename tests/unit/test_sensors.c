/* test_sensors.c: sensors_read on fake sysfs and proc trees. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/sensors.h"
#include "fixture.h"

struct tree {
	char root[FIXTURE_PATH_MAX];	 /* the fake sysfs */
	char proc[FIXTURE_PATH_MAX + 8]; /* the fake /proc */
};

static void tree_write(struct tree *t, const char *rel, const char *text)
{
	fixture_put(t->root, rel, text);
}

static void zone(struct tree *t, int n, const char *milli, const char *type)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "class/thermal/thermal_zone%d/temp", n);
	tree_write(t, rel, milli);
	if (type) {
		snprintf(rel, sizeof(rel), "class/thermal/thermal_zone%d/type",
			 n);
		tree_write(t, rel, type);
	}
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t || fixture_mkdtemp(t->root, sizeof(t->root), "sensors") < 0) {
		free(t);
		return -1;
	}
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->root);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	fixture_rm(t->root);
	free(t);
	return 0;
}

static int rd(struct tree *t, const char *zones, struct sample *s)
{
	memset(s, 0x5a, sizeof(*s)); /* nothing may be left from before */
	return sensors_read_at(t->root, t->proc, zones, s);
}

static void test_all_zones_max(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "45000\n", "cpu-thermal\n");
	zone(t, 1, "52500\n", "gpu-thermal\n");
	zone(t, 10, "-3000\n", "board\n");
	tree_write(t, "class/thermal/cooling_device0/cur_state", "0\n");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_false(s.fault);
	assert_string_equal(s.fault_msg, "");
	assert_int_equal(s.nzones, 3);
	/* numeric order: zone10 after zone1 */
	assert_string_equal(s.zones[0].name, "thermal_zone0");
	assert_string_equal(s.zones[1].name, "thermal_zone1");
	assert_string_equal(s.zones[2].name, "thermal_zone10");
	assert_string_equal(s.zones[0].type, "cpu-thermal");
	assert_string_equal(s.zones[1].type, "gpu-thermal");
	assert_true(s.zones[2].temp_c == -3.0);
	assert_true(s.temp_c == 52.5);
	/* NULL and "" mean all, too */
	assert_int_equal(rd(t, NULL, &s), 0);
	assert_int_equal(s.nzones, 3);
	assert_int_equal(rd(t, "", &s), 0);
	assert_true(s.temp_c == 52.5);
}

static void test_listed_zones(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "45000", "cpu-thermal");
	zone(t, 1, "52500", "gpu-thermal");
	zone(t, 2, "61000", "pmic");
	assert_int_equal(rd(t, " thermal_zone0 ,thermal_zone1", &s), 0);
	assert_int_equal(s.nzones, 2);
	assert_true(s.temp_c == 52.5);
	assert_int_equal(rd(t, "thermal_zone2", &s), 0);
	assert_int_equal(s.nzones, 1);
	assert_true(s.temp_c == 61.0);
}

static void test_missing_listed_zone(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "45000", "cpu-thermal");
	assert_int_equal(rd(t, "thermal_zone0,thermal_zone7", &s), -1);
	assert_true(s.fault);
	assert_non_null(strstr(s.fault_msg, "thermal_zone7/temp"));
	assert_non_null(strstr(s.fault_msg, "No such file"));
	/* the zone that could be read still counts */
	assert_int_equal(s.nzones, 1);
	assert_true(s.temp_c == 45.0);
}

static void test_bad_zone_names(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "45000", "cpu-thermal");
	assert_int_equal(rd(t, "../../etc", &s), -1);
	assert_non_null(strstr(s.fault_msg, "bad zone name"));
	assert_int_equal(rd(t, "..", &s), -1);
	assert_int_equal(rd(t, " , ,", &s), -1);
	assert_non_null(strstr(s.fault_msg, "no zone named"));
	assert_true(isnan(s.temp_c));
}

static void test_garbled_temps(void **state)
{
	static const char *bad[] = { "abc\n",
				     "",
				     "\n",
				     "45000x",
				     "4.5e4",
				     " 45000",
				     "99999999999999999999999" };
	struct tree *t = *state;
	struct sample s;

	zone(t, 1, "50000\n", "ok");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zone(t, 0, bad[i], "cpu-thermal");
		assert_int_equal(rd(t, "all", &s), -1);
		assert_true(s.fault);
		assert_non_null(strstr(s.fault_msg, "thermal_zone0/temp"));
		/* the good zone is still read */
		assert_true(s.temp_c == 50.0);
	}
	zone(t, 0, "999999999", "cpu-thermal");
	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "implausible"));
	/* repaired: the next read is clean */
	zone(t, 0, "40000", "cpu-thermal");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_false(s.fault);
	assert_string_equal(s.fault_msg, "");
}

static void test_unreadable_temp(void **state)
{
	struct tree *t = *state;
	struct sample s;
	char path[256];

	zone(t, 0, "40000", "cpu-thermal");
	/* a directory where the file should be: read fails with EISDIR */
	snprintf(path, sizeof(path), "%s/class/thermal/thermal_zone0/temp",
		 t->root);
	unlink(path);
	mkdir(path, 0755);
	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "Is a directory"));
	assert_true(isnan(s.temp_c));
	assert_int_equal(s.nzones, 0);
}

static void test_no_zones(void **state)
{
	struct tree *t = *state;
	struct sample s;

	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "class/thermal"));
	assert_true(isnan(s.temp_c));
	tree_write(t, "class/thermal/cooling_device0/type", "fan");
	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "no thermal_zone"));
	assert_int_equal(s.nzones, 0);
}

static void test_missing_type_is_no_fault(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", NULL);
	assert_int_equal(rd(t, "all", &s), 0);
	assert_string_equal(s.zones[0].type, "");
}

static void test_many_zones(void **state)
{
	struct tree *t = *state;
	struct sample s;
	char milli[16];

	for (int i = 0; i < SAMPLE_MAX_ZONES + 4; i++) {
		snprintf(milli, sizeof(milli), "%d", 30000 + i * 1000);
		zone(t, i, milli, "z");
	}
	assert_int_equal(rd(t, "all", &s), 0);
	assert_int_equal(s.nzones, SAMPLE_MAX_ZONES);
	/* the hottest is past the list, but still the node temperature */
	assert_true(s.temp_c == 30.0 + SAMPLE_MAX_ZONES + 3);
}

#define THROTTLE "devices/platform/soc/soc:firmware/get_throttled"

static void test_throttle_file(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", "cpu-thermal");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_false(s.throttle.valid); /* not a Pi: unknown, fine */
	tree_write(t, THROTTLE, "50005\n");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_true(s.throttle.valid);
	assert_int_equal(s.throttle.raw, 0x50005);
	assert_true(s.throttle.under_voltage && s.throttle.throttled_seen);
	assert_false(s.throttle.freq_capped);
	tree_write(t, THROTTLE, "0x0\n");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_true(s.throttle.valid);
	assert_int_equal(s.throttle.raw, 0);
	tree_write(t, THROTTLE, "zz\n");
	assert_int_equal(rd(t, "all", &s), -1);
	assert_false(s.throttle.valid);
	assert_non_null(strstr(s.fault_msg, "get_throttled"));
	tree_write(t, THROTTLE, "1ffffffff\n");
	assert_int_equal(rd(t, "all", &s), -1);
	/* the temperature is still known */
	assert_true(s.temp_c == 40.0);
}

static void test_cpufreq(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", "cpu-thermal");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_int_equal(s.cpu_freq_mhz, -1);
	tree_write(t, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
		   "1500000\n");
	tree_write(t, "devices/system/cpu/cpu1/cpufreq/scaling_cur_freq",
		   "1800000\n");
	tree_write(t, "devices/system/cpu/cpufreq/policy0/scaling_cur_freq",
		   "garbage\n"); /* not a cpuN: ignored */
	tree_write(t, "devices/system/cpu/cpu2/online", "0\n"); /* no freq */
	assert_int_equal(rd(t, "all", &s), 0);
	assert_int_equal(s.cpu_freq_mhz, 1800);
	tree_write(t, "devices/system/cpu/cpu1/cpufreq/scaling_cur_freq",
		   "fast\n");
	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "cpu1/cpufreq"));
	assert_int_equal(s.cpu_freq_mhz, 1500);
}

static void test_loadavg(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", "cpu-thermal");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_true(s.load1 == -1); /* no fake /proc yet: unknown */
	tree_write(t, "proc/loadavg", "0.52 0.40 0.30 1/123 4567\n");
	assert_int_equal(rd(t, "all", &s), 0);
	assert_true(fabs(s.load1 - 0.52) < 1e-9);
	tree_write(t, "proc/loadavg", "high\n");
	assert_int_equal(rd(t, "all", &s), -1);
	assert_non_null(strstr(s.fault_msg, "loadavg"));
	assert_true(s.load1 == -1);
}

/* A simulated node's clock: whole microseconds, or -1 (none, garbled). */
static void test_sim_clock(void **state)
{
	struct tree *t = *state;
	long long us = 7;

	assert_int_equal(sensors_sim_clock(t->root, &us), -1);
	tree_write(t, SENSORS_SIM_CLOCK, "12500000\n");
	assert_int_equal(sensors_sim_clock(t->root, &us), 0);
	assert_true(us == 12500000);
	tree_write(t, SENSORS_SIM_CLOCK, "12.5\n");
	assert_int_equal(sensors_sim_clock(t->root, &us), -1);
	tree_write(t, SENSORS_SIM_CLOCK, "-3\n");
	assert_int_equal(sensors_sim_clock(t->root, &us), -1);
}

/* sensors_read: the real /proc/loadavg. */
static void test_real_proc(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", "cpu-thermal");
	assert_int_equal(sensors_read(t->root, "all", &s), 0);
	assert_true(s.load1 >= 0);
}

/* seq and ts belong to the caller. */
static void test_seq_ts_untouched(void **state)
{
	struct tree *t = *state;
	struct sample s;

	zone(t, 0, "40000", "cpu-thermal");
	memset(&s, 0, sizeof(s));
	s.seq = 42;
	s.ts = 1234;
	sensors_read_at(t->root, t->proc, "all", &s);
	assert_int_equal(s.seq, 42);
	assert_int_equal(s.ts, 1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_all_zones_max),
		T(test_listed_zones),
		T(test_missing_listed_zone),
		T(test_bad_zone_names),
		T(test_garbled_temps),
		T(test_unreadable_temp),
		T(test_no_zones),
		T(test_missing_type_is_no_fault),
		T(test_many_zones),
		T(test_throttle_file),
		T(test_cpufreq),
		T(test_loadavg),
		T(test_sim_clock),
		T(test_real_proc),
		T(test_seq_ts_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
