#!/bin/sh
# tests/fault.sh [BINARY]: allocation-failure injection (issue 6, item 3).
#
# Builds build/fault (tests/fault/build.mk: the responder under ASan,
# LSan and UBSan, with malloc and friends replaced for the whole
# process) and runs it over every kind of request in tests/leak/
# kinds.tsv, once as a FastCGI responder and once as plain CGI
# processes (fault -C): for each request, allocation N of that request
# fails, for N = 1 .. (allocations the request makes) + 1, each time in
# a fresh forked responder, so that a crash is seen, not suffered.  An answer
# must be the normal one or a 5xx, with no crash and no leak; a crash
# or leak inside libfcgi, mxml or libcrypto is a residual risk (listed
# at the end, see SECURITY.md), anything in our code a failure.
# tests/fault/fault.c says how each trial is judged.
#
# BINARY (default ./mailautoconf) is only used to check the test config
# (tests/leak/mkconf.sh).  Environment:
#   FAULT_MAX	at most this many values of N per request, evenly
#		spaced, for a quicker run (a signed profile alone makes
#		some 3,500 allocations inside libcrypto; the whole run
#		takes 3 to 5 minutes on 2 CPUs); default 0: every N
#   FAULT_JOBS	worker processes sharing each request's trials
#		(default: the number of CPUs)
#   FAULT_ONLY	only the requests whose name starts with this
#   FAULT_VERBOSE	1: every trial; 2: and each child's stderr
# The last line is "fault: N passed, N failed" (trials); exit status 1
# on any failure.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/mailautoconf}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
cd "$top" || exit 1

finish_fail() {
	echo "fault: $1" >&2
	echo "fault: 0 passed, 1 failed"
	exit 1
}

[ -x "$bin" ] || finish_fail "$bin: not an executable (make)"
command -v gcc >/dev/null 2>&1 || finish_fail "gcc is needed (the build uses ASan's shared runtime)"
for tool in addr2line nm; do
	command -v $tool >/dev/null 2>&1 ||
	    finish_fail "$tool is missing (Debian: binutils)"
done
# The Makefile may have the rule (include tests/fault/build.mk); if not,
# add it from here.
if grep -q -e '^include.*tests/fault/build\.mk' -e '^build/fault:' Makefile; then
	set -- -f Makefile
else
	set -- -f Makefile -f tests/fault/build.mk
fi
if ! make -s --no-print-directory "$@" build/fault >/dev/null; then
	finish_fail "cannot build build/fault"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fault.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
mkdir "$T/gen"
sh tests/hostile/gen.sh "$T/gen" || finish_fail "gen.sh failed"
sh tests/leak/mkconf.sh "$bin" "$T" >"$T/facts" ||
    finish_fail "no usable test config"
skip=
grep -q '^signing yes' "$T/facts" || {
	skip="-x signed-"
	echo "# built without libcrypto: the signed profile is left out"
}

jobs=${FAULT_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le 16 ] || jobs=16
v=
case ${FAULT_VERBOSE:-0} in
1) v=-v ;;
2) v=-vv ;;
esac
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null
# Two passes: the FastCGI responder (one request of a running loop),
# then plain CGI processes (the whole process: config load included),
# whose config leaves the signing out (libcrypto would make thousands
# of allocations in every one of them; the FastCGI pass covers it).
grep -v '^sign_' "$T/mailautoconf.conf" >"$T/cgi.conf"
total_p=0
total_f=0
for mode in fastcgi cgi; do
	echo "# $mode"
	if [ "$mode" = cgi ]; then
		set -- -C -x signed- -c "$T/cgi.conf"
	else
		# shellcheck disable=SC2086
		set -- $skip -c "$T/mailautoconf.conf"
	fi
	# shellcheck disable=SC2086
	build/fault -j "$jobs" -n "${FAULT_MAX:-0}" $v \
	    ${FAULT_ONLY:+-k "$FAULT_ONLY"} -g "$T/gen" "$@" \
	    tests/leak/kinds.tsv | tee "$T/$mode.out"
	line=$(grep -E '^fault: [0-9]+ passed, [0-9]+ failed' "$T/$mode.out" |
	    tail -n 1)
	p=$(echo "$line" | sed -n 's/^fault: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* passed, \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; }
	total_p=$((total_p + p))
	total_f=$((total_f + f))
done
echo "fault: $total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
