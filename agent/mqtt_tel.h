/* mqtt_tel.h: telemetry from its queue to the broker, a window at a time. */
#ifndef PIRACK_MQTT_TEL_H
#define PIRACK_MQTT_TEL_H

#include <stddef.h>
#include <stdint.h>
#include "telq.h"

/*
 * Telemetry handed to libmosquitto but not yet acknowledged. Bounded so
 * that the library's own queue never grows: a sample waits in our queue
 * (which drops the oldest) until a slot frees, and the library resends the
 * unacknowledged ones, in order, after a reconnect.
 */
#define MQTT_TEL_WINDOW 16

struct mosquitto;

struct mqtt_tel {
	struct telq q;
	int mids[MQTT_TEL_WINDOW]; /* in flight */
	size_t nmids;
	uint64_t dropped_logged;
};

/* Sizes the queue for one hour at interval_ms and at most queue_kib of
 * JSON ([mqtt] queue_kib); allocates none. */
void mqtt_tel_init(struct mqtt_tel *t, int interval_ms, int queue_kib);
/* Queues a sample (takes ownership of json). */
void mqtt_tel_push(struct mqtt_tel *t, uint64_t seq, char *json);
/* Connected: publishes queued samples, oldest first, while the window has
 * room. */
void mqtt_tel_drain(struct mqtt_tel *t, struct mosquitto *mosq,
		    const char *topic);
/* The broker acknowledged message mid (libmosquitto's on_publish). */
void mqtt_tel_acked(struct mqtt_tel *t, int mid);
/* Logs the samples dropped since the last call, if any. */
void mqtt_tel_log_drops(struct mqtt_tel *t);
void mqtt_tel_free(struct mqtt_tel *t);

#endif
