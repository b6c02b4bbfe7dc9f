#!/bin/sh
# tests/leak.sh BINARY: no memory is lost in a long-running FastCGI
# process (issue 3: "valgrind over 1,000 such requests to one FastCGI
# process: 0 bytes lost").
#
# Starts BINARY (make check passes the plain build) under valgrind as a
# FastCGI responder listening on a free port of 127.0.0.1 (-s, and
# -u nobody when run as root), sends it 1,000 POSTs of the malformed
# body "<a b" and a few hundred mixed valid requests (Thunderbird GET,
# Outlook POST, Outlook GET, autodiscover.json, errors) through cgi-fcgi,
# checks every answer, stops it with SIGTERM and checks valgrind's exit
# status and leak summary.  The last line is "leak: N passed, N failed";
# the exit status is 1 on any failure.  The server is killed on exit.
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh tests/leak.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BAD_N=${LEAK_BAD_REQUESTS:-1000}
MIX_N=${LEAK_MIXED_ROUNDS:-50}	# rounds of 7 requests
pass=0
fail=0
pid=

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

notok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	[ $# -lt 2 ] || [ ! -s "$2" ] || sed -n '1,30s/^/#   /p' "$2"
}

finish() {
	echo "leak: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

for tool in valgrind cgi-fcgi; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		case $tool in
		valgrind) pkg=valgrind ;;
		cgi-fcgi) pkg=libfcgi-bin ;;
		esac
		echo "leak: $tool is not installed; it is needed to check for" \
		    "leaks (Debian: apt-get install $pkg)" >&2
		notok "$tool installed"
		finish
	fi
done
if [ ! -x "$bin" ]; then
	notok "$bin is an executable"
	finish
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/leak.XXXXXX") || exit 1
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The config must be readable by nobody after the privilege drop.
chmod 755 "$T"
cp etc/mailautoconf.conf "$T/mailautoconf.conf"
chmod 644 "$T/mailautoconf.conf"
user=
[ "$(id -u)" -ne 0 ] || user="-u nobody"

# A port nobody listens on (from /proc/net/tcp*, else by trying).
listening() {
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" '
	    NR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) f = 1 }
	    END { exit !f }'
}

# fcgi ENV...: one request through cgi-fcgi, stdin the body; a newline
# after the answer keeps the next one's Status line at a line start.
fcgi() {
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
	    "$@" cgi-fcgi -bind -connect "127.0.0.1:$port"
	echo
}

start() {
	# shellcheck disable=SC2086
	valgrind --vgdb=no --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --log-file="$T/valgrind.log" \
	    "$bin" -s "127.0.0.1:$port" $user -c "$T/mailautoconf.conf" \
	    </dev/null >"$T/server.out" 2>"$T/server.err" &
	pid=$!
	# Up when it answers; valgrind needs a few seconds.
	i=0
	while [ $i -lt 300 ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			pid=
			return 1
		fi
		if fcgi REQUEST_METHOD=GET REQUEST_URI=/autodiscover/autodiscover.xml \
		    HTTP_HOST=example.com </dev/null 2>/dev/null |
		    grep -q '^Status: 200'; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

started=0
for port in $(awk -v s="$$" 'BEGIN { srand(s); for (i = 0; i < 8; i++)
    print 20000 + int(rand() * 40000) }'); do
	listening "$port" && continue
	if start; then
		started=1
		break
	fi
	# Lost a race for the port, or a real failure: see server.err.
	grep -q 'cannot listen' "$T/server.err" 2>/dev/null || break
done
if [ "$started" -ne 1 ]; then
	cat "$T/server.err" "$T/valgrind.log" >"$T/why" 2>/dev/null
	notok "the FastCGI server starts under valgrind" "$T/why"
	finish
fi
ok "the FastCGI server starts under valgrind on 127.0.0.1:$port"

# 1,000 malformed bodies: each must be answered with error 600.
printf '<a b' >"$T/bad.xml"
: >"$T/bad.out"
i=0
while [ $i -lt "$BAD_N" ]; do
	fcgi REQUEST_METHOD=POST REQUEST_URI=/autodiscover/autodiscover.xml \
	    HTTP_HOST=autodiscover.example.com CONTENT_LENGTH=4 \
	    <"$T/bad.xml" >>"$T/bad.out" 2>>"$T/fcgi.err"
	i=$((i + 1))
done
n=$(grep -c '<ErrorCode>600</ErrorCode>' "$T/bad.out")
if [ "$n" -eq "$BAD_N" ]; then
	ok "$BAD_N POSTs of '<a b' answered with ErrorCode 600"
else
	echo "$n of $BAD_N answers hold ErrorCode 600" >"$T/why"
	notok "$BAD_N POSTs of '<a b' answered with ErrorCode 600" "$T/why"
fi

# Mixed valid requests and other failures.
cp tests/hostile/bodies/ok-standard.xml "$T/good.xml"
glen=$(($(wc -c <"$T/good.xml")))
printf '<Autodiscover><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>' >"$T/ms.xml"
mlen=$(($(wc -c <"$T/ms.xml")))
: >"$T/mix.out"
i=0
while [ $i -lt "$MIX_N" ]; do
	fcgi REQUEST_METHOD=GET REQUEST_URI='/mail/config-v1.1.xml?emailaddress=alice%40example.com' \
	    QUERY_STRING='emailaddress=alice%40example.com' HTTP_HOST=autoconfig.example.com \
	    </dev/null >>"$T/mix.out" 2>>"$T/fcgi.err"
	fcgi REQUEST_METHOD=POST REQUEST_URI=/autodiscover/autodiscover.xml \
	    HTTP_HOST=autodiscover.example.com CONTENT_LENGTH="$glen" \
	    <"$T/good.xml" >>"$T/mix.out" 2>>"$T/fcgi.err"
	fcgi REQUEST_METHOD=POST REQUEST_URI=/autodiscover/autodiscover.xml \
	    HTTP_HOST=autodiscover.example.com CONTENT_LENGTH="$mlen" \
	    <"$T/ms.xml" >>"$T/mix.out" 2>>"$T/fcgi.err"
	fcgi REQUEST_METHOD=GET REQUEST_URI=/autodiscover/autodiscover.xml \
	    HTTP_HOST=autodiscover.example.net </dev/null >>"$T/mix.out" 2>>"$T/fcgi.err"
	fcgi REQUEST_METHOD=GET \
	    REQUEST_URI='/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=Autodiscoverv1' \
	    QUERY_STRING='Protocol=Autodiscoverv1' </dev/null >>"$T/mix.out" 2>>"$T/fcgi.err"
	# Failures before and after routing: short body, unknown domain.
	fcgi REQUEST_METHOD=POST REQUEST_URI=/autodiscover/autodiscover.xml \
	    CONTENT_LENGTH=9999 <"$T/bad.xml" >>"$T/mix.out" 2>>"$T/fcgi.err"
	fcgi REQUEST_METHOD=GET REQUEST_URI='/mail/config-v1.1.xml?emailaddress=a%40evil.example' \
	    QUERY_STRING='emailaddress=a%40evil.example' </dev/null >>"$T/mix.out" 2>>"$T/fcgi.err"
	i=$((i + 1))
done
# count PATTERN WANT NAME: PATTERN occurs WANT times in the answers.
count() {
	n=$(grep -c -e "$1" "$T/mix.out")
	if [ "$n" -eq "$2" ]; then
		ok "$3"
	else
		echo "'$1': $n answers, want $2" >"$T/why"
		notok "$3" "$T/why"
	fi
}
count '<emailProvider id="example.com">' "$MIX_N" "Thunderbird GETs answered"
count '<LoginName>alice@example.com</LoginName>' $((MIX_N * 2)) \
    "Outlook POSTs answered (IMAP and SMTP LoginName)"
count '<ErrorCode>601</ErrorCode>' "$MIX_N" "mobilesync POSTs answered with 601"
count '<Server>imap.example.com</Server>' $((MIX_N * 2)) \
    "Outlook POSTs and GETs list the IMAP server"
count '"Protocol":"AutodiscoverV1"' "$MIX_N" "autodiscover.json answered"
count '^Status: 400' "$MIX_N" "short bodies answered with 400"
count '^Status: 404' "$MIX_N" "unknown domains answered with 404"
count '^Status: ' $((MIX_N * 7)) "every mixed request answered"

# SIGTERM: the server finishes and valgrind reports.
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	notok "the server exits on SIGTERM"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	finish
fi
wait "$pid"
rc=$?
pid=
ok "the server exits on SIGTERM"
if [ "$rc" -eq 0 ]; then
	ok "valgrind exit status 0 (no leak, no memory error)"
else
	notok "valgrind exit status $rc, want 0 (99: leak or memory error)" \
	    "$T/valgrind.log"
fi
if grep -q 'All heap blocks were freed' "$T/valgrind.log" ||
    { grep -q 'definitely lost: 0 bytes' "$T/valgrind.log" &&
    grep -q 'indirectly lost: 0 bytes' "$T/valgrind.log"; }; then
	ok "valgrind: 0 bytes definitely or indirectly lost"
else
	grep -A 12 'LEAK SUMMARY\|HEAP SUMMARY' "$T/valgrind.log" >"$T/why"
	notok "valgrind: 0 bytes definitely or indirectly lost" "$T/why"
fi
if grep -q 'ERROR SUMMARY: 0 errors' "$T/valgrind.log"; then
	ok "valgrind: no memory errors"
else
	grep -B 2 -A 12 'Invalid\|uninitialised\|ERROR SUMMARY' "$T/valgrind.log" \
	    >"$T/why"
	notok "valgrind: no memory errors" "$T/why"
fi
finish
