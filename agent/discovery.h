/* discovery.h: Home Assistant MQTT discovery payloads for one node. */
#ifndef PIRACK_DISCOVERY_H
#define PIRACK_DISCOVERY_H

#include <stddef.h>
#include "config.h"
#include "sample.h"

/* Called once per entity with its config topic and JSON payload. */
typedef int (*discovery_emit_fn)(void *ctx, const char *topic,
				 const char *payload);

/*
 * Builds the node's discovery messages (device, sensors, binary sensors,
 * fan, status LED light, identify button) from the config and the zones
 * of a good sample (NULL: none yet), and hands each to emit. model_path
 * is the device-tree model file (absent off a Pi). Returns the number of
 * messages, or -1 when building or an emit failed.
 */
int discovery_build(const struct config *c, const struct sample *zones,
		    const char *model_path, discovery_emit_fn emit, void *ctx);

/*
 * The id used in topics and unique_ids ([A-Za-z0-9_-], others as '_').
 * A node name is one already ([node] name allows no '.', config.c), so
 * the node's id is its name and two nodes never share one.
 */
void discovery_node_id(const char *node, char *out, size_t outlen);

#endif
