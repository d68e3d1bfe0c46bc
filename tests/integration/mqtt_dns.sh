#!/usr/bin/env bash
# mqtt_dns.sh: a broker host name that does not resolve, or a DNS server
# that never answers, is retried with backoff and never stalls the loop:
# the fan still follows the temperature at once.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/mqtt.bash"
t_init
[ "$(id -u)" = 0 ] || skip "needs root for a private /etc/resolv.conf (unshare -m)"
unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
mqtt_variant_gate

# a DNS server that reads queries and never answers, on a private address
NS=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
t_bg silent "$BIN/tests/tools/udpsink" "$NS" 53 "$T/ns.ready"
wait_for 10 test -f "$T/ns.ready"
# each lookup hangs 2 s, then fails
printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$NS" >"$T/resolv.conf"
# no /etc/hosts entry for the broker: the lookup must go to DNS
printf '127.0.0.1 localhost\n' >"$T/hosts"

BROKER_PORT=1883	# never reached: the name never resolves
mqtt_conf "$T/a.conf" n1 host=broker.pirack.test
t_bg agent unshare -m bash -c "mount --bind '$T/resolv.conf' /etc/resolv.conf &&
	mount --bind '$T/hosts' /etc/hosts && exec '$BIN/pirackd' -f -c '$T/a.conf'"
AGENT=$LAST_PID
wait_for 10 line_is "$(fan_line n1)" 0

# while the lookup hangs, the loop runs: heat -> fan on, cool -> fan off
fake_zone "$T/n1/sys" thermal_zone0 70000
wait_for 3 line_is "$(fan_line n1)" 1
fake_zone "$T/n1/sys" thermal_zone0 40000
wait_for 3 line_is "$(fan_line n1)" 0
grep -q 'host name lookup failed' "$T/agent.log" &&
	fail "the fan test did not run during the lookup: too slow a machine?"

# each failed lookup is reported and retried later and later
wait_for 20 bash -c "[ \"\$(grep 'broker.pirack.test:1883: host name lookup failed' '$T/agent.log' |
	grep -o 'retrying in [0-9.]* s' | head -n 2 | tr '\n' ' ')\" = 'retrying in 0.5 s retrying in 1.0 s ' ]"
# a lookup may be hanging right now: stopping still takes no time
agent_stop_clean "$AGENT" "$T/agent.log"
echo "ok: the loop kept running while DNS hung; lookups retried with backoff"
