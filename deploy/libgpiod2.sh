#!/usr/bin/env bash
# Fetches Debian 13's libgpiod v2 (libgpiod-dev + libgpiod3) into a private,
# build-only prefix, for building pirackd against the v2 API on Debian 12.
#
#   deploy/libgpiod2.sh [--cached]
#
# Prints the prefix (its usr/include/gpiod.h, usr/lib/<arch>/libgpiod.so,
# usr/lib/<arch>/pkgconfig/libgpiod.pc) on stdout and exits 0. Nothing on
# the system changes: apt-get runs with its own sources list, lists, cache
# and an empty dpkg status, and `dpkg -x` only unpacks. Idempotent: a
# complete prefix is reused without touching the network.
#   --cached   only report an already fetched prefix; never download.
# Exit 3 when the archive cannot be reached (the v2 build is then skipped).
#
# Environment: PIRACK_GPIOD2_DIR (default $XDG_CACHE_HOME or ~/.cache,
# + /pirack/gpiod2), PIRACK_DEBIAN_MIRROR (default: the mirror the system's
# apt sources use for bookworm main, else http://deb.debian.org/debian),
# PIRACK_GPIOD2_SUITE (default trixie).
set -euo pipefail

cache_home=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
dir=${PIRACK_GPIOD2_DIR:-$cache_home/pirack/gpiod2}

# The URI of the system's "deb URI bookworm main" source (one-line
# *.list or deb822 *.sources): a machine that only reaches its own mirror
# must fetch from it too. First match wins; prints nothing when none.
mirror_from_sources() {
	local codename=bookworm f
	[ -r /etc/os-release ] &&
		codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [opts] URI SUITE COMPONENT...
		awk -v c="$codename" '
			$1 != "deb" { next }
			{ i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } }
			$(i + 1) == c { for (j = i + 2; j <= NF; j++)
				if ($j == "main") { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# paragraphs of "Key: value"; Enabled: no turns one off
		awk -v c="$codename" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && suites ~ "(^| )" c "( |$)" &&
				    comps ~ /(^| )main( |$)/ && enabled != "no" && uris != "") {
					split(uris, u, " "); print u[1]
					types = ""; exit
				}
				types = suites = comps = uris = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ key = tolower($1); sub(/:$/, "", key); $1 = ""
			  sub(/^ +/, ""); val = $0 }
			key == "types" { types = val }
			key == "uris" { uris = val }
			key == "suites" { suites = val }
			key == "components" { comps = val }
			key == "enabled" { enabled = tolower(val) }
			END { flush() }' "$f"
	done | awk 'NR == 1'	# not head: pipefail, SIGPIPE
}

mirror=${PIRACK_DEBIAN_MIRROR:-$(mirror_from_sources)}
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
suite=${PIRACK_GPIOD2_SUITE:-trixie}
prefix=$dir/prefix
cached_only=0

case "${1:-}" in
--cached) cached_only=1 ;;
-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
"") ;;
*) echo "libgpiod2.sh: unknown option '$1'" >&2; exit 2 ;;
esac

complete() {
	[ -f "$prefix/.complete" ] &&
		compgen -G "$prefix/usr/lib/*/pkgconfig/libgpiod.pc" >/dev/null
}

if complete; then
	echo "$prefix"
	exit 0
fi
if [ $cached_only = 1 ]; then
	echo "libgpiod2.sh: no libgpiod v2 fetched yet in $prefix" >&2
	exit 3
fi

mkdir -p "$dir"
# Two builds asking at once must not unpack into each other.
exec 9>"$dir/lock"
flock 9
if complete; then
	echo "$prefix"
	exit 0
fi

state=$dir/apt
rm -rf "$state" "$prefix.tmp"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" \
	"$state/debs" "$state/etc/preferences.d"
: >"$state/status"
echo "deb $mirror $suite main" >"$state/sources.list"
apt_opts=(
	-o "Dir::Etc::sourcelist=$state/sources.list"
	-o "Dir::Etc::sourceparts=-"
	-o "Dir::Etc::preferencesparts=$state/etc/preferences.d"
	-o "Dir::State::Lists=$state/lists"
	-o "Dir::State::status=$state/status"
	-o "Dir::Cache=$state/cache"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
	-o "Acquire::Retries=2"
	-o "Acquire::http::Timeout=20"
	-o "Acquire::Languages=none"
)

if ! apt-get -q "${apt_opts[@]}" update >"$state/update.log" 2>&1 ||
	grep -qE '^(Err|W: Failed)' "$state/update.log"; then
	echo "libgpiod2.sh: cannot reach $mirror $suite (log: $state/update.log)" >&2
	exit 3
fi

# libgpiod-dev and the libgpiod packages it depends on; the rest of its
# dependencies (libc) are Debian 12's own: libgpiod3 2.2 needs glibc 2.33.
pkgs=(libgpiod-dev)
while read -r dep; do
	pkgs+=("$dep")
done < <(apt-cache "${apt_opts[@]}" depends libgpiod-dev 2>/dev/null |
	sed -n 's/^ *Depends: \(libgpiod[^ ]*\)$/\1/p' | sort -u)
if [ ${#pkgs[@]} -lt 2 ]; then
	echo "libgpiod2.sh: $suite has no libgpiod-dev depending on a libgpiod library" >&2
	exit 3
fi
if ! (cd "$state/debs" && apt-get -q "${apt_opts[@]}" download "${pkgs[@]}") \
	>"$state/download.log" 2>&1; then
	echo "libgpiod2.sh: downloading ${pkgs[*]} failed (log: $state/download.log)" >&2
	exit 3
fi

mkdir -p "$prefix.tmp"
for deb in "$state/debs"/*.deb; do
	dpkg -x "$deb" "$prefix.tmp"
done
pc=$(compgen -G "$prefix.tmp/usr/lib/*/pkgconfig/libgpiod.pc" | head -n 1)
ver=$(sed -n 's/^Version: *//p' "$pc")
case "$ver" in
2.*) ;;
*) echo "libgpiod2.sh: $suite's libgpiod is '$ver', not 2.x" >&2; exit 3 ;;
esac
(cd "$state/debs" && ls) >"$prefix.tmp/.complete"
rm -rf "$prefix"
mv "$prefix.tmp" "$prefix"
rm -rf "$state/lists" "$state/cache"	# 10 MB of indexes, not needed again
echo "libgpiod2.sh: libgpiod $ver from $suite in $prefix" >&2
echo "$prefix"
