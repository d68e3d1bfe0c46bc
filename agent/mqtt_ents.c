/* mqtt_ents.c: a set of Home Assistant config topics (a few dozen: linear). */
#include <stdlib.h>
#include <string.h>
#include "mqtt_ents.h"

bool mqtt_ents_has(const struct mqtt_ents *s, const char *topic)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->topic[i], topic))
			return true;
	return false;
}

int mqtt_ents_add(struct mqtt_ents *s, const char *topic)
{
	char *copy;

	if (mqtt_ents_has(s, topic))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **p = realloc(s->topic, cap * sizeof(*p));

		if (!p)
			return -1;
		s->topic = p;
		s->cap = cap;
	}
	copy = strdup(topic);
	if (!copy)
		return -1;
	s->topic[s->n++] = copy;
	return 0;
}

void mqtt_ents_free(struct mqtt_ents *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->topic[i]);
	free(s->topic);
	*s = (struct mqtt_ents){ 0 };
}
