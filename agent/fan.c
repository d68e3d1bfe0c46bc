/* fan.c: the fan policy, pure: (sample, config, mode) -> duty. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fan.h"

/* Below this most small fans stall instead of turning slowly. */
#define FAN_PWM_MIN_DUTY 25

/*
 * pwm: linear from off_c (0 %) to limit_c (100 %), never below the
 * spin-up minimum while turning. A stopped fan starts only once the curve
 * reaches that minimum, and a turning one stops only at off_c: the span
 * in between is the pwm fan's hysteresis, so sensor noise around off_c
 * cannot start and stop it every tick.
 */
static int fan_pwm_duty(const struct config *c, double t, int prev)
{
	double span = c->thermal.limit_c - c->fan.off_c;
	double lin;
	int d;

	if (t >= c->thermal.limit_c || span <= 0)
		return t > c->fan.off_c ? 100 : 0;
	if (t <= c->fan.off_c)
		return 0;
	lin = (t - c->fan.off_c) / span * 100.0;
	d = (int)lround(lin);
	if (d > 100)
		d = 100;
	if (prev > 0)
		return d < FAN_PWM_MIN_DUTY ? FAN_PWM_MIN_DUTY : d;
	return d >= FAN_PWM_MIN_DUTY ? d : 0;
}

/* gpio: on at or above on_c, off at or below off_c, else unchanged. */
static int fan_gpio_duty(const struct config *c, double t, int prev)
{
	if (t >= c->fan.on_c || t >= c->thermal.limit_c)
		return 100;
	if (t <= c->fan.off_c)
		return 0;
	return prev > 0 ? 100 : 0;
}

void fan_decide(const struct config *c, const struct sample *s,
		struct fan_state *st)
{
	bool blind = !s || s->fault || !isfinite(s->temp_c);

	if (c->fan.driver == FAN_DRIVER_NONE ||
	    c->fan.driver == FAN_DRIVER_KERNEL) {
		/* Nothing to drive: the kernel's fan is only reported. */
		st->mode = FAN_MODE_AUTO;
		st->duty = 0;
		return;
	}
	/*
	 * Safety beats commands: not knowing the temperature, or reaching
	 * limit_c, ends any manual setting below full speed.
	 */
	if (st->mode == FAN_MODE_MANUAL && st->manual_duty < 100 &&
	    (blind || s->temp_c >= c->thermal.limit_c)) {
		st->mode = FAN_MODE_AUTO;
		st->overridden = true;
	}
	if (blind) {
		st->duty = 100; /* fail-safe */
		return;
	}
	if (st->mode == FAN_MODE_MANUAL) {
		if (c->fan.driver == FAN_DRIVER_GPIO)
			st->duty = st->manual_duty > 0 ? 100 : 0;
		else
			st->duty = st->manual_duty;
		return;
	}
	if (c->fan.driver == FAN_DRIVER_PWM)
		st->duty = fan_pwm_duty(c, s->temp_c, st->duty);
	else
		st->duty = fan_gpio_duty(c, s->temp_c, st->duty);
}

int fan_command(const struct config *c, const char *word, struct fan_state *st,
		char *err, size_t errlen)
{
	char w[16];
	size_t len;

	if (!word)
		word = "";
	while (isspace((unsigned char)*word))
		word++;
	len = strlen(word);
	while (len > 0 && isspace((unsigned char)word[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(w)) {
		snprintf(err, errlen,
			 "fan: unknown command '%.*s' (want on, "
			 "off or auto%s)",
			 (int)(len < 32 ? len : 32), word,
			 c->fan.driver == FAN_DRIVER_PWM ? " or 0-100" : "");
		return -1;
	}
	memcpy(w, word, len);
	w[len] = '\0';
	if (c->fan.driver == FAN_DRIVER_NONE ||
	    c->fan.driver == FAN_DRIVER_KERNEL) {
		snprintf(err, errlen, "fan: driver %s cannot be commanded",
			 c->fan.driver == FAN_DRIVER_NONE ? "none" : "kernel");
		return -1;
	}
	if (strcasecmp(w, "auto") == 0) {
		st->mode = FAN_MODE_AUTO;
	} else if (strcasecmp(w, "on") == 0) {
		st->mode = FAN_MODE_MANUAL;
		st->manual_duty = 100;
	} else if (strcasecmp(w, "off") == 0) {
		st->mode = FAN_MODE_MANUAL;
		st->manual_duty = 0;
	} else {
		char *end;
		long v;

		errno = 0;
		v = strtol(w, &end, 10);
		if (errno || end == w || *end || w[0] == '+' || w[0] == '-' ||
		    v < 0 || v > 100) {
			snprintf(err, errlen,
				 "fan: unknown command '%s' "
				 "(want on, off or auto%s)",
				 w,
				 c->fan.driver == FAN_DRIVER_PWM ? " or 0-100"
								 : "");
			return -1;
		}
		if (c->fan.driver != FAN_DRIVER_PWM) {
			snprintf(err, errlen,
				 "fan: '%s': a gpio fan is only "
				 "on or off",
				 w);
			return -1;
		}
		st->mode = FAN_MODE_MANUAL;
		st->manual_duty = (int)v;
	}
	st->overridden = false;
	return 0;
}
