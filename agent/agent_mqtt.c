/* agent_mqtt.c: the agent's side of MQTT: its hooks, state, discovery. */
#include <stdio.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "agent.h"
#include "discovery.h"
#include "log.h"
#include "mqtt.h"
#include "report.h"

static int agent_mqtt_command(void *ctx, enum mqtt_cmd which, const char *word,
			      char *err, size_t errlen)
{
	struct agent *a = ctx;

	return which == MQTT_CMD_FAN ? agent_fan_command(a, word, err, errlen)
				     : agent_led_command(a, word, err, errlen);
}

static int agent_mqtt_discovery(void *ctx, discovery_emit_fn emit, void *ectx)
{
	const struct agent *a = ctx;
	char model[CONFIG_PATH_MAX + 40];

	/* /proc/device-tree is a link to <sysfs>/firmware/devicetree/base */
	snprintf(model, sizeof(model), "%s/firmware/devicetree/base/model",
		 a->cfg.thermal.sysfs_root);
	return discovery_build(&a->cfg, a->have_sample ? &a->zones : NULL,
			       model, emit, ectx);
}

void agent_mqtt_open(struct agent *a)
{
	const struct mqtt_hooks hooks = {
		.ctx = a,
		.command = agent_mqtt_command,
		.discovery = agent_mqtt_discovery,
	};

	a->mqtt = NULL;
	if (!a->cfg.mqtt.enabled)
		return;
	a->mqtt = mqtt_open(&a->cfg, &hooks);
	if (!a->mqtt)
		log_warnx("mqtt: not started; the agent runs without it");
}

void agent_publish(struct agent *a, bool telemetry)
{
	struct report_view v;
	cJSON *st;
	char *json;

	if (!a->mqtt)
		return;
	agent_view(a, &v);
	st = report_state(&v);
	json = st ? cJSON_PrintUnformatted(st) : NULL;
	cJSON_Delete(st);
	if (!json)
		return;
	mqtt_publish_state(a->mqtt, json, a->seq, telemetry);
	cJSON_free(json);
}

static bool agent_zones_same(const struct sample *x, const struct sample *y)
{
	if (x->nzones != y->nzones)
		return false;
	for (size_t i = 0; i < x->nzones; i++)
		if (strcmp(x->zones[i].name, y->zones[i].name) ||
		    strcmp(x->zones[i].type, y->zones[i].type))
			return false;
	return true;
}

void agent_zones_seen(struct agent *a, const struct sample *s)
{
	bool first = !a->have_sample;

	if (s->fault || (!first && agent_zones_same(&a->zones, s)))
		return;
	a->zones = *s;
	a->have_sample = true;
	/* the first good sample brings the zones to announce */
	mqtt_rediscover(a->mqtt);
}
