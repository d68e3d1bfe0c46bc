/* agent.c: the agent's life cycle and its tick: sense, decide, act, report. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "agent.h"
#include "control.h"
#include "gpio.h"
#include "log.h"
#include "mqtt.h"
#include "sensors.h"
#include "sim.h"

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_init(struct agent *a, const struct config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->fan_state.mode = FAN_MODE_AUTO;
	a->fan_state.duty = 100;	/* fail-safe until the first reading */
	a->led_state = LED_OK;
	a->led_bits = ~0u;		/* nothing written yet */
	a->led_next_ms = UINT64_MAX;
	pacectl_init(&a->pace);
}

static const struct gpio_ops *agent_gpio_ops(const struct config *c)
{
	return c->gpio.backend == GPIO_BACKEND_SIM ? &gpio_sim_ops :
	       &gpio_gpiod_ops;
}

/* Fan and LED lines; on failure nothing stays open. */
static int agent_open_hw(struct agent *a, char *err, size_t errlen)
{
	const struct config *c = &a->cfg;

	a->gpio = agent_gpio_ops(c);
	a->led_bits = ~0u;
	if (c->fan.driver != FAN_DRIVER_NONE) {
		a->fan = fan_open(c, a->gpio, err, errlen);
		if (!a->fan)
			return -1;
		/* ON until a reading says otherwise. */
		if (fan_apply(a->fan, a->fan_state.duty) < 0)
			log_warnx("fan: cannot set it on at start-up");
	}
	if (c->led.driver == LED_DRIVER_GPIO) {
		a->led = a->gpio->request(c->gpio.sim_dir, c->led.chip,
					  c->led.lines, c->led.nlines, false, 0,
					  err, errlen);
		if (!a->led) {
			if (a->fan)
				fan_close(a->fan);
			a->fan = NULL;
			return -1;
		}
	}
	return 0;
}

static void agent_close_hw(struct agent *a)
{
	if (a->led) {
		for (size_t i = 0; i < a->cfg.led.nlines; i++)
			a->gpio->set(a->led, i, 0);
		a->gpio->release(a->led);
		a->led = NULL;
	}
	if (a->fan) {
		/* Nobody drives it after us: leave it running. */
		fan_apply(a->fan, 100);
		fan_close(a->fan);
		a->fan = NULL;
	}
}

int agent_start(struct agent *a, char *err, size_t errlen)
{
	if (a->cfg.thermal.source == THERMAL_SIM && sim_init(a) < 0) {
		snprintf(err, errlen, "[thermal] source = sim: the simulated "
			 "plant did not start");
		return -1;
	}
	if (agent_open_hw(a, err, errlen) < 0)
		goto fail_sim;
	a->control = control_open(a->cfg.control.socket, err, errlen);
	if (!a->control)
		goto fail_hw;
	if (mqtt_init(a) < 0)
		log_warnx("mqtt: not started; the agent runs without it");
	return 0;
fail_hw:
	agent_close_hw(a);
fail_sim:
	if (a->cfg.thermal.source == THERMAL_SIM)
		sim_free(a);
	return -1;
}

void agent_stop(struct agent *a)
{
	mqtt_shutdown(a);
	control_close(a->control);
	a->control = NULL;
	agent_close_hw(a);
	if (a->cfg.thermal.source == THERMAL_SIM)
		sim_free(a);
}

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
	uint64_t now = agent_now_ms();
	const struct config *c = &a->cfg;
	struct led_inputs in = {
		.fault = a->seq && a->sample.fault,
		.hot = agent_temp_valid(a) &&
		       a->sample.temp_c >= c->thermal.limit_c,
		.warm = a->fan_state.duty > 0 || a->pace.pace < 0.999,
		.identify = a->identify_until_ms > now,
		.broker_down = c->mqtt.enabled && !mqtt_connected(a),
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
			  "back to auto", a->sample.temp_c, c->thermal.limit_c);
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

void agent_tick(struct agent *a)
{
	const struct config *c = &a->cfg;
	uint64_t now = agent_now_ms();
	struct sample s = { 0 };
	double dt;

	dt = a->last_tick_ms ? (now - a->last_tick_ms) / 1000.0 :
			       c->thermal.interval_ms / 1000.0;
	a->last_tick_ms = now;
	if (c->thermal.source == THERMAL_SIM)
		sim_step(a);
	sensors_read(c->thermal.sysfs_root, c->thermal.zones, &s);
	s.seq = ++a->seq;
	s.ts = time(NULL);
	if (s.fault && (s.seq == 1 || !a->sample.fault))
		log_warnx("sensor fault: %s; fan on", s.fault_msg);
	else if (!s.fault && a->sample.fault)
		log_info("sensors read again: %.1f °C", s.temp_c);
	a->sample = s;
	a->have_sample = a->have_sample || !s.fault;
	/*
	 * Every sample, job or not, so the controller's memory carries over;
	 * blind (a fault) it answers pace 0. The simulated plant runs
	 * time_scale times faster than the wall clock.
	 */
	if (c->thermal.source == THERMAL_SIM)
		dt *= c->sim.time_scale;
	pacectl_update(&a->pace, c->thermal.target_c, c->thermal.limit_c,
		       s.fault ? NAN : s.temp_c, dt, a->fan_state.duty > 0);
	agent_prune_pids(a);
	control_expire(a->control, now);
	agent_actuate(a);
	log_debug("tick %llu: %.1f °C fan %d%% pace %.3f led %s",
		  (unsigned long long)a->seq, s.temp_c, a->fan_state.duty,
		  a->pace.pace, led_state_name(a->led_state));
	mqtt_publish_state(a, true);
}

/* The fan would be off: refused while hot, faulty or not yet read. */
static int agent_fan_off_refused(const struct agent *a, char *err,
				 size_t errlen)
{
	const struct config *c = &a->cfg;

	if (!a->seq) {
		snprintf(err, errlen, "fan off refused: no reading yet");
		return -1;
	}
	if (a->sample.fault) {
		snprintf(err, errlen, "fan off refused: sensor fault (%s)",
			 a->sample.fault_msg);
		return -1;
	}
	if (a->sample.temp_c >= c->thermal.limit_c) {
		snprintf(err, errlen, "fan off refused: node at %.1f °C, at or "
			 "above limit_c %g °C", a->sample.temp_c,
			 c->thermal.limit_c);
		return -1;
	}
	return 0;
}

int agent_fan_command(struct agent *a, const char *word, char *err,
		      size_t errlen)
{
	struct fan_state st = a->fan_state;

	if (a->cfg.fan.driver == FAN_DRIVER_NONE ||
	    a->cfg.fan.driver == FAN_DRIVER_KERNEL) {
		snprintf(err, errlen, "[fan] driver = %s: the agent does not "
			 "drive this fan",
			 a->cfg.fan.driver == FAN_DRIVER_NONE ? "none" :
			 "kernel");
		return -1;
	}
	if (fan_command(&a->cfg, word, &st, err, errlen) < 0)
		return -1;
	if (st.mode == FAN_MODE_MANUAL && st.manual_duty == 0 &&
	    agent_fan_off_refused(a, err, errlen) < 0)
		return -1;
	a->fan_state = st;
	log_info("fan: %s requested", word);
	agent_actuate(a);
	mqtt_publish_state(a, false);
	return 0;
}

int agent_led_command(struct agent *a, const char *word, char *err,
		      size_t errlen)
{
	if (!strcasecmp(word, "identify")) {
		a->identify_until_ms = agent_now_ms() + AGENT_IDENTIFY_MS;
	} else if (!strcasecmp(word, "auto")) {
		a->identify_until_ms = 0;
	} else {
		snprintf(err, errlen, "unknown LED command '%.32s': use "
			 "identify or auto", word);
		return -1;
	}
	agent_led_update(a);
	mqtt_publish_state(a, false);
	return 0;
}

void agent_attach_pid(struct agent *a, pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < a->njob_pids; i++)
		if (a->job_pids[i] == pid)
			return;
	if (a->njob_pids == AGENT_MAX_PIDS)
		agent_prune_pids(a);
	if (a->njob_pids < AGENT_MAX_PIDS)
		a->job_pids[a->njob_pids++] = pid;
}

void agent_prune_pids(struct agent *a)
{
	size_t j = 0;

	for (size_t i = 0; i < a->njob_pids; i++)
		if (kill(a->job_pids[i], 0) == 0 || errno != ESRCH)
			a->job_pids[j++] = a->job_pids[i];
	a->njob_pids = j;
}

/* The parts of a config that fan, LED and GPIO are opened from. */
static bool agent_hw_changed(const struct config *x, const struct config *y)
{
	return memcmp(&x->fan, &y->fan, sizeof(x->fan)) ||
	       memcmp(&x->led, &y->led, sizeof(x->led)) ||
	       memcmp(&x->gpio, &y->gpio, sizeof(x->gpio)) ||
	       strcmp(x->thermal.sysfs_root, y->thermal.sysfs_root);
}

static bool agent_sim_changed(const struct config *x, const struct config *y)
{
	return x->thermal.source != y->thermal.source ||
	       strcmp(x->thermal.sysfs_root, y->thermal.sysfs_root) ||
	       memcmp(&x->sim, &y->sim, sizeof(x->sim));
}

static bool agent_mqtt_changed(const struct config *x, const struct config *y)
{
	return memcmp(&x->mqtt, &y->mqtt, sizeof(x->mqtt)) ||
	       strcmp(x->node.name, y->node.name);
}

int agent_reload(struct agent *a, const struct config *next, char *err,
		 size_t errlen)
{
	struct config old = a->cfg;
	struct control *ctl = NULL;
	char err2[256];

	if (strcmp(old.control.socket, next->control.socket)) {
		ctl = control_open(next->control.socket, err, errlen);
		if (!ctl)
			return -1;
	}
	if (agent_hw_changed(&old, next)) {
		/* gpiod lines are exclusive: release before re-requesting. */
		agent_close_hw(a);
		a->cfg = *next;
		if (agent_open_hw(a, err, errlen) < 0) {
			a->cfg = old;
			if (agent_open_hw(a, err2, sizeof(err2)) < 0)
				log_warnx("reload: the old fan/LED did not "
					  "reopen either: %s", err2);
			control_close(ctl);
			return -1;
		}
	}
	if (agent_sim_changed(&old, next) && old.thermal.source == THERMAL_SIM)
		sim_free(a);
	if (agent_mqtt_changed(&old, next))
		mqtt_shutdown(a);
	a->cfg = *next;
	if (ctl) {
		control_close(a->control);
		a->control = ctl;
	}
	if (agent_sim_changed(&old, next) &&
	    next->thermal.source == THERMAL_SIM && sim_init(a) < 0)
		log_warnx("reload: the simulated plant did not start");
	if (agent_mqtt_changed(&old, next) && mqtt_init(a) < 0)
		log_warnx("reload: mqtt did not start");
	agent_actuate(a);
	return 0;
}

/* Red, steady: nobody is left to blink it. Best effort. */
static void agent_failsafe_led(const struct config *cfg)
{
	const struct gpio_ops *g = agent_gpio_ops(cfg);
	struct gpio_req *r;
	char err[256];

	if (cfg->led.driver != LED_DRIVER_GPIO)
		return;
	r = g->request(cfg->gpio.sim_dir, cfg->led.chip, cfg->led.lines,
		       cfg->led.nlines, false, 0, err, sizeof(err));
	if (!r) {
		log_warnx("--failsafe: LED: %s", err);
		return;
	}
	if (g->set(r, 0, 1) < 0)
		log_warn("--failsafe: LED line %u", cfg->led.lines[0]);
	g->release(r);
}

int agent_failsafe(const struct config *cfg, char *err, size_t errlen)
{
	struct fan_dev *f;
	int rc = 0;

	agent_failsafe_led(cfg);
	if (cfg->fan.driver == FAN_DRIVER_NONE ||
	    cfg->fan.driver == FAN_DRIVER_KERNEL)
		return 0;	/* nothing of ours to switch on */
	/* fan_open drives it full on: the same fail-safe as at start-up. */
	f = fan_open(cfg, agent_gpio_ops(cfg), err, errlen);
	if (!f)
		return -1;
	if (fan_apply(f, 100) < 0) {
		snprintf(err, errlen, "%s", fan_last_error(f));
		rc = -1;
	}
	fan_close(f);
	return rc;
}
