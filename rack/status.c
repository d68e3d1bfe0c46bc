/* status.c: pirack status: every node's state from the MQTT broker. */
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agentconf.h"
#include "pirack.h"
#include "status_render.h"

const char status_usage[] =
    "Usage: pirack status [--watch] [--json] [--timeout SEC]\n"
    "                     [--broker HOST] [--port N]\n"
    "Prints one row per node of the rack from the MQTT broker: state\n"
    "(online, offline, stale when the last sample is older than three\n"
    "sample periods, unknown when never heard of), temperature, fan, LED,\n"
    "pace, throttle flags (under-voltage in red on a terminal; 'was:'\n"
    "marks flags seen since boot but not now) and the sample's age.\n"
    "\n"
    "  -w, --watch        keep running, redraw every second (in place on\n"
    "                     a terminal); Ctrl-C ends\n"
    "  -j, --json         a JSON array of rows, each with the node's last\n"
    "                     state object, instead of the table\n"
    "  -t, --timeout SEC  wait at most SEC for the retained messages\n"
    "                     (default 2; ends early once every node reported)\n"
    "  -b, --broker HOST  the broker (default: the rack's)\n"
    "  -p, --port N       its port (default: the rack's mqtt_port, 1883)\n"
    "  -u, --username U   log in as U (default: the rack's status_username,\n"
    "                     pirack)\n"
    "  -P, --password-file FILE  the password, on FILE's first line\n"
    "                     (default: the rack's status_password_file; none:\n"
    "                     no login)\n"
    "\n"
    "Exit status without --watch: 0 when every node is online and fresh,\n"
    "1 otherwise or when the broker cannot be reached.\n";

struct status {
	struct status_row *rows;
	size_t nrows;
	const char *prefix;
	bool json, watch, tty, color;
	bool connected;
	int connack; /* -1 = none yet */
	unsigned long bad_payloads;
};

/* The one thing a signal handler needs: set on SIGINT/SIGTERM. */
static volatile sig_atomic_t status_stop;

static void status_on_signal(int sig)
{
	(void)sig;
	status_stop = 1;
}

static double status_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct status_row *status_row(struct status *st, const char *name,
				     size_t len)
{
	for (size_t i = 0; i < st->nrows; i++)
		if (strlen(st->rows[i].node->name) == len &&
		    strncasecmp(st->rows[i].node->name, name, len) == 0)
			return &st->rows[i];
	return NULL;
}

static void status_on_message(struct mosquitto *m, void *obj,
			      const struct mosquitto_message *msg)
{
	struct status *st = obj;
	size_t plen = strlen(st->prefix);
	const char *node, *slash;
	struct status_row *row;
	cJSON *json;

	(void)m;
	if (strncmp(msg->topic, st->prefix, plen) != 0 ||
	    msg->topic[plen] != '/')
		return;
	node = msg->topic + plen + 1;
	slash = strchr(node, '/');
	if (!slash)
		return;
	row = status_row(st, node, (size_t)(slash - node));
	if (!row)
		return; /* not in this rack */
	if (strcmp(slash, "/availability") == 0) {
		snprintf(row->avail, sizeof(row->avail), "%.*s",
			 msg->payloadlen, (const char *)msg->payload);
	} else if (strcmp(slash, "/state") == 0) {
		json = cJSON_ParseWithLength(msg->payload,
					     (size_t)msg->payloadlen);
		if (!cJSON_IsObject(json)) {
			st->bad_payloads++; /* keep the last good one */
			cJSON_Delete(json);
			return;
		}
		cJSON_Delete(row->state);
		row->state = json;
	}
}

static void status_on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct status *st = obj;
	char topic[INV_NAME_MAX + 32];

	st->connack = rc;
	if (rc != 0)
		return;
	st->connected = true;
	snprintf(topic, sizeof(topic), "%s/+/state", st->prefix);
	mosquitto_subscribe(m, NULL, topic, 0);
	snprintf(topic, sizeof(topic), "%s/+/availability", st->prefix);
	mosquitto_subscribe(m, NULL, topic, 0);
}

static void status_on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct status *st = obj;

	(void)m;
	(void)rc;
	st->connected = false;
}

static bool status_complete(const struct status *st)
{
	for (size_t i = 0; i < st->nrows; i++)
		if (!st->rows[i].state || !st->rows[i].avail[0])
			return false;
	return true;
}

static void status_print(struct status *st)
{
	double now = status_now();

	if (st->watch && st->tty)
		fputs("\033[H\033[J", stdout); /* redraw in place */
	if (st->json)
		status_render_json(st->rows, st->nrows, stdout, now);
	else
		status_render_table(st->rows, st->nrows, st->color, stdout,
				    now);
	if (st->watch && !st->connected)
		printf("(broker disconnected, reconnecting)\n");
	else if (st->watch && !st->tty)
		putchar('\n');
	fflush(stdout);
}

/*
 * Logs in as USER with the password on the first line of PWFILE (never
 * from the command line) when PWFILE is given; TLS as the nodes do.
 */
static int status_connect(struct mosquitto *m, const struct config *c,
			  const char *user, const char *pwfile,
			  const char *host, int port)
{
	char pw[256] = "";
	FILE *f;
	int rc;

	if (pwfile && *pwfile) {
		f = fopen(pwfile, "r");
		if (!f) {
			fprintf(stderr, "pirack status: password file %s: %s\n",
				pwfile, strerror(errno));
			return -1;
		}
		if (!fgets(pw, sizeof(pw), f))
			pw[0] = '\0';
		fclose(f);
		pw[strcspn(pw, "\r\n")] = '\0';
		mosquitto_username_pw_set(m, user, pw);
		memset(pw, 0, sizeof(pw));
	}
	if (c->mqtt.cafile[0] &&
	    (rc = mosquitto_tls_set(
		 m, c->mqtt.cafile, NULL,
		 c->mqtt.certfile[0] ? c->mqtt.certfile : NULL,
		 c->mqtt.keyfile[0] ? c->mqtt.keyfile : NULL, NULL)) !=
		MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "pirack status: TLS setup (cafile %s): %s\n",
			c->mqtt.cafile, mosquitto_strerror(rc));
		return -1;
	}
	rc = mosquitto_connect(m, host, port, 30);
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "pirack status: broker %s:%d: %s\n", host, port,
			rc == MOSQ_ERR_ERRNO ? strerror(errno)
					     : mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

/* Runs the client until the deadline (or a signal, in watch mode). */
static int status_run(struct status *st, struct mosquitto *m, const char *host,
		      int port, double timeout_s)
{
	double start = status_now(), next_draw = start;
	int rc;

	while (!status_stop) {
		rc = mosquitto_loop(m, 100, 1);
		if (st->connack > 0) {
			fprintf(stderr,
				"pirack status: broker %s:%d refused "
				"the connection: %s\n",
				host, port,
				mosquitto_connack_string(st->connack));
			return -1;
		}
		if (rc != MOSQ_ERR_SUCCESS) {
			if (!st->watch) {
				fprintf(stderr,
					"pirack status: broker %s:%d: "
					"%s\n",
					host, port,
					rc == MOSQ_ERR_ERRNO
					    ? strerror(errno)
					    : mosquitto_strerror(rc));
				return -1;
			}
			st->connected = false;
			usleep(500 * 1000); /* watch: retry, slowly */
			mosquitto_reconnect(m);
		}
		if (!st->watch) {
			/* a moment after the last retained message */
			if (st->connected && status_complete(st))
				return 0;
			if (status_now() - start >= timeout_s)
				return 0;
		} else if (status_now() >= next_draw) {
			status_print(st);
			next_draw += 1.0;
		}
	}
	return 0;
}

int status_main(struct rack *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "broker", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "username", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct status st = { .connack = -1 };
	const char *host = NULL, *user = NULL, *pwfile = NULL;
	double timeout_s = 2;
	struct mosquitto *m = NULL;
	struct config c;
	char err[600], id[64], *end;
	int port = 0, ch, rc = RACK_EXIT_FAIL;
	bool all_ok = true;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+wjt:b:p:u:P:h", opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'w':
			st.watch = true;
			break;
		case 'j':
			st.json = true;
			break;
		case 't':
			timeout_s = strtod(optarg, &end);
			if (*end || !(timeout_s > 0 && timeout_s <= 3600)) {
				fprintf(stderr,
					"pirack status: --timeout '%s' "
					"is not 0..3600 seconds\n",
					optarg);
				return RACK_EXIT_USAGE;
			}
			break;
		case 'b':
			host = optarg;
			break;
		case 'p':
			port = (int)strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				fprintf(stderr,
					"pirack status: --port '%s' is "
					"not 1..65535\n",
					optarg);
				return RACK_EXIT_USAGE;
			}
			break;
		case 'u':
			user = optarg;
			break;
		case 'P':
			pwfile = optarg;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return 0;
		default:
			fputs("Try 'pirack status --help'.\n", stderr);
			return RACK_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pirack status: unexpected argument '%s'\n",
			argv[optind]);
		return RACK_EXIT_USAGE;
	}
	if (inventory_load(r->file, &r->inv, err, sizeof(err)) < 0) {
		fprintf(stderr, "pirack: %s\n", err);
		return RACK_EXIT_USAGE;
	}
	mosquitto_lib_init();
	st.rows = calloc(r->inv.nnodes, sizeof(*st.rows));
	if (!st.rows) {
		fputs("pirack status: out of memory\n", stderr);
		return RACK_EXIT_FAIL;
	}
	st.nrows = r->inv.nnodes;
	for (size_t i = 0; i < st.nrows; i++) {
		/* the node's own period: staleness is per node */
		if (agentconf_build(&r->inv, &r->inv.nodes[i], &c, err,
				    sizeof(err)) < 0) {
			fprintf(stderr, "pirack: %s\n", err);
			goto out;
		}
		st.rows[i].node = &r->inv.nodes[i];
		st.rows[i].interval_ms = c.thermal.interval_ms;
	}
	/* the broker (and its TLS) as the first node's agent has them */
	agentconf_build(&r->inv, &r->inv.nodes[0], &c, err, sizeof(err));
	if (!host)
		host = c.mqtt.host;
	if (!port)
		port = c.mqtt.port;
	if (!user)
		user = r->inv.status_username;
	if (!pwfile)
		pwfile = r->inv.status_password_file;
	st.prefix = r->inv.prefix;
	st.tty = isatty(STDOUT_FILENO);
	st.color = st.tty && !getenv("NO_COLOR") &&
		   strcmp(getenv("TERM") ?: "dumb", "dumb") != 0;

	snprintf(id, sizeof(id), "pirack-status-%ld", (long)getpid());
	m = mosquitto_new(id, true, &st);
	if (!m) {
		fprintf(stderr, "pirack status: mosquitto_new: %s\n",
			strerror(errno));
		goto out;
	}
	mosquitto_connect_callback_set(m, status_on_connect);
	mosquitto_disconnect_callback_set(m, status_on_disconnect);
	mosquitto_message_callback_set(m, status_on_message);
	if (status_connect(m, &c, user, pwfile, host, port) < 0)
		goto out;
	if (st.watch) {
		signal(SIGINT, status_on_signal);
		signal(SIGTERM, status_on_signal);
		if (st.tty)
			fputs("\033[2J", stdout);
	}
	if (status_run(&st, m, host, port, timeout_s) < 0)
		goto out;
	if (st.watch) {
		rc = 0;
		goto out;
	}
	if (!st.connected) {
		fprintf(stderr,
			"pirack status: broker %s:%d: no answer within "
			"%gs\n",
			host, port, timeout_s);
		goto out;
	}
	status_print(&st);
	for (size_t i = 0; i < st.nrows; i++)
		all_ok &= status_render_classify(&st.rows[i], status_now()) ==
			  STATUS_ROW_ONLINE;
	rc = all_ok ? 0 : RACK_EXIT_FAIL;
out:
	if (m) {
		mosquitto_disconnect(m);
		mosquitto_destroy(m);
	}
	mosquitto_lib_cleanup();
	for (size_t i = 0; i < st.nrows; i++)
		cJSON_Delete(st.rows[i].state);
	free(st.rows);
	return rc;
}
