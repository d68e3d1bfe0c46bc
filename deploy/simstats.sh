#!/usr/bin/env bash
# deploy/simstats.sh: the statistics of a simulated cluster's runs: from the
# node states each run's MQTT carried (RUN/<run>/states.log) to OUT/trace.csv,
# OUT/summary.json and the printed summary (deploy/simcluster.sh calls it;
# it can be re-run by hand on a run directory kept with SIMCLUSTER_KEEP=1).
set -euo pipefail

usage() {
	cat <<EOF
Usage: deploy/simstats.sh --run-dir RUN --out OUT --runs LIST [OPTION]...
Reads RUN/<run>/{states.log,t0,wall,pi.json,events.txt,link_bytes} and
RUN/<run>/<node>/sim.json for each run of LIST; writes RUN/<run>/trace.jsonl, OUT/trace.csv and
OUT/summary.json, and prints the summary table.

      --mode MODE        pacing of the paced run (for its title)
      --target C         the agents' target_c (a run's RUN/<run>/target
                         file wins; auto: 3 K under the limit)
      --limit C          the agents' limit_c
      --time-scale X     physics speed-up of the run
      --profile NAME     thermal profile
      --ambient LIST     per-node ambient, comma list
      --nodes N          nodes
      --slots N          ranks per node
      --netns TAG        the namespace tag (--netns), or empty
  -h, --help             this text
EOF
}

bad_usage() { echo "simstats: $*" >&2; echo "Try '$0 --help'." >&2; exit 2; }

RUN= OUT= RUNS= MODE=uniform TARGET=70 LIMIT=80 TS=1 PROFILE= AMB_TEXT=
NODES=0 SLOTS=0 NET_TAG=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	-*) [ $# -ge 2 ] || bad_usage "option $1 needs a value" ;;
	esac
	case $1 in
	--run-dir) RUN=$2 ;;
	--out) OUT=$2 ;;
	--runs) RUNS=$2 ;;
	--mode) MODE=$2 ;;
	--target) TARGET=$2 ;;
	--limit) LIMIT=$2 ;;
	--time-scale) TS=$2 ;;
	--profile) PROFILE=$2 ;;
	--ambient) AMB_TEXT=$2 ;;
	--nodes) NODES=$2 ;;
	--slots) SLOTS=$2 ;;
	--netns) NET_TAG=$2 ;;
	*) bad_usage "unknown option '$1'" ;;
	esac
	shift 2
done
[ -n "$RUN" ] && [ -n "$OUT" ] && [ -n "$RUNS" ] ||
	bad_usage "--run-dir, --out and --runs are needed"
IFS=, read -r -a RUN_LIST <<<"$RUNS"
NETNS=0
[ -z "$NET_TAG" ] || NETNS=1
mkdir -p "$OUT"

TRACE=$OUT/trace.csv
echo "time,node,temp,fan,pace,throttled,run" >"$TRACE"
for r in "${RUN_LIST[@]}"; do
	# JSON lines {t, node, temp, fan, pace, thr} from what MQTT carried
	awk '{ print $1 "\t" substr($0, index($0, $3)) }' "$RUN/$r/states.log" |
	jq -Rc --argjson t0 "$(cat "$RUN/$r/t0")" --arg run "$r" '
		split("\t") as [$ts, $js] | ($js | try fromjson catch null) as $s
		| select($s != null and ($s | type) == "object"
			 and $s.temp_c != null)
		| { t: (($ts | tonumber) - $t0), node: $s.node, temp: $s.temp_c,
		    fan: (if ($s.fan | type) == "string" then
			    (if $s.fan == "on" then 1 else 0 end)
			  elif ($s.fan | type) == "number" then $s.fan / 100
			  else 0 end),
		    pace: ($s.pace // 1),
		    thr: (if ($s.throttled | type) == "object" and
			    ($s.throttled.freq_capped or $s.throttled.throttled
			     or $s.throttled.soft_temp_limit) then 1 else 0 end),
		    run: $run }
		| select(.t >= 0)' >"$RUN/$r/trace.jsonl"
	jq -r '[(.t * 1000 | round / 1000), .node, .temp, .fan, .pace, .thr,
		.run] | @csv' "$RUN/$r/trace.jsonl" | tr -d '"' >>"$TRACE"
done

# Per node: peak, time above target, over target+2 after the first crossing
# of target, fan-on share, mean pace, throttled share (time-weighted).
node_stats() {	# trace target -> JSON array of per-node stats
	jq -sc --argjson target "$2" --argjson limit "$LIMIT" '
		group_by(.node) | map(sort_by(.t)
		| . as $s
		| [range(0; length - 1) | { d: ($s[. + 1].t - $s[.].t),
					   x: $s[.] }] as $iv
		| ($iv | map(.d) | add // 0) as $T
		| (map(select(.temp >= $target)) | first | .t // null) as $cross
		| ($iv | map(select($cross != null and .x.t >= $cross))) as $after
		| { node: .[0].node,
		    peak_c: (map(.temp) | max),
		    limit_c: $limit, target_c: $target,
		    above_target_s: ($iv | map(select(.x.temp > $target) | .d)
				     | add // 0),
		    over_band_pct: (if ($after | length) == 0 then 0 else
			100 * ($after | map(select(.x.temp > $target + 2) | .d)
			       | add // 0) / ($after | map(.d) | add) end),
		    fan_on_pct: (if $T > 0 then
			100 * ($iv | map(.x.fan * .d) | add) / $T else 0 end),
		    mean_pace: (if $T > 0 then
			($iv | map(.x.pace * .d) | add) / $T else 1 end),
		    min_pace: (map(.pace) | min),
		    throttled_pct: (if $T > 0 then
			100 * ($iv | map(.x.thr * .d) | add) / $T else 0 end),
		    samples: length })' "$1"
}

SUMMARY=$OUT/summary.json
{
	echo '{'
	first=1
	for r in "${RUN_LIST[@]}"; do
		[ $first = 1 ] || echo ','
		first=0
		rd=$RUN/$r
		# the run's own target (simcluster: auto depends on the lever)
		target=$(cat "$rd/target" 2>/dev/null) || target=$TARGET
		[ "$target" != auto ] ||
			target=$(awk -v l="$LIMIT" 'BEGIN { print l - 3 }')
		stats=$(node_stats "$rd/trace.jsonl" "$target")
		# each simulated Pi's energy while the job's ranks ran on it
		# (pirack-simnode --stats RUN/<run>/<node>/sim.json)
		energy=$(cat "$rd"/*/sim.json 2>/dev/null | jq -sc 'map({ key: .node,
			value: { energy_j: .job_energy_j, job_s: .job_s } })
			| from_entries' 2>/dev/null || echo '{}')
		# pirack run's share of time stopped per node (wrapper run)
		wrapped=$(cat "$rd/wrapped.json" 2>/dev/null || true)
		events=$(tail -n +2 "$rd/events.txt" | jq -Rsc 'split("\n") | map(select(length > 0))')
		jq -c --arg run "$r" --argjson stats "$stats" \
			--argjson wall "$(cat "$rd/wall")" --argjson ts "$TS" \
			--argjson events "$events" --arg amb "$AMB_TEXT" \
			--argjson links "$(cat "$rd/link_bytes")" \
			--argjson energy "$energy" \
			--argjson wrapped "${wrapped:-"{}"}" '
			# the per-node shares of pirack-pi, whatever it calls them
			def shares: [ (.nodes // [])[]
				| { key: (.node // .name // ""),
				    value: (.work_share // .share // null) } ]
				| from_entries;
			shares as $sh
			# 1 / sum(share / time), and the mean power of the nodes
			# over that: null without a share and a time for every node
			| ([ $energy | to_entries[]
			     | { w: $sh[.key], t: .value.job_s,
				 e: .value.energy_j } ]) as $n
			| (if ($n | length) > 0 and ($n | all(.w != null
				and .t != null and .t > 0 and .e != null))
			   then ($n | map(.w / .t) | add) as $r
			   | if $r > 0 then { s: (1 / $r),
				e: (($n | map(.e / .t) | add) / $r) }
			     else { s: null, e: null } end
			   else { s: null, e: null } end) as $rack
			| { ($run): {
				pi: .pi, error: .error,
				seconds: (.seconds // $wall), wall_s: $wall,
				# the job in the simulated time: the longest
				# a node had ranks (job_s of pirack-simnode;
				# on the CPU clock a busy machine slows it)
				simulated_s: ([ $energy[].job_s // empty ] | max
					      // ($wall * $ts)),
				intervals: .intervals, ranks: .ranks,
				# CPU time of the ranks on this machine: the
				# intervals per CPU second are how fast this
				# machine ran the same code during the run
				cpu_s: (.cpu_s // null),
				pace_mode: (.pace_mode // null),
				mean_pace: (.mean_pace // null),
				events: $events,
				link_bytes: $links,
				energy_j: ([ $energy[].energy_j // empty ]
					   | if length > 0 then add else null end),
				# the job on a rack whose Pis share one clock:
				# each node at the rate it worked in its own
				# time (on the CPU clock the times of nodes part)
				rack_s: $rack.s, rack_energy_j: $rack.e,
				nodes: [ $stats[] | . + { work_share: $sh[.node],
					energy_j: ($energy[.node].energy_j // null),
					job_simulated_s: ($energy[.node].job_s // null) }
					+ (if $wrapped[.node] then
					   { wrapped_ranks: $wrapped[.node].ranks,
					     stopped_pct: $wrapped[.node].stopped_pct }
					   else {} end) ]
			} }' "$rd/pi.json" | sed -e 's/^{//' -e 's/}$//'
	done
	echo '}'
} | jq --arg profile "$PROFILE" --arg amb "$AMB_TEXT" --argjson ts "$TS" \
	--argjson nodes "$NODES" --argjson slots "$SLOTS" \
	--argjson netns "$NETNS" --arg tag "$NET_TAG" \
	'. + { config: { profile: $profile, ambient_c: ($amb | split(",") |
		map(tonumber)), time_scale: $ts, nodes: $nodes,
		slots: $slots, netns: (if $netns == 1 then $tag else null end)
	} }' >"$SUMMARY.tmp"
mv "$SUMMARY.tmp" "$SUMMARY"

# --- the printed summary -----------------------------------------------------
print_summary() {
	jq -r --arg mode "$MODE" '
		def f(n): if . == null then "-" else
			(. * pow(10; n) | round / pow(10; n) | tostring) end;
		def pct: if . == null then "-" else (round | tostring) + "%" end;
		def pad(n): tostring | . + " " * ([n - length, 0] | max);
		to_entries | map(select(.key != "config")) | .[]
		| .key as $run | .value
		| "\n\($run)\(if $run == "paced" then " (\($mode))" else "" end): " +
		  "pi = \(.pi | tostring)  error \(.error | tostring)  " +
		  "wall \(.wall_s | f(1)) s (\(.simulated_s | f(0)) s simulated" +
		  (if .rack_s != null then
		   ", \(.rack_s | f(0)) s on one clock" else "" end) + ")" +
		  (if .mean_pace != null and .pace_mode != "off" then
		   ", job pace \(.mean_pace | f(2))" else "" end) +
		  (if .energy_j != null then
		   ", energy \(.energy_j | f(0)) J" else "" end),
		  "  " + ("node" | pad(6)) + ("peak/limit C" | pad(14)) +
		  (">target" | pad(9)) + ("fan on" | pad(8)) +
		  ("pace" | pad(6)) + ("share" | pad(7)) + ("throttled" | pad(11)) +
		  "energy",
		  (.nodes[] | "  " + (.node | pad(6)) +
		   ("\(.peak_c | f(1))/\(.limit_c)" +
		    (if .peak_c > .limit_c then " !" else "" end) | pad(14)) +
		   ("\(.above_target_s | f(1))s" | pad(9)) +
		   (.fan_on_pct | pct | pad(8)) + (.mean_pace | f(2) | pad(6)) +
		   (if .work_share == null then "-" else
		    (.work_share * 100 | pct) end | pad(7)) +
		   (.throttled_pct | pct | pad(11)) +
		   (if .energy_j == null then "-" else
		    "\(.energy_j | f(0)) J" end)),
		  (if any(.nodes[]; .stopped_pct != null) then
		   "  pirack run held its ranks stopped: " +
		   ([.nodes[] | "\(.node) \(.stopped_pct // null | pct)"]
		    | join(", ")) else empty end),
		  (.events[] | "  event: \(.)")' "$SUMMARY"
}
print_summary
echo
echo "peak: highest temperature (! above the limit); >target: time above"
echo "target_c; pace: the agent's advised pace (the unpaced job ignores it);"
echo "share: the node's part of the work; throttled: time the firmware throttled;"
echo "energy: the simulated boards' energy while the job ran (idle + C f V^2)."
echo "simulated: the job on the node whose clock ran furthest; on one clock:"
echo "on a rack whose Pis shared one, each node working at the rate it did"
echo "in its own time (summary.json rack_s, rack_energy_j)."
echo
echo "trace:   $TRACE"
echo "summary: $SUMMARY"