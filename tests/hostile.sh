#!/bin/sh
# tests/hostile.sh BINARY: the hostile corpus through the real program.
#
# Runs every case of tests/hostile/cases.tsv (its header says what the
# fields mean) through BINARY as a CGI: the request in the environment,
# the body on stdin, the sample config unless the case names another.
# make check passes the ASan/UBSan build.  Each case must give its HTTP
# status and Autodiscover ErrorCode, with
#   - exit status 0 and no sanitizer report on stderr;
#   - only "mailautoconf: " lines of printable ASCII on stderr, and one
#     log line ("mailautoconf: STATUS …") exactly when the request failed;
#   - a CRLF header block of known headers in printable ASCII, whose
#     Content-Length is the size of the body (none for HEAD);
#   - "no echoed byte unescaped": an XML body that xmllint parses, a JSON
#     body that jq parses (when installed), or the fixed text of an
#     error; no raw CR or NUL in any body; the case's forbidden text
#     nowhere in the answer, its wanted text in the body.
# Prints "ok - NAME" or "not ok - NAME" and the reasons per case; the
# last line is "hostile: N passed, N failed"; exit status 1 on failure.
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh tests/hostile.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
hd=$top/tests/hostile
cd "$top" || exit 1

if [ ! -x "$bin" ]; then
	echo "hostile: $bin: not an executable" >&2
	echo "hostile: 0 passed, 1 failed"
	exit 1
fi
if ! command -v xmllint >/dev/null 2>&1; then
	echo "hostile: xmllint is missing (Debian: libxml2-utils)" >&2
	echo "hostile: 0 passed, 1 failed"
	exit 1
fi
JQ=$(command -v jq 2>/dev/null || true)
TIMEOUT=$(command -v timeout 2>/dev/null || true)

ASAN=abort_on_error=1:halt_on_error=1:detect_leaks=1
UBSAN=halt_on_error=1:print_stacktrace=1
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null

T=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
mkdir "$T/gen"
if ! sh "$hd/gen.sh" "$T/gen"; then
	echo "hostile: gen.sh failed"
	echo "hostile: 0 passed, 1 failed"
	exit 1
fi

pass=0
fail=0
xfail=0
why=

# bad TEXT: one reason why the current case failed.
bad() {
	why="$why#   $1
"
}

# dec TEXT: TEXT with printf %b escapes decoded.
dec() {
	printf '%b' "$1"
}

# size FILE: its size in bytes.
size() {
	echo $(($(wc -c <"$1")))
}

# contains FILE TEXT: 1 if TEXT occurs in FILE (bytes, no regex).
contains() {
	LC_ALL=C grep -F -q -e "$2" "$1"
}

run_case() {
	why=
	if [ "$body" = - ]; then
		in=/dev/null
	else
		case $body in
		gen/*)	in=$T/$body ;;
		*)	in=$hd/$body ;;
		esac
		if [ ! -r "$in" ]; then
			bad "no body file $in"
			return
		fi
	fi
	case $uri in
	@*)	u=$(cat "$T/gen/${uri#@}") ;;
	*)	u=$(dec "$uri") ;;
	esac
	case $u in
	*\?*)	q=${u#*\?} ;;
	*)	q= ;;
	esac
	cf=etc/mailautoconf.conf
	[ "$conf" = - ] || cf=$conf
	set -- PATH="$PATH" ASAN_OPTIONS="$ASAN" UBSAN_OPTIONS="$UBSAN" \
	    GATEWAY_INTERFACE=CGI/1.1 MAILAUTOCONF_CONF="$cf" \
	    REQUEST_METHOD="$(dec "$method")" REQUEST_URI="$u" QUERY_STRING="$q"
	[ "$host" = - ] || set -- "$@" HTTP_HOST="$(dec "$host")"
	case $clen in
	auto)	set -- "$@" CONTENT_LENGTH="$(size "$in")" ;;
	-)	;;
	empty)	set -- "$@" CONTENT_LENGTH= ;;
	*)	set -- "$@" CONTENT_LENGTH="$clen" ;;
	esac
	out=$T/out
	err=$T/err
	b=$T/body
	$TIMEOUT ${TIMEOUT:+20} env -i "$@" "$bin" <"$in" >"$out" 2>"$err"
	rc=$?

	# The process and its stderr.
	[ "$rc" -eq 0 ] || bad "exit status $rc"
	if LC_ALL=C grep -E -q 'AddressSanitizer|LeakSanitizer|runtime error|Sanitizer' "$err"; then
		bad "sanitizer report:"
		why="$why$(sed -n '1,12s/^/#     /p' "$err")
"
	fi
	if LC_ALL=C grep -v -q '^mailautoconf: ' "$err"; then
		bad "stderr line not from mailautoconf: $(LC_ALL=C grep -v '^mailautoconf: ' "$err" | head -n 1 | cut -c 1-100)"
	fi
	if [ -n "$(LC_ALL=C tr -d '\n\040-\176' <"$err")" ]; then
		bad "stderr holds bytes other than printable ASCII"
	fi
	nlog=$(LC_ALL=C grep -c '^mailautoconf: [0-9][0-9][0-9] ' "$err")

	# The header block: CRLF lines up to an empty one.
	hlen=$(LC_ALL=C awk '{ n += length($0) + 1 }
	    /^\r$/ { print n; found = 1; exit }
	    END { if (!found) print -1 }' "$out")
	if [ "$hlen" -lt 0 ]; then
		bad "no header block in the answer: $(head -c 200 "$out" | tr -c '\040-\176' '.')"
		return
	fi
	head -c "$hlen" "$out" >"$T/head"
	tail -c +$((hlen + 1)) "$out" >"$b"
	if LC_ALL=C awk '!/\r$/ { exit 1 }' "$T/head"; then :; else
		bad "a header line does not end in CRLF"
	fi
	tr -d '\r' <"$T/head" | sed '$d' >"$T/hl"
	if LC_ALL=C grep -E -v -q '^(Status|Content-Type|Content-Length|Allow|Location|Content-Disposition): [ -~]+$' "$T/hl"; then
		bad "unexpected header line: $(LC_ALL=C grep -E -v '^(Status|Content-Type|Content-Length|Allow|Location|Content-Disposition): [ -~]+$' "$T/hl" | head -n 1 | tr -c '\040-\176\n' '.')"
	fi
	st=$(sed -n '1s/^Status: \([0-9][0-9][0-9]\) .*/\1/p' "$T/hl")
	ct=$(sed -n 's/^Content-Type: //p' "$T/hl")
	cl=$(sed -n 's/^Content-Length: //p' "$T/hl")
	[ "$st" = "$status" ] || bad "status ${st:-none}, want $status"
	[ -n "$ct" ] || bad "no Content-Type"
	blen=$(size "$b")
	if [ "$(dec "$method")" = HEAD ]; then
		[ "$blen" -eq 0 ] || bad "HEAD answer with a body"
	elif [ "$cl" != "$blen" ]; then
		bad "Content-Length ${cl:-none}, body $blen bytes"
	fi

	# The body: well-formed for its type, nothing raw echoed.
	if [ -n "$(LC_ALL=C tr -cd '\r\000' <"$b")" ]; then
		bad "raw CR or NUL in the body"
	fi
	if [ "$blen" -gt 0 ]; then
		case $ct in
		text/xml*|application/x-apple-aspen-config)
			if ! xmllint --noout --nonet "$b" >"$T/lint" 2>&1; then
				bad "body is not well-formed XML: $(head -n 1 "$T/lint")"
			fi ;;
		application/json)
			if [ -n "$JQ" ] && ! "$JQ" -e . "$b" >/dev/null 2>&1; then
				bad "body is not JSON"
			fi ;;
		text/plain*)
			if [ "$(wc -l <"$b")" -ne 1 ] ||
			    ! LC_ALL=C grep -E -q -x '[0-9]{3} [A-Za-z ]+' "$b"; then
				bad "text body is not the fixed error text"
			fi ;;
		*)	bad "unexpected Content-Type $ct" ;;
		esac
	fi
	ec=$(LC_ALL=C sed -n 's/.*<ErrorCode>\([0-9]*\)<\/ErrorCode>.*/\1/p' "$b" | head -n 1)
	if [ "$errc" = - ]; then
		[ -z "$ec" ] || bad "ErrorCode $ec, want none"
	else
		[ "$ec" = "$errc" ] || bad "ErrorCode ${ec:-none}, want $errc"
	fi
	if [ "$want" != - ] && ! contains "$b" "$(dec "$want")"; then
		bad "body lacks: $want"
	fi
	if [ "$forbid" != - ] && contains "$out" "$(dec "$forbid")"; then
		bad "answer holds the raw text: $forbid"
	fi

	# One log line per failed request, none otherwise.
	if [ "$status" -ge 400 ] || [ "$errc" != - ]; then
		[ "$nlog" -eq 1 ] || bad "$nlog log lines for a failed request, want 1"
		if ! LC_ALL=C grep -q "^mailautoconf: $status " "$err"; then
			bad "no log line with status $status"
		fi
	else
		[ "$nlog" -eq 0 ] || bad "$nlog log lines for a good request"
	fi
}

ncases=0
while IFS='	' read -r name method uri status errc body host clen want \
    forbid conf <&3; do
	case $name in
	''|'#'*) continue ;;
	esac
	: "${errc:=-}" "${body:=-}" "${host:=-}" "${clen:=auto}" \
	    "${want:=-}" "${forbid:=-}" "${conf:=-}"
	ncases=$((ncases + 1))
	run_case
	case $name in
	xfail-*)
		if [ -n "$why" ]; then
			xfail=$((xfail + 1))
			pass=$((pass + 1))
			echo "ok - $name # XFAIL known bug"
			printf '%s' "$why"
		else
			fail=$((fail + 1))
			echo "not ok - $name # XPASS: fixed; drop the xfail- prefix"
		fi ;;
	*)
		if [ -z "$why" ]; then
			pass=$((pass + 1))
			echo "ok - $name"
		else
			fail=$((fail + 1))
			echo "not ok - $name"
			printf '%s' "$why"
		fi ;;
	esac
done 3<"$hd/cases.tsv"

if [ "$ncases" -lt 150 ]; then
	echo "not ok - the corpus has $ncases cases, fewer than 150"
	fail=$((fail + 1))
fi
[ "$xfail" -eq 0 ] || echo "hostile: $xfail known bugs (XFAIL) counted as passed"
echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
