#!/usr/bin/env bash
# Installs pirack's build, test and demo dependencies from Debian's archive:
# idempotent, only what is missing, as root or through sudo.
#
#   deploy/deps.sh [--quiet] [--build] [--bench] [--list]
#
# --build: only what `make` needs to build (BUILD_PKGS). Every package the
# project uses is named here (and in README.md). The VM test's packages are
# installed on amd64 only (it boots an amd64 kernel under qemu-system-x86).
# mosquitto and openssh-server start their services when installed (as any
# Debian package does); the tests run their own on loopback and in
# namespaces: `systemctl disable --now mosquitto ssh` if they are not wanted.
set -euo pipefail

# Building pirackd, pirack, the MPI programs and the unit tests.
BUILD_PKGS=(
	build-essential pkg-config
	libinih-dev          # INI configs (agent.conf, rack.conf)
	libcjson-dev         # JSON: control socket, MQTT payloads
	libmosquitto-dev     # MQTT client
	libgpiod-dev         # GPIO, libgpiod v1 (Debian 12)
	libcmocka-dev        # unit tests
	libmpich-dev mpich   # MPI (mpicc, mpiexec)
	libopenmpi-dev openmpi-bin  # the second MPI (make MPI=openmpi, make check)
	libgmp-dev           # scatter demo big integers
)
# Running the tests and the demo.
TEST_PKGS=(
	mosquitto mosquitto-clients  # real broker on loopback
	valgrind
	openssl              # throw-away CA for the TLS tests
	jq                   # reading JSON in shell tests
	python3-jinja2       # renders Home Assistant's discovery templates
	gnuplot-nox          # demo picture
	iproute2 procps psmisc
	netbase              # /etc/hosts (localhost) on bare chroots
	openssh-server openssh-client  # cluster.sh end-to-end test
	systemd              # systemd-analyze verify of the unit
	clang libclang-rt-14-dev  # libFuzzer targets (make fuzz, fuzz_smoke)
	clang-format         # make format-check (kernel style)
)
# The real-kernel VM tests (tests/vm/: vm_gpio, vm_systemd), amd64 only.
VM_PKGS=(
	qemu-system-x86 busybox-static cpio kmod xz-utils
	gpiod                # gpioinfo & co, in the guest
	debootstrap e2fsprogs  # real-systemd VM test's root image (mkfs.ext4 -d)
)
[ "$(dpkg --print-architecture)" = amd64 ] || VM_PKGS=()
# x86-64 hosts only: the pi kernels' arm64 bits under qemu-user
# (tests/integration/mpi_arm64_bits.sh) and the arm64 assembly that
# make bench's llvm-mca estimate reads (tests/bench/pi_mca.bench.sh).
CROSS_PKGS=(
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross  # arm64 cross compiler
	qemu-user            # qemu-aarch64
)
[ "$(uname -m)" = x86_64 ] || CROSS_PKGS=()
# make bench only.
BENCH_PKGS=(
	collectd-core        # footprint baseline
	stress-ng            # CPU hogs beside the simulated cluster (docs/simulation.md)
	hyperfine
	python3-mpi4py       # the recipe's pi program, as a baseline
	llvm-14              # llvm-mca: the pi kernel's Cortex-A72/A76 estimate
)

quiet=0 build=0 bench=0
for arg in "$@"; do
	case "$arg" in
	--quiet) quiet=1 ;;
	--build) build=1 ;;
	--bench) bench=1 ;;
	--list) printf '%s\n' "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" \
		"${VM_PKGS[@]}" "${CROSS_PKGS[@]}" "${BENCH_PKGS[@]}"; exit 0 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "deps.sh: unknown option '$arg'" >&2; exit 2 ;;
	esac
done
want=("${BUILD_PKGS[@]}")
[ $build = 1 ] || want+=("${TEST_PKGS[@]}" "${VM_PKGS[@]}" "${CROSS_PKGS[@]}")
[ $bench = 0 ] || want+=("${BENCH_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	[ $quiet = 1 ] || echo "deps.sh: all dependencies present"
	exit 0
fi

echo "deps.sh: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
# through env: sudo drops the caller's environment (no debconf questions)
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"

# Open MPI (the second MPI, and python3-mpi4py's) has mpicc/mpirun
# alternatives that outrank MPICH's: keep MPICH as the system's MPI.
if [ -e /usr/bin/mpicc.mpich ] && command -v update-alternatives >/dev/null; then
	$SUDO update-alternatives --quiet --set mpi /usr/bin/mpicc.mpich 2>/dev/null || true
	$SUDO update-alternatives --quiet --set mpirun /usr/bin/mpirun.mpich 2>/dev/null || true
fi
