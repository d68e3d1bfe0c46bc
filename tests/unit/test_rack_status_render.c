/* test_rack_status_render.c: pirack status's row states, table and JSON
 * (rack/status_render.c), from canned state messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "rack/status_render.h"

#define NOW 1000000.0

static struct inv_node nodes[3] = {
	{ .name = "n0", .address = "10.0.0.10" },
	{ .name = "n1", .address = "10.0.0.11" },
	{ .name = "n2", .address = "10.0.0.12" },
};

static void row_set(struct status_row *row, int i, const char *avail,
		    const char *state)
{
	memset(row, 0, sizeof(*row));
	row->node = &nodes[i];
	row->interval_ms = 1000;
	snprintf(row->avail, sizeof(row->avail), "%s", avail);
	if (state) {
		row->state = cJSON_Parse(state);
		assert_non_null(row->state);
	}
}

static char *render(const struct status_row *rows, size_t n, int json,
		    bool colour)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		assert_int_equal(status_render_json(rows, n, f, NOW), 0);
	else
		status_render_table(rows, n, colour, f, NOW);
	fclose(f);
	return buf;
}

static void test_classify(void **state)
{
	struct status_row r;
	(void)state;

	row_set(&r, 0, "", NULL);
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_UNKNOWN);
	row_set(&r, 0, "online", NULL); /* online, no sample yet */
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_STALE);
	row_set(&r, 0, "online", "{\"ts\": 999997.5}");
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_ONLINE);
	cJSON_Delete(r.state);
	row_set(&r, 0, "online", "{\"ts\": 999996.5}"); /* > 3 periods */
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_STALE);
	cJSON_Delete(r.state);
	/* a whole-second ts gets a second's slack */
	row_set(&r, 0, "online", "{\"ts\": 999996}");
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_ONLINE);
	cJSON_Delete(r.state);
	row_set(&r, 0, "online", "{\"temp_c\": 40}"); /* no ts */
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_STALE);
	cJSON_Delete(r.state);
	row_set(&r, 0, "offline", "{\"ts\": 1000000}");
	assert_int_equal(status_render_classify(&r, NOW), STATUS_ROW_OFFLINE);
	cJSON_Delete(r.state);

	assert_string_equal(status_render_state_name(STATUS_ROW_UNKNOWN),
			    "unknown");
	assert_string_equal(status_render_state_name(STATUS_ROW_ONLINE),
			    "online");
	assert_string_equal(status_render_state_name(STATUS_ROW_STALE),
			    "stale");
	assert_string_equal(status_render_state_name(STATUS_ROW_OFFLINE),
			    "offline");
}

static void test_table(void **state)
{
	struct status_row rows[3];
	char *out;
	(void)state;

	row_set(&rows[0], 0, "online",
		"{\"ts\": 999999.5, \"temp_c\": 51.25, \"fan\": \"on\","
		" \"fan_mode\": \"manual\", \"led\": \"warm\", \"pace\": 0.5,"
		" \"throttled\": {\"under_voltage\": false,"
		" \"under_voltage_seen\": true, \"throttled\": true}}");
	row_set(&rows[1], 1, "online",
		"{\"ts\": 999000, \"fan\": 40, \"fan_mode\": \"auto\","
		" \"throttled\": null}");
	row_set(&rows[2], 2, "", NULL);
	out = render(rows, 3, 0, false);
	assert_string_equal(
	    out,
	    "NODE         STATE       TEMP FAN          LED         PACE    AGE"
	    "  THROTTLE\n"
	    "n0           online     51.2C on (manual)  warm        0.50   0.5s"
	    "  was:under-voltage,throttled\n"
	    "n1           stale          - 40%          ?              -  1000s"
	    "  n/a\n"
	    "n2           unknown        - -            -              -      -"
	    "  -\n");
	free(out);

	/* colour: stale in yellow, unknown dim, under-voltage red */
	out = render(rows, 3, 0, true);
	assert_non_null(strstr(out, "\033[1;31mwas:under-voltage,throttled"
				    "\033[0m\n"));
	assert_non_null(strstr(out, "\033[33mstale   \033[0m"));
	assert_non_null(strstr(out, "\033[2munknown \033[0m"));
	assert_non_null(strstr(out, "n0           online   "));
	free(out);
	for (int i = 0; i < 3; i++)
		cJSON_Delete(rows[i].state);
}

static void test_json(void **state)
{
	struct status_row rows[2];
	cJSON *arr, *o;
	char *out;
	(void)state;

	row_set(&rows[0], 0, "online", "{\"ts\": 999999.25, \"pace\": 1}");
	row_set(&rows[1], 1, "", NULL);
	out = render(rows, 2, 1, false);
	arr = cJSON_Parse(out);
	assert_true(cJSON_IsArray(arr));
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	o = cJSON_GetArrayItem(arr, 0);
	assert_string_equal(cJSON_GetObjectItem(o, "node")->valuestring, "n0");
	assert_string_equal(cJSON_GetObjectItem(o, "address")->valuestring,
			    "10.0.0.10");
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring,
			    "online");
	assert_string_equal(cJSON_GetObjectItem(o, "availability")->valuestring,
			    "online");
	assert_true(cJSON_GetObjectItem(o, "age_s")->valuedouble == 0.75);
	assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "state"), "pace")
			->valuedouble == 1);
	o = cJSON_GetArrayItem(arr, 1);
	assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring,
			    "unknown");
	assert_string_equal(cJSON_GetObjectItem(o, "availability")->valuestring,
			    "unknown");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "age_s")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "state")));
	cJSON_Delete(arr);
	free(out);
	cJSON_Delete(rows[0].state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
