/* config.c: agent.conf (INI, libinih) into a validated struct config. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>
#include "config.h"
#include "config_keys.h"
#include "iniread.h"
#include "sensors.h"

static const char *const source_words[] = { "sysfs", "sim", NULL };
static const char *const lever_words[] = { "sleep", "cpufreq", "auto", NULL };
/*
 * The names of sim/simplant.c's profiles, kept here so that config.o
 * links alone (the pirack tool uses it); test_sim checks the two agree.
 */
#define SIM_PROFILE_NAMES                                                      \
	"pi4-bare, pi4-heatsink-fan, pi5-bare, pi5-active-cooler"
static const char *const profile_words[] = { "pi4-bare", "pi4-heatsink-fan",
					     "pi5-bare", "pi5-active-cooler",
					     NULL };

static bool config_word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}
static const char *const fan_words[] = { "gpio", "pwm", "kernel", "none",
					 NULL };
static const char *const led_words[] = { "gpio", "none", NULL };
static const char *const backend_words[] = { "gpiod", "sim", NULL };

#define F(f)                                                                   \
	.off = offsetof(struct config, f),                                     \
	.size = sizeof(((struct config *)0)->f)
#define R(lo, hi) .min = (lo), .max = (hi)
#define GPIO_LINE_MAX 1023

const struct config_key config_keys[] = {
	{ "node", "name", K_STR, F(node.name), .kind = S_NODE },
	{ "thermal", "source", K_ENUM, F(thermal.source),
	  .words = source_words },
	{ "thermal", "sysfs_root", K_STR, F(thermal.sysfs_root),
	  .kind = S_PATH },
	{ "thermal", "zones", K_STR, F(thermal.zones), .kind = S_ZONES },
	{ "thermal", "interval_ms", K_INT, F(thermal.interval_ms),
	  R(10, 600000) },
	{ "thermal", "target_c", K_DOUBLE, F(thermal.target_c), R(0, 150),
	  .auto_ok = true },
	{ "thermal", "limit_c", K_DOUBLE, F(thermal.limit_c), R(0, 150) },
	{ "thermal", "plausible_min_c", K_DOUBLE, F(thermal.plausible_min_c),
	  R(-273, 300) },
	{ "thermal", "plausible_max_c", K_DOUBLE, F(thermal.plausible_max_c),
	  R(-273, 300) },
	{ "thermal", "lever", K_ENUM, F(thermal.lever), .words = lever_words },
	{ "fan", "driver", K_ENUM, F(fan.driver), .words = fan_words },
	{ "fan", "chip", K_STR, F(fan.chip), .kind = S_NAME },
	{ "fan", "line", K_UINT, F(fan.line), R(0, GPIO_LINE_MAX) },
	{ "fan", "active_low", K_BOOL, F(fan.active_low) },
	{ "fan", "on_c", K_DOUBLE, F(fan.on_c), R(0, 150) },
	{ "fan", "off_c", K_DOUBLE, F(fan.off_c), R(0, 150) },
	{ "fan", "pwm", K_STR, F(fan.pwm), .kind = S_PWM },
	{ "led", "driver", K_ENUM, F(led.driver), .words = led_words },
	{ "led", "chip", K_STR, F(led.chip), .kind = S_NAME },
	{ "led", "lines", K_LINES, F(led.lines), R(0, GPIO_LINE_MAX) },
	{ "gpio", "backend", K_ENUM, F(gpio.backend), .words = backend_words },
	{ "gpio", "sim_dir", K_STR, F(gpio.sim_dir), .kind = S_PATH },
	{ "mqtt", "enabled", K_BOOL, F(mqtt.enabled) },
	{ "mqtt", "host", K_STR, F(mqtt.host), .kind = S_PATH },
	{ "mqtt", "port", K_INT, F(mqtt.port), R(1, 65535) },
	{ "mqtt", "client_id", K_STR, F(mqtt.client_id), .kind = S_ANY },
	{ "mqtt", "username", K_STR, F(mqtt.username), .kind = S_ANY },
	{ "mqtt", "password_file", K_STR, F(mqtt.password_file),
	  .kind = S_ANY },
	{ "mqtt", "cafile", K_STR, F(mqtt.cafile), .kind = S_ANY },
	{ "mqtt", "certfile", K_STR, F(mqtt.certfile), .kind = S_ANY },
	{ "mqtt", "keyfile", K_STR, F(mqtt.keyfile), .kind = S_ANY },
	{ "mqtt", "prefix", K_STR, F(mqtt.prefix), .kind = S_TOPIC },
	{ "mqtt", "discovery_prefix", K_STR, F(mqtt.discovery_prefix),
	  .kind = S_TOPIC },
	{ "mqtt", "keepalive_s", K_INT, F(mqtt.keepalive_s), R(5, 3600) },
	{ "mqtt", "queue_kib", K_INT, F(mqtt.queue_kib), R(16, 262144) },
	{ "control", "socket", K_STR, F(control.socket), .kind = S_SOCKET },
	{ "sim", "ambient_c", K_DOUBLE, F(sim.ambient_c), R(-40, 60) },
	{ "sim", "time_scale", K_DOUBLE, F(sim.time_scale), R(0.001, 10000) },
	{ "sim", "profile", K_STR, F(sim.profile), .kind = S_NAME },
	{ "sim", "slots", K_INT, F(sim.slots), R(1, 64) },
};
#undef F
#undef R

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))
const size_t config_nkeys = NKEYS;

static const char *const config_sections[] = { "node",	  "thermal", "fan",
					       "led",	  "gpio",    "mqtt",
					       "control", "sim",     NULL };

struct config_parse {
	struct config *c;
	const char *file;
	struct iniread rd;  /* rd.line: the line inih is on */
	int keyline[NKEYS]; /* where each key was set, 0 = default */
	char *err;
	size_t errlen;
	bool failed;
};

static void *config_field(struct config *c, const struct config_key *k)
{
	return (char *)c + k->off;
}

/*
 * The longest string value config_write() can put back on one line,
 * "name = value\n", that the reader takes: longer ones are refused on
 * load so that every config that loads can be written.
 */
size_t config_value_max(const struct config_key *k)
{
	size_t line = CONFIG_LINE_MAX - 5 - strlen(k->name);

	return k->size - 1 < line ? k->size - 1 : line;
}

/*
 * A value inih would read back unchanged (no edge space, no comment).
 * One starting with ';' (loaded from "key =;x") is written without the
 * space, where inih does not take it for a comment.
 */
bool config_writable(const struct config_key *k, const char *v)
{
	size_t n = strlen(v);

	/* Only '\n' ends a line for the reader: a '\r' inside reads back. */
	if (strchr(v, '\n') || strstr(v, " ;") || strstr(v, "\t;"))
		return false;
	if (n &&
	    (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1])))
		return false;
	return n <= config_value_max(k);
}

/* Records the first error only: later ones are often its echoes. */
static void config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

static void config_hostname(char *buf, size_t len)
{
	char host[256] = "";
	size_t i;

	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		strcpy(host, "pirack");
	host[strcspn(host, ".")] = '\0'; /* the short name */
	for (i = 0; host[i]; i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
		    host[i] != '_')
			host[i] = '-';
	snprintf(buf, len, "%s", host);
}

double config_time_scale(const struct config *c)
{
	return c->thermal.source == THERMAL_SIM ? c->sim.time_scale : 1;
}

double config_target_c(const struct config *c, bool clock)
{
	if (isfinite(c->thermal.target_c))
		return c->thermal.target_c;
	return c->thermal.limit_c -
	       (clock ? CONFIG_TARGET_CLOCK_K : CONFIG_TARGET_SLEEP_K);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	config_hostname(c->node.name, sizeof(c->node.name));
	c->thermal.source = THERMAL_SYSFS;
	strcpy(c->thermal.sysfs_root, "/sys");
	strcpy(c->thermal.zones, "all");
	c->thermal.interval_ms = 1000;
	c->thermal.target_c = NAN; /* auto: config_target_c() */
	c->thermal.limit_c = 80;
	c->thermal.plausible_min_c = SENSORS_MIN_C_DEFAULT;
	c->thermal.plausible_max_c = SENSORS_MAX_C_DEFAULT;
	c->thermal.lever = LEVER_AUTO;
	c->fan.driver = FAN_DRIVER_GPIO;
	strcpy(c->fan.chip, "gpiochip0");
	c->fan.line = 14;
	c->fan.active_low = false;
	c->fan.on_c = 60;
	c->fan.off_c = 50;
	strcpy(c->fan.pwm, "pwmchip0/pwm0");
	c->led.driver = LED_DRIVER_GPIO;
	strcpy(c->led.chip, "gpiochip0");
	c->led.lines[0] = 17;
	c->led.lines[1] = 27;
	c->led.lines[2] = 22;
	c->led.nlines = 3;
	c->gpio.backend = GPIO_BACKEND_GPIOD;
	strcpy(c->gpio.sim_dir, "/run/pirack/gpio");
	c->mqtt.enabled = true;
	strcpy(c->mqtt.host, "localhost");
	c->mqtt.port = 1883;
	snprintf(c->mqtt.client_id, sizeof(c->mqtt.client_id), "pirack-%.56s",
		 c->node.name);
	strcpy(c->mqtt.prefix, "pirack");
	strcpy(c->mqtt.discovery_prefix, "homeassistant");
	c->mqtt.keepalive_s = 30;
	c->mqtt.queue_kib = 8192; /* ~16,000 samples of ~0.5 KB */
	strcpy(c->control.socket, "/run/pirack/agent.sock");
	strcpy(c->sim.profile, "pi4-bare");
	c->sim.ambient_c = 25;
	c->sim.time_scale = 1;
	c->sim.slots = 4;
}

static bool config_namechars(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr("._-", *v))
			return false;
	return true;
}

/* NULL when v is acceptable for kind, else why not. */
static const char *config_check_str(enum str_kind kind, const char *v)
{
	unsigned a, b;
	int n = 0;

	switch (kind) {
	case S_ANY:
		return NULL;
	case S_PATH:
		return *v ? NULL : "must not be empty";
	case S_NAME:
		return config_namechars(v)
			   ? NULL
			   : "must be letters, digits, '.', '_' or '-'";
	case S_NODE:
		/*
		 * The name is the node's id as it is in MQTT topics, the ACL's
		 * %u and Home Assistant's node_id and unique_ids, which allow
		 * no '.': mapping it to '_' would make two nodes one.
		 */
		return config_namechars(v) && !strchr(v, '.')
			   ? NULL
			   : "must be letters, digits, '_' or '-' (it is the "
			     "node's id in MQTT topics and Home Assistant, "
			     "which "
			     "has no '.')";
	case S_TOPIC:
		if (!*v)
			return "must not be empty";
		if (strpbrk(v, "+#"))
			return "must not contain MQTT wildcards '+' or '#'";
		if (v[0] == '/' || v[strlen(v) - 1] == '/')
			return "must not start or end with '/'";
		return NULL;
	case S_PWM:
		if (sscanf(v, "pwmchip%u/pwm%u%n", &a, &b, &n) != 2 ||
		    v[n] != '\0')
			return "must be pwmchipN/pwmM";
		return NULL;
	case S_ZONES:
		if (!*v)
			return "must be 'all' or a comma list of zones";
		if (!strcmp(v, "all"))
			return NULL;
		for (const char *z = v; *z; z++)
			if (!isalnum((unsigned char)*z) && !strchr("._-,", *z))
				return "must be 'all' or a comma list of "
				       "zone names, e.g. thermal_zone0";
		if (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
			return "has an empty zone name";
		return NULL;
	case S_SOCKET:
		if (!*v)
			return "must not be empty";
		if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return "is too long for a Unix socket path";
		return NULL;
	}
	return "unknown kind";
}

static int config_parse_long(const char *v, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	return (errno || end == v || *end) ? -1 : 0;
}

static int config_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	for (int i = 0; yes[i]; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

#define LED_LINES_MSG "must be 1 line (single LED) or 3 (red,green,blue)"

/* "17,27,22" or "5": 1 or 3 distinct line numbers. */
static const char *config_parse_lines(const char *v, unsigned *lines, size_t *n,
				      double max)
{
	char buf[CONFIG_LINE_MAX], *tok, *save;
	long l;

	if (!*v)
		return "missing line numbers";
	snprintf(buf, sizeof(buf), "%s", v);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		tok[strcspn(tok, " \t")] = '\0';
		if (config_parse_long(tok, &l) < 0 || l < 0 || l > max)
			return "must be line numbers 0-1023, e.g. 17,27,22";
		if (*n == LED_MAX_LINES)
			return LED_LINES_MSG;
		for (size_t i = 0; i < *n; i++)
			if (lines[i] == (unsigned)l)
				return "names the same line twice";
		lines[(*n)++] = (unsigned)l;
	}
	if (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
		return "has an empty line number";
	if (*n != 1 && *n != 3)
		return LED_LINES_MSG;
	return NULL;
}

/*
 * Parses v into key k of c; NULL or why it is refused (into msg), with c
 * untouched.
 */
static const char *config_set_key(struct config *c, const struct config_key *k,
				  const char *v, char *msg, size_t msglen)
{
	void *f = config_field(c, k);
	unsigned lines[LED_MAX_LINES];
	const char *why;
	size_t n;
	double d;
	char *end;
	long l;
	bool b;

	switch (k->type) {
	case K_ENUM:
		for (int i = 0; k->words[i]; i++) {
			if (!strcmp(v, k->words[i])) {
				*(int *)f = i;
				return NULL;
			}
		}
		snprintf(msg, msglen, "'%s' is not one of", v);
		for (int i = 0; k->words[i]; i++) {
			size_t n = strlen(msg);

			snprintf(msg + n, msglen - n, "%s %s",
				 i ? (k->words[i + 1] ? "," : " or") : "",
				 k->words[i]);
		}
		return msg;
	case K_STR:
		/* Empty means the default here, as for client_id. */
		if (!*v && k->off == offsetof(struct config, node.name)) {
			config_hostname(f, k->size);
			return NULL;
		}
		if (strlen(v) > config_value_max(k)) {
			snprintf(msg, msglen,
				 "is too long (at most %zu "
				 "characters)",
				 config_value_max(k));
			return msg;
		}
		if ((why = config_check_str(k->kind, v))) {
			snprintf(msg, msglen, "'%s' %s", v, why);
			return msg;
		}
		/* from a file it always is; config_set's callers may differ */
		if (!config_writable(k, v))
			return "cannot be written back to agent.conf (a "
			       "newline, ' ;' or a leading or trailing blank)";
		memcpy(f, v, strlen(v) + 1);
		return NULL;
	case K_INT:
	case K_UINT:
		if (!*v)
			return k->type == K_UINT ? "missing line number"
						 : "missing value";
		if (config_parse_long(v, &l) < 0 || l < k->min || l > k->max) {
			snprintf(msg, msglen,
				 "'%s' is not a whole number "
				 "from %.0f to %.0f",
				 v, k->min, k->max);
			return msg;
		}
		if (k->type == K_INT)
			*(int *)f = (int)l;
		else
			*(unsigned *)f = (unsigned)l;
		return NULL;
	case K_DOUBLE:
		if (k->auto_ok && strcmp(v, "auto") == 0) {
			*(double *)f = NAN;
			return NULL;
		}
		errno = 0;
		d = strtod(v, &end);
		if (!*v || errno || *end || !isfinite(d) || d < k->min ||
		    d > k->max) {
			snprintf(msg, msglen,
				 "'%s' is not a number from %g "
				 "to %g%s",
				 v, k->min, k->max,
				 k->auto_ok ? " or auto" : "");
			return msg;
		}
		*(double *)f = d;
		return NULL;
	case K_BOOL:
		if (config_parse_bool(v, &b) < 0) {
			snprintf(msg, msglen, "'%s' is not true or false", v);
			return msg;
		}
		*(bool *)f = b;
		return NULL;
	case K_LINES:
		if ((why = config_parse_lines(v, lines, &n, k->max)))
			return why;
		/* n only: the rest keep their values, as a reload's would */
		memcpy(c->led.lines, lines, n * sizeof(lines[0]));
		c->led.nlines = n;
		return NULL;
	}
	return "unknown key type";
}

static int config_key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(config_keys[i].section, section) &&
		    !strcmp(config_keys[i].name, name))
			return (int)i;
	return -1;
}

int config_set(struct config *c, const char *section, const char *key,
	       const char *value, char *err, size_t errlen)
{
	int i = config_key_index(section, key);
	const char *why;

	if (i < 0) {
		snprintf(err, errlen, "[%s] has no key '%s'", section, key);
		return -1;
	}
	why = config_set_key(c, &config_keys[i], value, err, errlen);
	if (why && why != err)
		snprintf(err, errlen, "%s", why);
	return why ? -1 : 0;
}

static bool config_section_known(const char *section)
{
	for (int i = 0; config_sections[i]; i++)
		if (!strcmp(config_sections[i], section))
			return true;
	return false;
}

static int config_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct config_parse *p = user;
	char msg[160];
	const char *why;
	int i;

	if (!*section) {
		config_error(p, (int)p->rd.line,
			     "'%s' is outside any [section]", name);
		return 0;
	}
	if (!config_section_known(section))
		return 0; /* the reader reported the section line */
	i = config_key_index(section, name);
	if (i < 0) {
		config_error(p, (int)p->rd.line, "[%s] has no key '%s'",
			     section, name);
		return 0;
	}
	if (p->keyline[i]) {
		config_error(p, (int)p->rd.line,
			     "[%s] %s is given twice (first on "
			     "line %d)",
			     section, name, p->keyline[i]);
		return 0;
	}
	p->keyline[i] = (int)p->rd.line;
	p->c->file_keys++;
	why = config_set_key(p->c, &config_keys[i], value, msg, sizeof(msg));
	if (why) {
		config_error(p, (int)p->rd.line, "[%s] %s %s", section, name,
			     why);
		return 0;
	}
	return 1;
}

/* The reader's own refusals: an over-long line, a NUL byte. */
static void config_read_error(void *user, unsigned line, const char *msg)
{
	config_error(user, (int)line, "%s", msg);
}

/* inih does not report empty sections: the reader shows every header. */
static void config_read_section(void *user, const char *name)
{
	struct config_parse *p = user;

	for (int i = 0; config_sections[i]; i++)
		if (!strcmp(config_sections[i], name))
			p->c->file_sections |= 1u << i;
	if (!config_section_known(name))
		config_error(p, (int)p->rd.line,
			     "unknown section [%s]; known: "
			     "node, thermal, fan, led, gpio, mqtt, control, "
			     "sim",
			     name);
}

static int config_line(const struct config_parse *p, const char *section,
		       const char *name)
{
	int i = config_key_index(section, name);

	return i < 0 ? 0 : p->keyline[i];
}

static int config_later(const struct config_parse *p,
			const struct config_keyref keys[2])
{
	int a = config_line(p, keys[0].section, keys[0].key);
	int b = config_line(p, keys[1].section, keys[1].key);

	return a > b ? a : b;
}

/* Records a failed check: its message and the keys it is about. */
static int config_refuse(struct config_keyref keys[2], const char *s1,
			 const char *k1, const char *s2, const char *k2,
			 char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	keys[0] = (struct config_keyref){ s1, k1 };
	keys[1] = (struct config_keyref){ s2, k2 };
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int config_validate(const struct config *c, struct config_keyref keys[2],
		    char *err, size_t errlen)
{
	if (c->thermal.plausible_min_c >= c->thermal.plausible_max_c ||
	    c->thermal.limit_c > c->thermal.plausible_max_c)
		return config_refuse(keys, "thermal", "plausible_min_c",
				     "thermal", "plausible_max_c", err, errlen,
				     "[thermal] plausible_min_c (%g) and "
				     "plausible_max_c (%g) must bracket "
				     "limit_c (%g)",
				     c->thermal.plausible_min_c,
				     c->thermal.plausible_max_c,
				     c->thermal.limit_c);
	if (isfinite(c->thermal.target_c) &&
	    c->thermal.limit_c <= c->thermal.target_c)
		return config_refuse(keys, "thermal", "target_c", "thermal",
				     "limit_c", err, errlen,
				     "[thermal] limit_c (%g) must be above "
				     "target_c (%g)",
				     c->thermal.limit_c, c->thermal.target_c);
	if (c->fan.off_c >= c->fan.on_c)
		return config_refuse(keys, "fan", "on_c", "fan", "off_c", err,
				     errlen,
				     "[fan] off_c (%g) must be below "
				     "on_c (%g): the hysteresis needs a gap",
				     c->fan.off_c, c->fan.on_c);
	if (c->fan.driver == FAN_DRIVER_GPIO &&
	    c->fan.on_c > c->thermal.limit_c)
		return config_refuse(keys, "fan", "on_c", "thermal", "limit_c",
				     err, errlen,
				     "[fan] on_c (%g) is above "
				     "[thermal] limit_c (%g): the fan would "
				     "start too late",
				     c->fan.on_c, c->thermal.limit_c);
	if (c->fan.driver == FAN_DRIVER_PWM &&
	    c->fan.off_c >= c->thermal.limit_c)
		return config_refuse(keys, "fan", "off_c", "thermal", "limit_c",
				     err, errlen,
				     "[fan] off_c (%g) must be below [thermal] "
				     "limit_c (%g): the pwm curve runs from "
				     "one to the other",
				     c->fan.off_c, c->thermal.limit_c);
	if (c->fan.driver == FAN_DRIVER_GPIO &&
	    c->led.driver == LED_DRIVER_GPIO &&
	    !strcmp(c->fan.chip, c->led.chip)) {
		for (size_t i = 0; i < c->led.nlines; i++)
			if (c->led.lines[i] == c->fan.line)
				return config_refuse(keys, "fan", "line", "led",
						     "lines", err, errlen,
						     "line %u of %s is used by "
						     "both [fan] line and "
						     "[led] lines",
						     c->fan.line, c->fan.chip);
	}
	if (!c->mqtt.certfile[0] != !c->mqtt.keyfile[0])
		return config_refuse(keys, "mqtt", "certfile", "mqtt",
				     "keyfile", err, errlen,
				     "[mqtt] certfile and keyfile go together: "
				     "set both or neither");
	if (!config_word_in(c->sim.profile, profile_words))
		return config_refuse(keys, "sim", "profile", "sim", "profile",
				     err, errlen,
				     "[sim] profile '%s' is "
				     "unknown: one of %s",
				     c->sim.profile, SIM_PROFILE_NAMES);
	if (c->thermal.source == THERMAL_SIM &&
	    !strcmp(c->thermal.sysfs_root, "/sys"))
		return config_refuse(keys, "thermal", "source", "thermal",
				     "sysfs_root", err, errlen,
				     "[thermal] source = sim writes a fake "
				     "tree under sysfs_root: point sysfs_root "
				     "away from /sys");
	return 0;
}

/* The checks across keys, each error at the later of its keys' lines. */
static void config_parse_validate(struct config_parse *p)
{
	struct config_keyref keys[2];
	char msg[256];

	if (config_validate(p->c, keys, msg, sizeof(msg)) < 0)
		config_error(p, config_later(p, keys), "%s", msg);
}

/* Parses the open stream fp, named file in messages, into *c. */
static int config_load_fp(const char *file, FILE *fp, struct config *c,
			  char *err, size_t errlen)
{
	struct config_parse p = {
		.c = c,
		.file = file,
		.err = err,
		.errlen = errlen,
		.rd = { .fp = fp,
			.error = config_read_error,
			.section = config_read_section },
	};
	int rc;

	p.rd.user = &p;
	config_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", file);
	if (strlen(file) >= sizeof(c->path)) {
		config_error(&p, 0, "path is too long");
		return -1;
	}
	rc = ini_parse_stream(iniread_gets, &p.rd, config_handler, &p);
	c->file_ends_newline = p.rd.ended_newline;
	if (ferror(fp))
		config_error(&p, 0, "read error: %s", strerror(errno));
	if (rc > 0)
		config_error(&p, rc, "expected '[section]' or 'key = value'");
	else if (rc < 0)
		config_error(&p, 0, "cannot parse (out of memory)");
	/* Empty or unset: derived from the node name, which may be set
	 * after it in the file. */
	if (!p.failed &&
	    (!c->mqtt.client_id[0] || !config_line(&p, "mqtt", "client_id")))
		snprintf(c->mqtt.client_id, sizeof(c->mqtt.client_id),
			 "pirack-%.56s", c->node.name);
	if (!p.failed)
		config_parse_validate(&p);
	return p.failed ? -1 : 0;
}

int config_load(const char *file, struct config *c, char *err, size_t errlen)
{
	FILE *fp = fopen(file, "r");
	int rc;

	if (!fp) {
		config_defaults(c);
		snprintf(err, errlen, "%s: cannot open: %s", file,
			 strerror(errno));
		return -1;
	}
	rc = config_load_fp(file, fp, c, err, errlen);
	fclose(fp);
	return rc;
}

int config_load_string(const char *name, const char *text, size_t len,
		       struct config *c, char *err, size_t errlen)
{
	/* fmemopen: the very reader a file gets, line numbers and all. */
	FILE *fp = fmemopen(len ? (void *)text : "", len, "r");
	int rc;

	if (!fp) {
		config_defaults(c);
		snprintf(err, errlen, "%s: cannot read: %s", name,
			 strerror(errno));
		return -1;
	}
	rc = config_load_fp(name, fp, c, err, errlen);
	fclose(fp);
	return rc;
}

int config_reload_check(const struct config *running, const struct config *next,
			char *err, size_t errlen)
{
	unsigned lost = running->file_sections & ~next->file_sections;

	if (!next->file_sections && !next->file_keys) {
		snprintf(err, errlen,
			 "%s: empty (no section, no key): cut "
			 "short or being written?",
			 next->path);
		return -1;
	}
	if (!next->file_ends_newline) {
		snprintf(err, errlen,
			 "%s: the last line has no newline: cut "
			 "short or being written?",
			 next->path);
		return -1;
	}
	for (int i = 0; config_sections[i]; i++) {
		if (!(lost & (1u << i)))
			continue;
		snprintf(err, errlen,
			 "%s: [%s] is missing but the running "
			 "file has it: cut short? (to drop its keys, keep the "
			 "header)",
			 next->path, config_sections[i]);
		return -1;
	}
	return 0;
}
