/* mqtt.h: MQTT reporting, commands and Home Assistant discovery. */
#ifndef PIRACK_MQTT_H
#define PIRACK_MQTT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "discovery.h"

struct mqtt;

enum mqtt_cmd { MQTT_CMD_FAN, MQTT_CMD_LED };

/*
 * What the client asks of its owner (the agent); called from inside
 * mqtt_service only, with ctx.
 */
struct mqtt_hooks {
	void *ctx;
	/* A command word from <prefix>/<node>/fan/set or led/set: 0, or -1
	 * with err saying why it was refused. */
	int (*command)(void *ctx, enum mqtt_cmd which, const char *word,
		       char *err, size_t errlen);
	/* Hands every Home Assistant discovery message to emit(ectx). */
	int (*discovery)(void *ctx, discovery_emit_fn emit, void *ectx);
};

/*
 * A client for c's [mqtt] section and node name (copied), connecting at
 * the first mqtt_service. NULL (logged) when it cannot be created; the
 * caller leaves it out when [mqtt] enabled = false.
 */
struct mqtt *mqtt_open(const struct config *c, const struct mqtt_hooks *h);
/* The socket to poll and its events; returns 0 when there is none. */
int mqtt_pollfd(struct mqtt *m, struct pollfd *pfd);
/* Milliseconds until mqtt_service must run again, -1 = not needed. */
int mqtt_timeout_ms(struct mqtt *m);
/* Reads/writes the socket per revents (0 = timer), keepalive, reconnect. */
void mqtt_service(struct mqtt *m, short revents);
/*
 * Publishes the state JSON (retained; kept to publish again after a
 * reconnect) and, with telemetry, queues it as sample seq's telemetry.
 */
void mqtt_publish_state(struct mqtt *m, const char *json, uint64_t seq,
			bool telemetry);
/*
 * What discovery is built from changed: send it again when up, clearing
 * the entities the node no longer has.
 */
void mqtt_rediscover(struct mqtt *m);
/* Telemetry waiting for the broker, and dropped from a full queue. */
struct mqtt_stats {
	size_t queued;
	uint64_t dropped; /* since start, oldest first */
};
/* m's counts (all 0 for NULL: no client). */
void mqtt_stats(const struct mqtt *m, struct mqtt_stats *st);
/*
 * Clears every entity this client published (the node is renamed or
 * discovery moves): before mqtt_close, which flushes it.
 */
void mqtt_retract(struct mqtt *m);
/* Up, or no client at all (nothing to show as down). */
bool mqtt_connected(const struct mqtt *m);
/* Publishes "offline", disconnects, frees. NULL does nothing. */
void mqtt_close(struct mqtt *m);

#endif
