/* fuzz_control.c: control socket requests (agent_request), line by line. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "agent/agent.h"
#include "agent/control.h"
#include "fuzz.h"

/*
 * The first byte picks the agent the requests meet: fan driver, and a
 * reading that is cool, hot, faulty or missing; the rest is request lines
 * as control.c hands them over (split at '\n', lines with a NUL byte or
 * longer than CONTROL_LINE_MAX answered before agent_request).
 */
static void fuzz_agent(struct agent *a, uint8_t how)
{
	static const enum fan_driver drivers[] = {
		FAN_DRIVER_GPIO,
		FAN_DRIVER_PWM,
		FAN_DRIVER_KERNEL,
		FAN_DRIVER_NONE,
	};
	static const double temps[] = { 45, 85, 0, 0 };
	struct config c;

	config_defaults(&c);
	strcpy(c.node.name, "rpi-0");
	c.mqtt.enabled = false;
	c.fan.driver = drivers[how & 3];
	agent_init(a, &c);
	how >>= 2;
	if ((how & 3) == 3)
		return; /* no reading yet */
	a->seq = 1;
	a->sample.seq = 1;
	a->sample.ts = 1700000000;
	a->sample.fault = (how & 3) == 2;
	a->have_sample = !a->sample.fault;
	a->sample.temp_c = a->sample.fault ? NAN : temps[how & 3];
	a->sample.cpu_freq_mhz = -1;
	a->sample.load1 = -1;
	if (a->sample.fault)
		strcpy(a->sample.fault_msg, "class/thermal/thermal_zone0/temp: "
					    "No such file or directory");
	agent_actuate(a);
}

/* What a refused request must leave alone. */
struct fuzz_state {
	struct fan_state fan;
	uint64_t identify_until_ms;
	char job[AGENT_JOB_MAX];
};

static void fuzz_save(const struct agent *a, struct fuzz_state *s)
{
	s->fan = a->fan_state;
	s->identify_until_ms = a->identify_until_ms;
	memcpy(s->job, a->job, sizeof(s->job));
}

static void fuzz_request(struct agent *a, const char *req, size_t len)
{
	struct fuzz_state before, after;
	char *line = malloc(len + 1), *reply;
	cJSON *o, *ok, *e;

	memcpy(line, req, len);
	line[len] = '\0';
	fuzz_save(a, &before);
	reply = agent_request(a, line, 0);
	fuzz_save(a, &after);
	FUZZ_CHECK(reply, "no reply to '%s'", req);
	FUZZ_CHECK(!strchr(reply, '\n'), "reply spans lines: %s", reply);
	o = cJSON_Parse(reply);
	FUZZ_CHECK(o && cJSON_IsObject(o), "reply not a JSON object: %s",
		   reply);
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
	if (e) {
		FUZZ_CHECK(cJSON_IsString(e) && *e->valuestring &&
			       cJSON_GetArraySize(o) == 1,
			   "error reply not one message: %s", reply);
		FUZZ_CHECK(!memcmp(&before.fan, &after.fan, sizeof(after.fan)),
			   "refused request changed the fan: %s", reply);
		FUZZ_CHECK(before.identify_until_ms == after.identify_until_ms,
			   "refused request changed the LED: %s", reply);
		FUZZ_CHECK(!strcmp(before.job, after.job),
			   "refused request changed the job: %s", reply);
	} else if (ok) {
		FUZZ_CHECK(cJSON_IsTrue(ok), "ok not true: %s", reply);
	} else {
		/* status and pace: data, always naming the node */
		e = cJSON_GetObjectItemCaseSensitive(o, "node");
		FUZZ_CHECK(cJSON_IsString(e) &&
			       !strcmp(e->valuestring, "rpi-0"),
			   "reply neither error, ok nor data: %s", reply);
	}
	/* The kept job is JSON a status reply can embed. */
	if (a->job[0]) {
		cJSON *j = cJSON_Parse(a->job);

		FUZZ_CHECK(cJSON_IsObject(j), "job not an object: %s", a->job);
		cJSON_Delete(j);
	}
	FUZZ_CHECK(a->fan_state.manual_duty >= 0 &&
		       a->fan_state.manual_duty <= 100 &&
		       a->fan_state.duty >= 0 && a->fan_state.duty <= 100,
		   "fan duty out of range after %s", reply);
	cJSON_Delete(o);
	free(reply);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent a; /* large: not on the stack */
	const char *p, *end, *nl;

	if (!size)
		return 0;
	fuzz_agent(&a, data[0]);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		/* control.c answers these itself: see control_lines(). */
		if (!memchr(p, '\0', nl - p) && nl - p < CONTROL_LINE_MAX)
			fuzz_request(&a, p, nl - p);
		p = nl + 1;
	}
	return 0;
}
