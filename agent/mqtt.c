/* mqtt.c: MQTT reporting (placeholder until the MQTT issue lands). */
#include "mqtt.h"
#include "agent.h"

int mqtt_init(struct agent *a)
{
	(void)a;
	return 0;
}

int mqtt_pollfd(struct agent *a, struct pollfd *pfd)
{
	(void)a;
	(void)pfd;
	return 0;
}

int mqtt_timeout_ms(struct agent *a)
{
	(void)a;
	return -1;
}

void mqtt_service(struct agent *a, short revents)
{
	(void)a;
	(void)revents;
}

void mqtt_publish_state(struct agent *a, bool telemetry)
{
	(void)a;
	(void)telemetry;
}

bool mqtt_connected(const struct agent *a)
{
	(void)a;
	return true;	/* no broker configured: nothing to show as down */
}

void mqtt_shutdown(struct agent *a)
{
	(void)a;
}
