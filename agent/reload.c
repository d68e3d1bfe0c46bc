/* reload.c: a new config against the running one, key by key (pure). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "config_keys.h"
#include "reload.h"

/* Names the key in d->changed and adds what it requires. */
static void reload_note(struct reload_diff *d, const char *section,
			const char *key, unsigned redo)
{
	size_t n = strlen(d->changed);

	d->redo |= redo;
	d->nchanged++;
	/* room is kept for the ", ..." that ends a list cut short */
	if (n + strlen(section) + strlen(key) + 8 + 5 >= sizeof(d->changed)) {
		if (!strstr(d->changed, "..."))
			snprintf(d->changed + n, sizeof(d->changed) - n,
				 ", ...");
		return;
	}
	snprintf(d->changed + n, sizeof(d->changed) - n, "%s[%s] %s",
		 n ? ", " : "", section, key);
}

/* What a change redoes: by section, then the keys that differ from it. */
static unsigned reload_redo_of(const char *section, const char *key)
{
	static const struct {
		const char *section, *key; /* key NULL: the whole section */
		unsigned redo;
	} rules[] = {
		/* the topics and Home Assistant's device carry the name */
		{ "node", "name", RELOAD_MQTT | RELOAD_DISCOVERY },
		/* pwm and kernel fans, the device-tree model */
		{ "thermal", "sysfs_root",
		  RELOAD_GPIO | RELOAD_DISCOVERY | RELOAD_CPUFREQ },
		/* the clock cap: given back, then taken up as configured */
		{ "thermal", "lever", RELOAD_CPUFREQ },
		/* zones: announced as the next sample finds them
		 * (agent_zones_seen); the rest is read as the tick goes */
		{ "thermal", NULL, 0 },
		/* the fan entity: gpio or pwm (with a percentage), or none */
		{ "fan", "driver", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ "fan", "on_c", 0 }, /* policy only */
		{ "fan", "off_c", 0 },
		{ "fan", NULL, RELOAD_GPIO },
		{ "led", "driver", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ "led", "lines", RELOAD_GPIO | RELOAD_DISCOVERY },
		{ "led", NULL, RELOAD_GPIO },
		{ "gpio", NULL, RELOAD_GPIO },
		{ "mqtt", "prefix", RELOAD_MQTT | RELOAD_DISCOVERY },
		{ "mqtt", "discovery_prefix", RELOAD_MQTT | RELOAD_DISCOVERY },
		{ "mqtt", NULL, RELOAD_MQTT },
		{ "control", "socket", RELOAD_CONTROL },
		/* the simulated node is pirack-simnode's; the agent reads
		 * [sim] time_scale (source = sim) as the tick goes */
		{ "sim", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].section, section) &&
		    (!rules[i].key || !strcmp(rules[i].key, key)))
			return rules[i].redo;
	return 0; /* read where it is used: nothing to redo */
}

static bool reload_lines_differ(const struct config *x, const struct config *y)
{
	if (x->led.nlines != y->led.nlines)
		return true;
	for (size_t i = 0; i < x->led.nlines && i < LED_MAX_LINES; i++)
		if (x->led.lines[i] != y->led.lines[i])
			return true;
	return false;
}

/* One key's values, as its type reads them: no padding, nothing after NUL. */
static bool reload_key_differs(const struct config_key *k,
			       const struct config *x, const struct config *y)
{
	const char *p = (const char *)x + k->off;
	const char *q = (const char *)y + k->off;

	switch (k->type) {
	case K_STR:
		return strncmp(p, q, k->size) != 0;
	case K_ENUM:
	case K_INT:
		return *(const int *)p != *(const int *)q;
	case K_UINT:
		return *(const unsigned *)p != *(const unsigned *)q;
	case K_DOUBLE: /* NAN is "auto": the same as NAN */
		return *(const double *)p != *(const double *)q &&
		       !(isnan(*(const double *)p) &&
			 isnan(*(const double *)q));
	case K_BOOL:
		return *(const bool *)p != *(const bool *)q;
	case K_LINES:
		return reload_lines_differ(x, y);
	}
	return true;
}

void reload_diff(const struct config *x, const struct config *y,
		 struct reload_diff *d)
{
	memset(d, 0, sizeof(*d));
	/* every key of the table: one added later is compared too */
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct config_key *k = &config_keys[i];

		if (reload_key_differs(k, x, y))
			reload_note(d, k->section, k->name,
				    reload_redo_of(k->section, k->name));
	}
}
