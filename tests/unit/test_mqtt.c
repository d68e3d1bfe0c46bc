/*
 * test_mqtt.c: agent/mqtt.c against a real mosquitto on a free loopback
 * port (started by the group setup): greeting, retained state, commands
 * through the hooks, Home Assistant's birth, telemetry order, "offline" at
 * close, and a reconnect after the broker restarts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <mosquitto.h>
#include "agent/mqtt.h"
#include "fixture.h"
#include "lib/clock.h"

#define WAIT_MS 10000 /* a deadline, not a delay: conditions end waits */

static char dir[FIXTURE_PATH_MAX];
static int port;
static pid_t broker;

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static bool port_open(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void broker_start(void)
{
	char conf[FIXTURE_PATH_MAX + 16];
	uint64_t end = clock_ms() + WAIT_MS;

	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", dir);
	broker = fork();
	assert_true(broker >= 0);
	if (broker == 0) {
		execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf,
		      (char *)NULL);
		perror("test_mqtt: /usr/sbin/mosquitto (deploy/deps.sh)");
		_exit(127);
	}
	while (!port_open()) {
		assert_true(clock_ms() < end);
		assert_int_equal(waitpid(broker, NULL, WNOHANG), 0);
		poll(NULL, 0, 10);
	}
}

static void broker_stop(void)
{
	if (broker > 0) {
		kill(broker, SIGTERM);
		waitpid(broker, NULL, 0);
	}
	broker = 0;
}

static int group_setup(void **state)
{
	char text[128];

	(void)state;
	if (fixture_mkdtemp(dir, sizeof(dir), "mqtt") < 0)
		return -1;
	port = free_port();
	snprintf(text, sizeof(text),
		 "listener %d 127.0.0.1\nallow_anonymous true\n"
		 "persistence false\nlog_type error\nlog_type warning\n",
		 port);
	fixture_put(dir, "mosquitto.conf", text);
	mosquitto_lib_init();
	broker_start();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	broker_stop();
	mosquitto_lib_cleanup();
	return fixture_rm(dir);
}

/* What the hooks saw. */
struct owner {
	int commands, discoveries;
	enum mqtt_cmd which;
	char word[32];
	const char *node; /* for the discovery message it emits */
	int extra;	  /* entities besides temp: sensor/<node>/eN */
};

static int hook_command(void *ctx, enum mqtt_cmd which, const char *word,
			char *err, size_t errlen)
{
	struct owner *o = ctx;

	o->commands++;
	o->which = which;
	snprintf(o->word, sizeof(o->word), "%s", word);
	snprintf(err, errlen, "refused by the test");
	return strcasecmp(word, "off") ? 0 : -1;
}

static int hook_discovery(void *ctx, discovery_emit_fn emit, void *ectx)
{
	struct owner *o = ctx;
	char topic[128];

	o->discoveries++;
	snprintf(topic, sizeof(topic), "homeassistant/sensor/%s/temp/config",
		 o->node);
	if (emit(ectx, topic, "{\"name\":\"Temperature\"}"))
		return -1;
	for (int i = 0; i < o->extra; i++) {
		snprintf(topic, sizeof(topic),
			 "homeassistant/sensor/%s/e%d/config", o->node, i);
		if (emit(ectx, topic, "{\"name\":\"Extra\"}"))
			return -1;
	}
	return 1 + o->extra;
}

/* Everything the watching client received, in order. */
struct watch {
	struct mosquitto *mosq;
	size_t n;
	struct {
		char topic[128];
		char payload[256];
		bool retain;
	} msg[64];
};

static void watch_on_message(struct mosquitto *mosq, void *obj,
			     const struct mosquitto_message *m)
{
	struct watch *w = obj;

	(void)mosq;
	if (w->n == sizeof(w->msg) / sizeof(w->msg[0]))
		return;
	snprintf(w->msg[w->n].topic, sizeof(w->msg[0].topic), "%s", m->topic);
	snprintf(w->msg[w->n].payload, sizeof(w->msg[0].payload), "%.*s",
		 m->payloadlen, (const char *)m->payload);
	w->msg[w->n].retain = m->retain;
	w->n++;
}

/* A client subscribed to sub (connected, SUBACK not awaited: see pump). */
static void watch_open(struct watch *w, const char *sub)
{
	memset(w, 0, sizeof(*w));
	w->mosq = mosquitto_new(NULL, true, w);
	assert_non_null(w->mosq);
	mosquitto_message_callback_set(w->mosq, watch_on_message);
	assert_int_equal(mosquitto_connect(w->mosq, "127.0.0.1", port, 30),
			 MOSQ_ERR_SUCCESS);
	assert_int_equal(mosquitto_subscribe(w->mosq, NULL, sub, 1),
			 MOSQ_ERR_SUCCESS);
}

static void watch_close(struct watch *w)
{
	mosquitto_disconnect(w->mosq);
	mosquitto_destroy(w->mosq);
}

/* The last payload on topic, or NULL. */
static const char *watch_last(const struct watch *w, const char *topic)
{
	for (size_t i = w->n; i-- > 0;)
		if (!strcmp(w->msg[i].topic, topic))
			return w->msg[i].payload;
	return NULL;
}

static size_t watch_count(const struct watch *w, const char *topic)
{
	size_t k = 0;

	for (size_t i = 0; i < w->n; i++)
		k += !strcmp(w->msg[i].topic, topic);
	return k;
}

typedef bool (*cond_fn)(const void *arg);

/*
 * Runs the client under test as the agent's loop would (poll its socket
 * with its timeout, then mqtt_service) and the watcher beside it, until
 * cond holds or WAIT_MS pass.
 */
static bool pump_ms(struct mqtt *m, struct watch *w, cond_fn cond,
		    const void *arg, int ms)
{
	uint64_t end = clock_ms() + (uint64_t)ms;

	while (!cond(arg)) {
		struct pollfd p = { .fd = -1 };
		int n = m ? mqtt_pollfd(m, &p) : 0;
		int t = m ? mqtt_timeout_ms(m) : 10;

		if (clock_ms() >= end)
			return false;
		if (t < 0 || t > 10)
			t = 10;
		if (poll(&p, (nfds_t)n, t) < 0)
			return false;
		if (m)
			mqtt_service(m, n ? p.revents : 0);
		if (w)
			mosquitto_loop(w->mosq, 0, 1);
	}
	return true;
}

static bool pump(struct mqtt *m, struct watch *w, cond_fn cond, const void *arg)
{
	return pump_ms(m, w, cond, arg, WAIT_MS);
}

struct seen {
	const struct watch *w;
	const char *topic, *payload;
};

static bool cond_seen(const void *arg)
{
	const struct seen *s = arg;
	const char *p = watch_last(s->w, s->topic);

	return p && (!s->payload || !strcmp(p, s->payload));
}

static bool cond_up(const void *arg)
{
	return mqtt_connected(arg);
}

static bool cond_down(const void *arg)
{
	return !mqtt_connected(arg);
}

static bool cond_int(const void *arg)
{
	return *(const int *)arg > 0;
}

/* A client for node; config as pirackd's defaults, our broker. */
static struct mqtt *client_open(const char *node, struct owner *o)
{
	struct config c;
	struct mqtt_hooks h = { .ctx = o,
				.command = hook_command,
				.discovery = hook_discovery };

	config_defaults(&c);
	c.mqtt.enabled = true;
	strcpy(c.mqtt.host, "127.0.0.1");
	c.mqtt.port = port;
	snprintf(c.node.name, sizeof(c.node.name), "%s", node);
	snprintf(c.mqtt.client_id, sizeof(c.mqtt.client_id), "t-%s-%d", node,
		 (int)getpid());
	memset(o, 0, sizeof(*o));
	o->node = node;
	return mqtt_open(&c, &h);
}

struct kept {
	const struct watch *w;
	const char *payload;
};

static bool cond_kept(const void *arg)
{
	const struct kept *k = arg;

	return k->w->n && k->w->msg[0].retain &&
	       !strcmp(k->w->msg[0].payload, k->payload);
}

/*
 * Is want the retained payload on topic, as a new subscriber gets it? m
 * (if any) is serviced meanwhile: what it queued may still be on its way
 * to the broker, so a stale answer is asked again until the deadline.
 */
static bool retained(struct mqtt *m, const char *topic, const char *want)
{
	uint64_t end = clock_ms() + WAIT_MS;
	bool ok = false;

	while (!ok && clock_ms() < end) {
		struct watch w;
		struct kept k = { &w, want };

		watch_open(&w, topic);
		ok = pump_ms(m, &w, cond_kept, &k, 500);
		watch_close(&w);
	}
	return ok;
}

static void test_greeting(void **state)
{
	struct owner o;
	struct watch w;
	struct mqtt *m;
	struct seen s;

	(void)state;
	watch_open(&w, "#");
	m = client_open("g1", &o);
	assert_non_null(m);
	assert_false(mqtt_connected(m));
	/* before the connection: kept, and published at the greeting */
	mqtt_publish_state(m, "{\"seq\":1}", 1, false);
	s = (struct seen){ &w, "pirack/g1/state", "{\"seq\":1}" };
	assert_true(pump(m, &w, cond_seen, &s));
	assert_true(mqtt_connected(m));
	assert_string_equal(watch_last(&w, "pirack/g1/availability"), "online");
	assert_int_equal(o.discoveries, 1);
	assert_non_null(watch_last(&w, "homeassistant/sensor/g1/temp/config"));

	assert_true(retained(m, "pirack/g1/state", "{\"seq\":1}"));
	assert_true(retained(m, "pirack/g1/availability", "online"));

	/* "offline" goes out before the DISCONNECT that drops the will */
	mqtt_close(m);
	assert_true(retained(NULL, "pirack/g1/availability", "offline"));
	watch_close(&w);
}

static void test_commands(void **state)
{
	struct owner o;
	struct watch w;
	struct mqtt *m;
	struct seen s;

	(void)state;
	watch_open(&w, "pirack/c1/#");
	/* a retained command waiting for the node is never acted on */
	assert_int_equal(mosquitto_publish(w.mosq, NULL, "pirack/c1/fan/set", 2,
					   "ON", 1, true),
			 MOSQ_ERR_SUCCESS);
	s = (struct seen){ &w, "pirack/c1/fan/set", "ON" };
	assert_true(pump(NULL, &w, cond_seen, &s)); /* the broker has it */
	m = client_open("c1", &o);
	s = (struct seen){ &w, "pirack/c1/availability", "online" };
	assert_true(pump(m, &w, cond_seen, &s));

	assert_int_equal(mosquitto_publish(w.mosq, NULL, "pirack/c1/led/set", 8,
					   "IDENTIFY", 0, false),
			 MOSQ_ERR_SUCCESS);
	assert_true(pump(m, &w, cond_int, &o.commands));
	assert_int_equal(o.commands, 1);
	assert_int_equal(o.which, MQTT_CMD_LED);
	assert_string_equal(o.word, "IDENTIFY");

	/* not a word: refused before the hook */
	mosquitto_publish(w.mosq, NULL, "pirack/c1/fan/set", 7, "rm -rf!", 0,
			  false);
	mosquitto_publish(w.mosq, NULL, "pirack/c1/fan/set", 3, "off", 0,
			  false);
	o.commands = 0;
	assert_true(pump(m, &w, cond_int, &o.commands));
	assert_int_equal(o.which, MQTT_CMD_FAN);
	assert_string_equal(o.word, "off"); /* refused by the hook: logged */
	assert_true(mqtt_connected(m));

	mosquitto_publish(w.mosq, NULL, "pirack/c1/fan/set", 0, NULL, 1, true);
	mqtt_close(m);
	watch_close(&w);
}

static void test_birth_and_rediscover(void **state)
{
	struct owner o;
	struct watch w;
	struct mqtt *m;
	struct seen s;

	(void)state;
	watch_open(&w, "#");
	m = client_open("b1", &o);
	s = (struct seen){ &w, "pirack/b1/availability", "online" };
	assert_true(pump(m, &w, cond_seen, &s));
	assert_int_equal(o.discoveries, 1);

	/* Home Assistant restarted: it needs the entities again */
	o.discoveries = 0;
	mosquitto_publish(w.mosq, NULL, "homeassistant/status", 6, "online", 0,
			  false);
	assert_true(pump(m, &w, cond_int, &o.discoveries));
	assert_int_equal(o.discoveries, 1);

	/* what discovery is built from changed: sent at once while up */
	o.discoveries = 0;
	mqtt_rediscover(m);
	assert_int_equal(o.discoveries, 1);
	mqtt_close(m);
	watch_close(&w);
}

struct count {
	const struct watch *w;
	const char *topic;
	size_t n;
};

static bool cond_count(const void *arg)
{
	const struct count *c = arg;

	return watch_count(c->w, c->topic) >= c->n;
}

static void test_telemetry_in_order(void **state)
{
	struct owner o;
	struct watch w;
	struct mqtt *m;
	struct count c;
	char json[32];
	size_t k = 0;

	(void)state;
	watch_open(&w, "pirack/t1/telemetry");
	m = client_open("t1", &o);
	/* queued while not connected, sent oldest first once up */
	for (int seq = 1; seq <= 5; seq++) {
		snprintf(json, sizeof(json), "{\"seq\":%d}", seq);
		mqtt_publish_state(m, json, (uint64_t)seq, true);
	}
	c = (struct count){ &w, "pirack/t1/telemetry", 5 };
	assert_true(pump(m, &w, cond_count, &c));
	for (size_t i = 0; i < w.n; i++) {
		snprintf(json, sizeof(json), "{\"seq\":%zu}", ++k);
		assert_string_equal(w.msg[i].payload, json);
	}
	assert_int_equal(k, 5);
	mqtt_close(m);
	watch_close(&w);
}

static void test_broker_restart(void **state)
{
	struct owner o;
	struct mqtt *m;

	(void)state;
	m = client_open("r1", &o);
	mqtt_publish_state(m, "{\"seq\":7}", 7, false);
	assert_true(pump(m, NULL, cond_up, m));
	assert_int_equal(o.discoveries, 1);

	broker_stop();
	assert_true(pump(m, NULL, cond_down, m));
	broker_start();
	/* back with the same greeting: online, discovery, the last state */
	assert_true(pump(m, NULL, cond_up, m));
	assert_int_equal(o.discoveries, 2);
	assert_true(retained(m, "pirack/r1/availability", "online"));
	assert_true(retained(m, "pirack/r1/state", "{\"seq\":7}"));
	mqtt_close(m);
}

static void test_entities_follow(void **state)
{
	const char *e0 = "homeassistant/sensor/e1/e0/config";
	const char *e1 = "homeassistant/sensor/e1/e1/config";
	const char *stray = "homeassistant/switch/e1/old/config";
	const char *other = "homeassistant/sensor/e10/e0/config";
	struct owner o;
	struct watch w;
	struct mqtt *m;
	struct seen s;

	(void)state;
	watch_open(&w, "homeassistant/#");
	/* left by an earlier run, and another node's */
	mosquitto_publish(w.mosq, NULL, stray, 2, "{}", 1, true);
	mosquitto_publish(w.mosq, NULL, other, 2, "{}", 1, true);
	s = (struct seen){ &w, other, "{}" };
	assert_true(pump(NULL, &w, cond_seen, &s));

	m = client_open("e1", &o);
	o.extra = 2;
	/* at connect: the earlier run's entity is cleared */
	s = (struct seen){ &w, stray, "" };
	assert_true(pump(m, &w, cond_seen, &s));
	assert_true(retained(m, e0, "{\"name\":\"Extra\"}"));
	assert_true(retained(m, e1, "{\"name\":\"Extra\"}"));

	/* one entity fewer: it goes, the rest stay */
	o.extra = 1;
	mqtt_rediscover(m);
	s = (struct seen){ &w, e1, "" };
	assert_true(pump(m, &w, cond_seen, &s));
	assert_true(retained(m, e0, "{\"name\":\"Extra\"}"));
	assert_true(retained(m, other, "{}"));

	/* retracted (a rename): all of them go, flushed by close */
	mqtt_retract(m);
	mqtt_close(m);
	s = (struct seen){ &w, e0, "" };
	assert_true(pump(NULL, &w, cond_seen, &s));
	assert_true(retained(NULL, other, "{}"));
	mosquitto_publish(w.mosq, NULL, other, 0, NULL, 1, true);
	watch_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_birth_and_rediscover),
		cmocka_unit_test(test_telemetry_in_order),
		cmocka_unit_test(test_broker_restart),
		cmocka_unit_test(test_entities_follow),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
