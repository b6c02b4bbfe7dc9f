#!/bin/sh
# tests/blackbox.sh BINARY: the real program from the outside.
#
# Runs BINARY (make check passes the sanitizer build) as a plain CGI, as
# a FastCGI responder listening itself (-s), under spawn-fcgi and with
# systemd-style socket activation, through cgi-fcgi; then SIGHUP, SIGTERM
# and SIGUSR1, the shell modes -r and -t, hosted domains
# (tests/conf/hosted.conf, as a CGI and over FastCGI), the refusal to
# serve FastCGI as root, and, when lighttpd is installed, the whole
# stack of make run.
#
# Expectations come from the project's documents (mailautoconf(8),
# mailautoconf.conf(5), README.md's endpoint table) and from the golden files and configurations in tests/blackbox/, not
# from what the program happens to print.  Each check prints "ok - NAME"
# or "not ok - NAME" with the reason; the last line is
# "blackbox: N passed, N failed"; the exit status is 1 on any failure.
#
# Everything runs on 127.0.0.1 or on Unix sockets in a temporary
# directory; every process started is stopped on exit.

# Most functions run through check "$@"; eval'd checks quote on purpose.
# shellcheck disable=SC2317,SC2016
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh tests/blackbox.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
bb=$top/tests/blackbox
data=$top/tests/data

# Any sanitizer report ends the process with a signal: every run below
# is checked for that and for the report on stderr.
ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null

XML='text/xml; charset=utf-8'
WHY_LINES=200	# a sanitizer report in full
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

finish() {
	echo "blackbox: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

TIMEOUT=$(command -v timeout)
CGIFCGI=$(command -v cgi-fcgi)
SPAWNFCGI=$(command -v spawn-fcgi)
XMLLINT=$(command -v xmllint)
if [ ! -x "$bin" ] || [ -z "$TIMEOUT" ] || [ -z "$CGIFCGI" ] ||
    [ -z "$SPAWNFCGI" ] || [ -z "$XMLLINT" ]; then
	echo "not ok - setup: need $1 built, and timeout, cgi-fcgi," \
	    "spawn-fcgi, xmllint (sh scripts/deps.sh test)"
	fail=1
	finish
fi

# ---- the temporary directory and the processes to stop ----

T=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-bb.XXXXXX") || exit 1
# Servers drop to nobody when run as root and must still read (and, on
# SIGHUP, re-read) their configuration here.
chmod 755 "$T"
mkdir "$T/r"
pids=
pgids=

# gone PID [TENTHS]: wait up to TENTHS tenths of a second for the exit.
gone() {
	gi=0
	while alive "$1"; do
		[ "$gi" -ge "${2:-100}" ] && return 1
		sleep 0.1
		gi=$((gi + 1))
	done
	return 0
}

cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for g in $pgids; do
		kill -TERM "-$g" 2>/dev/null
	done
	for p in $pids; do
		gone "$p" 30 || kill -KILL "$p" 2>/dev/null
	done
	# shellcheck disable=SC2086
	kill_groups $pgids
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$top/etc/mailautoconf.conf" "$T/sample.conf"
chmod 644 "$T/sample.conf"
conf=$T/sample.conf

if [ "$(id -u)" -eq 0 ]; then
	root=1
	uopt="-u nobody"
	spawnu="-u nobody"
	# spawn-fcgi drops to nobody before it runs the binary: serve a
	# copy when the build is out of nobody's reach (a clone in /root).
	if ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    test -x "$bin" 2>/dev/null; then
		cp "$bin" "$T/$(basename "$bin")"
		bin=$T/$(basename "$bin")
	fi
else
	root=0
	uopt=
	spawnu=
fi

# ---- running requests ----

# run NAME COMMAND...: run COMMAND with stdin from $stdin; keep its
# stdout, stderr and exit status as $T/r/NAME.{out,err,rc}.
stdin=/dev/null
run() {
	rn=$T/r/$1
	shift
	"$@" <"$stdin" >"$rn.out" 2>"$rn.err"
	echo $? >"$rn.rc"
	stdin=/dev/null
}

# req NAME WHERE METHOD URI HOST [VAR=VALUE...]: one request, with the
# CGI variables a web server sets.  WHERE is "cgi" (BINARY run as a
# CGI) or the address of a FastCGI server (sent through cgi-fcgi).  An
# empty URI or HOST leaves REQUEST_URI or HTTP_HOST unset; VAR=VALUE
# adds or overrides variables.  The body comes from $stdin; $cgiargs
# (split into words) are the CGI's arguments.
cgiargs=
req() {
	qn=$1 qw=$2 qm=$3 qu=$4 qh=$5
	shift 5
	qp=${qu%%\?*}
	case $qu in
	*\?*)	qq=${qu#*\?} ;;
	*)	qq= ;;
	esac
	echo "$qm" >"$T/r/$qn.method"
	if [ "$qw" = cgi ]; then
		# shellcheck disable=SC2086
		set -- "$@" "$TIMEOUT" 20 "$bin" $cgiargs
	else
		set -- "$@" "$TIMEOUT" 20 "$CGIFCGI" -bind -connect "$qw"
	fi
	run "$qn" env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 SERVER_NAME=localhost \
	    REQUEST_METHOD="$qm" ${qu:+"REQUEST_URI=$qu"} \
	    ${qu:+"SCRIPT_NAME=$qp"} QUERY_STRING="$qq" \
	    ${qh:+"HTTP_HOST=$qh"} MAILAUTOCONF_CONF="$conf" "$@"
	cgiargs=
}

# split NAME: the answer's header lines (CR dropped) into NAME.head and
# the bytes after the empty line into NAME.body.
split() {
	sn=$T/r/$1
	hl=$(tr -d '\r' <"$sn.out" | awk '$0 == "" { print NR; exit }')
	if [ -z "$hl" ]; then
		tr -d '\r' <"$sn.out" >"$sn.head"
		: >"$sn.body"
		return 1
	fi
	tr -d '\r' <"$sn.out" | sed -n "1,$((hl - 1))p" >"$sn.head"
	tail -n "+$((hl + 1))" "$sn.out" >"$sn.body"
}

# hdr NAME FIELD: the values of a header field (name case-insensitive).
hdr() {
	awk -v h="$2" 'BEGIN { h = tolower(h) }
	{
		i = index($0, ":")
		if (i > 0 && tolower(substr($0, 1, i - 1)) == h) {
			v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v)
			print v
		}
	}' "$T/r/$1.head"
}

# status NAME: the status code of the answer.
status() {
	hdr "$1" Status | awk 'NR == 1 { print $1 }'
}

size() {
	wc -c <"$1" | tr -d ' '
}

# expect_run NAME: not ended by a signal or a timeout, no sanitizer
# report.
expect_run() {
	er=$(cat "$T/r/$1.rc")
	if [ "$er" -ge 124 ]; then
		echo "exit status $er (signal, abort or timeout); stderr:"
		cat "$T/r/$1.err"
		return 1
	fi
	if grep -Eq 'Sanitizer|runtime error:' "$T/r/$1.err"; then
		echo "sanitizer report:"
		cat "$T/r/$1.err"
		return 1
	fi
}

# r_cmd NAME ARG...: run BINARY ARG... as NAME (exit status in NAME.rc).
r_cmd() {
	rc_name=$1
	shift
	run "$rc_name" env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$TIMEOUT" 20 "$bin" "$@"
	echo GET >"$T/r/$rc_name.method"
}
exit_is() {
	ex=$(cat "$T/r/$1.rc")
	if [ "$ex" != "$2" ]; then
		echo "want exit status $2, got $ex; stderr:"
		cat "$T/r/$1.err"
		return 1
	fi
}

# expect NAME STATUS [CTYPE]: an answer of STATUS with an explicit
# Status line, Content-Type (CTYPE when given) and a Content-Length
# equal to the body's length; a HEAD answer has no body (mailautoconf(8), Endpoints).
expect() {
	expect_run "$1" || return 1
	if ! split "$1"; then
		echo "no header block (no empty line) in:"
		cat "$T/r/$1.out"
		return 1
	fi
	es=$(status "$1")
	if [ "$es" != "$2" ]; then
		echo "want Status $2, got '$es'; answer:"
		cat "$T/r/$1.out"
		echo "stderr:"
		cat "$T/r/$1.err"
		return 1
	fi
	ect=$(hdr "$1" Content-Type)
	if [ -z "$ect" ] || { [ $# -ge 3 ] && [ "$ect" != "$3" ]; }; then
		echo "want Content-Type '${3:-(any)}', got '$ect'"
		return 1
	fi
	ecl=$(hdr "$1" Content-Length)
	if [ "$(cat "$T/r/$1.method")" = HEAD ]; then
		if [ -s "$T/r/$1.body" ]; then
			echo "HEAD answer has a body"
			return 1
		fi
		case $ecl in
		''|*[!0-9]*) echo "bad Content-Length '$ecl'"; return 1 ;;
		esac
		return 0
	fi
	if [ "$ecl" != "$(size "$T/r/$1.body")" ]; then
		echo "Content-Length '$ecl' but the body has" \
		    "$(size "$T/r/$1.body") bytes"
		return 1
	fi
}

# expect_log NAME: one log line for a failed request, none otherwise
# (mailautoconf(8): the FastCGI error stream, or a CGI's stderr).
expect_log() {
	split "$1"
	el=$(grep -c '' "$T/r/$1.err")
	case $(status "$1") in
	[45]*)	want=1 ;;
	*)	want=0 ;;
	esac
	if [ "$el" -ne "$want" ]; then
		echo "want $want log line(s), got $el:"
		cat "$T/r/$1.err"
		return 1
	fi
}

# normalize FILE OUT: OUT.fmt is FILE canonicalized, without comment
# lines, re-indented; OUT.rest is that without the declaration and the
# <domain> lines; OUT.doms the sorted <domain> values.
normalize() {
	"$XMLLINT" --c14n "$1" >"$2.c14n" 2>"$2.xerr" || return 1
	sed '/<!--/,/-->/d' "$2.c14n" >"$2.nocomment"
	"$XMLLINT" --noblanks --format "$2.nocomment" >"$2.fmt" \
	    2>>"$2.xerr" || return 1
	sed 1d "$2.fmt" | grep -v '^ *<domain>' >"$2.rest"
	sed -n 's|^ *<domain>\(.*\)</domain>$|\1|p' "$2.fmt" | sort >"$2.doms"
}

# expect_tb NAME DOMAIN: the body is the Thunderbird clientConfig of
# tests/blackbox/tb-DOMAIN.xml: well-formed UTF-8 without BOM, the same
# elements, attributes and text (indentation aside), no empty element
# (README.md, Endpoints: the Thunderbird answer).  The <domain> elements are only required to be some of
# the golden file's; expect_doms checks that all of them are there.
expect_tb() {
	eb=$T/r/$1.body
	if [ "$(head -c 3 "$eb" | od -An -tx1 | tr -d ' ')" = efbbbf ]; then
		echo "the body starts with a BOM"
		return 1
	fi
	if [ "$(head -c 1 "$eb")" != "<" ]; then
		echo "the body does not start with '<'"
		return 1
	fi
	if head -n 1 "$eb" | grep -qi 'encoding=' &&
	    ! head -n 1 "$eb" | grep -Eqi "encoding=[\"']utf-8[\"']"; then
		echo "the XML declaration names another encoding than UTF-8"
		return 1
	fi
	if ! normalize "$eb" "$T/r/$1.got"; then
		echo "not well-formed XML:"
		cat "$T/r/$1.got.xerr"
		cat "$eb"
		return 1
	fi
	normalize "$bb/tb-$2.xml" "$T/r/$1.want" || return 1
	if ! diff -u "$T/r/$1.want.rest" "$T/r/$1.got.rest"; then
		echo "(- tests/blackbox/tb-$2.xml, + the answer)"
		return 1
	fi
	if [ ! -s "$T/r/$1.got.doms" ] ||
	    [ -n "$(comm -13 "$T/r/$1.want.doms" "$T/r/$1.got.doms")" ]; then
		echo "<domain> elements: want some of"
		cat "$T/r/$1.want.doms"
		echo "got"
		cat "$T/r/$1.got.doms"
		return 1
	fi
	if grep -n '<[^>!?]*/>' "$T/r/$1.got.fmt"; then
		echo "empty element(s) above"
		return 1
	fi
}

# expect_doms NAME DOMAIN: after expect_tb, the <domain> elements are
# exactly those of tests/blackbox/tb-DOMAIN.xml: one per domain the
# section serves, in any order (README.md, Endpoints: the Thunderbird answer).
expect_doms() {
	if [ ! -f "$T/r/$1.got.doms" ]; then
		echo "no clientConfig to look at (see the check before)"
		return 1
	fi
	if ! diff -u "$T/r/$1.want.doms" "$T/r/$1.got.doms"; then
		echo "(the <domain> elements: - tests/blackbox/tb-$2.xml," \
		    "+ the answer)"
		return 1
	fi
}

# tb NAME DOMAIN: a 200 Thunderbird answer for DOMAIN.
tb() {
	expect "$1" 200 "$XML" && expect_tb "$1" "$2" && expect_log "$1"
}

# st NAME STATUS: an answer of STATUS, logged when it is a failure.
st() {
	expect "$1" "$2" && expect_log "$1"
}

# same A B: the two runs printed the same bytes.
same() {
	expect_run "$2" || return 1
	if ! cmp -s "$T/r/$1.out" "$T/r/$2.out"; then
		diff -u "$T/r/$1.out" "$T/r/$2.out" | tr -d '\r'
		echo "(- $1, + $2)"
		return 1
	fi
}

# no_echo NAME WORD: the answer does not contain WORD (README.md, Endpoints: the Thunderbird answer).
no_echo() {
	if grep -q "$2" "$T/r/$1.out"; then
		echo "the answer echoes '$2':"
		cat "$T/r/$1.out"
		return 1
	fi
}

# allow NAME METHODS: the Allow header lists exactly METHODS (sorted,
# space-separated).
allow() {
	ea=$(hdr "$1" Allow | tr ',' '\n' | tr -d ' ' | grep . | sort |
	    tr '\n' ' ')
	if [ "$ea" != "$2 " ]; then
		echo "want Allow '$2', got '$(hdr "$1" Allow)'"
		return 1
	fi
}

# client_error NAME: a well-formed 4xx answer, logged once.
client_error() {
	expect_run "$1" && split "$1" || return 1
	case $(status "$1") in
	4[0-9][0-9]) ;;
	*)	echo "want a 4xx answer, got:"
		cat "$T/r/$1.out"
		return 1 ;;
	esac
	expect "$1" "$(status "$1")" && expect_log "$1"
}

TB=/mail/config-v1.1.xml
ALICE="$TB?emailaddress=alice%40example.com"

# ======================================================================
# (a) plain CGI: environment and stdin in, the response on stdout
# ======================================================================

req a-alice cgi GET "$ALICE" autoconfig.example.com
check "CGI: GET $ALICE is example.com's clientConfig" tb a-alice example.com
check "CGI: the answer does not echo the address" no_echo a-alice alice
check "CGI: one <domain> per domain of the section (example.com)" \
    expect_doms a-alice example.com

n=0
for p in /mail/config-v1.1.xml /.well-known/autoconfig/mail/config-v1.1.xml \
    /v1.1/mail/config-v1.1.xml /.well-known/mail-v1.xml; do
	n=$((n + 1))
	req "a-path$n" cgi GET "$p" autoconfig.example.net
	check "CGI: GET $p, Host autoconfig.example.net" \
	    tb "a-path$n" example.net
done
check "CGI: one <domain> per domain of the section (example.net)" \
    expect_doms a-path1 example.net

req a-alias cgi GET "$TB?emailaddress=bob%40example.org" autoconfig.example.org
check "CGI: the alias example.org answers with example.com's servers" \
    tb a-alias example.org
check "CGI: the alias's answer lists example.org as a <domain>" \
    grep -qx example.org "$T/r/a-alias.got.doms"

req a-addrwins cgi GET "$TB?emailaddress=alice%40example.net" \
    autoconfig.example.com
check "CGI: the address's domain wins over Host" tb a-addrwins example.net

req a-addrunk cgi GET "$ALICE" autoconfig.unknown.invalid
check "CGI: a configured address with an unknown Host is answered" \
    tb a-addrunk example.com

req a-hostport cgi GET "$TB" AutoConfig.Example.NET:8443
check "CGI: Host lower-cased, port and autoconfig. removed" \
    tb a-hostport example.net

req a-autodisc cgi GET "$TB" autodiscover.example.net
check "CGI: a leading autodiscover. label is removed too" \
    tb a-autodisc example.net

req a-plainhost cgi GET "$TB" example.net
check "CGI: Host without a label prefix" tb a-plainhost example.net

req a-mangled cgi GET "/Some/Prefix//MAIL///Config%2Dv1.1.XML" \
    autoconfig.example.net
check "CGI: path under a prefix, any case, // squeezed, %-decoded" \
    tb a-mangled example.net

req a-evolution cgi GET \
    "$TB?emailaddress=alice%40example.com&emailmd5=0cc175b9c0f1b6a831c399e269772661" \
    autoconfig.example.com
check "CGI: other parameters (Evolution's emailmd5) are ignored" \
    tb a-evolution example.com

req a-nouri cgi GET "" autoconfig.example.com \
    SCRIPT_NAME=/cgi-bin/mailautoconf PATH_INFO=/mail/config-v1.1.xml \
    QUERY_STRING=emailaddress=alice%40example.com
check "CGI: no REQUEST_URI: SCRIPT_NAME + PATH_INFO" \
    tb a-nouri example.com

req a-uriwins cgi GET "$TB" autoconfig.example.net \
    SCRIPT_NAME=/cgi-bin/mailautoconf PATH_INFO=/elsewhere
check "CGI: REQUEST_URI wins over SCRIPT_NAME + PATH_INFO" \
    tb a-uriwins example.net

req a-uriwins2 cgi GET /elsewhere autoconfig.example.net \
    SCRIPT_NAME=/cgi-bin/mailautoconf PATH_INFO=/mail/config-v1.1.xml
check "CGI: a REQUEST_URI no route matches is 404 whatever PATH_INFO" \
    st a-uriwins2 404

req a-head cgi HEAD "$ALICE" autoconfig.example.com
t_head() {
	expect a-head 200 "$XML" || return 1
	diff -u "$T/r/a-alice.head" "$T/r/a-head.head" ||
	    { echo "(- GET headers, + HEAD headers)"; return 1; }
}
check "CGI: HEAD: the headers of GET, no body" t_head

t_405() {
	st "$1" 405 && allow "$1" "GET HEAD"
}
printf 'emailaddress=alice%%40example.com' >"$T/post-body"
stdin=$T/post-body
req a-post cgi POST "$TB" autoconfig.example.com CONTENT_LENGTH=32 \
    CONTENT_TYPE=application/x-www-form-urlencoded
check "CGI: POST $TB is 405 with Allow: GET, HEAD" t_405 a-post
for m in PUT DELETE OPTIONS; do
	req "a-$m" cgi "$m" "$TB" autoconfig.example.com
	check "CGI: $m $TB is 405 with Allow: GET, HEAD" t_405 "a-$m"
done

req a-unkhost cgi GET "$TB" autoconfig.unknown.invalid
check "CGI: a domain not configured (Host) is 404, logged once" \
    st a-unkhost 404
req a-unkaddr cgi GET "$TB?emailaddress=alice%40unknown.invalid" \
    autoconfig.example.com
check "CGI: a domain not configured (address) is 404" st a-unkaddr 404
req a-unkpath cgi GET /index.html autoconfig.example.com
check "CGI: any other path is 404" st a-unkpath 404
req a-nul cgi GET "/mail/config-v1.1.xml%00.html" autoconfig.example.com
check "CGI: %00 in the path is 400" st a-nul 400
req a-badesc cgi GET "/mail/config-v1.1%zz.xml" autoconfig.example.com
check "CGI: a bad %-escape in the path is 400" st a-badesc 400
req a-servername cgi GET "$TB" autoconfig.unknown.invalid \
    SERVER_NAME=example.com
check "CGI: SERVER_NAME is never used (unknown Host: 404)" \
    st a-servername 404
req a-nohost cgi GET "$TB" "" SERVER_NAME=autoconfig.example.com
check "CGI: no address, no Host: a 4xx even with SERVER_NAME set" \
    client_error a-nohost
req a-iphost cgi GET "$TB" 127.0.0.1:8080
check "CGI: an IP literal Host is no domain: a 4xx" client_error a-iphost

# badaddr WHAT ADDRESS: an invalid emailaddress is a 4xx that does not
# echo it.
n=0
badaddr() {
	n=$((n + 1))
	req "a-badaddr$n" cgi GET "$TB?emailaddress=$2" autoconfig.example.com
	check "CGI: invalid address ($1) is a 4xx" \
	    client_error "a-badaddr$n"
	check "CGI: invalid address ($1) is not echoed" \
	    no_echo "a-badaddr$n" 'exa_mple\|al ice\|00000000'
}
badaddr "two @" 'a%40%40example.com'
badaddr "no @" alice
badaddr "empty local part" '%40example.com'
badaddr "empty domain" 'alice%40'
badaddr "a space" 'al%20ice%40example.com'
badaddr "_ in the domain" 'alice%40exa_mple.com'
badaddr "label starting with -" 'alice%40-example.com'
badaddr "local part of 65" "$(printf '%065d' 0)%40example.com"
badaddr "label of 64" "alice%40$(printf '%064d' 0).example.com"
badaddr "%00" 'alice%40example.com%00'
badaddr "domain of 254" \
    "alice%40$(printf '%063d.' 0 0 0)$(printf '%062d' 0)"

# Apache passes the words of a query without '=' as arguments.
n=0
for args in "-t" "-h" "-V" "-c /nonexistent" "-r http://example.com/" \
    "alice@example.com"; do
	n=$((n + 1))
	cgiargs=$args
	req "a-argv$n" cgi GET "$ALICE" autoconfig.example.com
	check "CGI: argv '$args' is ignored" same a-alice "a-argv$n"
done

t_conf500() {
	expect "$1" 500 || return 1
	if ! grep -q "$2" "$T/r/$1.err"; then
		echo "want '$2' on stderr, got:"
		cat "$T/r/$1.err"
		return 1
	fi
}
conf=$T/nonexistent.conf
req a-noconf cgi GET "$ALICE" autoconfig.example.com
check "CGI: a missing config is 500, logged" t_conf500 a-noconf \
    nonexistent.conf
conf=$bb/unknown-key.conf
req a-badconf cgi GET "$ALICE" autoconfig.example.com
check "CGI: a broken config is 500, logged as FILE:LINE" t_conf500 \
    a-badconf 'unknown-key.conf:7:'
conf=$T/sample.conf

#: the body rules, on the one POST route.
AD=/autodiscover/autodiscover.xml
stdin=$data/outlook-request.xml
req a-adpost cgi POST "$AD" autodiscover.example.com \
    CONTENT_LENGTH="$(size "$data/outlook-request.xml")" \
    CONTENT_TYPE=text/xml
check "CGI: POST $AD (tests/data/outlook-request.xml) is 200" \
    st a-adpost 200
stdin=$data/outlook-request.xml
req a-adnolen cgi POST "$AD" autodiscover.example.com
check "CGI: POST without CONTENT_LENGTH reads to EOF" same a-adpost \
    a-adnolen
stdin=$data/outlook-request.xml
req a-adshort cgi POST "$AD" autodiscover.example.com CONTENT_LENGTH=4000
check "CGI: a body shorter than CONTENT_LENGTH is 400" st a-adshort 400
head -c 1048576 /dev/zero | tr '\0' ' ' >"$T/big-body"
stdin=$T/big-body
req a-adbig cgi POST "$AD" autodiscover.example.com CONTENT_LENGTH=1048576
check "CGI: a 1 MiB body is 413" st a-adbig 413
stdin=$T/big-body
req a-adbig2 cgi POST "$AD" autodiscover.example.com
check "CGI: a 1 MiB body without CONTENT_LENGTH is 413" st a-adbig2 413

# ======================================================================
# (b) FastCGI: many requests to one process, no state between them
# ======================================================================

# serve NAME ADDR COMMAND...: start a FastCGI server in the background
# (stderr in $T/NAME.err) and wait until ADDR answers.  Sets spid.
serve() {
	svn=$1 sva=$2
	shift 2
	"$@" </dev/null >"$T/$svn.out" 2>"$T/$svn.err" &
	spid=$!
	pids="$pids $spid"
	si=0
	while [ $si -lt 100 ]; do
		alive "$spid" || return 1
		if env -i REQUEST_METHOD=GET REQUEST_URI=/blackbox-ready \
		    "$TIMEOUT" 5 "$CGIFCGI" -bind -connect "$sva" \
		    </dev/null 2>/dev/null | grep -q .; then
			alive "$spid"
			return
		fi
		sleep 0.1
		si=$((si + 1))
	done
	return 1
}

# serve_tcp NAME CONF: BINARY -s 127.0.0.1:PORT on a free port.  Sets
# spid and saddr.
serve_tcp() {
	stt=0
	while [ $stt -lt 10 ]; do
		saddr=127.0.0.1:$(free_port)
		# shellcheck disable=SC2086
		serve "$1" "$saddr" env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
		    UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		    "$bin" -s "$saddr" $uopt ${wopt:-} -c "$2" && return 0
		kill -KILL "$spid" 2>/dev/null
		stt=$((stt + 1))
	done
	echo "not ok - cannot start $bin -s 127.0.0.1:PORT; stderr:"
	sed 's/^/#   /' "$T/$1.err"
	return 1
}

# step LABEL ADDR STEP METHOD URI HOST [VAR=VALUE...]: one request to
# the server at ADDR, and the same request to a fresh CGI process: the
# two answers must be the same bytes.  The body is $sbody.
sbody=/dev/null
step() {
	spl=$1 spa=$2 sps=$3
	shift 3
	stdin=$sbody
	req "$spl-$sps" "$spa" "$@"
	stdin=$sbody
	req "$spl-$sps-cgi" cgi "$@"
	sbody=/dev/null
	check "$spl: $sps: the same answer as a fresh CGI" \
	    same "$spl-$sps-cgi" "$spl-$sps"
	check "$spl: $sps: logged on the FastCGI error stream iff failed" \
	    expect_log "$spl-$sps"
}

# sequence LABEL ADDR: requests of every kind to the one server at ADDR;
# an answer that depended on an earlier request would differ.
sequence() {
	step "$1" "$2" A1 GET "$ALICE" autoconfig.example.net
	check "$1: A1 is example.com's clientConfig" tb "$1-A1" example.com
	step "$1" "$2" B GET /.well-known/autoconfig/mail/config-v1.1.xml \
	    autoconfig.example.net
	check "$1: B (no address, Host example.net) is example.net's" \
	    tb "$1-B" example.net
	step "$1" "$2" A2 GET "$ALICE" autoconfig.example.net
	check "$1: A again after B: the same bytes" same "$1-A1" "$1-A2"
	sbody=$T/post-body
	step "$1" "$2" POST POST "$TB" autoconfig.example.com \
	    CONTENT_LENGTH=32
	check "$1: POST between two 200s is 405" t_405 "$1-POST"
	step "$1" "$2" A3 GET "$ALICE" autoconfig.example.net
	check "$1: A after the 405: the same bytes" same "$1-A1" "$1-A3"
	step "$1" "$2" HEAD HEAD "$ALICE" autoconfig.example.net
	step "$1" "$2" A4 GET "$ALICE" autoconfig.example.net
	check "$1: A after a HEAD still has its body" same "$1-A1" "$1-A4"
	step "$1" "$2" NOHOST GET "$TB" ""
	check "$1: no address and no Host after A: no answer of A's" \
	    client_error "$1-NOHOST"
	step "$1" "$2" ALIAS GET "$TB?emailaddress=bob%40example.org" \
	    autoconfig.example.org
	step "$1" "$2" NOURI GET "" autoconfig.example.net \
	    SCRIPT_NAME=/cgi-bin/mailautoconf PATH_INFO=/mail/config-v1.1.xml
	check "$1: no REQUEST_URI after requests that had one" \
	    tb "$1-NOURI" example.net
	# Parameters whose names start with the names read are not them.
	step "$1" "$2" NEAR GET "$TB" autoconfig.example.net \
	    HTTP_HOSTNAME=autoconfig.example.com REQUEST_URIS=/nothing \
	    REQUEST_METHODS=POST QUERY_STRINGS=emailaddress=a%40example.com \
	    CONTENT_LENGTHS=5 SCRIPT_NAMES=/x PATH_INFOS=/y HTTP_HOS=x.invalid
	check "$1: parameters named like ours with more letters are ignored" \
	    tb "$1-NEAR" example.net
	step "$1" "$2" UNKNOWN GET /nothing/here autoconfig.example.com
	step "$1" "$2" BADADDR GET "$TB?emailaddress=a%40%40b" \
	    autoconfig.example.com
	step "$1" "$2" UNKHOST GET "$TB" autoconfig.unknown.invalid
	sbody=$data/outlook-request.xml
	step "$1" "$2" ADPOST POST "$AD" autodiscover.example.com \
	    CONTENT_LENGTH="$(size "$data/outlook-request.xml")"
	sbody=$T/big-body
	step "$1" "$2" BIG POST "$AD" autodiscover.example.com \
	    CONTENT_LENGTH=1048576
	step "$1" "$2" A5 GET "$ALICE" autoconfig.example.net
	check "$1: A at the end: the same bytes as at the start" \
	    same "$1-A1" "$1-A5"
}

# server_clean NAME: the server's stderr holds no sanitizer report.
server_clean() {
	if grep -Eq 'Sanitizer|runtime error:' "$T/$1.err"; then
		cat "$T/$1.err"
		return 1
	fi
}

# t_stop PID SIGNAL NAME: send SIGNAL; the process must exit with 0,
# be gone, and have printed no sanitizer report.
t_stop() {
	kill "-$2" "$1" || return 1
	if ! gone "$1" 100; then
		echo "still running 10 s after SIG$2"
		return 1
	fi
	wait "$1"
	ts=$?
	if [ "$ts" -ne 0 ]; then
		echo "exit status $ts after SIG$2; stderr:"
		cat "$T/$3.err"
		return 1
	fi
	if [ -d "/proc/$1" ]; then
		echo "process $1 still there"
		return 1
	fi
	server_clean "$3"
}

# t_listen NAME TEXT: -s failed as it should: exit 71, stderr is the
# one line "mailautoconf: TEXT".
t_listen() {
	expect_run "$1" && exit_is "$1" 71 || return 1
	if [ "$(cat "$T/r/$1.err")" != "mailautoconf: $2" ]; then
		echo "want stderr 'mailautoconf: $2', got:"
		cat "$T/r/$1.err"
		return 1
	fi
}

if serve_tcp tcp "$conf"; then
	tcp_pid=$spid
	ok "FastCGI: $(basename "$bin") -s $saddr ${uopt:+$uopt }starts"
	sequence fcgi-tcp "$saddr"
	# A second server on the same address: the address and the reason
	# on stderr, exit 71, nothing else said (libfcgi's own listener
	# printed "bind/listen: ..." and exited with errno).
	r_cmd busy -c "$conf" -s "$saddr" $uopt
	check "-s: an address in use: exit 71, the address and the reason" \
	    t_listen busy "cannot listen on $saddr: Address already in use"
else
	fail=$((fail + 1))
	tcp_pid=
fi

for bad in 0 65536 99999999 http x1; do
	r_cmd "port-$bad" -c "$conf" -s "127.0.0.1:$bad" $uopt
	check "-s: port '$bad' is refused with exit 71" t_listen \
	    "port-$bad" "-s $bad: the port must be a number from 1 to 65535"
done
r_cmd port-none -c "$conf" -s "127.0.0.1:" $uopt
check "-s: no port is refused with exit 71" t_listen port-none \
    "-s : the port must be a number from 1 to 65535"
r_cmd unix-nodir -c "$conf" -s "unix:$T/no/such/dir.sock" $uopt
check "-s: a Unix socket in a missing directory: exit 71, the reason" \
    t_listen unix-nodir \
    "cannot listen on unix:$T/no/such/dir.sock: No such file or directory"
# IPv6 in brackets, where this machine has ::1 (cgi-fcgi cannot connect
# to IPv6: bench/fcgireq asks both servers the same request).
if [ -n "$tcp_pid" ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
then
	v6=[::1]:$(free_port)
	# shellcheck disable=SC2086
	env -i ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
	    "$bin" -s "$v6" $uopt -c "$conf" </dev/null >"$T/tcp6.out" \
	    2>"$T/tcp6.err" &
	v6pid=$!
	pids="$pids $v6pid"
	t_v6() {
		${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -O2 \
		    -I"$top/tests/leak" -o "$T/fcgireq" "$top/bench/fcgireq.c" \
		    "$top/tests/leak/fcgic.c" || return 1
		"$T/fcgireq" -w 10 -o -H autoconfig.example.com "$v6" \
		    "$ALICE" >"$T/v6.ans" || return 1
		"$T/fcgireq" -o -H autoconfig.example.com "$saddr" "$ALICE" \
		    >"$T/v4.ans" || return 1
		grep -q '<hostname>imap.example.com</hostname>' "$T/v6.ans" &&
		    cmp "$T/v4.ans" "$T/v6.ans"
	}
	check "-s: $v6 gives the answer of 127.0.0.1" t_v6
	check "-s: the $v6 server exits with 0 on SIGTERM" \
	    t_stop "$v6pid" TERM tcp6
else
	skipped "-s: [::1]:PORT serves" "no ::1 on this machine"
fi

# spawn-fcgi: fd 0 is the listening socket, on a Unix socket.
# shellcheck disable=SC2086
if serve spawn "$T/spawn.sock" "$SPAWNFCGI" -n -s "$T/spawn.sock" $spawnu \
    -- /usr/bin/env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$bin" -c "$conf"; then
	spawn_pid=$spid
	ok "FastCGI: under spawn-fcgi on a Unix socket"
	sequence spawn-fcgi-unix "$T/spawn.sock"
	check "FastCGI: SIGUSR1 ends spawn-fcgi's responder with 0" \
	    t_stop "$spawn_pid" USR1 spawn
else
	notok "FastCGI: under spawn-fcgi on a Unix socket" "$T/spawn.err"
fi

# systemd socket activation: the socket comes as fd 3 with LISTEN_PID
# and LISTEN_FDS; fd 0 is /dev/null.
# shellcheck disable=SC2016,SC2086
if serve systemd "$T/systemd.sock" "$SPAWNFCGI" -n -s "$T/systemd.sock" \
    $spawnu -- /bin/sh -c 'exec 3<&0 0</dev/null
	LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=mailautoconf
	export LISTEN_PID LISTEN_FDS LISTEN_FDNAMES
	exec "$0" -c "$1"' "$bin" "$conf"; then
	sd_pid=$spid
	ok "FastCGI: systemd socket activation (fd 3, LISTEN_FDS=1)"
	step systemd "$T/systemd.sock" A GET "$ALICE" autoconfig.example.net
	step systemd "$T/systemd.sock" POST POST "$TB" autoconfig.example.net
	check "FastCGI: SIGTERM ends the socket-activated responder" \
	    t_stop "$sd_pid" TERM systemd
else
	notok "FastCGI: systemd socket activation (fd 3, LISTEN_FDS=1)" \
	    "$T/systemd.err"
fi

# ======================================================================
# (c) signals: SIGHUP reloads, a broken config is kept out, SIGTERM
# ======================================================================

# poll_until TENTHS COMMAND...: retry COMMAND until it succeeds.
poll_until() {
	pt=$1
	shift
	while [ "$pt" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		pt=$((pt - 1))
	done
	return 1
}

cp "$conf" "$T/live.conf"
chmod 644 "$T/live.conf"
# replace FILE: swap FILE in as live.conf, as an editor would.
replace() {
	cp "$1" "$T/live.conf.new"
	chmod 644 "$T/live.conf.new"
	mv "$T/live.conf.new" "$T/live.conf"
}
info_is() {
	req hup-probe "$saddr" GET "$TB" autoconfig.example.info
	split hup-probe
	[ "$(status hup-probe)" = "$1" ]
}
hup_logged() {
	req hup-probe "$saddr" GET "$ALICE" autoconfig.example.com
	grep -q 'live\.conf:7:' "$T/hup.err"
}

# queue_up NAME: start tests/blackbox/queued against $saddr (80
# connections, request 0 held open); returns once they wait, $qpid set.
queue_up() {
	rm -f "$T/$1.go"
	"$T/queued" "$saddr" 80 "$T/$1.go" "Reloaded Mail" \
	    autoconfig.example.com "$ALICE" >"$T/$1.out" 2>"$T/$1.qerr" &
	qpid=$!
	poll_until 100 grep -q ready "$T/$1.out" && return 0
	notok "queued ($1) did not get its connections waiting" "$T/$1.qerr"
	kill "$qpid" 2>/dev/null
	return 1
}
# signal_queued NAME SIGNAL PID [LOG N]: send SIGNAL to PID while
# queue_up NAME leaves request 0 unfinished, then let queued finish;
# with LOG, only once LOG holds N more "reloaded" lines (every process
# has reloaded: the signal is taken, however many connections wait).
signal_queued() {
	sq_before=$(grep -c reloaded "${4:-/dev/null}" 2>/dev/null)
	kill "-$2" "$3"
	[ $# -lt 5 ] || poll_until 100 eval \
	    "[ \$(grep -c reloaded '$4') -ge $((sq_before + $5)) ]" ||
	    echo "no $5 reload lines in $4" >>"$T/$1.qerr"
	: >"$T/$1.go"
	wait "$qpid"
}
if ! ${CC:-cc} -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -I"$top/tests/leak" \
    -o "$T/queued" "$bb/queued.c" "$top/tests/leak/fcgic.c" \
    2>"$T/queued.cc"; then
	notok "cannot build tests/blackbox/queued.c" "$T/queued.cc"
fi

if serve_tcp hup "$T/live.conf"; then
	hup_pid=$spid
	req hup-before "$saddr" GET "$ALICE" autoconfig.example.com
	check "SIGHUP: before: example.com as in the sample" \
	    tb hup-before example.com
	req hup-info0 "$saddr" GET "$TB" autoconfig.example.info
	check "SIGHUP: before: example.info is not configured" \
	    st hup-info0 404

	replace "$bb/reload.conf"
	kill -HUP "$hup_pid"
	poll_until 100 info_is 200
	req hup-info1 "$saddr" GET "$TB" autoconfig.example.info
	check "SIGHUP: after: example.info (new in the config) is 200" \
	    st hup-info1 200
	req hup-after "$saddr" GET "$ALICE" autoconfig.example.com
	conf=$bb/reload.conf
	req hup-after-cgi cgi GET "$ALICE" autoconfig.example.com
	conf=$T/sample.conf
	t_reloaded() {
		same hup-after-cgi hup-after || return 1
		grep -q '<displayName>Reloaded Mail</displayName>' \
		    "$T/r/hup-after.out" || {
			echo "no displayName Reloaded Mail in:"
			cat "$T/r/hup-after.out"
			return 1
		}
	}
	check "SIGHUP: after: example.com answers from the new config" \
	    t_reloaded

	replace "$bb/unknown-key.conf"
	kill -HUP "$hup_pid"
	t_hup_log() {
		poll_until 100 hup_logged && return 0
		echo "no live.conf:7: (the unknown key) on stderr:"
		cat "$T/hup.err"
		return 1
	}
	check "SIGHUP: a broken config is logged with FILE:LINE" t_hup_log
	check "SIGHUP: the server survives a broken config" alive "$hup_pid"
	req hup-kept "$saddr" GET "$ALICE" autoconfig.example.com
	check "SIGHUP: after a broken config the old answer stays" \
	    same hup-after hup-kept
	req hup-kept-info "$saddr" GET "$TB" autoconfig.example.info
	check "SIGHUP: ... and so does example.info" st hup-kept-info 200

	replace "$T/sample.conf"
	kill -HUP "$hup_pid"
	poll_until 100 info_is 404
	req hup-back "$saddr" GET "$ALICE" autoconfig.example.com
	check "SIGHUP: a good config after a broken one is taken" \
	    same a-alice hup-back
	check "SIGTERM: exits with 0 and is gone" t_stop "$hup_pid" TERM hup
else
	fail=$((fail + 1))
fi

if [ -n "$tcp_pid" ]; then
	check "SIGTERM: the -s tcp server exits with 0 and is gone" \
	    t_stop "$tcp_pid" TERM tcp
fi

# No peer of the socket can crash or stall the responder with one
# request: a parameter announcing a 1 GiB name and value made libfcgi
# abort the whole process (its Malloc assertion); a request over the
# 64 KiB limit, or one that is not FastCGI, is dropped with a log line.
# tests/blackbox/rawfcgi.py sends them by hand.
if command -v python3 >/dev/null 2>&1 && serve_tcp raw "$T/sample.conf"; then
	raw_pid=$spid
	t_raw() {
		got=$(python3 "$bb/rawfcgi.py" "$saddr" "$1")
		[ "$got" = "$2" ] || { echo "got '$got', want '$2'"; return 1; }
		alive "$raw_pid" || { echo "the responder is gone"; return 1; }
		got=$(python3 "$bb/rawfcgi.py" "$saddr" good)
		[ "$got" = "answered 200" ] || {
			echo "next request: '$got'"
			return 1
		}
		[ -z "$3" ] || grep -q "dropped a connection: $3" "$T/raw.err" || {
			echo "no log line 'dropped a connection: $3' in:"
			cat "$T/raw.err"
			return 1
		}
		! grep -q -e 'Assertion' -e 'ended by signal' "$T/raw.err" || {
			cat "$T/raw.err"
			return 1
		}
	}
	check "FastCGI: 1 GiB parameter lengths: dropped, logged, nothing crashes" \
	    t_raw lengths closed "parameter lengths that do not add up"
	check "FastCGI: a request of 70,000 bytes (over 64 KiB): dropped, logged" \
	    t_raw big closed "request over 65536 bytes"
	check "FastCGI: SIGTERM: exits 0" t_stop "$raw_pid" TERM raw
else
	notok "FastCGI: python3 and a server for the hand-made requests"
fi

# A request that has not all arrived holds nobody up, and a signal is
# taken at once however many connections wait.  tests/blackbox/queued
# leaves request 0 unfinished with 79 whole ones waiting while the
# signal comes, then sends the rest of request 0.  Every request is
# answered, and after SIGTERM the responder exits 0 (requests under way
# are finished).  After SIGHUP request 0 has the new configuration:
# a single process (-w 1) and each worker (-w 2, the parent passes the
# signal on) reload in place between two requests.  Run with the
# sanitizer build and with the plain binary, whose system call filter
# must let the signal calls through.
t_hupq() {
	awk -v want="$2" '
	$1 == "ready" { next }
	$2 != 200 { bad = "answer " $1 " status " $2 }
	$1 == 0 && $3 != want { bad = "answer 0: mark " $3 ", want " want }
	END {
		if (NR != 81) bad = NR - 1 " answers of 80"
		if (bad != "") { print bad; exit 1 }
	}' "$T/$1.out" || { cat "$T/$1.qerr"; return 1; }
}
t_termq() {
	n=$(awk '$2 == 200' "$T/$1.out" | wc -l)
	if [ "$n" -ne 80 ]; then
		echo "$n answers after SIGTERM (want all 80)"
		return 1
	fi
	gone "$2" 100 || { echo "still running"; return 1; }
	wait "$2" || { echo "exit status $?"; return 1; }
	server_clean "$1"
}
for qbin in "$bin" "$top/mailautoconf"; do
	[ -x "$qbin" ] || continue
	qname=$(basename "$qbin")
	obin=$bin
	bin=$qbin
	wopt="-w 1" qmark=1 qlines=1
	[ "$qbin" = "$obin" ] || wopt="-w 2" qlines=3
	cp "$conf" "$T/live.conf"
	if serve_tcp "q-$qname" "$T/live.conf"; then
		q_pid=$spid
		if queue_up "hupq-$qname"; then
			replace "$bb/reload.conf"
			# -w 1: the one process; -w 2: the parent and both
			# workers.
			signal_queued "hupq-$qname" HUP "$q_pid" \
			    "$T/q-$qname.err" "$qlines"
			check "SIGHUP: $qname $wopt takes it at once while connections wait" \
			    t_hupq "hupq-$qname" "$qmark"
		fi
		if queue_up "termq-$qname"; then
			signal_queued "termq-$qname" TERM "$q_pid"
			check "SIGTERM: $qname $wopt answers every waiting request, exits 0" \
			    t_termq "termq-$qname" "$q_pid"
		else
			t_stop "$q_pid" TERM "q-$qname"
		fi
	else
		fail=$((fail + 1))
	fi
	bin=$obin wopt=
done

# ======================================================================
# (d) the shell: -r and -t
# ======================================================================

r_cmd r-url -c "$conf" -r "http://autoconfig.example.net$TB"
t_r_url() {
	expect r-url 200 "$XML" && expect_tb r-url example.net &&
	    exit_is r-url 0
}
check "-r: -r http://autoconfig.example.net$TB prints the answer" t_r_url
req r-url-cgi cgi GET "$TB" autoconfig.example.net
check "-r: ... the same response as the CGI" same r-url-cgi r-url

r_cmd r-path -c "$conf" -r "$ALICE"
t_r_path() {
	expect r-path 200 "$XML" && expect_tb r-path example.com
}
check "-r: -r with a path and the address in the query" t_r_path

r_cmd r-hostopt -c "$conf" -H autoconfig.example.net -r "$TB"
t_r_hostopt() {
	expect r-hostopt 200 "$XML" && expect_tb r-hostopt example.net
}
check "-r: -H gives the Host" t_r_hostopt

run r-env env -i ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
    MAILAUTOCONF_CONF="$conf" "$TIMEOUT" 20 "$bin" \
    -r "http://autoconfig.example.net$TB"
check "-r: MAILAUTOCONF_CONF names the config" same r-url r-env

stdin=$T/post-body
r_cmd r-post -c "$conf" -m POST -r "http://autoconfig.example.com$TB"
check "-r: -m POST with the body on stdin: 405 with Allow" \
    eval 'expect r-post 405 && allow r-post "GET HEAD"'

stdin=$data/outlook-request.xml
r_cmd r-adpost -c "$conf" -m POST -r "http://autodiscover.example.com$AD"
stdin=$data/outlook-request.xml
req r-adpost-cgi cgi POST "$AD" autodiscover.example.com
check "-r: POST $AD with tests/data/outlook-request.xml on stdin" \
    eval 'expect r-adpost 200 && same r-adpost-cgi r-adpost'

r_cmd t-sample -c "$conf" -t
t_t_sample() {
	expect_run t-sample && exit_is t-sample 0 || return 1
	for d in example.com example.net example.org; do
		grep -q "$d" "$T/r/t-sample.out" || {
			echo "the summary does not name $d:"
			cat "$T/r/t-sample.out"
			return 1
		}
	done
}
check "-t: the sample config: exit 0, a summary naming each domain" \
    t_t_sample

run t-env env -i ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
    MAILAUTOCONF_CONF="$conf" "$TIMEOUT" 20 "$bin" -t
check "-t: MAILAUTOCONF_CONF names the config" \
    eval 'expect_run t-env && exit_is t-env 0'

t_conferr() {
	tcn=$1
	shift
	expect_run "$tcn" && exit_is "$tcn" 78 || return 1
	for l in "$@"; do
		grep -q "$l" "$T/r/$tcn.err" || {
			echo "no '$l' on stderr:"
			cat "$T/r/$tcn.err"
			return 1
		}
	done
}
r_cmd t-unknown -c "$bb/unknown-key.conf" -t
check "-t: an unknown key: exit 78, FILE:LINE on stderr" \
    t_conferr t-unknown 'unknown-key\.conf:7:'
r_cmd t-two -c "$bb/two-errors.conf" -t
check "-t: every error is reported (two errors, two FILE:LINE)" \
    t_conferr t-two 'two-errors\.conf:5:' 'two-errors\.conf:6:'
r_cmd t-missing -c "$T/nonexistent.conf" -t
check "-t: a missing file: exit 78, named on stderr" \
    t_conferr t-missing nonexistent.conf
# A host with %EMAILDOMAIN% that is too long once expanded for a long
# domain (tests/conf/bad-host-expanded.conf): -t and --dns refuse the
# file (they exited 0, and --dns printed target "." for it).
r_cmd t-hostexp -c "$top/tests/conf/bad-host-expanded.conf" -t
check "-t: a host too long once %EMAILDOMAIN% is expanded: exit 78, FILE:LINE" \
    t_conferr t-hostexp 'bad-host-expanded\.conf:4: domain a*\.[b.cd]*\.com: imap host imap\.%EMAILDOMAIN% is not a host name' \
    'bad-host-expanded\.conf:10: domain e*\.example: smtp host x%EMAILDOMAIN%'
r_cmd dns-hostexp -c "$top/tests/conf/bad-host-expanded.conf" --dns
check "--dns: the same file: exit 78" \
    t_conferr dns-hostexp 'bad-host-expanded\.conf:3: domain .*: jmap_url host'
r_cmd r-badconf -c "$bb/unknown-key.conf" -r "$ALICE"
check "-r: a broken config: exit 78, FILE:LINE on stderr" \
    t_conferr r-badconf 'unknown-key\.conf:7:'

# An answer that only rendering shows too long (a redirect past 768
# bytes): -t refuses the config; a CGI prepares only the domain asked
# about, so the other domain answers and this one is a logged 500.
r_cmd t-longurl -c "$bb/long-url.conf" -t
check "-t: a redirect URL too long once expanded: exit 78, FILE:LINE" \
    t_conferr t-longurl 'long-url\.conf:8: domain long\.example: redirect URL longer than 768'
conf=$bb/long-url.conf
req a-longok cgi GET "$TB?emailaddress=bob%40ok.example" ok.example
check "CGI: another domain of a config with a too-long URL answers" \
    eval 'expect a-longok 200 && grep -q "<hostname>imap.example.com</hostname>" "$T/r/a-longok.out"'
req a-longurl cgi GET /.well-known/jmap long.example
check "CGI: the domain with the too-long URL is 500, logged as FILE:LINE" \
    t_conf500 a-longurl 'long-url\.conf:8: domain long\.example: redirect'
conf=$T/sample.conf

r_cmd opt-V -V
check "-V: prints the version, exit 0" \
    eval 'expect_run opt-V && exit_is opt-V 0 && grep -q "[0-9]" "$T/r/opt-V.out"'
r_cmd opt-h -h
check "-h: prints the usage, exit 0" \
    eval 'expect_run opt-h && exit_is opt-h 0 && grep -q . "$T/r/opt-h.out"'
r_cmd opt-bad -Z
check "usage: an unknown option exits 64" \
    eval 'expect_run opt-bad && exit_is opt-bad 64'
r_cmd opt-nolisten -c "$conf"
check "usage: no socket on fd 0, no -s/-r/-t: an error, not a hang" \
    eval 'expect_run opt-nolisten && ! exit_is opt-nolisten 0'

# ======================================================================
# (d2) hosted domains: tests/conf/hosted.conf, as a CGI and over FastCGI
# ======================================================================

# hoster.example (also hoster.net, and alias-hoster.example an alias of
# it) says hosted = yes: an address of a domain not configured, asked of
# the hoster's Host, gets the hoster's servers with %EMAILDOMAIN% the
# address's domain (mailautoconf.conf(5), hosted).  Every expectation
# below is the content the client needs, for the CGI and the FastCGI
# responder alike.
hconf=$top/tests/conf/hosted.conf
HADDR="$TB?emailaddress=user%40customer.example"
sed 's/alice@example\.com/user@customer.example/' \
    "$data/outlook-request.xml" >"$T/hosted-outlook.xml"
sed 's/alice@example\.com/user@configured.example/' \
    "$data/outlook-request.xml" >"$T/hosted-outlook-conf.xml"

# body_has NAME STRING...: the body holds each STRING (fixed strings).
body_has() {
	bhn=$1
	shift
	for bhs in "$@"; do
		grep -qF -e "$bhs" "$T/r/$bhn.body" && continue
		echo "no '$bhs' in the body:"
		cat "$T/r/$bhn.body"
		return 1
	done
}
# body_lacks NAME STRING...: the body holds none of the STRINGs.
body_lacks() {
	bln=$1
	shift
	for bls in "$@"; do
		grep -qF -e "$bls" "$T/r/$bln.body" || continue
		echo "'$bls' in the body:"
		cat "$T/r/$bln.body"
		return 1
	done
}
# hosted_tb NAME: the Thunderbird answer for user@customer.example from
# the hoster: tests/blackbox/tb-customer.example.xml, id and the one
# <domain> the customer's.
hosted_tb() {
	tb "$1" customer.example && expect_doms "$1" customer.example &&
	    body_has "$1" '<emailProvider id="customer.example">'
}
# hosted_pox NAME: the Outlook answer for user@customer.example with the
# hoster's servers, well-formed.
hosted_pox() {
	expect "$1" 200 "$XML" && expect_log "$1" || return 1
	"$XMLLINT" --noout "$T/r/$1.body" || return 1
	body_has "$1" '<Server>imap.hoster.example</Server>' \
	    '<Server>pop.hoster.example</Server>' \
	    '<Server>smtp.hoster.example</Server>' \
	    '<LoginName>user@customer.example</LoginName>' &&
	    body_lacks "$1" 'customer.example</Server>'
}
HJSON='{"Protocol":"AutodiscoverV1","Url":"https://ad.hoster.example/autodiscover/autodiscover.xml"}'
# hosted_json NAME: the hoster's autodiscover_url, whatever the address.
hosted_json() {
	expect "$1" 200 application/json && expect_log "$1" || return 1
	if [ "$(cat "$T/r/$1.body")" != "$HJSON" ]; then
		echo "want $HJSON, got:"
		cat "$T/r/$1.body"
		return 1
	fi
}
# hosted_mc NAME: the profile for user@customer.example, named after
# the customer, with the hoster's servers.
hosted_mc() {
	expect "$1" 200 application/x-apple-aspen-config &&
	    expect_log "$1" || return 1
	hcd=$(hdr "$1" Content-Disposition)
	if [ "$hcd" != 'attachment; filename="customer.example.mobileconfig"' ]
	then
		echo "Content-Disposition '$hcd'"
		return 1
	fi
	"$XMLLINT" --noout --nonet "$T/r/$1.body" || return 1
	body_has "$1" '<string>user@customer.example</string>' \
	    '<string>imap.hoster.example</string>' \
	    '<string>smtp.hoster.example</string>' \
	    '<string>Hoster Mail for customer.example</string>'
}

# hosted WHERE LABEL: the requests, to WHERE (cgi or a FastCGI address).
hosted() {
	hzw=$1 hzl=$2
	conf=$hconf
	req "$hzl-tb" "$hzw" GET "$HADDR" autoconfig.hoster.example
	check "$hzl: hosted: GET $HADDR, Host autoconfig.hoster.example: the hoster's servers for customer.example" \
	    hosted_tb "$hzl-tb"
	req "$hzl-tb-wk" "$hzw" GET \
	    "/.well-known/autoconfig$HADDR" hoster.net
	check "$hzl: hosted: .well-known/autoconfig, Host hoster.net (the hoster's second name)" \
	    hosted_tb "$hzl-tb-wk"
	req "$hzl-tb-case" "$hzw" GET "$HADDR" AUTOCONFIG.Hoster.Example:8443
	check "$hzl: hosted: Host AUTOCONFIG.Hoster.Example:8443 (case, port)" \
	    hosted_tb "$hzl-tb-case"
	req "$hzl-tb-ad" "$hzw" GET "$HADDR" autodiscover.hoster.example
	check "$hzl: hosted: Host autodiscover.hoster.example" \
	    hosted_tb "$hzl-tb-ad"
	req "$hzl-tb-alias" "$hzw" GET "$HADDR" autoconfig.alias-hoster.example
	check "$hzl: hosted: Host of the hoster's alias (autoconfig.alias-hoster.example)" \
	    hosted_tb "$hzl-tb-alias"
	req "$hzl-tb-plain" "$hzw" GET "$HADDR" autoconfig.plain.example
	check "$hzl: hosted: a Host that is not a hoster's (plain.example): 404" \
	    st "$hzl-tb-plain" 404
	req "$hzl-tb-cust" "$hzw" GET "$HADDR" autoconfig.customer.example
	check "$hzl: hosted: Host of the customer itself: 404" \
	    st "$hzl-tb-cust" 404
	req "$hzl-tb-sub" "$hzw" GET "$HADDR" autoconfig.sub.hoster.example
	check "$hzl: hosted: Host of a name under the hoster's (sub.hoster.example): 404" \
	    st "$hzl-tb-sub" 404
	req "$hzl-tb-nohost" "$hzw" GET "$HADDR" "" \
	    SERVER_NAME=autoconfig.hoster.example
	check "$hzl: hosted: no Host (SERVER_NAME the hoster's is never used): 404" \
	    st "$hzl-tb-nohost" 404
	req "$hzl-tb-conf" "$hzw" GET "$TB?emailaddress=user%40configured.example" \
	    autoconfig.hoster.example
	check "$hzl: hosted: a configured domain's address on the hoster's Host: that domain's answer" \
	    eval 'expect "$hzl-tb-conf" 200 "$XML" &&
	    body_has "$hzl-tb-conf" "<emailProvider id=\"configured.example\">" \
	    "<domain>configured.example</domain>" \
	    "<hostname>imap.configured.example</hostname>" &&
	    body_lacks "$hzl-tb-conf" hoster.example'
	req "$hzl-tb-noaddr" "$hzw" GET "$TB" autoconfig.hoster.example
	check "$hzl: hosted: no address on the hoster's Host: the hoster's own answer" \
	    eval 'expect "$hzl-tb-noaddr" 200 "$XML" &&
	    body_has "$hzl-tb-noaddr" "<emailProvider id=\"hoster.example\">" \
	    "<domain>hoster.example</domain>" "<domain>hoster.net</domain>" \
	    "<displayName>Hoster Mail for hoster.example</displayName>" &&
	    body_lacks "$hzl-tb-noaddr" customer.example'
	stdin=$T/hosted-outlook.xml
	req "$hzl-pox" "$hzw" POST "$AD" autodiscover.hoster.example \
	    CONTENT_LENGTH="$(size "$T/hosted-outlook.xml")" \
	    CONTENT_TYPE=text/xml
	check "$hzl: hosted: POST $AD for user@customer.example, Host autodiscover.hoster.example" \
	    hosted_pox "$hzl-pox"
	stdin=$T/hosted-outlook.xml
	req "$hzl-pox-alias" "$hzw" POST /Autodiscover/Autodiscover.xml \
	    Autodiscover.Alias-Hoster.Example \
	    CONTENT_LENGTH="$(size "$T/hosted-outlook.xml")"
	check "$hzl: hosted: POST for user@customer.example, Host of the alias, any case" \
	    hosted_pox "$hzl-pox-alias"
	stdin=$T/hosted-outlook.xml
	req "$hzl-pox-plain" "$hzw" POST "$AD" autodiscover.plain.example \
	    CONTENT_LENGTH="$(size "$T/hosted-outlook.xml")"
	check "$hzl: hosted: POST for user@customer.example, Host not a hoster's: 404" \
	    st "$hzl-pox-plain" 404
	stdin=$T/hosted-outlook-conf.xml
	req "$hzl-pox-conf" "$hzw" POST "$AD" autodiscover.hoster.example \
	    CONTENT_LENGTH="$(size "$T/hosted-outlook-conf.xml")"
	check "$hzl: hosted: POST for a configured domain on the hoster's Host: that domain's servers" \
	    eval 'expect "$hzl-pox-conf" 200 "$XML" &&
	    body_has "$hzl-pox-conf" "<Server>imap.configured.example</Server>" &&
	    body_lacks "$hzl-pox-conf" hoster.example'
	req "$hzl-adget" "$hzw" GET "$AD" autodiscover.customer.example
	check "$hzl: hosted: Outlook GET (no address) on a customer's Host: 404" \
	    st "$hzl-adget" 404
	req "$hzl-json-q" "$hzw" GET \
	    "/autodiscover/autodiscover.json?Email=user%40customer.example&Protocol=AutodiscoverV1" \
	    autodiscover.hoster.example
	check "$hzl: hosted: autodiscover.json?Email=user@customer.example: the hoster's autodiscover_url" \
	    hosted_json "$hzl-json-q"
	req "$hzl-json-p" "$hzw" GET \
	    "/autodiscover/autodiscover.json/v1.0/user@customer.example?Protocol=AutodiscoverV1" \
	    hoster.example
	check "$hzl: hosted: autodiscover.json/v1.0/user@customer.example: the hoster's autodiscover_url" \
	    hosted_json "$hzl-json-p"
	req "$hzl-json-404" "$hzw" GET \
	    "/autodiscover/autodiscover.json/v1.0/user@customer.example?Protocol=AutodiscoverV1" \
	    plain.example
	check "$hzl: hosted: autodiscover.json on a Host not a hoster's: 404" \
	    st "$hzl-json-404" 404
	req "$hzl-mc" "$hzw" GET "/mobileconfig?emailaddress=user%40customer.example" \
	    hoster.example
	check "$hzl: hosted: /mobileconfig: customer.example.mobileconfig with the hoster's servers" \
	    hosted_mc "$hzl-mc"
	req "$hzl-mc-404" "$hzw" GET \
	    "/mobileconfig?emailaddress=user%40customer.example" plain.example
	check "$hzl: hosted: /mobileconfig on a Host not a hoster's: 404" \
	    st "$hzl-mc-404" 404
	req "$hzl-jmap" "$hzw" GET /.well-known/jmap customer.example
	check "$hzl: hosted: /.well-known/jmap with a customer's Host (no address): 404" \
	    st "$hzl-jmap" 404
	req "$hzl-jmap-h" "$hzw" GET /.well-known/jmap hoster.example
	check "$hzl: hosted: /.well-known/jmap with the hoster's Host: its 307" \
	    eval 'st "$hzl-jmap-h" 307 && [ "$(hdr "$hzl-jmap-h" Location)" = \
	    https://jmap.hoster.example/jmap/session ]'
	conf=$T/sample.conf
}

hosted cgi CGI
# The FastCGI server (nobody when root) reads a copy in $T.
cp "$hconf" "$T/hosted.conf"
chmod 644 "$T/hosted.conf"
if serve_tcp hosted "$T/hosted.conf"; then
	hosted_pid=$spid
	hosted "$saddr" FastCGI
	t_hsame() {
		for hn in tb tb-alias pox json-p mc tb-conf; do
			same "CGI-$hn" "FastCGI-$hn" || return 1
		done
	}
	check "FastCGI: hosted: the answers are the CGI's" t_hsame
	check "FastCGI: hosted: SIGTERM: exits 0" t_stop "$hosted_pid" TERM hosted
else
	fail=$((fail + 1))
fi

# ======================================================================
# (d3) the setup page: tests/conf/page.conf, as a CGI and over FastCGI
# ======================================================================

# mailautoconf(8), "The setup page": GET and HEAD of / and of setup_path
# on the autoconfig. names, text/html with its Content-Security-Policy,
# nosniff and no cookie; the display name that tries to be markup comes
# out inert; 404 for a domain not configured or with setup_page = no.
pconf=$top/tests/conf/page.conf
page_ok() {
	expect "$1" 200 "text/html; charset=utf-8" || return 1
	hdr "$1" Content-Security-Policy | grep -q "^default-src 'none'; style-src 'sha256-" ||
	    { echo "no Content-Security-Policy"; cat "$T/r/$1.head"; return 1; }
	[ "$(hdr "$1" X-Content-Type-Options)" = nosniff ] ||
	    { echo "no nosniff"; return 1; }
	! grep -qi '^set-cookie' "$T/r/$1.head" || { echo "a cookie"; return 1; }
	[ "$(cat "$T/r/$1.method")" = HEAD ] && return 0
	body_has "$1" '<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;Co&apos; page.example</h1>' \
	    '<dt>Server</dt><dd>imap.page.example</dd>' \
	    'action="/mail/email.mobileconfig"' || return 1
	body_lacks "$1" '<script' || return 1
	# Well-formed, as polyglot markup (xmllint, after the doctype).
	tail -n +2 "$T/r/$1.body" | xmllint --noout - 2>&1
}
page() {
	pw=$1 pl=$2
	conf=$pconf
	req "$pl-page" "$pw" GET / autoconfig.page.example
	check "$pl: page: GET /: the setup page" page_ok "$pl-page"
	req "$pl-page-path" "$pw" GET /mail/setup autodiscover.page.example:443
	check "$pl: page: GET setup_path: the same page" \
	    eval 'page_ok "$pl-page-path" && same "$pl-page" "$pl-page-path"'
	req "$pl-page-head" "$pw" HEAD / autoconfig.page.example
	check "$pl: page: HEAD /: the headers, no body" \
	    eval 'page_ok "$pl-page-head" && [ ! -s "$T/r/$pl-page-head.body" ]'
	req "$pl-page-post" "$pw" POST / autoconfig.page.example
	check "$pl: page: POST /: 405, Allow: GET, HEAD" \
	    eval 'st "$pl-page-post" 405 && [ "$(hdr "$pl-page-post" Allow)" = "GET, HEAD" ]'
	req "$pl-page-off" "$pw" GET / autoconfig.off.example
	check "$pl: page: setup_page = no: 404" st "$pl-page-off" 404
	req "$pl-page-unk" "$pw" GET / autoconfig.nosuch.example
	check "$pl: page: a domain not configured: 404" st "$pl-page-unk" 404
	conf=$T/sample.conf
}
page cgi CGI
cp "$pconf" "$T/page.conf"
chmod 644 "$T/page.conf"
if serve_tcp page "$T/page.conf"; then
	page_pid=$spid
	page "$saddr" FastCGI
	check "FastCGI: page: the answers are the CGI's" \
	    eval 'same CGI-page FastCGI-page && same CGI-page-head FastCGI-page-head'
	check "FastCGI: page: SIGTERM: exits 0" t_stop "$page_pid" TERM page
else
	fail=$((fail + 1))
fi

r_cmd hosted-r -c "$hconf" -r "http://autoconfig.hoster.example$HADDR"
check "-r: hosted: -r http://autoconfig.hoster.example$HADDR" \
    eval 'exit_is hosted-r 0 && hosted_tb hosted-r'
stdin=$T/hosted-outlook.xml
r_cmd hosted-r-post -c "$hconf" -m POST -H autodiscover.hoster.example \
    -r "$AD"
check "-r: hosted: -m POST -H autodiscover.hoster.example, the body on stdin" \
    eval 'exit_is hosted-r-post 0 && hosted_pox hosted-r-post'

# t_hosted_t NAME: -t names each hoster domain "hosts other domains;",
# no other one.
r_cmd hosted-t -c "$hconf" -t
t_hosted_t() {
	expect_run hosted-t && exit_is hosted-t 0 || return 1
	for d in hoster.example hoster.net; do
		grep -q "^$d: .*hosts other domains;" "$T/r/hosted-t.out" &&
		    continue
		echo "no line '$d: ... hosts other domains;' in:"
		cat "$T/r/hosted-t.out"
		return 1
	done
	for d in plain.example configured.example; do
		grep -q "^$d: " "$T/r/hosted-t.out" &&
		    ! grep "^$d: " "$T/r/hosted-t.out" | grep -q hosts &&
		    continue
		echo "want a line for $d without 'hosts' in:"
		cat "$T/r/hosted-t.out"
		return 1
	done
	if [ -s "$T/r/hosted-t.err" ]; then
		echo "warnings for tests/conf/hosted.conf:"
		cat "$T/r/hosted-t.err"
		return 1
	fi
}
check "-t: hosted: 'hosts other domains;' on the hoster's lines only, no warning" \
    t_hosted_t
r_cmd hosted-warn -c "$top/tests/conf/hosted-warn.conf" -t
check "-t: hosted: %EMAILDOMAIN% in a host and no autodiscover_url: warnings with FILE:LINE, exit 0" \
    eval 'expect_run hosted-warn && exit_is hosted-warn 0 &&
    grep -q "^hoster2\.example: hosts other domains;" "$T/r/hosted-warn.out" &&
    grep -q "hosted-warn\.conf:9: warning: imap: hosted: %EMAILDOMAIN%" \
    "$T/r/hosted-warn.err" &&
    grep -q "hosted-warn\.conf:7: warning: hosted: autodiscover_url is not set" \
    "$T/r/hosted-warn.err"'
r_cmd hosted-bad-def -c "$top/tests/conf/bad-hosted-defaults.conf" -t
check "-t: hosted = yes in [defaults]: exit 78, FILE:LINE" \
    t_conferr hosted-bad-def \
    'bad-hosted-defaults\.conf:2: hosted: not allowed in \[defaults\]'
r_cmd hosted-bad-bool -c "$top/tests/conf/bad-hosted-bool.conf" -t
check "-t: hosted = maybe: exit 78, FILE:LINE" \
    t_conferr hosted-bad-bool \
    'bad-hosted-bool\.conf:4: hosted: expected yes or no'

# ======================================================================
# (e) FastCGI as root without -u is refused
# ======================================================================

t_refuse() {
	expect_run "$1" || return 1
	if [ "$(cat "$T/r/$1.rc")" -eq 0 ]; then
		echo "exit status 0"
		return 1
	fi
	if ! grep -q . "$T/r/$1.err"; then
		echo "nothing on stderr"
		return 1
	fi
}
if [ "$root" -eq 1 ]; then
	r_cmd root-s -c "$conf" -s "127.0.0.1:$(free_port)"
	check "root: -s without -u is refused (non-zero exit, a message)" \
	    t_refuse root-s
	run root-spawn "$TIMEOUT" 20 "$SPAWNFCGI" -n -s "$T/root.sock" -- \
	    /usr/bin/env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$bin" -c "$conf"
	check "root: spawn-fcgi as root without -u is refused" \
	    t_refuse root-spawn
	run root-unix env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$TIMEOUT" 20 "$bin" -c "$conf" \
	    -s "unix:$T/root2.sock"
	check "root: -s unix:PATH without -u is refused" t_refuse root-unix
else
	skipped "root: FastCGI as root without -u is refused" "not root"
fi

# ======================================================================
# (f) behind lighttpd: the set-up of make run, with curl
# ======================================================================

LIGHTTPD=$(command -v lighttpd || { [ -x /usr/sbin/lighttpd ] &&
    echo /usr/sbin/lighttpd; })
CURL=$(command -v curl)
SETSID=$(command -v setsid)
if [ -n "$LIGHTTPD" ] && [ -n "$CURL" ] && [ -n "$SETSID" ]; then
	lport=$(free_port)
	lu=http://127.0.0.1:$lport
	PORT=$lport BIN=$bin CONF=$conf PATH=$PATH:/usr/sbin \
	    "$SETSID" sh "$top/scripts/run.sh" </dev/null >"$T/run.out" 2>&1 &
	run_pid=$!
	pgids="$pgids $run_pid"
	lup() {
		[ "$("$CURL" -s -o /dev/null -w '%{http_code}' "$lu/")" != 000 ]
	}
	if poll_until 150 lup; then
		ok "lighttpd: scripts/run.sh serves on $lu"
		# curl_req NAME CURL-ARGS...: the answer as NAME.head/body
		curl_req() {
			cn=$T/r/$1
			shift
			"$CURL" -s -D "$cn.rawhead" -o "$cn.body" "$@" \
			    2>"$cn.err"
			tr -d '\r' <"$cn.rawhead" | sed 1d | grep . >"$cn.head"
			sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' \
			    "$cn.rawhead" | tr -d '\r' >"$cn.code"
		}
		t_curl() { # NAME CODE [CGI-NAME]
			tc=$(cat "$T/r/$1.code")
			if [ "$tc" != "$2" ]; then
				echo "want HTTP $2, got '$tc':"
				cat "$T/r/$1.rawhead" "$T/r/$1.body"
				return 1
			fi
			[ $# -lt 3 ] && return 0
			if [ "$(hdr "$1" Content-Type)" != "$XML" ]; then
				echo "Content-Type '$(hdr "$1" Content-Type)'"
				return 1
			fi
			cmp -s "$T/r/$3.body" "$T/r/$1.body" || {
				diff -u "$T/r/$3.body" "$T/r/$1.body"
				echo "(- the CGI answer, + through lighttpd)"
				return 1
			}
		}
		curl_req l-alice "$lu$ALICE"
		check "lighttpd: GET $ALICE, the CGI's body" \
		    t_curl l-alice 200 a-alice
		curl_req l-net "$lu/.well-known/autoconfig$TB" \
		    -H 'Host: autoconfig.example.net'
		check "lighttpd: .well-known with Host autoconfig.example.net" \
		    t_curl l-net 200 a-path2
		curl_req l-unk "$lu$TB" -H 'Host: autoconfig.unknown.invalid'
		check "lighttpd: a Host not configured is 404" \
		    t_curl l-unk 404
		curl_req l-post "$lu$TB" -X POST -d '' \
		    -H 'Host: autoconfig.example.com'
		check "lighttpd: POST is 405 with Allow" \
		    eval 't_curl l-post 405 && allow l-post "GET HEAD"'
		curl_req l-head "$lu$ALICE" -I
		check "lighttpd: HEAD: GET's Content-Length" \
		    eval 't_curl l-head 200 &&
		    [ "$(hdr l-head Content-Length)" = \
		    "$(hdr l-alice Content-Length)" ]'
		curl_req l-ad "$lu/Autodiscover/Autodiscover.xml" -X POST \
		    --data-binary "@$data/outlook-request.xml"
		check "lighttpd: POST /Autodiscover/Autodiscover.xml is 200" \
		    t_curl l-ad 200
	else
		notok "lighttpd: scripts/run.sh serves on $lu" "$T/run.out"
	fi
	kill -TERM "-$run_pid" 2>/dev/null
	t_run_stop() {
		ri=0
		while group_alive "$run_pid"; do
			if [ "$ri" -ge 100 ]; then
				echo "processes left in group $run_pid"
				return 1
			fi
			sleep 0.1
			ri=$((ri + 1))
		done
		if grep -Eq 'Sanitizer|runtime error:' "$T/run.out"; then
			cat "$T/run.out"
			return 1
		fi
	}
	check "lighttpd: SIGTERM stops lighttpd and the responder" t_run_stop
else
	skipped "lighttpd: the make run set-up" "lighttpd, curl or setsid missing"
fi

finish
