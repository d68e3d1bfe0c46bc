/* agentconf.c: rack.conf's agent settings mapped onto struct config. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "agentconf.h"

enum key_type { K_INT, K_UINT, K_DOUBLE, K_BOOL, K_STR, K_ENUM, K_LINES };

/*
 * One row per settable key. Enum fields are stored through an unsigned int
 * (the compatible type GCC gives enums without negative constants).
 */
struct agentkey {
	const char *key;
	enum key_type type;
	size_t off;
	size_t size;		  /* K_STR: buffer size */
	const char *const *names; /* K_ENUM: value = index */
	double min, max;	  /* K_INT, K_UINT, K_DOUBLE */
};

static const char *const sources[] = {"sysfs", "sim", NULL};
static const char *const fan_drivers[] = {"gpio", "pwm", "kernel", "none",
					  NULL};
static const char *const led_drivers[] = {"gpio", "none", NULL};
static const char *const backends[] = {"gpiod", "sim", NULL};

_Static_assert(sizeof(enum fan_driver) == sizeof(unsigned),
	       "enum fields are set through an unsigned int");

#define F(field)                                                               \
	offsetof(struct config, field), sizeof(((struct config *)0)->field)

static const struct agentkey agentconf_keys[] = {
    {"thermal_source", K_ENUM, F(thermal.source), sources, 0, 0},
    {"sysfs_root", K_STR, F(thermal.sysfs_root), NULL, 0, 0},
    {"zones", K_STR, F(thermal.zones), NULL, 0, 0},
    {"interval_ms", K_INT, F(thermal.interval_ms), NULL, 10, 3600000},
    {"target_c", K_DOUBLE, F(thermal.target_c), NULL, 0, 125},
    {"limit_c", K_DOUBLE, F(thermal.limit_c), NULL, 0, 125},
    {"fan_driver", K_ENUM, F(fan.driver), fan_drivers, 0, 0},
    {"fan_chip", K_STR, F(fan.chip), NULL, 0, 0},
    {"fan_line", K_UINT, F(fan.line), NULL, 0, 1023},
    {"fan_active_low", K_BOOL, F(fan.active_low), NULL, 0, 0},
    {"fan_on_c", K_DOUBLE, F(fan.on_c), NULL, 0, 125},
    {"fan_off_c", K_DOUBLE, F(fan.off_c), NULL, 0, 125},
    {"fan_pwm", K_STR, F(fan.pwm), NULL, 0, 0},
    {"led_driver", K_ENUM, F(led.driver), led_drivers, 0, 0},
    {"led_chip", K_STR, F(led.chip), NULL, 0, 0},
    {"led_lines", K_LINES, F(led.lines), NULL, 0, 1023},
    {"gpio_backend", K_ENUM, F(gpio.backend), backends, 0, 0},
    {"gpio_sim_dir", K_STR, F(gpio.sim_dir), NULL, 0, 0},
    {"mqtt_enabled", K_BOOL, F(mqtt.enabled), NULL, 0, 0},
    {"mqtt_port", K_INT, F(mqtt.port), NULL, 1, 65535},
    {"mqtt_username", K_STR, F(mqtt.username), NULL, 0, 0},
    {"mqtt_password_file", K_STR, F(mqtt.password_file), NULL, 0, 0},
    {"mqtt_cafile", K_STR, F(mqtt.cafile), NULL, 0, 0},
    {"mqtt_certfile", K_STR, F(mqtt.certfile), NULL, 0, 0},
    {"mqtt_keyfile", K_STR, F(mqtt.keyfile), NULL, 0, 0},
    {"mqtt_discovery_prefix", K_STR, F(mqtt.discovery_prefix), NULL, 0, 0},
    {"mqtt_keepalive_s", K_INT, F(mqtt.keepalive_s), NULL, 5, 3600},
    {"control_socket", K_STR, F(control.socket), NULL, 0, 0},
    {"sim_ambient_c", K_DOUBLE, F(sim.ambient_c), NULL, -40, 85},
    {"sim_time_scale", K_DOUBLE, F(sim.time_scale), NULL, 0.001, 10000},
};

#define NKEYS (sizeof(agentconf_keys) / sizeof(agentconf_keys[0]))

static const struct agentkey *agentconf_find(const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(agentconf_keys[i].key, key) == 0)
			return &agentconf_keys[i];
	return NULL;
}

bool agentconf_known(const char *key)
{
	return agentconf_find(key) != NULL;
}

void agentconf_list_keys(FILE *out)
{
	for (size_t i = 0; i < NKEYS; i++)
		fprintf(out, "%s%s", i ? (i % 6 ? ", " : ",\n  ") : "  ",
			agentconf_keys[i].key);
	fputc('\n', out);
}

static int agentconf_number(const struct agentkey *k, const char *value,
			    double *v, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*v = strtod(value, &end);
	if (end == value || *end || errno || !isfinite(*v)) {
		snprintf(err, errlen, "%s: '%s' is not a number", k->key,
			 value);
		return -1;
	}
	if (k->type != K_DOUBLE && *v != floor(*v)) {
		snprintf(err, errlen, "%s: '%s' is not a whole number", k->key,
			 value);
		return -1;
	}
	if (*v < k->min || *v > k->max) {
		snprintf(err, errlen, "%s: %s is out of range %g..%g", k->key,
			 value, k->min, k->max);
		return -1;
	}
	return 0;
}

/* "17,27,22" (red, green, blue) or one line for a single LED. */
static int agentconf_lines(const struct agentkey *k, const char *value,
			   struct config *c, char *err, size_t errlen)
{
	unsigned lines[LED_MAX_LINES];
	size_t n = 0;
	const char *p = value;

	for (;;) {
		char *end;
		unsigned long v;

		while (*p == ' ')
			p++;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v > k->max || *p == '-') {
			snprintf(err, errlen,
				 "%s: '%s' is not a list of GPIO line "
				 "numbers 0..%g",
				 k->key, value, k->max);
			return -1;
		}
		if (n == LED_MAX_LINES) {
			snprintf(err, errlen, "%s: more than %d lines in '%s'",
				 k->key, LED_MAX_LINES, value);
			return -1;
		}
		lines[n++] = (unsigned)v;
		p = end;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p++ != ',') {
			snprintf(err, errlen,
				 "%s: '%s' is not a comma-separated list",
				 k->key, value);
			return -1;
		}
	}
	if (n != 1 && n != LED_MAX_LINES) {
		snprintf(err, errlen,
			 "%s: give one line or three (red,green,blue), not %zu",
			 k->key, n);
		return -1;
	}
	memcpy(c->led.lines, lines, sizeof(lines[0]) * n);
	c->led.nlines = n;
	return 0;
}

int agentconf_set(struct config *c, const char *key, const char *value,
		  char *err, size_t errlen)
{
	const struct agentkey *k = agentconf_find(key);
	char *field = (char *)c;
	double v;

	if (!k) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	field += k->off;
	switch (k->type) {
	case K_INT:
	case K_UINT:
	case K_DOUBLE:
		if (agentconf_number(k, value, &v, err, errlen) < 0)
			return -1;
		if (k->type == K_INT)
			*(int *)field = (int)v;
		else if (k->type == K_UINT)
			*(unsigned *)field = (unsigned)v;
		else
			*(double *)field = v;
		return 0;
	case K_BOOL:
		if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
		    !strcmp(value, "1") || !strcasecmp(value, "on")) {
			*(bool *)field = true;
		} else if (!strcasecmp(value, "false") ||
			   !strcasecmp(value, "no") || !strcmp(value, "0") ||
			   !strcasecmp(value, "off")) {
			*(bool *)field = false;
		} else {
			snprintf(err, errlen, "%s: '%s' is not true or false",
				 key, value);
			return -1;
		}
		return 0;
	case K_STR:
		if (strlen(value) >= k->size) {
			snprintf(err, errlen, "%s: value longer than %zu bytes",
				 key, k->size - 1);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case K_ENUM:
		for (unsigned i = 0; k->names[i]; i++) {
			if (strcmp(k->names[i], value) == 0) {
				*(unsigned *)field = i;
				return 0;
			}
		}
		snprintf(err, errlen, "%s: '%s' is not one of", key, value);
		for (unsigned i = 0; k->names[i]; i++) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, "%s %s", i ? "," : "",
				 k->names[i]);
		}
		return -1;
	case K_LINES:
		return agentconf_lines(k, value, c, err, errlen);
	}
	return -1;
}

/* VALUE with every "{node}" replaced by the node's name. */
static int agentconf_expand(const char *value, const char *node, char *out,
			    size_t len)
{
	size_t n = 0;

	for (const char *p = value; *p;) {
		const char *piece = p;
		size_t plen = 1;

		if (strncmp(p, "{node}", 6) == 0) {
			piece = node;
			plen = strlen(node);
			p += 6;
		} else {
			p++;
		}
		if (n + plen >= len)
			return -1;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	out[n] = '\0';
	return 0;
}

static int agentconf_apply(const struct inventory *inv,
			   const struct inv_setting *set, size_t nset,
			   const char *node, struct config *c, char *err,
			   size_t errlen)
{
	char msg[512], value[INV_VALUE_MAX + CONFIG_NAME_MAX];

	for (size_t i = 0; i < nset; i++) {
		if (agentconf_expand(set[i].value, node, value, sizeof(value)) <
		    0) {
			snprintf(err, errlen, "%s:%u: %s: value too long",
				 inv->path, set[i].line, set[i].key);
			return -1;
		}
		if (agentconf_set(c, set[i].key, value, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", inv->path,
				 set[i].line, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * Reads C back through the agent's own parser (config_write, then
 * config_load): whatever pirackd --check-config would refuse is refused
 * here, named at the node, with the agent's reason.
 */
static int agentconf_verify(const struct inventory *inv,
			    const struct inv_node *n, const struct config *c,
			    char *err, size_t errlen)
{
	char path[64], msg[512];
	const char *why = msg;
	struct config back;
	FILE *f;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/pirack-agentconf.XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") &&
			 strlen(getenv("TMPDIR")) < 32
		     ? getenv("TMPDIR")
		     : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "checking %s's config: %s: %s", n->name,
			 path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return -1;
	}
	rc = config_write(c, f);
	if (fclose(f) == EOF)
		rc = -1;
	if (rc < 0) {
		unlink(path);
		snprintf(err, errlen,
			 "%s:%u: node %s: a setting cannot be written to "
			 "agent.conf (a value with ' ;', a newline or edge "
			 "spaces?)",
			 inv->path, n->line, n->name);
		return -1;
	}
	rc = config_load(path, &back, msg, sizeof(msg));
	unlink(path);
	if (rc == 0)
		return 0;
	/* the agent's "TMPFILE:LINE: why": keep the why */
	if (strncmp(msg, path, strlen(path)) == 0) {
		why = msg + strlen(path);
		why += strspn(why, ":0123456789");
		why += strspn(why, " ");
	}
	snprintf(err, errlen,
		 "%s:%u: node %s: pirackd would refuse its config: %s",
		 inv->path, n->line, n->name, why);
	return -1;
}

int agentconf_build(const struct inventory *inv, const struct inv_node *n,
		    struct config *c, char *err, size_t errlen)
{
	const struct inv_node *b;

	config_defaults(c);
	snprintf(c->node.name, sizeof(c->node.name), "%s", n->name);
	/* the defaults derive it from this host's name: every node would
	 * share the head's client id and the broker would kick them in turn */
	snprintf(c->mqtt.client_id, sizeof(c->mqtt.client_id), "pirack-%.56s",
		 n->name);
	if (inv->broker[0]) {
		/* a node's name means its inventory address: no DNS needed */
		b = inventory_node(inv, inv->broker);
		snprintf(c->mqtt.host, sizeof(c->mqtt.host), "%s",
			 b ? b->address : inv->broker);
	}
	snprintf(c->mqtt.prefix, sizeof(c->mqtt.prefix), "%s", inv->prefix);
	if (agentconf_apply(inv, inv->set, inv->nset, n->name, c, err, errlen) <
		0 ||
	    agentconf_apply(inv, n->set, n->nset, n->name, c, err, errlen) < 0)
		return -1;
	/* the broker's ACL knows each node by its name (config/mosquitto) */
	if (c->mqtt.password_file[0] && !c->mqtt.username[0])
		snprintf(c->mqtt.username, sizeof(c->mqtt.username), "%s",
			 n->name);
	if (c->thermal.target_c >= c->thermal.limit_c) {
		snprintf(err, errlen,
			 "%s:%u: node %s: target_c %g must be below limit_c %g",
			 inv->path, n->line, n->name, c->thermal.target_c,
			 c->thermal.limit_c);
		return -1;
	}
	if (c->fan.driver == FAN_DRIVER_GPIO && c->fan.off_c >= c->fan.on_c) {
		snprintf(
		    err, errlen,
		    "%s:%u: node %s: fan_off_c %g must be below fan_on_c %g",
		    inv->path, n->line, n->name, c->fan.off_c, c->fan.on_c);
		return -1;
	}
	return 0;
}

int agentconf_check(const struct inventory *inv, const struct inv_node *n,
		    char *err, size_t errlen)
{
	struct config c;

	if (agentconf_build(inv, n, &c, err, errlen) < 0)
		return -1;
	return agentconf_verify(inv, n, &c, err, errlen);
}

int agentconf_print(const struct inventory *inv, const struct inv_node *n,
		    FILE *out, char *err, size_t errlen)
{
	struct config c;

	if (agentconf_build(inv, n, &c, err, errlen) < 0)
		return -1;
	fprintf(out,
		"; agent.conf for %s, generated by pirack agent-config "
		"from %s\n",
		n->name, inv->path);
	if (config_write(&c, out) < 0 || fflush(out) == EOF) {
		snprintf(err, errlen, "writing the config: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}
