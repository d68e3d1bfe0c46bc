#!/usr/bin/env bash
# mqtt_addrs.sh: a broker name with several addresses, the first of them
# dead (::1 first, as on a Pi, with the broker listening on 127.0.0.1
# only): the agent connects to the address its lookup found, and after the
# refusal tries the next one, as libmosquitto's own lookup would have.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
[ "$(id -u)" = 0 ] || skip "needs root for a private /etc/hosts (unshare -m)"
unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
grep -q '^0\{31\}1 .* lo$' /proc/net/if_inet6 || skip "no ::1 on lo"
mqtt_variant_gate
start_broker

printf '127.0.0.1 localhost\n::1 broker.pirack.test\n127.0.0.1 broker.pirack.test\n' >"$T/hosts"
unshare -m bash -c "mount --bind '$T/hosts' /etc/hosts && getent ahosts broker.pirack.test" |
	awk '{print $1}' | uniq | head -n 1 | grep -qx '::1' ||
	skip "the resolver does not put ::1 first here"

mqtt_conf "$T/a.conf" n1 host=broker.pirack.test
t_bg agent unshare -m bash -c "mount --bind '$T/hosts' /etc/hosts &&
	exec '$BIN/pirackd' -f -c '$T/a.conf'"
AGENT=$LAST_PID
wait_for 30 grep -q 'connected to broker broker.pirack.test' "$T/agent.log"
grep -q "cannot connect to broker broker.pirack.test:$BROKER_PORT: Connection refused" \
	"$T/agent.log" || fail "the dead first address (::1) was not tried first: $(cat "$T/agent.log")"
online() { [ "$(retained pirack/n1/availability)" = online ]; }
wait_for 10 online
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: ::1 refused, then connected to 127.0.0.1 from the same lookup"
