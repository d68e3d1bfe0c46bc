/* fuzz_mqtt.c: MQTT command payloads (fan/set, led/set) as mqtt.c takes them */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "agent/agent.h"
#include "fuzz.h"
#include "agent/mqttcmd.h"

/*
 * Byte 0 picks the topic (fan or led), the fan driver and the reading;
 * the rest is the payload, any bytes. mqtt.c's on_message does this:
 * escape the payload for the log, take it only as one short ASCII word,
 * hand the word to the agent's fan or LED command.
 */
static void fuzz_agent(struct agent *a, uint8_t how)
{
	static const enum fan_driver drivers[] = {
		FAN_DRIVER_GPIO,
		FAN_DRIVER_PWM,
		FAN_DRIVER_KERNEL,
		FAN_DRIVER_NONE,
	};
	struct config c;

	config_defaults(&c);
	strcpy(c.node.name, "rpi-0");
	c.mqtt.enabled = false;
	c.fan.driver = drivers[how & 3];
	agent_init(a, &c);
	if (how & 4)
		return; /* no reading yet */
	a->seq = 1;
	a->have_sample = true;
	a->sample.seq = 1;
	a->sample.temp_c = how & 8 ? 85 : 45;
	a->sample.cpu_freq_mhz = -1;
	a->sample.load1 = -1;
	agent_actuate(a);
}

static int fuzz_hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
	       : c >= 'a' && c <= 'f'	 ? c - 'a' + 10
					 : -1;
}

/* Decodes n characters of escaped text; -1 on a malformed escape. */
static long fuzz_unescape(const char *s, size_t n, uint8_t *out)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (s[i] != '\\') {
			out[k++] = (uint8_t)s[i++];
			continue;
		}
		if (i + 3 >= n)
			return -1;
		if (s[i + 1] != 'x' || fuzz_hex(s[i + 2]) < 0 ||
		    fuzz_hex(s[i + 3]) < 0)
			return -1;
		out[k++] =
		    (uint8_t)(fuzz_hex(s[i + 2]) * 16 + fuzz_hex(s[i + 3]));
		i += 4;
	}
	return (long)k;
}

/* The log text: printable, escapes well formed, and it says the payload
 * (whole, or a prefix and "..."). */
static void fuzz_check_shown(const char *shown, size_t outlen,
			     const uint8_t *pl, size_t len)
{
	size_t n = strnlen(shown, outlen);
	uint8_t out[80];
	long k;

	FUZZ_CHECK(n < outlen, "escaped payload unterminated");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(shown[i] >= 0x20 && shown[i] < 0x7f &&
			       shown[i] != '"',
			   "escaped payload has byte 0x%02x: %s",
			   (unsigned char)shown[i], shown);
	k = fuzz_unescape(shown, n, out);
	if (k == (long)len && !memcmp(out, pl, len))
		return;
	FUZZ_CHECK(n >= 3 && !strcmp(shown + n - 3, "..."),
		   "'%s' is not the payload, and not cut", shown);
	k = fuzz_unescape(shown, n - 3, out);
	FUZZ_CHECK(k >= 0 && (size_t)k < len && !memcmp(out, pl, k),
		   "'%s' does not start the payload", shown);
}

static bool fuzz_is_word(const uint8_t *pl, size_t len)
{
	if (len < 1 || len >= MQTTCMD_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum(pl[i]) || pl[i] > 0x7f)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent a;
	char word[MQTTCMD_MAX], err[160], shown[80];
	const uint8_t *pl = data + 1;
	size_t len = size - 1;
	struct fan_state fan;
	uint64_t identify;
	bool is_fan;
	int rc;

	if (!size || size > 100000)
		return 0;
	fuzz_agent(&a, data[0]);
	is_fan = !(data[0] & 16);

	/* A payload of len bytes, not a string: no NUL after it. */
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, pl, len);
	memset(shown, 0x55, sizeof(shown));
	mqttcmd_escape(copy, (int)len, shown, sizeof(shown));
	fuzz_check_shown(shown, sizeof(shown), copy, len);

	memset(word, 0x55, sizeof(word));
	rc = mqttcmd_word(copy, (int)len, word, sizeof(word));
	FUZZ_CHECK((rc == 0) == fuzz_is_word(copy, len),
		   "payload '%s' %s as a word", shown,
		   rc ? "refused" : "taken");
	if (rc) {
		free(copy);
		return 0;
	}
	FUZZ_CHECK(strlen(word) == len && !memcmp(word, copy, len),
		   "word '%s' is not payload '%s'", word, shown);
	free(copy);

	fan = a.fan_state;
	identify = a.identify_until_ms;
	rc = is_fan ? agent_fan_command(&a, word, err, sizeof(err))
		    : agent_led_command(&a, word, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "refusal says '%s'",
			   err);
		FUZZ_CHECK(!memcmp(&fan, &a.fan_state, sizeof(fan)) &&
			       identify == a.identify_until_ms,
			   "refused '%s' changed the state", word);
	}
	FUZZ_CHECK(a.fan_state.duty >= 0 && a.fan_state.duty <= 100, "duty %d",
		   a.fan_state.duty);
	return 0;
}
