#!/usr/bin/env bash
# rack_cli.sh: pirack's commands as a user runs them: exact output of
# hosts, machinefile, nodes, check and agent-config for the sample rack;
# hosts --apply on a real file, twice; bad racks and bad usage refused with
# FILE:LINE and exit 2; agent-config accepted by pirackd --check-config.
# (Pipelines end in grep >/dev/null, not grep -q: under pipefail an early
# exit of grep -q can kill the writer with SIGPIPE.)
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain asan -- "pirack uses no GPIO library: nothing new in variant ${PIRACK_VARIANT:-plain}"
P=$BIN/pirack
[ -x "$P" ] || fail "$P is not built"
RACK=$TOP/config/rack.conf

diff - <("$P" -r "$RACK" hosts) <<'OUT' || fail "hosts output"
# BEGIN pirack (rack rack-0, from pirack hosts: edits here are lost)
192.168.1.100	rpi-0
192.168.1.101	rpi-1
192.168.1.102	rpi-2
192.168.1.103	rpi-3
# END pirack
OUT
diff - <("$P" -r "$RACK" machinefile) <<'OUT' || fail "machinefile output"
rpi-0:4
rpi-1:4
rpi-2:4
rpi-3:4
OUT
diff - <("$P" -r "$RACK" nodes) <<'OUT' || fail "nodes output"
rpi-0	192.168.1.100	4	ubuntu
rpi-1	192.168.1.101	4	ubuntu
rpi-2	192.168.1.102	4	ubuntu
rpi-3	192.168.1.103	4	ubuntu
OUT
[ "$("$P" -r "$RACK" check)" = "$RACK: rack rack-0: 4 nodes, 16 slots, broker rpi-0, prefix pirack" ] ||
	fail "check output"
# the rack file from the environment
[ "$(PIRACK_RACK=$RACK "$P" machinefile | wc -l)" = 4 ] || fail "PIRACK_RACK"

# agent-config: the node's name, the broker node's address, rack-wide and
# node settings, in the agent's own INI
"$P" -r "$RACK" agent-config rpi-3 >"$T/rpi-3.conf" || fail "agent-config"
conf_get() {	# file section key
	awk -F' *= *' -v s="[$2]" -v k="$3" \
		'/^\[/ { in_s = ($0 == s) } in_s && $1 == k { print $2 }' "$1"
}
[ "$(conf_get "$T/rpi-3.conf" node name)" = rpi-3 ] || fail "node name"
[ "$(conf_get "$T/rpi-3.conf" mqtt host)" = 192.168.1.100 ] || fail "broker"
[ "$(conf_get "$T/rpi-3.conf" mqtt prefix)" = pirack ] || fail "prefix"
[ "$(conf_get "$T/rpi-3.conf" fan line)" = 18 ] || fail "node override"
[ "$(conf_get "$T/rpi-3.conf" led lines)" = 17,27,22 ] || fail "rack-wide"
"$P" -r "$RACK" agent-config rpi-0 >"$T/rpi-0.conf"
[ "$(conf_get "$T/rpi-0.conf" fan line)" = 14 ] || fail "rack default"
for s in node thermal fan led gpio mqtt control sim; do
	grep -qx "\[$s\]" "$T/rpi-3.conf" || fail "agent-config lacks [$s]"
done

# ... and the agent takes it as it is
[ -x "$BIN/pirackd" ] || fail "$BIN/pirackd is not built"
for n in rpi-0 rpi-1 rpi-2 rpi-3; do
	"$P" -r "$RACK" agent-config "$n" >"$T/$n.conf"
	"$BIN/pirackd" --check-config -c "$T/$n.conf" >"$T/check.log" 2>&1 ||
		{ cat "$T/check.log"; fail "pirackd --check-config refused $n's config"; }
done

# hosts --apply: appended once, then unchanged; the rest kept
printf '127.0.0.1 localhost\n' >"$T/hosts"
[ "$("$P" -r "$RACK" hosts --apply "$T/hosts")" = "$T/hosts: updated" ] ||
	fail "hosts --apply did not update"
cp "$T/hosts" "$T/hosts.1"
[ "$("$P" -r "$RACK" hosts --apply "$T/hosts")" = "$T/hosts: unchanged" ] ||
	fail "hosts --apply changed it twice"
cmp "$T/hosts" "$T/hosts.1" || fail "second apply altered the file"
diff <(printf '127.0.0.1 localhost\n'; "$P" -r "$RACK" hosts) "$T/hosts" ||
	fail "hosts --apply result"
# a changed rack replaces the block in place
sed 's/192.168.1.103/192.168.1.113/' "$RACK" >"$T/rack2.conf"
printf '10.0.0.9 printer\n' >>"$T/hosts"
"$P" -r "$T/rack2.conf" hosts --apply "$T/hosts" >/dev/null
diff <(printf '127.0.0.1 localhost\n'; "$P" -r "$T/rack2.conf" hosts
       printf '10.0.0.9 printer\n') "$T/hosts" || fail "block not replaced"

# refusals: exit 2, FILE:LINE: message, nothing printed on stdout
expect_refusal() {	# text message-after-FILE:
	printf '%b' "$1" >"$T/bad.conf"
	local out rc=0
	out=$("$P" -r "$T/bad.conf" machinefile 2>"$T/err") || rc=$?
	[ $rc = 2 ] || fail "exit $rc, not 2, for: $1"
	[ -z "$out" ] || fail "printed output for a bad rack"
	[ "$(cat "$T/err")" = "pirack: $T/bad.conf:$2" ] ||
		fail "got '$(cat "$T/err")', want 'pirack: $T/bad.conf:$2'"
}
expect_refusal '[a]\naddress = 10.0.0.1\n[b]\naddress = 10.0.0.1\n' \
	"4: [b]: address 10.0.0.1 is already a's (line 2)"
expect_refusal '[a]\naddress = 10.0.0.1\n\n[a]\naddress = 10.0.0.2\n' \
	"4: duplicate node [a] (first at line 1)"
expect_refusal '[a]\naddress = 10.0.0.256\n' \
	"2: [a]: address '10.0.0.256' is not an IPv4 or IPv6 address"
expect_refusal '[a]\naddress = 10.0.0.1\nslots = 0\n' \
	"3: [a]: slots '0' must be a whole number 1..1024 (MPI processes on the node)"
expect_refusal '[rack]\nuser = pi\n[a]\naddress = 10.0.0.1\nfan_lines = 4\n' \
	"5: [a]: unknown key 'fan_lines'"

# usage errors and help
rc=0; "$P" -r "$RACK" agent-config nosuch 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "no node 'nosuch' in $RACK" "$T/err" || fail "unknown node"
rc=0; "$P" -r "$RACK" frobnicate 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "unknown command 'frobnicate'" "$T/err" || fail "bad command"
rc=0; "$P" -r "$T/none.conf" hosts 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -qx "pirack: $T/none.conf: No such file or directory" "$T/err" ||
	fail "missing rack file"
rc=0; "$P" 2>/dev/null || rc=$?
[ $rc = 2 ] || fail "no command accepted"
"$P" --help | grep '^Usage: pirack \[-r FILE\] COMMAND' >/dev/null || fail "--help"
for c in hosts machinefile agent-config nodes check status; do
	"$P" "$c" --help | grep "^Usage: pirack $c" >/dev/null || fail "$c --help"
done
"$P" agent-config --help | grep fan_line >/dev/null || fail "agent-config --help keys"
"$P" --version | grep -x "pirack [0-9.]*" >/dev/null || fail "--version"
echo ok
