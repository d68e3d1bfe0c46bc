/* report.c: the node state as JSON, shared by the control socket and MQTT. */
#include <math.h>
#include <time.h>
#include "report.h"

/* The temperature is known: a reading was taken and it was not a fault. */
static bool report_temp_valid(const struct report_view *v)
{
	return v->have_sample && !v->sample->fault;
}

static void report_add_temp(cJSON *o, const char *key,
			    const struct report_view *v)
{
	if (report_temp_valid(v))
		cJSON_AddNumberToObject(o, key, v->sample->temp_c);
	else
		cJSON_AddNullToObject(o, key);
}

static time_t report_ts(const struct report_view *v)
{
	return v->seq ? v->sample->ts : time(NULL);
}

/* Three decimals are plenty for a fraction of wall time. */
static double report_round_pace(double pace)
{
	return round(pace * 1000) / 1000;
}

static double report_pace_value(const struct report_view *v)
{
	return report_round_pace(v->pace);
}

/* The ranks sleep only for what a clock cap could not take. */
static double report_rank_pace_value(const struct report_view *v)
{
	return report_round_pace(v->cpu_cap_mhz > 0 ? v->rank_pace : v->pace);
}

static void report_add_cap(cJSON *o, const struct report_view *v)
{
	if (v->cpu_cap_mhz > 0)
		cJSON_AddNumberToObject(o, "cpu_cap_mhz",
					round(v->cpu_cap_mhz * 10) / 10);
	else
		cJSON_AddNullToObject(o, "cpu_cap_mhz");
}

cJSON *report_fan(const struct report_view *v)
{
	switch (v->cfg->fan.driver) {
	case FAN_DRIVER_GPIO:
		return cJSON_CreateString(v->fan.duty > 0 ? "on" : "off");
	case FAN_DRIVER_PWM:
	case FAN_DRIVER_KERNEL:
		return cJSON_CreateNumber(v->fan.duty);
	case FAN_DRIVER_NONE:
		break;
	}
	return cJSON_CreateNull();
}

const char *report_fan_mode(const struct report_view *v)
{
	return v->fan.mode == FAN_MODE_MANUAL ? "manual" : "auto";
}

static cJSON *report_throttle(const struct throttle *t)
{
	cJSON *o;

	if (!t->valid)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "raw", t->raw);
	cJSON_AddBoolToObject(o, "under_voltage", t->under_voltage);
	cJSON_AddBoolToObject(o, "freq_capped", t->freq_capped);
	cJSON_AddBoolToObject(o, "throttled", t->throttled);
	cJSON_AddBoolToObject(o, "soft_temp_limit", t->soft_temp_limit);
	cJSON_AddBoolToObject(o, "under_voltage_seen", t->under_voltage_seen);
	cJSON_AddBoolToObject(o, "freq_capped_seen", t->freq_capped_seen);
	cJSON_AddBoolToObject(o, "throttled_seen", t->throttled_seen);
	cJSON_AddBoolToObject(o, "soft_temp_limit_seen",
			      t->soft_temp_limit_seen);
	return o;
}

/* The firmware slows the CPU now (the states that cost speed). */
static bool report_throttled_now(const struct throttle *t)
{
	return t->valid &&
	       (t->throttled || t->freq_capped || t->soft_temp_limit);
}

cJSON *report_state(const struct report_view *v)
{
	const struct sample *s = v->sample;
	cJSON *o = cJSON_CreateObject(), *zones, *job = NULL;

	cJSON_AddStringToObject(o, "node", v->cfg->node.name);
	cJSON_AddNumberToObject(o, "ts", (double)report_ts(v));
	cJSON_AddNumberToObject(o, "seq", (double)v->seq);
	report_add_temp(o, "temp_c", v);
	zones = cJSON_AddObjectToObject(o, "zones");
	for (size_t i = 0; v->seq && i < s->nzones; i++)
		cJSON_AddNumberToObject(zones, s->zones[i].name,
					s->zones[i].temp_c);
	cJSON_AddItemToObject(o, "fan", report_fan(v));
	cJSON_AddStringToObject(o, "fan_mode", report_fan_mode(v));
	cJSON_AddStringToObject(o, "led", led_state_name(v->led));
	cJSON_AddNumberToObject(o, "pace", report_pace_value(v));
	cJSON_AddItemToObject(o, "throttled", report_throttle(&s->throttle));
	if (v->seq && s->cpu_freq_mhz >= 0)
		cJSON_AddNumberToObject(o, "cpu_freq_mhz", s->cpu_freq_mhz);
	else
		cJSON_AddNullToObject(o, "cpu_freq_mhz");
	report_add_cap(o, v);
	if (v->seq && s->load1 >= 0)
		cJSON_AddNumberToObject(o, "load1", s->load1);
	else
		cJSON_AddNullToObject(o, "load1");
	if (v->job && v->job[0])
		job = cJSON_Parse(v->job);
	cJSON_AddItemToObject(o, "job", job ? job : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "fault", v->seq && s->fault);
	if (v->seq && s->fault)
		cJSON_AddStringToObject(o, "fault_msg", s->fault_msg);
	if (v->mqtt) {
		cJSON *t = cJSON_AddObjectToObject(o, "telemetry");

		cJSON_AddNumberToObject(t, "queued", (double)v->tel_queued);
		cJSON_AddNumberToObject(t, "dropped", (double)v->tel_dropped);
	} else {
		cJSON_AddNullToObject(o, "telemetry");
	}
	return o;
}

cJSON *report_pace(const struct report_view *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "node", v->cfg->node.name);
	cJSON_AddNumberToObject(o, "pace", report_rank_pace_value(v));
	report_add_cap(o, v);
	report_add_temp(o, "temp_c", v);
	cJSON_AddNumberToObject(o, "target_c", v->target_c);
	cJSON_AddNumberToObject(o, "limit_c", v->cfg->thermal.limit_c);
	cJSON_AddStringToObject(o, "fan", v->fan.duty > 0 ? "on" : "off");
	cJSON_AddBoolToObject(o, "fault", v->seq && v->sample->fault);
	cJSON_AddBoolToObject(o, "throttled",
			      report_throttled_now(&v->sample->throttle));
	cJSON_AddNumberToObject(o, "ts", (double)report_ts(v));
	return o;
}
