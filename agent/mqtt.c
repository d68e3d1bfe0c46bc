/* mqtt.c: MQTT reporting and commands, libmosquitto in the agent's loop. */

/*
 * No thread: the loop polls libmosquitto's socket (POLLOUT only while it
 * wants to write) and calls mqtt_service on readiness or when
 * mqtt_timeout_ms says so. The link goes DOWN -> RESOLVING (a host name,
 * looked up in a child, resolve.c) -> CONNECTING (async connect, CONNACK
 * within 10 s) -> UP; any failure goes back to DOWN with a doubling delay.
 * Telemetry goes through our bounded queue (telq.c) into a small window of
 * unacknowledged QoS 1 messages that libmosquitto resends, first and in
 * order, after a reconnect of the same persistent session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <mosquitto.h>
#include <cjson/cJSON.h>
#include "agent.h"
#include "discovery.h"
#include "log.h"
#include "mqtt.h"
#include "mqttcmd.h"
#include "report.h"
#include "resolve.h"
#include "telq.h"

/*
 * Telemetry handed to libmosquitto but not yet acknowledged. Bounded so
 * that the library's own queue never grows: a sample waits in our queue
 * (which drops the oldest) until a slot frees, and the library resends the
 * unacknowledged ones, in order, after a reconnect.
 */
#define MQTT_WINDOW 16
#define MQTT_LIB_INFLIGHT 64 /* window + availability + discovery */
#define MQTT_BACKOFF_MIN_MS 500
#define MQTT_BACKOFF_MAX_MS 30000
#define MQTT_CONNECT_TIMEOUT_MS 10000
#define MQTT_STABLE_MS 30000  /* up this long: the next loss starts afresh */
#define MQTT_QUEUE_S 3600     /* telemetry kept while the broker is away */
/* ... and at most this much JSON: ~16,000 samples of ~0.5 KB on a Pi */
#define MQTT_QUEUE_BYTES (8u << 20)
#define MQTT_SHUTDOWN_MS 1000 /* to flush "offline" at exit */
#define MQTT_TOPIC_MAX 192
#define MQTT_RESOLVE_TIMEOUT_MS 30000

enum mqtt_link { MQTT_DOWN, MQTT_RESOLVING, MQTT_CONNECTING, MQTT_UP };

struct mqtt {
	struct mosquitto *mosq;
	enum mqtt_link link;
	struct resolve *res;	 /* RESOLVING: the lookup */
	char addr[64];		 /* the broker's address it found */
	bool just_connected;	 /* CONNACK ok, greet after loop_read */
	bool discovery_due;
	size_t disc_nzones;   /* zones in the last discovery sent */
	int refused;	      /* CONNACK code of a refusal, or 0 */
	uint64_t retry_at_ms; /* DOWN: next attempt */
	uint64_t deadline_ms; /* CONNECTING: give up then */
	uint64_t up_since_ms; /* UP: when the CONNACK came */
	unsigned backoff_ms;
	char where[CONFIG_NAME_MAX + 16]; /* host:port, for messages */
	char lib_err[256];		  /* libmosquitto's last error line */
	char model_path[CONFIG_PATH_MAX + 40];

	char t_avail[MQTT_TOPIC_MAX], t_state[MQTT_TOPIC_MAX];
	char t_tel[MQTT_TOPIC_MAX], t_fan[MQTT_TOPIC_MAX];
	char t_led[MQTT_TOPIC_MAX], t_ha[MQTT_TOPIC_MAX];

	struct telq q;
	int mids[MQTT_WINDOW]; /* telemetry in flight */
	size_t nmids;
	uint64_t dropped_logged;
};

/* The first line of password_file, without its newline. */
static int mqtt_read_password(const char *path, char *pw, size_t pwlen)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		log_warnx("mqtt: password_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("mqtt: password_file %s is readable by everyone; "
			  "chmod 600 it",
			  path);
	if (!fgets(pw, (int)pwlen, f)) {
		log_warnx("mqtt: password_file %s: empty", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	return 0;
}

static void mqtt_on_log(struct mosquitto *mosq, void *obj, int level,
			const char *str)
{
	struct agent *a = obj;

	(void)mosq;
	/* kept to explain the next failure (TLS errors arrive this way) */
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		snprintf(a->mqtt->lib_err, sizeof(a->mqtt->lib_err), "%s", str);
}

static void mqtt_on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct agent *a = obj;
	struct mqtt *m = a->mqtt;

	(void)mosq;
	if (rc == 0) {
		/* greeting waits until loop_read returns: see mqtt_greet */
		m->link = MQTT_UP;
		m->just_connected = true;
		m->up_since_ms = agent_now_ms();
	} else {
		m->refused = rc;
	}
}

static void mqtt_lost(struct agent *a, const char *why);
static const char *mqtt_why(struct mqtt *m, int rc, int err);

static void mqtt_on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct agent *a = obj;
	int err = errno;

	(void)mosq;
	if (a->mqtt->link != MQTT_DOWN)
		mqtt_lost(a, rc == MOSQ_ERR_KEEPALIVE
				 ? "keepalive timeout"
				 : mqtt_why(a->mqtt, rc, err));
}

static void mqtt_on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt *m = ((struct agent *)obj)->mqtt;
	size_t i;

	(void)mosq;
	for (i = 0; i < m->nmids; i++) {
		if (m->mids[i] == mid) {
			m->mids[i] = m->mids[--m->nmids];
			return;
		}
	}
}

static void mqtt_on_message(struct mosquitto *mosq, void *obj,
			    const struct mosquitto_message *msg)
{
	struct agent *a = obj;
	struct mqtt *m = a->mqtt;
	char word[MQTTCMD_MAX], err[160], shown[80];
	bool fan = !strcmp(msg->topic, m->t_fan);
	int rc;

	(void)mosq;
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
	rc = fan ? agent_fan_command(a, word, err, sizeof(err))
		 : agent_led_command(a, word, err, sizeof(err));
	if (rc)
		log_warnx("mqtt: %s: rejected payload \"%s\": %s", msg->topic,
			  shown, err);
	else
		log_debug("mqtt: %s: %s", msg->topic, word);
}

static void mqtt_topic(char *out, const struct config *c, const char *leaf)
{
	snprintf(out, MQTT_TOPIC_MAX, "%s/%s/%s", c->mqtt.prefix, c->node.name,
		 leaf);
}

static int mqtt_setup(struct agent *a)
{
	const struct config *c = &a->cfg;
	struct mqtt *m = a->mqtt;
	char id[CONFIG_NAME_MAX + 8], pw[256];
	int rc;

	if (c->mqtt.client_id[0])
		snprintf(id, sizeof(id), "%s", c->mqtt.client_id);
	else
		snprintf(id, sizeof(id), "pirack-%s", c->node.name);
	/*
	 * A persistent session under a stable id: the broker keeps our
	 * subscriptions, and unacknowledged telemetry is resent on reconnect.
	 */
	m->mosq = mosquitto_new(id, false, a);
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

	if (c->mqtt.password_file[0] && !c->mqtt.username[0]) {
		log_warnx("mqtt: password_file %s is set but username is empty",
			  c->mqtt.password_file);
		return -1;
	}
	if (c->mqtt.username[0]) {
		pw[0] = '\0';
		if (c->mqtt.password_file[0] &&
		    mqtt_read_password(c->mqtt.password_file, pw, sizeof(pw)))
			return -1;
		rc = mosquitto_username_pw_set(m->mosq, c->mqtt.username,
					       c->mqtt.password_file[0] ? pw
									: NULL);
		memset(pw, 0, sizeof(pw));
		if (rc) {
			log_warnx("mqtt: username: %s", mosquitto_strerror(rc));
			return -1;
		}
	}

	if ((c->mqtt.certfile[0] || c->mqtt.keyfile[0]) && !c->mqtt.cafile[0]) {
		log_warnx("mqtt: certfile/keyfile need cafile: the broker's "
			  "certificate must be verified");
		return -1;
	}
	if (c->mqtt.cafile[0]) {
		rc = mosquitto_tls_set(
		    m->mosq, c->mqtt.cafile, NULL,
		    c->mqtt.certfile[0] ? c->mqtt.certfile : NULL,
		    c->mqtt.keyfile[0] ? c->mqtt.keyfile : NULL, NULL);
		if (rc) {
			log_warnx(
			    "mqtt: TLS files (cafile %s, certfile %s, keyfile "
			    "%s): %s",
			    c->mqtt.cafile,
			    c->mqtt.certfile[0] ? c->mqtt.certfile : "-",
			    c->mqtt.keyfile[0] ? c->mqtt.keyfile : "-",
			    rc == MOSQ_ERR_INVAL
				? "cannot be read, or a certificate without "
				  "its key"
				: mosquitto_strerror(rc));
			return -1;
		}
		/* 1 = SSL_VERIFY_PEER: an unverifiable broker is refused */
		mosquitto_tls_opts_set(m->mosq, 1, NULL, NULL);
		mosquitto_tls_insecure_set(m->mosq, false);
	}

	rc = mosquitto_will_set(m->mosq, m->t_avail, 7, "offline", 1, true);
	if (rc) {
		log_warnx("mqtt: will on %s: %s", m->t_avail,
			  mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

int mqtt_init(struct agent *a)
{
	const struct config *c = &a->cfg;
	struct mqtt *m;
	size_t cap;

	a->mqtt = NULL;
	if (!c->mqtt.enabled)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m) {
		log_warnx("mqtt: out of memory");
		return -1;
	}
	a->mqtt = m;
	mosquitto_lib_init();
	mqtt_topic(m->t_avail, c, "availability");
	mqtt_topic(m->t_state, c, "state");
	mqtt_topic(m->t_tel, c, "telemetry");
	mqtt_topic(m->t_fan, c, "fan/set");
	mqtt_topic(m->t_led, c, "led/set");
	snprintf(m->t_ha, sizeof(m->t_ha), "%s/status",
		 c->mqtt.discovery_prefix);
	snprintf(m->where, sizeof(m->where), "%s:%d", c->mqtt.host,
		 c->mqtt.port);
	/* /proc/device-tree is a link to <sysfs>/firmware/devicetree/base */
	snprintf(m->model_path, sizeof(m->model_path),
		 "%s/firmware/devicetree/base/model", c->thermal.sysfs_root);
	cap = (size_t)MQTT_QUEUE_S * 1000 /
	      (size_t)(c->thermal.interval_ms > 0 ? c->thermal.interval_ms
						  : 1000);
	telq_init(&m->q, cap ? cap : 1, MQTT_QUEUE_BYTES);
	if (mqtt_setup(a)) {
		mqtt_shutdown(a);
		return -1;
	}
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->link = MQTT_DOWN;
	m->retry_at_ms = agent_now_ms(); /* connect at the first service */
	return 0;
}

/* Leaves the connection for good or for now: log, then back off. */
static void mqtt_lost(struct agent *a, const char *why)
{
	struct mqtt *m = a->mqtt;
	bool was_up = m->link == MQTT_UP;
	char extra[300] = "";

	if (m->link == MQTT_DOWN)
		return;
	/*
	 * The delay starts over only after a connection that lasted: one the
	 * broker keeps closing (a client id taken twice, an ACL) backs off.
	 */
	if (was_up && agent_now_ms() - m->up_since_ms >= MQTT_STABLE_MS)
		m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->link = MQTT_DOWN;
	m->just_connected = false;
	if (m->lib_err[0])
		snprintf(extra, sizeof(extra), " (%s)", m->lib_err);
	log_warnx("mqtt: %s broker %s: %s%s; retrying in %u.%u s",
		  was_up ? "lost the connection to" : "cannot connect to",
		  m->where, why, extra, m->backoff_ms / 1000,
		  m->backoff_ms % 1000 / 100);
	m->lib_err[0] = '\0';
	m->retry_at_ms = agent_now_ms() + m->backoff_ms;
	m->backoff_ms = m->backoff_ms * 2 > MQTT_BACKOFF_MAX_MS
			    ? MQTT_BACKOFF_MAX_MS
			    : m->backoff_ms * 2;
}

/* Why a libmosquitto call failed, in words a person can act on. */
static const char *mqtt_why(struct mqtt *m, int rc, int err)
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

static void mqtt_try_connect(struct agent *a)
{
	const struct config *c = &a->cfg;
	struct mqtt *m = a->mqtt;
	int keepalive = c->mqtt.keepalive_s < 5 ? 5 : c->mqtt.keepalive_s;
	int rc, err;

	m->link = MQTT_CONNECTING;
	m->deadline_ms = agent_now_ms() + MQTT_CONNECT_TIMEOUT_MS;
	m->refused = 0;
	m->lib_err[0] = '\0';
	/*
	 * Without TLS libmosquitto gets the address the child found, and its
	 * own getaddrinfo only parses it. With TLS it must get the name: it
	 * checks the certificate against the very string it connects to
	 * (mosq->host, libmosquitto 2.0 has no separate option), so an IP
	 * would fail verification. Its lookup then follows ours at once and is
	 * normally answered from the resolver's cache or a DNS server that
	 * just answered; if the DNS server dies in between, this call blocks
	 * for the resolver's timeout (pirack-mqtt(7), BUGS). connect_async
	 * each time, not reconnect_async, so a changed address is used.
	 */
	errno = 0;
	rc = mosquitto_connect_async(m->mosq,
				     c->mqtt.cafile[0] || !m->addr[0]
					 ? c->mqtt.host
					 : m->addr,
				     c->mqtt.port, keepalive);
	err = errno;
	if (rc != MOSQ_ERR_SUCCESS)
		mqtt_lost(a, mqtt_why(m, rc, err));
}

/* A broker named by host name is looked up first, off the loop. */
static void mqtt_try_resolve(struct agent *a)
{
	struct mqtt *m = a->mqtt;
	char err[128], why[160];

	if (resolve_is_numeric(a->cfg.mqtt.host)) {
		snprintf(m->addr, sizeof(m->addr), "%s", a->cfg.mqtt.host);
		mqtt_try_connect(a);
		return;
	}
	m->link = MQTT_RESOLVING;
	m->deadline_ms = agent_now_ms() + MQTT_RESOLVE_TIMEOUT_MS;
	m->res = resolve_start(a->cfg.mqtt.host, err, sizeof(err));
	if (!m->res) {
		snprintf(why, sizeof(why), "host name lookup failed: %s", err);
		mqtt_lost(a, why);
	}
}

static void mqtt_poll_resolve(struct agent *a)
{
	struct mqtt *m = a->mqtt;
	char err[128], why[160];
	int rc = resolve_poll(m->res, err, sizeof(err));

	if (rc > 0)
		snprintf(m->addr, sizeof(m->addr), "%s", resolve_addr(m->res));

	if (rc == 0 && agent_now_ms() >= m->deadline_ms) {
		snprintf(err, sizeof(err), "no answer within %d s",
			 MQTT_RESOLVE_TIMEOUT_MS / 1000);
		rc = -1;
	}
	if (rc == 0)
		return;
	resolve_free(m->res);
	m->res = NULL;
	if (rc > 0) {
		mqtt_try_connect(a);
		return;
	}
	snprintf(why, sizeof(why), "host name lookup failed: %s", err);
	mqtt_lost(a, why);
}

/* Telemetry from the queue into the window, oldest first. */
static void mqtt_drain(struct agent *a)
{
	struct mqtt *m = a->mqtt;
	const struct telq_item *it;

	while (m->link == MQTT_UP && m->nmids < MQTT_WINDOW &&
	       (it = telq_peek(&m->q))) {
		int mid, rc;

		rc = mosquitto_publish(m->mosq, &mid, m->t_tel,
				       (int)it->len, it->payload, 1,
				       false);
		switch (rc) {
		case MOSQ_ERR_SUCCESS:
		case MOSQ_ERR_NO_CONN:
		case MOSQ_ERR_CONN_LOST:
		case MOSQ_ERR_ERRNO:
			/*
			 * Stored by libmosquitto even when sending failed: it
			 * resends it after the reconnect, so it leaves our
			 * queue now or it would go out twice.
			 */
			m->mids[m->nmids++] = mid;
			telq_pop(&m->q);
			if (rc != MOSQ_ERR_SUCCESS)
				return;
			break;
		case MOSQ_ERR_NOMEM:
			return; /* stays queued; try again later */
		default:
			log_warnx("mqtt: telemetry seq %llu dropped: %s",
				  (unsigned long long)it->seq,
				  mosquitto_strerror(rc));
			telq_pop(&m->q);
			m->q.dropped++;
			break;
		}
	}
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
	mqtt_publish_discovery_one(ctx, topic, payload);
	return 0;
}

static void mqtt_discovery(struct agent *a)
{
	struct mqtt *m = a->mqtt;

	/* zone sensors come with the first good sample: sent again then */
	m->discovery_due = false;
	m->disc_nzones = a->have_sample ? a->sample.nzones : 0;
	if (discovery_build(a, m->model_path, mqtt_emit, m) < 0)
		log_warnx("mqtt: cannot build the discovery payloads");
}

/*
 * Just connected. Runs after loop_read has returned, so libmosquitto has
 * already requeued the telemetry left unacknowledged by the last
 * connection: what we queue now goes after it and the order holds.
 */
static void mqtt_greet(struct agent *a)
{
	struct mqtt *m = a->mqtt;
	struct mosquitto *mq = m->mosq;
	int rc;

	m->just_connected = false;
	log_info("mqtt: connected to broker %s", m->where);
	if (m->q.dropped > m->dropped_logged) {
		log_warnx(
		    "mqtt: %llu telemetry samples were dropped while the "
		    "broker was away (queue holds %zu samples, %zu KiB)",
		    (unsigned long long)(m->q.dropped - m->dropped_logged),
		    m->q.max_items, m->q.max_bytes >> 10);
		m->dropped_logged = m->q.dropped;
	}
	/* QoS 0: a command never waits in the broker for an absent node */
	rc = mosquitto_subscribe(mq, NULL, m->t_fan, 0);
	if (!rc)
		rc = mosquitto_subscribe(mq, NULL, m->t_led, 0);
	if (!rc)
		rc = mosquitto_subscribe(mq, NULL, m->t_ha, 0);
	if (rc)
		log_warnx("mqtt: subscribe: %s", mosquitto_strerror(rc));
	mosquitto_publish(mq, NULL, m->t_avail, 6, "online", 1, true);
	m->discovery_due = true;
	mqtt_discovery(a);
	if (a->have_sample)
		mqtt_publish_state(a, false);
}

int mqtt_pollfd(struct agent *a, struct pollfd *pfd)
{
	struct mqtt *m = a->mqtt;
	int fd;

	if (!m || m->link == MQTT_DOWN)
		return 0;
	if (m->link == MQTT_RESOLVING) {
		*pfd = (struct pollfd){resolve_fd(m->res), POLLIN, 0};
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

int mqtt_timeout_ms(struct agent *a)
{
	struct mqtt *m = a->mqtt;
	uint64_t now, t;

	if (!m)
		return -1;
	now = agent_now_ms();
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
		t = now + (uint64_t)a->cfg.mqtt.keepalive_s * 1000 / 4;
		break;
	}
	return t <= now ? 0 : (int)(t - now);
}

void mqtt_service(struct agent *a, short revents)
{
	struct mqtt *m = a->mqtt;
	int rc = MOSQ_ERR_SUCCESS, err = 0;

	if (!m)
		return;
	if (m->link == MQTT_DOWN) {
		if (agent_now_ms() >= m->retry_at_ms)
			mqtt_try_resolve(a);
		return;
	}
	if (m->link == MQTT_RESOLVING) {
		mqtt_poll_resolve(a);
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
			mqtt_lost(a, strerror(err));
			return;
		}
		if (revents & POLLHUP) {
			mqtt_lost(a, "connection refused or closed before "
				     "the handshake");
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
		mqtt_lost(a, mqtt_why(m, rc, err));
		return;
	}
	if (m->link == MQTT_CONNECTING && agent_now_ms() >= m->deadline_ms) {
		mqtt_lost(a, "no answer from the broker within 10 s");
		return;
	}
	if (m->just_connected)
		mqtt_greet(a);
	if (m->link == MQTT_UP) {
		if (m->discovery_due)
			mqtt_discovery(a);
		mqtt_drain(a);
	}
}

void mqtt_publish_state(struct agent *a, bool telemetry)
{
	struct mqtt *m = a->mqtt;
	cJSON *st, *seq;
	char *json;

	if (!m)
		return;
	st = report_state(a);
	if (!st)
		return;
	json = cJSON_PrintUnformatted(st);
	seq = cJSON_GetObjectItemCaseSensitive(st, "seq");
	if (json && m->link == MQTT_UP)
		mosquitto_publish(m->mosq, NULL, m->t_state, (int)strlen(json),
				  json, 0, true);
	if (json && telemetry) {
		telq_push(&m->q,
			  cJSON_IsNumber(seq) ? (uint64_t)seq->valuedouble
					      : a->seq,
			  json);
		json = NULL; /* the queue owns it now */
		mqtt_drain(a);
	}
	cJSON_free(json);
	cJSON_Delete(st);
	/* the first good sample brings the zones to announce */
	if (m->link == MQTT_UP &&
	    (m->discovery_due ||
	     (a->have_sample && a->sample.nzones != m->disc_nzones)))
		mqtt_discovery(a);
}

bool mqtt_connected(const struct agent *a)
{
	/* no broker configured: nothing to show as down */
	return !a->mqtt || a->mqtt->link == MQTT_UP;
}

void mqtt_shutdown(struct agent *a)
{
	struct mqtt *m = a->mqtt;

	if (!m)
		return;
	if (m->mosq && m->link == MQTT_UP) {
		uint64_t end = agent_now_ms() + MQTT_SHUTDOWN_MS;
		struct pollfd pfd;

		m->link = MQTT_DOWN; /* leaving: no reconnect, no log */
		/* "offline" before DISCONNECT, which suppresses the will */
		mosquitto_publish(m->mosq, NULL, m->t_avail, 7, "offline", 1,
				  true);
		mosquitto_disconnect(m->mosq);
		while (mosquitto_want_write(m->mosq) && agent_now_ms() < end) {
			pfd.fd = mosquitto_socket(m->mosq);
			if (pfd.fd < 0)
				break;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 100) > 0 &&
			    mosquitto_loop_write(m->mosq, 1))
				break;
		}
	}
	resolve_free(m->res);
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	mosquitto_lib_cleanup();
	telq_free(&m->q);
	free(m);
	a->mqtt = NULL;
}
