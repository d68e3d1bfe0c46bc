/* test_discovery.c: Home Assistant discovery payloads parse and are whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "agent/discovery.h"
#include "fixture.h"

#define MAXMSG 64

struct got {
	int n;
	char topic[MAXMSG][256];
	cJSON *json[MAXMSG];
};

static int collect(void *ctx, const char *topic, const char *payload)
{
	struct got *g = ctx;

	assert_true(g->n < MAXMSG);
	snprintf(g->topic[g->n], sizeof(g->topic[0]), "%s", topic);
	g->json[g->n] = cJSON_Parse(payload);
	assert_non_null(g->json[g->n]); /* every payload is JSON */
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		cJSON_Delete(g->json[i]);
}

static cJSON *got_find(struct got *g, const char *topic)
{
	for (int i = 0; i < g->n; i++)
		if (!strcmp(g->topic[i], topic))
			return g->json[i];
	return NULL;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* What discovery is built from: a config and a good sample's zones. */
struct node {
	struct config cfg;
	struct sample sample;
	bool have_sample;
};

static struct node *node_new(void)
{
	struct node *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	strcpy(a->cfg.node.name, "rpi-1");
	strcpy(a->cfg.mqtt.prefix, "pirack");
	strcpy(a->cfg.mqtt.discovery_prefix, "homeassistant");
	a->cfg.fan.driver = FAN_DRIVER_GPIO;
	a->cfg.led.driver = LED_DRIVER_GPIO;
	a->have_sample = true;
	a->sample.nzones = 2;
	strcpy(a->sample.zones[0].name, "thermal_zone0");
	strcpy(a->sample.zones[0].type, "cpu-thermal");
	strcpy(a->sample.zones[1].name, "thermal_zone1");
	return a;
}

static int disc(const struct node *a, const char *model, discovery_emit_fn emit,
		void *ctx)
{
	return discovery_build(&a->cfg, a->have_sample ? &a->sample : NULL,
			       model, emit, ctx);
}

static char model_dir[FIXTURE_PATH_MAX], model_path[FIXTURE_PATH_MAX + 8];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	assert_int_equal(fixture_mkdtemp(model_dir, sizeof(model_dir), "model"),
			 0);
	snprintf(model_path, sizeof(model_path), "%s/model", model_dir);
	f = fopen(model_path, "w");
	assert_non_null(f);
	/* as the kernel has it: NUL-terminated */
	fwrite("Raspberry Pi 4 Model B Rev 1.4", 1, 31, f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rm(model_dir);
}

static void test_every_entity_is_whole(void **state)
{
	struct node *a = node_new();
	struct got g = { 0 };
	int n;

	(void)state;
	n = disc(a, model_path, collect, &g);
	/* temp + 2 zones + cpu_freq + cpu_cap + load + pace + telemetry
	 * queued and dropped, 4 flags, fan, light, button */
	assert_int_equal(n, 16);
	assert_int_equal(g.n, 16);
	for (int i = 0; i < g.n; i++) {
		const cJSON *e = g.json[i], *dev, *ids;

		assert_non_null(str(e, "unique_id"));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(str(e, "unique_id"),
						str(g.json[j], "unique_id"));
		assert_string_equal(str(e, "availability_topic"),
				    "pirack/rpi-1/availability");
		dev = cJSON_GetObjectItemCaseSensitive(e, "device");
		assert_non_null(dev);
		ids = cJSON_GetObjectItemCaseSensitive(dev, "identifiers");
		assert_true(cJSON_IsArray(ids));
		assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring,
				    "pirack_rpi-1");
		assert_string_equal(str(dev, "name"), "rpi-1");
		assert_string_equal(str(dev, "model"),
				    "Raspberry Pi 4 Model B Rev 1.4");
		assert_non_null(str(dev, "sw_version"));
		assert_non_null(str(e, "name"));
		assert_true(!strncmp(g.topic[i], "homeassistant/", 14));
	}
	free(a);
	got_free(&g);
}

static void test_sensors_and_fan(void **state)
{
	struct node *a = node_new();
	struct got g = { 0 };
	const cJSON *e, *modes;

	(void)state;
	assert_true(disc(a, model_path, collect, &g) > 0);

	e = got_find(&g,
		     "homeassistant/sensor/rpi-1/zone_thermal_zone0/config");
	assert_non_null(e);
	assert_string_equal(str(e, "device_class"), "temperature");
	assert_string_equal(str(e, "state_class"), "measurement");
	assert_string_equal(str(e, "unit_of_measurement"), "°C");
	assert_string_equal(str(e, "state_topic"), "pirack/rpi-1/state");
	assert_string_equal(str(e, "value_template"),
			    "{{ value_json.zones['thermal_zone0'] }}");

	e = got_find(&g,
		     "homeassistant/binary_sensor/rpi-1/under_voltage/config");
	assert_non_null(e);
	assert_string_equal(str(e, "device_class"), "problem");
	/* under-voltage comes first among the flags */
	for (int i = 0; i < g.n; i++) {
		if (strstr(g.topic[i], "/binary_sensor/")) {
			assert_non_null(strstr(g.topic[i], "under_voltage"));
			break;
		}
	}

	e = got_find(&g, "homeassistant/fan/rpi-1/fan/config");
	assert_non_null(e);
	assert_string_equal(str(e, "command_topic"), "pirack/rpi-1/fan/set");
	assert_string_equal(str(e, "payload_on"), "ON");
	assert_string_equal(str(e, "payload_off"), "OFF");
	assert_string_equal(str(e, "preset_mode_command_topic"),
			    "pirack/rpi-1/fan/set");
	modes = cJSON_GetObjectItemCaseSensitive(e, "preset_modes");
	assert_int_equal(cJSON_GetArraySize(modes), 1);
	assert_string_equal(cJSON_GetArrayItem(modes, 0)->valuestring, "AUTO");
	/* a gpio fan has no speed */
	assert_null(str(e, "percentage_command_topic"));

	e = got_find(&g, "homeassistant/button/rpi-1/identify/config");
	assert_non_null(e);
	assert_string_equal(str(e, "command_topic"), "pirack/rpi-1/led/set");
	assert_string_equal(str(e, "payload_press"), "IDENTIFY");
	free(a);
	got_free(&g);
}

static void test_variants(void **state)
{
	struct node *a = node_new();
	struct got g = { 0 };
	const cJSON *e;

	(void)state;
	a->cfg.fan.driver = FAN_DRIVER_PWM;
	a->cfg.led.driver = LED_DRIVER_NONE;
	/* every name config.c takes is its own id: rpi_4 is not rpi.4 */
	strcpy(a->cfg.node.name, "odd_Name-4");
	/* an unsafe zone name is left out, not pasted into a template */
	strcpy(a->sample.zones[1].name, "zone'}}");
	assert_int_equal(disc(a, "/nonexistent/model", collect, &g), 13);
	e = got_find(&g, "homeassistant/fan/odd_Name-4/fan/config");
	assert_non_null(e);
	assert_string_equal(str(e, "percentage_command_topic"),
			    "pirack/odd_Name-4/fan/set");
	assert_string_equal(str(e, "unique_id"), "pirack_odd_Name-4_fan");
	/* no model file: no model key */
	assert_null(
	    str(cJSON_GetObjectItemCaseSensitive(e, "device"), "model"));
	assert_null(
	    got_find(&g, "homeassistant/button/odd_Name-4/identify/config"));
	assert_null(got_find(&g, "homeassistant/light/odd_Name-4/led/config"));
	free(a);
	got_free(&g);
}

static void test_no_sample_yet(void **state)
{
	struct node *a = node_new();
	struct got g = { 0 };

	(void)state;
	/* a node blind from the start still gets its device, fan, button */
	a->have_sample = false;
	assert_int_equal(disc(a, model_path, collect, &g), 14);
	assert_null(got_find(
	    &g, "homeassistant/sensor/rpi-1/zone_thermal_zone0/config"));
	assert_non_null(got_find(&g, "homeassistant/fan/rpi-1/fan/config"));
	free(a);
	got_free(&g);
}

static const char *category(struct got *g, const char *topic)
{
	const cJSON *e = got_find(g, topic);

	assert_non_null(e);
	return str(e, "entity_category");
}

static void test_categories_and_light(void **state)
{
	static const char *const diagnostic[] = {
		"sensor/rpi-1/cpu_freq",
		"sensor/rpi-1/cpu_cap",
		"sensor/rpi-1/load",
		"sensor/rpi-1/pace",
		"binary_sensor/rpi-1/under_voltage",
		"binary_sensor/rpi-1/throttled",
	};
	struct node *a = node_new();
	struct got g = { 0 };
	char topic[128];
	const cJSON *e, *fx;

	(void)state;
	a->cfg.led.nlines = 3;
	assert_true(disc(a, model_path, collect, &g) > 0);
	for (size_t i = 0; i < sizeof(diagnostic) / sizeof(*diagnostic); i++) {
		snprintf(topic, sizeof(topic), "homeassistant/%s/config",
			 diagnostic[i]);
		assert_string_equal(category(&g, topic), "diagnostic");
	}
	/* what the node is for stays a main entity */
	assert_null(category(&g, "homeassistant/sensor/rpi-1/temp/config"));
	assert_null(category(&g, "homeassistant/fan/rpi-1/fan/config"));

	e = got_find(&g, "homeassistant/light/rpi-1/led/config");
	assert_non_null(e);
	assert_string_equal(str(e, "schema"), "template");
	assert_string_equal(str(e, "command_topic"), "pirack/rpi-1/led/set");
	assert_string_equal(str(e, "state_topic"), "pirack/rpi-1/state");
	assert_string_equal(str(e, "command_off_template"), "AUTO");
	assert_non_null(strstr(str(e, "command_on_template"), "IDENTIFY"));
	fx = cJSON_GetObjectItemCaseSensitive(e, "effect_list");
	assert_int_equal(cJSON_GetArraySize(fx), 2);
	assert_non_null(str(e, "red_template"));
	assert_non_null(str(e, "blue_template"));
	got_free(&g);

	/* one LED: on and identify, no colour */
	memset(&g, 0, sizeof(g));
	a->cfg.led.nlines = 1;
	assert_true(disc(a, model_path, collect, &g) > 0);
	e = got_find(&g, "homeassistant/light/rpi-1/led/config");
	assert_non_null(e);
	assert_null(str(e, "red_template"));
	free(a);
	got_free(&g);
}

static int fail_emit(void *ctx, const char *topic, const char *payload)
{
	(void)ctx;
	(void)topic;
	(void)payload;
	return -1;
}

static void test_emit_failure(void **state)
{
	struct node *a = node_new();

	(void)state;
	assert_int_equal(disc(a, NULL, fail_emit, NULL), -1);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entity_is_whole),
		cmocka_unit_test(test_sensors_and_fan),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_no_sample_yet),
		cmocka_unit_test(test_categories_and_light),
		cmocka_unit_test(test_emit_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
