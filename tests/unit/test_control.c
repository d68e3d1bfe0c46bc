/* test_control.c: the control protocol: request parsing (pure) and each
 * request's reply against an agent with no devices. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent.h"
#include "agent/control.h"
#include <cjson/cJSON.h>

static void parse_ok(const char *text, enum control_op op, const char *arg)
{
	struct control_req req;
	char line[256], err[256];

	strcpy(line, text);
	assert_int_equal(control_parse(line, &req, err, sizeof(err)), 0);
	assert_int_equal(req.op, op);
	assert_string_equal(req.arg, arg);
}

static void parse_bad(const char *text, const char *want)
{
	struct control_req req;
	char line[256], err[256];

	strcpy(line, text);
	assert_int_equal(control_parse(line, &req, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void test_parse(void **state)
{
	(void)state;
	parse_ok("status", CONTROL_STATUS, "");
	parse_ok("  status \r", CONTROL_STATUS, "");
	parse_ok("pace", CONTROL_PACE, "");
	parse_ok("fan on", CONTROL_FAN, "on");
	parse_ok("fan   AUTO  ", CONTROL_FAN, "AUTO");
	parse_ok("fan 40", CONTROL_FAN, "40");
	parse_ok("led identify", CONTROL_LED, "identify");
	parse_ok("report {\"a\": 1, \"b\": [1, 2]}", CONTROL_REPORT,
		 "{\"a\": 1, \"b\": [1, 2]}");
	parse_ok("report\t{}", CONTROL_REPORT, "{}");
}

static void test_parse_bad(void **state)
{
	(void)state;
	parse_bad("", "empty request; try status, pace, fan, led or report");
	parse_bad(" \r", "empty request; try status, pace, fan, led or report");
	parse_bad("STATUS", "unknown request 'STATUS'; try status, pace, fan, "
			    "led or report");
	parse_bad("statusx", "unknown request 'statusx'; try status, pace, "
			     "fan, led or report");
	parse_bad("st\x01us", "unknown request 'st?us'; try status, pace, "
			      "fan, led or report");
	parse_bad("status now", "'status' takes no argument");
	parse_bad("pace 1", "'pace' takes no argument");
	parse_bad("fan", "'fan' needs an argument: fan on|off|auto|0-100");
	parse_bad("fan   ", "'fan' needs an argument: fan on|off|auto|0-100");
	parse_bad("led", "'led' needs an argument: led identify|auto");
	parse_bad("report", "'report' needs an argument: report {json}");
}

static struct agent *agent_new(double temp, bool fault)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct config c;

	config_defaults(&c);
	strcpy(c.node.name, "rpi-0");
	c.mqtt.enabled = false;
	agent_init(a, &c);
	a->seq = 1;
	a->have_sample = !fault;
	a->sample.seq = 1;
	a->sample.ts = 1700000000;
	a->sample.temp_c = temp;
	a->sample.fault = fault;
	a->sample.nzones = 1;
	strcpy(a->sample.zones[0].name, "thermal_zone0");
	a->sample.zones[0].temp_c = temp;
	a->sample.cpu_freq_mhz = -1;
	a->sample.load1 = -1;
	if (fault)
		strcpy(a->sample.fault_msg, "class/thermal/thermal_zone0/temp: "
					    "No such file or directory");
	agent_actuate(a);
	return a;
}

/* One request, its reply compared whole. */
static void reply(struct agent *a, const char *req, const char *want)
{
	char line[256], *r;

	strcpy(line, req);
	r = agent_request(a, line, 0);
	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_pace_reply(void **state)
{
	struct agent *a = agent_new(71.2, false);

	(void)state;
	a->pace.pace = 0.7312;
	reply(a, "pace",
	      "{\"node\":\"rpi-0\",\"pace\":0.731,"
	      "\"cpu_cap_mhz\":null,\"temp_c\":71.2,"
	      "\"target_c\":77,\"limit_c\":80,\"fan\":\"on\",\"fault\":false,"
	      "\"throttled\":false,\"ts\":1700000000}");
	free(a);
}

static void test_fan_requests(void **state)
{
	struct agent *a = agent_new(55, false);

	(void)state;
	reply(a, "fan on",
	      "{\"ok\":true,\"fan\":\"on\",\"fan_mode\":"
	      "\"manual\"}");
	reply(a, "fan off",
	      "{\"ok\":true,\"fan\":\"off\",\"fan_mode\":"
	      "\"manual\"}");
	reply(a, "fan auto",
	      "{\"ok\":true,\"fan\":\"off\",\"fan_mode\":"
	      "\"auto\"}");
	reply(a, "fan 40",
	      "{\"error\":\"fan: '40': a gpio fan is only on or "
	      "off\"}");
	reply(a, "fan sideways",
	      "{\"error\":\"fan: unknown command "
	      "'sideways' (want on, off or auto)\"}");
	/* At limit_c OFF is refused and the fan stays on. */
	a->sample.temp_c = 80;
	agent_actuate(a);
	reply(a, "fan off",
	      "{\"error\":\"fan off refused: node at 80.0 °C, "
	      "at or above limit_c 80 °C\"}");
	assert_int_equal(a->fan_state.duty, 100);
	assert_int_equal(a->fan_state.mode, FAN_MODE_AUTO);
	free(a);
}

static void test_fan_off_during_fault(void **state)
{
	struct agent *a = agent_new(0, true);

	(void)state;
	reply(a, "fan off",
	      "{\"error\":\"fan off refused: sensor fault "
	      "(class/thermal/thermal_zone0/temp: No such file or "
	      "directory)\"}");
	reply(a, "fan on",
	      "{\"ok\":true,\"fan\":\"on\",\"fan_mode\":"
	      "\"manual\"}");
	free(a);
}

static void test_pwm_duty(void **state)
{
	struct agent *a = agent_new(55, false);

	(void)state;
	a->cfg.fan.driver = FAN_DRIVER_PWM;
	reply(a, "fan 40", "{\"ok\":true,\"fan\":40,\"fan_mode\":\"manual\"}");
	reply(a, "fan 101",
	      "{\"error\":\"fan: unknown command '101' (want "
	      "on, off or auto or 0-100)\"}");
	free(a);
}

static void test_led_requests(void **state)
{
	struct agent *a = agent_new(40, false);

	(void)state;
	reply(a, "led identify", "{\"ok\":true,\"led\":\"identify\"}");
	assert_true(a->identify_until_ms > clock_ms() + 29000);
	reply(a, "led auto", "{\"ok\":true,\"led\":\"ok\"}");
	assert_int_equal(a->identify_until_ms, 0);
	reply(a, "led disco",
	      "{\"error\":\"unknown LED command 'disco': use "
	      "identify or auto\"}");
	free(a);
}

static void test_report_request(void **state)
{
	struct agent *a = agent_new(40, false);
	char big[1600], line[CONTROL_LINE_MAX], *r;

	(void)state;
	reply(a, "report {\"done\": 3, \"total\": 10}", "{\"ok\":true}");
	assert_string_equal(a->job, "{\"done\":3,\"total\":10}");
	reply(a, "report [1]",
	      "{\"error\":\"report needs a JSON object, e.g. "
	      "report {\\\"done\\\":10,\\\"total\\\":100}\"}");
	reply(a, "report {\"a\":",
	      "{\"error\":\"report needs a JSON object, "
	      "e.g. report {\\\"done\\\":10,\\\"total\\\":100}\"}");
	/* The last good report is kept. */
	assert_string_equal(a->job, "{\"done\":3,\"total\":10}");
	memset(big, 'x', 1500);
	big[1500] = '\0';
	snprintf(line, sizeof(line), "report {\"s\":\"%s\"}", big);
	r = agent_request(a, line, 0);
	assert_non_null(strstr(r, "report too large"));
	free(r);
	free(a);
}

/*
 * Mutated requests (a fixed seed) always get one JSON object back with
 * "ok", "error" or "node" in it, and leave the agent working.
 */
static void test_mutations(void **state)
{
	static const char *const seeds[] = {
		"status",	"pace",
		"fan on",	"fan 40",
		"led identify", "report {\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
	};
	struct agent *a = agent_new(50, false);
	char line[256], *r;
	unsigned seed = 777;
	cJSON *o;

	(void)state;
	a->cfg.fan.driver = FAN_DRIVER_PWM;
	for (int round = 0; round < 20000; round++) {
		size_t len;

		snprintf(
		    line, sizeof(line), "%s",
		    seeds[rand_r(&seed) % (sizeof(seeds) / sizeof(seeds[0]))]);
		len = strlen(line);
		for (int e = rand_r(&seed) % 4; e >= 0 && len; e--) {
			size_t at = rand_r(&seed) % len;

			line[at] = (char)(1 + rand_r(&seed) % 255);
		}
		r = agent_request(a, line, 0);
		assert_non_null(r);
		assert_null(strchr(r, '\n'));
		o = cJSON_Parse(r);
		assert_non_null(o);
		assert_true(cJSON_GetObjectItem(o, "ok") ||
			    cJSON_GetObjectItem(o, "error") ||
			    cJSON_GetObjectItem(o, "node"));
		cJSON_Delete(o);
		free(r);
	}
	strcpy(line, "status");
	r = agent_request(a, line, 0);
	assert_non_null(strstr(r, "\"node\":\"rpi-0\""));
	free(r);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_pace_reply),
		cmocka_unit_test(test_fan_requests),
		cmocka_unit_test(test_fan_off_during_fault),
		cmocka_unit_test(test_pwm_duty),
		cmocka_unit_test(test_led_requests),
		cmocka_unit_test(test_report_request),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
