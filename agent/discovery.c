/* discovery.c: Home Assistant MQTT discovery payloads (one per entity). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "discovery.h"

#ifndef PIRACK_VERSION
#define PIRACK_VERSION "unknown"
#endif

#define DISC_TOPIC_MAX 512
#define DISC_BASE_MAX (2 * CONFIG_NAME_MAX + 2) /* <prefix>/<node> */

/* What every entity of the node shares: topics and the device block. */
struct disc {
	const struct config *c;
	const struct sample *zones; /* NULL: none to announce */
	char node_id[CONFIG_NAME_MAX];
	char base[DISC_BASE_MAX];
	char avail[DISC_BASE_MAX + 16];
	char state[DISC_BASE_MAX + 16];
	char model[128];
	discovery_emit_fn emit;
	void *ctx;
	int count;
};

void discovery_node_id(const char *node, char *out, size_t outlen)
{
	size_t i;

	if (!outlen)
		return;
	/* Home Assistant accepts only these in node_id and object_id */
	for (i = 0; node[i] && i + 1 < outlen; i++) {
		unsigned char c = (unsigned char)node[i];

		out[i] = (isalnum(c) || c == '_' || c == '-') ? (char)c : '_';
	}
	out[i] = '\0';
}

/* The device-tree model is NUL-terminated; absent off a Pi. */
static void disc_read_model(const char *path, char *out, size_t outlen)
{
	FILE *f;
	size_t n;

	out[0] = '\0';
	if (!path || !(f = fopen(path, "r")))
		return;
	n = fread(out, 1, outlen - 1, f);
	fclose(f);
	out[n] = '\0';
	n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

static cJSON *disc_device(const struct disc *d)
{
	cJSON *dev = cJSON_CreateObject();
	cJSON *ids = cJSON_AddArrayToObject(dev, "identifiers");
	char id[CONFIG_NAME_MAX + 8];

	snprintf(id, sizeof(id), "pirack_%s", d->node_id);
	cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	cJSON_AddStringToObject(dev, "name", d->c->node.name);
	if (d->model[0])
		cJSON_AddStringToObject(dev, "model", d->model);
	cJSON_AddStringToObject(dev, "sw_version", PIRACK_VERSION);
	return dev;
}

/* The keys every entity carries; the caller adds the rest. */
static cJSON *disc_entity(const struct disc *d, const char *object,
			  const char *name)
{
	cJSON *e = cJSON_CreateObject();
	cJSON *origin;
	char uid[CONFIG_NAME_MAX * 2 + 16];

	snprintf(uid, sizeof(uid), "pirack_%s_%s", d->node_id, object);
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "unique_id", uid);
	cJSON_AddStringToObject(e, "availability_topic", d->avail);
	cJSON_AddStringToObject(e, "payload_available", "online");
	cJSON_AddStringToObject(e, "payload_not_available", "offline");
	cJSON_AddItemToObject(e, "device", disc_device(d));
	origin = cJSON_AddObjectToObject(e, "origin");
	cJSON_AddStringToObject(origin, "name", "pirack");
	cJSON_AddStringToObject(origin, "sw_version", PIRACK_VERSION);
	return e;
}

/* Prints, emits and frees e under <dp>/<component>/<node>/<object>/config. */
static int disc_send(struct disc *d, const char *component, const char *object,
		     cJSON *e)
{
	char topic[DISC_TOPIC_MAX];
	char *json;
	int rc;

	snprintf(topic, sizeof(topic), "%s/%s/%s/%s/config",
		 d->c->mqtt.discovery_prefix, component, d->node_id, object);
	json = cJSON_PrintUnformatted(e);
	cJSON_Delete(e);
	if (!json)
		return -1;
	rc = d->emit(d->ctx, topic, json);
	cJSON_free(json);
	if (rc == 0)
		d->count++;
	return rc;
}

/*
 * A measurement sensor on the state topic; NULL fields are left out.
 * Diagnostic ones (how the node runs, not what it is for) go to Home
 * Assistant's diagnostic section instead of the device's main entities.
 */
struct disc_sensor {
	const char *object, *name, *tmpl;
	const char *device_class, *unit, *icon;
	const char *state_class; /* NULL: measurement */
	bool diagnostic;
};

static int disc_sensor(struct disc *d, const struct disc_sensor *ds)
{
	cJSON *e = disc_entity(d, ds->object, ds->name);

	cJSON_AddStringToObject(e, "state_topic", d->state);
	cJSON_AddStringToObject(e, "value_template", ds->tmpl);
	if (ds->device_class)
		cJSON_AddStringToObject(e, "device_class", ds->device_class);
	cJSON_AddStringToObject(e, "state_class",
				ds->state_class ? ds->state_class
						: "measurement");
	if (ds->unit)
		cJSON_AddStringToObject(e, "unit_of_measurement", ds->unit);
	if (ds->icon)
		cJSON_AddStringToObject(e, "icon", ds->icon);
	if (ds->diagnostic)
		cJSON_AddStringToObject(e, "entity_category", "diagnostic");
	return disc_send(d, "sensor", ds->object, e);
}

static int disc_temp_sensor(struct disc *d, const char *object,
			    const char *name, const char *tmpl)
{
	const struct disc_sensor ds = { .object = object,
					.name = name,
					.tmpl = tmpl,
					.device_class = "temperature",
					.unit = "°C" };

	return disc_sensor(d, &ds);
}

static const struct disc_sensor disc_other[] = {
	{ .object = "cpu_freq",
	  .name = "CPU frequency",
	  .tmpl = "{{ value_json.cpu_freq_mhz }}",
	  .device_class = "frequency",
	  .unit = "MHz",
	  .diagnostic = true },
	/* the agent's clock cap (lever cpufreq or auto); None: no cap */
	{ .object = "cpu_cap",
	  .name = "CPU clock cap",
	  .tmpl = "{{ value_json.cpu_cap_mhz }}",
	  .device_class = "frequency",
	  .unit = "MHz",
	  .diagnostic = true },
	{ .object = "load",
	  .name = "Load (1 min)",
	  .tmpl = "{{ value_json.load1 }}",
	  .icon = "mdi:chip",
	  .diagnostic = true },
	/* pace is a fraction; people read percentages */
	{ .object = "pace",
	  .name = "Pace",
	  .tmpl = "{{ (value_json.pace * 100) | round(0) }}",
	  .unit = "%",
	  .icon = "mdi:speedometer",
	  .diagnostic = true },
	/* what an outage cost: samples waiting, samples lost (oldest first) */
	{ .object = "tel_queued",
	  .name = "Telemetry queued",
	  .tmpl = "{{ value_json.telemetry.queued }}",
	  .icon = "mdi:tray-full",
	  .diagnostic = true },
	{ .object = "tel_dropped",
	  .name = "Telemetry dropped",
	  .tmpl = "{{ value_json.telemetry.dropped }}",
	  .icon = "mdi:tray-remove",
	  .state_class = "total_increasing",
	  .diagnostic = true },
};

static int disc_sensors(struct disc *d)
{
	const struct sample *s = d->zones;
	size_t i;

	if (disc_temp_sensor(d, "temp", "Temperature",
			     "{{ value_json.temp_c }}"))
		return -1;
	for (i = 0; s && i < s->nzones; i++) {
		char object[ZONE_NAME_MAX + 8], name[2 * ZONE_NAME_MAX + 16];
		char tmpl[ZONE_NAME_MAX + 64], zid[ZONE_NAME_MAX];

		discovery_node_id(s->zones[i].name, zid, sizeof(zid));
		if (strcmp(zid, s->zones[i].name))
			continue; /* not safe inside a template */
		snprintf(object, sizeof(object), "zone_%s", zid);
		snprintf(name, sizeof(name), "%s temperature",
			 s->zones[i].type[0] ? s->zones[i].type
					     : s->zones[i].name);
		snprintf(tmpl, sizeof(tmpl), "{{ value_json.zones['%s'] }}",
			 zid);
		if (disc_temp_sensor(d, object, name, tmpl))
			return -1;
	}

	for (i = 0; i < sizeof(disc_other) / sizeof(disc_other[0]); i++)
		if (disc_sensor(d, &disc_other[i]))
			return -1;
	return 0;
}

/* The firmware's throttle flags; under-voltage first, it matters most. */
static int disc_binary_sensors(struct disc *d)
{
	static const struct {
		const char *key, *name;
	} flags[] = {
		{ "under_voltage", "Under-voltage" },
		{ "freq_capped", "Frequency capped" },
		{ "throttled", "Throttled" },
		{ "soft_temp_limit", "Soft temperature limit" },
	};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		cJSON *e = disc_entity(d, flags[i].key, flags[i].name);
		char tmpl[160];

		/* "throttled" is null off a Pi: the flag is then off */
		snprintf(tmpl, sizeof(tmpl),
			 "{{ 'ON' if (value_json.throttled or {}).get('%s') "
			 "else 'OFF' }}",
			 flags[i].key);
		cJSON_AddStringToObject(e, "state_topic", d->state);
		cJSON_AddStringToObject(e, "value_template", tmpl);
		cJSON_AddStringToObject(e, "payload_on", "ON");
		cJSON_AddStringToObject(e, "payload_off", "OFF");
		cJSON_AddStringToObject(e, "device_class", "problem");
		cJSON_AddStringToObject(e, "entity_category", "diagnostic");
		if (disc_send(d, "binary_sensor", flags[i].key, e))
			return -1;
	}
	return 0;
}

static int disc_fan(struct disc *d)
{
	const struct config *c = d->c;
	char cmd[DISC_BASE_MAX + 16];
	cJSON *e, *modes;

	if (c->fan.driver != FAN_DRIVER_GPIO && c->fan.driver != FAN_DRIVER_PWM)
		return 0; /* kernel/none: nothing to command */
	snprintf(cmd, sizeof(cmd), "%s/fan/set", d->base);
	e = disc_entity(d, "fan", "Fan");
	cJSON_AddStringToObject(e, "command_topic", cmd);
	cJSON_AddStringToObject(e, "state_topic", d->state);
	/* "fan" is "on"/"off" (gpio) or the duty in % (pwm) */
	cJSON_AddStringToObject(e, "state_value_template",
				"{{ 'OFF' if value_json.fan in ['off', 0] "
				"else 'ON' }}");
	cJSON_AddStringToObject(e, "payload_on", "ON");
	cJSON_AddStringToObject(e, "payload_off", "OFF");
	cJSON_AddStringToObject(e, "preset_mode_command_topic", cmd);
	cJSON_AddStringToObject(e, "preset_mode_state_topic", d->state);
	/* "None" is Home Assistant's payload for "no preset" (manual) */
	cJSON_AddStringToObject(e, "preset_mode_value_template",
				"{{ 'AUTO' if value_json.fan_mode == 'auto' "
				"else 'None' }}");
	modes = cJSON_AddArrayToObject(e, "preset_modes");
	cJSON_AddItemToArray(modes, cJSON_CreateString("AUTO"));
	if (c->fan.driver == FAN_DRIVER_PWM) {
		cJSON_AddStringToObject(e, "percentage_command_topic", cmd);
		cJSON_AddStringToObject(e, "percentage_state_topic", d->state);
		cJSON_AddStringToObject(e, "percentage_value_template",
					"{{ value_json.fan }}");
	}
	return disc_send(d, "fan", "fan", e);
}

static int disc_button(struct disc *d)
{
	char cmd[DISC_BASE_MAX + 16];
	cJSON *e;

	if (d->c->led.driver == LED_DRIVER_NONE)
		return 0;
	snprintf(cmd, sizeof(cmd), "%s/led/set", d->base);
	e = disc_entity(d, "identify", "Identify");
	cJSON_AddStringToObject(e, "command_topic", cmd);
	cJSON_AddStringToObject(e, "payload_press", "IDENTIFY");
	cJSON_AddStringToObject(e, "device_class", "identify");
	return disc_send(d, "button", "identify", e);
}

/*
 * The status LED as a light (Home Assistant's template schema: one
 * command topic, templates over the state JSON). It always shows the
 * node's state, so it is on; its colour is the state's (RGB), its effect
 * "identify" or "status". Turning it on with the effect identify sends
 * IDENTIFY; on otherwise, or off, sends AUTO: the LED cannot be dark.
 */
static int disc_light(struct disc *d)
{
	static const char *const rgb[][2] = {
		{ "red_template", "{{ 255 if value_json.led in "
				  "['warm', 'hot', 'fault'] else 0 }}" },
		{ "green_template", "{{ 255 if value_json.led in "
				    "['ok', 'no_broker', 'warm'] else 0 }}" },
		{ "blue_template",
		  "{{ 255 if value_json.led == 'identify' else 0 }}" },
	};
	char cmd[DISC_BASE_MAX + 16];
	cJSON *e, *effects;

	if (d->c->led.driver == LED_DRIVER_NONE)
		return 0;
	snprintf(cmd, sizeof(cmd), "%s/led/set", d->base);
	e = disc_entity(d, "led", "Status LED");
	cJSON_AddStringToObject(e, "schema", "template");
	cJSON_AddStringToObject(e, "command_topic", cmd);
	cJSON_AddStringToObject(e, "state_topic", d->state);
	cJSON_AddStringToObject(e, "command_on_template",
				"{{ 'IDENTIFY' if effect is defined and "
				"effect == 'identify' else 'AUTO' }}");
	cJSON_AddStringToObject(e, "command_off_template", "AUTO");
	cJSON_AddStringToObject(e, "state_template",
				"{{ 'on' if value_json.led else 'off' }}");
	effects = cJSON_AddArrayToObject(e, "effect_list");
	cJSON_AddItemToArray(effects, cJSON_CreateString("status"));
	cJSON_AddItemToArray(effects, cJSON_CreateString("identify"));
	cJSON_AddStringToObject(e, "effect_template",
				"{{ 'identify' if value_json.led == "
				"'identify' else 'status' }}");
	/* a single LED has no colour of its own to show */
	for (size_t i = 0; d->c->led.nlines == 3 && i < 3; i++)
		cJSON_AddStringToObject(e, rgb[i][0], rgb[i][1]);
	return disc_send(d, "light", "led", e);
}

int discovery_build(const struct config *c, const struct sample *zones,
		    const char *model_path, discovery_emit_fn emit, void *ctx)
{
	struct disc d = { .c = c, .zones = zones, .emit = emit, .ctx = ctx };

	discovery_node_id(c->node.name, d.node_id, sizeof(d.node_id));
	snprintf(d.base, sizeof(d.base), "%s/%s", c->mqtt.prefix, c->node.name);
	snprintf(d.avail, sizeof(d.avail), "%s/availability", d.base);
	snprintf(d.state, sizeof(d.state), "%s/state", d.base);
	disc_read_model(model_path, d.model, sizeof(d.model));

	if (disc_sensors(&d) || disc_binary_sensors(&d) || disc_fan(&d) ||
	    disc_light(&d) || disc_button(&d))
		return -1;
	return d.count;
}
