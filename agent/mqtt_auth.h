/* mqtt_auth.h: the broker login (username, password_file) and TLS set-up. */
#ifndef PIRACK_MQTT_AUTH_H
#define PIRACK_MQTT_AUTH_H

struct config;
struct mosquitto;

/* Applies [mqtt] credentials and TLS to mosq; -1 (logged) on bad config. */
int mqtt_auth_setup(struct mosquitto *mosq, const struct config *c);

#endif
