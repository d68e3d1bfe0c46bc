/* report.h: the node state as JSON (control "status", MQTT state). */
#ifndef PIRACK_REPORT_H
#define PIRACK_REPORT_H

#include <cjson/cJSON.h>

struct agent;

/*
 * The state object of DESIGN.md: node, ts, seq, temp_c, zones, fan,
 * fan_mode, led, pace, throttled, cpu_freq_mhz, load1, job, fault (and
 * fault_msg while there is a fault). Caller frees.
 */
cJSON *report_state(const struct agent *a);

/*
 * The control socket's "pace" reply: node, pace, temp_c, target_c,
 * limit_c, fan ("on"/"off"), fault, throttled (bool), ts. Caller frees.
 */
cJSON *report_pace(const struct agent *a);

/* The fan as reported: "on"/"off" (gpio), duty 0-100 (pwm, kernel), or
 * null (none). Caller frees (or adds it to an object). */
cJSON *report_fan(const struct agent *a);
/* "auto" or "manual". */
const char *report_fan_mode(const struct agent *a);

#endif
