/* agent_cmd.c: fan and LED commands, from the control socket and MQTT. */
#include <stdio.h>
#include <strings.h>
#include "agent.h"
#include "log.h"

/* The fan would be off: refused while hot, faulty or not yet read. */
static int agent_fan_off_refused(const struct agent *a, char *err,
				 size_t errlen)
{
	const struct config *c = &a->cfg;

	if (!a->seq) {
		snprintf(err, errlen, "fan off refused: no reading yet");
		return -1;
	}
	if (a->sample.fault) {
		snprintf(err, errlen, "fan off refused: sensor fault (%s)",
			 a->sample.fault_msg);
		return -1;
	}
	if (a->sample.temp_c >= c->thermal.limit_c) {
		snprintf(err, errlen,
			 "fan off refused: node at %.1f °C, at or "
			 "above limit_c %g °C",
			 a->sample.temp_c, c->thermal.limit_c);
		return -1;
	}
	return 0;
}

int agent_fan_command(struct agent *a, const char *word, char *err,
		      size_t errlen)
{
	struct fan_state st = a->fan_state;

	if (a->cfg.fan.driver == FAN_DRIVER_NONE ||
	    a->cfg.fan.driver == FAN_DRIVER_KERNEL) {
		snprintf(err, errlen,
			 "[fan] driver = %s: the agent does not "
			 "drive this fan",
			 a->cfg.fan.driver == FAN_DRIVER_NONE ? "none"
							      : "kernel");
		return -1;
	}
	if (fan_command(&a->cfg, word, &st, err, errlen) < 0)
		return -1;
	if (st.mode == FAN_MODE_MANUAL && st.manual_duty == 0 &&
	    agent_fan_off_refused(a, err, errlen) < 0)
		return -1;
	a->fan_state = st;
	log_info("fan: %s requested", word);
	agent_actuate(a);
	agent_publish(a, false);
	return 0;
}

int agent_led_command(struct agent *a, const char *word, char *err,
		      size_t errlen)
{
	if (!strcasecmp(word, "identify")) {
		a->identify_until_ms = clock_ms() + AGENT_IDENTIFY_MS;
	} else if (!strcasecmp(word, "auto")) {
		a->identify_until_ms = 0;
	} else {
		snprintf(err, errlen,
			 "unknown LED command '%.32s': use "
			 "identify or auto",
			 word);
		return -1;
	}
	agent_led_update(a);
	agent_publish(a, false);
	return 0;
}
