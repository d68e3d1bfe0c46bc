#!/usr/bin/env bash
# footprint.bench.sh: pirackd against collectd (Debian's collectd-core with
# the thermal, cpu, load and mqtt plugins), side by side, 1 s interval, the
# same throw-away broker; prints peak RSS, CPU time per sample and context
# switches per second of each, and pirackd/collectd ratios. mosquitto_sub
# (the bare libmosquitto client) is measured alongside as a floor.
#
#   BENCH_SECONDS=60 (default) bash tests/bench/footprint.bench.sh
#
# CPU time is the scheduler's run time (/proc/PID/task/*/schedstat, ns) and
# context switches are voluntary + involuntary over all threads, both as
# differences over the measured window (after a 2 s warm-up); peak RSS is
# VmHWM at the end.
source "$(dirname "$0")/../lib.sh"
t_init
SECS=${BENCH_SECONDS:-60}
WARMUP=2
COLLECTD=${COLLECTD:-/usr/sbin/collectd}
[ -x "$COLLECTD" ] || fail "collectd is not installed (deploy/deps.sh --bench)"
[ -x "$BIN/pirackd" ] || fail "no $BIN/pirackd: run make first"
start_broker

# pirackd: a fake zone (this machine may have none), sim GPIO, 1 s.
fake_zone "$T/sys" thermal_zone0 45000
cat >"$T/agent.conf" <<CONF
[node]
name = bench
[thermal]
sysfs_root = $T/sys
interval_ms = 1000
[gpio]
backend = sim
sim_dir = $T/gpio
[mqtt]
host = 127.0.0.1
port = $BROKER_PORT
[control]
socket = $T/agent.sock
CONF
cat >"$T/collectd.conf" <<CONF
Interval 1
FQDNLookup false
Hostname "bench"
BaseDir "$T/collectd"
PIDFile "$T/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
	LogLevel info
	File "$T/collectd.log"
</Plugin>
LoadPlugin thermal
LoadPlugin cpu
LoadPlugin load
LoadPlugin mqtt
<Plugin mqtt>
	<Publish "bench">
		Host "127.0.0.1"
		Port $BROKER_PORT
		ClientId "collectd-bench"
	</Publish>
</Plugin>
CONF
mkdir -p "$T/collectd"

t_bg pirackd "$BIN/pirackd" -f -c "$T/agent.conf"
P_PID=$LAST_PID
t_bg collectd "$COLLECTD" -f -C "$T/collectd.conf"
C_PID=$LAST_PID
t_bg mosquitto_sub mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t '#' -v
S_PID=$LAST_PID
wait_for 10 test -S "$T/agent.sock"

cpu_ns() {	# run time of every thread of $1, ns
	cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'
}
ctxsw() {	# context switches of every thread of $1
	cat /proc/"$1"/task/*/status |
		awk '/_ctxt_switches:/ { s += $2 } END { print s }'
}
hwm_kib() { awk '/^VmHWM:/ { print $2 }' /proc/"$1"/status; }

sleep "$WARMUP"	# the window starts after start-up; this is a benchmark
for p in P C S; do
	pid_var=${p}_PID
	kill -0 "${!pid_var}" || fail "$p died during start-up"
	eval "${p}_CPU0=\$(cpu_ns ${!pid_var}) ${p}_CSW0=\$(ctxsw ${!pid_var})"
done
t0=$(date +%s%N)
echo "measuring for $SECS s (BENCH_SECONDS)..."
sleep "$SECS"
t1=$(date +%s%N)
for p in P C S; do
	pid_var=${p}_PID
	kill -0 "${!pid_var}" || fail "$p died during the run"
	eval "${p}_CPU1=\$(cpu_ns ${!pid_var}) ${p}_CSW1=\$(ctxsw ${!pid_var})"
	eval "${p}_HWM=\$(hwm_kib ${!pid_var})"
done
mqtt_state=no
grep -q "^pirack/bench/state " "$T/mosquitto_sub.log" && mqtt_state=yes
collectd_mqtt=no
grep -q "^collectd/bench/" "$T/mosquitto_sub.log" && collectd_mqtt=yes

awk -v secs="$(((t1 - t0) / 1000000))" \
    -v pc="$((P_CPU1 - P_CPU0))" -v cc="$((C_CPU1 - C_CPU0))" \
    -v sc="$((S_CPU1 - S_CPU0))" \
    -v pw="$((P_CSW1 - P_CSW0))" -v cw="$((C_CSW1 - C_CSW0))" \
    -v sw="$((S_CSW1 - S_CSW0))" \
    -v ph="$P_HWM" -v ch="$C_HWM" -v sh="$S_HWM" \
    -v pm="$mqtt_state" -v cm="$collectd_mqtt" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
BEGIN {
	s = secs / 1000.0; n = int(s + 0.5)	# 1 s interval: samples
	printf "footprint: %.1f s window, 1 s interval (~%d samples each)\n", s, n
	printf "MQTT publishing seen: pirackd %s, collectd %s\n\n", pm, cm
	printf "%-22s %12s %12s %8s %14s\n", "", "pirackd", "collectd", \
	       "ratio", "mosquitto_sub"
	printf "%-22s %12.2f %12.2f %8s %14.2f\n", "peak RSS (MiB)", \
	       ph / 1024, ch / 1024, ratio(ph, ch), sh / 1024
	printf "%-22s %12.1f %12.1f %8s %14.1f\n", "CPU per sample (us)", \
	       pc / n / 1000, cc / n / 1000, ratio(pc, cc), sc / n / 1000
	printf "%-22s %12.2f %12.2f %8s %14.2f\n", "context switches/s", \
	       pw / s, cw / s, ratio(pw, cw), sw / s
}'
