/* led.h: the status LED's state choice (pure) and its blink pattern. */
#ifndef PIRACK_LED_H
#define PIRACK_LED_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum led_state {
	LED_OK,	       /* green */
	LED_NO_BROKER, /* green slow blink: ok, but MQTT is down */
	LED_WARM,      /* yellow: fan on or paced */
	LED_HOT,       /* red: at or above limit_c */
	LED_FAULT,     /* red blinking: sensor fault */
	LED_IDENTIFY,  /* blue blinking, 30 s on request */
};

struct led_inputs {
	bool fault, hot, warm, identify, broker_down;
};

/* Pure: the state to show, by priority. */
enum led_state led_decide(const struct led_inputs *in);
const char *led_state_name(enum led_state st);
/*
 * The lines' logical values at time now_ms: bit i is line i (RGB: bit 0 red,
 * 1 green, 2 blue; single LED: bit 0, showing steady/slow/fast blink).
 * Sets *next_ms to when the pattern next changes (UINT64_MAX: steady).
 */
unsigned led_pattern(enum led_state st, size_t nlines, uint64_t now_ms,
		     uint64_t *next_ms);

#endif
