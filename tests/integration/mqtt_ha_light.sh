#!/usr/bin/env bash
# mqtt_ha_light.sh: the RGB status LED as a Home Assistant light (issue 14,
# finding 10): its discovery config, its templates rendered with Jinja2 (as
# Home Assistant renders them) over the real state, and the commands they
# render driving the real LED: identify as an effect, back to the status.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
mqtt_variant_gate
/usr/bin/python3 -c 'import jinja2' 2>/dev/null ||
	fail "python3-jinja2 is not installed (deploy/deps.sh)"
start_broker

render() { /usr/bin/python3 "$TOP/tests/tools/ha_render.py" "$@"; }
# field of the light's config
cfg() { jq -r --arg k "$1" '.[$k]' <<<"$LIGHT"; }
state() { retained pirack/n1/state; }
# a template of the config, over the current retained state
over_state() { render "$(cfg "$1")" "$(state)"; }
led_is() { [ "$(state | jq -r .led)" = "$1" ]; }

mqtt_conf "$T/a.conf" n1
agent_bg agent "$T/a.conf"
AGENT=$LAST_PID
GPIO=$T/n1/gpio
light_config() { LIGHT=$(retained homeassistant/light/n1/led/config) && [ -n "$LIGHT" ]; }
wait_for 15 light_config
light_config
jq -e '.schema == "template" and .command_topic == "pirack/n1/led/set" and
	.state_topic == "pirack/n1/state" and .unique_id == "pirack_n1_led" and
	.device.identifiers == ["pirack_n1"] and
	.availability_topic == "pirack/n1/availability" and
	.effect_list == ["status", "identify"] and
	(.command_on_template | type) == "string" and
	(.command_off_template | type) == "string" and
	(.red_template | type) == "string" and
	(.green_template | type) == "string" and
	(.blue_template | type) == "string"' <<<"$LIGHT" >/dev/null ||
	fail "light config incomplete: $LIGHT"

# 40 °C, broker up: green, on, the status effect
wait_for 10 led_is ok
[ "$(over_state state_template)" = on ] || fail "state_template: $(over_state state_template)"
[ "$(over_state effect_template)" = status ] || fail "effect_template: $(over_state effect_template)"
# the three colour templates in one rendering: "R,G,B"
rgb() { render "$(cfg red_template),$(cfg green_template),$(cfg blue_template)" "$(state)"; }
[ "$(rgb)" = 0,255,0 ] || fail "colour of ok is $(rgb), not green"

# Home Assistant's turn_on with effect identify: the command it renders
cmd=$(render "$(cfg command_on_template)" effect=identify)
[ "$cmd" = IDENTIFY ] || fail "turn_on(effect=identify) renders '$cmd'"
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t "$(cfg command_topic)" -m "$cmd"
wait_for 10 led_is identify
wait_for 10 line_is 22 1	# blue blinks on
[ "$(over_state effect_template)" = identify ] || fail "effect while identifying: $(over_state effect_template)"
[ "$(rgb)" = 0,0,255 ] || fail "colour while identifying is $(rgb), not blue"

# turn_off ends the identify (the LED shows the status, never dark)
cmd=$(render "$(cfg command_off_template)")
[ "$cmd" = AUTO ] || fail "turn_off renders '$cmd'"
mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t "$(cfg command_topic)" -m "$cmd"
wait_for 10 led_is ok
wait_for 10 line_is 27 1	# green again
# a plain turn_on (no effect) is AUTO too
[ "$(render "$(cfg command_on_template)")" = AUTO ] || fail "turn_on without effect is not AUTO"
! grep -q 'rejected payload' "$T/agent.log" || fail "a rendered command was rejected: $(grep 'rejected' "$T/agent.log")"
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: light config, its templates over the real state, identify and back"
