# tests/emulation.sh: do the tests run under user-mode emulation (qemu-user,
# e.g. an arm64 chroot on an x86-64 machine)? Sourced by tests/run.sh and
# tests/lib.sh.
#
#   emulation_probe   sets PIRACK_EMULATED to "" (native) or to why this is
#                     emulation ("aarch64 programs on a x86_64 kernel"),
#                     and PIRACK_TIME_SCALE (1 natively, 5 emulated) unless
#                     they are set already (run.sh exports both to tests),
#                     and PIRACK_WORK_DIV (1 natively, 50 emulated).
#
# qemu-user answers uname(2) with the guest's machine, so `uname -m` names
# the programs' architecture. The kernel's own is in /proc/sys/kernel/arch
# (Linux >= 6.1; qemu-user passes it through); older kernels: /proc/cpuinfo,
# which qemu-user 7.2 passes through for arm64 guests too (an x86 host's
# has vendor_id, an arm64 kernel's has "CPU implementer"). arm programs on
# an arm64 kernel (armhf userland on a 64-bit Pi kernel) are native.
# PIRACK_EMULATED=0 or 1 overrides the probe (1: "told so").

emulation_family() {	# machine name -> family
	case $1 in
	x86_64|i[3-6]86) echo x86 ;;
	aarch64*|arm64|arm*) echo arm ;;
	*) echo "$1" ;;
	esac
}

emulation_probe() {
	local user kern
	case ${PIRACK_EMULATED-unset} in
	0) PIRACK_EMULATED= ;;
	1) PIRACK_EMULATED="PIRACK_EMULATED=1 says so" ;;
	unset)
		PIRACK_EMULATED=
		user=$(uname -m)
		kern=$(cat /proc/sys/kernel/arch 2>/dev/null) || kern=
		if [ -z "$kern" ] && [ -r /proc/cpuinfo ]; then
			if grep -q '^vendor_id' /proc/cpuinfo; then
				kern=x86_64
			elif grep -q '^CPU implementer' /proc/cpuinfo; then
				kern=aarch64
			fi
		fi
		if [ -n "$kern" ] && [ "$(emulation_family "$user")" != \
				"$(emulation_family "$kern")" ]; then
			PIRACK_EMULATED="$user programs on a $kern kernel (user-mode emulation, qemu-user)"
		fi ;;
	esac
	# Deadlines (run.sh's per test, wait_for's) are hang guards, never
	# timing assertions: stretched where every instruction is emulated.
	if [ -z "${PIRACK_TIME_SCALE:-}" ]; then
		PIRACK_TIME_SCALE=1
		[ -n "$PIRACK_EMULATED" ] && PIRACK_TIME_SCALE=5
	fi
	# Work sized for a native CPU (pi intervals for ~1 s of a job) is
	# divided: qemu-user ran the arm64 NEON kernel 440x slower than this
	# x86's AVX-512 one (1e7 intervals in 1.4 s against 1e8 in 0.03 s).
	if [ -z "${PIRACK_WORK_DIV:-}" ]; then
		PIRACK_WORK_DIV=1
		[ -n "$PIRACK_EMULATED" ] && PIRACK_WORK_DIV=50
	fi
	export PIRACK_EMULATED PIRACK_TIME_SCALE PIRACK_WORK_DIV
}
