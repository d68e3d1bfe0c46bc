/* mqttcmd.c: MQTT command payloads checked, and shown safely in logs. */
#include <stdio.h>
#include "mqttcmd.h"

/*
 * Strict on purpose: anything longer, with spaces, control bytes, NULs or
 * non-ASCII is refused before the word reaches the agent's commands.
 */
int mqttcmd_word(const void *payload, int len, char *word, size_t wordlen)
{
	const char *p = payload;
	int i;

	if (!p || len < 1 || len >= MQTTCMD_MAX || (size_t)len >= wordlen)
		return -1;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return -1;
	}
	for (i = 0; i < len; i++)
		word[i] = p[i];
	word[len] = '\0';
	return 0;
}

void mqttcmd_escape(const void *payload, int len, char *out, size_t outlen)
{
	const unsigned char *s = payload;
	size_t o = 0;
	int i;

	if (!outlen)
		return;
	for (i = 0; s && i < len; i++) {
		int plain =
		    s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\';
		/* room for this byte, and for the "..." if more follow */
		size_t need = (plain ? 1 : 4) + (i + 1 < len ? 3 : 0);

		if (o + need >= outlen)
			break;
		if (plain)
			out[o++] = (char)s[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
					      s[i]);
	}
	if (s && i < len && o + 3 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
}
