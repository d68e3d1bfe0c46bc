/* fuzz_fan.c: fan command words (fan_command), shared by socket and MQTT. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/config.h"
#include "agent/fan.h"
#include "fuzz.h"

/* The word as fan_command reads it: no edge blanks. */
static size_t fuzz_trim(const char **w)
{
	size_t len;

	while (isspace((unsigned char)**w))
		(*w)++;
	len = strlen(*w);
	while (len && isspace((unsigned char)(*w)[len - 1]))
		len--;
	return len;
}

/* 1-3 digits, no sign: what a pwm duty may look like. */
static bool fuzz_is_duty(const char *w, size_t len, int *v)
{
	if (!len || len > 3)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)w[i]))
			return false;
	*v = atoi(w);
	return *v <= 100;
}

/*
 * Byte 0: driver; bytes 1-3: the state before (mode, manual duty, duty,
 * overridden); the rest: the command word.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fan_driver drivers[] = {
		FAN_DRIVER_GPIO,
		FAN_DRIVER_PWM,
		FAN_DRIVER_KERNEL,
		FAN_DRIVER_NONE,
	};
	static struct config c;
	static bool have_config;
	struct fan_state st, before;
	char word[128], err[256];
	const char *w;
	size_t len;
	int rc, duty;

	if (size < 4)
		return 0;
	if (!have_config) {
		config_defaults(&c);
		have_config = true;
	}
	c.fan.driver = drivers[data[0] & 3];
	st.mode = data[1] & 1 ? FAN_MODE_MANUAL : FAN_MODE_AUTO;
	st.overridden = data[1] & 2;
	st.manual_duty = data[2] % 101;
	st.duty = data[3] % 101;
	before = st;
	len = size - 4 < sizeof(word) - 1 ? size - 4 : sizeof(word) - 1;
	memcpy(word, data + 4, len);
	word[len] = '\0';

	err[0] = '\0';
	rc = fan_command(&c, word, &st, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(!memcmp(&st, &before, sizeof(st)),
			   "refused '%s' changed the state", word);
		FUZZ_CHECK(!strncmp(err, "fan: ", 5) && err[5],
			   "refusal of '%s' says '%s'", word, err);
		return 0;
	}
	FUZZ_CHECK(c.fan.driver == FAN_DRIVER_GPIO ||
		       c.fan.driver == FAN_DRIVER_PWM,
		   "driver %d took a command", c.fan.driver);
	FUZZ_CHECK(!st.overridden, "accepted '%s' left overridden", word);
	FUZZ_CHECK(st.duty == before.duty, "a command drove the fan itself");
	w = word;
	len = fuzz_trim(&w);
	if (len == 4 && !strncasecmp(w, "auto", 4)) {
		FUZZ_CHECK(st.mode == FAN_MODE_AUTO, "'%s' not auto", word);
		FUZZ_CHECK(st.manual_duty == before.manual_duty,
			   "'%s' changed the manual duty", word);
	} else if (len == 2 && !strncasecmp(w, "on", 2)) {
		FUZZ_CHECK(st.mode == FAN_MODE_MANUAL && st.manual_duty == 100,
			   "'%s' not manual 100", word);
	} else if (len == 3 && !strncasecmp(w, "off", 3)) {
		FUZZ_CHECK(st.mode == FAN_MODE_MANUAL && st.manual_duty == 0,
			   "'%s' not manual 0", word);
	} else {
		/* Leading zeros are fine ("040"), anything else is not. */
		bool zeros = len > 3 && strspn(w, "0") >= len - 3;

		FUZZ_CHECK(c.fan.driver == FAN_DRIVER_PWM, "gpio fan took '%s'",
			   word);
		FUZZ_CHECK(fuzz_is_duty(zeros ? w + len - 3 : w,
					zeros ? 3 : len, &duty),
			   "accepted '%s' as a duty", word);
		FUZZ_CHECK(st.mode == FAN_MODE_MANUAL && st.manual_duty == duty,
			   "'%s' gave manual %d", word, st.manual_duty);
	}
	return 0;
}
