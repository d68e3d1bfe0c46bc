/* mqtt_link.h: the MQTT client's state and its connection state machine. */
#ifndef PIRACK_MQTT_LINK_H
#define PIRACK_MQTT_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "mqtt.h"
#include "mqtt_ents.h"
#include "mqtt_tel.h"
#include "mqttcmd.h"

#define MQTT_TOPIC_MAX 192

/*
 * DOWN -> RESOLVING (a host name, looked up in a child, resolve.c) ->
 * CONNECTING (async connect, CONNACK within 10 s) -> UP; any failure goes
 * back to DOWN with a doubling delay.
 */
enum mqtt_link { MQTT_DOWN, MQTT_RESOLVING, MQTT_CONNECTING, MQTT_UP };

/* Private to mqtt*.c; the agent holds it as a->mqtt. */
/* A command word waiting for its turn (the last one of its topic). */
struct mqtt_cmd_wait {
	bool pending;
	char word[MQTTCMD_MAX];
	char shown[80]; /* the payload as received, for a refusal */
};

struct mqtt {
	struct config cfg; /* [mqtt] and the node name are used */
	struct mqtt_hooks hooks;
	char *state; /* the last state JSON, for a reconnect */
	struct mosquitto *mosq;
	enum mqtt_link link;
	struct resolve *res; /* RESOLVING: the lookup */
	char addr[64];	     /* the broker's address it found */
	unsigned failed;     /* attempts failed since the last connection */
	bool just_connected; /* CONNACK ok, greet after loop_read */
	bool discovery_due;
	bool closing; /* mqtt_close: waiting for "offline" acked */
	bool offline_acked;
	int offline_mid;
	int refused;	      /* CONNACK code of a refusal, or 0 */
	uint64_t retry_at_ms; /* DOWN: next attempt */
	uint64_t deadline_ms; /* RESOLVING, CONNECTING: give up then */
	uint64_t up_since_ms; /* UP: when the CONNACK came */
	unsigned backoff_ms;
	char where[CONFIG_NAME_MAX + 16]; /* host:port, for messages */
	char lib_err[256];		  /* libmosquitto's last error line */

	char t_avail[MQTT_TOPIC_MAX], t_state[MQTT_TOPIC_MAX];
	char t_tel[MQTT_TOPIC_MAX], t_fan[MQTT_TOPIC_MAX];
	char t_led[MQTT_TOPIC_MAX], t_ha[MQTT_TOPIC_MAX];
	char t_disc[MQTT_TOPIC_MAX]; /* D/+/<node id>/+/config: ours */

	/*
	 * The entities the last discovery published (ents) and the one being
	 * built (next): a config topic in neither is an entity the node no
	 * longer has, cleared (an empty retained config) when seen.
	 */
	struct mqtt_ents ents, *next;

	struct mqtt_tel tel;

	/*
	 * Commands coalesce: the last word per topic waits here and is
	 * applied at most every MQTT_CMD_MS, so a flood of commands cannot
	 * starve the loop (each applied one re-drives and republishes).
	 */
	struct mqtt_cmd_wait cmd[2]; /* by enum mqtt_cmd */
	uint64_t cmd_next_ms;
	unsigned long cmd_coalesced; /* replaced before applied */
};

/* DOWN, from mqtt_init: the first attempt at the next service. */
void mqtt_link_init(struct mqtt *m);
/* DOWN and due: looks the host up, or connects to an address at once. */
void mqtt_link_start(struct mqtt *m);
/* RESOLVING: takes the child's answer (or its timeout) and connects. */
void mqtt_link_poll_resolve(struct mqtt *m);
/* Leaves the connection for now: logs why, then backs off. */
void mqtt_link_lost(struct mqtt *m, const char *why);
/* Why a libmosquitto call (rc, errno err) failed, in words to act on. */
const char *mqtt_link_why(struct mqtt *m, int rc, int err);

#endif
