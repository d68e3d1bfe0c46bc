/* control_req.c: the control protocol's requests, parsed and carried out. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "agent.h"
#include "control.h"
#include "report.h"

static const struct {
	const char *word;
	enum control_op op;
	bool takes_arg;
} control_ops[] = {
	{ "status", CONTROL_STATUS, false },
	{ "pace", CONTROL_PACE, false },
	{ "fan", CONTROL_FAN, true },
	{ "led", CONTROL_LED, true },
	{ "report", CONTROL_REPORT, true },
};

/* What of the request to echo in an error: short and printable. */
static void control_quote(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len && i < 32; i++)
		dst[i] = isprint((unsigned char)src[i]) ? src[i] : '?';
	dst[i] = '\0';
}

int control_parse(char *line, struct control_req *req, char *err,
		  size_t errlen)
{
	char *verb, *arg, *end, q[40];
	size_t n = strlen(line);

	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	for (verb = line; isspace((unsigned char)*verb); verb++)
		;
	if (!*verb) {
		snprintf(err, errlen, "empty request; try status, pace, fan, "
			 "led or report");
		return -1;
	}
	for (end = verb; *end && !isspace((unsigned char)*end); end++)
		;
	arg = end;
	if (*arg) {
		*arg++ = '\0';
		while (isspace((unsigned char)*arg))
			arg++;
	}
	for (size_t i = 0; i < sizeof(control_ops) / sizeof(control_ops[0]);
	     i++) {
		if (strcmp(verb, control_ops[i].word))
			continue;
		if (control_ops[i].takes_arg && !*arg) {
			snprintf(err, errlen, "'%s' needs an argument: %s",
				 verb,
				 control_ops[i].op == CONTROL_FAN ?
				 "fan on|off|auto|0-100" :
				 control_ops[i].op == CONTROL_LED ?
				 "led identify|auto" : "report {json}");
			return -1;
		}
		if (!control_ops[i].takes_arg && *arg) {
			snprintf(err, errlen, "'%s' takes no argument", verb);
			return -1;
		}
		req->op = control_ops[i].op;
		req->arg = arg;
		return 0;
	}
	control_quote(q, sizeof(q), verb);
	snprintf(err, errlen, "unknown request '%s'; try status, pace, fan, "
		 "led or report", q);
	return -1;
}

static char *control_error(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "error", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *control_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

/* report <json object>: kept, minified, as the state's "job". */
static int control_report(struct agent *a, const char *arg, char *err,
			  size_t errlen)
{
	cJSON *j = cJSON_Parse(arg);
	char *s;
	int rc = -1;

	if (!j || !cJSON_IsObject(j)) {
		snprintf(err, errlen, "report needs a JSON object, e.g. "
			 "report {\"done\":10,\"total\":100}");
		goto out;
	}
	s = cJSON_PrintUnformatted(j);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (strlen(s) >= sizeof(a->job)) {
		snprintf(err, errlen, "report too large (at most %zu bytes of "
			 "JSON)", sizeof(a->job) - 1);
	} else {
		memcpy(a->job, s, strlen(s) + 1);
		rc = 0;
	}
	free(s);
out:
	cJSON_Delete(j);
	return rc;
}

char *control_request(struct agent *a, char *line, pid_t peer)
{
	struct control_req req;
	char err[256];
	cJSON *o;

	if (control_parse(line, &req, err, sizeof(err)) < 0)
		return control_error(err);
	switch (req.op) {
	case CONTROL_STATUS:
		return control_print(report_state(a));
	case CONTROL_PACE:
		agent_attach_pid(a, peer);
		return control_print(report_pace(a));
	case CONTROL_FAN:
		if (agent_fan_command(a, req.arg, err, sizeof(err)) < 0)
			return control_error(err);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddItemToObject(o, "fan", report_fan(a));
		cJSON_AddStringToObject(o, "fan_mode", report_fan_mode(a));
		return control_print(o);
	case CONTROL_LED:
		if (agent_led_command(a, req.arg, err, sizeof(err)) < 0)
			return control_error(err);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddStringToObject(o, "led",
					led_state_name(a->led_state));
		return control_print(o);
	case CONTROL_REPORT:
		if (control_report(a, req.arg, err, sizeof(err)) < 0)
			return control_error(err);
		agent_attach_pid(a, peer);
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ok", true);
		return control_print(o);
	}
	return control_error("internal error: unhandled request");
}
