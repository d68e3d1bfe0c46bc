/* throttle.c: decodes the Pi firmware's get_throttled bits. */
#include "throttle.h"

/* Bits 0..3: the condition now; 16..19: it happened since boot. */
void throttle_decode(uint32_t raw, struct throttle *t)
{
	t->valid = true;
	t->raw = raw;
	t->under_voltage = raw & (1u << 0);
	t->freq_capped = raw & (1u << 1);
	t->throttled = raw & (1u << 2);
	t->soft_temp_limit = raw & (1u << 3);
	t->under_voltage_seen = raw & (1u << 16);
	t->freq_capped_seen = raw & (1u << 17);
	t->throttled_seen = raw & (1u << 18);
	t->soft_temp_limit_seen = raw & (1u << 19);
}
