#!/usr/bin/env bash
# libpirackpace with a running pirackd (sim GPIO, fake sysfs): the pace and
# the node name come from the agent, the job shows in the agent's status;
# an agent killed, or hung, during a paced run: the job still finishes with
# the same bits, pacing from sysfs.
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "the agent link is the same under any MPI"
mpi_init
[ -x "$BIN/pirackd" ] || skip "pirackd not built"
[ -f "$TOP/tests/agent_lib.sh" ] || skip "tests/agent_lib.sh missing"
source "$TOP/tests/agent_lib.sh"

agent_setup			# node "testnode", its zone at 40 C
agent_start
# The ranks' own sysfs tree is cool: a pace below 1 can only be the
# agent's, and after the agent is gone they pace at 1 from this tree.
fake_zone "$T/cool" thermal_zone0 40000
export PIRACK_SOCKET=$SOCK PIRACK_SYSFS_ROOT=$T/cool
pi_of() { grep -o '"pi":[^,]*' <<<"$1"; }
run_pi() { t_timeout 120 "$MPIEXEC" -n 2 "$BIN/pirack-pi" --json "$@" \
	   2>>"$T/ranks.log"; }

ref=$(run_pi -i "$(t_work 2e8)" --pace off) || fail "pirack-pi --pace off failed"
jq -e '.nodes | length == 1 and .[0].node == "testnode" and
       .[0].source == "agent"' <<<"$ref" >/dev/null ||
	fail "ranks not grouped by the agent's node name: $ref"

# A hot node: an agent that finds it at 72 C, 2 K over target 70 (not a
# 32 K jump in one sample, which it reads as a node heading far past its
# limit: pace 0, and an integral that unwinds for it), paces it at about
# 0.67, falling by 0.03 a second (the node never cools, so it heads for
# 0). The ranks' own tree is cool: a pace under 0.8 is the agent's.
agent_restart_at 72000
wait_for 20 status_until '.temp_c == 72 and .pace < 0.8 and .pace > 0.25'
out=$(run_pi -i "$(t_work 2e8)" --chunk-ms 5) || fail "paced pirack-pi failed"
echo "with the agent: $out"
jq -e '.nodes[0].source == "agent" and .mean_pace < 0.8 and
       .sleep_s > 0' <<<"$out" >/dev/null ||
	fail "pace not taken from the agent: $out"
[ "$(pi_of "$out")" = "$(pi_of "$ref")" ] || fail "pi changed"
# The node's lead rank reported the job; the last report says it is done.
st=$(ctl status)
jq -e '.job.job == "pirack-pi" and .job.ranks == 2 and .job.nodes == 1 and
       .job.done == true and .job.mode == "node"' <<<"$st" >/dev/null ||
	fail "job not in the agent's status: $st"

# pirack-temps reads the same agent: its temperature, fan and the
# firmware's throttle word, one row.
mkdir -p "$SYS/devices/platform/soc/soc:firmware"
echo 50005 >"$SYS/devices/platform/soc/soc:firmware/get_throttled"
wait_for 10 status_until '.throttled.raw == 327685'
out=$(t_timeout 60 "$MPIEXEC" -n 2 "$BIN/pirack-temps" --json 2>>"$T/ranks.log") ||
	fail "pirack-temps failed"
# (the agent's pace, 72 C being over target, is falling slowly)
jq -e --argjson p "$(ctl status | jq .pace)" '.nodes == [.nodes[0]] and
       .nodes[0].node == "testnode" and
       .nodes[0].ranks == 2 and .nodes[0].temp_c == 72 and
       .nodes[0].source == "agent" and .nodes[0].fan == "on" and
       (.nodes[0].pace - $p | fabs) < 0.2 and
       .nodes[0].get_throttled == "0x50005" and
       .nodes[0].throttled' <<<"$out" >/dev/null ||
	fail "pirack-temps with the agent: $out"
# ... and is no job: the agent still shows pirack-pi's report.
ctl status | jq -e '.job.job == "pirack-pi"' >/dev/null ||
	fail "pirack-temps replaced the job: $(ctl status)"

# Killed mid-run: hotter, so the run lasts; kill once the job shows up.
set_temp 75000
wait_for 10 status_until '.pace < 0.4'
ctl 'report {"job":"none"}' >/dev/null	# forget the finished job
# Refresh every 50 ms (not 1 s): the warning must not depend on the job
# outliving the kill by a whole refresh period on a loaded machine.
t_bg killed t_timeout 120 env PIRACK_PACE_REFRESH_S=0.05 "$MPIEXEC" -n 2 "$BIN/pirack-pi" --json -i "$(t_work 3e9)" \
	--chunk-ms 5
run=$LAST_PID
wait_for 30 status_until '.job.job == "pirack-pi" and .job.done == false'
kill -KILL "$AGENT_PID"
wait "$run" || fail "the job failed after its agent was killed"
out=$(grep '^{' "$T/killed.log")
echo "agent killed: $out"
grep -q 'lost the agent' "$T/killed.log" ||
	fail "no warning about the lost agent: $(cat "$T/killed.log")"
jq -e '.nodes[0].source == "sysfs" and .error <= 2e-15' <<<"$out" \
	>/dev/null || fail "after the agent died: $out"
ref2=$(run_pi -i "$(t_work 3e9)" --pace off) || fail "reference run failed"
[ "$(pi_of "$out")" = "$(pi_of "$ref2")" ] || fail "pi changed: $out"

# Hung (stopped) mid-run: requests time out, the job goes on.
agent_start
wait_for 10 status_until '.pace < 0.4'
t_bg hung t_timeout 120 env PIRACK_PACE_REFRESH_S=0.05 "$MPIEXEC" -n 2 "$BIN/pirack-pi" --json -i "$(t_work 3e9)" \
	--chunk-ms 5
run=$LAST_PID
wait_for 30 status_until '.job.job == "pirack-pi" and .job.done == false'
kill -STOP "$AGENT_PID"
wait "$run" || { kill -CONT "$AGENT_PID"; fail "the job failed with a hung agent"; }
kill -CONT "$AGENT_PID"
out=$(grep '^{' "$T/hung.log")
echo "agent hung: $out"
grep -q 'no reply within' "$T/hung.log" ||
	fail "no warning about the hung agent: $(cat "$T/hung.log")"
[ "$(pi_of "$out")" = "$(pi_of "$ref2")" ] || fail "pi changed: $out"
echo ok
