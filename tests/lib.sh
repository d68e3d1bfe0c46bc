# tests/lib.sh: shared helpers for the integration tests (source it).
#
#   t_init                 temp dir $T, cleanup of everything on EXIT
#   t_bg NAME CMD...       start CMD in the background, log in $T/NAME.log,
#                          pid in $LAST_PID; killed at exit
#   wait_for SECS CMD...   poll CMD until it succeeds, fail after SECS
#                          (times PIRACK_TIME_SCALE: tests/emulation.sh)
#   t_timeout SECS CMD...  timeout(1) with SECS times PIRACK_TIME_SCALE
#   t_work N               N (pi intervals sized for a native CPU) divided
#                          by PIRACK_WORK_DIV (50 under emulation)
#   t_busy                 how much this machine's load stretches a bound
#                          on elapsed time: the 1-minute load average per
#                          CPU, 1 to 8, times PIRACK_TIME_SCALE
#   skip_emulated WHY      skip when the tests run under user-mode
#                          emulation (qemu-user), with WHY; runs natively
#   free_port              a free TCP port on 127.0.0.1
#   start_broker [--persist] [LINE...]  a throw-away mosquitto on a free
#                          port: sets BROKER_PORT, BROKER_PID; --persist keeps
#                          sessions in $T/db across restarts; LINEs added to
#                          its $T/mosquitto.conf
#   broker_up NAME         (re)starts mosquitto on that conf as NAME
#   fake_zone ROOT ZONE MILLIDEG [TYPE]   write a fake sysfs thermal zone
#   put_whole FILE TEXT    FILE holds TEXT and a newline, written to a temp
#                          file and renamed: a reader polling FILE never
#                          sees it empty or half written
#   fake_agent SOCK DELAY [PACES]  a fake pirackd control socket
#                          (tests/tools/fake_agent.py) on SOCK, answering
#                          after DELAY s, "pace" with PACES in turn (the
#                          last repeating; default 1); requests logged in
#                          $T/requests.log
#   fail MSG / skip MSG    end the test (exit 1 / 77)
#   need_netns             skip unless network namespaces work here
#   t_variants V... [-- WHY]  skip unless $PIRACK_VARIANT is one of V...
#   mpi_init               $MPIEXEC and $MPI_NAME (the build's MPI, from
#                          $BIN/mpi.env), ASan/LSan set up for it
#   t_install VAR=VAL...   'make install' from the built tree under test,
#                          copying only (fails if it would have to build)
#
# PIRACK_BUILD is the build dir under test (default build); BIN=$PIRACK_BUILD.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIRACK_BUILD=${PIRACK_BUILD:-build}
case "$PIRACK_BUILD" in /*) BIN=$PIRACK_BUILD ;; *) BIN=$TOP/$PIRACK_BUILD ;; esac
T_PIDS=()
source "$TOP/tests/emulation.sh"
emulation_probe

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# need_netns: a throw-away namespace is made, entered and removed, or the
# test skips with the cause. A chroot whose / is no mount point has ip but
# refuses "ip netns exec" ("mount --make-rslave /" failed: Invalid argument).
need_netns() {
	local ns=prkprobe$$r$RANDOM err
	[ "$(id -u)" = 0 ] || skip "network namespaces need root"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	if ! err=$( { ip netns add "$ns" && ip netns exec "$ns" true &&
		      unshare -m --propagation private true; } 2>&1); then
		ip netns del "$ns" 2>/dev/null || true
		skip "network or mount namespaces are not usable here: ${err//$'\n'/; }"
	fi
	ip netns del "$ns"
}

t_cleanup() {
	local rc=$? pid
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${T_PIDS[@]}"; do
		# bounded: a process that ignores TERM gets KILL after 2 s
		for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "${T:-}" ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "--- $f"; tail -n 30 "$f"
		done
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	return $rc
}

t_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/pirack-test.XXXXXX")
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
}

t_bg() {
	local name=$1; shift
	"$@" >"$T/$name.log" 2>&1 &
	LAST_PID=$!
	T_PIDS+=("$LAST_PID")
}

wait_for() {
	local secs=$(($1 * PIRACK_TIME_SCALE)); shift
	local end=$((SECONDS + secs))
	# polling a condition with a deadline, not sleeping as synchronisation
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "timed out after ${secs}s waiting for: $*"
		sleep 0.05
	done
}

# Hang guards of commands, stretched as wait_for's deadlines are.
t_timeout() {
	local secs=$(($1 * PIRACK_TIME_SCALE)); shift
	timeout "$secs" "$@"
}

# A bound on elapsed time that must hold on a busy machine too (e.g. how
# long a stop takes): 1 on an idle one, more where others want the CPUs.
t_busy() {
	awk -v n="$(nproc 2>/dev/null || echo 1)" -v s="$PIRACK_TIME_SCALE" \
		'{ f = $1 / n; f = f < 1 ? 1 : f > 8 ? 8 : f; printf "%d", f * s + 0.999 }' \
		/proc/loadavg
}

# Work sized for a native CPU: a job that lasts seconds here would last
# minutes emulated, and these tests need its shape, not its size.
t_work() {
	awk -v n="$1" -v d="$PIRACK_WORK_DIV" 'BEGIN { printf "%.0f\n", n / d }'
}

# skip_emulated "why": for what cannot work when every instruction is
# emulated by qemu-user (valgrind's own JIT on top of qemu's); on real
# hardware of the same architecture the test runs.
skip_emulated() {
	[ -z "$PIRACK_EMULATED" ] || skip "$1 ($PIRACK_EMULATED)"
}

# t_variants plain asan -- "why": a test that proves nothing new in the
# other variants (e.g. gpiod2) skips itself there.
t_variants() {
	local v=${PIRACK_VARIANT:-plain} why=
	local ok=()
	while [ $# -gt 0 ]; do
		[ "$1" = -- ] && { why=${2:-}; break; }
		ok+=("$1"); shift
	done
	local w
	for w in "${ok[@]}"; do [ "$v" = "$w" ] && return 0; done
	skip "${why:-nothing new to test in variant $v (runs in: ${ok[*]})}"
}

# The build's own MPI launcher, by its own name ($BIN/mpi.env, written by
# make: MPI=mpich or openmpi, MPIEXEC=mpiexec.mpich...): the plain
# "mpiexec" is a Debian alternative that belongs to whichever MPI was
# installed last. Tests use only what both launchers take: -n, MPMD ':'
# and per-rank environments through env(1) (not hydra's -env).
# Open MPI: as root only when told so, more ranks than cores, no binding
# (two tests share the cores), session files under $T.
# ASan builds: MPICH 4.0.2's MPI_Init leaks inside hwloc plugins that are
# unloaded before exit; LeakSanitizer needs the slow unwinder to see past
# them to the suppressed frames. Our own leaks are still reported.
mpi_init() {
	local key val launcher=mpiexec.mpich
	MPI_NAME=mpich
	if [ -f "$BIN/mpi.env" ]; then
		while IFS== read -r key val; do
			case $key in
			MPI) MPI_NAME=$val ;;
			MPIEXEC) launcher=$val ;;
			esac
		done <"$BIN/mpi.env"
	fi
	MPIEXEC=$(command -v "$launcher" || command -v mpiexec) ||
		skip "mpiexec not installed"
	if [ "$MPI_NAME" = openmpi ]; then
		if [ "$(id -u)" = 0 ]; then
			export OMPI_ALLOW_RUN_AS_ROOT=1
			export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
		fi
		export OMPI_MCA_rmaps_base_oversubscribe=1
		export OMPI_MCA_hwloc_base_binding_policy=none
		[ -n "${T:-}" ] && export OMPI_MCA_orte_tmpdir_base=$T
	fi
	# One host: UCX may use loopback only. Tests beside this one add and
	# remove veth links (tests/hosts_lib.sh), and UCX fails its start-up
	# ("init_worker No such device") when a link it listed is gone a
	# moment later. Shared memory is not a network device: unaffected.
	export UCX_NET_DEVICES=${UCX_NET_DEVICES:-lo}
	export ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export LSAN_OPTIONS=suppressions=$TOP/tests/integration/mpi_lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
}

# Other tests run beside this one against the same build directory: a test
# never builds. 'make -q all' proves every installed file is up to date, so
# 'make install' then only copies (DESTDIR, PREFIX... as given).
t_install() {	# returns 1 with the reason on stderr: callers log it
	if ! make -q -C "$TOP" O="$PIRACK_BUILD" all >/dev/null 2>&1; then
		echo "t_install: $PIRACK_BUILD is not up to date (make all first): a test does not build" >&2
		return 1
	fi
	make -s -C "$TOP" O="$PIRACK_BUILD" "$@" install
}

free_port() { "$BIN/tests/tools/freeport"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_broker() {
	local persist=false root=
	[ "${1:-}" = --persist ] && { persist=true; shift; }
	command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] ||
		fail "mosquitto is not installed (deploy/deps.sh)"
	BROKER_PORT=$(free_port)
	# mosquitto run as root would switch to user mosquitto, locked out of $T
	$persist && [ "$(id -u)" = 0 ] && root='user root'
	{
		cat <<CONF
$root
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence $persist
CONF
		$persist && mkdir -p "$T/db" && echo "persistence_location $T/db/"
		printf '%s\n' "$@"
	} >"$T/mosquitto.conf"
	broker_up mosquitto
}

broker_up() {
	t_bg "$1" /usr/sbin/mosquitto -c "$T/mosquitto.conf"
	BROKER_PID=$LAST_PID
	wait_for 10 port_open "$BROKER_PORT"
}

fake_agent() {
	command -v python3 >/dev/null || fail "python3 missing (deploy/deps.sh)"
	t_bg agent python3 "$TOP/tests/tools/fake_agent.py" "$1" "$2" \
		"$T/requests.log" "${3:-1}"
	wait_for 10 test -S "$1"
}

put_whole() {
	printf '%s\n' "$2" >"$1.tmp" && mv "$1.tmp" "$1"
}

fake_zone() {
	local root=$1 zone=$2 milli=$3 type=${4:-cpu-thermal}
	local d="$root/class/thermal/$zone"
	mkdir -p "$d"
	printf '%s\n' "$type" >"$d/type"
	put_whole "$d/temp" "$milli"
}
