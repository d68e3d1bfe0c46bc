/* test_sim.c: unit tests of the simulated node (real files, real ranks). */
#include <math.h>
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
#include "config.h"
#include "sensors.h"
#include "sim/sim.h"
#include "sim/simplant.h"
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

/* The keys sim reads, set by hand: the unit test needs no config file. */
static void cfg_setup(struct config *c, const char *profile, double ambient,
		      double time_scale)
{
	config_defaults(c);
	c->thermal.source = THERMAL_SIM;
	snprintf(c->thermal.sysfs_root, sizeof(c->thermal.sysfs_root),
		 "%s/sysfs", dir);
	c->fan.driver = FAN_DRIVER_GPIO;
	strcpy(c->fan.chip, "gpiochip0");
	c->fan.line = 14;
	c->gpio.backend = GPIO_BACKEND_FILE;
	snprintf(c->gpio.sim_dir, sizeof(c->gpio.sim_dir), "%s/gpio", dir);
	snprintf(c->sim.profile, sizeof(c->sim.profile), "%s", profile);
	c->sim.ambient_c = ambient;
	c->sim.time_scale = time_scale;
	c->sim.slots = 1;
}

/* The first line of a file of the fake tree into buf; "" without one. */
static char *read_line(const char *rel, char *buf, int len)
{
	char path[256];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/sysfs/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static long read_long(const char *rel, int base)
{
	char buf[64];

	if (!read_line(rel, buf, sizeof(buf)))
		return -1;
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

/* Refuses the real /sys and unknown profiles, saying why. */
static void test_refuses(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	cfg_setup(&c, "pi4-bare", 25, 1);
	strcpy(c.thermal.sysfs_root, "/sys");
	assert_null(sim_open(&c, "/proc", err, sizeof(err)));
	assert_non_null(strstr(err, "not '/sys'"));
	cfg_setup(&c, "pi3-bare", 25, 1);
	assert_null(sim_open(&c, "/proc", err, sizeof(err)));
	assert_non_null(strstr(err, "[sim] profile 'pi3-bare' is unknown"));
	sim_close(NULL); /* harmless */
}

/* The fake tree a Pi's kernel would show, at the idle temperature. */
static void test_tree(void **state)
{
	struct config c;
	struct sim *s;
	char path[256], type[64] = "", err[256];
	FILE *f;

	(void)state;
	cfg_setup(&c, "pi4-bare", 25, 1);
	s = sim_open(&c, "/proc", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(read_long(TEMP, 10), 45000); /* 25 + 20 idle */
	assert_int_equal(read_long(THROTTLED, 16), 0);
	assert_int_equal(read_long(FREQ, 10), 1500000);
	assert_int_equal(read_long("devices/system/cpu/cpu3/cpufreq/"
				   "scaling_cur_freq",
				   10),
			 1500000);
	snprintf(path, sizeof(path),
		 "%s/sysfs/class/thermal/thermal_zone0/"
		 "type",
		 dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(type, sizeof(type), f));
	fclose(f);
	assert_string_equal(type, "cpu-thermal\n");
	sim_close(s);
}

/* The fan line read from the sim GPIO file cools the idle board. */
static void test_fan_line(void **state)
{
	struct config c;
	struct sim *s;
	char path[256], err[256];
	FILE *f;
	long t = 0;

	(void)state;
	cfg_setup(&c, "pi4-heatsink-fan", 25, 1000);
	s = sim_open(&c, "/proc", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(read_long(TEMP, 10), 39000); /* 25 + 14 */
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
		sim_step(s, NULL, 0);
		t = read_long(TEMP, 10);
		if (t < 31000)
			break;
	}
	assert_true(t < 31000 && t >= 30000);
	sim_close(s);
}

/*
 * A busy rank heats the node past 80 degC; the firmware then caps the
 * clock, sets its bits and the rank is stopped part of the time; at the
 * end nothing is left stopped.
 */
/* A busy rank: a child spinning until killed (or its parent dies). */
static pid_t spin_child(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			;
	}
	return pid;
}

static void test_busy_rank_throttles(void **state)
{
	struct config c;
	struct sim *s;
	char err[256];
	pid_t rank;
	bool stopped = false, hot = false;

	(void)state;
	rank = spin_child();
	cfg_setup(&c, "pi4-bare", 50, 200);
	s = sim_open(&c, "/proc", err, sizeof(err));
	assert_non_null(s);
	for (int i = 0; i < 1000 && !(hot && stopped); i++) {
		nap_ms(10);
		sim_step(s, &rank, 1);
		hot |= read_long(TEMP, 10) > 80000 &&
		       (read_long(THROTTLED, 16) & 0x8000a) &&
		       read_long(FREQ, 10) < 1500000;
		stopped |= fixture_proc_state(rank) == 'T';
	}
	assert_true(hot);
	assert_true(stopped);
	sim_close(s);
	assert_true(fixture_proc_state(rank) != 'T');
	kill(rank, SIGKILL);
	waitpid(rank, NULL, 0);
}

static void write_text(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sysfs/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define CPUFREQ(n, f) "devices/system/cpu/cpu" #n "/cpufreq/" f

/*
 * The cpufreq limits a Pi shows; a scaling_max_freq the agent lowers caps
 * the clock of every core (within the board's range) without any
 * firmware flag, and a busy rank then runs only part of the time; the
 * energy is the idle power over the simulated time when nothing runs.
 */
static void test_cpufreq_cap(void **state)
{
	struct config c;
	struct sim_state st;
	struct sim *s;
	char err[256], line[256];
	pid_t rank;
	bool stopped = false;

	(void)state;
	/* before sim_open: a fork after it would hold the duty socket */
	rank = spin_child();
	cfg_setup(&c, "pi4-bare", 25, 1);
	s = sim_open(&c, "/proc", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(read_long(CPUFREQ(0, "cpuinfo_max_freq"), 10),
			 1500000);
	assert_int_equal(read_long(CPUFREQ(3, "scaling_max_freq"), 10),
			 1500000);
	assert_int_equal(read_long(CPUFREQ(2, "cpuinfo_min_freq"), 10), 600000);
	/* raspberrypi-cpufreq's list: every 100 MHz, min to max */
	assert_string_equal(
	    read_line(CPUFREQ(1, "scaling_available_frequencies"), line,
		      sizeof(line)),
	    "600000 700000 800000 900000 1000000 1100000 "
	    "1200000 1300000 1400000 1500000 \n");
	nap_ms(50);
	sim_step(s, NULL, 0);
	sim_state(s, &st);
	assert_true(st.sim_s > 0);
	assert_true(fabs(st.energy_j / st.sim_s - 2.7) < 1e-6);
	/* the plant's clock, as the agent reads it (sensors.h) */
	assert_int_equal(read_long(SENSORS_SIM_CLOCK, 10),
			 (long)(st.sim_s * 1e6));
	assert_true(st.job_energy_j == 0);

	write_text(CPUFREQ(0, "scaling_max_freq"), "1000000\n");
	sim_step(s, NULL, 0);
	assert_int_equal(read_long(FREQ, 10), 1000000);
	assert_int_equal(read_long(CPUFREQ(3, "scaling_cur_freq"), 10),
			 1000000);
	assert_int_equal(read_long(THROTTLED, 16), 0);
	write_text(CPUFREQ(0, "scaling_max_freq"), "100000\n");
	sim_step(s, NULL, 0);
	assert_int_equal(read_long(FREQ, 10), 600000);

	for (int i = 0; i < 500 && !stopped; i++) {
		nap_ms(10);
		sim_step(s, &rank, 1);
		stopped = fixture_proc_state(rank) == 'T';
	}
	assert_true(stopped);
	sim_state(s, &st);
	assert_true(st.job_energy_j > 0);
	assert_int_equal(read_long(THROTTLED, 16), 0);
	sim_close(s);
	assert_true(fixture_proc_state(rank) != 'T');
	kill(rank, SIGKILL);
	waitpid(rank, NULL, 0);
}

/*
 * The node's time and load: the wall clock counts waiting for a CPU as
 * busy; the CPU clock runs at the CPU share a runnable rank got and counts
 * only the CPU the ranks got. Without waits the two agree.
 */
static void test_node_time(void **state)
{
	/* 2 ranks, each ran 0.1 s and waited 0.9 s of a 1 s step */
	struct simload_delta starved = { 200000000, 1800000000, 2 };
	/* 2 ranks, each ran 0.5 s and never waited */
	struct simload_delta fair = { 1000000000, 0, 2 };
	struct simload_delta none = { 0, 0, 0 };
	struct sim_rate rate = { 0, 0, 0 };
	double load;

	(void)state;
	assert_true(sim_rate_of(&rate) == 1);
	assert_true(sim_node_time(1, 1, &starved, 2, false, &rate, &load) == 1);
	assert_true(fabs(load - 1) < 1e-9);
	assert_true(fabs(sim_node_time(1, 1, &starved, 2, true, &rate, &load) -
			 0.1) < 1e-9);
	assert_true(fabs(load - 1) < 1e-9);
	assert_true(fabs(sim_rate_of(&rate) - 0.1) < 1e-9);
	rate = (struct sim_rate){ 0, 0, 0 };
	assert_true(sim_node_time(1, 1, &fair, 2, false, &rate, &load) == 1);
	assert_true(fabs(load - 0.5) < 1e-9);
	assert_true(sim_node_time(1, 1, &fair, 2, true, &rate, &load) == 1);
	assert_true(fabs(load - 0.5) < 1e-9);
	/* idle: the wall clock's time either way */
	assert_true(sim_node_time(0.5, 0.5, &none, 2, true, &rate, &load) ==
		    0.5);
	assert_true(load == 0);
	/* a host that never runs them: the clock slows to its floor */
	starved.run_ns = 0;
	starved.wait_ns = 2000000000;
	assert_true(sim_node_time(1, 1, &starved, 2, true, &rate, &load) > 0);
	assert_true(load == 0);
}

/*
 * The CPU clock on a host that gives a runnable rank a fifth of a CPU:
 * a rank runnable half the wall time (asleep in its pace, or stopped for
 * a lower clock, the rest) computes half its Pi's time, whatever the
 * host; a step it slept through passes at the last rate. Before, the
 * sleep passed at the wall clock's rate and the rank computed a sixth.
 */
static void test_node_time_sleeping(void **state)
{
	/* runnable all the time: each ran 0.2 s, waited 0.8 s */
	struct simload_delta busy = { 400000000, 1600000000, 2 };
	/* runnable half the time: each ran 0.1 s, waited 0.4 s */
	struct simload_delta half = { 200000000, 800000000, 2 };
	/* asleep the whole step */
	struct simload_delta asleep = { 0, 0, 2 };
	/* alone, never waiting, for 0.1 s */
	struct simload_delta alone = { 100000000, 0, 1 };
	struct sim_rate rate = { 0, 0, 0 };
	double load, t, k;

	(void)state;
	t = sim_node_time(1, 1, &busy, 2, true, &rate, &load);
	assert_true(fabs(t - 0.2) < 1e-9 && fabs(load - 1) < 1e-9);
	t = sim_node_time(1, 1, &half, 2, true, &rate, &load);
	assert_true(fabs(t - 0.2) < 1e-9);
	assert_true(fabs(load - 0.5) < 1e-9);
	t = sim_node_time(1, 1, &asleep, 2, true, &rate, &load);
	assert_true(fabs(t - 0.2) < 1e-9 && load == 0);
	/* the rate is over the last 0.1 s runnable: the 0.1 s alone weighs
	 * as much as what came before it decayed by e^-1 */
	rate = (struct sim_rate){ 0.02, 0.1, 0.1 };
	k = exp(-1);
	t = sim_node_time(1, 1, &alone, 1, true, &rate, &load);
	assert_true(fabs(t - (0.02 * k + 0.1) / (0.1 * k + 0.1)) < 1e-9);
}

/*
 * A throttled node on a busy host: its 2 ranks may run 0.4 of a 1 s step
 * (600 MHz of 1500) and the host gives a runnable rank a fifth of a CPU,
 * so each ran 0.08 s and waited 0.32 s for a CPU in its run phases; then
 * 0.3 s more waiting to be stopped (a stopped rank that waits for a CPU
 * stops only when it runs). That last wait is not for a CPU to compute
 * on: the node's load is its clock's 0.4 on either clock. Counted as a
 * wait for a CPU it slowed the CPU clock to 0.11 and the load came to
 * 0.7, on the wall clock too.
 */
static void test_node_time_stopped(void **state)
{
	struct simload_delta d = { 160000000, 1240000000, 2 };
	struct sim_rate rate = { 0.02, 0.1, 0.1 }; /* a fifth */
	double load, t, k;

	(void)state;
	t = sim_node_time(1, 0.4, &d, 2, true, &rate, &load);
	assert_true(fabs(sim_rate_of(&rate) - 0.2) < 1e-9);
	assert_true(fabs(t - 0.2) < 1e-9);
	assert_true(fabs(load - 0.4) < 1e-9);
	rate = (struct sim_rate){ 0, 0, 0 };
	assert_true(sim_node_time(1, 0.4, &d, 2, false, &rate, &load) == 1);
	assert_true(fabs(load - 0.4) < 1e-9);
	/* runnable for less than the run phases: nothing to take off */
	d.wait_ns = 400000000;
	rate = (struct sim_rate){ 0.02, 0.1, 0.1 };
	k = exp(-0.28 / 0.1);
	t = sim_node_time(1, 0.4, &d, 2, true, &rate, &load);
	assert_true(fabs(t - (0.02 * k + 0.16) / (0.1 * k + 0.56)) < 1e-9);
	assert_true(fabs(load - 0.16 / t / 2) < 1e-9);
	/* ran more than the run phases (the cycler woke late): kept */
	d.wait_ns = 0;
	d.run_ns = 1000000000;
	rate = (struct sim_rate){ 0, 0, 0 };
	sim_node_time(1, 0.4, &d, 2, true, &rate, &load);
	assert_true(fabs(load - 0.5) < 1e-9);
	/* the wait is counted when the rank next runs, often in the stop
	 * phase after it: over the window it still counts (0.1 s of run
	 * phase, each rank ran 0.02 s and waited 0.08 s, counted next step) */
	rate = (struct sim_rate){ 0, 0, 0 };
	d = (struct simload_delta){ 40000000, 0, 2 };
	sim_node_time(0.1, 0.1, &d, 2, true, &rate, &load);
	d = (struct simload_delta){ 0, 160000000, 2 };
	sim_node_time(0.1, 0, &d, 2, true, &rate, &load);
	assert_true(fabs(sim_rate_of(&rate) - 0.2) < 1e-9);
}

/*
 * The same on a real busy host: a rank capped at 600 MHz (0.4 of the
 * time) beside four busy processes per CPU does the work of 600 MHz on
 * the CPU clock, not more. Before the stop waits counted as stopped it
 * did 1.4-1.6 times that here.
 */
static void test_capped_rank_busy_host(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t rank, hogs[64];
	size_t nhogs = ncpu > 0 && ncpu < 16 ? (size_t)ncpu * 4 : 8;
	uint64_t run0 = 0, run1 = 0, wait;
	struct sim_state st;
	struct config c;
	struct sim *s;
	char err[256];
	double t0 = 0, share;

	(void)state;
	/* before sim_open: a fork after it would hold the duty socket */
	rank = spin_child();
	for (size_t i = 0; i < nhogs; i++)
		hogs[i] = spin_child();
	cfg_setup(&c, "pi4-bare", 25, 1);
	s = sim_open(&c, "/proc", err, sizeof(err));
	assert_non_null(s);
	sim_set_cpu_clock(s, true);
	write_text(CPUFREQ(0, "scaling_max_freq"), "600000\n");
	sim_step(s, NULL, 0);
	assert_int_equal(read_long(FREQ, 10), 600000);
	/* 0.5 s for the cycler and the rate to settle, then 3 s measured */
	for (int i = 0; i <= 175; i++) {
		nap_ms(20);
		sim_step(s, &rank, 1);
		if (i == 25 || i == 175) {
			sim_state(s, &st);
			assert_int_equal(simload_cpu_ns("/proc", rank,
							i == 25 ? &run0 : &run1,
							&wait),
					 0);
			if (i == 25)
				t0 = st.job_s;
		}
	}
	sim_close(s);
	for (size_t i = 0; i < nhogs; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	kill(rank, SIGKILL);
	waitpid(rank, NULL, 0);
	/* the rank's CPU time over its Pi's time (time scale 1) */
	share = (double)(run1 - run0) / 1e9 / (st.job_s - t0);
	print_message("capped rank: %.3f of its Pi's time (clock 0.4)\n",
		      share);
	assert_true(share > 0.4 * 0.8 && share < 0.4 * 1.2);
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
			      "slots = 2\n",
			      &c, err, sizeof(err)),
			 0);
	assert_string_equal(c.sim.profile, "pi5-active-cooler");
	assert_int_equal(c.sim.slots, 2);
	assert_int_equal(
	    load("[sim]\nslots = 1\nprofile = pi3\n", &c, err, sizeof(err)),
	    -1);
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
	assert_string_equal(strstr(err, names), names); /* nothing more */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_fan_line),
		cmocka_unit_test(test_busy_rank_throttles),
		cmocka_unit_test(test_cpufreq_cap),
		cmocka_unit_test(test_node_time),
		cmocka_unit_test(test_node_time_sleeping),
		cmocka_unit_test(test_node_time_stopped),
		cmocka_unit_test(test_capped_rank_busy_host),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_knows_every_profile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
