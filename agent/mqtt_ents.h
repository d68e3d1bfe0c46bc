/* mqtt_ents.h: a set of Home Assistant config topics (the node's entities). */
#ifndef PIRACK_MQTT_ENTS_H
#define PIRACK_MQTT_ENTS_H

#include <stdbool.h>
#include <stddef.h>

/* The config topics of one discovery: what the node has published. */
struct mqtt_ents {
	char **topic;
	size_t n, cap;
};

/* Adds a copy of topic (once). 0, or -1 when out of memory. */
int mqtt_ents_add(struct mqtt_ents *s, const char *topic);
bool mqtt_ents_has(const struct mqtt_ents *s, const char *topic);
/* Empties s (and frees what it held). */
void mqtt_ents_free(struct mqtt_ents *s);

#endif
