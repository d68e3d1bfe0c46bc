/* mqtt_link.c: the broker connection: lookup, connect, backoff, causes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <mosquitto.h>
#include "clock.h"
#include "log.h"
#include "mqtt_link.h"
#include "resolve.h"

#define MQTT_BACKOFF_MIN_MS 500
#define MQTT_BACKOFF_MAX_MS 30000
#define MQTT_CONNECT_TIMEOUT_MS 10000
#define MQTT_STABLE_MS 30000 /* up this long: the next loss starts afresh */
#define MQTT_RESOLVE_TIMEOUT_MS 30000

void mqtt_link_init(struct mqtt *m)
{
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->link = MQTT_DOWN;
	m->retry_at_ms = clock_ms(); /* connect at the first service */
}

void mqtt_link_lost(struct mqtt *m, const char *why)
{
	bool was_up = m->link == MQTT_UP;
	char extra[300] = "";

	if (m->link == MQTT_DOWN)
		return;
	/*
	 * The delay starts over only after a connection that lasted: one the
	 * broker keeps closing (a client id taken twice, an ACL) backs off.
	 */
	if (was_up && clock_ms() - m->up_since_ms >= MQTT_STABLE_MS)
		m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	/* the next attempt takes the name's next address, if it has more */
	m->failed = was_up ? 0 : m->failed + 1;
	m->link = MQTT_DOWN;
	m->just_connected = false;
	if (m->lib_err[0])
		snprintf(extra, sizeof(extra), " (%s)", m->lib_err);
	log_warnx("mqtt: %s broker %s: %s%s; retrying in %u.%u s",
		  was_up ? "lost the connection to" : "cannot connect to",
		  m->where, why, extra, m->backoff_ms / 1000,
		  m->backoff_ms % 1000 / 100);
	m->lib_err[0] = '\0';
	m->retry_at_ms = clock_ms() + m->backoff_ms;
	m->backoff_ms = m->backoff_ms * 2 > MQTT_BACKOFF_MAX_MS
			    ? MQTT_BACKOFF_MAX_MS
			    : m->backoff_ms * 2;
}

const char *mqtt_link_why(struct mqtt *m, int rc, int err)
{
	if (m->refused) {
		int code = m->refused;

		m->refused = 0;
		switch (code) {
		case 4:
			return "refused: bad username or password "
			       "(check username and password_file)";
		case 5:
			return "refused: not authorised (check username "
			       "and password_file)";
		default:
			return mosquitto_connack_string(code);
		}
	}
	switch (rc) {
	case MOSQ_ERR_ERRNO:
		return strerror(err);
	case MOSQ_ERR_EAI:
		return "host name lookup failed";
	case MOSQ_ERR_TLS:
		return "TLS handshake failed (is the broker's certificate "
		       "signed by cafile and issued for host?)";
	case MOSQ_ERR_CONN_LOST:
		return "connection closed by the broker";
	default:
		return mosquitto_strerror(rc);
	}
}

static void mqtt_link_connect(struct mqtt *m)
{
	const struct config *c = &m->cfg;
	int keepalive = c->mqtt.keepalive_s < 5 ? 5 : c->mqtt.keepalive_s;
	const char *host;
	int rc, err;

	m->link = MQTT_CONNECTING;
	m->deadline_ms = clock_ms() + MQTT_CONNECT_TIMEOUT_MS;
	m->refused = 0;
	m->lib_err[0] = '\0';
	/*
	 * Without TLS libmosquitto gets the address the child found, and its
	 * own getaddrinfo only parses it. With TLS it must get the name: it
	 * checks the certificate against the very string it connects to
	 * (mosq->host; libmosquitto 2.0 has no separate option), so an IP
	 * would fail verification. Its lookup then follows ours at once and is
	 * normally answered from the resolver's cache or a DNS server that
	 * just answered; if the DNS server dies in between, this call blocks
	 * for the resolver's timeout (pirack-mqtt(7), BUGS). connect_async
	 * each time, not reconnect_async, so a changed address is used.
	 */
	host = c->mqtt.cafile[0] || !m->addr[0] ? c->mqtt.host : m->addr;
	errno = 0;
	rc = mosquitto_connect_async(m->mosq, host, c->mqtt.port, keepalive);
	err = errno;
	if (rc != MOSQ_ERR_SUCCESS)
		mqtt_link_lost(m, mqtt_link_why(m, rc, err));
}

/* The lookup failed (err): back to DOWN. */
static void mqtt_link_lookup_failed(struct mqtt *m, const char *err)
{
	char why[160];

	snprintf(why, sizeof(why), "host name lookup failed: %s", err);
	mqtt_link_lost(m, why);
}

void mqtt_link_start(struct mqtt *m)
{
	char err[128];

	if (resolve_is_numeric(m->cfg.mqtt.host)) {
		snprintf(m->addr, sizeof(m->addr), "%s", m->cfg.mqtt.host);
		mqtt_link_connect(m);
		return;
	}
	m->link = MQTT_RESOLVING;
	m->deadline_ms = clock_ms() + MQTT_RESOLVE_TIMEOUT_MS;
	m->res = resolve_start(m->cfg.mqtt.host, err, sizeof(err));
	if (!m->res)
		mqtt_link_lookup_failed(m, err);
}

void mqtt_link_poll_resolve(struct mqtt *m)
{
	char err[128];
	int rc = resolve_poll(m->res, err, sizeof(err));

	if (rc > 0)
		snprintf(m->addr, sizeof(m->addr), "%s",
			 resolve_addr(m->res, m->failed));
	if (rc == 0 && clock_ms() >= m->deadline_ms) {
		snprintf(err, sizeof(err), "no answer within %d s",
			 MQTT_RESOLVE_TIMEOUT_MS / 1000);
		rc = -1;
	}
	if (rc == 0)
		return;
	resolve_free(m->res);
	m->res = NULL;
	if (rc > 0)
		mqtt_link_connect(m);
	else
		mqtt_link_lookup_failed(m, err);
}
