#!/bin/sh
# install.sh: installs pirack on one node: files, a safe default agent
# config, the pirack user in group gpio, the udev rules and the units.
#
#   deploy/install.sh [--stage DIR | --build DIR] [--setup-only]
#                     [--mpi-user USER] [--start] [--help]
#
# --stage DIR installs the files of a 'make install DESTDIR=DIR' tree.
# --build DIR stages them from the already-built tree DIR ('make O=DIR'),
# only copying: it refuses a tree that is not up to date rather than build.
# With neither it runs 'make install' from this source tree (building what
# is missing) into a scratch directory first. --mpi-user adds USER (who
# runs the MPI jobs) to group pirack, which owns the agent's socket (mode
# 0660). Honours DESTDIR (everything lands below it; the user is then created with
# useradd --prefix when DESTDIR/etc/passwd exists, and systemd is left
# alone) and PREFIX (default /usr/local). Idempotent: it changes only what
# differs, says what it changed, and ends with "install.sh: nothing to
# change" when there was nothing.
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
stage='' build='' setup_only=0 start=0 changed=0 mpi_user=''
here=$(cd "$(dirname "$0")" && pwd)

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
say() { echo "install.sh: $*"; changed=1; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--stage) [ $# -ge 2 ] || die "--stage needs a directory"
		stage=$2; shift ;;
	--build) [ $# -ge 2 ] || die "--build needs a build directory"
		build=$2; shift ;;
	--setup-only) setup_only=1 ;;
	--mpi-user) [ $# -ge 2 ] || die "--mpi-user needs a user name"
		mpi_user=$2; shift ;;
	--start) start=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "install.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

scratch=
cleanup() { [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT

# Copies every file of the staged tree whose content differs.
install_tree() {
	(cd "$1" && find . -type f -o -type l) | sort | while read -r f; do
		f=${f#./}
		if [ -f "$DESTDIR/$f" ] && cmp -s "$1/$f" "$DESTDIR/$f"; then
			continue
		fi
		mkdir -p "$(dirname "$DESTDIR/$f")"
		cp -p "$1/$f" "$DESTDIR/$f.pirack-new"
		mv -f "$DESTDIR/$f.pirack-new" "$DESTDIR/$f"
		echo "/$f"
	done
}

# Writes stdin to FILE when FILE is missing (keep=1) or differs (keep=0).
put_file() {	# file mode keep
	tmp=$(mktemp)
	cat >"$tmp"
	if [ -e "$1" ] && { [ "$3" = 1 ] || cmp -s "$tmp" "$1"; }; then
		rm -f "$tmp"
		return 1
	fi
	mkdir -p "$(dirname "$1")"
	chmod "$2" "$tmp"
	mv -f "$tmp" "$1"
	return 0
}

if [ $setup_only = 0 ]; then
	if [ -z "$stage" ]; then
		[ -f "$here/../Makefile" ] ||
			die "no --stage given and no source tree at $here/.."
		scratch=$(mktemp -d "${TMPDIR:-/tmp}/pirack-install.XXXXXX")
		stage=$scratch/stage
		set -- -s -C "$here/.."
		if [ -n "$build" ]; then
			case $build in /*) ;; *) build=$(pwd)/$build ;; esac
			make -q "$@" O="$build" all >/dev/null 2>&1 ||
				die "$build: not built or not up to date (make O=$build all first)"
			set -- "$@" O="$build"
		fi
		make "$@" install DESTDIR="$stage" PREFIX="$PREFIX" \
			>"$scratch/make.log" 2>&1 ||
			{ cat "$scratch/make.log" >&2; die "make install failed"; }
	fi
	[ -d "$stage" ] || die "$stage: no such directory"
	files=$(install_tree "$stage")
	[ -z "$files" ] || say "installed $(echo "$files" | wc -l) files:" \
		$files
fi

# A config the agent can run with on any Pi: the fan on GPIO 14 (the
# gpio-fan overlay's default pin), no LED lines driven (a HAT may own
# them), no broker until the rack's config replaces this one.
conf=$DESTDIR/etc/pirack/agent.conf
if put_file "$conf" 0644 1 <<'CONF'
; agent.conf: pirackd's default from deploy/install.sh, safe on any Pi.
; pirack agent-config NODE prints the rack's full config for a node.
[fan]
driver = gpio
chip = gpiochip0
line = 14
on_c = 60
off_c = 50

[led]
driver = none

[mqtt]
enabled = false
CONF
then
	say "wrote the default $conf"
fi

# The pirack system user, in group gpio.
if [ -z "$DESTDIR" ]; then
	prefix_opt=
elif [ -f "$DESTDIR/etc/passwd" ]; then
	prefix_opt="--prefix $DESTDIR"
else
	prefix_opt=skip
	echo "install.sh: no $DESTDIR/etc/passwd: user pirack not created"
fi
if [ "$prefix_opt" != skip ]; then
	in_db() { grep -q "^$2:" "$DESTDIR/etc/$1"; }
	if ! in_db group gpio; then
		# shellcheck disable=SC2086
		groupadd $prefix_opt --system gpio
		say "created group gpio"
	fi
	if ! in_db passwd pirack; then
		# shellcheck disable=SC2086
		useradd $prefix_opt --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin \
			--groups gpio --comment "pirack node agent" pirack
		say "created user pirack (groups pirack, gpio)"
	elif ! grep "^gpio:" "$DESTDIR/etc/group" | cut -d: -f4 |
		tr ',' '\n' | grep -qx pirack; then
		# shellcheck disable=SC2086
		usermod $prefix_opt --append --groups gpio pirack
		say "added user pirack to group gpio"
	fi
	# the agent's socket is pirack:pirack 0660: the MPI ranks' user joins
	if [ -n "$mpi_user" ] && [ "$mpi_user" != pirack ]; then
		if ! in_db passwd "$mpi_user"; then
			echo "install.sh: no user $mpi_user: not added to group pirack" >&2
		elif ! grep "^pirack:" "$DESTDIR/etc/group" | cut -d: -f4 |
			tr ',' '\n' | grep -qx "$mpi_user"; then
			# shellcheck disable=SC2086
			usermod $prefix_opt --append --groups pirack "$mpi_user"
			say "added user $mpi_user to group pirack (the agent's socket)"
		fi
	fi
fi

# Debian and Ubuntu give the GPIO chips to root only; Raspberry Pi OS
# already gives them to group gpio. Same rule, harmless twice. The rules
# name group gpio: they come after the accounts above, or udev ignores
# them ("Unknown group 'gpio'") until the next boot.
rules_changed=0
rule=$DESTDIR/etc/udev/rules.d/60-pirack-gpio.rules
if put_file "$rule" 0644 0 <<'RULE'
# 60-pirack-gpio.rules: GPIO character devices for group gpio (pirackd).
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
RULE
then
	say "installed $rule"
	rules_changed=1
fi

# The pwm fan driver writes /sys/class/pwm/pwmchip*/export and the
# channel's period, duty_cycle and enable, all root's on Debian and Ubuntu
# (the unit runs as User=pirack). sysfs files take no udev GROUP=: the rule
# gives the chip's tree to group gpio with the owner's rights. It runs on
# the chip's add, and on the change event the kernel sends when a channel
# is exported (EXPORT=pwmN), so the new channel's files follow.
prule=$DESTDIR/etc/udev/rules.d/60-pirack-pwm.rules
if put_file "$prule" 0644 0 <<'RULE'
# 60-pirack-pwm.rules: PWM chips and exported channels for group gpio.
SUBSYSTEM=="pwm", KERNEL=="pwmchip*", ACTION=="add|change", RUN+="/bin/sh -c 'chgrp -R gpio /sys%p && chmod -R g=u /sys%p'"
RULE
then
	say "installed $prule"
	rules_changed=1
fi

# Prints the GPIO chips and pwm chips whose group or mode is not what the
# rules give: udev ran before the rules or the group existed (a first
# install), or someone changed them by hand.
nodes_wrong() {
	for n in /dev/gpiochip*; do
		[ -c "$n" ] || continue
		[ "$(stat -c '%G %a' "$n")" = "gpio 660" ] || echo "$n"
	done
	for n in /sys/class/pwm/pwmchip*/export; do
		[ -e "$n" ] || continue
		[ "$(stat -c %G "$n")" = gpio ] || echo "$n"
	done
}

# Re-applies the rules to the devices already there, whenever a rule
# changed or a device is wrong, and waits for udev: pirackd can open the
# chip as soon as this returns, without a reboot.
if [ -z "$DESTDIR" ] && command -v udevadm >/dev/null && [ -d /run/udev ]
then
	wrong=$(nodes_wrong)
	if [ $rules_changed = 1 ] || [ -n "$wrong" ]; then
		udevadm control --reload || true
		udevadm trigger --action=change --subsystem-match=gpio \
			--subsystem-match=pwm || true
		udevadm settle --timeout=30 || true
		# shellcheck disable=SC2086
		[ -z "$wrong" ] || say "re-applied the udev rules to" $wrong
		still=$(nodes_wrong)
		# shellcheck disable=SC2086
		[ -z "$still" ] || echo "install.sh: still not group gpio" \
			"(mode 0660) after udev ran: $still" >&2
	fi
fi

# systemd: only on the running system.
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
	if [ $changed = 1 ]; then
		systemctl daemon-reload
	fi
	if ! systemctl -q is-enabled pirackd 2>/dev/null; then
		systemctl -q enable pirackd
		say "enabled pirackd.service"
	fi
	if [ $start = 1 ]; then
		systemctl restart pirackd
		say "restarted pirackd.service"
	fi
fi

[ $changed = 1 ] || echo "install.sh: nothing to change"
