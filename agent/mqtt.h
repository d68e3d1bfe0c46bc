/* mqtt.h: MQTT reporting, commands and Home Assistant discovery. */
#ifndef PIRACK_MQTT_H
#define PIRACK_MQTT_H

#include <poll.h>
#include <stdbool.h>

struct agent;

/* Creates the client and starts connecting (no-op when disabled). */
int mqtt_init(struct agent *a);
/* The socket to poll and its events; returns 0 when there is none. */
int mqtt_pollfd(struct agent *a, struct pollfd *pfd);
/* Milliseconds until mqtt_service must run again, -1 = not needed. */
int mqtt_timeout_ms(struct agent *a);
/* Reads/writes the socket per revents (0 = timer), keepalive, reconnect. */
void mqtt_service(struct agent *a, short revents);
/* Publishes state (retained) and, from the tick, telemetry. */
void mqtt_publish_state(struct agent *a, bool telemetry);
bool mqtt_connected(const struct agent *a);
/* Publishes "offline", disconnects, frees. */
void mqtt_shutdown(struct agent *a);

#endif
