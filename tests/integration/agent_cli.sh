#!/usr/bin/env bash
# pirackd's command line: --check-config exit codes and FILE:LINE messages
# (no hardware, socket or broker touched), --help, --version, bad usage.
source "$(dirname "$0")/../lib.sh"
t_init
P=$BIN/pirackd

expect() {	# STATUS PATTERN CMD...: exit status and a line of its output
	local want=$1 pat=$2 rc=0 out; shift 2
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = "$want" ] || fail "$*: exit $rc, want $want: $out"
	grep -qE -- "$pat" <<<"$out" || fail "$*: no /$pat/ in: $out"
}

cat >"$T/good.conf" <<CONF
[node]
name = rpi-1
[thermal]
sysfs_root = $T/nonexistent
[gpio]
backend = gpiod
[control]
socket = $T/never/agent.sock
CONF
expect 0 "good.conf: configuration ok" "$P" -c "$T/good.conf" --check-config
[ ! -e "$T/never" ] || fail "--check-config created the socket directory"

printf '[node]\nname = a\n[thermal]\ninterval_ms = 5\n' >"$T/bad.conf"
expect 2 "^pirackd: $T/bad.conf:4: \[thermal\] interval_ms '5' is not a whole number from 10 to 600000" \
	"$P" -c "$T/bad.conf" --check-config
printf '[fan]\nline = 17\n' >"$T/clash.conf"
expect 2 "clash.conf:2: line 17 of gpiochip0 is used by both \[fan\] line and \[led\] lines" \
	"$P" -c "$T/clash.conf" --check-config
printf '[thermal]\ntarget_c = 77\nlimit_c = 60\n' >"$T/limit.conf"
expect 2 "limit.conf:3: \[thermal\] limit_c \(60\) must be above target_c \(77\)" \
	"$P" -c "$T/limit.conf" --check-config
# Starting (not only checking) a bad file is refused the same way.
expect 2 "bad.conf:4:" "$P" -f -c "$T/bad.conf"
expect 2 "$T/missing.conf: cannot open: No such file" \
	"$P" -c "$T/missing.conf" --check-config

expect 0 "^Usage: pirackd" "$P" --help
expect 0 "--check-config" "$P" -h
expect 0 "^pirackd [0-9]+\.[0-9]+" "$P" --version
expect 2 "Try 'pirackd --help'" "$P" --bogus
expect 2 "unexpected argument 'extra'" "$P" extra
expect 2 "requires an argument" "$P" -c

# The shipped sample is valid and names every key.
expect 0 "configuration ok" "$P" -c "$TOP/config/agent.conf" --check-config
for k in name source sysfs_root zones interval_ms target_c limit_c driver \
	 chip line active_low on_c off_c pwm lines backend sim_dir enabled \
	 host port client_id username password_file cafile certfile keyfile \
	 prefix discovery_prefix keepalive_s socket ambient_c time_scale; do
	grep -qE "^$k =" "$TOP/config/agent.conf" || fail "sample lacks $k"
done
# Both man pages render without warnings (groff comes with man-db).
if command -v groff >/dev/null; then
	for m in "$TOP/agent/pirackd.8" "$TOP/agent/pirackd.conf.5"; do
		w=$(groff -t -man -Tutf8 -ww -z "$m" 2>&1) || fail "groff $m"
		[ -z "$w" ] || fail "groff $m: $w"
	done
fi
