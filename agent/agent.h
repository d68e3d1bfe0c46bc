/* agent.h: the one agent context, passed explicitly to every module. */
#ifndef PIRACK_AGENT_H
#define PIRACK_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "clock.h"
#include "config.h"
#include "fan.h"
#include "led.h"
#include "pacectl.h"
#include "report.h"
#include "sample.h"

struct control; /* control.c */
struct mqtt;	/* mqtt.c */
struct reader;	/* reader.c */
struct cpufreq; /* cpufreq.c */
struct gpio_req;

#define AGENT_JOB_MAX 1024

struct agent {
	struct config cfg; /* swapped whole on SIGHUP */
	bool verbose;

	/* backends */
	const struct gpio_ops *gpio;
	struct fan_dev *fan;
	struct gpio_req *led;

	/* readings and decisions */
	struct sample sample; /* last sample */
	bool have_sample;     /* a valid reading was taken */
	/*
	 * The zones of the last good sample, as Home Assistant discovery
	 * announces them: a change sends discovery again, a fault does not.
	 */
	struct sample zones;
	uint64_t seq;
	struct fan_state fan_state;
	enum led_state led_state;
	uint64_t identify_until_ms; /* monotonic; 0 = not identifying */
	unsigned led_bits;	    /* last written to the LED lines */
	uint64_t led_next_ms;	    /* next pattern change, or UINT64_MAX */
	uint64_t last_tick_ms;	    /* monotonic: the controller's dt */
	long long last_sim_us;	    /* source = sim: the node's clock; 0 none */
	double plant_s;		    /* the plant's time: the ticks' dt summed */
	bool apply_failed;	    /* fan/LED writes fail: logged once */
	struct pacectl pace;
	/*
	 * [thermal] lever = cpufreq: the clock cap (NULL when the lever is
	 * sleep or the cap could not be opened) and the ranks' share of the
	 * pace that the clock could not take.
	 */
	struct cpufreq *cpufreq;
	double rank_pace;
	bool pace_asked;	 /* a rank asked for the pace */
	double pace_asked_s;	 /* plant_s then */
	char job[AGENT_JOB_MAX]; /* last "report" JSON, "" = none */

	/* clients */
	struct control *control;
	struct mqtt *mqtt;
	struct reader *reader; /* sensor reads, off the loop */
};

/*
 * Commands shared by the control socket and MQTT: apply at once, re-drive
 * the actuators and publish the new state. 0, or -1 with err set.
 */
int agent_fan_command(struct agent *a, const char *word, char *err,
		      size_t errlen);
int agent_led_command(struct agent *a, const char *word, char *err,
		      size_t errlen);
/* Re-decides and applies fan and LED from the current sample and modes. */
void agent_actuate(struct agent *a);
/* What the reports show of a, borrowed from it (report.h). */
void agent_view(const struct agent *a, struct report_view *v);
/* Answers a control socket request (control_request_fn; ctx = agent). */
char *agent_request(void *ctx, char *line, pid_t peer);
/* Starts MQTT when [mqtt] enabled (agent_mqtt.c); a failure is logged. */
void agent_mqtt_open(struct agent *a);
/* Publishes the state (and, from the tick, telemetry) when MQTT is on. */
void agent_publish(struct agent *a, bool telemetry);
/* Notes the zones of a good sample; discovery again when they changed. */
void agent_zones_seen(struct agent *a, const struct sample *s);

#define AGENT_IDENTIFY_MS 30000

/* A fresh agent on cfg: fan AUTO (ON until the first reading), pace 1. */
void agent_init(struct agent *a, const struct config *cfg);
/* Opens GPIO/fan/LED, the control socket, MQTT. 0 or -1 + err. */
int agent_start(struct agent *a, char *err, size_t errlen);
/* Opens the clock lever when [thermal] lever = cpufreq; falls back to
 * sleeping (logged) when it cannot. */
void agent_cpufreq_open(struct agent *a);
/* Gives the clock back (cpuinfo_max_freq) and closes the lever. */
void agent_cpufreq_close(struct agent *a);
/* Leaves the fan ON and the LED dark, closes everything. */
void agent_stop(struct agent *a);
/* One sample period: sensors, policies, actuators, report. */
void agent_tick(struct agent *a);

/*
 * The ranks ask for the pace, each about once a second. The first request
 * after AGENT_JOB_GAP_S plant seconds without one (on a simulated node
 * its own clock, which a loaded host slows) is a job starting:
 * the controller is told (pacectl_job_start) and the pace and the clock
 * are set again at once, before the job's first chunk.
 */
#define AGENT_JOB_GAP_S 5.0
void agent_pace_asked(struct agent *a);
/* Re-shows the LED pattern (blink timer, identify expiry). */
void agent_led_update(struct agent *a);
/*
 * Swaps in a validated config, re-opening only what changed; on failure
 * everything stays as it was. 0 or -1 + err.
 */
int agent_reload(struct agent *a, const struct config *next, char *err,
		 size_t errlen);
/* --failsafe: the fan full on, the LED red and steady. 0 or -1 + err. */
int agent_failsafe(const struct config *cfg, char *err, size_t errlen);

/* What --failsafe --hold keeps requested until it is told to stop. */
struct agent_hold {
	const struct gpio_ops *gpio;
	struct fan_dev *fan;  /* NULL: no fan of ours (none, kernel) */
	struct gpio_req *led; /* NULL: no LED or it failed (logged) */
};

/*
 * The fan full on and the LED red, kept requested: a released line is
 * whatever the kernel makes of it (see pirackd(8)). 0 or -1 + err; either
 * way agent_failsafe_release() gives back what was taken.
 */
int agent_failsafe_hold(const struct config *cfg, struct agent_hold *h,
			char *err, size_t errlen);
void agent_failsafe_release(struct agent_hold *h);

#endif
