#!/bin/sh
# tests/e2e.sh BINARY: mailautoconf behind real web servers, set up with
# the files in contrib/, answering exactly as it does as a plain CGI.
#
# Set-ups, each a real server process from Debian's packages:
#   lighttpd        contrib/lighttpd/mailautoconf.conf (bin-path)
#   spawn-fcgi      contrib/spawn-fcgi/mailautoconf-spawn-fcgi.sh behind
#                   contrib/lighttpd/mailautoconf-socket.conf
#   apache-fcgid    contrib/apache/mailautoconf-fcgid.conf
#   apache-proxy    contrib/apache/mailautoconf-proxy-fcgi.conf, the
#                   responder listening itself (-s unix:...)
#   apache-cgi      contrib/apache/mailautoconf-cgi.conf
#   systemd         contrib/systemd/mailautoconf.{socket,service} run by
#                   systemd-socket-activate, behind contrib/nginx/
#   nginx-keepalive contrib/nginx/mailautoconf-keepalive.conf (kept
#                   FastCGI connections, keepalive 8 and 64), the
#                   responder listening itself with -w 2
#   lighttpd-load   contrib/lighttpd/mailautoconf-socket.conf, the
#                   responder listening itself (-s, default workers)
# The contrib files are used as they are, with only their paths (binary,
# configuration, sockets) and listening ports replaced.  Every request
# of tests/e2e/requests goes through each with curl; the status, the
# Content-Type, Content-Length, Location, Allow and Content-Disposition
# headers and the body must be those of the same request answered by
# BINARY as a CGI.  Only the Date/Server headers and the Time attribute
# of Autodiscover errors are ignored; where a server itself changes an
# answer, the check says what it allows and the difference is listed at
# the end ("server-imposed").  Then SIGHUP with a changed and with a
# broken configuration, and SIGTERM, on the responders the test starts
# itself.
#
# Then the responder's serving under load and slow clients (all but
# the first check something a responder that served one connection at
# a time failed):
#   apache-fcgid     2,000 requests 16 at a time: every answer the CGI's
#                    from at most FcgidMaxProcessesPerClass (8)
#                    responders, the other requests waiting for one
#   apache-proxy     one worker (-w 1): a GET while a POST body trickles
#                    in through Apache (which passes bodies on as they
#                    come) takes at most 0.1 s longer than without; 24
#                    GETs while a slow POST starts every 2 s, each
#                    answered within 1 s
#   nginx-keepalive  3 requests at once on 2 workers with idle kept
#                    connections, each answered within 1 s (no 504);
#                    10,000 requests one at a time and 10,000 50 at a
#                    time, every answer the CGI's, none slower than 5 s;
#                    20,000 50 at a time with a SIGHUP every 0.25 s
#                    (the workers replaced under load), likewise
#   lighttpd-load    5,000 requests, 300 at a time: every answer the
#                    CGI's (none refused for a full listen queue)
# The load clients are tests/e2e/httpload.py (python3).
#
# Everything listens on 127.0.0.1 (free ports picked at run time) or on
# Unix sockets in a temporary directory; every process started is
# stopped on exit, also on failure.  Run as root (CI), the servers and
# the responders drop to nobody.  Output: "ok - ..." / "not ok - ..."
# lines, then "e2e: N passed, N failed"; exit status 1 on any failure.
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: sh tests/e2e.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	src_bin=$1 ;;
*)	src_bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
contrib=$top/contrib
e2e=$top/tests/e2e
PATH=$PATH:/usr/sbin:/sbin
export PATH

WHY_LINES=40
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

# note SETUP KIND TEXT: a difference the server itself makes, listed at
# the end with the requests it showed in.
note() {
	printf '%s\t%s\t%s\n' "$1" "$3" "$2" >>"$T/notes"
}

finish() {
	if [ -n "${T:-}" ] && [ -s "$T/notes" ]; then
		echo "# Server-imposed differences (allowed, see the checks):"
		sort -u "$T/notes" | awk -F '\t' '
		function out() {
			if (last == "")
				return
			print "#   " head " [" (n > 6 ? kinds " ... (" n \
			    " requests)" : kinds) "]"
		}
		$1 "\t" $2 != last {
			out()
			last = $1 "\t" $2
			head = $1 ": " $2
			kinds = $3
			n = 1
			next
		}
		{
			if (++n <= 6)
				kinds = kinds " " $3
		}
		END { out() }'
	fi
	echo "e2e: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# ---- what is needed ----

APACHE_MODS=/usr/lib/apache2/modules
missing=
for t in curl timeout setsid lighttpd nginx apache2 spawn-fcgi \
    systemd-socket-activate python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
for m in mod_fcgid mod_proxy_fcgi mod_cgid mod_rewrite mod_env; do
	[ -f "$APACHE_MODS/$m.so" ] || missing="$missing $m"
done
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || missing="$missing setpriv"
fi
T=
if [ ! -x "$src_bin" ] || [ -n "$missing" ]; then
	echo "not ok - setup: need $1 built and:$missing (Debian: apt-get" \
	    "install lighttpd nginx apache2 libapache2-mod-fcgid" \
	    "spawn-fcgi curl python3; systemd for systemd-socket-activate)"
	fail=1
	finish
fi

# ---- the temporary directory and the processes to stop ----

T=$(mktemp -d /tmp/mailautoconf-e2e.XXXXXX) || exit 1
# The servers drop to nobody when run as root and must reach the
# binary, the configuration and the sockets here.
chmod 755 "$T"
mkdir "$T/bin" "$T/conf" "$T/run" "$T/log" "$T/www" "$T/upload" \
    "$T/pid" "$T/ref" "$T/out" "$T/body" "$T/lighttpd" "$T/apache" \
    "$T/nginx" "$T/systemd" "$T/nginx-ka8" "$T/nginx-ka64"
if [ "$(id -u)" -eq 0 ]; then
	WUSER=nobody
	WGROUP=$(id -gn nobody)
	chown "$WUSER:$WGROUP" "$T/run" "$T/log" "$T/upload"
	as_user() {
		setpriv --reuid="$WUSER" --regid="$WGROUP" --clear-groups "$@"
	}
else
	WUSER=
	WGROUP=
	as_user() {
		"$@"
	}
fi
# A copy the servers' user can reach, whatever the path of the tree.
cp "$src_bin" "$T/bin/mailautoconf"
chmod 755 "$T/bin/mailautoconf"
bin=$T/bin/mailautoconf
conf=$T/conf/mailautoconf.conf
cat "$top/etc/mailautoconf.conf" "$e2e/extra.conf" >"$T/conf/main.conf"
cp "$e2e/reload.conf" "$T/conf/reload.conf"
cp "$e2e/broken.conf" "$T/conf/broken.conf"
chmod 644 "$T/conf/"*.conf
cp "$T/conf/main.conf" "$conf"
echo "e2e site" >"$T/www/index.html"
chmod -R a+rX "$T/www"

groups=


pidof_() {
	cat "$T/pid/$1" 2>/dev/null
}

# procs: "PID STATE PGID PPID" of every process, from /proc/*/stat (the
# command name in parentheses may hold anything, so fields are counted
# from the last ")").  Read through cat: Debian's awk (mawk) stops with
# an error when a file it was given vanishes, as a process that exits.
procs() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{
		i = match($0, /\)[^)]*$/)
		split(substr($0, i + 2), f, " ")
		print $1, f[1], f[3], f[2]
	}'
}

# children PID: the live processes whose parent is PID.
children() {
	procs | awk -v p="$1" '$4 == p && $2 != "Z" { print $1 }'
}

# proc_line PID: "PID UID COMMAND LINE" from /proc.
proc_line() {
	printf '%s %s %s\n' "$1" \
	    "$(awk '$1 == "Uid:" { print $2 }' "/proc/$1/status" 2>/dev/null)" \
	    "$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)"
}

# group_list PGID: proc_line of every live process of a group.
group_list() {
	procs | awk -v g="$1" '$3 == g && $2 != "Z" { print $1 }' |
	while read -r p; do
		proc_line "$p"
	done
}

# group_pids PGID: true while a process of the group lives.
group_pids() {
	procs | awk -v g="$1" '$3 == g && $2 != "Z" { f = 1 } END { exit !f }'
}

# ended NAME [TENTHS]: wait for the exit status of NAME.
ended() {
	ei=0
	while [ ! -s "$T/pid/$1.rc" ]; do
		[ "$ei" -ge "${2:-100}" ] && return 1
		sleep 0.1
		ei=$((ei + 1))
	done
}

# group_gone PGID [TENTHS]: wait until no process of the group is left.
group_gone() {
	gi=0
	while group_pids "$1"; do
		[ "$gi" -ge "${2:-100}" ] && return 1
		sleep 0.1
		gi=$((gi + 1))
	done
}

# stop NAME: SIGTERM, then everything left in its group; prints what
# was left if anything.
stop() {
	sp=$(pidof_ "$1")
	sg=$(cat "$T/pid/$1.pg" 2>/dev/null)
	[ -n "$sp" ] && kill -TERM "$sp" 2>/dev/null
	ended "$1" 100
	if [ -n "$sg" ] && ! group_gone "$sg" 50; then
		echo "left running after SIGTERM (pid uid command):"
		group_list "$sg"
		kill -KILL "-$sg" 2>/dev/null
		return 1
	fi
	return 0
}


# Only groups with a live member are signalled: while one lives, its
# number cannot be given to another process.
cleanup() {
	for g in $groups; do
		group_pids "$g" && kill -TERM "-$g" 2>/dev/null
	done
	for g in $groups; do
		group_gone "$g" 30 || kill -KILL "-$g" 2>/dev/null
	done
	for p in $(strays); do
		kill -KILL "$p" 2>/dev/null
	done
	# E2E_KEEP=1 keeps the directory (logs, answers) for a look.
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- ports ----

# wait_http PORT: until something answers HTTP on 127.0.0.1:PORT.
wait_http() {
	wi=0
	while ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; do
		wi=$((wi + 1))
		[ $wi -gt 100 ] && return 1
		sleep 0.1
	done
}

# wait_sock PATH: until the Unix socket exists.
wait_sock() {
	wi=0
	while [ ! -S "$1" ]; do
		wi=$((wi + 1))
		[ $wi -gt 100 ] && return 1
		sleep 0.1
	done
}

# ---- request bodies ----

make_bodies() {
	b=$T/body
	cp "$top/tests/data/outlook-request.xml" "$b/outlook"
	sed 's/alice@example\.com/bob@example.org/' "$b/outlook" \
	    >"$b/outlook-alias"
	sed 's/alice@example\.com/carol@unknown.invalid/' "$b/outlook" \
	    >"$b/outlook-unknown"
	sed 's/alice@example\.com/user@customer.example/' "$b/outlook" \
	    >"$b/outlook-hosted"
	sed 's|outlook/responseschema/2006a|mobilesync/responseschema/2006|' \
	    "$b/outlook" >"$b/mobilesync"
	sed 's/alice@example\.com/dave@example.info/' "$b/mobilesync" \
	    >"$b/mobilesync-eas"
	printf '<Autodiscover><Request><EMailAddress>alice@example.com' \
	    >"$b/malformed"
	printf '</Request>' >>"$b/malformed"
	: >"$b/empty"
	printf 'x' >"$b/small"
	# A valid request padded with white space after the root element
	# to exactly N bytes: at BODY_MAX it is answered, one byte more 413.
	# pad400: the slow POST of the apache-proxy checks.
	for n in 400 16384 16385 204800 1100000; do
		cp "$b/outlook" "$b/pad$n"
		have=$(wc -c <"$b/pad$n")
		head -c $((n - have)) /dev/zero | tr '\0' ' ' >>"$b/pad$n"
	done
}

# ---- answers ----

# split_cgi RAW OUT: a CGI answer into OUT.h (normalised header lines)
# and OUT.b (the body).
split_cgi() {
	hl=$(tr -d '\r' <"$1" | awk '$0 == "" { print NR; exit }')
	if [ -z "$hl" ]; then
		: >"$2.h"
		: >"$2.b"
		return 1
	fi
	head -n "$hl" "$1" | norm_head cgi >"$2.h"
	tail -n "+$((hl + 1))" "$1" | norm_body >"$2.b"
}

# norm_head cgi|http: the status, the reason phrase and the header
# fields compared, one a line in a fixed order, names lower-cased (a
# field sent twice has its values joined by ", ").  transfer-encoding is
# kept for the checks only.
norm_head() {
	tr -d '\r' | awk -v kind="$1" '
	BEGIN {
		nk = split("content-type content-length location allow " \
		    "content-disposition transfer-encoding", keys, " ")
	}
	kind == "http" && /^HTTP\// {
		# The last response (after any 1xx) counts.
		split("", f)
		st = $2
		rs = $0
		sub(/^HTTP\/[^ ]* [0-9]+ ?/, "", rs)
		next
	}
	{
		i = index($0, ":")
		if (i == 0)
			next
		k = tolower(substr($0, 1, i - 1))
		v = substr($0, i + 1)
		sub(/^[ \t]+/, "", v)
		sub(/[ \t]+$/, "", v)
		if (k == "status" && kind == "cgi") {
			st = v
			sub(/ .*/, "", st)
			rs = v
			sub(/^[0-9]+ ?/, "", rs)
		} else if (k in f)
			f[k] = f[k] ", " v
		else
			f[k] = v
	}
	END {
		print "status: " st
		print "reason: " rs
		for (j = 1; j <= nk; j++)
			if (keys[j] in f)
				print keys[j] ": " f[keys[j]]
	}'
}

# The Time attribute of an Autodiscover error is the clock's.
norm_body() {
	sed 's/<Error Time="[^"]*"/<Error Time="(time)"/'
}

# field FILE NAME: a normalised header value.
field() {
	sed -n "s/^$2: //p" "$1"
}

# cgi_answer OUT METHOD HOST URI BODY OPT CONF: the request answered by
# the binary as a CGI, with the variables a server passes.
cgi_answer() {
	co=$1 cm=$2 ch=$3 cu=$4 cb=$5 copt=$6 cc=$7
	cpath=${cu%%\?*}
	case $cu in
	*\?*)	cq=${cu#*\?} ;;
	*)	cq= ;;
	esac
	set -- env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 SERVER_NAME=localhost \
	    REQUEST_METHOD="$cm" REQUEST_URI="$cu" SCRIPT_NAME="$cpath" \
	    QUERY_STRING="$cq" HTTP_HOST="$ch" MAILAUTOCONF_CONF="$cc"
	if [ "$cb" = - ]; then
		cin=/dev/null
	else
		cin=$T/body/$cb
		set -- "$@" CONTENT_TYPE="text/xml; charset=utf-8"
		[ "$copt" = chunked ] ||
		    set -- "$@" CONTENT_LENGTH="$(wc -c <"$cin" | tr -d ' ')"
	fi
	timeout 20 "$@" "$bin" <"$cin" >"$co.raw" 2>"$co.err"
	split_cgi "$co.raw" "$co"
}

# http_answer OUT PORT METHOD HOST URI BODY OPT: the request through a
# server with curl; OUT.h, OUT.b, OUT.rc (curl's exit status).
http_answer() {
	ho=$1 hp=$2 hm=$3 hh=$4 hu=$5 hb=$6 hopt=$7
	set -- curl -s -S --path-as-is --max-time 20 -D "$ho.raw" \
	    -o "$ho.body" -H "Host: $hh" -H "Expect:"
	case $hm in
	GET)	;;
	HEAD)	set -- "$@" -I ;;	# curl writes the headers to -o too
	*)	set -- "$@" -X "$hm" ;;
	esac
	if [ "$hb" != - ]; then
		set -- "$@" --data-binary "@$T/body/$hb" \
		    -H "Content-Type: text/xml; charset=utf-8"
		[ "$hopt" = chunked ] &&
		    set -- "$@" -H "Transfer-Encoding: chunked"
	fi
	: >"$ho.body"
	"$@" "http://127.0.0.1:$hp$hu" >"$ho.curl" 2>&1
	echo $? >"$ho.rc"
	# curl -I reads no body (and puts the headers where -o says).
	[ "$hm" = HEAD ] && : >"$ho.body"
	norm_head http <"$ho.raw" >"$ho.h"
	norm_body <"$ho.body" >"$ho.b"
}

# Per set-up allowances for what the server itself does to an answer
# (set by each set-up before its requests):
#   A_REASON=server  the server writes its own reason phrase
#   A_CLEN=framed    the server drops the responder's Content-Length and
#                    frames the body itself (chunked; none on HEAD)
#   A_BIG=server     a body this large is refused by the server (413)
#                    before the responder sees it
#   A_STATUS="KIND=CODE ..."  the server itself answers KIND with CODE
A_REASON=
A_CLEN=
A_BIG=
A_STATUS=

# same SETUP KIND METHOD: compare $T/out/SETUP/KIND with $T/ref/KIND.
same() {
	r=$T/ref/$2
	g=$T/out/$1/$2
	if [ "$(cat "$g.rc")" != 0 ]; then
		echo "curl failed (exit $(cat "$g.rc")):"
		cat "$g.curl"
		echo "headers received:"
		cat "$g.raw"
		echo "body received (first 300 bytes):"
		head -c 300 "$g.body"
		echo
		return 1
	fi
	rs=$(field "$r.h" status)
	gs=$(field "$g.h" status)
	for as in $A_STATUS; do
		[ "${as%=*}" = "$2" ] || continue
		if [ "$gs" != "${as#*=}" ]; then
			echo "status: want the server's ${as#*=}, got $gs"
			return 1
		fi
		note "$1" "$2" "the server answers $gs itself where the responder answers $rs"
		return 0
	done
	if [ "$rs" != "$gs" ]; then
		echo "status: want $rs, got $gs"
		echo "headers:"
		cat "$g.raw"
		echo "body (first 300 bytes):"
		head -c 300 "$g.body"
		echo
		return 1
	fi
	if [ "$A_BIG" = server ] && [ "$rs" = 413 ] &&
	    [ "$(field "$g.h" content-type)" != \
	    "$(field "$r.h" content-type)" ]; then
		# The server's own 413 page: only the status is the
		# responder's.
		note "$1" "$2" "a body over the server's limit gets the server's own 413 page ($(field "$g.h" content-type)), not the responder's"
		return 0
	fi
	if [ "$(field "$r.h" reason)" != "$(field "$g.h" reason)" ]; then
		if [ "$A_REASON" = server ]; then
			note "$1" "$2" "reason phrase of $rs is the server's: '$(field "$g.h" reason)' (responder: '$(field "$r.h" reason)')"
		else
			echo "reason phrase: want '$(field "$r.h" reason)'," \
			    "got '$(field "$g.h" reason)'"
			return 1
		fi
	fi
	for f in content-type location allow content-disposition; do
		if [ "$(field "$r.h" $f)" != "$(field "$g.h" $f)" ]; then
			echo "$f: want '$(field "$r.h" $f)'," \
			    "got '$(field "$g.h" $f)'"
			return 1
		fi
	done
	rl=$(field "$r.h" content-length)
	gl=$(field "$g.h" content-length)
	if [ "$rl" != "$gl" ]; then
		if [ -n "$gl" ] || [ "$A_CLEN" != framed ]; then
			echo "content-length: want '$rl', got '$gl'"
			return 1
		fi
		if [ "$3" != HEAD ] &&
		    [ "$(field "$g.h" transfer-encoding)" != chunked ]; then
			echo "no content-length and not chunked"
			return 1
		fi
		note "$1" "$2" "no Content-Length: the body is sent chunked, a HEAD answer has none"
	fi
	# curl reads no body after HEAD; a server sending one would break
	# the requests after it.
	[ "$3" = HEAD ] && return 0
	if ! cmp -s "$r.b" "$g.b"; then
		echo "body differs (- CGI, + server):"
		diff -u "$r.b" "$g.b" | head -n 30
		return 1
	fi
	# The body is as long as the CGI said.
	if [ "$(wc -c <"$g.body" | tr -d ' ')" != "$rl" ]; then
		echo "body of $(wc -c <"$g.body") bytes, want $rl"
		return 1
	fi
}

# The request table without comments: NAME METHOD HOST URI BODY [OPT].
requests() {
	grep -v '^#' "$e2e/requests" | grep -v '^[[:space:]]*$'
}

# make_refs: every request answered as a CGI with the test configuration.
make_refs() {
	requests | while read -r n m h u b o; do
		cgi_answer "$T/ref/$n" "$m" "$h" "$u" "$b" "${o:-}" "$conf"
		if [ ! -s "$T/ref/$n.h" ] ||
		    [ -z "$(field "$T/ref/$n.h" status)" ]; then
			echo "$n: no CGI answer"
			cat "$T/ref/$n.raw" "$T/ref/$n.err"
		fi
	done
}

# has DIR NAME STATUS STRING...: the answer NAME in DIR (normalised
# head and body) has STATUS and each STRING (a fixed string) in its body.
has() {
	hd=$1 hn=$2 hs=$3
	shift 3
	if [ "$(field "$hd/$hn.h" status)" != "$hs" ]; then
		echo "$hn: status '$(field "$hd/$hn.h" status)', want $hs; body:"
		head -c 600 "$hd/$hn.b"
		echo
		return 1
	fi
	for hx in "$@"; do
		grep -qF -e "$hx" "$hd/$hn.b" && continue
		echo "$hn: no '$hx' in the body:"
		head -c 2000 "$hd/$hn.b"
		echo
		return 1
	done
}

# hosted_content DIR: the hosted-* answers in DIR are the hoster's for
# user@customer.example (mailautoconf.conf(5), hosted): its servers, the
# customer's domain as Thunderbird's provider id and only <domain>.
hosted_content() {
	has "$1" hosted-tb 200 '<emailProvider id="customer.example">' \
	    '<domain>customer.example</domain>' \
	    '<hostname>imap.hoster.example</hostname>' \
	    '<hostname>smtp.hoster.example</hostname>' &&
	    [ "$(grep -c '<domain>' "$1/hosted-tb.b")" = 1 ] &&
	    has "$1" hosted-ad 200 '<Server>imap.hoster.example</Server>' \
	    '<Server>smtp.hoster.example</Server>' \
	    '<LoginName>user@customer.example</LoginName>' &&
	    has "$1" hosted-tb-bare 200 '<domain>customer.example</domain>' \
	    '<hostname>imap.hoster.example</hostname>' &&
	    has "$1" hosted-js 200 \
	    '"Url":"https://autodiscover.hoster.example/autodiscover/autodiscover.xml"' &&
	    has "$1" hosted-mc 200 '<string>user@customer.example</string>' \
	    '<string>imap.hoster.example</string>' &&
	    has "$1" hosted-404 404 && has "$1" hosted-jmap-404 404
}

# run_requests SETUP PORT: every request through the server.
run_requests() {
	mkdir -p "$T/out/$1"
	requests >"$T/reqs"
	while read -r n m h u b o; do
		http_answer "$T/out/$1/$n" "$2" "$m" "$h" "$u" "$b" "${o:-}"
		check "$1: $n: $m $h $u" same "$1" "$n" "$m"
	done <"$T/reqs"
	check "$1: hosted: the hoster's servers for user@customer.example" \
	    hosted_content "$T/out/$1"
	check "$1: hosted: Content-Disposition names customer.example.mobileconfig" \
	    test "$(field "$T/out/$1/hosted-mc.h" content-disposition)" = \
	    'attachment; filename="customer.example.mobileconfig"'
	# The web site of the bare domain keeps its other paths.
	check "$1: the bare domain's own pages are the server's" \
	    site_page "$2"
}

site_page() {
	curl -s -S --max-time 20 -H "Host: example.com" \
	    -o "$T/site.body" -w '%{http_code}\n' \
	    "http://127.0.0.1:$1/index.html" >"$T/site.code" 2>&1
	if [ "$(cat "$T/site.code")" != 200 ] ||
	    [ "$(cat "$T/site.body")" != "e2e site" ]; then
		echo "GET /index.html on example.com: $(cat "$T/site.code")"
		cat "$T/site.body"
		return 1
	fi
}

# ---- reloading ----

# set_conf FILE: replace the configuration the responders read.
set_conf() {
	cp "$1" "$conf.new"
	chmod 644 "$conf.new"
	mv "$conf.new" "$conf"
}

# answers_as SETUP PORT KIND CONF: within 5 s, KIND through the server is
# answered as the CGI answers it with CONF.
answers_as() {
	line=$(requests | awk -v n="$3" '$1 == n')
	# shellcheck disable=SC2086
	set -- "$1" "$2" "$4" $line
	# $1 SETUP $2 PORT $3 CONF $4 NAME $5 METHOD $6 HOST $7 URI $8 BODY
	# [$9 OPT]
	aopt=${9:-}
	cgi_answer "$T/ref/$4-x" "$5" "$6" "$7" "$8" "$aopt" "$3"
	mkdir -p "$T/out/$1"
	ai=0
	while :; do
		http_answer "$T/out/$1/$4-x" "$2" "$5" "$6" "$7" "$8" "$aopt"
		same "$1" "$4-x" "$5" >"$T/why2" 2>&1 && return 0
		ai=$((ai + 1))
		if [ $ai -ge 50 ]; then
			cat "$T/why2"
			return 1
		fi
		sleep 0.1
	done
}

# log_count NAME TEXT: how many lines of NAME's log hold TEXT.
log_count() {
	grep -c "$2" "$T/log/$1.log" 2>/dev/null
}

# wait_log NAME TEXT COUNT: until NAME's log holds TEXT COUNT times.
wait_log() {
	wi=0
	while [ "$(log_count "$1" "$2")" -lt "$3" ]; do
		wi=$((wi + 1))
		if [ $wi -gt 50 ]; then
			echo "no '$2' in the log of $1:"
			cat "$T/log/$1.log"
			return 1
		fi
		sleep 0.1
	done
}

# reload_checks SETUP PORT NAME WORKERS: SIGHUP to the responder started
# as NAME (WORKERS worker processes) with a changed, then a broken
# configuration, then back; SIGTERM last.
reload_checks() {
	rp=$(pidof_ "$3")
	check "$1: the responder answers as the first configuration" \
	    answers_as "$1" "$2" tb-ac-addr "$T/conf/main.conf"
	set_conf "$T/conf/reload.conf"
	kill -HUP "$rp"
	check "$1: SIGHUP with a changed configuration: new answers" \
	    answers_as "$1" "$2" tb-ac-addr "$T/conf/reload.conf"
	check "$1: SIGHUP: the new JMAP redirect" \
	    answers_as "$1" "$2" jmap "$T/conf/reload.conf"
	check "$1: SIGHUP: a domain the new configuration drops is 404" \
	    answers_as "$1" "$2" caldav "$T/conf/reload.conf"
	fails=$(log_count "$3" "reload failed")
	set_conf "$T/conf/broken.conf"
	kill -HUP "$rp"
	check "$1: SIGHUP with a broken configuration is logged" \
	    wait_log "$3" "reload failed" $((fails + 1))
	check "$1: SIGHUP with a broken configuration keeps the old one" \
	    answers_as "$1" "$2" tb-ac-addr "$T/conf/reload.conf"
	check "$1: ... and its Outlook answer" \
	    answers_as "$1" "$2" ad-ad "$T/conf/reload.conf"
	check "$1: the responder is still the same process" alive "$rp"
	set_conf "$T/conf/main.conf"
	kill -HUP "$rp"
	check "$1: SIGHUP back to the first configuration" \
	    answers_as "$1" "$2" ad-mobilesync "$T/conf/main.conf"
	# New workers for each good file; the old ones have exited.
	check "$1: after the reloads, $4 worker(s) again" is_responder "$3" "$4"
	check "$1: SIGTERM: the responder exits 0" term_responder "$3"
}

# term_responder NAME: SIGTERM to a responder the test started; it must
# exit 0 within 5 s.
term_responder() {
	kill -TERM "$(pidof_ "$1")"
	if ! ended "$1" 50; then
		echo "still running 5 s after SIGTERM"
		return 1
	fi
	tr_rc=$(cat "$T/pid/$1.rc")
	if [ "$tr_rc" != 0 ]; then
		echo "exit status $tr_rc; log:"
		cat "$T/log/$1.log"
		return 1
	fi
}

# ---- templating the contrib files ----

# tmpl FILE SOCKET PORT: FILE with the installed paths replaced by the
# temporary directory's, and port 80 by PORT (tmpl_ok then checks that
# nothing else was needed).
tmpl() {
	sed -e "s|/usr/local/sbin/mailautoconf|$bin|g" \
	    -e "s|\"/usr/local/sbin\"|\"$T/bin\"|g" \
	    -e "s|/etc/mailautoconf/mailautoconf.conf|$conf|g" \
	    -e "s|/run/lighttpd/mailautoconf.sock|$T/run/lighttpd.sock|g" \
	    -e "s|/run/mailautoconf.sock|$2|g" \
	    -e "s|^\([[:space:]]*listen\) 80;|\1 127.0.0.1:$3;|" "$1"
}

# tmpl_ok FILE: no installed path or port left outside comments.
tmpl_ok() {
	if grep -v '^[[:space:]]*#' "$1" | sed "s|$T/[^\" ;|]*||g" |
	    grep -E '/usr/local|/etc/mailautoconf|/run/|listen 80'; then
		echo "^ left in $1 after templating"
		return 1
	fi
}

# user_lines lighttpd|nginx|apache: the main configuration's user
# directives (none when not root).
user_lines() {
	[ -n "$WUSER" ] || return 0
	case $1 in
	lighttpd)
		printf 'server.username = "%s"\nserver.groupname = "%s"\n' \
		    "$WUSER" "$WGROUP" ;;
	nginx)	printf 'user %s %s;\n' "$WUSER" "$WGROUP" ;;
	apache)	printf 'User %s\nGroup %s\n' "$WUSER" "$WGROUP" ;;
	esac
}

# main_conf TEMPLATE OUT PORT NAME MODULES: a main configuration from
# tests/e2e/TEMPLATE.
main_conf() {
	user_lines "${1%%.*}" >"$T/userlines"
	printf '%s\n' "$5" >"$T/modlines"
	awk -v uf="$T/userlines" -v mf="$T/modlines" '
	$0 == "@USER@" { while ((getline l < uf) > 0) print l; next }
	$0 == "@MODULES@" { while ((getline l < mf) > 0) print l; next }
	{ print }' "$e2e/$1" |
	sed -e "s|@T@|$T|g" -e "s|@PORT@|$3|g" -e "s|@NAME@|$4|g" >"$2"
}

# ---- the set-ups ----

setup_failed() {
	notok "$1: $2" "$3"
}

# lighttpd starting the responder itself.
run_lighttpd() {
	s=lighttpd
	port=$(free_port)
	tmpl "$contrib/lighttpd/mailautoconf.conf" - "$port" \
	    >"$T/lighttpd/$s.conf"
	check "$s: contrib file templated for paths only" \
	    tmpl_ok "$T/lighttpd/$s.conf"
	main_conf lighttpd.conf.in "$T/lighttpd/$s-main.conf" "$port" "$s" ""
	if ! lighttpd -tt -f "$T/lighttpd/$s-main.conf" >"$T/why" 2>&1; then
		setup_failed "$s" "configuration test" "$T/why"
		return
	fi
	ok "$s: lighttpd -tt accepts the configuration"
	start_lighttpd "$s" "$port" || return
	A_REASON=server A_CLEN='' A_BIG='' A_STATUS=''
	run_requests "$s" "$port"
	np=$(sed -n 's/^[[:space:]]*"max-procs"[[:space:]]*=>[[:space:]]*\([0-9]*\).*/\1/p' \
	    "$T/lighttpd/$s.conf")
	check "$s: $np responders (max-procs) for the two conditions" \
	    responders "$s" "$np"
	check "$s: SIGTERM stops lighttpd and its responder" stop "$s"
	check "$s: lighttpd exits 0" exit0 "$s"
}

# start_lighttpd NAME PORT: lighttpd with $T/lighttpd/NAME-main.conf,
# answering on PORT; 1, reported as a failed set-up, when it does not.
start_lighttpd() {
	launch "$1" lighttpd -D -f "$T/lighttpd/$1-main.conf"
	wait_http "$2" && return 0
	setup_failed "$1" "lighttpd does not start" "$T/log/$1.log"
	return 1
}

# responders NAME COUNT: COUNT processes in NAME's group run the binary
# (lighttpd starts max-procs of them, each a single process), all as
# the unprivileged user when the test is root.
responders() {
	g=$(cat "$T/pid/$1.pg")
	group_list "$g" >"$T/group"
	nr=$(awk -v b="$bin" '$3 == b' "$T/group" | wc -l | tr -d ' ')
	if [ "$nr" -ne "$2" ]; then
		echo "$nr responders, want $2 (pid uid command):"
		cat "$T/group"
		return 1
	fi
	if [ -n "$WUSER" ] && awk -v b="$bin" -v u="$(id -u "$WUSER")" \
	    '$3 == b && $2 != u { f = 1 } END { exit !f }' "$T/group"; then
		echo "not all as $WUSER (pid uid command):"
		cat "$T/group"
		return 1
	fi
}

exit0() {
	if [ "$(cat "$T/pid/$1.rc" 2>/dev/null)" != 0 ]; then
		echo "exit status '$(cat "$T/pid/$1.rc" 2>/dev/null)'; log:"
		tail -n 20 "$T/log/$1.log"
		return 1
	fi
}

# spawn-fcgi (with the contrib script) behind lighttpd's socket variant.
run_spawn_fcgi() {
	s=spawn-fcgi
	sock=$T/run/spawn.sock
	port=$(free_port)
	if [ -n "$WUSER" ]; then
		set -- SOCKET_USER="$WUSER" SOCKET_GROUP="$WGROUP" \
		    RUN_USER="$WUSER" RUN_GROUP="$WGROUP"
	else
		set -- SOCKET_USER= SOCKET_GROUP= RUN_USER= RUN_GROUP=
	fi
	launch "$s-responder" env MAILAUTOCONF="$bin" \
	    MAILAUTOCONF_CONF="$conf" SOCKET="$sock" "$@" \
	    sh "$contrib/spawn-fcgi/mailautoconf-spawn-fcgi.sh"
	if ! wait_sock "$sock"; then
		setup_failed "$s" "no socket from spawn-fcgi" \
		    "$T/log/$s-responder.log"
		return
	fi
	# The script passes -w 0 (WORKERS): one worker per CPU.
	check "$s: the responder runs as the spawn-fcgi process, one worker per CPU" \
	    is_responder "$s-responder" "$(ncpu)"
	socket_lighttpd "$s" "$sock" "$port" || return
	A_REASON=server A_CLEN='' A_BIG='' A_STATUS=''
	run_requests "$s" "$port"
	reload_checks "$s" "$port" "$s-responder" "$(ncpu)"
	check "$s: SIGTERM stops lighttpd" stop "$s"
	check "$s: lighttpd exits 0" exit0 "$s"
	check "$s: the spawn-fcgi script refuses a broken configuration" \
	    spawn_broken
}

# is_responder NAME [WORKERS]: NAME's pid runs the binary, and as the
# unprivileged user when the test is root; so do its children (the
# worker processes), and there are WORKERS of them within 5 s when
# WORKERS is given (1: a single process, no children).
is_responder() {
	ip=$(pidof_ "$1")
	runs_bin "$ip" || return 1
	iw=0
	while :; do
		ik=$(children "$ip")
		ikn=$(echo $ik | wc -w | tr -d ' ')
		# A single process has no children; N > 1 workers are N.
		case ${2:-any} in
		any)	break ;;
		1)	[ "$ikn" = 0 ] && break ;;
		*)	[ "$ikn" = "$2" ] && break ;;
		esac
		iw=$((iw + 1))
		if [ $iw -gt 50 ]; then
			echo "$ikn worker processes, want ${2:-}" \
			    "(pid uid command):"
			proc_line "$ip"
			for k in $ik; do
				proc_line "$k"
			done
			return 1
		fi
		sleep 0.1
	done
	for k in $ik; do
		runs_bin "$k" || return 1
	done
}

# runs_bin PID: PID runs the binary, as the unprivileged user when the
# test is root.
runs_bin() {
	# shellcheck disable=SC2046
	set -- $(proc_line "$1")
	if [ "${3:-}" != "$bin" ]; then
		echo "pid ${1:-?} runs: $*"
		return 1
	fi
	if [ -n "$WUSER" ] && [ "$2" != "$(id -u "$WUSER")" ]; then
		echo "pid $1 runs as uid $2, not $WUSER"
		return 1
	fi
}

# ncpu: the workers -w 0 (and -s without -w) starts, one per online
# CPU; "1" means a single process.
ncpu() {
	getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1
}

# spawn_broken: the contrib script exits 78 before taking the socket.
spawn_broken() {
	env MAILAUTOCONF="$bin" MAILAUTOCONF_CONF="$T/conf/broken.conf" \
	    SOCKET="$T/run/broken.sock" SOCKET_USER= SOCKET_GROUP= \
	    RUN_USER= RUN_GROUP= timeout 10 \
	    sh "$contrib/spawn-fcgi/mailautoconf-spawn-fcgi.sh" \
	    >"$T/spawn-broken.out" 2>&1
	sb=$?
	if [ $sb -ne 78 ] || [ -e "$T/run/broken.sock" ]; then
		echo "exit status $sb (want 78), socket left: " \
		    "$([ -e "$T/run/broken.sock" ] && echo yes || echo no)"
		cat "$T/spawn-broken.out"
		return 1
	fi
}

# run_apache SETUP MODE MODULES: one Apache with
# contrib/apache/mailautoconf-MODE.conf.
run_apache() {
	s=$1
	shift
	port=$(free_port)
	sock=$T/run/proxy.sock
	tmpl "$contrib/apache/mailautoconf-$1.conf" "$sock" "$port" \
	    >"$T/apache/contrib.conf"
	check "$s: contrib file templated for paths only" \
	    tmpl_ok "$T/apache/contrib.conf"
	main_conf apache.conf.in "$T/apache/httpd.conf" "$port" "$s" "$2"
	# The main configuration writes its pid, logs and sockets under
	# $T/apache; one Apache at a time.
	rm -f "$T/apache/httpd.pid"
	if ! apache2 -f "$T/apache/httpd.conf" -t >"$T/why" 2>&1; then
		setup_failed "$s" "apache2 -t" "$T/why"
		return
	fi
	ok "$s: apache2 -t accepts the configuration"
	launch "$s" apache2 -f "$T/apache/httpd.conf" -D FOREGROUND
	if ! wait_http "$port"; then
		setup_failed "$s" "Apache does not start" \
		    "$T/apache/error.log"
		return
	fi
	run_requests "$s" "$port"
	[ -z "$APACHE_MORE" ] || "$APACHE_MORE" "$s" "$port"
	check "$s: SIGTERM stops Apache and all it started" stop "$s"
	check "$s: Apache exits 0" exit0 "$s"
	cp "$T/apache/error.log" "$T/log/$s-error.log"
	: >"$T/apache/error.log"
}

# APACHE_MORE: a function run_apache calls with the set-up's name and
# port after the requests, while Apache runs.
APACHE_MORE=

run_apache_fcgid() {
	A_REASON='' A_CLEN='' A_BIG=server A_STATUS=ad-413-chunked=500
	APACHE_MORE=fcgid_load
	run_apache apache-fcgid fcgid "LoadModule fcgid_module $APACHE_MODS/mod_fcgid.so
FcgidIPCDir $T/apache/fcgid
FcgidProcessTableFile $T/apache/fcgid_shm"
	APACHE_MORE=
}

# fcgid_load SETUP PORT: more requests at once than the responders
# mod_fcgid may start (FcgidMaxProcessesPerClass): the others wait for
# one, none is refused.
fcgid_load() {
	load_plan tb-ac-addr ad-ad tb-404-host
	check_shown "$1: 2,000 requests 16 at a time, every answer the CGI's" \
	    load "$2" 2000 16 10
	check_shown "$1: at most FcgidMaxProcessesPerClass responders" \
	    fcgid_max "$1"
}

# fcgid_max SETUP: no more responders in Apache's group than the
# contrib file's FcgidMaxProcessesPerClass.
fcgid_max() {
	fm=$(sed -n 's/^FcgidMaxProcessesPerClass[[:space:]]*//p' \
	    "$T/apache/contrib.conf")
	group_list "$(cat "$T/pid/$1.pg")" >"$T/group"
	fn=$(awk -v b="$bin" '$3 == b' "$T/group" | wc -l | tr -d ' ')
	echo "$fn responders, FcgidMaxProcessesPerClass $fm"
	[ -n "$fm" ] && [ "$fn" -ge 1 ] && [ "$fn" -le "$fm" ]
}

run_apache_cgi() {
	A_REASON='' A_CLEN=framed A_BIG='' A_STATUS=''
	run_apache apache-cgi cgi "LoadModule cgid_module $APACHE_MODS/mod_cgid.so
ScriptSock $T/apache/cgid.sock"
}

# mod_proxy_fcgi to the responder listening on its own socket.
run_apache_proxy() {
	sock=$T/run/proxy.sock
	if [ -n "$WUSER" ]; then
		set -- -u "$WUSER"
	else
		set --
	fi
	launch apache-proxy-responder "$bin" -c "$conf" "$@" \
	    -s "unix:$sock"
	if ! wait_sock "$sock"; then
		setup_failed apache-proxy "no socket from -s" \
		    "$T/log/apache-proxy-responder.log"
		return
	fi
	check "apache-proxy: the responder (-s) dropped to the server user, one worker per CPU" \
	    is_responder apache-proxy-responder "$(ncpu)"
	A_REASON='' A_CLEN=framed A_BIG='' A_STATUS=''
	APACHE_MORE=proxy_slow_checks
	run_apache apache-proxy proxy-fcgi "LoadModule proxy_module $APACHE_MODS/mod_proxy.so
LoadModule proxy_fcgi_module $APACHE_MODS/mod_proxy_fcgi.so"
	APACHE_MORE=
	if [ -s "$T/pid/apache-proxy-w1" ]; then
		check "apache-proxy: SIGTERM: the one-worker responder exits 0" \
		    term_responder apache-proxy-w1
	fi
}

# start_responder NAME SOCKET OPTION...: the binary listening itself on
# the Unix socket SOCKET (-s), dropping to the unprivileged user when
# root; 1 when the socket does not come.
start_responder() {
	srn=$1
	srs=$2
	shift 2
	[ -n "$WUSER" ] && set -- -u "$WUSER" "$@"
	# No earlier socket there: wait_sock waits for this one.
	rm -f "$srs"
	launch "$srn" "$bin" -c "$conf" "$@" -s "unix:$srs"
	wait_sock "$srs"
}

# proxy_slow_checks SETUP PORT: slow POST bodies through Apache, which
# passes a body on to the responder as it comes in.  The responder
# (started with -s, default workers) is replaced by one with a single
# worker (-w 1): a slow client must not hold up the other connections
# of the same worker, whatever the number of workers.
proxy_slow_checks() {
	check "$1: SIGTERM: the responder exits 0" \
	    term_responder apache-proxy-responder
	if ! start_responder apache-proxy-w1 "$T/run/proxy.sock" -w 1; then
		setup_failed "$1" "no socket from -s with -w 1" \
		    "$T/log/apache-proxy-w1.log"
		return
	fi
	check "$1: -w 1 is a single process" is_responder apache-proxy-w1 1
	check_shown "$1: a GET while a POST body trickles in takes at most 0.1 s more" \
	    slow_get "$2"
	check_shown "$1: 24 GETs, a slow POST starting every ~2 s: each answered within 1 s" \
	    slow_gets "$2"
}

# timed_get PORT NAME OUT: the GET NAME of the request table through the
# server (2 s at most); prints the seconds it took, or says why the
# answer is not the CGI's (status and body) and returns 1.
timed_get() {
	tl=$(requests | awk -v n="$2" '$1 == n')
	# shellcheck disable=SC2086
	set -- "$1" "$2" "$3" $tl
	# $4 NAME $5 METHOD $6 HOST $7 URI
	curl -s -S --path-as-is --max-time 2 -H "Host: $6" -o "$3.body" \
	    -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$1$7" \
	    >"$3.w" 2>"$3.err"
	tc=$?
	read -r tstatus tsecs <"$3.w"
	if [ $tc -ne 0 ]; then
		echo "GET $6$7: curl exit $tc after $tsecs s: $(cat "$3.err")"
		return 1
	fi
	if [ "$tstatus" != "$(field "$T/ref/$2.h" status)" ] ||
	    ! cmp -s "$3.body" "$T/ref/$2.b"; then
		echo "GET $6$7: status $tstatus after $tsecs s, not the" \
		    "CGI's answer (status $(field "$T/ref/$2.h" status)); body:"
		head -c 300 "$3.body"
		echo
		return 1
	fi
	echo "$tsecs"
}

# slow_post NAME PORT: a POST of pad400 to Autodiscover through the
# server, its body sent one byte every 0.5 s (200 s in all), in the
# background as NAME; its log gets the answer's status line, if any.
slow_post() {
	launch "$1" python3 "$e2e/httpload.py" slow "$2" \
	    autodiscover.example.com /autodiscover/autodiscover.xml \
	    "$T/body/pad400" 0.5
}

# slow_get PORT: the median of 5 GETs while a slow POST is under way is
# at most 0.1 s above the median of 5 without (every one answered as
# the CGI answers, within 2 s).
slow_get() {
	: >"$T/sg-base.t"
	for i in 1 2 3 4 5; do
		t=$(timed_get "$1" tb-ac-addr "$T/sg-base") || {
			echo "without a slow POST: $t"
			return 1
		}
		echo "$t" >>"$T/sg-base.t"
	done
	slow_post slowpost-a "$1"
	# Apache has passed the headers and the first bytes on by then.
	sleep 1
	: >"$T/sg-during.t"
	sg_rc=0
	for i in 1 2 3 4 5; do
		if ! t=$(timed_get "$1" tb-ac-addr "$T/sg-during"); then
			echo "while a POST body trickles in: $t"
			sg_rc=1
			break
		fi
		echo "$t" >>"$T/sg-during.t"
	done
	if [ -s "$T/log/slowpost-a.log" ]; then
		echo "the slow POST was answered before the GETs were" \
		    "(so they show nothing): $(cat "$T/log/slowpost-a.log")"
		sg_rc=1
	fi
	stop slowpost-a >/dev/null
	[ $sg_rc -eq 0 ] || return 1
	base=$(sort -n "$T/sg-base.t" | sed -n 3p)
	during=$(sort -n "$T/sg-during.t" | sed -n 3p)
	echo "GET without a slow POST: $(tr '\n' ' ' <"$T/sg-base.t")(median $base s)"
	echo "GET with a slow POST:    $(tr '\n' ' ' <"$T/sg-during.t")(median $during s)"
	awk -v a="$base" -v b="$during" 'BEGIN { exit !(b <= a + 0.1) }' &&
	    return 0
	echo "more than 0.1 s slower"
	return 1
}

# slow_gets PORT: 24 GETs 0.2 s apart, a slow POST started before the
# 1st, 9th and 17th; every answer the CGI's within 1 s.  Stops after
# 3 late or wrong answers.
slow_gets() {
	: >"$T/sgs.t"
	n=0
	late=0
	while [ $n -lt 24 ] && [ $late -lt 3 ]; do
		case $n in
		0|8|16)	slow_post "slowpost-$n" "$1" ;;
		esac
		n=$((n + 1))
		if ! t=$(timed_get "$1" tb-ac-addr "$T/sgs"); then
			echo "GET $n: $t"
			late=$((late + 1))
		elif ! awk -v t="$t" 'BEGIN { exit !(t <= 1) }'; then
			echo "GET $n: answered after $t s"
			late=$((late + 1))
		else
			echo "$t" >>"$T/sgs.t"
		fi
		sleep 0.2
	done
	for p in 0 8 16; do
		[ -s "$T/pid/slowpost-$p" ] && stop "slowpost-$p" >/dev/null
	done
	[ $late -eq 0 ] || return 1
	echo "24 GETs, slowest $(sort -n "$T/sgs.t" | tail -n 1) s"
}

# unit_value FILE KEY: the value of KEY= in a unit file.
unit_value() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# systemd socket activation with the contrib units, behind nginx.
run_systemd() {
	s=systemd
	port=$(free_port)
	sock=$T/run/systemd.sock
	for u in mailautoconf.socket mailautoconf.service; do
		tmpl "$contrib/systemd/$u" "$sock" "$port" >"$T/systemd/$u"
		check "$s: $u templated for paths only" tmpl_ok "$T/systemd/$u"
	done
	if command -v systemd-analyze >/dev/null 2>&1; then
		check "$s: systemd-analyze verify accepts the units" \
		    systemd-analyze verify --man=no \
		    "$T/systemd/mailautoconf.socket" \
		    "$T/systemd/mailautoconf.service"
	fi
	listen=$(unit_value "$T/systemd/mailautoconf.socket" ListenStream)
	mode=$(unit_value "$T/systemd/mailautoconf.socket" SocketMode)
	pre=$(unit_value "$T/systemd/mailautoconf.service" ExecStartPre)
	start=$(unit_value "$T/systemd/mailautoconf.service" ExecStart)
	noretry=$(unit_value "$T/systemd/mailautoconf.service" \
	    RestartPreventExitStatus)
	check "$s: the socket unit listens on the templated path" \
	    test "$listen" = "$sock"
	# ExecStartPre= (the -t check) passes, and fails with the code
	# RestartPreventExitStatus= names on a broken file.
	check "$s: ExecStartPre= passes with the configuration" \
	    as_user $pre
	set_conf "$T/conf/broken.conf"
	as_user $pre >"$T/pre.out" 2>&1
	pre_rc=$?
	check "$s: ExecStartPre= exits $noretry (RestartPreventExitStatus=) on a broken file" \
	    test "$pre_rc" = "$noretry"
	# The service itself started on a broken file exits the same way.
	# shellcheck disable=SC2046,SC2086
	launch "$s-broken" systemd-socket-activate -l "$sock" -- \
	    $(runas_words) $start
	wait_sock "$sock"
	curl -s --max-time 2 --unix-socket "$sock" -o /dev/null \
	    http://localhost/ 2>/dev/null
	if ended "$s-broken" 50 &&
	    [ "$(cat "$T/pid/$s-broken.rc")" = "$noretry" ]; then
		ok "$s: ExecStart= exits $noretry on a broken file"
	else
		notok "$s: ExecStart= exits $noretry on a broken file" \
		    "$T/log/$s-broken.log"
		stop "$s-broken" >/dev/null
	fi
	rm -f "$sock"
	set_conf "$T/conf/main.conf"
	# The real start: systemd-socket-activate plays systemd, setpriv
	# plays the unit's user (DynamicUser=), chown and chmod play
	# SocketUser=/SocketGroup=/SocketMode= for the test's web user.
	# shellcheck disable=SC2046,SC2086
	launch "$s-responder" systemd-socket-activate -l "$sock" -- \
	    $(runas_words) $start
	if ! wait_sock "$sock"; then
		setup_failed "$s" "no socket" "$T/log/$s-responder.log"
		return
	fi
	[ -n "$WUSER" ] && chown "$WUSER:$WGROUP" "$sock"
	chmod "$mode" "$sock"
	for f in mailautoconf.conf mailautoconf-locations.conf; do
		tmpl "$contrib/nginx/$f" "$sock" "$port" >"$T/nginx/$f"
		check "$s: nginx $f templated for paths and port only" \
		    tmpl_ok "$T/nginx/$f"
	done
	cp /etc/nginx/fastcgi_params "$T/nginx/fastcgi_params"
	main_conf nginx.conf.in "$T/nginx/nginx.conf" "$port" nginx ""
	if ! nginx -t -q -e "$T/nginx/error.log" -p "$T/nginx" \
	    -c "$T/nginx/nginx.conf" >"$T/why" 2>&1; then
		setup_failed nginx "nginx -t" "$T/why"
		return
	fi
	ok "nginx: nginx -t accepts the configuration"
	launch nginx nginx -e "$T/nginx/error.log" -p "$T/nginx" \
	    -c "$T/nginx/nginx.conf" -g 'daemon off;'
	if ! wait_http "$port"; then
		setup_failed nginx "nginx does not start" "$T/nginx/error.log"
		return
	fi
	A_REASON='' A_CLEN='' A_BIG=server A_STATUS=''
	run_requests "$s+nginx" "$port"
	# shellcheck disable=SC2086
	check "$s: the socket-activated responder runs as the unit's user, $(start_workers $start) worker(s)" \
	    is_responder "$s-responder" "$(start_workers $start)"
	# shellcheck disable=SC2086
	reload_checks "$s+nginx" "$port" "$s-responder" "$(start_workers $start)"
	check "nginx: SIGTERM stops nginx" stop nginx
	check "nginx: nginx exits 0" exit0 nginx
}

# ---- load ----

# load_plan NAME...: $T/plan, the requests NAME of the table for
# httpload.py, each with the status and body the CGI answered.
load_plan() {
	for lpn in "$@"; do
		requests | awk -v n="$lpn" '$1 == n' | {
			read -r _ m h u b _
			[ "$b" = - ] || b=$T/body/$b
			echo "$m $h $u $b $(field "$T/ref/$lpn.h" status)" \
			    "$T/ref/$lpn.b"
		}
	done >"$T/plan"
}

# load PORT N C MAXTIME: N requests of $T/plan, C at a time, through the
# server: every answer the CGI's, within MAXTIME seconds.
load() {
	python3 "$e2e/httpload.py" load "$1" "$T/plan" "$2" "$3" "$4" 2>&1
}

# load_hup PORT NAME: load PORT 20000 50 5 with a SIGHUP to the
# responder NAME every 0.25 s: the workers of the old configuration
# leave (closing their idle kept connections), new ones take over, and
# no request may be lost between them.
load_hup() {
	python3 "$e2e/httpload.py" load "$1" "$T/plan" 20000 50 5 \
	    >"$T/load-hup.out" 2>&1 &
	lh=$!
	lh_n=0
	while alive "$lh"; do
		sleep 0.25
		kill -HUP "$(pidof_ "$2")"
		lh_n=$((lh_n + 1))
	done
	wait "$lh"
	lh_rc=$?
	echo "$lh_n SIGHUPs"
	cat "$T/load-hup.out"
	return $lh_rc
}

# pinned PORT: 3 requests at once, five times 0.5 s apart, each answered
# within 1 s.  With idle kept connections to every responder process, a
# responder that served one connection at a time left the third request
# waiting for nginx's fastcgi_read_timeout (60 s, then 504).
pinned() {
	for i in 1 2 3 4 5; do
		echo "round $i:"
		load "$1" 3 3 1 || return 1
		sleep 0.5
	done
}

# check_shown NAME COMMAND...: check, and the output (timings) shown as
# comment lines when it passes.
check_shown() {
	cs_fail=$fail
	check "$@"
	[ "$fail" = "$cs_fail" ] && sed 's/^/#   /' "$T/why"
	return 0
}

# nginx with contrib/nginx/mailautoconf-keepalive.conf (keepalive 8,
# then 64) in front of a responder with two workers (-w 2).
run_nginx_keepalive() {
	s=nginx-keepalive
	sock=$T/run/keepalive.sock
	if ! start_responder "$s-responder" "$sock" -w 2; then
		setup_failed "$s" "no socket from -s with -w 2" \
		    "$T/log/$s-responder.log"
		return
	fi
	check "$s: the responder runs two workers (-w 2)" \
	    is_responder "$s-responder" 2
	load_plan tb-ac-addr ad-ad tb-404-host
	for ka in 8 64; do
		ng=nginx-ka$ka
		port=$(free_port)
		tmpl "$contrib/nginx/mailautoconf-keepalive.conf" "$sock" \
		    "$port" | sed "s/^\([[:space:]]*keepalive\) 16;/\1 $ka;/" \
		    >"$T/$ng/mailautoconf.conf"
		check "$ng: contrib file templated for paths, port and keepalive only" \
		    tmpl_ka "$T/$ng/mailautoconf.conf" "$ka"
		tmpl "$contrib/nginx/mailautoconf-locations.conf" "$sock" \
		    "$port" >"$T/$ng/mailautoconf-locations.conf"
		cp /etc/nginx/fastcgi_params "$T/$ng/fastcgi_params"
		main_conf nginx.conf.in "$T/$ng/nginx.conf" "$port" "$ng" ""
		if ! nginx -t -q -e "$T/$ng/error.log" -p "$T/$ng" \
		    -c "$T/$ng/nginx.conf" >"$T/why" 2>&1; then
			setup_failed "$ng" "nginx -t" "$T/why"
			continue
		fi
		launch "$ng" nginx -e "$T/$ng/error.log" -p "$T/$ng" \
		    -c "$T/$ng/nginx.conf" -g 'daemon off;'
		if ! wait_http "$port"; then
			setup_failed "$ng" "nginx does not start" \
			    "$T/$ng/error.log"
			continue
		fi
		if [ $ka = 8 ]; then
			# First, on a fresh nginx: 3 at once on 2 workers.
			cs_fail=$fail
			check_shown "$ng: 3 requests at once, 2 workers, idle kept connections: each answered within 1 s" \
			    pinned "$port"
			if [ "$fail" != "$cs_fail" ]; then
				# The rest would wait for timeouts.
				skipped "$ng: the other checks" "the responder is stuck"
				stop "$ng" >/dev/null
				continue
			fi
			A_REASON='' A_CLEN='' A_BIG=server A_STATUS=''
			run_requests "$ng" "$port"
		fi
		check_shown "$ng: 10,000 requests one at a time, every answer the CGI's" \
		    load "$port" 10000 1 5
		check_shown "$ng: 10,000 requests 50 at a time, every answer the CGI's" \
		    load "$port" 10000 50 5
		check_shown "$ng: 20,000 requests 50 at a time, SIGHUP every 0.25 s, every answer the CGI's" \
		    load_hup "$port" "$s-responder"
		check "$ng: SIGTERM stops nginx" stop "$ng"
		check "$ng: nginx exits 0" exit0 "$ng"
	done
	check "$s: no worker died" no_restart "$s-responder"
	check "$s: SIGTERM: the responder exits 0" \
	    term_responder "$s-responder"
}

# no_restart NAME: the log of NAME tells of no worker started again.
no_restart() {
	if grep -q "starting another" "$T/log/$1.log"; then
		grep "starting another" "$T/log/$1.log"
		return 1
	fi
}

# tmpl_ka FILE N: tmpl_ok, and the keepalive is N.
tmpl_ka() {
	tmpl_ok "$1" || return 1
	if ! grep -q "^[[:space:]]*keepalive $2;" "$1"; then
		echo "no 'keepalive $2;' in $1:"
		grep -n keepalive "$1"
		return 1
	fi
}

# socket_lighttpd NAME SOCKET PORT: lighttpd with
# contrib/lighttpd/mailautoconf-socket.conf (templated for SOCKET and
# PORT) in front of a responder already on SOCKET; 1 when it does not
# start.
socket_lighttpd() {
	tmpl "$contrib/lighttpd/mailautoconf-socket.conf" "$2" "$3" \
	    >"$T/lighttpd/$1.conf"
	check "$1: contrib file templated for paths only" \
	    tmpl_ok "$T/lighttpd/$1.conf"
	main_conf lighttpd.conf.in "$T/lighttpd/$1-main.conf" "$3" "$1" ""
	start_lighttpd "$1" "$3"
}

# lighttpd with contrib/lighttpd/mailautoconf-socket.conf in front of a
# responder listening itself (-s: default workers and listen queue).
run_lighttpd_load() {
	s=lighttpd-load
	sock=$T/run/load.sock
	port=$(free_port)
	if ! start_responder "$s-responder" "$sock"; then
		setup_failed "$s" "no socket from -s" "$T/log/$s-responder.log"
		return
	fi
	socket_lighttpd "$s" "$sock" "$port" || return
	load_plan tb-ac-addr ad-ad tb-404-host
	check_shown "$s: 5,000 requests 300 at a time, every answer the CGI's (none refused)" \
	    load "$port" 5000 300 10
	check "$s: SIGTERM stops lighttpd" stop "$s"
	check "$s: lighttpd exits 0" exit0 "$s"
	check "$s: SIGTERM: the responder exits 0" \
	    term_responder "$s-responder"
}

# start_workers WORD...: the worker processes a command line asks for
# (-w N, 0 meaning one per CPU); 1 without -w (a socket on fd 0).
start_workers() {
	sw=1
	while [ $# -gt 0 ]; do
		case $1 in
		-w)	sw=${2:-1}; shift ;;
		-w*)	sw=${1#-w} ;;
		esac
		shift
	done
	[ "$sw" = 0 ] && sw=$(ncpu)
	echo "$sw"
}

# runas_words: setpriv to the unprivileged user when root (a unit's
# User=/DynamicUser=), nothing otherwise.
runas_words() {
	[ -n "$WUSER" ] && echo "setpriv --reuid=$WUSER --regid=$WGROUP" \
	    "--clear-groups"
}

# ---- main ----

make_bodies
make_refs >"$T/refs.err" 2>&1
if [ -s "$T/refs.err" ]; then
	notok "setup: CGI answers for every request" "$T/refs.err"
	finish
fi
ok "setup: $(requests | wc -l | tr -d ' ') requests answered as a CGI"
check "setup: hosted: the CGI answers the hoster's servers for user@customer.example" \
    hosted_content "$T/ref"

# E2E_ONLY="lighttpd apache_cgi ..." runs only those set-ups (debugging).
for setup in lighttpd spawn_fcgi apache_fcgid apache_proxy apache_cgi \
    systemd nginx_keepalive lighttpd_load; do
	case " ${E2E_ONLY:-$setup} " in
	*" $setup "*)	"run_$setup" ;;
	esac
done

left=$(strays)
if [ -n "$left" ]; then
	for p in $left; do
		proc_line "$p"
	done >"$T/why"
	notok "every process started has ended" "$T/why"
else
	ok "every process started has ended"
fi
finish
