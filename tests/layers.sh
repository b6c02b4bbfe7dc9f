#!/bin/sh
# No call cycle between source files (README, "Source layout"): from
# the objects' symbol tables, file A depends on file B when A uses a
# symbol B defines; tsort(1) refuses a graph with a loop.  Prints each
# dependency as a test line, then the files in an order that respects
# them.
# Usage: sh tests/layers.sh OBJECT...
set -u
pass=0
fail=0
edges=$(mktemp)
trap 'rm -f "$edges" "$edges.def"' EXIT
for o in "$@"; do
	f=$(basename "$o" .o)
	nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 { print $3, f }'
done | sort -u > "$edges.def"
for o in "$@"; do
	f=$(basename "$o" .o)
	nm -u "$o" | awk '{ print $NF }' | sort -u |
	    join - "$edges.def" | awk -v f="$f" '$2 != f { print f, $2 }'
done | sort -u > "$edges"
n=$(wc -l < "$edges")
if [ "$n" -gt 0 ]; then
	pass=$((pass + 1))
	echo "ok - $n dependencies between $# files"
else
	fail=$((fail + 1))
	echo "not ok - no dependencies found: are these the objects?"
fi
if order=$(tsort "$edges" 2>&1); then
	pass=$((pass + 1))
	echo "ok - no call cycle; callers first:" $order
else
	fail=$((fail + 1))
	echo "not ok - a call cycle between files:"
	echo "$order" | sed 's/^/#   /'
fi
# Emitters get resolved settings and never call back into the config.
for f in xmlgen pagegen valid buf; do
	bad=$(awk -v f="$f" '$1 == f && $2 ~ /^(config|confread|load|prepare|keys)$/' "$edges")
	if [ -z "$bad" ]; then
		pass=$((pass + 1))
		echo "ok - $f.c calls nothing of the configuration"
	else
		fail=$((fail + 1))
		echo "not ok - $f.c calls into the configuration: $bad"
	fi
done
# Each prototype stands in the header group of the file that defines it
# (a group starts with a comment naming the file: "/* ---- buf.c").
dir=$(dirname "$1")
protos=$(awk '
FNR == 1 { grp = FILENAME; sub(/.*\//, "", grp); sub(/\.h$/, "", grp) }
/^\/\* (---- )?[a-z]+\.c[: ]/ {
	match($0, /[a-z]+\.c/); grp = substr($0, RSTART, RLENGTH - 2); next
}
/^(static|typedef|#|\t| )/ { next }
/^[A-Za-z].*[ *]\(?[a-z_0-9]+\(/ {
	line = $0; sub(/\(.*/, "", line); n = split(line, w, /[ \t*]+/)
	print grp, w[n]
}' mailautoconf.h buf.h conf.h $(ls check.h 2>/dev/null))
misplaced=$(echo "$protos" | while read -r grp fn; do
	if [ ! -f "$dir/$grp.o" ] ||
	    ! nm -g --defined-only "$dir/$grp.o" | awk '{ print $3 }' |
	    grep -qx "$fn"; then
		echo "$fn (under $grp.c)"
	fi
done)
if [ -z "$misplaced" ]; then
	pass=$((pass + 1))
	echo "ok - $(echo "$protos" | wc -l) prototypes, each in its file's group"
else
	fail=$((fail + 1))
	echo "not ok - prototypes not in the group of their file:" $misplaced
fi
echo "layers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
