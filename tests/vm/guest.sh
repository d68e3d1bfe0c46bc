# tests/vm/guest.sh: the test inside the VM (busybox sh): libgpiod tools,
# then each agent in $AGENTS, against a gpio-sim chip of the real kernel.
#
# Prints "ok - ..." / "not ok - ..." per check; exits 1 if any failed.
# The helpers (check, wait_for, sim_setup, wire, trace_*) are guest_lib.sh's.

. /test/guest_lib.sh

tools_test() {
	echo "# libgpiod tools on $CHIP (base $BASE)"
	gpioset --mode=signal $CHIP 5=1 &
	local pid=$!
	check "gpioset drives line 5 high" wait_for 10 wire_is 5 1
	check "gpioinfo shows consumer gpioset" consumer_is 5 gpioset
	kill $pid
	wait $pid
	check "released line 5 goes back to its pull (0)" wait_for 10 wire_is 5 0
	check "gpioinfo shows line 5 unused" unused 5
	trace_on
	gpioset --mode=exit $CHIP 7=1
	check "gpioset --mode=exit set line 7 to 1 (tracepoint)" \
		[ "$(trace_last_set 7)" = 1 ]
	echo pull-up >$SIM/sim_gpio6/pull
	check "gpioget reads the pull-up of line 6" [ "$(gpioget $CHIP 6)" = 1 ]
	echo pull-down >$SIM/sim_gpio6/pull
	check "gpioget reads the pull-down of line 6" [ "$(gpioget $CHIP 6)" = 0 ]
}

if ! sim_setup; then
	echo "not ok - gpio-sim chip set-up"
	exit 1
fi
tools_test
. /test/guest_agent.sh
for agent in $AGENTS; do
	agent_test $agent
done
echo "# $failed failed"
[ $failed = 0 ]
