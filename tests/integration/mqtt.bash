# tests/integration/mqtt.bash: helpers for the mqtt_*.sh tests (source it
# after lib.sh). Not a test itself: run.sh only runs *.sh.
#
#   mqtt_conf FILE NODE [KEY=VALUE...]  an agent config: sim GPIO, fake
#                       sysfs at 40 °C, broker 127.0.0.1:$BROKER_PORT;
#                       KEY=VALUE lines are added to [mqtt]
#   mqtt_agent NAME CONF                start pirackd in the background
#   fan_line NODE                       the sim fan line's value file
#   sub_bg NAME ARGS...                 mosquitto_sub in the background,
#                                       output in $T/NAME.out
#   retained TOPIC                      the retained payload of TOPIC
#   persistent_broker_conf [LINE...]    $T/mosquitto.conf: anonymous, on a
#                                       new free $BROKER_PORT, sessions kept
#                                       in $T/db across restarts; LINEs added
#   broker_up NAME                      starts mosquitto on that conf as
#                                       NAME, $BROKER_PID, waits for its port

mqtt_conf() {
	local file=$1 node=$2 kv; shift 2
	mkdir -p "$T/$node/sys" "$T/$node/gpio"
	fake_zone "$T/$node/sys" thermal_zone0 40000
	{
		cat <<CONF
[node]
name = $node
[thermal]
source = sysfs
sysfs_root = $T/$node/sys
interval_ms = ${MQTT_INTERVAL_MS:-200}
[fan]
driver = gpio
chip = gpiochip0
line = 14
on_c = 60
off_c = 50
[led]
driver = gpio
chip = gpiochip0
lines = 17,27,22
[gpio]
backend = sim
sim_dir = $T/$node/gpio
[control]
socket = $T/$node/agent.sock
[mqtt]
CONF
		# defaults, unless given: the config refuses a key twice
		for kv in host=127.0.0.1 port="$BROKER_PORT" keepalive_s=5; do
			[[ " ${*%%=*} " == *" ${kv%%=*} "* ]] ||
				printf '%s\n' "${kv/=/ = }"
		done
		for kv in "$@"; do printf '%s\n' "${kv/=/ = }"; done
	} >"$file"
}

persistent_broker_conf() {
	local root=
	mkdir -p "$T/db"
	# mosquitto run as root would switch to user mosquitto, locked out of $T
	[ "$(id -u)" = 0 ] && root='user root'
	BROKER_PORT=$(free_port)
	{
		cat <<CONF
$root
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $T/db/
CONF
		printf '%s\n' "$@"
	} >"$T/mosquitto.conf"
}

broker_up() {
	t_bg "$1" /usr/sbin/mosquitto -c "$T/mosquitto.conf"
	BROKER_PID=$LAST_PID
	wait_for 10 port_open "$BROKER_PORT"
}

mqtt_agent() { t_bg "$1" "$BIN/pirackd" -f -c "$2"; }

fan_line() { echo "$T/$1/gpio/gpiochip0/14"; }

line_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }

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

# lines in FILE matching a fixed string
count_in() { grep -cF -- "$2" "$1" 2>/dev/null || true; }

# waits until subscriber NAME (subscribed to TOPIC too) is listening
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

# stops agent PID with SIGTERM: exit status 0, no sanitizer report in LOG
agent_stop_clean() {
	local pid=$1 log=$2 rc=0
	kill -TERM "$pid"
	wait_for 10 bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
	wait "$pid" || rc=$?
	[ $rc = 0 ] || fail "pirackd exit status $rc after SIGTERM"
	! grep -q 'Sanitizer' "$log" || fail "sanitizer report: $(grep -m1 Sanitizer "$log")"
}
