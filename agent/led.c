/* led.c: which state the status LED shows, and how it looks over time. */
#include "led.h"

/* Blink half-periods: slow is 1 Hz, fast 4 Hz. */
#define LED_SLOW_HALF_MS 500
#define LED_FAST_HALF_MS 125

#define LED_R (1u << 0)
#define LED_G (1u << 1)
#define LED_B (1u << 2)

/*
 * Priority, highest first, and why:
 * - identify: a person asked for it and is looking for this box right now;
 *   it ends by itself after 30 s, so it cannot hide a problem for long.
 * - fault: the temperature is unknown, so "hot" or "ok" would be guesses;
 *   the fan is already forced on, but someone must look.
 * - hot: at or above limit_c, the job is stopped by pacing.
 * - warm: the fan is on or the job is paced; normal under load.
 * - no broker: the node itself is fine; only its reporting is down, the
 *   least urgent thing worth showing.
 * - ok.
 */
enum led_state led_decide(const struct led_inputs *in)
{
	if (in->identify)
		return LED_IDENTIFY;
	if (in->fault)
		return LED_FAULT;
	if (in->hot)
		return LED_HOT;
	if (in->warm)
		return LED_WARM;
	if (in->broker_down)
		return LED_NO_BROKER;
	return LED_OK;
}

const char *led_state_name(enum led_state st)
{
	switch (st) {
	case LED_OK:
		return "ok";
	case LED_NO_BROKER:
		return "no_broker";
	case LED_WARM:
		return "warm";
	case LED_HOT:
		return "hot";
	case LED_FAULT:
		return "fault";
	case LED_IDENTIFY:
		return "identify";
	}
	return "unknown";
}

/* Blinks aligned to the clock: every node in a rack blinks in step. */
static unsigned led_blink(unsigned bits, uint64_t half, uint64_t now_ms,
			  uint64_t *next_ms)
{
	uint64_t phase = now_ms / half;

	*next_ms = (phase + 1) * half;
	return phase % 2 == 0 ? bits : 0;
}

/*
 * A single LED has three looks for six states: steady for everything
 * that needs nobody (ok, warm, no broker), a fast blink for what needs
 * someone now (hot, fault), a slow blink for identify, so the node being
 * looked for stands out even in a rack where the broker is down.
 */
unsigned led_pattern(enum led_state st, size_t nlines, uint64_t now_ms,
		     uint64_t *next_ms)
{
	*next_ms = UINT64_MAX;
	if (nlines != 3) {
		switch (st) {
		case LED_HOT:
		case LED_FAULT:
			return led_blink(1, LED_FAST_HALF_MS, now_ms, next_ms);
		case LED_IDENTIFY:
			return led_blink(1, LED_SLOW_HALF_MS, now_ms, next_ms);
		default:
			return 1;
		}
	}
	switch (st) {
	case LED_OK:
		return LED_G;
	case LED_NO_BROKER:
		return led_blink(LED_G, LED_SLOW_HALF_MS, now_ms, next_ms);
	case LED_WARM:
		return LED_R | LED_G;
	case LED_HOT:
		return LED_R;
	case LED_FAULT:
		return led_blink(LED_R, LED_FAST_HALF_MS, now_ms, next_ms);
	case LED_IDENTIFY:
		return led_blink(LED_B, LED_SLOW_HALF_MS, now_ms, next_ms);
	}
	return 0;
}
