#!/usr/bin/env bash
# Pacing that pays (issue 11 part 5): the simulated cluster
# (deploy/simcluster.sh) on three racks, each paced several ways and unpaced
# in one simcluster run (same job size, same machine load), from its
# summary.json: the job's time, ratio to the unpaced run, the hottest
# node's peak against the limit, the most throttled node's share of time,
# energy.
# Runs simcluster does not offer and summary fields it does not write
# are shown as "-" with a note, not failed. wrapper: the unpaced program
# with each rank under `pirack run` (deploy/simcluster.sh --runs wrapper),
# the agents pacing by sleeping only; wrapauto: the same on the agents'
# default lever (auto: the clock capped first, --runs wrapauto).
#   PACING_BENCH_SECONDS  each run's share of simcluster's time budget
#                         (-t: this times the runs, plus simcluster's
#                         own 8 s and 3 s a run; default 25: the unpaced
#                         job computes 0.4 of it in the Pis' time times
#                         the time scale, about 100 s on the 2x2 rack)
#   PACING_BENCH_RACKS    comma list of 2x2,4x4,8x2 (default all)
#   PACING_BENCH_CLOCK    the simulated Pis' clock, simcluster --sim-clock:
#                         cpu (default: the ratios are of the rack's time,
#                         rack_s, which the machine's load hardly changes)
#                         or wall (ratios of the wall time, as the demo
#                         runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${PIRACK_BUILD:-build}
SECS=${PACING_BENCH_SECONDS:-25}
RACKS=${PACING_BENCH_RACKS:-2x2,4x4,8x2}
CLOCK=${PACING_BENCH_CLOCK:-cpu}
case $SECS in
'' | *[!0-9]* | 0) echo "pacing.bench: PACING_BENCH_SECONDS=$SECS: whole seconds" >&2; exit 2 ;;
esac
case $CLOCK in
cpu) TKEY=rack_s EKEY=rack_energy_j ;;
wall) TKEY=wall_s EKEY=energy_j ;;
*) echo "pacing.bench: PACING_BENCH_CLOCK=$CLOCK: cpu or wall" >&2; exit 2 ;;
esac
SIM=deploy/simcluster.sh
OUTD=$B/bench/pacing
mkdir -p "$OUTD"

# rack -> simcluster options (the default 4x4 takes simcluster's air)
rack_opts() {
	case $1 in
	2x2) echo "-n 2 -s 2 -a 40,50" ;;
	4x4) echo "-n 4 -s 4" ;;
	8x2) echo "-n 8 -s 2 -a 40,42,44,46,49,51,53,55" ;;
	*) echo "pacing.bench: unknown rack $1 (2x2, 4x4, 8x2)" >&2; exit 2 ;;
	esac
}

# The bench's runs and simcluster's names for them: "paced" is pacing by
# simcluster's default --mode and the agents' default lever (auto: the
# clock first), whatever the defaults of the day are; "sleep" the same
# mode with the ranks sleeping only.
WANT=(default sleep uniform wrapper wrapauto cpufreq unpaced)
declare -A SIMRUN=([default]=paced [sleep]=sleep [uniform]=uniform
		   [wrapper]=wrapper [wrapauto]=wrapauto [cpufreq]=cpufreq
		   [unpaced]=unpaced)

# Does simcluster know run R? Valid options and a missing build dir: it
# validates --runs (exit 2) before it looks for the binaries (exit 1).
sim_knows() {
	local rc=0
	bash "$SIM" -q --runs "$1" -b "$OUTD/no-such-build" >/dev/null 2>&1 ||
		rc=$?
	[ $rc != 2 ]
}

RUNS=() MISSING=()
for w in "${WANT[@]}"; do
	if sim_knows "${SIMRUN[$w]}"; then
		RUNS+=("$w")
	else
		MISSING+=("$w")
	fi
done

ROW='%-5s %-8s %8s %8s %8s %7s %6s %7s %13s %10s %9s\n'
# jq for both programs below: rounding; a run's machine speed (pi
# intervals per CPU second of its ranks) over the unpaced run's, null
# when either lacks it (then the ratios are raw only).
# shellcheck disable=SC2016 # jq's $ names, not the shell's
JQ_DEFS='
def f(n): . * pow(10; n) | round / pow(10; n);
def speed: if .cpu_s and .cpu_s > 0 and .intervals
	then .intervals / .cpu_s else null end;
def host($x; $un): if ($x | speed) and ($un | speed)
	then ($x | speed) / ($un | speed) else null end;
# " (R x at one machine speed)" for ratio r of run x, or ""
def at_one($r; $x; $un): host($x; $un) as $h
	| if $h then " (\($r * $h | f(2))x at one machine speed)" else "" end;
'
# shellcheck disable=SC2059 # the format is ROW
printf "$ROW" rack run pi_s rack_s wall_s ratio host ratio_h peak/limit_C \
	throttled energy_J
IFS=, read -r -a RACK_LIST <<<"$RACKS"
for rack in "${RACK_LIST[@]}"; do
	simruns=()
	for w in "${RUNS[@]}"; do simruns+=("${SIMRUN[$w]}"); done
	out=$OUTD/$rack
	# simcluster splits -t between its runs (deploy/simcluster.sh RUN_S)
	total=$((SECS * ${#simruns[@]} + 8 + 3 * ${#simruns[@]}))
	# shellcheck disable=SC2046 # rack_opts is a word list
	if ! bash "$SIM" -q -b "$B" -o "$out" -t "$total" --sim-clock "$CLOCK" \
		$(rack_opts "$rack") \
		--runs "$(IFS=,; echo "${simruns[*]}")" >"$out.log" 2>&1; then
		echo "pacing.bench: rack $rack failed, see $out.log" >&2
		tail -n 5 "$out.log" >&2
		exit 1
	fi
	for w in "${WANT[@]}"; do
		if [[ " ${MISSING[*]} " == *" $w "* ]]; then
			# shellcheck disable=SC2059 # the format is ROW
			printf "$ROW" "$rack" "$w" - - - - - - - - -
			continue
		fi
		# energy: a run total, or the nodes' sum, when the plant
		# reports it (under any of the names below)
		jq -r --arg r "${SIMRUN[$w]}" --arg k "$TKEY" --arg ek "$EKEY" \
			"$JQ_DEFS"'
			.unpaced[$k] as $u | .[$r] as $x
			| host($x; .unpaced) as $h
			| ($x.nodes | max_by(.peak_c)) as $hot
			| ($x[$ek] // $x.energy_j // ($x.nodes
			   | map(.energy_j // empty)
			   | if length > 0 then add else null end)) as $e
			| [ ($x.simulated_s // "-" | if . == "-" then . else f(1) end),
			    ($x.rack_s // "-" | if . == "-" then . else f(1) end),
			    ($x.wall_s | f(2)),
			    (if $u then ($x[$k] / $u | f(2)) else "-" end),
			    (if $h then ($h | f(2)) else "-" end),
			    (if $u and $h then ($x[$k] / $u * $h | f(2))
			     else "-" end),
			    "\($hot.peak_c | f(1))/\($hot.limit_c)" +
			    (if $hot.peak_c > $hot.limit_c then "!" else "" end),
			    "\($x.nodes | map(.throttled_pct) | max | f(1))%",
			    (if $e then ($e | f(0)) else "-" end) ]
			| @tsv' "$out/summary.json" |
		while IFS=$'\t' read -r pis racks wall ratio host rh peak thr e; do
			# shellcheck disable=SC2059 # the format is ROW
			printf "$ROW" "$rack" "$w" "$pis" "$racks" "$wall" \
				"$ratio" "$host" "$rh" "$peak" "$thr" "$e"
			[ "$e" != - ] || echo "energy" >>"$OUTD/.noenergy"
		done
	done
	# issue 11's goals for the default run, stated, not asserted
	jq -r --arg rack "$rack" --arg k "$TKEY" --arg ek "$EKEY" "$JQ_DEFS"'
		.paced as $d | .unpaced[$k] as $u | .unpaced as $un
		| "\($rack)  goals: default \($d[$k] / $u | f(2))x unpaced" +
		  at_one($d[$k] / $u; $d; $un) +
		  " (<= 1.10), every node at or under its limit: " +
		  "\(if ($d.nodes | all(.peak_c <= .limit_c)) then "yes" else "no" end), " +
		  "0% throttled: \(if ($d.nodes | all(.throttled_pct == 0)) then "yes" else "no" end)" +
		  (if $d[$ek] and $un[$ek] then
		   ", energy \($d[$ek] / $un[$ek] | f(2))x unpaced" +
		   at_one($d[$ek] / $un[$ek]; $d; $un) + " (<= 1)"
		   else "" end) +
		  (if $rack == "2x2" and .uniform then
		   ", uniform/default \(.uniform[$k] / $d[$k] | f(2)) (>= 2)"
		   else "" end) +
		  ([["wrapper", .wrapper], ["wrapauto", .wrapauto]]
		   | map(select(.[1]) | .[0] as $n | .[1] as $w
		     | "; \($n) \($w[$k] / $u | f(2))x unpaced" +
		       at_one($w[$k] / $u; $w; $un) + " (<= 1.25)" +
		       ", at or under the limit: " +
		       (if ($w.nodes | all(.peak_c <= .limit_c)) then "yes"
			else "no" end)) | join(""))' "$out/summary.json"
done
echo
if [ "$CLOCK" = cpu ]; then
	echo "pi_s: the simulated seconds the job took on the node whose clock"
	echo "ran furthest; rack_s: the job's time on a rack whose Pis share one"
	echo "clock, 1 / sum(node's share of the work / its simulated seconds)"
	echo "(--sim-clock cpu: each Pi runs at the share of a CPU its ranks get,"
	echo "so the machine's load slows them rather than changing the ratio,"
	echo "and the nodes' clocks part); ratio: rack_s over the unpaced run's"
	echo "in the same simcluster run; energy_J: the boards' mean power over"
	echo "the job times rack_s (rack_energy_j); host: how fast this machine"
	echo "ran the job's code in the run (pi intervals per CPU second of the"
	echo "ranks) over how fast it ran it in the unpaced run: a Pi here is as"
	echo "fast as the CPU its ranks get, so other tenants slowing this"
	echo "machine's cores slow the Pis too; ratio_h: ratio x host, the ratio"
	echo "at one machine speed;"
else
	echo "ratio: wall time over the unpaced run's in the same simcluster run"
	echo "(--sim-clock wall: noisy on a shared machine);"
fi
echo "peak/limit: the hottest node (! over its limit); throttled: the most"
echo "throttled node's share of the run. $SECS s of simcluster's budget a run."
[ ${#MISSING[@]} = 0 ] ||
	echo "not measured: ${MISSING[*]}: deploy/simcluster.sh has no such run yet."
if [ -e "$OUTD/.noenergy" ]; then
	echo "energy: not in summary.json yet (the plant does not report it)."
	rm -f "$OUTD/.noenergy"
fi
echo "summaries: $OUTD/<rack>/summary.json"
