/* mqttcmd.h: MQTT command payloads checked, and shown safely in logs. */
#ifndef PIRACK_MQTTCMD_H
#define PIRACK_MQTTCMD_H

#include <stddef.h>

#define MQTTCMD_MAX 16 /* a command word is shorter than this */

/*
 * Copies payload into word when it is one word of 1 to MQTTCMD_MAX - 1
 * ASCII letters and digits (and fits wordlen); otherwise -1, word unset.
 */
int mqttcmd_word(const void *payload, int len, char *word, size_t wordlen);
/* The payload as text for a log line: bytes outside printable ASCII, '"'
 * and '\' as \xNN, cut with "..." to fit outlen. */
void mqttcmd_escape(const void *payload, int len, char *out, size_t outlen);

#endif
