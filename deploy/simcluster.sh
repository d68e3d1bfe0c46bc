#!/usr/bin/env bash
# deploy/simcluster.sh: the simulated cluster behind `make demo` (a broker,
# per node a simulated Pi (pirack-simnode) and its pirackd, pirack-pi over
# mpiexec paced and unpaced, a live view, then a summary (deploy/simstats.sh),
# a trace and a picture).
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	cat <<EOF
Usage: deploy/simcluster.sh [OPTION]...
Runs a simulated pirack cluster on this machine: a throw-away mosquitto on
loopback, per node a simulated Pi (pirack-simnode: thermal plant, firmware,
the sysfs tree and GPIO files a Pi shows) with an unmodified pirackd on it,
and the MPI pi computation (pirack-pi)
across all nodes, once paced by the agents and once unpaced for comparison.
Each run starts from cold agents (idle temperature). Shows a live line per
node while it runs and a summary at the end; writes OUT/trace.csv,
OUT/summary.json and OUT/thermal.png. Stops everything it started on exit,
Ctrl-C or failure.

  -n, --nodes N         simulated nodes (default 4)
  -s, --slots N         ranks per node (default 4)
  -t, --seconds S       rough length of the whole demo (default \$DEMO_SECONDS,
                        else 60); sizes the job and the time scale
  -p, --profile NAME    thermal profile of every node (default pi4-bare):
                        pi4-bare, pi4-heatsink-fan, pi5-bare,
                        pi5-active-cooler
  -a, --ambient LIST    ambient air per node in degC, comma list, the last
                        value repeating (default 46,47,48,50: a closed rack,
                        warmer towards the top)
      --time-scale X    physics runs X times faster than the clock (default 10)
      --sim-clock C     the simulated Pis' clock: wall (default; a rank
                        waiting for one of this machine's CPUs heats as if
                        busy) or cpu (it follows the CPU the ranks got: a
                        loaded machine slows the Pis instead of heating
                        them; pirack-simnode --clock). With cpu the job is
                        sized in the Pis' time (the calibration counts the
                        ranks' CPU time, not the wall clock's), the runs'
                        deadlines are in it too, and the agents sample
                        (and the ranks ask them) once per simulated second
                        at the speed the calibration found
  -m, --mode MODE       pacing of the paced run: node (default: each node
                        at its own pace, the work shared by a counter per
                        node and rounds split by rate, so cool nodes do
                        more) or uniform (every node at the hottest one's
                        pace)
      --runs LIST       runs in order, comma list of paced (pacing by
                        --mode, the agents' default lever, auto: a
                        simulated Pi's clock is capped first), unpaced,
                        node, uniform (those modes, the ranks sleeping),
                        sleep (pacing by --mode, [thermal] lever = sleep),
                        cpufreq (pacing by --mode, lever = cpufreq),
                        wrapper (the unpaced job, each rank started as
                        \`pirack run -- pirack-pi --pace off\`:
                        duty-cycled with SIGSTOP/SIGCONT at its node's
                        pace, lever = sleep; the program itself does not
                        pace), wrapauto (the same on the agents' default
                        lever, auto: the clock is capped first, the
                        wrappers hold the ranks only for what its floor
                        cannot do) (default paced,unpaced); each is a key
                        of summary.json
      --wrap-period-ms MS
                        the wrapper run's duty cycle, pirack run
                        --period-ms (default: pirack run's 100 ms in
                        simulated time, 100 / time scale, at least 10)
      --target C        the agents' target_c (default auto: pirackd's own,
                        2 K under the limit capping the clock, 3 K under
                        it when the ranks sleep)
      --limit C         the agents' limit_c (default 80)
      --interval-ms MS  the agents' sampling period (default: one simulated
                        second, 1000 / time scale)
      --intervals N     pi intervals (default: sized by a short calibration
                        run to the time budget)
      --work F          the unpaced job's share of a run's time budget, the
                        calibration's sizing (default 0.4; a paced run may
                        take longer in a warm rack); with --sim-clock cpu
                        in the Pis' time: the unpaced job computes F x the
                        budget x the time scale simulated seconds, longer
                        in wall time where ranks share this machine's cores
      --kill-agent NODE@S
                        SIGKILL NODE's agent S seconds into each paced run,
                        and not before NODE's ranks reported to it (so the
                        kill lands in mid-job whatever the machine's
                        speed); then, as systemd's ExecStopPost would, run
                        \`pirackd --failsafe\` for it (fan on)
  -o, --out DIR         output directory (default build/demo)
  -b, --build DIR       directory of the binaries (default build)
      --netns           (root) each node a separate host: its own network
                        (veth + bridge, a private 10.x subnet), mount (own
                        /dev/shm, /tmp), UTS, IPC and PID namespace;
                        mpiexec starts the ranks there through hydra's ssh
                        launcher, so MPI data crosses the node links over
                        TCP; all undone on exit
  -q, --quiet           no live lines
  -h, --help            this text

Needs mosquitto, mosquitto-clients, mpich, jq and gnuplot-nox
(deploy/deps.sh). Exit status: 0 done, 1 a step failed, 2 bad usage.
EOF
}

die() { echo "simcluster: $*" >&2; exit 1; }
bad_usage() { echo "simcluster: $*" >&2; echo "Try '$0 --help'." >&2; exit 2; }

NODES=4 SLOTS=4 TOTAL_S=${DEMO_SECONDS:-60} PROFILE=pi4-bare
AMBIENT=46,47,48,50 TIME_SCALE= MODE=node RUNS=paced,unpaced
TARGET=auto LIMIT=80 INTERVAL_MS= INTERVALS= WORK=0.4 KILL= OUT=$TOP/build/demo
BUILD=$TOP/build QUIET=0 NETNS=0 SIM_CLOCK=wall WRAP_PERIOD_MS=
# the agents' [thermal] lever, per run (run_job)
LEVER=auto

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}"; continue ;;
	esac
	need() { [ $# -ge 2 ] || bad_usage "option $opt needs a value"; }
	case $opt in
	-n|--nodes) need "$@"; NODES=$2; shift ;;
	-s|--slots) need "$@"; SLOTS=$2; shift ;;
	-t|--seconds) need "$@"; TOTAL_S=$2; shift ;;
	-p|--profile) need "$@"; PROFILE=$2; shift ;;
	-a|--ambient) need "$@"; AMBIENT=$2; shift ;;
	--time-scale) need "$@"; TIME_SCALE=$2; shift ;;
	--sim-clock) need "$@"; SIM_CLOCK=$2; shift ;;
	-m|--mode) need "$@"; MODE=$2; shift ;;
	--runs) need "$@"; RUNS=$2; shift ;;
	--target) need "$@"; TARGET=$2; shift ;;
	--wrap-period-ms) need "$@"; WRAP_PERIOD_MS=$2; shift ;;
	--limit) need "$@"; LIMIT=$2; shift ;;
	--interval-ms) need "$@"; INTERVAL_MS=$2; shift ;;
	--intervals) need "$@"; INTERVALS=$2; shift ;;
	--work) need "$@"; WORK=$2; shift ;;
	--kill-agent) need "$@"; KILL=$2; shift ;;
	-o|--out) need "$@"; OUT=$2; shift ;;
	-b|--build) need "$@"; BUILD=$2; shift ;;
	-q|--quiet) QUIET=1 ;;
	--netns) NETNS=1 ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option '$opt'" ;;
	esac
	shift
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; }
is_num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }
is_uint "$NODES" && [ "$NODES" -le 16 ] ||
	bad_usage "--nodes '$NODES': a number from 1 to 16"
is_uint "$SLOTS" && [ "$SLOTS" -le 16 ] ||
	bad_usage "--slots '$SLOTS': a number from 1 to 16"
is_uint "$TOTAL_S" && [ "$TOTAL_S" -ge 10 ] ||
	bad_usage "--seconds '$TOTAL_S': whole seconds, at least 10"
{ [ "$TARGET" = auto ] && is_num "$LIMIT"; } ||
	{ is_num "$TARGET" && is_num "$LIMIT" &&
	awk -v t="$TARGET" -v l="$LIMIT" 'BEGIN { exit !(t < l) }'; } ||
	bad_usage "--target $TARGET / --limit $LIMIT: numbers, target below limit (or auto)"
[ -z "$WRAP_PERIOD_MS" ] || { is_uint "$WRAP_PERIOD_MS" &&
	[ "$WRAP_PERIOD_MS" -ge 10 ] && [ "$WRAP_PERIOD_MS" -le 10000 ]; } ||
	bad_usage "--wrap-period-ms '$WRAP_PERIOD_MS': 10 to 10000"
[ -z "$INTERVAL_MS" ] || is_uint "$INTERVAL_MS" || bad_usage "--interval-ms '$INTERVAL_MS': a number"
[ -z "$TIME_SCALE" ] || { is_num "$TIME_SCALE" &&
	awk -v x="$TIME_SCALE" 'BEGIN { exit !(x > 0) }'; } ||
	bad_usage "--time-scale '$TIME_SCALE': a positive number"
is_num "$WORK" && awk -v w="$WORK" 'BEGIN { exit !(w > 0 && w <= 4) }' ||
	bad_usage "--work '$WORK': a fraction, above 0, at most 4"
[ -z "$INTERVALS" ] || is_uint "$INTERVALS" ||
	bad_usage "--intervals '$INTERVALS': a positive integer"
case $MODE in node|uniform) ;; *) bad_usage "--mode '$MODE': node or uniform" ;; esac
case $SIM_CLOCK in wall|cpu) ;; *) bad_usage "--sim-clock '$SIM_CLOCK': wall or cpu" ;; esac
IFS=, read -r -a RUN_LIST <<<"$RUNS"
[ ${#RUN_LIST[@]} -gt 0 ] || bad_usage "--runs: empty"
for r in "${RUN_LIST[@]}"; do
	case $r in paced|unpaced|node|uniform|sleep|cpufreq|wrapper|wrapauto) ;;
	*) bad_usage "--runs: '$r' is not paced, unpaced, node, uniform, sleep, cpufreq, wrapper or wrapauto" ;;
	esac
done
IFS=, read -r -a AMB_LIST <<<"$AMBIENT"
for x in "${AMB_LIST[@]}"; do
	is_num "$x" || bad_usage "--ambient: '$x' is not a temperature"
done
KILL_NODE= KILL_AT=
if [ -n "$KILL" ]; then
	[[ $KILL =~ ^(n[0-9]+)@([0-9]+(\.[0-9]+)?)$ ]] ||
		bad_usage "--kill-agent '$KILL': NODE@SECONDS, e.g. n1@5"
	KILL_NODE=${BASH_REMATCH[1]} KILL_AT=${BASH_REMATCH[2]}
	[ "${KILL_NODE#n}" -lt "$NODES" ] ||
		bad_usage "--kill-agent: no node $KILL_NODE (nodes n0..n$((NODES - 1)))"
fi
if [ $NETNS = 1 ]; then
	[ "$(id -u)" = 0 ] || bad_usage "--netns needs root (network namespaces)"
	command -v ip >/dev/null || die "ip is not installed (iproute2)"
fi
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

for b in pirackd pirack-simnode pirack-pi pirack; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b is missing: run make first"
done
CTL=$BUILD/tests/tools/ctl
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
# MPICH's launcher by name: pirack-pi is built with mpicc.mpich, and Open MPI
# (python3-mpi4py pulls it in) may own the plain mpiexec alternative.
MPIEXEC=$(command -v mpiexec.mpich || command -v mpiexec || echo mpiexec)
for t in "$MOSQUITTO" mosquitto_sub "$MPIEXEC" jq gnuplot; do
	command -v "$t" >/dev/null ||
		die "$t is not installed (deploy/deps.sh installs it)"
done

ambient_of() {	# node index -> ambient
	local i=$1
	[ "$i" -lt ${#AMB_LIST[@]} ] || i=$((${#AMB_LIST[@]} - 1))
	echo "${AMB_LIST[$i]}"
}

# --- everything started is recorded here and stopped on exit -----------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/pirack-demo.XXXXXX")
PIDS=()

stop_pid() {	# pid: TERM, then KILL after 3 s
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	[ $NETNS = 1 ] && net_down
	if [ $rc -ne 0 ]; then
		for f in "$RUN"/*/*.log "$RUN"/*/*/agent.log "$RUN"/*/*/sim.log; do
			[ -s "$f" ] || continue
			echo "--- ${f#"$RUN"/}" >&2
			tail -n 15 "$f" >&2
		done
	fi
	[ -n "${SIMCLUSTER_KEEP:-}" ] && echo "kept $RUN" >&2 || rm -rf "$RUN"
	exit $rc
}
trap cleanup EXIT
trap 'echo; echo "simcluster: interrupted" >&2; exit 130' INT TERM

bg() {	# log cmd...: background, remembered for cleanup
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

wait_for() {	# secs what cmd...: poll a condition with a deadline
	local secs=$1 what=$2; shift 2
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || die "timed out after ${secs}s waiting for $what"
		sleep 0.05
	done
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

free_port() {
	if [ -x "$BUILD/tests/tools/freeport" ]; then
		"$BUILD/tests/tools/freeport"
		return
	fi
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	die "no free TCP port found"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- --netns: each node a separate host on a bridge (tests/hosts_lib.sh:
# own network, mount with own /dev/shm and /tmp, UTS, IPC and PID
# namespace), so MPI data crosses the node links over TCP ------------------
source "$TOP/tests/hosts_lib.sh"
NET_TAG=psim$(($$ % 100000)) NET_UP=0 BROKER_HOST=127.0.0.1

net_up() {
	local why
	why=$(hosts_possible) || die "--netns: separate hosts impossible here: $why"
	NET_UP=1
	hosts_up "$NET_TAG" "$NODES" "$RUN" "$BUILD" ||
		die "--netns: could not create the hosts"
	hosts_machinefile "$SLOTS" >"$RUN/machinefile"
	BROKER_HOST=$HOSTS_PFX.1
}

link_bytes() {	# bytes the node links carried so far (--netns), else null
	[ $NETNS = 1 ] || { echo null; return; }
	hosts_link_bytes
}

net_down() {
	[ "$NET_UP" = 1 ] || return 0
	hosts_down
	NET_UP=0
}

[ $NETNS = 1 ] && net_up

# --- the broker -----------------------------------------------------------
PORT=$(free_port)
{
	echo "listener $PORT 127.0.0.1"
	[ $NETNS = 0 ] || echo "listener $PORT $BROKER_HOST"
	echo "allow_anonymous true"
	echo "persistence false"
} >"$RUN/mosquitto.conf"
mkdir -p "$RUN/broker"
bg "$RUN/broker/mosquitto.log" "$MOSQUITTO" -c "$RUN/mosquitto.conf"
wait_for 10 "mosquitto on port $PORT" port_open "$PORT"

# --- per node: config, start, stop ---------------------------------------
write_config() {	# dir node ambient time_scale
	local d=$1 node=$2 amb=$3 ts=$4
	mkdir -p "$d/sysfs" "$d/gpio"
	cat >"$d/agent.conf" <<EOF
; simulated node $node (deploy/simcluster.sh)
[node]
name = $node
[thermal]
source = sim
sysfs_root = $d/sysfs
interval_ms = $INTERVAL_MS
target_c = $TARGET
limit_c = $LIMIT
lever = $LEVER
[fan]
driver = gpio
chip = gpiochip0
line = 14
[led]
driver = gpio
chip = gpiochip0
lines = 17,27,22
[gpio]
backend = sim
sim_dir = $d/gpio
[mqtt]
enabled = true
host = $BROKER_HOST
port = $PORT
[control]
socket = $d/agent.sock
[sim]
profile = $PROFILE
ambient_c = $amb
time_scale = $ts
slots = $SLOTS
EOF
}

declare -A AGENT_PID=() SIM_PID=()

# Per node first its simulated Pi (it writes the sysfs tree the agent
# reads, and finds the node's ranks by their PIRACK_SIM_NODE), then the
# agent on the same config, as on a real Pi: it meets the simulation only
# through sysfs and the GPIO files.
start_agents() {	# rundir time_scale
	local rd=$1 ts=$2 i node d
	for ((i = 0; i < NODES; i++)); do
		node=n$i d=$rd/$node
		write_config "$d" "$node" "$(ambient_of $i)" "$ts"
		"$BUILD/pirackd" --check-config -c "$d/agent.conf" >/dev/null ||
			die "the generated config $d/agent.conf is refused"
		bg "$d/sim.log" "$BUILD/pirack-simnode" -c "$d/agent.conf" \
			--stats "$d/sim.json" --clock "$SIM_CLOCK"
		SIM_PID[$node]=$BG_PID
	done
	for ((i = 0; i < NODES; i++)); do
		wait_for 15 "simulated node n$i's sysfs tree" \
			test -s "$rd/n$i/sysfs/class/thermal/thermal_zone0/temp"
	done
	for ((i = 0; i < NODES; i++)); do
		node=n$i d=$rd/$node
		if [ $NETNS = 1 ]; then
			# in the node's PID namespace (it signals its ranks);
			# the agent's own PID is nsenter's child
			bg "$d/agent.log" $(hosts_cmd $i) \
				"$BUILD/pirackd" -f -c "$d/agent.conf"
			BG_PID=$(hosts_child "$BG_PID") ||
				die "agent n$i did not start in its host"
		else
			bg "$d/agent.log" "$BUILD/pirackd" -f -c "$d/agent.conf"
		fi
		AGENT_PID[$node]=$BG_PID
	done
	for ((i = 0; i < NODES; i++)); do
		wait_for 15 "agent n$i's socket" test -S "$rd/n$i/agent.sock"
	done
}

stop_agents() {	# the agents, then their simulated Pis
	local node
	for node in "${!AGENT_PID[@]}"; do
		stop_pid "${AGENT_PID[$node]}"
	done
	AGENT_PID=()
	for node in "${!SIM_PID[@]}"; do
		stop_pid "${SIM_PID[$node]}"
	done
	SIM_PID=()
}

# --- the live view and the trace -------------------------------------------
# states.log lines: "<unix time> pirack/<node>/state <json>" (mosquitto_sub).
latest_states() {	# states.log -> [newest state of each node + .rx]
	tac "$1" 2>/dev/null | awk '!seen[$2]++' |
		awk '{ i = index($0, $3); print $1 "\t" substr($0, i) }' |
		jq -Rc 'split("\t") as [$t, $j] | ($j | try fromjson catch null)
			| select(type == "object") | . + { rx: ($t | tonumber) }' \
			2>/dev/null | jq -sc 'sort_by(.node)' 2>/dev/null || echo '[]'
}

live_line() {	# run t states.log
	[ "$QUIET" = 1 ] && return
	local line
	# a node not heard of for 4 s has lost its agent
	line=$(latest_states "$3" | jq -r --argjson now "$(now)" '
		map("\(.node) " + if $now - .rx > 4 then "no agent" else
		    (if .temp_c == null then "-.-" else
		     (.temp_c * 10 | round / 10 | tostring) end) + "C" +
		    " fan \(.fan // "?")" +
		    " pace \(.pace // 0 | . * 100 | round / 100 | tostring)" +
		    (if (.throttled.freq_capped // false) or
			(.throttled.throttled // false) then " THROTTLED"
		     else "" end) end)
		| join(" | ")')
	printf '[%-7s %5ss] %s\n' "$1" "$2" "${line:-waiting for the agents}"
}

# --- one run -----------------------------------------------------------------
# The agents' target in a run: --target, or with auto what pirackd picks
# (config_target_c): 2 K under the limit capping the clock (lever auto or
# cpufreq: a simulated Pi's clock can always be capped), 3 K sleeping.
run_target() {	# (LEVER) -> degrees C
	if [ "$TARGET" != auto ]; then
		echo "$TARGET"
		return
	fi
	case $LEVER in
	sleep) awk -v l="$LIMIT" 'BEGIN { print l - 3 }' ;;
	*) awk -v l="$LIMIT" 'BEGIN { print l - 2 }' ;;
	esac
}

run_pace() {	# run name -> pirack-pi's --pace
	case $1 in
	paced | sleep | cpufreq) echo "$MODE" ;;
	unpaced | wrapper | wrapauto) echo off ;;
	*) echo "$1" ;;
	esac
}

# The simulated Pis' clock (pirack-simnode keeps it in each node's tree,
# lib/sensors.h): the most advanced node's, in seconds; 0 before any.
sim_clock() {	# rundir
	cat "$1"/n*/sysfs/pirack-sim/clock_us 2>/dev/null |
		awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { printf "%.3f", m / 1e6 }'
}

# Past its deadline? With the wall clock a busy machine slows every job:
# the deadline grows with the load average per core when the run starts,
# up to 8 times. With the CPU clock the deadline is in the Pis' time, which
# a busy machine slows as much as it slows the ranks (the wall time is
# then bounded by the test's own timeout, tests/run.sh).
past_deadline() {	# rundir wall-seconds
	if [ "$SIM_CLOCK" = cpu ]; then
		awk -v t="$(sim_clock "$1")" -v t0="${RUN_SIM0:-0}" \
			-v b="$RUN_DEADLINE" -v ts="$TS" \
			'BEGIN { exit !(t - t0 > b * ts) }'
	else
		awk -v t="$2" -v b="$RUN_DEADLINE_WALL" 'BEGIN { exit !(t > b) }'
	fi
}

run_job() {	# run: paced|unpaced
	local run=$1 rd=$RUN/$1 pace_mode i t0 mpi_pid killed=0 next_live=0
	local refresh
	local -a cmd=("$MPIEXEC") wrap=()
	# wrapper: each rank the unpaced program under \`pirack run\`, which
	# asks the node's agent (PIRACK_SOCKET) for the pace and duty-cycles
	# it; -v: each wrapper's share of time stopped, in mpi.log. It asks
	# as often as a paced job's ranks (-R): the program under it runs
	# unpaced and asks ten times less often (below), which would leave
	# the wrapper holding each rank to a pace up to ten refreshes old
	case $run in wrapper | wrapauto)
		wrap=("$BUILD/pirack" run -v -R "$REFRESH_S"
		      --period-ms "$WRAP_PERIOD_MS" --) ;;
	esac
	# --netns: the machinefile puts each node's ranks (in order) on its
	# address, hydra's proxies start there through hosts_lib.sh's ssh,
	# UCX over TCP on the node link (hosts_mpiexec_opts)
	if [ $NETNS = 1 ]; then
		hosts_mpiexec_opts "$RUN/machinefile"
		cmd+=("${HOSTS_MPIEXEC_OPTS[@]}")
	fi
	mkdir -p "$rd"
	pace_mode=$(run_pace "$run")
	# An unpaced job only reports to its agent: on the CPU clock it asks
	# ten times less often, which spares the agents' CPU (the ranks do
	# not wait for the replies).
	refresh=$REFRESH_S
	[ "$pace_mode" != off ] || [ "$SIM_CLOCK" = wall ] ||
		refresh=$(awk -v r="$REFRESH_S" 'BEGIN { print r * 10 }')
	case $run in
	paced | wrapauto) LEVER=auto ;;	# the agents' default
	cpufreq) LEVER=cpufreq ;;
	*) LEVER=sleep ;;
	esac
	run_target >"$rd/target"
	start_agents "$rd" "$TS"
	start_collector "$rd"
	for ((i = 0; i < NODES; i++)); do
		[ $i -eq 0 ] || cmd+=(:)
		cmd+=(-n "$SLOTS" -env PIRACK_SOCKET "$rd/n$i/agent.sock"
		      -env PIRACK_SIM_NODE "$rd/n$i/sysfs"
		      -env PIRACK_NODE "n$i" -env PIRACK_SYSFS_ROOT "$rd/n$i/sysfs"
		      -env PIRACK_TARGET_C "$(LEVER=sleep run_target)"
		      -env PIRACK_LIMIT_C "$LIMIT"
		      -env PIRACK_PACE_REFRESH_S "$refresh"
		      "${wrap[@]}" "$BUILD/pirack-pi" --json --pace "$pace_mode"
		      --intervals "$JOB_INTERVALS")
	done
	echo "== $run run: ${cmd[*]:0:14} ..." >"$rd/events.txt"
	[ "$QUIET" = 1 ] || echo "-- $run run: $((NODES * SLOTS)) ranks on $NODES nodes, pace $pace_mode${wrap:+, each under pirack run}"
	t0=$(now)
	RUN_SIM0=$(sim_clock "$rd")
	RUN_DEADLINE_WALL=$(awk -v d="$RUN_DEADLINE" -v f="$(load_factor)" \
		'BEGIN { printf "%.0f", d * f }')
	"${cmd[@]}" >"$rd/pi.json" 2>"$rd/mpi.log" &
	mpi_pid=$!
	PIDS+=("$mpi_pid")
	while kill -0 "$mpi_pid" 2>/dev/null; do
		local t
		t=$(elapsed "$t0")
		if [ "$pace_mode" != off ] && [ -n "$KILL_NODE" ] && [ $killed = 0 ] &&
		   awk -v t="$t" -v k="$KILL_AT" 'BEGIN { exit !(t >= k) }' &&
		   job_attached "$rd" "$KILL_NODE"; then
			kill_agent "$rd" "$KILL_NODE" "$t"
			killed=1
		fi
		if awk -v t="$t" -v n="$next_live" 'BEGIN { exit !(t >= n) }'; then
			live_line "$run" "$t" "$rd/states.log"
			next_live=$(awk -v n="$next_live" 'BEGIN { print n + 2 }')
		fi
		if past_deadline "$rd" "$t"; then
			[ "$SIM_CLOCK" = cpu ] &&
				die "the $run job did not finish within $(awk -v b="$RUN_DEADLINE" -v ts="$TS" 'BEGIN { print b * ts }') simulated seconds (${t}s wall)"
			die "the $run job did not finish within ${RUN_DEADLINE_WALL}s (load factor $(load_factor))"
		fi
		sleep 0.2
	done
	wait "$mpi_pid" || die "the $run job failed (exit $?): $(tail -n 5 "$rd/mpi.log")"
	RUN_WALL=$(elapsed "$t0")
	link_bytes >"$rd/link_bytes"
	wrapped_stats "$rd" >"$rd/wrapped.json"
	echo "$t0" >"$rd/t0"
	echo "$RUN_WALL" >"$rd/wall"
	live_line "$run" "$RUN_WALL" "$rd/states.log"
	jq -e '.pi' "$rd/pi.json" >/dev/null 2>&1 ||
		die "the $run job printed no JSON result: $(head -c 300 "$rd/pi.json")"
	stop_agents
	stop_pid "$SUB_PID"
}

# Every node's state as MQTT carries it (mosquitto_sub); should the agents
# not publish (built without MQTT), their "status" over the control socket
# instead, polled every interval. Both write the same states.log lines.
start_collector() {	# rundir
	local rd=$1
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'pirack/+/state' \
		-F '%U %t %p' >"$rd/states.log" 2>"$rd/sub.log" &
	SUB_PID=$!
	PIDS+=("$SUB_PID")
	local end=$((SECONDS + 5))
	while [ $SECONDS -lt $end ]; do
		[ "$(cut -d' ' -f2 "$rd/states.log" | sort -u | wc -l)" -ge "$NODES" ] &&
			return 0
		sleep 0.1
	done
	[ -x "$CTL" ] || die "no node state over MQTT and no $CTL to poll the agents"
	stop_pid "$SUB_PID"
	[ "$COLLECT_WARNED" = 1 ] || echo "-- no state over MQTT: polling the agents' control sockets"
	COLLECT_WARNED=1
	poll_status "$rd" >>"$rd/states.log" 2>"$rd/sub.log" &
	SUB_PID=$!
	PIDS+=("$SUB_PID")
}
COLLECT_WARNED=0

poll_status() {	# rundir: "<time> pirack/<node>/state <json>" lines
	local rd=$1 i st
	local period
	period=$(awk -v ms="$INTERVAL_MS" 'BEGIN { print ms / 1000 }')
	while :; do
		for ((i = 0; i < NODES; i++)); do
			st=$("$CTL" -t 2 "$rd/n$i/agent.sock" status 2>/dev/null) ||
				continue
			echo "$(now) pirack/n$i/state $st"
		done
		sleep "$period"
	done
}

# Per node, how the wrappers of its ranks (pirack run -v) held them: the
# wrappers seen and their mean share of the job's time stopped; {} when
# no rank ran wrapped.
wrapped_stats() {	# rundir -> {"<node>": {ranks, stopped_pct}}
	sed -n 's/^pirack run: .* stopped \([0-9]*\)% of .* (node \(.*\))$/\2 \1/p' \
		"$1/mpi.log" | jq -Rsc 'split("\n") | map(select(length > 0)
		| split(" ") | { node: .[0], pct: (.[1] | tonumber) })
		| group_by(.node) | map({ key: .[0].node, value: {
			ranks: length,
			stopped_pct: (map(.pct) | add / length) } })
		| from_entries'
}

job_attached() {	# rundir node: the node's ranks have reported to its agent
	"$CTL" -t 2 "$1/$2/agent.sock" status 2>/dev/null |
		jq -e '.job != null' >/dev/null 2>&1
}

kill_agent() {	# rundir node t
	local rd=$1 node=$2 t=$3
	kill -KILL "${AGENT_PID[$node]}" 2>/dev/null || true
	wait "${AGENT_PID[$node]}" 2>/dev/null || true
	unset "AGENT_PID[$node]"
	# what systemd's ExecStopPost=pirackd --failsafe does after a crash
	"$BUILD/pirackd" --failsafe -c "$rd/$node/agent.conf" \
		>>"$rd/$node/agent.log" 2>&1 || true
	local fan
	fan=$(cat "$rd/$node/gpio/gpiochip0/14" 2>/dev/null || echo '?')
	echo "$t $node agent killed (SIGKILL); failsafe run; fan line $fan" \
		>>"$rd/events.txt"
	[ "$QUIET" = 1 ] || echo "!! ${t}s: killed $node's agent (SIGKILL); fan line now $fan"
}

# --- sizing: the job and the time scale fit the time budget ---------------
# A calibration job: "wall-seconds CPU-seconds" pirack-pi computed, over
# the whole layout (oversubscribed as it will run); with the CPU clock
# one rank alone: the CPU time of a rank, on which the simulated Pis run,
# is what sizes the job there, and a busy machine hardly changes it (in
# the whole layout a rank done early may spin on MPI while the others
# wait for a CPU).
calibrate_run() {	# intervals -> "seconds cpu_s" of the job
	local i
	local -a cmd=("$MPIEXEC")
	if [ "$SIM_CLOCK" = cpu ]; then
		cmd+=(-n 1 -env PIRACK_NODE n0
		      -env PIRACK_SOCKET "$RUN/no-agent.sock"
		      -env PIRACK_SYSFS_ROOT "$RUN/no-sysfs"
		      "$BUILD/pirack-pi" --json --pace off --intervals "$1")
	fi
	for ((i = 0; i < NODES && ${#cmd[@]} == 1; i++)); do
		[ $i -eq 0 ] || cmd+=(:)
		cmd+=(-n "$SLOTS" -env PIRACK_NODE "n$i"
		      -env PIRACK_SOCKET "$RUN/no-agent.sock"
		      -env PIRACK_SYSFS_ROOT "$RUN/no-sysfs"
		      "$BUILD/pirack-pi" --json --pace off --intervals "$1")
	done
	"${cmd[@]}" >"$RUN/calibrate.json" 2>"$RUN/calibrate.log" ||
		die "calibration run failed: $(tail -n 3 "$RUN/calibrate.log")"
	jq -e -r '"\(.seconds) \(.cpu_s)"' "$RUN/calibrate.json" 2>/dev/null ||
		die "calibration: no seconds in pirack-pi's JSON"
}

# -> "rate slowness": intervals per second of the whole cluster, unpaced
# (with the CPU clock per second of each rank's CPU time, the simulated
# Pis' time), and how much slower than its CPU time a rank alone ran (1 on
# a quiet machine, at most 4: should the machine calm down in mid-run, the
# loop's periods, set by it, are then at most 4 simulated seconds; the
# wall clock: 1)
calibrate() {
	local k1=100000000 k2=2000000000 w1 c1 w2 c2 n=1 f=1
	# A small job for the start-up (easily a second or two), then bigger
	# ones until they compute a second longer (with the CPU clock: half a
	# second of one rank's CPU, the steadier measure); the difference is
	# the rate.
	[ "$SIM_CLOCK" = wall ] || { n=$((NODES * SLOTS)) f=2; }
	read -r w1 c1 <<<"$(calibrate_run "$k1")"
	for _ in 1 2 3 4 5; do
		read -r w2 c2 <<<"$(calibrate_run "$k2")"
		[ "$SIM_CLOCK" = wall ] || { w1=$c1 w2=$c2; }
		awk -v a="$w1" -v b="$w2" -v f="$f" \
			'BEGIN { exit !((b - a) * f >= 1) }' && break
		k2=$(awk -v k="$k2" -v a="$w1" -v b="$w2" -v f="$f" 'BEGIN {
			d = (b - a) * f; f = 1.5 / (d > 0.05 ? d : 0.05);
			f = f < 2 ? 2 : f > 20 ? 20 : f; printf "%.0f", k * f }')
	done
	awk -v k1="$k1" -v k2="$k2" -v a="$w1" -v b="$w2" -v n="$n" -v f="$f" \
		-v s="$(jq -r '.seconds / .cpu_s' "$RUN/calibrate.json")" \
		'BEGIN { d = b - a > 0.1 / f ? b - a : 0.1 / f
			 printf "%.0f %.2f", n * (k2 - k1) / d,
				(s < 1 || f == 1 ? 1 : (s > 4 ? 4 : s)) }'
}

NRUNS=${#RUN_LIST[@]}
RUN_S=$(awk -v t="$TOTAL_S" -v n="$NRUNS" \
	'BEGIN { r = (t - 8 - 3 * n) / n; printf "%.1f", r < 4 ? 4 : r }')
# Physics five times faster than the clock, the agents sampling once per
# simulated second (as a real agent does): libpirackpace refreshes its pace
# once a (wall) second, and a much faster plant would outrun that loop.
TS=${TIME_SCALE:-10}
RUN_DEADLINE=$(awk -v r="$RUN_S" 'BEGIN { printf "%.0f", r * 8 < 120 ? 120 : r * 8 }')
# (past_deadline: how a busy machine stretches it)
load_factor() {
	awk -v n="$(nproc 2>/dev/null || echo 1)" '{ f = $1 / n;
		printf "%.2f", (f < 1 ? 1 : (f > 8 ? 8 : f)) }' /proc/loadavg
}
SLOW=1
if [ -n "$INTERVALS" ]; then
	JOB_INTERVALS=$INTERVALS
else
	[ "$QUIET" = 1 ] || echo "-- calibrating: how fast does this machine compute pi?"
	read -r IPS SLOW <<<"$(calibrate)"
	# Unpaced that is under half the run's time: paced runs take two or
	# three times as long in a warm rack (and a loaded machine computes
	# slower than the calibration said).
	JOB_INTERVALS=$(awk -v r="$IPS" -v s="$RUN_S" -v w="$WORK" \
		'BEGIN { printf "%.0f", r * s * w }')
fi
# The Pis' time runs TS times faster than the wall clock's, but with the
# CPU clock only as fast as the ranks get CPUs: cores/ranks of that where
# they share this machine's cores, and slower again on a busy machine (as
# the calibration found it).
TS_RUN=$TS
[ "$SIM_CLOCK" = wall ] ||
	TS_RUN=$(awk -v t="$TS" -v c="$(nproc 2>/dev/null || echo 1)" \
		-v r="$((NODES * SLOTS))" -v s="$SLOW" \
		'BEGIN { print (c < r ? t * c / r : t) / s }')
# The agents sample, and libpirackpace asks its agent for the pace, once
# per simulated second at that speed: more often than the agent samples
# would only cost the agents CPU, which the ranks want.
REFRESH_S=$(awk -v t="$TS_RUN" 'BEGIN { printf "%.3f", 1 / t }')
[ -n "$INTERVAL_MS" ] ||
	INTERVAL_MS=$(awk -v t="$TS_RUN" 'BEGIN { m = 1000 / t; printf "%d", m < 20 ? 20 : m }')
# pirack run's default period, 100 ms, in simulated time: a tenth of the
# agent's sampling period, as on a Pi (and short periods keep the ranks'
# collectives moving: a rank stopped for long holds up the others)
[ -n "$WRAP_PERIOD_MS" ] ||
	WRAP_PERIOD_MS=$(awk -v t="$TS_RUN" 'BEGIN { m = 100 / t; printf "%d", m < 10 ? 10 : m }')
# said even with -q: a test's log then tells how busy the machine was
[ "$SIM_CLOCK" = wall ] ||
	echo "-- CPU clock: a rank ran ${SLOW}x its CPU time; physics about x$TS_RUN of the wall clock; the agents sample every $INTERVAL_MS ms, the ranks ask every ${REFRESH_S}s"

AMB_TEXT=$(for ((i = 0; i < NODES; i++)); do ambient_of $i; done | paste -sd, -)
if [ "$TARGET" = auto ]; then
	TARGET_TEXT="auto ($(LEVER=auto run_target) degC capping the clock, $(LEVER=sleep run_target) sleeping)"
else
	TARGET_TEXT="$TARGET degC"
fi
[ "$QUIET" = 1 ] || cat <<EOF
pirack simulated cluster: $NODES nodes x $SLOTS slots, profile $PROFILE,
ambient $AMB_TEXT degC, target $TARGET_TEXT, limit $LIMIT degC, physics x$TS,
$JOB_INTERVALS intervals, about ${RUN_S}s per run; broker 127.0.0.1:$PORT
EOF

for r in "${RUN_LIST[@]}"; do
	run_job "$r"
done

# --- trace, summary (deploy/simstats.sh), picture ---------------------------
mkdir -p "$OUT"
SUMMARY=$OUT/summary.json
bash "$TOP/deploy/simstats.sh" --run-dir "$RUN" --out "$OUT" --runs "$RUNS" \
	--mode "$MODE" --target "$TARGET" --limit "$LIMIT" --time-scale "$TS" \
	--profile "$PROFILE" --ambient "$AMB_TEXT" --nodes "$NODES" \
	--slots "$SLOTS" --netns "$([ $NETNS = 1 ] && echo "$NET_TAG")" ||
	die "the statistics failed (deploy/simstats.sh)"

# --- the picture ---------------------------------------------------------------
plot() {
	local gp=$RUN/thermal.gp r i xmax ytop
	# one colour per node in every panel
	local -a colour=('#1f77b4' '#ff7f0e' '#2ca02c' '#d62728' '#9467bd'
			 '#8c564b' '#e377c2' '#7f7f7f' '#bcbd22' '#17becf')
	mkdir -p "$RUN/plot"
	for r in "${RUN_LIST[@]}"; do
		for ((i = 0; i < NODES; i++)); do
			jq -r --arg n "n$i" --argjson ts "$TS" --argjson i "$i" \
				'select(.node == $n) | "\(.t * $ts) \(.temp) \(.pace) " +
				 "\(if .fan > 0 then 1.06 + 0.06 * $i else "NaN" end) " +
				 "\(if .thr > 0 then .temp else "NaN" end)"' \
				"$RUN/$r/trace.jsonl" >"$RUN/plot/$r-n$i.dat"
		done
	done
	# the same time axis for every run, so their lengths compare
	xmax=$(cat "$RUN"/plot/*.dat | awk 'BEGIN { m = 1 } $1 > m { m = $1 }
		END { printf "%d", m * 1.02 + 1 }')
	ytop=$(awk -v n="$NODES" 'BEGIN { print 1.1 + 0.06 * n }')
	{
		echo "set terminal pngcairo size $((640 * NRUNS + 120)),860 font 'Sans,10'"
		echo "set output '$OUT/thermal.png'"
		echo "set multiplot layout 2,$NRUNS columnsfirst title \"pirack simulated cluster: $NODES nodes × $SLOTS ranks, $PROFILE, ambient $AMB_TEXT °C, physics ×$TS\" font 'Sans,12'"
		echo "set grid; set key outside right top vertical Left reverse"
		# (the trace's wall time x time scale: with the CPU clock the Pis
		# ran slower than that)
		if [ "$SIM_CLOCK" = cpu ]; then
			echo "set xlabel 'wall time x $TS (s)'; set xrange [0:$xmax]"
		else
			echo "set xlabel 'simulated time (s)'; set xrange [0:$xmax]"
		fi
		echo "set style line 90 lc rgb '#e08000' dt 2 lw 1.5"
		echo "set style line 91 lc rgb '#d00000' dt 2 lw 1.5"
		for r in "${RUN_LIST[@]}"; do
			local title=$r wall
			wall=$(jq -r --arg r "$r" '.[$r].wall_s | . * 10 | round / 10' "$SUMMARY")
			case $r in
			paced) title="paced ($MODE)" ;;
			node|uniform) title="paced ($r)" ;;
			cpufreq) title="paced ($MODE), clock capped" ;;
			sleep) title="paced ($MODE), ranks sleeping" ;;
			unpaced) title="unpaced" ;;
			wrapper) title="unpaced program under pirack run" ;;
			wrapauto) title="unpaced program under pirack run, clock capped" ;;
			esac
			echo "set title '$title: temperature (job: ${wall} s wall)'"
			echo "set ylabel '°C'; set yrange [*:$(awk -v l="$LIMIT" 'BEGIN { print l + 6 }')]"
			printf "plot %s title 'target', %s title 'limit'" \
				"$(cat "$RUN/$r/target") ls 90" "$LIMIT ls 91"
			for ((i = 0; i < NODES; i++)); do
				printf ", '%s' using 1:2 with lines lw 2 lc rgb '%s' title 'n%d'" \
					"$RUN/plot/$r-n$i.dat" "${colour[i % 10]}" "$i"
			done
			printf ", '%s' using 1:5 with points pt 7 ps 0.5 lc rgb 'black' title 'throttled'" \
				"$RUN/plot/$r-n0.dat"
			for ((i = 1; i < NODES; i++)); do
				printf ", '%s' using 1:5 with points pt 7 ps 0.5 lc rgb 'black' notitle" \
					"$RUN/plot/$r-n$i.dat"
			done
			echo
			echo "set title '$title: pace (lines); fan on (bars above 1)'"
			echo "set ylabel 'pace'; set yrange [0:$ytop]"
			printf "plot 1 lc rgb '#bbbbbb' notitle"
			for ((i = 0; i < NODES; i++)); do
				printf ", '%s' using 1:3 with lines lw 2 lc rgb '%s' title 'n%d'" \
					"$RUN/plot/$r-n$i.dat" "${colour[i % 10]}" "$i"
				printf ", '%s' using 1:4 with lines lw 4 lc rgb '%s' notitle" \
					"$RUN/plot/$r-n$i.dat" "${colour[i % 10]}"
			done
			echo
		done
		echo "unset multiplot"
	} >"$gp"
	gnuplot "$gp" 2>"$RUN/gnuplot.log" ||
		die "gnuplot failed: $(tail -n 3 "$RUN/gnuplot.log")"
	echo "picture: $OUT/thermal.png"
}
plot
