#!/bin/sh
# make check: run every suite, even after one fails, so no failure hides
# another; then one line per suite and a total.  Each suite prints its
# own "NAME: N passed, N failed" line last; a suite that dies without it
# counts as one failure.  Exit status: 0 only when every suite passed.
#
# Usage: tests/check.sh 'label|command ...' ...
set -u
log=$(mktemp)
rcf=$(mktemp)
trap 'rm -f "$log" "$rcf"' EXIT INT TERM
total_p=0
total_f=0
summary=
bad=0
for spec in "$@"; do
	label=${spec%%|*}
	cmd=${spec#*|}
	echo "=== $label: $cmd"
	{ sh -c "$cmd" </dev/null; echo $? > "$rcf"; } 2>&1 | tee "$log"
	rc=$(cat "$rcf")
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(printf '%s\n' "$line" | sed -n 's/^[^:]*: \([0-9]*\) passed.*/\1/p')
	f=$(printf '%s\n' "$line" | sed -n 's/^[^:]*: [0-9]* passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then
		p=0
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# it said all passed, yet failed
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	[ "$f" -eq 0 ] || bad=1
	summary="$summary$(printf '%-12s %5s passed, %s failed' "$label" "$p" "$f")
"
done
echo
echo "=== summary"
printf '%s' "$summary"
echo "check: $total_p passed, $total_f failed"
[ $bad -eq 0 ] && [ $total_f -eq 0 ]
