#!/usr/bin/env bash
# rack_deploy.sh: the systemd units (pirackd, pirackd-failsafe) pass
# systemd-analyze verify as installed (ExecStart pointing at the installed
# pirackd), wired so that the holder keeps the fan on while the agent is
# not running; install.sh into
# a DESTDIR installs the files, a default agent.conf (fan on GPIO 14), the
# udev rule and the pirack user in group gpio, and changes nothing the
# second time.
source "$(dirname "$0")/../lib.sh"
t_init
t_variants plain -- "deploy files do not depend on the build variant"

# Installed under a private PREFIX so that the unit's ExecStart names a file
# that exists.
t_install PREFIX="$T/prefix" SYSCONFDIR="$T/prefix/etc" \
	>"$T/make.log" 2>&1 || fail "make install failed: $(tail -n 3 "$T/make.log")"
unit=$T/prefix/lib/systemd/system/pirackd.service
hold=$T/prefix/lib/systemd/system/pirackd-failsafe.service
[ -f "$unit" ] || fail "make install did not install the unit"
[ -f "$hold" ] || fail "make install did not install pirackd-failsafe.service"
grep -qx "ExecStart=$T/prefix/sbin/pirackd -f" "$unit" ||
	fail "the installed unit does not run \$SBINDIR/pirackd"
[ -x "$T/prefix/sbin/pirackd" ] || fail "make install installed no pirackd"
if command -v systemd-analyze >/dev/null; then
	for u in "$unit" "$hold"; do
		systemd-analyze verify --man=no "$u" >"$T/verify.log" 2>&1 ||
			{ cat "$T/verify.log"; fail "$u: systemd-analyze verify failed"; }
		# any complaint at all counts: verify exits 0 on some warnings
		[ ! -s "$T/verify.log" ] ||
			{ cat "$T/verify.log"; fail "$u: systemd-analyze verify complained"; }
	done
	for k in Type=notify WatchdogSec= Restart=always User=pirack \
		SupplementaryGroups=gpio RuntimeDirectory=pirack \
		NoNewPrivileges=yes ProtectSystem=strict DevicePolicy=closed \
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"; do
		grep -q "^$k" "$unit" || fail "unit lacks $k"
	done
	# the holder: started when the agent stops, stopped before it starts
	grep -qx "ExecStopPost=-+/bin/systemctl start --no-block pirackd-failsafe.service" "$unit" ||
		fail "unit does not start the holder when the agent stops"
	grep -qx "ExecStartPre=-+/bin/systemctl stop pirackd-failsafe.service" "$unit" ||
		fail "unit does not stop the holder before the agent starts"
	grep -qx "ExecReload=$T/prefix/sbin/pirackd --reload \$MAINPID" "$unit" ||
		fail "unit's reload does not wait for the agent's answer"
	grep -q "^StartLimitBurst=" "$unit" || fail "unit lacks StartLimitBurst="
	grep -qx "ExecStart=$T/prefix/sbin/pirackd --failsafe --hold" "$hold" ||
		fail "pirackd-failsafe.service does not run pirackd --failsafe --hold"
	! grep -q '^\[Install\]' "$hold" ||
		fail "pirackd-failsafe.service must not be enabled on its own"
	for u in "$unit" "$hold"; do
		systemd-analyze security --offline=yes "$u" 2>/dev/null |
			tail -n 1 | sed 's/^/security: /' || true
	done
else
	echo "NOTE: systemd-analyze is not installed: unit not verified"
fi

# install.sh into a DESTDIR with an account database of its own
D=$T/dest
mkdir -p "$D/etc"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$D/etc/passwd"
printf 'root:x:0:\n' >"$D/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$D/etc/shadow"
printf 'root:*::\n' >"$D/etc/gshadow"
t_install DESTDIR="$T/stage" PREFIX=/usr/local >"$T/make.log" 2>&1 ||
	fail "make install (stage): $(tail -n 3 "$T/make.log")"
DESTDIR=$D sh "$TOP/deploy/install.sh" --stage "$T/stage" --mpi-user root \
	>"$T/run1.log" 2>&1 ||
	{ cat "$T/run1.log"; fail "install.sh failed"; }
cat "$T/run1.log"
cmp "$T/stage/usr/local/bin/pirack" "$D/usr/local/bin/pirack" ||
	fail "pirack not installed"
[ -x "$D/usr/local/bin/pirack" ] || fail "pirack not executable"
grep -qx 'line = 14' "$D/etc/pirack/agent.conf" || fail "fan not on GPIO 14"
grep -q 'GROUP="gpio"' "$D/etc/udev/rules.d/60-pirack-gpio.rules" ||
	fail "no udev rule"
grep -q 'SUBSYSTEM=="pwm".*chgrp -R gpio' "$D/etc/udev/rules.d/60-pirack-pwm.rules" ||
	fail "no udev rule for the pwm files"
grep -q '^pirack:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$D/etc/passwd" ||
	fail "no pirack user"
grep -q '^gpio:x:[0-9]*:pirack$' "$D/etc/group" || fail "pirack not in gpio"
grep -q '^pirack:x:[0-9]*:root$' "$D/etc/group" ||
	fail "--mpi-user root is not in group pirack"
"$BIN/pirackd" --check-config -c "$D/etc/pirack/agent.conf" ||
	fail "pirackd refuses install.sh's default agent.conf"

# an admin's edit of agent.conf is kept; everything else is already there
echo "; edited" >>"$D/etc/pirack/agent.conf"
cp -a "$D" "$T/before"
DESTDIR=$D sh "$TOP/deploy/install.sh" --stage "$T/stage" --mpi-user root \
	>"$T/run2.log" 2>&1 ||
	{ cat "$T/run2.log"; fail "second install.sh failed"; }
[ "$(cat "$T/run2.log")" = "install.sh: nothing to change" ] ||
	{ cat "$T/run2.log"; fail "second install.sh changed something"; }
diff -r "$T/before" "$D" || fail "second install.sh altered files"

# a pirack user that lost its gpio membership gets it back
sed -i 's/^gpio:\(.*\):pirack$/gpio:\1:/' "$D/etc/group"
DESTDIR=$D sh "$TOP/deploy/install.sh" --setup-only >"$T/run3.log" 2>&1
grep -qx "install.sh: added user pirack to group gpio" "$T/run3.log" ||
	{ cat "$T/run3.log"; fail "gpio membership not restored"; }
echo ok
