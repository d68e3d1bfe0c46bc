#!/usr/bin/env bash
# pirack run: an unmodified program held to its node's pace by a real
# pirackd (fake sysfs): stopped most of each period at the limit, free
# again when cool; signals passed on, never left stopped; exit statuses.
source "$(dirname "$0")/../lib.sh"
t_init
source "$TOP/tests/agent_lib.sh"
PIRACK=$BIN/pirack
agent_setup
agent_start
wait_for 10 status_until '.pace == 1'

# exit statuses, and no agent at all: a warning, then unpaced
"$PIRACK" run -s "$SOCK" -- sh -c 'exit 7' && fail "exit 7 became 0"
[ $? = 7 ] || fail "exit status not passed on"
out=$("$PIRACK" run -s "$T/none.sock" -- sh -c 'echo ran' 2>&1) ||
	fail "no agent: $out"
grep -q "^ran$" <<<"$out" && grep -q "no pace from" <<<"$out" ||
	fail "no agent: $out"
"$PIRACK" run -- 2>/dev/null && fail "no COMMAND accepted"
"$PIRACK" run --min-pace 0 -- true 2>/dev/null && fail "--min-pace 0 taken"

state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }
is_stopped() { [ "$(state "$1")" = T ]; }
runs() { [ "$(state "$1")" = S ] || [ "$(state "$1")" = R ]; }
child_of() { pgrep -P "$1" | head -n 1; }

t_bg wrapped "$PIRACK" run -v -R 0.1 -p 200 -m 0.05 -s "$SOCK" -- sleep 60
W=$LAST_PID
wait_for 10 child_of "$W"
C=$(child_of "$W")
# hot: pace 0, the floor 0.05: the child spends ~95 % of each period stopped
set_temp 85000
wait_for 10 status_until '.pace == 0'
wait_for 10 is_stopped "$C"
grep -q "pace 0.00" "$T/wrapped.log" || fail "the wrapper did not see pace 0"
# cool again: the controller brings the pace back, the child runs free
set_temp 40000
wait_for 30 status_until '.pace == 1'
wait_for 10 grep -q "pace 1.00" "$T/wrapped.log"
wait_for 10 runs "$C"
t_bg held "$PIRACK" run -R 0.1 -p 2000 -m 0.01 -s "$SOCK" -- sleep 60
H=$LAST_PID
wait_for 10 child_of "$H"
HC=$(child_of "$H")
# a signal to the wrapper reaches the group, stopped or not
set_temp 85000
wait_for 10 is_stopped "$C"
# The second wrapper ran free for a whole period (2 s) before it saw the
# pace drop: at the floor 0.01 it now holds its child for 99 times that.
# Something else's SIGCONT meanwhile (a shell, the simulated Pi's
# throttle) is undone at once, not at the end of the hold.
wait_for 10 is_stopped "$HC"
kill -CONT "$HC"
wait_for 5 is_stopped "$HC"
# Cool again: the held wrapper asks the agent while it holds (every
# --refresh), so its child runs again at once, not after the 198 s it
# owed at the floor.
set_temp 40000
wait_for 30 status_until '.pace == 1'
wait_for 10 runs "$HC"
kill -TERM "$H"
wait "$H" || true
kill -TERM "$W"
rc=0; wait "$W" || rc=$?
[ $rc = 143 ] || fail "wrapper exit $rc after TERM, want 143"
wait_for 10 bash -c "! kill -0 $C 2>/dev/null"
grep -q "stopped [0-9]*% of" "$T/wrapped.log" || fail "no totals"
echo "ok: paced, freed, signalled: $(tail -n 1 "$T/wrapped.log")"
