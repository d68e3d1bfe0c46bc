/* sim.c: one simulated node: load -> plant -> firmware -> sysfs, duty. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sim.h"
#include "clock.h"
#include "fsutil.h"
#include "log.h"
#include "sensors.h"
#include "simduty.h"
#include "simfw.h"
#include "simload.h"
#include "simplant.h"
#include "simpower.h"

/*
 * Each tick: measure how busy the node's ranks were (simload), heat the
 * plant with it (simplant), let the firmware model react (simfw), write
 * what a Pi's kernel would show into a fake sysfs tree under sysfs_root,
 * which pirackd reads through its ordinary sysfs path, and slow the ranks
 * to the firmware's clock (simduty). The fan comes back the way a Pi's
 * fan would: from the line the agent drives (the GPIO files of [gpio]
 * backend = sim, or the pwm channel under sysfs_root).
 */
struct sim {
	struct config cfg;
	const struct simplant_profile *profile;
	struct simplant plant;
	struct simfw fw;
	struct simload load;
	struct simduty duty;
	int slots;
	uint64_t last_ms;
	double last_load, last_fan, last_power;
	int clock_mhz;		  /* in effect: min(firmware, cpufreq cap) */
	bool cpu_clock;		  /* time follows the CPU the ranks got */
	struct sim_rate cpu_rate; /* CPU clock: its rate of the wall clock's */
	double stopped_s;	  /* simduty_stopped_s at the last step */
	double sim_s, energy_j, job_s, job_energy_j, peak_c;
	bool write_failed;
	char root[CONFIG_PATH_MAX];
};

#define SIM_ZONE "class/thermal/thermal_zone0"
#define SIM_FIRMWARE "devices/platform/soc/soc:firmware"
#define SIM_CPUFREQ "devices/system/cpu/cpu%d/cpufreq/"
#define SIM_MAX_STEP_S 600.0 /* a stalled loop does not integrate hours */
#define SIM_MIN_RATE 0.02    /* the cpu clock runs at least this fast */
#define SIM_MAX_FREQS 32     /* listed clocks (a Pi lists 10) */
/* the CPU clock's rate: the ranks' last runnable 0.1 s (2 periods of
 * simduty at full speed, 5 at 600 MHz) */
#define SIM_RATE_WINDOW_S 0.1

/* mkdir -p of root/rel (root too: a fresh node dir is fine). */
static int sim_mkdirs(const char *root, const char *rel)
{
	char path[CONFIG_PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return fs_mkdirs(path, 0755);
}

/* Writes text to root/rel atomically: readers never see half a number. */
static int sim_write(const char *root, const char *rel, const char *text)
{
	char path[CONFIG_PATH_MAX + 128], tmp[CONFIG_PATH_MAX + 136];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int sim_write_tree(struct sim *s)
{
	char text[64], rel[128];
	int rc = 0;

	snprintf(text, sizeof(text), "%ld\n", (long)(s->plant.tj * 1000));
	rc |= sim_write(s->root, SIM_ZONE "/temp", text);
	snprintf(text, sizeof(text), "%x\n", simfw_throttled(&s->fw));
	rc |= sim_write(s->root, SIM_FIRMWARE "/get_throttled", text);
	snprintf(text, sizeof(text), "%d\n", s->clock_mhz * 1000);
	for (int cpu = 0; cpu < s->profile->cores; cpu++) {
		snprintf(rel, sizeof(rel), SIM_CPUFREQ "scaling_cur_freq", cpu);
		rc |= sim_write(s->root, rel, text);
	}
	/* the plant's clock, for the agent's controller (sensors.h) */
	snprintf(text, sizeof(text), "%lld\n", (long long)(s->sim_s * 1e6));
	rc |= sim_write(s->root, SENSORS_SIM_CLOCK, text);
	return rc;
}

/* scaling_available_frequencies' text: simfw_cpufreq_khz's list. */
static void sim_available(const struct simfw_model *m, char *text, size_t len)
{
	long khz[SIM_MAX_FREQS];
	size_t n = simfw_cpufreq_khz(m, khz, SIM_MAX_FREQS), used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++)
		used +=
		    (size_t)snprintf(text + used, len - used, "%ld ", khz[i]);
	if (used < len)
		snprintf(text + used, len - used, "\n");
}

/*
 * The cpufreq limits a Pi's kernel shows, written once: scaling_max_freq
 * is then the agent's to lower (its cpufreq lever), as on a Pi.
 */
static int sim_write_limits(struct sim *s)
{
	const struct simfw_model *m = s->profile->fw;
	static const char *const names[] = { "cpuinfo_max_freq",
					     "scaling_max_freq",
					     "cpuinfo_min_freq",
					     "scaling_min_freq" };
	char text[512], rel[128];

	for (int cpu = 0; cpu < s->profile->cores; cpu++) {
		for (int i = 0; i < 4; i++) {
			snprintf(text, sizeof(text), "%d\n",
				 m->clocks_mhz[i < 2 ? 0 : m->nclocks - 1] *
				     1000);
			snprintf(rel, sizeof(rel), SIM_CPUFREQ "%s", cpu,
				 names[i]);
			if (sim_write(s->root, rel, text) < 0)
				return -1;
		}
		sim_available(m, text, sizeof(text));
		snprintf(rel, sizeof(rel),
			 SIM_CPUFREQ "scaling_available_frequencies", cpu);
		if (sim_write(s->root, rel, text) < 0)
			return -1;
	}
	return 0;
}

static int sim_make_tree(struct sim *s)
{
	char rel[128];

	if (sim_mkdirs(s->root, SIM_ZONE) < 0 ||
	    sim_mkdirs(s->root, SIM_FIRMWARE) < 0 ||
	    sim_mkdirs(s->root, "pirack-sim") < 0)
		return -1;
	for (int cpu = 0; cpu < s->profile->cores; cpu++) {
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cpufreq",
			 cpu);
		if (sim_mkdirs(s->root, rel) < 0)
			return -1;
	}
	if (sim_write(s->root, SIM_ZONE "/type", "cpu-thermal\n") < 0 ||
	    sim_write_limits(s) < 0)
		return -1;
	return sim_write_tree(s);
}

/* The first number in path, or -1 when unreadable. */
static long sim_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%ld", &v);
	fclose(f);
	return n == 1 ? v : -1;
}

/*
 * The fan as the plant feels it, read from what drives it: the wire value
 * of the GPIO file (backend sim), or the pwm channel's duty over period
 * when enabled. No line written yet, a gpiod line or no fan: off, as an
 * undriven fan on a Pi.
 */
static double sim_fan(const struct config *c)
{
	char path[2 * CONFIG_PATH_MAX + CONFIG_NAME_MAX + 48];
	long v, period;

	if (c->fan.driver == FAN_DRIVER_GPIO &&
	    c->gpio.backend == GPIO_BACKEND_FILE) {
		snprintf(path, sizeof(path), "%s/%s/%u", c->gpio.sim_dir,
			 c->fan.chip, c->fan.line);
		v = sim_read_long(path);
		return v < 0 ? 0 : (v != 0) != c->fan.active_low;
	}
	if (c->fan.driver == FAN_DRIVER_PWM) {
		snprintf(path, sizeof(path), "%s/class/pwm/%s/enable",
			 c->thermal.sysfs_root, c->fan.pwm);
		if (sim_read_long(path) != 1)
			return 0;
		snprintf(path, sizeof(path), "%s/class/pwm/%s/period",
			 c->thermal.sysfs_root, c->fan.pwm);
		period = sim_read_long(path);
		snprintf(path, sizeof(path), "%s/class/pwm/%s/duty_cycle",
			 c->thermal.sysfs_root, c->fan.pwm);
		v = sim_read_long(path);
		if (period <= 0 || v < 0)
			return 0;
		return v >= period ? 1 : (double)v / (double)period;
	}
	return 0;
}

/*
 * The clock the node runs at: the firmware's, capped by cpu0's
 * scaling_max_freq (kHz) when the agent lowered it; the cap within the
 * board's clock range, as cpufreq keeps it. No file: no cap.
 */
static int sim_clock_mhz(const struct sim *s)
{
	const struct simfw_model *m = s->profile->fw;
	char path[CONFIG_PATH_MAX + 64];
	int fw = simfw_clock_mhz(&s->fw);
	long cap;

	snprintf(path, sizeof(path), "%s/" SIM_CPUFREQ "scaling_max_freq",
		 s->root, 0);
	cap = sim_read_long(path);
	if (cap < 0)
		return fw;
	cap /= 1000;
	if (cap < m->clocks_mhz[m->nclocks - 1])
		cap = m->clocks_mhz[m->nclocks - 1];
	return cap < fw ? (int)cap : fw;
}

struct sim *sim_open(const struct config *c, const char *proc_root, char *err,
		     size_t errlen)
{
	struct sim *s;

	if (!c->thermal.sysfs_root[0] ||
	    strcmp(c->thermal.sysfs_root, "/sys") == 0 ||
	    strncmp(c->thermal.sysfs_root, "/sys/", 5) == 0) {
		snprintf(err, errlen,
			 "the simulated node writes a fake sysfs "
			 "tree: set [thermal] sysfs_root to a directory of "
			 "its own, not '%s'",
			 c->thermal.sysfs_root);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *c;
	s->profile = simplant_profile_find(c->sim.profile);
	if (!s->profile) {
		snprintf(err, errlen, "[sim] profile '%s' is unknown",
			 c->sim.profile);
		free(s);
		return NULL;
	}
	s->slots = c->sim.slots > 0 ? c->sim.slots : s->profile->cores;
	snprintf(s->root, sizeof(s->root), "%s", c->thermal.sysfs_root);
	simplant_init(&s->plant, s->profile, c->sim.ambient_c, 0);
	simfw_init(&s->fw, s->profile->fw);
	simload_init(&s->load, proc_root);
	s->clock_mhz = simfw_clock_mhz(&s->fw);
	s->peak_c = s->plant.tj;
	if (sim_make_tree(s) < 0) {
		snprintf(err, errlen,
			 "cannot write the fake sysfs tree under "
			 "%s: %s",
			 s->root, strerror(errno));
		free(s);
		return NULL;
	}
	if (simduty_start(&s->duty) < 0) {
		snprintf(err, errlen, "cannot start the throttling helper: %s",
			 strerror(errno));
		free(s);
		return NULL;
	}
	s->last_ms = clock_ms();
	return s;
}

/*
 * The power above idle over the step, at the clock in effect during it.
 * The ranks ran speed = clock/max of the time (simduty), so the cores were
 * busy load/speed of it at that clock; P = C f V(f)^2 (simpower.c).
 */
static double sim_power_w(const struct sim *s)
{
	int max = s->profile->fw->clocks_mhz[0];
	double speed = (double)s->clock_mhz / max;
	double busy = speed > 0 ? s->last_load / speed : 0;

	return simpower_dynamic_w(s->profile->vf, s->profile->p_load_w,
				  busy > 1 ? 1 : busy, s->clock_mhz, max);
}

void sim_set_cpu_clock(struct sim *s, bool on)
{
	s->cpu_clock = on;
}

/* The ranks' recent runnable time, less what they waited to be stopped. */
static double sim_rate_busy(const struct sim_rate *r)
{
	return r->busy_s > r->cont_s ? r->cont_s : r->busy_s;
}

double sim_rate_of(const struct sim_rate *r)
{
	double busy = sim_rate_busy(r), rate = busy > 0 ? r->run_s / busy : 1;

	return rate < SIM_MIN_RATE ? SIM_MIN_RATE : rate > 1 ? 1 : rate;
}

/*
 * The node's own time for a step of dt_wall seconds, and its load over it.
 * Wall clock (the default): the step is dt_wall, and a rank's time
 * waiting for one of the host's CPUs counts as busy (it would have had a
 * core of its own). CPU clock: a Pi would have done the work without those
 * waits, so the node's time runs at the share of a CPU a runnable rank
 * got (rate: its CPU time over its CPU time plus its waits), and the load
 * is the CPU the ranks got over that time: on a host whose cores are taken
 * by others the simulated Pi runs slower instead of heating for work its
 * ranks never got to do. Time a rank was not runnable (asleep in its pace,
 * stopped for a lower clock, blocked) passes at that same rate, so a rank
 * that sleeps a tenth of its Pi's time sleeps a tenth of it on any host.
 * On a host with a core per rank the two clocks agree.
 *
 * The rate is over the ranks' last SIM_RATE_WINDOW_S runnable (older
 * steps weigh less by how long the ranks were runnable since), so a step
 * they all slept through keeps it and a stop phase passes at the rate of
 * the run phases around it. run_s is the part of the step the duty
 * cycler let the ranks run (dt_wall less the time it held them stopped).
 * A rank it stops while the rank waits for one of the host's CPUs stays
 * runnable until the host runs it (a signal acts when its task next
 * runs): on a busy host the ranks of a throttled node wait through part
 * of their stop phases, a wait not for a CPU to compute on. Counted as
 * one it slowed the node's clock and let the node do more work than its
 * clock allows (a node at 600 MHz beside 14 busy ranks on 2 cores
 * computed 1.57 times as much). So over the window the ranks' runnable
 * time counts up to the time the cycler let them run, no more. (Over the
 * window, not per step: the kernel counts a wait when the rank next runs,
 * which for a wait in a run phase is often in the stop phase after it.)
 * A rank that sleeps in its run phases and waits to be stopped still
 * counts that wait, as before.
 */
double sim_node_time(double dt_wall, double run_s,
		     const struct simload_delta *d, int slots, bool cpu_clock,
		     struct sim_rate *rate, double *load)
{
	double run = (double)d->run_ns / 1e9, wait = (double)d->wait_ns / 1e9;
	double t = dt_wall, busy = run + wait, cap = run_s * d->n;

	if (d->n && dt_wall > 0) {
		double counted = busy < cap ? busy : cap;
		double decay = exp(-counted / (double)d->n / SIM_RATE_WINDOW_S);

		rate->run_s = rate->run_s * decay + run;
		rate->busy_s = rate->busy_s * decay + busy;
		rate->cont_s = rate->cont_s * decay + cap;
		if (cpu_clock) {
			t = dt_wall * sim_rate_of(rate);
			busy = run;
		} else if (rate->busy_s > 0) {
			/* the share of the runnable time that counts */
			busy *= sim_rate_busy(rate) / rate->busy_s;
			if (busy < run)
				busy = run;
		}
	}
	/* busy ranks over slots: full slots of busy ranks is full load */
	*load = t > 0 && slots > 0 ? busy / t / slots : 0;
	if (*load > 1)
		*load = 1;
	return t;
}

void sim_step(struct sim *s, const pid_t *pids, size_t n)
{
	struct simload_delta d;
	uint64_t now;
	double dt_wall, run_s, stopped, dt;
	int max = s->profile->fw->clocks_mhz[0];

	now = clock_ms();
	simload_sample_split(&s->load, pids, n, &d);
	dt_wall = (double)(now - s->last_ms) / 1000.0;
	stopped = simduty_stopped_s(&s->duty);
	run_s = dt_wall - (stopped - s->stopped_s);
	run_s = run_s < 0 ? 0 : run_s > dt_wall ? dt_wall : run_s;
	s->stopped_s = stopped;
	s->last_ms = now;
	dt = sim_node_time(dt_wall, run_s, &d, s->slots, s->cpu_clock,
			   &s->cpu_rate, &s->last_load) *
	     s->cfg.sim.time_scale;
	if (dt > SIM_MAX_STEP_S)
		dt = SIM_MAX_STEP_S;
	s->last_fan = sim_fan(&s->cfg);
	s->last_power = sim_power_w(s);
	simplant_step_w(&s->plant, s->last_power, s->last_fan, dt);
	simfw_update(&s->fw, s->plant.tj, dt);
	s->sim_s += dt;
	s->energy_j += (s->profile->p_idle_w + s->last_power) * dt;
	if (n > 0) {
		s->job_s += dt;
		s->job_energy_j += (s->profile->p_idle_w + s->last_power) * dt;
	}
	if (s->plant.tj > s->peak_c)
		s->peak_c = s->plant.tj;
	s->clock_mhz = sim_clock_mhz(s);
	/* once per failure, not every step; the agent sees a sensor fault */
	if (sim_write_tree(s) < 0) {
		if (!s->write_failed)
			log_warn("sim: cannot update the fake sysfs tree "
				 "under %s",
				 s->root);
		s->write_failed = true;
	} else {
		s->write_failed = false;
	}
	log_debug("sim: load %.2f fan %.0f%% die %.2f board %.2f clock %d "
		  "power %.2f W throttled %#x",
		  s->last_load, s->last_fan * 100, s->plant.tj, s->plant.tb,
		  s->clock_mhz, s->last_power, simfw_throttled(&s->fw));
	simduty_set(&s->duty, (double)s->clock_mhz / max, pids, n);
}

void sim_state(const struct sim *s, struct sim_state *st)
{
	st->load = s->last_load;
	st->fan = s->last_fan;
	st->die_c = s->plant.tj;
	st->board_c = s->plant.tb;
	st->clock_mhz = s->clock_mhz;
	st->throttled = simfw_throttled(&s->fw);
	st->power_w = s->profile->p_idle_w + s->last_power;
	st->sim_s = s->sim_s;
	st->energy_j = s->energy_j;
	st->job_s = s->job_s;
	st->job_energy_j = s->job_energy_j;
	st->peak_c = s->peak_c;
}

void sim_close(struct sim *s)
{
	if (!s)
		return;
	simduty_stop(&s->duty);
	free(s);
}
