#!/bin/sh
# tests/blackbox.sh BINARY: the real program from the outside.
#
# Runs BINARY (make check passes the sanitizer build) as a plain CGI, as
# a FastCGI responder listening itself (-s), under spawn-fcgi and with
# systemd-style socket activation, through cgi-fcgi; then SIGHUP, SIGTERM
# and SIGUSR1, the shell modes -r and -t, the refusal to serve FastCGI as
# root, and, when lighttpd is installed, the whole stack of make run.
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
AD=/autodiscover/autodiscover.xml
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
# (d2) hosted domains: tests/conf/hosted.conf, as a CGI and over FastCGI
# ======================================================================

# hoster.example (also hoster.net, and alias-hoster.example an alias of
# it) says hosted = yes: an address of a domain not configured, asked of
# the hoster's Host, gets the hoster's servers with %EMAILDOMAIN% the
# address's domain (mailautoconf.conf(5), hosted).  Every expectation
# below is the content the client needs, for the CGI and the FastCGI
# responder alike.
hconf=/tmp/hw/nohost.conf
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
finish
