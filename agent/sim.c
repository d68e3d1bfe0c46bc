/* sim.c: the simulated node behind [thermal] source = sim. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sim.h"
#include "agent.h"
#include "fsutil.h"
#include "log.h"
#include "simduty.h"
#include "simfw.h"
#include "simload.h"
#include "simplant.h"

/*
 * Each tick: measure how busy the node's ranks were (simload), heat the
 * plant with it (simplant), let the firmware model react (simfw), write
 * what a Pi's kernel would show into a fake sysfs tree under sysfs_root,
 * which the agent then reads through its ordinary sysfs path, and slow the
 * ranks to the firmware's clock (simduty).
 */
struct sim {
	const struct simplant_profile *profile;
	struct simplant plant;
	struct simfw fw;
	struct simload load;
	struct simduty duty;
	int slots;
	uint64_t last_ms;
	double last_load;
	bool write_failed;
	char root[CONFIG_PATH_MAX];
};

#define SIM_ZONE "class/thermal/thermal_zone0"
#define SIM_FIRMWARE "devices/platform/soc/soc:firmware"
#define SIM_MAX_STEP_S 600.0	/* a stalled agent does not integrate hours */

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
	snprintf(text, sizeof(text), "%d\n", simfw_clock_mhz(&s->fw) * 1000);
	for (int cpu = 0; cpu < s->profile->cores; cpu++) {
		snprintf(rel, sizeof(rel),
			 "devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq",
			 cpu);
		rc |= sim_write(s->root, rel, text);
	}
	return rc;
}

static int sim_make_tree(struct sim *s)
{
	char rel[128];

	if (sim_mkdirs(s->root, SIM_ZONE) < 0 ||
	    sim_mkdirs(s->root, SIM_FIRMWARE) < 0)
		return -1;
	for (int cpu = 0; cpu < s->profile->cores; cpu++) {
		snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/cpufreq",
			 cpu);
		if (sim_mkdirs(s->root, rel) < 0)
			return -1;
	}
	if (sim_write(s->root, SIM_ZONE "/type", "cpu-thermal\n") < 0)
		return -1;
	return sim_write_tree(s);
}

/*
 * The fan as the plant feels it: the sim GPIO fan line's file when there
 * is one (what the "hardware" got), else the agent's decided duty.
 */
static double sim_fan(const struct agent *a)
{
	const struct config *c = &a->cfg;

	if (c->fan.driver == FAN_DRIVER_GPIO &&
	    c->gpio.backend == GPIO_BACKEND_SIM) {
		char path[CONFIG_PATH_MAX + CONFIG_NAME_MAX + 32];
		FILE *f;
		int v;

		snprintf(path, sizeof(path), "%s/%s/%u", c->gpio.sim_dir,
			 c->fan.chip, c->fan.line);
		f = fopen(path, "re");
		if (f) {
			int n = fscanf(f, "%d", &v);

			fclose(f);
			if (n == 1)
				return (v != 0) != c->fan.active_low;
		}
	}
	return a->fan_state.duty / 100.0;
}

int sim_init(struct agent *a)
{
	const struct config *c = &a->cfg;
	const char *name = c->sim.profile[0] ? c->sim.profile : "pi4-bare";
	struct sim *s;

	if (!c->thermal.sysfs_root[0] ||
	    strcmp(c->thermal.sysfs_root, "/sys") == 0 ||
	    strncmp(c->thermal.sysfs_root, "/sys/", 5) == 0) {
		log_warnx("sim: [thermal] source = sim writes a fake sysfs "
			  "tree: set sysfs_root to a directory of its own, "
			  "not '%s'", c->thermal.sysfs_root);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	s->profile = simplant_profile_find(name);
	if (!s->profile) {
		log_warnx("sim: [sim] profile '%s' is unknown", name);
		free(s);
		return -1;
	}
	s->slots = c->sim.slots > 0 ? c->sim.slots : s->profile->cores;
	snprintf(s->root, sizeof(s->root), "%s", c->thermal.sysfs_root);
	simplant_init(&s->plant, s->profile, c->sim.ambient_c, 0);
	simfw_init(&s->fw, s->profile->fw);
	simload_init(&s->load, "/proc");
	if (sim_make_tree(s) < 0) {
		log_warn("sim: cannot write the fake sysfs tree under %s",
			 s->root);
		free(s);
		return -1;
	}
	if (simduty_start(&s->duty) < 0) {
		log_warn("sim: cannot start the throttling helper");
		free(s);
		return -1;
	}
	s->last_ms = clock_ms();
	a->sim = s;
	return 0;
}

void sim_step(struct agent *a)
{
	struct sim *s = a->sim;
	uint64_t now, busy_ns;
	double dt_wall, dt, load, fan;

	if (!s)
		return;
	now = clock_ms();
	busy_ns = simload_sample(&s->load, a->job_pids, a->njob_pids);
	dt_wall = (double)(now - s->last_ms) / 1000.0;
	s->last_ms = now;
	/* busy ranks over slots: full slots of busy ranks is full load */
	load = dt_wall > 0 ? busy_ns / 1e9 / dt_wall / s->slots : 0;
	s->last_load = load > 1 ? 1 : load;
	dt = dt_wall * a->cfg.sim.time_scale;
	if (dt > SIM_MAX_STEP_S)
		dt = SIM_MAX_STEP_S;
	fan = sim_fan(a);
	simplant_step(&s->plant, s->last_load, fan, dt);
	simfw_update(&s->fw, s->plant.tj, dt);
	/* once per failure, not at every tick; the sensor fault follows */
	if (sim_write_tree(s) < 0) {
		if (!s->write_failed)
			log_warn("sim: cannot update the fake sysfs tree "
				 "under %s", s->root);
		s->write_failed = true;
	} else {
		s->write_failed = false;
	}
	log_debug("sim: load %.2f fan %.0f%% die %.2f board %.2f clock %d "
		  "throttled %#x", s->last_load, fan * 100, s->plant.tj,
		  s->plant.tb, simfw_clock_mhz(&s->fw),
		  simfw_throttled(&s->fw));
	simduty_set(&s->duty, simfw_speed(&s->fw), a->job_pids,
		    a->njob_pids);
}

void sim_free(struct agent *a)
{
	struct sim *s = a->sim;

	if (!s)
		return;
	simduty_stop(&s->duty);
	free(s);
	a->sim = NULL;
}
