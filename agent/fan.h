/* fan.h: the fan policy (pure) and the fan device (gpio, pwm, kernel). */
#ifndef PIRACK_FAN_H
#define PIRACK_FAN_H

#include <stdbool.h>
#include "config.h"
#include "gpio.h"
#include "sample.h"

enum fan_mode { FAN_MODE_AUTO, FAN_MODE_MANUAL };

struct fan_state {
	enum fan_mode mode;
	int manual_duty; /* manual: 0 = OFF, 100 = ON, else pwm % */
	int duty;	 /* decided output, 0..100 (gpio: 0 or 100) */
	bool overridden; /* safety ended a manual OFF */
};

/*
 * Pure: decides st->duty from the sample (NULL = no valid reading yet) and
 * the previous state. Fail-safe: no reading or a fault means full on; a
 * manual OFF ends (mode back to AUTO, overridden set) at limit_c; gpio has
 * hysteresis on_c/off_c (and is on at limit_c whatever on_c says); pwm is
 * linear from off_c (0 %) to limit_c (100 %) with a minimum spin-up duty
 * of 25 %: a stopped fan starts when the curve reaches 25 %, a turning one
 * runs at 25 % or more until off_c. A fault, like limit_c, ends a manual
 * setting below 100 % (overridden set). Drivers kernel and none are not
 * driven: duty stays 0 and mode AUTO (report fan_read_kernel instead).
 */
void fan_decide(const struct config *c, const struct sample *s,
		struct fan_state *st);

struct fan_dev;

/*
 * Opens the configured fan (gpio line, sysfs pwm, kernel, none) and
 * drives it full on: the fail-safe state until the first valid reading.
 * pwm: <sysfs_root>/class/pwm/<pwm>, exported when missing, period
 * 40000 ns, enabled. kernel: the first class/thermal/cooling_device*
 * whose type names a fan. NULL with err naming the file or line and why.
 * fan_close() leaves the fan running as it is.
 */
struct fan_dev *fan_open(const struct config *c, const struct gpio_ops *g,
			 char *err, size_t errlen);
/*
 * Drives the device to duty (0..100); an unchanged duty costs nothing.
 * 0, or -1 with fan_last_error() naming the file or line and the cause.
 */
int fan_apply(struct fan_dev *f, int duty);
const char *fan_last_error(const struct fan_dev *f);
/* The kernel driver reports its cooling device state as duty; else -1. */
int fan_read_kernel(struct fan_dev *f);
void fan_close(struct fan_dev *f);

/*
 * Command words, shared by the control socket and MQTT: "on", "off",
 * "auto" (any case, surrounding blanks ignored) or a number 0-100 for a
 * pwm fan. Sets the mode and clears overridden; the next fan_decide()
 * applies it (and undoes an OFF given at or above limit_c). Refused for
 * drivers kernel and none. 0, or -1 with err set and *st unchanged.
 */
int fan_command(const struct config *c, const char *word, struct fan_state *st,
		char *err, size_t errlen);

#endif
