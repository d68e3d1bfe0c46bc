#!/usr/bin/env bash
# sim_usage.sh: deploy/simcluster.sh refuses bad options with a clear message
# and exit status 2, before starting anything; --help documents them.
source "$(dirname "$0")/../lib.sh"
t_init
SC=$TOP/deploy/simcluster.sh

refused() {	# expected-message args...
	local want=$1 out rc=0; shift
	out=$(bash "$SC" -b "$BIN" -o "$T/out" "$@" 2>&1) || rc=$?
	[ $rc -eq 2 ] || fail "simcluster.sh $*: exit $rc, want 2 ($out)"
	grep -qF -- "$want" <<<"$out" || fail "simcluster.sh $*: '$out' lacks '$want'"
}

refused "--nodes '0'" -n 0
refused "--slots 'x'" --slots x
refused "--runs: 'fast' is not" --runs paced,fast
refused "--kill-agent 'n1': NODE@SECONDS" --kill-agent n1
refused "no node n5" -n 2 --kill-agent n5@3
refused "--target 80 / --limit 70" --target 80 --limit 70
refused "--mode 'fast'" -m fast
refused "unknown option '--bogus'" --bogus
refused "option --ambient needs a value" --ambient
refused "--ambient: 'warm' is not" -a 40,warm
refused "--work '0'" --work 0
refused "--sim-clock 'fast': wall or cpu" --sim-clock fast
[ ! -e "$T/out" ] || fail "a refused run wrote $T/out"

bash "$SC" --help | grep -q -- "--kill-agent NODE@S" || fail "--help lacks --kill-agent"
echo ok
