/* mqtt_auth.c: the broker login (username, password_file) and TLS set-up. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <mosquitto.h>
#include "config.h"
#include "log.h"
#include "mqtt_auth.h"

/* The first line of password_file, without its newline. */
static int mqtt_auth_read_password(const char *path, char *pw, size_t pwlen)
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

/* Username and, from password_file (never the command line), password. */
static int mqtt_auth_login(struct mosquitto *mosq, const struct config *c)
{
	char pw[256];
	int rc;

	if (c->mqtt.password_file[0] && !c->mqtt.username[0]) {
		log_warnx("mqtt: password_file %s is set but username is empty",
			  c->mqtt.password_file);
		return -1;
	}
	if (!c->mqtt.username[0])
		return 0;
	pw[0] = '\0';
	if (c->mqtt.password_file[0] &&
	    mqtt_auth_read_password(c->mqtt.password_file, pw, sizeof(pw)))
		return -1;
	rc = mosquitto_username_pw_set(mosq, c->mqtt.username,
				       c->mqtt.password_file[0] ? pw : NULL);
	memset(pw, 0, sizeof(pw));
	if (rc) {
		log_warnx("mqtt: username: %s", mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

/* TLS when cafile is set; the broker's certificate must verify. */
static int mqtt_auth_tls(struct mosquitto *mosq, const struct config *c)
{
	int rc;

	if ((c->mqtt.certfile[0] || c->mqtt.keyfile[0]) && !c->mqtt.cafile[0]) {
		log_warnx("mqtt: certfile/keyfile need cafile: the broker's "
			  "certificate must be verified");
		return -1;
	}
	if (!c->mqtt.cafile[0])
		return 0;
	rc = mosquitto_tls_set(mosq, c->mqtt.cafile, NULL,
			       c->mqtt.certfile[0] ? c->mqtt.certfile : NULL,
			       c->mqtt.keyfile[0] ? c->mqtt.keyfile : NULL,
			       NULL);
	if (rc) {
		log_warnx("mqtt: TLS files (cafile %s, certfile %s, keyfile "
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
	mosquitto_tls_opts_set(mosq, 1, NULL, NULL);
	/* and its certificate must name host: see mqtt_link_connect */
	mosquitto_tls_insecure_set(mosq, false);
	return 0;
}

int mqtt_auth_setup(struct mosquitto *mosq, const struct config *c)
{
	if (mqtt_auth_login(mosq, c) || mqtt_auth_tls(mosq, c))
		return -1;
	return 0;
}
