#!/usr/bin/env bash
# sim_simnode.sh: pirack-simnode on its own: it writes the tree a Pi shows,
# heats with a process tagged with PIRACK_SIM_NODE (not with an untagged
# one), stops and on SIGTERM continues a hot rank, cools when the fan line
# is written on (as pirackd writes it), and refuses a real node's config
# (exit 2).
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "no GPIO or MPI in it: nothing new in variant ${PIRACK_VARIANT:-}"
SN=$BIN/pirack-simnode
[ -x "$SN" ] || skip "$SN is not built"

conf() {	# file source fan_driver
	cat >"$1" <<CONF
[node]
name = s0
[thermal]
source = $2
sysfs_root = $T/sysfs
interval_ms = 100
[fan]
driver = $3
chip = gpiochip0
line = 14
on_c = 72
off_c = 70
[led]
driver = none
[gpio]
backend = sim
sim_dir = $T/gpio
[mqtt]
enabled = false
[control]
socket = $T/agent.sock
[sim]
profile = pi4-bare
ambient_c = 50
time_scale = 200
slots = 1
CONF
}

# a real node's config is not ours to write: exit 2, nothing written
conf "$T/real.conf" sysfs none
rc=0; out=$("$SN" -c "$T/real.conf" 2>&1) || rc=$?
[ $rc -eq 2 ] || fail "source = sysfs: exit $rc, want 2 ($out)"
grep -q "source is not sim" <<<"$out" || fail "no reason given: $out"
[ ! -e "$T/sysfs" ] || fail "a refused config wrote $T/sysfs"
rc=0; "$SN" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "no -c: exit $rc, want 2"
rc=0; "$SN" -c "$T/real.conf" --clock fast >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--clock fast: exit $rc, want 2"

conf "$T/agent.conf" sim gpio
"$SN" --check-config -c "$T/agent.conf" | grep -q "configuration ok" ||
	fail "--check-config refused a good config"
temp() { cat "$T/sysfs/class/thermal/thermal_zone0/temp" 2>/dev/null; }
t_bg simnode "$SN" -v -c "$T/agent.conf"
SN_PID=$LAST_PID
wait_for 10 test -s "$T/sysfs/class/thermal/thermal_zone0/temp"
[ "$(cat "$T/sysfs/class/thermal/thermal_zone0/type")" = cpu-thermal ] ||
	fail "thermal zone type is not cpu-thermal"
[ "$(cat "$T/sysfs/devices/system/cpu/cpu3/cpufreq/scaling_cur_freq")" = 1500000 ] ||
	fail "cpu3 is not at 1.5 GHz idle"
idle=$(temp)
[ "$idle" = 70000 ] || fail "idle at 50 degC ambient: $idle, want 70000"

# an untagged busy process does not heat the node
t_bg untagged sh -c 'while :; do :; done'
UNTAGGED=$LAST_PID
stepped() {	# the simnode has logged N steps since the mark
	[ "$(grep -c 'sim: load' "$T/simnode.log")" -ge "$1" ]
}
mark=$(grep -c 'sim: load' "$T/simnode.log" || true)
wait_for 30 stepped $((mark + 30))
[ "$(temp)" -le 70100 ] || fail "an untagged process heated the node: $(temp)"
kill "$UNTAGGED"

# a tagged one does, past 80 degC: the firmware throttles and stops it
t_bg rank env PIRACK_SIM_NODE="$T/sysfs" sh -c 'while :; do :; done'
RANK=$LAST_PID
hot() {
	[ "$(temp)" -gt 80000 ] &&
	[ $(( 0x$(cat "$T/sysfs/devices/platform/soc/soc:firmware/get_throttled") & 0x8 )) -ne 0 ]
}
wait_for 60 hot
grep -q "s0: 1 rank" "$T/simnode.log" || fail "the rank was not announced"
stopped() { [ "$(awk '{ print $3 }' "/proc/$RANK/stat")" = T ]; }
wait_for 10 stopped

# SIGTERM: the simnode ends and leaves no rank stopped
hot_c=$(temp)
kill -TERM "$SN_PID"
wait "$SN_PID" || fail "simnode exit status $? on SIGTERM"
running() { [ "$(awk '{ print $3 }' "/proc/$RANK/stat")" != T ]; }
wait_for 5 running
grep -q "every rank runs again" "$T/simnode.log" || fail "no clean stop logged"
kill "$RANK"

# the agent's fan line, as pirackd writes it: on, the idle node cools
# from 70 degC to the fan-on idle (67 degC at 50 degC ambient)
mkdir -p "$T/gpio/gpiochip0"
echo 1 >"$T/gpio/gpiochip0/14"
t_bg simnode2 "$SN" -c "$T/agent.conf"
wait_for 10 test -s "$T/sysfs/class/thermal/thermal_zone0/temp"
cooler() { [ "$(temp)" -lt 67500 ]; }
wait_for 30 cooler
echo "ok: idle $idle, hot $hot_c, idle with the fan on $(temp)"
