/* agent.c: the agent's life cycle: start, stop, reload, --failsafe. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "agent.h"
#include "control.h"
#include "cpufreq.h"
#include "gpio.h"
#include "log.h"
#include "mqtt.h"
#include "reader.h"
#include "reload.h"

void agent_init(struct agent *a, const struct config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->fan_state.mode = FAN_MODE_AUTO;
	a->fan_state.duty = 100; /* fail-safe until the first reading */
	a->led_state = LED_OK;
	a->led_bits = ~0u; /* nothing written yet */
	a->led_next_ms = UINT64_MAX;
	pacectl_init(&a->pace);
	a->rank_pace = 1;
}

void agent_cpufreq_open(struct agent *a)
{
	char err[768];

	if (a->cpufreq || a->cfg.thermal.lever == LEVER_SLEEP)
		return;
	a->cpufreq = cpufreq_open(a->cfg.thermal.sysfs_root, err, sizeof(err));
	/* A node paced by sleeping beats an agent that does not run; asked
	 * for by name, the clock's absence is worth a warning. */
	if (!a->cpufreq && a->cfg.thermal.lever == LEVER_CPUFREQ)
		log_warnx("[thermal] lever = cpufreq: %s; pacing by sleeping",
			  err);
	else if (!a->cpufreq)
		log_info("[thermal] lever = auto: %s; pacing by sleeping", err);
	else if (a->cfg.thermal.lever == LEVER_AUTO)
		log_info("[thermal] lever = auto: capping the clock");
}

void agent_cpufreq_close(struct agent *a)
{
	cpufreq_close(a->cpufreq);
	a->cpufreq = NULL;
	a->rank_pace = a->pace.pace;
}

void agent_view(const struct agent *a, struct report_view *v)
{
	struct mqtt_stats st;

	mqtt_stats(a->mqtt, &st);
	*v = (struct report_view){
		.mqtt = a->mqtt != NULL,
		.tel_queued = st.queued,
		.tel_dropped = st.dropped,
		.cfg = &a->cfg,
		.sample = &a->sample,
		.seq = a->seq,
		.have_sample = a->have_sample,
		.fan = a->fan_state,
		.led = a->led_state,
		.pace = a->pace.pace,
		.cpu_cap_mhz = a->cpufreq ? cpufreq_cap_mhz(a->cpufreq) : 0,
		.rank_pace = a->rank_pace,
		.target_c = config_target_c(&a->cfg, a->cpufreq != NULL),
		.job = a->job,
	};
}

static const struct gpio_ops *agent_gpio_ops(const struct config *c)
{
	return c->gpio.backend == GPIO_BACKEND_FILE ? &gpio_file_ops
						    : &gpio_gpiod_ops;
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
		a->led =
		    a->gpio->request(c->gpio.sim_dir, c->led.chip, c->led.lines,
				     c->led.nlines, false, 0, err, errlen);
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
	/*
	 * The socket first: it refuses to replace one a running agent
	 * answers on, so a second agent stops before touching the plant or
	 * the lines the first one drives.
	 */
	a->control =
	    control_open(a->cfg.control.socket, agent_request, a, err, errlen);
	if (!a->control)
		return -1;
	if (agent_open_hw(a, err, errlen) < 0) {
		control_close(a->control);
		a->control = NULL;
		return -1;
	}
	a->reader = reader_start(NULL, err, errlen);
	if (!a->reader)
		log_warnx("%s: sensors are read on the main loop", err);
	agent_cpufreq_open(a);
	agent_mqtt_open(a);
	return 0;
}

void agent_stop(struct agent *a)
{
	reader_stop(a->reader);
	a->reader = NULL;
	mqtt_close(a->mqtt);
	a->mqtt = NULL;
	control_close(a->control);
	a->control = NULL;
	agent_close_hw(a);
	agent_cpufreq_close(a);
}

/* The log line that says what a reload changed and what it redoes. */
static void agent_reload_log(const struct reload_diff *d)
{
	if (!d->nchanged) {
		log_info("reload: nothing changed");
		return;
	}
	log_info("reload: changed %s%s%s%s%s%s", d->changed,
		 d->redo & RELOAD_GPIO ? "; re-requesting the fan/LED lines"
				       : "",
		 d->redo & RELOAD_MQTT ? "; reconnecting to the broker" : "",
		 d->redo & RELOAD_DISCOVERY && !(d->redo & RELOAD_MQTT)
		     ? "; sending discovery again"
		     : "",
		 d->redo & RELOAD_CONTROL ? "; moving the control socket" : "",
		 d->redo & RELOAD_CPUFREQ ? "; reopening the clock cap" : "");
}

int agent_reload(struct agent *a, const struct config *next, char *err,
		 size_t errlen)
{
	struct config old = a->cfg;
	struct control *ctl = NULL;
	struct reload_diff d;
	char err2[256];

	reload_diff(&old, next, &d);
	if (d.redo & RELOAD_CONTROL) {
		ctl = control_open(next->control.socket, agent_request, a, err,
				   errlen);
		if (!ctl)
			return -1;
	}
	if (d.redo & RELOAD_GPIO) {
		/* gpiod lines are exclusive: release before re-requesting. */
		agent_close_hw(a);
		a->cfg = *next;
		if (agent_open_hw(a, err, errlen) < 0) {
			a->cfg = old;
			if (agent_open_hw(a, err2, sizeof(err2)) < 0)
				log_warnx("reload: the old fan/LED did not "
					  "reopen either: %s",
					  err2);
			control_close(ctl);
			return -1;
		}
	}
	agent_reload_log(&d);
	if (d.redo & RELOAD_MQTT) {
		/* its entities move: none stays behind in the old place */
		if (strcmp(old.node.name, next->node.name) ||
		    strcmp(old.mqtt.discovery_prefix,
			   next->mqtt.discovery_prefix))
			mqtt_retract(a->mqtt);
		mqtt_close(a->mqtt);
		a->mqtt = NULL;
	}
	if (d.redo & RELOAD_CPUFREQ)
		agent_cpufreq_close(a);
	a->cfg = *next;
	if (ctl) {
		control_close(a->control);
		a->control = ctl;
	}
	if (d.redo & RELOAD_CPUFREQ)
		agent_cpufreq_open(a); /* the next tick caps it */
	if (d.redo & RELOAD_MQTT)
		agent_mqtt_open(a); /* its greeting sends discovery */
	else if (d.redo & RELOAD_DISCOVERY)
		mqtt_rediscover(a->mqtt);
	agent_actuate(a);
	return 0;
}

/* Red, steady: nobody is left to blink it. Best effort: NULL on error. */
static struct gpio_req *agent_failsafe_led(const struct config *cfg)
{
	const struct gpio_ops *g = agent_gpio_ops(cfg);
	struct gpio_req *r;
	char err[256];

	if (cfg->led.driver != LED_DRIVER_GPIO)
		return NULL;
	r = g->request(cfg->gpio.sim_dir, cfg->led.chip, cfg->led.lines,
		       cfg->led.nlines, false, 0, err, sizeof(err));
	if (!r) {
		log_warnx("--failsafe: LED: %s", err);
		return NULL;
	}
	if (g->set(r, 0, 1) < 0)
		log_warn("--failsafe: LED line %u", cfg->led.lines[0]);
	return r;
}

int agent_failsafe_hold(const struct config *cfg, struct agent_hold *h,
			char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	h->gpio = agent_gpio_ops(cfg);
	h->led = agent_failsafe_led(cfg);
	if (cfg->fan.driver == FAN_DRIVER_NONE ||
	    cfg->fan.driver == FAN_DRIVER_KERNEL)
		return 0; /* nothing of ours to switch on */
	/* fan_open drives it full on: the same fail-safe as at start-up. */
	h->fan = fan_open(cfg, h->gpio, err, errlen);
	if (!h->fan)
		return -1;
	if (fan_apply(h->fan, 100) < 0) {
		snprintf(err, errlen, "%s", fan_last_error(h->fan));
		return -1;
	}
	return 0;
}

void agent_failsafe_release(struct agent_hold *h)
{
	if (h->fan)
		fan_close(h->fan);
	if (h->led)
		h->gpio->release(h->led);
	memset(h, 0, sizeof(*h));
}

int agent_failsafe(const struct config *cfg, char *err, size_t errlen)
{
	struct agent_hold h;
	int rc = agent_failsafe_hold(cfg, &h, err, errlen);

	agent_failsafe_release(&h);
	return rc;
}
