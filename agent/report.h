/* report.h: the node state as JSON (control "status", MQTT state). */
#ifndef PIRACK_REPORT_H
#define PIRACK_REPORT_H

#include <cjson/cJSON.h>

struct agent;

/*
 * The state object of DESIGN.md: node, ts, seq, temp_c, zones, fan,
 * fan_mode, led, pace, throttled, cpu_freq_mhz, load1, job. Caller frees.
 */
cJSON *report_state(const struct agent *a);

#endif
