/* report.h: the node state as JSON (control "status", MQTT state). */
#ifndef PIRACK_REPORT_H
#define PIRACK_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "config.h"
#include "fan.h"
#include "led.h"
#include "sample.h"

/*
 * What the reports read: the agent fills one (agent_view) from its
 * readings and decisions, so report, notify and the tests need no
 * struct agent. Pointers are borrowed for the call.
 */
struct report_view {
	const struct config *cfg;
	const struct sample *sample; /* the last sample */
	uint64_t seq;		     /* samples taken; 0 = none yet */
	bool have_sample;	     /* a good reading was ever taken */
	struct fan_state fan;
	enum led_state led;
	double pace; /* the node's controller */
	/*
	 * The clock lever: the cap in force (0: the lever is sleep, or no
	 * cap yet) and the ranks' share of pace under it.
	 */
	double cpu_cap_mhz;
	double rank_pace;
	double target_c;      /* in force: config_target_c() */
	const char *job;      /* last "report" JSON, "" = none */
	bool mqtt;	      /* a client exists: telemetry counts */
	size_t tel_queued;    /* samples waiting for the broker */
	uint64_t tel_dropped; /* lost to a full queue, total */
};

/*
 * The state object of DESIGN.md: node, ts, seq, temp_c, zones, fan,
 * fan_mode, led, pace, throttled, cpu_freq_mhz, cpu_cap_mhz (null
 * without a clock cap), load1, job, fault (and fault_msg while there is
 * a fault), telemetry {queued, dropped} (null without MQTT). Caller frees.
 */
cJSON *report_state(const struct report_view *v);

/*
 * The control socket's "pace" reply: node, pace (the ranks' share when
 * the clock is capped), cpu_cap_mhz (null without a cap), temp_c, target_c,
 * limit_c, fan ("on"/"off"), fault, throttled (bool), ts. Caller frees.
 */
cJSON *report_pace(const struct report_view *v);

/* The fan as reported: "on"/"off" (gpio), duty 0-100 (pwm, kernel), or
 * null (none). Caller frees (or adds it to an object). */
cJSON *report_fan(const struct report_view *v);
/* "auto" or "manual". */
const char *report_fan_mode(const struct report_view *v);

#endif
