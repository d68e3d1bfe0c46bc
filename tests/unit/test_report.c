/* test_report.c: the state object (control "status", MQTT state). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "agent/agent.h"
#include "agent/report.h"
#include "lib/sensors.h"
#include "lib/throttle.h"

/* What the reports see of a (agent_view), valid until the next call. */
static const struct report_view *view(const struct agent *a)
{
	static struct report_view v;

	agent_view(a, &v);
	return &v;
}

static char *state_json(const struct agent *a)
{
	cJSON *o = report_state(view(a));
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

static void agent_fill(struct agent *a)
{
	struct config c;

	config_defaults(&c);
	strcpy(c.node.name, "rpi-2");
	c.mqtt.enabled = false;
	agent_init(a, &c);
	a->seq = 42;
	a->have_sample = true;
	a->sample.seq = 42;
	a->sample.ts = 1700000123;
	a->sample.temp_c = 63.5;
	a->sample.nzones = 2;
	strcpy(a->sample.zones[0].name, "thermal_zone0");
	a->sample.zones[0].temp_c = 63.5;
	strcpy(a->sample.zones[1].name, "thermal_zone1");
	a->sample.zones[1].temp_c = 51.25;
	throttle_decode(0x50005, &a->sample.throttle);
	a->sample.throttle.valid = true;
	a->sample.cpu_freq_mhz = 1500;
	a->sample.load1 = 3.5;
	a->pace.pace = 0.5;
	agent_actuate(a);
}

static void test_state(void **state)
{
	struct agent *a = calloc(1, sizeof(*a));
	char *s;

	(void)state;
	agent_fill(a);
	strcpy(a->job, "{\"done\":1}");
	s = state_json(a);
	assert_string_equal(
	    s, "{\"node\":\"rpi-2\",\"ts\":1700000123,\"seq\":42,"
	       "\"temp_c\":63.5,\"zones\":{\"thermal_zone0\":63.5,"
	       "\"thermal_zone1\":51.25},\"fan\":\"on\",\"fan_mode\":\"auto\","
	       "\"led\":\"warm\",\"pace\":0.5,\"throttled\":{\"raw\":327685,"
	       "\"under_voltage\":true,\"freq_capped\":false,"
	       "\"throttled\":true,\"soft_temp_limit\":false,"
	       "\"under_voltage_seen\":true,\"freq_capped_seen\":false,"
	       "\"throttled_seen\":true,\"soft_temp_limit_seen\":false},"
	       "\"cpu_freq_mhz\":1500,\"cpu_cap_mhz\":null,\"load1\":3.5,"
	       "\"job\":{\"done\":1},\"fault\":false,\"telemetry\":null}");
	free(s);
	free(a);
}

/* With MQTT: what waits for the broker and what a full queue lost. */
static void test_state_telemetry(void **state)
{
	struct report_view v = { 0 };
	struct config c;
	struct sample smp = { 0 };
	cJSON *o, *t;

	(void)state;
	config_defaults(&c);
	v.cfg = &c;
	v.sample = &smp;
	v.job = "";
	v.mqtt = true;
	v.tel_queued = 17;
	v.tel_dropped = 1399;
	o = report_state(&v);
	t = cJSON_GetObjectItem(o, "telemetry");
	assert_non_null(t);
	assert_int_equal(cJSON_GetObjectItem(t, "queued")->valuedouble, 17);
	assert_int_equal(cJSON_GetObjectItem(t, "dropped")->valuedouble, 1399);
	cJSON_Delete(o);
}

/* Unknowns are null, never made-up numbers; a fault says why. */
static void test_state_unknowns(void **state)
{
	struct agent *a = calloc(1, sizeof(*a));
	cJSON *o;

	(void)state;
	agent_fill(a);
	a->sample.throttle.valid = false;
	a->sample.cpu_freq_mhz = -1;
	a->sample.load1 = -1;
	a->sample.fault = true;
	strcpy(a->sample.fault_msg, "thermal_zone0/temp: garbled");
	agent_actuate(a);
	o = report_state(view(a));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "temp_c")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "throttled")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "cpu_freq_mhz")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "load1")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "job")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "fault")));
	assert_string_equal(cJSON_GetObjectItem(o, "fault_msg")->valuestring,
			    "thermal_zone0/temp: garbled");
	assert_string_equal(cJSON_GetObjectItem(o, "led")->valuestring,
			    "fault");
	assert_string_equal(cJSON_GetObjectItem(o, "fan")->valuestring, "on");
	cJSON_Delete(o);
	free(a);
}

static void test_fan_values(void **state)
{
	struct agent *a = calloc(1, sizeof(*a));
	cJSON *o;

	(void)state;
	agent_fill(a);
	a->cfg.fan.driver = FAN_DRIVER_PWM;
	a->fan_state.duty = 42;
	o = report_fan(view(a));
	assert_true(cJSON_IsNumber(o) && o->valueint == 42);
	cJSON_Delete(o);
	a->cfg.fan.driver = FAN_DRIVER_NONE;
	o = report_fan(view(a));
	assert_true(cJSON_IsNull(o));
	cJSON_Delete(o);
	free(a);
}

/* Before the first tick the fan is on and there is no temperature. */
static void test_before_first_reading(void **state)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct config c;
	cJSON *o;

	(void)state;
	config_defaults(&c);
	c.mqtt.enabled = false;
	agent_init(a, &c);
	agent_actuate(a);
	assert_int_equal(a->fan_state.duty, 100);
	o = report_state(view(a));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "temp_c")));
	assert_string_equal(cJSON_GetObjectItem(o, "fan")->valuestring, "on");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "fault")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "zones")),
			 0);
	cJSON_Delete(o);
	free(a);
}

/*
 * A clock cap in force: the state shows the node's pace and the cap, the
 * ranks' pace reply only what the clock could not take.
 */
static void test_clock_cap(void **state)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct report_view v;
	cJSON *o;

	(void)state;
	agent_fill(a);
	agent_view(a, &v);
	v.pace = 0.2;
	v.cpu_cap_mhz = 600;
	v.rank_pace = 0.5;
	o = report_state(&v);
	assert_float_equal(cJSON_GetObjectItem(o, "pace")->valuedouble, 0.2,
			   1e-9);
	assert_float_equal(cJSON_GetObjectItem(o, "cpu_cap_mhz")->valuedouble,
			   600, 1e-9);
	cJSON_Delete(o);
	o = report_pace(&v);
	assert_float_equal(cJSON_GetObjectItem(o, "pace")->valuedouble, 0.5,
			   1e-9);
	assert_float_equal(cJSON_GetObjectItem(o, "cpu_cap_mhz")->valuedouble,
			   600, 1e-9);
	cJSON_Delete(o);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_clock_cap),
		cmocka_unit_test(test_state_telemetry),
		cmocka_unit_test(test_state_unknowns),
		cmocka_unit_test(test_fan_values),
		cmocka_unit_test(test_before_first_reading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
