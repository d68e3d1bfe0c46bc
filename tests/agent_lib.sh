# tests/agent_lib.sh: helpers for the tests that run pirackd, plain and
# MQTT (source it after lib.sh and t_init).
#
#   agent_conf FILE NODE [SECTION.KEY=VALUE...]
#                          an agent config for NODE: fake sysfs in
#                          $T/NODE/sys (thermal_zone0 at 40 °C), sim GPIO in
#                          $T/NODE/gpio, socket $T/NODE/agent.sock, MQTT off;
#                          each SECTION.KEY=VALUE replaces that default or
#                          adds the key (and its section); an empty VALUE
#                          drops the key
#   agent_bg NAME CONF [ARGS]  pirackd -f -c CONF in the background (log
#                          $T/NAME.log, $AGENT_PID), waits until the socket
#                          named in CONF answers
#   agent_setup [SECTION.KEY=VALUE...]
#                          node testnode: $SYS, $GPIO, $SOCK, $CONF (fan and
#                          LED on their default lines)
#   agent_start [ARGS]     agent_bg pirackd $CONF [ARGS]
#   agent_restart_at MILLIDEG  stop the agent cleanly, set_temp, agent_start
#   ctl REQUEST...         one connection, one reply line per request
#   q JSON FILTER          jq -r on a reply
#   line N                 the sim GPIO wire value of gpiochip0 line N
#   line_is N VALUE        line N is VALUE
#   set_temp MILLIDEG      the fake zone's temperature
#   fake_pwm               a fake sysfs pwmchip0 with channel pwm0 exported
#                          (all zero) under $SYS: $PWM is the channel
#   status_until FILTER    polls "status" until the jq FILTER is true
#   agent_stop_clean PID LOG   SIGTERM: exit 0, no sanitizer report
#
# MQTT (broker from start_broker):
#   mqtt_conf FILE NODE [KEY=VALUE...]  agent_conf with the fan on line 14
#                          (on 60, off 50), LEDs 17,27,22, MQTT to
#                          127.0.0.1:$BROKER_PORT; KEY=VALUE go to [mqtt]
#   node_line NODE N       NODE's line N is VALUE (line_is for a node)
#   sub_bg NAME ARGS...    mosquitto_sub in the background, $T/NAME.out
#   sub_ready NAME TOPIC   waits until subscriber NAME is listening
#   retained TOPIC         the retained payload of TOPIC
#   count_in FILE STRING   lines in FILE holding STRING
#   mqtt_variant_gate      skip beyond the plain and asan builds
CTL=$BIN/tests/tools/ctl

agent_conf() {
	local file=$1 node=$2 d=$T/$2 kv k s
	local -a keys=() sects=()
	local -A val=()
	shift 2
	fake_zone "$d/sys" thermal_zone0 40000
	for kv in node.name="$node" thermal.sysfs_root="$d/sys" \
		thermal.interval_ms="${AGENT_INTERVAL_MS:-50}" \
		gpio.backend=sim gpio.sim_dir="$d/gpio" \
		control.socket="$d/agent.sock" mqtt.enabled=false "$@"; do
		k=${kv%%=*}
		[[ $k == *.* ]] || fail "agent_conf: $kv is not SECTION.KEY=VALUE"
		if [[ ! -v "val[$k]" ]]; then
			keys+=("$k")
			[[ " ${sects[*]} " == *" ${k%%.*} "* ]] || sects+=("${k%%.*}")
		fi
		val[$k]=${kv#*=}
	done
	{
		echo "; written by tests/agent_lib.sh"
		for s in "${sects[@]}"; do
			echo "[$s]"
			for k in "${keys[@]}"; do
				if [ "${k%%.*}" = "$s" ] && [ -n "${val[$k]}" ]; then
					echo "${k#*.} = ${val[$k]}"
				fi
			done
		done
	} >"$file"
}

# the socket a config names (the last "socket =" line: reloads append)
agent_conf_sock() { sed -n 's/^socket = //p' "$1" | tail -n 1; }

agent_bg() {
	local name=$1 conf=$2; shift 2
	t_bg "$name" ${AGENT_WRAPPER:-} "$BIN/pirackd" -f -c "$conf" "$@"
	AGENT_PID=$LAST_PID
	wait_for "${AGENT_START_SECS:-10}" "$CTL" -t 2 "$(agent_conf_sock "$conf")" status
}

agent_setup() {
	SYS=$T/testnode/sys GPIO=$T/testnode/gpio CONF=$T/agent.conf
	# a socket directory that does not exist yet: pirackd makes it
	SOCK=$T/run/agent.sock
	agent_conf "$CONF" testnode control.socket="$SOCK" \
		thermal.target_c=70 thermal.limit_c=80 "$@"
}

agent_start() { agent_bg pirackd "$CONF" "$@"; }
# a fresh agent that finds the node at MILLIDEGREES (no step in between)
agent_restart_at() {
	agent_stop_clean "$AGENT_PID" "$T/pirackd.log"
	set_temp "$1"
	agent_start
}

ctl() { "$CTL" "$SOCK" "$@"; }
q() { jq -r "$2" <<<"$1"; }
line() { cat "$GPIO/gpiochip0/$1" 2>/dev/null; }
line_is() { [ "$(line "$1")" = "$2" ]; }
set_temp() { fake_zone "$SYS" thermal_zone0 "$1"; }
status_until() { ctl status | jq -e "$1" >/dev/null; }

fake_pwm() {
	PWM=$SYS/class/pwm/pwmchip0/pwm0
	# what the kernel does on "echo 0 > export": the channel's directory
	mkdir -p "$PWM"
	: >"$SYS/class/pwm/pwmchip0/export"
	local f
	for f in period duty_cycle enable; do echo 0 >"$PWM/$f"; done
}

# stops agent PID with SIGTERM: exit status 0, no sanitizer report in LOG
agent_stop_clean() {
	local pid=$1 log=$2 rc=0
	kill -TERM "$pid"
	wait_for 10 bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
	wait "$pid" || rc=$?
	[ $rc = 0 ] || fail "pirackd exit status $rc after SIGTERM"
	! grep -q 'Sanitizer' "$log" || fail "sanitizer report: $(grep -m1 Sanitizer "$log")"
}

mqtt_conf() {
	local file=$1 node=$2 kv; shift 2
	local -a mq=(mqtt.enabled= mqtt.host=127.0.0.1 mqtt.port="$BROKER_PORT"
		mqtt.keepalive_s=5)
	for kv in "$@"; do mq+=("mqtt.$kv"); done
	AGENT_INTERVAL_MS=${MQTT_INTERVAL_MS:-200} agent_conf "$file" "$node" \
		thermal.source=sysfs fan.driver=gpio fan.chip=gpiochip0 \
		fan.line=14 fan.on_c=60 fan.off_c=50 led.driver=gpio \
		led.chip=gpiochip0 led.lines=17,27,22 "${mq[@]}"
}

node_line() { GPIO=$T/$1/gpio line_is "$2" "$3"; }

sub_bg() {
	local name=$1; shift
	mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" "$@" >"$T/$name.out" 2>"$T/$name.log" &
	LAST_PID=$!
	T_PIDS+=("$LAST_PID")
}

retained() {
	timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t "$1" -C 1 -W 2 \
		"${@:2}" 2>/dev/null
}

count_in() { grep -cF -- "$2" "$1" 2>/dev/null || true; }

sub_ready() {
	wait_for 10 bash -c "mosquitto_pub -h 127.0.0.1 -p $BROKER_PORT \
		-t '$2' -m probe && grep -q probe '$T/$1.out'"
}

# MQTT is the same code over sim GPIO in every variant: beyond the plain
# and ASan builds (e.g. gpiod2) these tests prove nothing new
mqtt_variant_gate() {
	case "${PIRACK_VARIANT:-plain}" in
	plain | asan) ;;
	*) skip "MQTT proves nothing new in variant $PIRACK_VARIANT" ;;
	esac
}
