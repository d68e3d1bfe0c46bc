/* agentconf.c: rack.conf's agent settings mapped onto struct config. */
#include <errno.h>
#include <string.h>
#include "agentconf.h"

/*
 * rack.conf spells an agent key flat, as one word: this maps that word to
 * agent.conf's [section] key. Only names live here; what a value may be is
 * lib/config.c's alone (config_set, config_validate). mqtt host, prefix
 * and client_id and the node's name come from [rack] broker, prefix and
 * the node's section, so they are not settable here.
 */
struct agentconf_name {
	const char *key, *section, *name;
};

static const struct agentconf_name agentconf_names[] = {
	{ "thermal_source", "thermal", "source" },
	{ "sysfs_root", "thermal", "sysfs_root" },
	{ "zones", "thermal", "zones" },
	{ "interval_ms", "thermal", "interval_ms" },
	{ "target_c", "thermal", "target_c" },
	{ "limit_c", "thermal", "limit_c" },
	{ "lever", "thermal", "lever" },
	{ "fan_driver", "fan", "driver" },
	{ "fan_chip", "fan", "chip" },
	{ "fan_line", "fan", "line" },
	{ "fan_active_low", "fan", "active_low" },
	{ "fan_on_c", "fan", "on_c" },
	{ "fan_off_c", "fan", "off_c" },
	{ "fan_pwm", "fan", "pwm" },
	{ "led_driver", "led", "driver" },
	{ "led_chip", "led", "chip" },
	{ "led_lines", "led", "lines" },
	{ "gpio_backend", "gpio", "backend" },
	{ "gpio_sim_dir", "gpio", "sim_dir" },
	{ "mqtt_enabled", "mqtt", "enabled" },
	{ "mqtt_port", "mqtt", "port" },
	{ "mqtt_username", "mqtt", "username" },
	{ "mqtt_password_file", "mqtt", "password_file" },
	{ "mqtt_cafile", "mqtt", "cafile" },
	{ "mqtt_certfile", "mqtt", "certfile" },
	{ "mqtt_keyfile", "mqtt", "keyfile" },
	{ "mqtt_discovery_prefix", "mqtt", "discovery_prefix" },
	{ "mqtt_keepalive_s", "mqtt", "keepalive_s" },
	{ "mqtt_queue_kib", "mqtt", "queue_kib" },
	{ "control_socket", "control", "socket" },
	{ "sim_ambient_c", "sim", "ambient_c" },
	{ "sim_time_scale", "sim", "time_scale" },
};

#define NNAMES (sizeof(agentconf_names) / sizeof(agentconf_names[0]))

static const struct agentconf_name *agentconf_find(const char *key)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (strcmp(agentconf_names[i].key, key) == 0)
			return &agentconf_names[i];
	return NULL;
}

/* The rack key for agent.conf's [section] name, or NULL. */
static const char *agentconf_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (!strcmp(agentconf_names[i].section, section) &&
		    !strcmp(agentconf_names[i].name, name))
			return agentconf_names[i].key;
	return NULL;
}

bool agentconf_known(const char *key)
{
	return agentconf_find(key) != NULL;
}

void agentconf_list_keys(FILE *out)
{
	for (size_t i = 0; i < NNAMES; i++)
		fprintf(out, "%s%s", i ? (i % 6 ? ", " : ",\n  ") : "  ",
			agentconf_names[i].key);
	fputc('\n', out);
}

int agentconf_set(struct config *c, const char *key, const char *value,
		  char *err, size_t errlen)
{
	const struct agentconf_name *k = agentconf_find(key);
	char why[256];

	if (!k) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	if (config_set(c, k->section, k->name, value, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	return 0;
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

/* The line of rack.conf that set the agent's [section] name for node n. */
static unsigned agentconf_line(const struct inventory *inv,
			       const struct inv_node *n, const char *section,
			       const char *name)
{
	const char *key = agentconf_key(section, name);

	if (!key)
		return 0;
	/* the node's own setting overrides the rack-wide one */
	for (size_t i = 0; i < n->nset; i++)
		if (!strcmp(n->set[i].key, key))
			return n->set[i].line;
	for (size_t i = 0; i < inv->nset; i++)
		if (!strcmp(inv->set[i].key, key))
			return inv->set[i].line;
	return 0;
}

/*
 * The agent's own checks across keys, reported at the later of the rack
 * lines that set the keys involved (the node's line when both are
 * defaults): what pirackd --check-config would refuse is refused here.
 */
static int agentconf_validate(const struct inventory *inv,
			      const struct inv_node *n, const struct config *c,
			      char *err, size_t errlen)
{
	struct config_keyref keys[2];
	unsigned a, b;
	char why[256];

	if (config_validate(c, keys, why, sizeof(why)) == 0)
		return 0;
	a = agentconf_line(inv, n, keys[0].section, keys[0].key);
	b = agentconf_line(inv, n, keys[1].section, keys[1].key);
	if (a < b)
		a = b;
	snprintf(err, errlen, "%s:%u: node %s: %s", inv->path, a ? a : n->line,
		 n->name, why);
	return -1;
}

/* A value the rack derives (not a rack key): an error is the node's. */
static int agentconf_derive(const struct inventory *inv,
			    const struct inv_node *n, struct config *c,
			    const char *section, const char *name,
			    const char *value, char *err, size_t errlen)
{
	char why[256];

	if (config_set(c, section, name, value, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errlen, "%s:%u: node %s: [%s] %s %s", inv->path, n->line,
		 n->name, section, name, why);
	return -1;
}

int agentconf_build(const struct inventory *inv, const struct inv_node *n,
		    struct config *c, char *err, size_t errlen)
{
	const struct inv_node *b;
	char id[CONFIG_NAME_MAX];

	config_defaults(c);
	/* the defaults derive the client id from this host's name: every
	 * node would share the head's and the broker would kick them in
	 * turn */
	snprintf(id, sizeof(id), "pirack-%.56s", n->name);
	if (agentconf_derive(inv, n, c, "node", "name", n->name, err, errlen) <
		0 ||
	    agentconf_derive(inv, n, c, "mqtt", "client_id", id, err, errlen) <
		0 ||
	    agentconf_derive(inv, n, c, "mqtt", "prefix", inv->prefix, err,
			     errlen) < 0)
		return -1;
	if (inv->broker[0]) {
		/* a node's name means its inventory address: no DNS needed */
		b = inventory_node(inv, inv->broker);
		if (agentconf_derive(inv, n, c, "mqtt", "host",
				     b ? b->address : inv->broker, err,
				     errlen) < 0)
			return -1;
	}
	if (agentconf_apply(inv, inv->set, inv->nset, n->name, c, err, errlen) <
		0 ||
	    agentconf_apply(inv, n->set, n->nset, n->name, c, err, errlen) < 0)
		return -1;
	/* the broker's ACL knows each node by its name (config/mosquitto) */
	if (c->mqtt.password_file[0] && !c->mqtt.username[0] &&
	    agentconf_derive(inv, n, c, "mqtt", "username", n->name, err,
			     errlen) < 0)
		return -1;
	return agentconf_validate(inv, n, c, err, errlen);
}

int agentconf_check(const struct inventory *inv, const struct inv_node *n,
		    char *err, size_t errlen)
{
	struct config c;

	return agentconf_build(inv, n, &c, err, errlen);
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
