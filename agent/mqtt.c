/* mqtt.c: MQTT reporting and commands, libmosquitto in the agent's loop. */

/*
 * No thread: the loop polls libmosquitto's socket (POLLOUT only while it
 * wants to write) and calls mqtt_service on readiness or when
 * mqtt_timeout_ms says so. The connection's states and backoff are in
 * mqtt_link.c, login and TLS in mqtt_auth.c, command payloads in
 * mqttcmd.c. Telemetry goes through our bounded queue into a small window
 * of unacknowledged QoS 1 messages (mqtt_tel.c) that libmosquitto resends,
 * first and in order, after a reconnect of the same persistent session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <mosquitto.h>
#include <cjson/cJSON.h>
#include "clock.h"
#include "discovery.h"
#include "log.h"
#include "mqtt.h"
#include "mqtt_auth.h"
#include "mqtt_link.h"
#include "mqttcmd.h"
#include "resolve.h"

#define MQTT_LIB_INFLIGHT 64  /* telemetry window + availability + discovery */
#define MQTT_SHUTDOWN_MS 1000 /* to flush "offline" at exit */
#define MQTT_CMD_MS 100	      /* commands applied at most this often */

static void mqtt_on_log(struct mosquitto *mosq, void *obj, int level,
			const char *str)
{
	struct mqtt *m = obj;

	(void)mosq;
	/* kept to explain the next failure (TLS errors arrive this way) */
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		snprintf(m->lib_err, sizeof(m->lib_err), "%s", str);
}

static void mqtt_on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (rc == 0) {
		/* greeting waits until loop_read returns: see mqtt_greet */
		m->link = MQTT_UP;
		m->just_connected = true;
		m->up_since_ms = clock_ms();
	} else {
		m->refused = rc;
	}
}

static void mqtt_on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;
	int err = errno;

	(void)mosq;
	if (m->link != MQTT_DOWN)
		mqtt_link_lost(m, rc == MOSQ_ERR_KEEPALIVE
				      ? "keepalive timeout"
				      : mqtt_link_why(m, rc, err));
}

static void mqtt_on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (m->closing && mid == m->offline_mid)
		m->offline_acked = true;
	mqtt_tel_acked(&m->tel, mid);
}

/* An empty retained config: Home Assistant deletes the entity. */
static void mqtt_disc_clear(struct mqtt *m, const char *topic)
{
	int rc = mosquitto_publish(m->mosq, NULL, topic, 0, NULL, 1, true);

	if (rc)
		log_warnx("mqtt: %s: %s", topic, mosquitto_strerror(rc));
	else
		log_info("mqtt: %s: removed, the node no longer has this "
			 "entity",
			 topic);
}

static void mqtt_on_message(struct mosquitto *mosq, void *obj,
			    const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;
	char word[MQTTCMD_MAX], shown[80];
	bool fan = !strcmp(msg->topic, m->t_fan), ours = false;
	struct mqtt_cmd_wait *c;

	(void)mosq;
	if (m->closing)
		return; /* leaving: no command is taken any more */
	if (mosquitto_topic_matches_sub(m->t_disc, msg->topic, &ours) ==
		MOSQ_ERR_SUCCESS &&
	    ours) {
		/* retained from an earlier run: is that entity still ours? */
		if (msg->retain && msg->payloadlen > 0 &&
		    !mqtt_ents_has(&m->ents, msg->topic))
			mqtt_disc_clear(m, msg->topic);
		return;
	}
	if (!strcmp(msg->topic, m->t_ha)) {
		/* Home Assistant restarted: it needs the entities again */
		if (msg->payloadlen == 6 && !memcmp(msg->payload, "online", 6))
			m->discovery_due = true;
		return;
	}
	if (msg->retain)
		return; /* a stale retained command is never acted on */
	if (!fan && strcmp(msg->topic, m->t_led))
		return;
	mqttcmd_escape(msg->payload, msg->payloadlen, shown, sizeof(shown));
	if (mqttcmd_word(msg->payload, msg->payloadlen, word, sizeof(word))) {
		log_warnx(
		    "mqtt: %s: rejected payload \"%s\": not a command word",
		    msg->topic, shown);
		return;
	}
	c = &m->cmd[fan ? MQTT_CMD_FAN : MQTT_CMD_LED];
	m->cmd_coalesced += c->pending;
	c->pending = true;
	snprintf(c->word, sizeof(c->word), "%s", word);
	snprintf(c->shown, sizeof(c->shown), "%s", shown);
}

/* The waiting commands, each the last of its topic, when their time is. */
static void mqtt_commands(struct mqtt *m)
{
	uint64_t now = clock_ms();
	char err[160];

	if (m->closing || (!m->cmd[0].pending && !m->cmd[1].pending))
		return;
	if (now < m->cmd_next_ms)
		return;
	m->cmd_next_ms = now + MQTT_CMD_MS;
	if (m->cmd_coalesced)
		log_debug("mqtt: %lu commands replaced by later ones",
			  m->cmd_coalesced);
	m->cmd_coalesced = 0;
	for (int i = 0; i < 2; i++) {
		const char *topic = i == MQTT_CMD_FAN ? m->t_fan : m->t_led;

		if (!m->cmd[i].pending)
			continue;
		m->cmd[i].pending = false;
		if (m->hooks.command(m->hooks.ctx, (enum mqtt_cmd)i,
				     m->cmd[i].word, err, sizeof(err)))
			log_warnx("mqtt: %s: rejected payload \"%s\": %s",
				  topic, m->cmd[i].shown, err);
		else
			log_debug("mqtt: %s: %s", topic, m->cmd[i].word);
	}
}

static void mqtt_topic(char *out, const struct config *c, const char *leaf)
{
	snprintf(out, MQTT_TOPIC_MAX, "%s/%s/%s", c->mqtt.prefix, c->node.name,
		 leaf);
}

static int mqtt_setup(struct mqtt *m)
{
	const struct config *c = &m->cfg;
	char id[CONFIG_NAME_MAX + 8];
	int rc;

	if (c->mqtt.client_id[0])
		snprintf(id, sizeof(id), "%s", c->mqtt.client_id);
	else
		snprintf(id, sizeof(id), "pirack-%s", c->node.name);
	/*
	 * A persistent session under a stable id: the broker keeps our
	 * subscriptions, and unacknowledged telemetry is resent on reconnect.
	 */
	m->mosq = mosquitto_new(id, false, m);
	if (!m->mosq) {
		log_warnx("mqtt: cannot create the client: %s",
			  strerror(errno));
		return -1;
	}
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
			     MQTT_PROTOCOL_V311);
	mosquitto_max_inflight_messages_set(m->mosq, MQTT_LIB_INFLIGHT);
	mosquitto_log_callback_set(m->mosq, mqtt_on_log);
	mosquitto_connect_callback_set(m->mosq, mqtt_on_connect);
	mosquitto_disconnect_callback_set(m->mosq, mqtt_on_disconnect);
	mosquitto_publish_callback_set(m->mosq, mqtt_on_publish);
	mosquitto_message_callback_set(m->mosq, mqtt_on_message);

	if (mqtt_auth_setup(m->mosq, c))
		return -1;
	rc = mosquitto_will_set(m->mosq, m->t_avail, 7, "offline", 1, true);
	if (rc) {
		log_warnx("mqtt: will on %s: %s", m->t_avail,
			  mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

struct mqtt *mqtt_open(const struct config *cfg, const struct mqtt_hooks *h)
{
	struct mqtt *m = calloc(1, sizeof(*m));
	const struct config *c;
	char id[CONFIG_NAME_MAX];

	if (!m) {
		log_warnx("mqtt: out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->hooks = *h;
	c = &m->cfg;
	mosquitto_lib_init();
	mqtt_topic(m->t_avail, c, "availability");
	mqtt_topic(m->t_state, c, "state");
	mqtt_topic(m->t_tel, c, "telemetry");
	mqtt_topic(m->t_fan, c, "fan/set");
	mqtt_topic(m->t_led, c, "led/set");
	snprintf(m->t_ha, sizeof(m->t_ha), "%s/status",
		 c->mqtt.discovery_prefix);
	discovery_node_id(c->node.name, id, sizeof(id));
	snprintf(m->t_disc, sizeof(m->t_disc), "%s/+/%s/+/config",
		 c->mqtt.discovery_prefix, id);
	snprintf(m->where, sizeof(m->where), "%s:%d", c->mqtt.host,
		 c->mqtt.port);
	mqtt_tel_init(&m->tel, c->thermal.interval_ms, c->mqtt.queue_kib);
	if (mqtt_setup(m)) {
		mqtt_close(m);
		return NULL;
	}
	mqtt_link_init(m);
	return m;
}

static void mqtt_publish_discovery_one(struct mqtt *m, const char *topic,
				       const char *payload)
{
	int rc = mosquitto_publish(m->mosq, NULL, topic, (int)strlen(payload),
				   payload, 1, true);

	if (rc)
		log_warnx("mqtt: %s: %s", topic, mosquitto_strerror(rc));
}

static int mqtt_emit(void *ctx, const char *topic, const char *payload)
{
	struct mqtt *m = ctx;

	mqtt_publish_discovery_one(m, topic, payload);
	return mqtt_ents_add(m->next, topic);
}

/*
 * Sends the entities and clears those the last discovery had and this one
 * has not (a driver set to none, a zone gone). A failed build clears
 * nothing: what it did send is added to what the node has.
 */
static void mqtt_discovery(struct mqtt *m)
{
	struct mqtt_ents next = { 0 };
	int rc;

	m->discovery_due = false;
	m->next = &next;
	rc = m->hooks.discovery(m->hooks.ctx, mqtt_emit, m);
	m->next = NULL;
	if (rc < 0) {
		log_warnx("mqtt: cannot build the discovery payloads");
		for (size_t i = 0; i < next.n; i++)
			mqtt_ents_add(&m->ents, next.topic[i]);
		mqtt_ents_free(&next);
		return;
	}
	for (size_t i = 0; i < m->ents.n; i++)
		if (!mqtt_ents_has(&next, m->ents.topic[i]))
			mqtt_disc_clear(m, m->ents.topic[i]);
	mqtt_ents_free(&m->ents);
	m->ents = next;
}

/*
 * Just connected. Runs after loop_read has returned, so libmosquitto has
 * already requeued the telemetry left unacknowledged by the last
 * connection: what we queue now goes after it and the order holds.
 */
static void mqtt_greet(struct mqtt *m)
{
	struct mosquitto *mq = m->mosq;
	int rc;

	m->just_connected = false;
	log_info("mqtt: connected to broker %s", m->where);
	mqtt_tel_log_drops(&m->tel);
	/* QoS 0: a command never waits in the broker for an absent node */
	rc = mosquitto_subscribe(mq, NULL, m->t_fan, 0);
	if (!rc)
		rc = mosquitto_subscribe(mq, NULL, m->t_led, 0);
	if (!rc)
		rc = mosquitto_subscribe(mq, NULL, m->t_ha, 0);
	/*
	 * Our retained configs, as the broker holds them: those of entities
	 * an earlier run had and this one has not are cleared as they come.
	 * Discovery below is built first, so the set they are checked against
	 * is whole when they arrive.
	 */
	if (!rc)
		rc = mosquitto_subscribe(mq, NULL, m->t_disc, 0);
	if (rc)
		log_warnx("mqtt: subscribe: %s", mosquitto_strerror(rc));
	mosquitto_publish(mq, NULL, m->t_avail, 6, "online", 1, true);
	mqtt_discovery(m);
	if (m->state)
		mosquitto_publish(mq, NULL, m->t_state, (int)strlen(m->state),
				  m->state, 0, true);
}

int mqtt_pollfd(struct mqtt *m, struct pollfd *pfd)
{
	int fd;

	if (!m || m->link == MQTT_DOWN)
		return 0;
	if (m->link == MQTT_RESOLVING) {
		*pfd = (struct pollfd){ resolve_fd(m->res), POLLIN, 0 };
		return 1;
	}
	fd = mosquitto_socket(m->mosq);
	if (fd < 0)
		return 0;
	pfd->fd = fd;
	pfd->events = POLLIN;
	if (mosquitto_want_write(m->mosq))
		pfd->events |= POLLOUT;
	pfd->revents = 0;
	return 1;
}

int mqtt_timeout_ms(struct mqtt *m)
{
	uint64_t now, t;

	if (!m)
		return -1;
	now = clock_ms();
	switch (m->link) {
	case MQTT_DOWN:
		t = m->retry_at_ms;
		break;
	case MQTT_RESOLVING:
		t = m->deadline_ms;
		break;
	case MQTT_CONNECTING:
		t = m->deadline_ms < now + 1000 ? m->deadline_ms : now + 1000;
		break;
	default:
		/*
		 * loop_misc sends the keepalive ping; a quarter of the
		 * interval late is well inside the broker's 1.5 times.
		 */
		t = now + (uint64_t)m->cfg.mqtt.keepalive_s * 1000 / 4;
		break;
	}
	if ((m->cmd[0].pending || m->cmd[1].pending) && m->cmd_next_ms < t)
		t = m->cmd_next_ms;
	return t <= now ? 0 : (int)(t - now);
}

void mqtt_service(struct mqtt *m, short revents)
{
	int rc = MOSQ_ERR_SUCCESS, err = 0;

	if (!m)
		return;
	if (m->link == MQTT_DOWN) {
		if (clock_ms() >= m->retry_at_ms)
			mqtt_link_start(m);
		return;
	}
	if (m->link == MQTT_RESOLVING) {
		mqtt_link_poll_resolve(m);
		return;
	}
	/*
	 * A failed connect shows as POLLERR; libmosquitto's TLS path would
	 * keep retrying the handshake on it, so take the error from here.
	 */
	if (m->link == MQTT_CONNECTING && revents & (POLLERR | POLLHUP)) {
		int fd = mosquitto_socket(m->mosq);
		socklen_t len = sizeof(err);

		if (fd >= 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err) {
			mqtt_link_lost(m, strerror(err));
			return;
		}
		if (revents & POLLHUP) {
			mqtt_link_lost(m, "connection refused or closed "
					  "before the handshake");
			return;
		}
	}
	/*
	 * While connecting, readiness in either direction may be the TLS
	 * handshake's turn, which libmosquitto only advances in loop_read.
	 */
	if (revents & (POLLIN | POLLERR | POLLHUP) ||
	    (m->link == MQTT_CONNECTING && revents & POLLOUT)) {
		errno = 0;
		rc = mosquitto_loop_read(m->mosq, 1);
		err = errno;
	}
	if (rc == MOSQ_ERR_SUCCESS && m->link != MQTT_DOWN &&
	    revents & POLLOUT) {
		errno = 0;
		rc = mosquitto_loop_write(m->mosq, 1);
		err = errno;
	}
	if (rc == MOSQ_ERR_SUCCESS && m->link != MQTT_DOWN) {
		errno = 0;
		rc = mosquitto_loop_misc(m->mosq);
		err = errno;
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		mqtt_link_lost(m, mqtt_link_why(m, rc, err));
		return;
	}
	if (m->link == MQTT_CONNECTING && clock_ms() >= m->deadline_ms) {
		mqtt_link_lost(m, "no answer from the broker within 10 s");
		return;
	}
	if (m->just_connected)
		mqtt_greet(m);
	mqtt_commands(m);
	if (m->link == MQTT_UP) {
		if (m->discovery_due)
			mqtt_discovery(m);
		mqtt_tel_drain(&m->tel, m->mosq, m->t_tel);
	}
}

void mqtt_publish_state(struct mqtt *m, const char *json, uint64_t seq,
			bool telemetry)
{
	char *copy;

	if (!m)
		return;
	if (m->link == MQTT_UP)
		mosquitto_publish(m->mosq, NULL, m->t_state, (int)strlen(json),
				  json, 0, true);
	/* one copy serves the queue, the other the next reconnect */
	copy = strdup(json);
	if (copy) {
		free(m->state);
		m->state = copy;
	}
	if (telemetry && (copy = strdup(json))) {
		mqtt_tel_push(&m->tel, seq, copy); /* the queue owns it now */
		if (m->link == MQTT_UP)
			mqtt_tel_drain(&m->tel, m->mosq, m->t_tel);
	}
	if (m->link == MQTT_UP && m->discovery_due)
		mqtt_discovery(m);
}

void mqtt_retract(struct mqtt *m)
{
	if (!m || m->link != MQTT_UP)
		return;
	for (size_t i = 0; i < m->ents.n; i++)
		mqtt_disc_clear(m, m->ents.topic[i]);
	mqtt_ents_free(&m->ents);
}

void mqtt_rediscover(struct mqtt *m)
{
	if (!m)
		return;
	m->discovery_due = true;
	if (m->link == MQTT_UP)
		mqtt_discovery(m);
}

void mqtt_stats(const struct mqtt *m, struct mqtt_stats *st)
{
	*st = (struct mqtt_stats){ 0 };
	if (!m)
		return;
	st->queued = telq_len(&m->tel.q);
	st->dropped = m->tel.q.dropped;
}

bool mqtt_connected(const struct mqtt *m)
{
	/* no broker configured: nothing to show as down */
	return !m || m->link == MQTT_UP;
}

/*
 * Leaving: "offline", then DISCONNECT, which suppresses the will. The
 * broker's acknowledgement of "offline" is awaited first: it has then
 * taken everything sent before (the entities mqtt_retract cleared).
 * Closing a socket with unread input (its acknowledgements) resets the
 * connection, and the broker drops what it had not read yet.
 */
static void mqtt_leave(struct mqtt *m)
{
	uint64_t end = clock_ms() + MQTT_SHUTDOWN_MS;
	struct pollfd pfd;

	m->link = MQTT_DOWN; /* no reconnect, no log */
	m->closing = true;
	if (mosquitto_publish(m->mosq, &m->offline_mid, m->t_avail, 7,
			      "offline", 1, true))
		m->offline_acked = true; /* nothing to wait for */
	while (!m->offline_acked && clock_ms() < end) {
		pfd.fd = mosquitto_socket(m->mosq);
		if (pfd.fd < 0)
			return;
		pfd.events = POLLIN;
		if (mosquitto_want_write(m->mosq))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((pfd.revents & POLLOUT &&
		     mosquitto_loop_write(m->mosq, 1)) ||
		    (pfd.revents & (POLLIN | POLLERR | POLLHUP) &&
		     mosquitto_loop_read(m->mosq, 1)))
			return;
	}
	mosquitto_disconnect(m->mosq);
	while (mosquitto_want_write(m->mosq) && clock_ms() < end) {
		pfd.fd = mosquitto_socket(m->mosq);
		if (pfd.fd < 0)
			break;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 100) > 0 && mosquitto_loop_write(m->mosq, 1))
			break;
	}
}

void mqtt_close(struct mqtt *m)
{
	if (!m)
		return;
	if (m->mosq && m->link == MQTT_UP)
		mqtt_leave(m);
	resolve_free(m->res);
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	mosquitto_lib_cleanup();
	mqtt_tel_free(&m->tel);
	mqtt_ents_free(&m->ents);
	free(m->state);
	free(m);
}
