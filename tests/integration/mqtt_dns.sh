#!/usr/bin/env bash
# mqtt_dns.sh: a broker host name that does not resolve, or a DNS server
# that never answers, is retried with backoff and never stalls the loop:
# the fan still follows the temperature at once.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/agent_lib.sh"
t_init
[ "$(id -u)" = 0 ] || skip "needs root for a private /etc/resolv.conf (unshare -m)"
unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
mqtt_variant_gate

# a DNS server that reads queries and never answers, on a private address
NS=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
t_bg silent "$BIN/tests/tools/udpsink" "$NS" 53 "$T/ns.ready"
wait_for 10 test -f "$T/ns.ready"
# Stall phase: each lookup hangs 30 s (glibc's longest), far longer than
# the fan checks may take, so the fan switching proves the loop runs
# while a lookup is pending. Backoff phase: a lookup fails after 1 s.
printf 'nameserver %s\noptions timeout:30 attempts:1\n' "$NS" >"$T/stall.conf"
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$NS" >"$T/fail.conf"
# no /etc/hosts entry for the broker: the lookup must go to DNS
printf '127.0.0.1 localhost\n' >"$T/hosts"

BROKER_PORT=1883	# never reached: the name never resolves
mqtt_conf "$T/a.conf" n1 host=broker.pirack.test
agent_start_with() {	# RESOLV_CONF LOGNAME -> $AGENT
	t_bg "$2" unshare -m bash -c "mount --bind '$1' /etc/resolv.conf &&
		mount --bind '$T/hosts' /etc/hosts &&
		exec '$BIN/pirackd' -f -c '$T/a.conf'"
	AGENT=$LAST_PID
}

agent_start_with "$T/stall.conf" agent
start=$SECONDS
wait_for 10 node_line n1 14 0
# while the lookup hangs, the loop runs: heat -> fan on, cool -> fan off
fake_zone "$T/n1/sys" thermal_zone0 70000
wait_for 20 node_line n1 14 1
fake_zone "$T/n1/sys" thermal_zone0 40000
wait_for 20 node_line n1 14 0
[ $((SECONDS - start)) -lt 28 ] ||
	fail "the fan checks took $((SECONDS - start)) s, longer than the 30 s lookup: nothing proven"
grep -q 'host name lookup failed' "$T/agent.log" &&
	fail "a lookup failed within its 30 s timeout: $(grep -m1 'lookup failed' "$T/agent.log")"
# a lookup is hanging right now: stopping still takes no time
agent_stop_clean "$AGENT" "$T/agent.log"

# each failed lookup is reported and retried later and later
agent_start_with "$T/fail.conf" agent2
wait_for 30 bash -c "[ \"\$(grep 'broker.pirack.test:1883: host name lookup failed' '$T/agent2.log' |
	grep -o 'retrying in [0-9.]* s' | head -n 2 | tr '\n' ' ')\" = 'retrying in 0.5 s retrying in 1.0 s ' ]"
agent_stop_clean "$AGENT" "$T/agent2.log"
echo "ok: the loop kept running while DNS hung; lookups retried with backoff"
