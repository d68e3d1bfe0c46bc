#!/usr/bin/env bash
# pirack-temps: one row per node (ranks merged), sorted, then max/min/mean;
# per-rank fake sysfs roots through MPMD and env(1), no agent.
source "$(dirname "$0")/../lib.sh"
t_init
mpi_init
export PIRACK_SOCKET=$T/none.sock
# A 10 K band (the defaults are target 77, limit 80): n1 at 77 C is paced.
export PIRACK_TARGET_C=70 PIRACK_LIMIT_C=80
fake_zone "$T/n0" thermal_zone0 45000
fake_zone "$T/n1" thermal_zone0 61000
fake_zone "$T/n1" thermal_zone1 77000 gpu-thermal	# the hotter zone counts
mkdir -p "$T/n2"					# no sensor at all
# n1's Pi firmware reports throttling now (bit 2) and since boot (bit 18).
mkdir -p "$T/n1/devices/platform/soc/soc:firmware"
echo 40004 >"$T/n1/devices/platform/soc/soc:firmware/get_throttled"

temps() {
	t_timeout 120 "$MPIEXEC" \
		-n 2 env PIRACK_NODE=n1 PIRACK_SYSFS_ROOT="$T/n1" "$BIN/pirack-temps" "$@" : \
		-n 1 env PIRACK_NODE=n2 PIRACK_SYSFS_ROOT="$T/n2" "$BIN/pirack-temps" "$@" : \
		-n 3 env PIRACK_NODE=n0 PIRACK_SYSFS_ROOT="$T/n0" "$BIN/pirack-temps" "$@"
}

out=$(temps 2>"$T/err.log") || fail "pirack-temps failed"
echo "$out"
rows=$(awk 'NR > 1 && $1 ~ /^n[0-9]$/ { print $1, $2, $3, $6, $7 }' <<<"$out")
[ "$rows" = "n0 3 45.0 no -
n1 2 77.0 yes 0x40004
n2 1 - no -" ] || fail "rows: $rows"
grep -qx 'max 77.0 C (n1), min 45.0 C (n0), mean 61.0 C over 2 of 3 nodes' \
	<<<"$out" || fail "summary line: $out"

out=$(temps --json 2>"$T/err.log") || fail "pirack-temps --json failed"
jq -e '[.nodes[].node] == ["n0","n1","n2"] and
       [.nodes[].ranks] == [3,2,1] and .max_c == 77 and .min_c == 45 and
       .mean_c == 61 and .nodes[2].temp_c == null and
       .nodes[2].source == "none" and .nodes[1].source == "sysfs" and
       .nodes[0].pace == 1 and .nodes[1].pace < 0.5 and
       .nodes[1].throttled and (.nodes[0].throttled | not) and
       .nodes[1].get_throttled == "0x40004" and .nodes[0].get_throttled == null' <<<"$out" >/dev/null ||
	fail "json: $out"
echo ok
