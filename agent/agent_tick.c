/* agent_tick.c: one sample period: sense, decide, act, report. */
#include <math.h>
#include <time.h>
#include "agent.h"
#include "control.h"
#include "cpufreq.h"
#include "log.h"
#include "mqtt.h"
#include "reader.h"
#include "sensors.h"

static bool agent_temp_valid(const struct agent *a)
{
	return a->have_sample && !a->sample.fault;
}

static void agent_apply_failed(struct agent *a, bool failed, const char *what)
{
	if (failed && !a->apply_failed)
		log_warnx("%s (retrying each tick)", what);
	else if (!failed && a->apply_failed)
		log_info("fan and LED are driven again");
	a->apply_failed = failed;
}

void agent_led_update(struct agent *a)
{
	uint64_t now = clock_ms();
	const struct config *c = &a->cfg;
	struct led_inputs in = {
		.fault = a->seq && a->sample.fault,
		.hot = agent_temp_valid(a) &&
		       a->sample.temp_c >= c->thermal.limit_c,
		.warm =
		    a->fan_state.duty > 0 ||
		    a->pace.pace<0.999, .identify = a->identify_until_ms> now,
		.broker_down = c->mqtt.enabled && !mqtt_connected(a->mqtt),
	};
	unsigned bits;
	bool failed = false;

	if (!in.identify)
		a->identify_until_ms = 0;
	a->led_state = led_decide(&in);
	bits = led_pattern(a->led_state, c->led.nlines, now, &a->led_next_ms);
	/* Identify ends by itself: be awake for it. */
	if (a->identify_until_ms && a->identify_until_ms < a->led_next_ms)
		a->led_next_ms = a->identify_until_ms;
	if (!a->led) {
		a->led_next_ms = UINT64_MAX;
		return;
	}
	if (bits == a->led_bits)
		return;
	for (size_t i = 0; i < c->led.nlines; i++)
		if (a->gpio->set(a->led, i, (bits >> i) & 1) < 0)
			failed = true;
	a->led_bits = failed ? ~0u : bits;
	if (failed)
		agent_apply_failed(a, true, "LED: cannot set its lines");
}

void agent_actuate(struct agent *a)
{
	const struct config *c = &a->cfg;
	enum fan_mode was = a->fan_state.mode;
	bool failed = false;

	fan_decide(c, a->seq ? &a->sample : NULL, &a->fan_state);
	if (was == FAN_MODE_MANUAL && a->fan_state.mode == FAN_MODE_AUTO)
		log_warnx("fan: manual mode ended at %.1f °C (limit_c %g): "
			  "back to auto",
			  a->sample.temp_c, c->thermal.limit_c);
	if (c->fan.driver == FAN_DRIVER_KERNEL && a->fan) {
		int d = fan_read_kernel(a->fan);

		if (d >= 0)
			a->fan_state.duty = d;
	} else if (a->fan && fan_apply(a->fan, a->fan_state.duty) < 0) {
		failed = true;
		agent_apply_failed(a, true, fan_last_error(a->fan));
	}
	agent_led_update(a);
	if (!failed && a->apply_failed)
		agent_apply_failed(a, false, "fan");
}

/*
 * A read gets at most one sample period (250 ms to 1 s) before it is a
 * fault; a hung one stalls the loop that long once, never again.
 */
static void agent_read_sensors(struct agent *a, struct sample *s)
{
	const struct config *c = &a->cfg;
	struct sensors_opts o = {
		.sysfs_root = c->thermal.sysfs_root,
		.zones = c->thermal.zones,
		.min_c = c->thermal.plausible_min_c,
		.max_c = c->thermal.plausible_max_c,
	};
	int deadline = c->thermal.interval_ms;

	deadline = deadline < 250 ? 250 : deadline > 1000 ? 1000 : deadline;
	if (a->reader)
		reader_read(a->reader, &o, s, deadline);
	else
		sensors_read_opts(&o, s);
}

/*
 * The plant's time since the last tick, for the controller. A real node's
 * is the wall clock's. A simulated node (source = sim) runs [sim]
 * time_scale times faster, on the clock pirack-simnode keeps in its tree:
 * a loaded host may slow that clock (pirack-simnode --clock cpu), and a
 * controller counting wall time x time_scale would then see the node heat
 * slower than it does. No such file (no pirack-simnode yet): wall time x
 * time_scale.
 */
static double agent_plant_dt(struct agent *a, double wall_dt)
{
	const struct config *c = &a->cfg;
	long long us, was = a->last_sim_us;

	if (c->thermal.source != THERMAL_SIM)
		return wall_dt;
	if (sensors_sim_clock(c->thermal.sysfs_root, &us) < 0) {
		a->last_sim_us = 0;
		return wall_dt * config_time_scale(c);
	}
	a->last_sim_us = us;
	if (was <= 0 || us < was) /* the first reading, or a new simnode */
		return wall_dt * config_time_scale(c);
	return (double)(us - was) / 1e6;
}

/*
 * The controller over dt plant seconds (0: re-evaluated) on the last
 * sample; blind (a fault) it answers pace 0. The clock takes the pace
 * first; the ranks sleep for the rest.
 */
static void agent_pace_update(struct agent *a, double dt)
{
	const struct config *c = &a->cfg;

	pacectl_update(&a->pace, config_target_c(c, a->cpufreq != NULL),
		       c->thermal.limit_c,
		       a->sample.fault ? NAN : a->sample.temp_c, dt,
		       a->fan_state.duty > 0);
	a->rank_pace =
	    a->cpufreq ? cpufreq_apply(a->cpufreq, a->pace.pace) : a->pace.pace;
}

void agent_pace_asked(struct agent *a)
{
	/*
	 * The gap on the plant's clock, the ticks' dt summed (on a loaded
	 * host a simulated node's runs far slower than the wall clock x
	 * time_scale: counted that way, ranks asking every few wall seconds
	 * looked like a new job at every request, and each capped the pace
	 * of a cool node). A tick's resolution against a 5 s gap.
	 */
	double gap = a->plant_s - a->pace_asked_s;
	bool start = !a->pace_asked || gap > AGENT_JOB_GAP_S;

	a->pace_asked = true;
	a->pace_asked_s = a->plant_s;
	if (!start || !agent_temp_valid(a) ||
	    !pacectl_job_start(&a->pace, a->cfg.thermal.limit_c,
			       a->sample.temp_c))
		return;
	agent_pace_update(a, 0);
	log_debug("a job starts at %.1f °C: pace %.3f", a->sample.temp_c,
		  a->pace.pace);
}

void agent_tick(struct agent *a)
{
	const struct config *c = &a->cfg;
	uint64_t now = clock_ms();
	struct sample s = { 0 };
	double dt, plant_dt;

	dt = a->last_tick_ms ? (now - a->last_tick_ms) / 1000.0
			     : c->thermal.interval_ms / 1000.0;
	a->last_tick_ms = now;
	agent_read_sensors(a, &s);
	s.seq = ++a->seq;
	s.ts = time(NULL);
	if (s.fault && (s.seq == 1 || !a->sample.fault))
		log_warnx("sensor fault: %s; fan on", s.fault_msg);
	else if (!s.fault && a->sample.fault)
		log_info("sensors read again: %.1f °C", s.temp_c);
	a->sample = s;
	agent_zones_seen(a, &s);
	/*
	 * Every sample, job or not, so the controller's memory carries over;
	 * blind (a fault) it answers pace 0. Its time is the plant's
	 * (agent_plant_dt).
	 */
	plant_dt = agent_plant_dt(a, dt);
	a->plant_s += plant_dt;
	agent_pace_update(a, plant_dt);
	control_expire(a->control, now);
	agent_actuate(a);
	log_debug("tick %llu: %.1f °C fan %d%% pace %.3f led %s",
		  (unsigned long long)a->seq, s.temp_c, a->fan_state.duty,
		  a->pace.pace, led_state_name(a->led_state));
	agent_publish(a, true);
}
