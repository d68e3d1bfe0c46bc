/* status_render.c: pirack status's rows: their state, a table, JSON. */
#include <math.h>
#include <string.h>
#include "status_render.h"

static const char *const status_render_names[] = { "unknown", "online", "stale",
						   "offline" };

const char *status_render_state_name(enum status_row_state rs)
{
	return status_render_names[rs];
}

static double status_render_number(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *status_render_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool status_render_flag(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static double status_render_age(const struct status_row *row, double now)
{
	double ts = row->state ? status_render_number(row->state, "ts") : NAN;

	return isnan(ts) ? NAN : fmax(0, now - ts);
}

/* A whole-second ts lags the sample by up to a second: allow for it. */
static double status_render_ts_slack(const struct status_row *row)
{
	double ts = status_render_number(row->state, "ts");

	return ts == floor(ts) ? 1.0 : 0.0;
}

enum status_row_state status_render_classify(const struct status_row *row,
					     double now)
{
	double age = status_render_age(row, now);

	if (strcmp(row->avail, "offline") == 0)
		return STATUS_ROW_OFFLINE;
	if (!row->state)
		return row->avail[0] ? STATUS_ROW_STALE : STATUS_ROW_UNKNOWN;
	if (isnan(age) ||
	    age > 3 * row->interval_ms / 1000.0 + status_render_ts_slack(row))
		return STATUS_ROW_STALE;
	return STATUS_ROW_ONLINE;
}

/* The throttle flags, now in capitals' place ("under-voltage"), and
 * those only seen since boot as "was:...". Sets *uv when under-voltage
 * is or was there. */
static void status_render_throttle(const cJSON *state, char *buf, size_t len,
				   bool *uv)
{
	static const struct {
		const char *key, *seen, *text;
	} flags[] = {
		{ "under_voltage", "under_voltage_seen", "under-voltage" },
		{ "freq_capped", "freq_capped_seen", "capped" },
		{ "throttled", "throttled_seen", "throttled" },
		{ "soft_temp_limit", "soft_temp_limit_seen", "soft-limit" },
	};
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(state, "throttled");
	size_t n = 0;

	buf[0] = '\0';
	*uv = false;
	if (cJSON_IsNull(t)) {
		snprintf(buf, len, "n/a"); /* no firmware flags: not a Pi */
		return;
	}
	if (!cJSON_IsObject(t)) {
		snprintf(buf, len, "?");
		return;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bool now = status_render_flag(t, flags[i].key);
		bool seen = status_render_flag(t, flags[i].seen);

		if (!now && !seen)
			continue;
		if (i == 0)
			*uv = true;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s%s",
			      n ? "," : "", now ? "" : "was:", flags[i].text);
	}
	if (!n)
		snprintf(buf, len, "-");
}

static void status_render_fan(const cJSON *state, char *buf, size_t len)
{
	const cJSON *fan = cJSON_GetObjectItemCaseSensitive(state, "fan");
	const char *mode = status_render_string(state, "fan_mode");

	if (cJSON_IsString(fan))
		snprintf(buf, len, "%s", fan->valuestring);
	else if (cJSON_IsNumber(fan))
		snprintf(buf, len, "%.0f%%", fan->valuedouble);
	else
		snprintf(buf, len, "?");
	if (mode && strcmp(mode, "auto") != 0)
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", mode);
}

static const char *status_render_colour(bool colour, const char *code)
{
	return colour ? code : "";
}

void status_render_table(const struct status_row *rows, size_t nrows,
			 bool colour, FILE *out, double now)
{
	fprintf(out, "%-12s %-8s %7s %-12s %-10s %5s %6s  %s\n", "NODE",
		"STATE", "TEMP", "FAN", "LED", "PACE", "AGE", "THROTTLE");
	for (size_t i = 0; i < nrows; i++) {
		const struct status_row *row = &rows[i];
		enum status_row_state rs = status_render_classify(row, now);
		const char *rc = rs == STATUS_ROW_ONLINE  ? ""
				 : rs == STATUS_ROW_STALE ? "\033[33m"
							  : "\033[2m";
		char temp[16] = "-", fan[32] = "-", led[32] = "-";
		char pace[16] = "-", age[16] = "-", thr[128] = "-";
		double v;
		bool uv = false;

		if (row->state) {
			v = status_render_number(row->state, "temp_c");
			if (!isnan(v))
				snprintf(temp, sizeof(temp), "%.1fC", v);
			status_render_fan(row->state, fan, sizeof(fan));
			snprintf(led, sizeof(led), "%s",
				 status_render_string(row->state, "led")
				     ?: "?");
			v = status_render_number(row->state, "pace");
			if (!isnan(v))
				snprintf(pace, sizeof(pace), "%.2f", v);
			v = status_render_age(row, now);
			if (!isnan(v))
				snprintf(age, sizeof(age),
					 v < 100 ? "%.1fs" : "%.0fs", v);
			status_render_throttle(row->state, thr, sizeof(thr),
					       &uv);
		}
		fprintf(out, "%-12s %s%-8s%s %7s %-12s %-10s %5s %6s  %s%s%s\n",
			row->node->name, status_render_colour(colour, rc),
			status_render_names[rs],
			status_render_colour(colour, *rc ? "\033[0m" : ""),
			temp, fan, led, pace, age,
			status_render_colour(colour, uv ? "\033[1;31m" : ""),
			thr, status_render_colour(colour, uv ? "\033[0m" : ""));
	}
}

int status_render_json(const struct status_row *rows, size_t nrows, FILE *out,
		       double now)
{
	cJSON *arr = cJSON_CreateArray();
	char *text;

	for (size_t i = 0; arr && i < nrows; i++) {
		const struct status_row *row = &rows[i];
		cJSON *o = cJSON_CreateObject();
		double age = status_render_age(row, now);

		if (!o)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "node", row->node->name);
		cJSON_AddStringToObject(o, "address", row->node->address);
		cJSON_AddStringToObject(
		    o, "status",
		    status_render_names[status_render_classify(row, now)]);
		cJSON_AddStringToObject(o, "availability",
					row->avail[0] ? row->avail : "unknown");
		if (isnan(age))
			cJSON_AddNullToObject(o, "age_s");
		else
			cJSON_AddNumberToObject(o, "age_s",
						round(age * 1000) / 1000);
		cJSON_AddItemToObject(o, "state",
				      row->state
					  ? cJSON_Duplicate(row->state, true)
					  : cJSON_CreateNull());
	}
	text = arr ? cJSON_Print(arr) : NULL;
	cJSON_Delete(arr);
	if (!text) {
		fputs("pirack status: out of memory\n", stderr);
		return -1;
	}
	fprintf(out, "%s\n", text);
	cJSON_free(text);
	return 0;
}
