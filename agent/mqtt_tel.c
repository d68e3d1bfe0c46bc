/* mqtt_tel.c: telemetry from its queue to the broker, a window at a time. */
#include <mosquitto.h>
#include "log.h"
#include "mqtt_tel.h"

#define MQTT_TEL_QUEUE_S 3600 /* telemetry kept while the broker is away */

void mqtt_tel_init(struct mqtt_tel *t, int interval_ms, int queue_kib)
{
	size_t cap = (size_t)MQTT_TEL_QUEUE_S * 1000 /
		     (size_t)(interval_ms > 0 ? interval_ms : 1000);

	*t = (struct mqtt_tel){ 0 };
	telq_init(&t->q, cap ? cap : 1, (size_t)queue_kib * 1024);
}

void mqtt_tel_push(struct mqtt_tel *t, uint64_t seq, char *json)
{
	telq_push(&t->q, seq, json);
}

void mqtt_tel_drain(struct mqtt_tel *t, struct mosquitto *mosq,
		    const char *topic)
{
	const struct telq_item *it;

	while (t->nmids < MQTT_TEL_WINDOW && (it = telq_peek(&t->q))) {
		int mid, rc;

		rc = mosquitto_publish(mosq, &mid, topic, (int)it->len,
				       it->payload, 1, false);
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
			t->mids[t->nmids++] = mid;
			telq_pop(&t->q);
			if (rc != MOSQ_ERR_SUCCESS)
				return;
			break;
		case MOSQ_ERR_NOMEM:
			return; /* stays queued; try again later */
		default:
			log_warnx("mqtt: telemetry seq %llu dropped: %s",
				  (unsigned long long)it->seq,
				  mosquitto_strerror(rc));
			telq_pop(&t->q);
			t->q.dropped++;
			break;
		}
	}
}

void mqtt_tel_acked(struct mqtt_tel *t, int mid)
{
	size_t i;

	for (i = 0; i < t->nmids; i++) {
		if (t->mids[i] == mid) {
			t->mids[i] = t->mids[--t->nmids];
			return;
		}
	}
}

void mqtt_tel_log_drops(struct mqtt_tel *t)
{
	if (t->q.dropped <= t->dropped_logged)
		return;
	log_warnx("mqtt: %llu telemetry samples were dropped while the "
		  "broker was away (queue holds %zu samples, %zu KiB)",
		  (unsigned long long)(t->q.dropped - t->dropped_logged),
		  t->q.max_items, t->q.max_bytes >> 10);
	t->dropped_logged = t->q.dropped;
}

void mqtt_tel_free(struct mqtt_tel *t)
{
	telq_free(&t->q);
}
