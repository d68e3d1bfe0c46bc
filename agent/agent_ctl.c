/* agent_ctl.c: the agent's answers to control socket requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "agent.h"
#include "control.h"
#include "report.h"

static char *agent_ctl_error(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "error", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *agent_ctl_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

/* report <json object>: kept, minified, as the state's "job". */
static int agent_ctl_report(struct agent *a, const char *arg, char *err,
			    size_t errlen)
{
	cJSON *j = cJSON_Parse(arg);
	char *s;
	int rc = -1;

	if (!j || !cJSON_IsObject(j)) {
		snprintf(err, errlen,
			 "report needs a JSON object, e.g. "
			 "report {\"done\":10,\"total\":100}");
		goto out;
	}
	s = cJSON_PrintUnformatted(j);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (strlen(s) >= sizeof(a->job)) {
		snprintf(err, errlen,
			 "report too large (at most %zu bytes of "
			 "JSON)",
			 sizeof(a->job) - 1);
	} else {
		memcpy(a->job, s, strlen(s) + 1);
		rc = 0;
	}
	free(s);
out:
	cJSON_Delete(j);
	return rc;
}

char *agent_request(void *ctx, char *line, pid_t peer)
{
	struct agent *a = ctx;
	struct report_view v;
	struct control_req req;
	char err[256];
	cJSON *o;

	(void)peer; /* who asks does not matter: any local process */
	if (control_parse(line, &req, err, sizeof(err)) < 0)
		return agent_ctl_error(err);
	switch (req.op) {
	case CONTROL_STATUS:
		agent_view(a, &v);
		return agent_ctl_print(report_state(&v));
	case CONTROL_PACE:
		agent_pace_asked(a);
		agent_view(a, &v);
		return agent_ctl_print(report_pace(&v));
	case CONTROL_FAN:
		if (agent_fan_command(a, req.arg, err, sizeof(err)) < 0)
			return agent_ctl_error(err);
		agent_view(a, &v);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddItemToObject(o, "fan", report_fan(&v));
		cJSON_AddStringToObject(o, "fan_mode", report_fan_mode(&v));
		return agent_ctl_print(o);
	case CONTROL_LED:
		if (agent_led_command(a, req.arg, err, sizeof(err)) < 0)
			return agent_ctl_error(err);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddStringToObject(o, "led", led_state_name(a->led_state));
		return agent_ctl_print(o);
	case CONTROL_REPORT:
		if (agent_ctl_report(a, req.arg, err, sizeof(err)) < 0)
			return agent_ctl_error(err);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		return agent_ctl_print(o);
	}
	return agent_ctl_error("internal error: unhandled request");
}
