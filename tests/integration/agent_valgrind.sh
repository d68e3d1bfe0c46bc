#!/usr/bin/env bash
# A few seconds of pirackd under valgrind: requests, a reload, a sensor
# fault, SIGTERM; no leaks and no memory errors. (ASan covers the asan
# variant, where valgrind cannot run.)
source "$(dirname "$0")/../lib.sh"
t_variants plain -- "valgrind runs on the plain build only"
command -v valgrind >/dev/null || fail "valgrind is not installed (deploy/deps.sh)"
t_init
source "$TOP/tests/agent_lib.sh"
agent_setup
AGENT_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=3 --track-fds=no"
AGENT_START_SECS=60 agent_start
ctl status pace "fan on" "fan auto" "led identify" 'report {"a":[1,2]}' \
	"bogus" "fan 200" status >/dev/null
"$CTL" -p 5 "$SOCK" status >/dev/null
"$CTL" -r "$SOCK" "sta" >/dev/null || true
set_temp 65000
wait_for 30 status_until '.temp_c == 65'
rm "$SYS/class/thermal/thermal_zone0/temp"
wait_for 30 status_until '.fault == true'
set_temp 45000
sed -i 's/^name = testnode/name = other/' "$CONF"
kill -HUP "$AGENT_PID"
wait_for 30 status_until '.node == "other" and .fault == false'
echo '[nope]' >>"$CONF"
kill -HUP "$AGENT_PID"
wait_for 30 grep -q "reload refused" "$T/pirackd.log"
kill -TERM "$AGENT_PID"
rc=0
wait "$AGENT_PID" || rc=$?
[ $rc = 0 ] || fail "valgrind/pirackd exit status $rc"
grep -q "ERROR SUMMARY: 0 errors" "$T/pirackd.log" || fail "valgrind errors"
grep -qE "All heap blocks were freed|definitely lost: 0 bytes" "$T/pirackd.log" ||
	fail "leaks"
grep -E "in use at exit|lost:|ERROR SUMMARY" "$T/pirackd.log" | sed "s/^==[0-9]*== *//"
