#!/bin/sh
# Run the cmocka unit test binaries named as arguments, from the
# repository root (the tests find tests/conf and tests/golden there).
# Each binary prints its own cmocka output; its stderr (cmocka's
# summaries, failure details, sanitizer reports) follows its stdout.
# The last line is "unit: N passed, N failed", the test counts summed
# over all binaries; a binary that crashed counts the test it died in
# as failed.  Exits 1 if any binary failed, crashed or is missing.
#
# usage: sh tests/run-unit.sh build/test_*

cd "$(dirname "$0")/.." || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM

# count PATTERN FILE: lines of FILE matching the basic regex PATTERN.
count() {
	n=$(grep -c -- "$1" "$2" 2>/dev/null)
	echo "${n:-0}"
}

# last_number PATTERN FILE: the N of the last "PATTERN N test(s)" line.
last_number() {
	sed -n "s/.*$1 \\([0-9][0-9]*\\) test(s).*/\\1/p" "$2" | tail -n 1
}

total_pass=0
total_fail=0
bad=0

for bin in "$@"; do
	if [ ! -x "$bin" ]; then
		echo "unit: $bin: not an executable" >&2
		bad=1
		total_fail=$((total_fail + 1))
		continue
	fi
	case $bin in
	/*)	run=$bin ;;
	*)	run=./$bin ;;
	esac
	: >"$tmp/out"
	: >"$tmp/err"
	{ "$run" 2>"$tmp/err"; echo $? >"$tmp/rc"; } | tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	cat "$tmp/err" >&2

	pass=$(last_number '\[  PASSED  \]' "$tmp/err")
	fail=$(last_number '\[  FAILED  \]' "$tmp/err")
	if [ -n "$pass" ] || [ -n "$fail" ]; then
		# cmocka finished and summed up.
		pass=${pass:-0}
		fail=${fail:-0}
	else
		# No summary: it died.  Count what its log shows.
		runs=$(count '^\[ RUN      \]' "$tmp/out")
		pass=$(count '^\[       OK \]' "$tmp/out")
		fail=$(count '^\[  FAILED  \]' "$tmp/out")
		skip=$(count '^\[  SKIPPED \]' "$tmp/out")
		died=$((runs - pass - fail - skip))
		[ "$died" -lt 1 ] && died=1
		fail=$((fail + died))
		echo "unit: $bin died (exit status $rc) without a summary" >&2
	fi
	if [ "$rc" -ne 0 ]; then
		bad=1
		if [ "$fail" -eq 0 ]; then
			# All tests passed, then something failed at exit
			# (LeakSanitizer, say).
			echo "unit: $bin exited with status $rc" >&2
		fi
	fi
	[ "$fail" -gt 0 ] && bad=1
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
done

echo "unit: $total_pass passed, $total_fail failed"
exit $bad
