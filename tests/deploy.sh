#!/bin/sh
# tests/deploy.sh BINARY: "mailautoconf --check" (SPEC section 12,
# mailautoconf(8)) against real servers on this machine, each set up
# right or with one known fault.
#
# The set-up, every server a process from Debian's packages, started by
# this test with its own files in a temporary directory:
#   CA        a test CA made with openssl now; certificates for the right
#             names (good), for another name (wrong), one that expired
#             yesterday (expired) and one that expires in 5 days (soon)
#   DNS       nsd, authoritative for test., its zone built from
#             "BINARY --dns" for tests/deploy/main.conf.in, A records
#             127.0.0.1, and the faults: a missing SRV record, a wrong
#             one, a missing autoconfig. name, an SRV record for a
#             service not offered (tests/deploy/nsd.conf.in)
#   web       nginx with TLS by SNI in front of two FastCGI responders
#             (BINARY -s unix:...): "main" answers with the configuration
#             the checks use, "other" with one that differs for
#             other.test; one domain each with the wrong, the expired and
#             the soon expiring certificate, one whose names answer 404
#             (tests/deploy/nginx.conf.in)
#   mail      four dovecots (tests/deploy/dovecot.conf.in): "good"
#             (IMAP, POP3 and submission, each with STARTTLS and with
#             implicit TLS, PLAIN and LOGIN), "nossl" (STARTTLS not
#             offered), "cram" (CRAM-MD5 only, inside TLS too), "expired"
#             (an expired certificate)
#   peers     tests/deploy/peer.py: a peer that accepts and never
#             answers, and hostile ones (lines without end, lines without
#             CR, 10,000 capabilities, random bytes for TLS, a byte a
#             second, a close right after accept, HTTP answers with a
#             huge header, an endless chunked body or a false
#             Content-Length); a closed port
# The set-up is checked on its own first (tests/deploy/probe.py plays
# the client: DNS answers, capabilities before and after TLS, the
# certificates; curl through nginx), so that a fault the checks must
# find is known to be there.  Then the checks of BINARY --check, each
# run with --resolver (the nsd), --ca (the test CA), the front end's
# ports and -T 2; what their output must say is in expectations() below,
# as grep -E patterns on the stable parts of a line.
#
# Everything listens on 127.0.0.1 (free ports picked at run time) or on
# Unix sockets in the temporary directory, and every name is under
# .test, so no query or connection leaves the machine.  Every process
# started is stopped on exit, also on failure.  Run as root (CI), the
# responders and nginx's workers drop to nobody.  DEPLOY_KEEP=1 keeps
# the directory; DEPLOY_TRANSCRIPTS=1 shows the mail servers' dialogues.
# Output: "ok - ..." / "not ok - ..." lines, then "deploy: N passed, N
# failed"; exit status 1 on any failure.

# Functions run through check "$@".
# shellcheck disable=SC2317
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: sh tests/deploy.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
dep=$top/tests/deploy
PATH=$PATH:/usr/sbin:/sbin
export PATH

ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null

WHY_LINES=60
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

# The per-connection timeout of every check run (-T), and how much
# longer than it a run may take: a peer that never answers (case l), a
# hostile peer (case p).  A run with 1000 domains on working servers
# (case q) takes at most MANY_SECS.  Hostile runs go HOSTILE_PAR at a
# time.
TO=2
SILENT_SLACK_MS=1500
HOSTILE_SLACK_MS=2000
MANY_SECS=10
HOSTILE_PAR=${DEPLOY_PAR:-4}

# ---- what the output of --check must say ----
#
# Text output: one line per check, "STATUS SUBJECT ...", STATUS "ok",
# "warn" or "FAIL" padded to 4 and followed by a blank; the last line
# "N checks: X ok, Y warn, Z FAIL".  Domain checks:
#   STATUS DOMAIN KIND WHAT: DETAIL         (KIND dns, https or http)
# Mail server checks:
#   STATUS HOST:PORT PROTO SOCKET ASPECT: DETAIL (DOMAIN[, +N more])
# The patterns below match only the stable parts: the status, the
# subject, the kind or aspect and one key word.  They are set once the
# ports are known.

# mail_re STATUS HOST PORT PROTO SOCKET ASPECT WORDS: a mail server line.
mail_re() {
	printf '^%s +%s:%s %s %s %s: .*%s' "$1" "$(re_esc "$2")" "$3" "$4" \
	    "$5" "$6" "$7"
}

re_esc() {
	printf '%s' "$1" | sed 's/\./\\./g'
}

# The ports are set by eval (PORTS).
# shellcheck disable=SC2153
expectations() {
	# URLs carry the port when it is not the scheme's.
	U='(:[0-9]+)?'
	X_SUMMARY='^[0-9]+ checks: [0-9]+ ok, [0-9]+ warn, [0-9]+ FAIL$'
	X_CLEAN='^[0-9]+ checks: [0-9]+ ok, 0 warn, 0 FAIL$'
	X_OK='^ok +'
	# (a) good.test: some of the lines that must be there (all "ok").
	X_GOOD="^ok +good\.test dns autoconfig\.good\.test: .*127\.0\.0\.1
^ok +good\.test dns autodiscover\.good\.test: .*127\.0\.0\.1
^ok +good\.test dns _imaps\._tcp\.good\.test SRV: .*$G_IMAPS imap\.good\.test\.
^ok +good\.test dns _submission\._tcp\.good\.test SRV: .*$G_SUB smtp\.good\.test\.
^ok +good\.test dns imap\.good\.test: .*127\.0\.0\.1
^ok +good\.test https https://autoconfig\.good\.test$U/mail/config-v1\.1\.xml
^ok +good\.test https https://good\.test$U/\.well-known/autoconfig/mail/config-v1\.1\.xml
^ok +good\.test https https://autodiscover\.good\.test$U/autodiscover/autodiscover\.xml
$(mail_re ok imap.good.test "$G_IMAPS" imap SSL certificate '')
$(mail_re ok imap.good.test "$G_IMAPS" imap SSL auth '')
$(mail_re ok imap.good.test "$G_IMAP" imap STARTTLS auth '')
$(mail_re ok pop.good.test "$G_POP3S" pop3 SSL auth '')
$(mail_re ok pop.good.test "$G_POP3" pop3 STARTTLS auth '')
$(mail_re ok smtp.good.test "$G_SUBS" smtp SSL auth '')
$(mail_re ok smtp.good.test "$G_SUB" smtp STARTTLS auth '')"
	# (b) a missing SRV record
	X_MISSING_SRV='^warn +nosrv\.test dns _submission\._tcp\.nosrv\.test SRV: .*not published'
	# (c) a wrong SRV record
	X_WRONG_SRV='^FAIL +wrongsrv\.test dns _submission\._tcp\.wrongsrv\.test SRV: .*published'
	# (d) autoconfig.D does not resolve
	X_NO_AC='^FAIL +noac\.test dns autoconfig\.noac\.test: .*resolve'
	# (e) an SRV record for a service the configuration does not offer
	X_EXTRA_SRV='^warn +extrasrv\.test dns _pop3s\._tcp\.extrasrv\.test SRV: .*(published|offer)'
	# (f) a certificate for another name
	X_WRONG_CERT="^FAIL +wrongcert\.test https https://autoconfig\.wrongcert\.test$U/.*certificate.*(hostname|name)"
	X_MAIL_WRONG_CERT=$(mail_re FAIL imap.mailwrong.test "$G_IMAPS" imap SSL certificate '(hostname|name)')
	# (g) an expired certificate
	X_EXPIRED="^FAIL +expired\.test https https://autoconfig\.expired\.test$U/.*certificate.*expired"
	X_MAIL_EXPIRED=$(mail_re FAIL imap.mailexp.test "$E_IMAPS" imap SSL certificate 'expired')
	# (h) a certificate that expires in 5 days (within --days 14)
	X_SOON="^warn +soon\.test https https://autoconfig\.soon\.test$U/.*(certificate|expires)"
	# (i) STARTTLS not offered
	X_NO_STARTTLS="$(mail_re FAIL imap.nostarttls.test "$N_IMAP" imap STARTTLS starttls 'not offered')
$(mail_re FAIL pop.nostarttls.test "$N_POP3" pop3 STARTTLS starttls 'not offered')
$(mail_re FAIL smtp.nostarttls.test "$N_SUB" smtp STARTTLS starttls 'not offered')"
	# (j) no PLAIN or LOGIN inside TLS.  dovecot with CRAM-MD5 alone
	# says LOGINDISABLED (IMAP) and AUTH CRAM-MD5 (SMTP); its POP3 CAPA
	# still lists USER beside "SASL CRAM-MD5", yet answers PASS with
	# "-ERR [AUTH] Unsupported authentication mechanism": the USER
	# command goes through PLAIN, so it is no password login either.
	X_NO_PLAIN="$(mail_re FAIL imap.noplain.test "$C_IMAPS" imap SSL auth 'PLAIN')
$(mail_re FAIL imap.noplain.test "$C_IMAP" imap STARTTLS auth 'PLAIN')
$(mail_re FAIL pop.noplain.test "$C_POP3S" pop3 SSL auth 'PLAIN')
$(mail_re FAIL pop.noplain.test "$C_POP3" pop3 STARTTLS auth 'PLAIN')
$(mail_re FAIL smtp.noplain.test "$C_SUBS" smtp SSL auth 'PLAIN')
$(mail_re FAIL smtp.noplain.test "$C_SUB" smtp STARTTLS auth 'PLAIN')"
	# (k) a closed port
	X_CLOSED=$(mail_re FAIL imap.closed.test "$P_CLOSED" imap SSL connect 'refused')
	# (l) a peer that accepts and never answers
	X_SILENT="^FAIL +imap\.silent\.test:$P_SILENT imap SSL (connect|tls): .*timed out"
	# (m) another configuration's answer
	X_DIFFERS="^FAIL +other\.test https https://autoconfig\.other\.test$U/.*differs
^FAIL +other\.test https https://autodiscover\.other\.test$U/autodiscover/autodiscover\.xml.*differs"
	# (n) 404
	X_404="^FAIL +gone\.test https https://autoconfig\.gone\.test$U/.*status 404
^FAIL +gone\.test https https://autodiscover\.gone\.test$U/autodiscover/autodiscover\.xml.*status 404"
	# The plain-HTTP Autodiscover check is information only.
	X_HTTP_FAIL='^FAIL +[^ ]+ http '
	# (o) --json: every line an object; these keys in each check.
	J_STATUS=status
	J_DOMAIN='domain domains'
	# (p) a hostile mail peer: a FAIL about it; a hostile front end: a
	# FAIL of an https check.
	X_HOSTILE_WEB='^FAIL +web\.hostile\.test https '
	X_SANITIZER='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|Sanitizer'
	# (q) one auth line per server however many domains use it; "+999
	# more" of the 1000 domains.
	X_MORE='\+999 more'
}

# hostile_re PORT: a FAIL line about the hostile peer on PORT.
hostile_re() {
	printf '^FAIL +peer\\.hostile\\.test:%s ' "$1"
}

# ---- what is needed ----

finish() {
	echo "deploy: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

missing=
for t in openssl nsd nsd-checkzone dovecot doveconf nginx python3 curl \
    setsid timeout; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -f /etc/nginx/fastcgi_params ] || missing="$missing fastcgi_params"
for t in imap-login pop3-login submission-login; do
	[ -x "/usr/lib/dovecot/$t" ] || missing="$missing $t"
done
T=
if [ ! -x "$bin" ] || [ -n "$missing" ]; then
	echo "not ok - setup: need $1 built and:$missing (Debian: apt-get" \
	    "install nsd dovecot-imapd dovecot-pop3d dovecot-submissiond" \
	    "nginx openssl python3 curl)"
	fail=1
	finish
fi

# ---- the temporary directory and the processes to stop ----

T=$(mktemp -d /tmp/mailautoconf-deploy.XXXXXX) || exit 1
# nginx's workers (nobody when root) reach the sockets in $T/run.
chmod 755 "$T"
mkdir "$T/pki" "$T/conf" "$T/run" "$T/log" "$T/pid" "$T/out" "$T/nsd" \
    "$T/nginx" "$T/dovecot" "$T/probe" "$T/body"
if [ "$(id -u)" -eq 0 ]; then
	WUSER=nobody
	WGROUP=$(id -gn nobody)
else
	WUSER=
	WGROUP=
fi

groups=


# group_gone PGID [TENTHS]: wait until no process of the group is left.
group_gone() {
	gi=0
	while group_alive "$1"; do
		[ "$gi" -ge "${2:-100}" ] && return 1
		sleep 0.1
		gi=$((gi + 1))
	done
}


# stop_all: SIGTERM to every group started, SIGKILL to what is left
# after 3 s; true when nothing was left.
stop_all() {
	sa=0
	for g in $groups; do
		group_alive "$g" && kill -TERM "-$g" 2>/dev/null
	done
	for g in $groups; do
		if ! group_gone "$g" 30; then
			echo "# group $g left after SIGTERM:"
			cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$g" '{
				s = $0
				sub(/^.*\) /, "", s)
				split(s, f, " ")
				if (f[3] == g && f[1] != "Z")
					print "#   " substr($0, 1, 60)
			}'
			kill -KILL "-$g" 2>/dev/null
			sa=1
		fi
	done
	for p in $(strays); do
		echo "# left: $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
		sa=1
	done
	return $sa
}

cleanup() {
	stop_all
	if [ -n "${DEPLOY_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- waiting ----


# wait_listen PORT...: until each port listens (10 s at most).
wait_listen() {
	for wp in "$@"; do
		wi=0
		while ! listening "$wp"; do
			wi=$((wi + 1))
			if [ "$wi" -gt 100 ]; then
				echo "nothing listens on 127.0.0.1:$wp"
				return 1
			fi
			sleep 0.1
		done
	done
}

# wait_file FILE: until FILE is there and not empty (10 s at most).
wait_file() {
	wi=0
	while [ ! -s "$1" ]; do
		wi=$((wi + 1))
		[ "$wi" -gt 100 ] && return 1
		sleep 0.1
	done
}

now_ms() {
	date +%s%3N
}

# ---- ports ----

P_DNS=$(free_port)
P_HTTPS=$(free_port)
P_HTTP=$(free_port)
# The dovecots' (good, nossl, cram, expired; RELAY: where their
# submission service would relay to, where nothing listens), a port
# nothing listens on, a peer that never answers.
PORTS="G_IMAP G_IMAPS G_POP3 G_POP3S G_SUB G_SUBS G_RELAY N_IMAP N_POP3
N_SUB N_RELAY C_IMAP C_IMAPS C_POP3 C_POP3S C_SUB C_SUBS C_RELAY E_IMAPS
E_SUBS E_RELAY P_CLOSED P_SILENT"
for v in $PORTS; do
	eval "$v=\$(free_port)"
done
expectations

# ---- the CA and the certificates ----

# issue NAME DAYS|START:END DNSNAME...: $T/pki/NAME.crt and .key, for
# the names, signed by the test CA; valid DAYS days from now, or from
# START to END (openssl ca dates, YYYYMMDDHHMMSSZ).
issue() {
	in=$1 iv=$2
	shift 2
	san=
	for n in "$@"; do
		san="$san${san:+,}DNS:$n"
	done
	printf '%s\n' 'basicConstraints = CA:FALSE' \
	    'keyUsage = critical, digitalSignature, keyEncipherment' \
	    'extendedKeyUsage = serverAuth' "subjectAltName = $san" \
	    >"$T/pki/$in.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/pki/$in.key" -out "$T/pki/$in.csr" \
	    -subj "/CN=$1" 2>&1 || return 1
	case $iv in
	*:*)	set -- -startdate "${iv%:*}" -enddate "${iv#*:}" ;;
	*)	set -- -days "$iv" ;;
	esac
	openssl ca -batch -config "$T/pki/ca.cnf" -notext \
	    -cert "$T/pki/ca.crt" -keyfile "$T/pki/ca.key" \
	    -in "$T/pki/$in.csr" -out "$T/pki/$in.crt" \
	    -extfile "$T/pki/$in.ext" "$@" 2>&1 || return 1
	chmod 644 "$T/pki/$in.key"
}

# domains_of CONF: the domains of a configuration, from -t.
domains_of() {
	"$bin" -c "$1" -t 2>/dev/null | sed -n 's/^\([a-z0-9.-]*\): .*/\1/p'
}

make_pki() {
	p=$T/pki
	mkdir "$p/new"
	: >"$p/index.txt"
	echo 1000 >"$p/serial"
	printf '%s\n' '[ca]' 'default_ca = test_ca' '[test_ca]' \
	    "database = $p/index.txt" "new_certs_dir = $p/new" \
	    "serial = $p/serial" 'default_md = sha256' 'policy = policy' \
	    'unique_subject = no' 'email_in_dn = no' '[policy]' \
	    'commonName = supplied' >"$p/ca.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$p/ca.key" -out "$p/ca.crt" -days 3650 \
	    -subj "/CN=mailautoconf deploy test CA" \
	    -addext 'basicConstraints = critical, CA:TRUE' \
	    -addext 'keyUsage = critical, keyCertSign, cRLSign' 2>&1 ||
	    return 1
	good=
	for d in $DOMAINS; do
		case $d in
		wrongcert.test|expired.test|soon.test)	;;
		*)	good="$good $d autoconfig.$d autodiscover.$d" ;;
		esac
		case $d in
		mailwrong.test|mailexp.test)	;;
		*)	good="$good imap.$d pop.$d smtp.$d" ;;
		esac
	done
	# shellcheck disable=SC2086
	issue good 365 $good peer.hostile.test web.hostile.test \
	    autoconfig.web.hostile.test autodiscover.web.hostile.test &&
	    issue wrong 365 www.elsewhere.test &&
	    issue expired "$(date -u -d '-30 days' +%Y%m%d%H%M%SZ):$(date -u \
	    -d '-1 day' +%Y%m%d%H%M%SZ)" expired.test autoconfig.expired.test \
	    autodiscover.expired.test imap.mailexp.test smtp.mailexp.test &&
	    issue soon 5 soon.test autoconfig.soon.test autodiscover.soon.test
}

# cert_ok NAME WANT: NAME.crt verifies against the CA (WANT 0) or fails
# with "certificate has expired" (WANT expired).
cert_ok() {
	openssl verify -CAfile "$T/pki/ca.crt" "$T/pki/$1.crt" >"$T/v.out" 2>&1
	vr=$?
	cat "$T/v.out"
	case $2 in
	0)	[ "$vr" -eq 0 ] ;;
	expired)	[ "$vr" -ne 0 ] && grep -q 'certificate has expired' "$T/v.out" ;;
	esac
}

# ---- configurations ----

# fill IN OUT: IN with @T@, @USER@, @HTTPS@, @HTTP@, @PORT@ (the DNS
# server's) and every port variable @NAME@ replaced.
fill() {
	if [ ! -s "$T/fill.sed" ]; then
		{
			echo "s|@T@|$T|g"
			echo "s|@HTTPS@|$P_HTTPS|g"
			echo "s|@HTTP@|$P_HTTP|g"
			echo "s|@PORT@|$P_DNS|g"
			for v in $PORTS; do
				eval "echo \"s|@$v@|\$$v|g\""
			done
		} >"$T/fill.sed"
	fi
	sed -f "$T/fill.sed" "$1" >"$2.tmp" &&
	    awk -v u="$USERLINE" '$0 == "@USER@" { print u; next } { print }' \
	    "$2.tmp" >"$2" && rm -f "$2.tmp"
	chmod 644 "$2"
	if grep -n '@[A-Z0-9_]*@' "$2" | grep -v '^[0-9]*:[[:space:]]*#'; then
		echo "^ left in $2"
		return 1
	fi
}

MAIN=$T/conf/main.conf
OTHER=$T/conf/other.conf
HOSTILE=$T/conf/hostile.conf
MANY=$T/conf/many.conf
BROKEN=$T/conf/broken.conf

# The hostile mail peers: MODE PROTO SOCKET, each on a port of its own
# and the one server of its protocol in a domain of its own,
# MODE-PROTO-SOCKET.hostile.test (the other servers, and the front end
# for these runs, the closed port).
hostile_mail() {
	cat <<'EOF'
silent imap STARTTLS
close imap SSL
close smtp STARTTLS
drip imap SSL
drip imap STARTTLS
drip smtp SSL
longline imap SSL
longline imap STARTTLS
longline pop3 STARTTLS
longline smtp STARTTLS
nocrlf imap STARTTLS
nocrlf smtp STARTTLS
cronly imap STARTTLS
hugecaps imap SSL
hugecaps imap STARTTLS
hugecaps pop3 STARTTLS
hugecaps smtp STARTTLS
hugecaps smtp SSL
garbage imap SSL
garbage smtp SSL
stgarbage imap STARTTLS
stgarbage smtp STARTTLS
EOF
}

# hostile_dom MODE PROTO SOCKET: the domain of a hostile mail peer.
hostile_dom() {
	echo "$1-$2-$3.hostile.test" | tr '[:upper:]' '[:lower:]'
}

# The hostile front ends, each on an HTTPS and a plain HTTP port, all
# for web.hostile.test.
HOSTILE_WEB="silent close drip longline garbage hugeheader chunked clenlie clenhuge"

make_confs() {
	fill "$dep/main.conf.in" "$MAIN" || return 1
	# other.test's display name and login name differ.
	sed -e 's/^display_name = Other Test Mail$/display_name = Not This Mail/' \
	    -e '/^\[domain other\.test\]$/,/^\[/s/^username = .*/username = %EMAILLOCALPART%/' \
	    "$MAIN" >"$OTHER"
	if cmp -s "$MAIN" "$OTHER"; then
		echo "other.conf is main.conf"
		return 1
	fi
	{
		# The other servers of these domains are the closed port:
		# what they cost is nothing.
		echo "# tests/deploy.sh: the hostile peers (case p)"
		echo "[defaults]"
		echo "imap = imap.closed.test $P_CLOSED SSL"
		echo "smtp = smtp.closed.test $P_CLOSED SSL"
		echo "[domain web.hostile.test]"
		hostile_mail | while read -r m pr so; do
			d=$(hostile_dom "$m" "$pr" "$so")
			echo "[domain $d]"
			echo "$pr = peer.hostile.test $(cat "$T/pid/port.$d") $so"
		done
	} >"$HOSTILE"
	{
		echo "# tests/deploy.sh: 1000 domains on the same servers (case q)"
		echo "[defaults]"
		sed -n '/^\[defaults\]/,/^\[domain/{/^\(imap\|pop3\|smtp\) =/p}' \
		    "$MAIN"
		i=1
		while [ "$i" -le 1000 ]; do
			echo "[domain d$i.many.test]"
			i=$((i + 1))
		done
	} >"$MANY"
	sed "s/^imap = imap.good.test $G_IMAPS SSL/imap = imap.good.test 0 SSL/" \
	    "$MAIN" >"$BROKEN"
	cmp -s "$MAIN" "$BROKEN" && { echo "broken.conf is main.conf"; return 1; }
	chmod 644 "$T/conf/"*.conf
	for c in "$MAIN" "$OTHER" "$HOSTILE" "$MANY"; do
		"$bin" -c "$c" -t >"$T/t.out" 2>&1 || {
			echo "$bin -c $c -t:"
			cat "$T/t.out"
			return 1
		}
	done
	if "$bin" -c "$BROKEN" -t >/dev/null 2>&1; then
		echo "$BROKEN loads"
		return 1
	fi
}

# ---- DNS ----

# make_zone: the test. zone: SOA, NS, what --dns prints for the main
# configuration with the deliberate mistakes, and A records.
make_zone() {
	{
		echo "\$TTL 60"
		echo 'test. IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60'
		echo 'test. IN NS ns.test.'
		echo 'ns.test. IN A 127.0.0.1'
		"$bin" -c "$MAIN" --dns 2>/dev/null | grep -v '^;' |
		    grep -v '^[[:space:]]*$' | awk -v pop3s="$G_POP3S" '
		# (b) not published
		$1 == "_submission._tcp.nosrv.test." { next }
		# (c) another target and port
		$1 == "_submission._tcp.wrongsrv.test." {
			print $1, $2, $3, $4, 0, 1, 25, "mx.wrongsrv.test."
			next
		}
		# (e) a service the configuration does not offer
		$1 == "_pop3s._tcp.extrasrv.test." {
			print $1, $2, $3, $4, 0, 1, pop3s, "pop.good.test."
			next
		}
		{ print }'
		for d in $DOMAINS; do
			for h in '' autoconfig. autodiscover. imap. pop. smtp.; do
				# (d) autoconfig.noac.test does not exist
				[ "$h$d" = autoconfig.noac.test ] && continue
				echo "$h$d. IN A 127.0.0.1"
			done
		done
		echo 'mx.wrongsrv.test. IN A 127.0.0.1'
		echo '*.hostile.test. IN A 127.0.0.1'
	} >"$T/nsd/test.zone"
	nsd-checkzone test "$T/nsd/test.zone"
}

# dns_is NAME TYPE WANT: the nsd answers WANT (one line of probe.py's
# output: an address, an SRV record, NXDOMAIN or NODATA).
dns_is() {
	python3 "$dep/probe.py" dns "$P_DNS" "$1" "$2" >"$T/dns.out" 2>&1
	if [ "$(cat "$T/dns.out")" != "$3" ]; then
		echo "$1 $2: want '$3', got:"
		cat "$T/dns.out"
		return 1
	fi
}

# wait_dns: until the nsd answers (10 s at most).
wait_dns() {
	wi=0
	while ! dns_is ns.test A 127.0.0.1 >/dev/null 2>&1; do
		wi=$((wi + 1))
		if [ "$wi" -gt 50 ]; then
			dns_is ns.test A 127.0.0.1
			cat "$T/log/nsd.log" "$T/nsd/nsd.log" 2>/dev/null
			return 1
		fi
		sleep 0.2
	done
}

start_dns() {
	fill "$dep/nsd.conf.in" "$T/nsd/nsd.conf" || return 1
	nsd-checkconf "$T/nsd/nsd.conf" || return 1
	launch nsd nsd -d -c "$T/nsd/nsd.conf" || return 1
	wait_dns
}

# ---- the front end ----

# start_responder NAME CONF: BINARY -s unix:$T/run/NAME.sock -c CONF, as
# nobody when root (the socket is then nobody's, mode 0660).
start_responder() {
	set -- "$1" "$2" -w 1
	[ -n "$WUSER" ] && set -- "$@" -u "$WUSER"
	rm -f "$T/run/$1.sock"
	sr=$1
	shift
	launch "responder-$sr" "$bin" -c "$@" -s "unix:$T/run/$sr.sock" ||
	    return 1
	wi=0
	while [ ! -S "$T/run/$sr.sock" ]; do
		wi=$((wi + 1))
		if [ "$wi" -gt 100 ]; then
			echo "no socket $T/run/$sr.sock:"
			cat "$T/log/responder-$sr.log"
			return 1
		fi
		sleep 0.1
	done
}

start_nginx() {
	fill "$dep/nginx.conf.in" "$T/nginx/nginx.conf" || return 1
	nginx -t -q -e "$T/nginx/error.log" -p "$T/nginx" \
	    -c "$T/nginx/nginx.conf" || return 1
	launch nginx nginx -e "$T/nginx/error.log" -p "$T/nginx" \
	    -c "$T/nginx/nginx.conf" -g 'daemon off;' || return 1
	wait_listen "$P_HTTPS" "$P_HTTP" || {
		cat "$T/nginx/error.log" "$T/log/nginx.log"
		return 1
	}
}

# fetch NAME METHOD URL [BODY]: URL through the front end (every name
# resolved to 127.0.0.1, the test CA trusted) into $T/out/NAME.body;
# prints "STATUS CONTENT-TYPE", or "curl N" when curl fails.
fetch() {
	fh=${3#*://}
	fh=${fh%%/*}
	fh=${fh%%\?*}
	case $3 in
	https:*)	fp=$P_HTTPS ;;
	*)	fp=$P_HTTP ;;
	esac
	url=$(printf '%s' "$3" | sed "s|^\(https*://$fh\)|\1:$fp|")
	fw=$(curl -s -S --max-time 10 --cacert "$T/pki/ca.crt" -X "$2" \
	    --resolve "$fh:$fp:127.0.0.1" -o "$T/out/$1.body" \
	    -w '%{http_code} %{content_type}' ${4:+--data-binary "@$4"} \
	    "$url" 2>"$T/out/$1.curlerr")
	fr=$?
	if [ "$fr" -eq 0 ]; then
		echo "$fw"
	else
		echo "curl $fr"
	fi
}

# answer NAME METHOD URL [BODY] [CONF]: the body BINARY -r answers for
# URL with CONF (the main configuration) into $T/out/NAME.ref.
answer() {
	if [ -n "${4:-}" ]; then
		"$bin" -c "${5:-$MAIN}" -m "$2" -r "$3" <"$4"
	else
		"$bin" -c "${5:-$MAIN}" -m "$2" -r "$3" </dev/null
	fi >"$T/out/$1.raw" 2>/dev/null
	# The body, byte for byte: the raw answer after its empty line.
	hl=$(awk '{ n += length($0) + 1 } $0 == "\r" { print n; exit }' \
	    "$T/out/$1.raw")
	tail -c "+$((hl + 1))" "$T/out/$1.raw" >"$T/out/$1.ref"
}

# endpoint_is NAME METHOD URL STATUS SAME [BODY]: through the front end,
# URL answers STATUS, and its body is (SAME yes) or is not (SAME no)
# what BINARY answers with the main configuration.
endpoint_is() {
	got=$(fetch "$1" "$2" "$3" ${6:+"$6"})
	answer "$1" "$2" "$3" ${6:+"$6"}
	case $got in
	"$4 "*)	;;
	*)
		echo "$2 $3: want $4, got '$got'"
		cat "$T/out/$1.curlerr"
		head -c 400 "$T/out/$1.body"
		return 1 ;;
	esac
	[ "$5" = any ] && return 0
	if cmp -s "$T/out/$1.body" "$T/out/$1.ref"; then
		[ "$5" = yes ] && return 0
		echo "$2 $3: the main configuration's answer, want another"
		return 1
	fi
	[ "$5" = no ] && return 0
	echo "$2 $3: not the main configuration's answer:"
	diff "$T/out/$1.ref" "$T/out/$1.body" | head -n 20
	return 1
}

# tls_refused NAME URL WHY: curl refuses the certificate of URL, saying WHY.
tls_refused() {
	got=$(fetch "$1" GET "$2")
	if [ "$got" != "curl 60" ] || ! grep -q "$3" "$T/out/$1.curlerr"; then
		echo "GET $2: want curl 60 ($3), got '$got':"
		cat "$T/out/$1.curlerr"
		return 1
	fi
}

# soon_cert: the front end sends soon.test's certificate, which expires
# within 6 days and not within 4.
soon_cert() {
	openssl s_client -connect "127.0.0.1:$P_HTTPS" \
	    -servername autoconfig.soon.test -CAfile "$T/pki/ca.crt" \
	    </dev/null 2>/dev/null | openssl x509 -noout -enddate \
	    -checkend 518400 >"$T/soon.out" 2>&1
	sc1=$?
	openssl x509 -in "$T/pki/soon.crt" -noout -checkend 345600 \
	    >>"$T/soon.out" 2>&1
	sc2=$?
	cat "$T/soon.out"
	[ "$sc1" -eq 1 ] && [ "$sc2" -eq 0 ]
}

# ---- the mail servers ----

# start_dovecot NAME SSL CERT MECHS IMAP IMAPS POP3 POP3S SUB SUBS RELAY
start_dovecot() {
	dv=$T/dovecot/$1
	mkdir -p "$dv/run" "$dv/state" "$dv/mail"
	sed -e "s|@NAME@|$1|g" -e "s|@SSL@|$2|g" -e "s|@CERT@|$3|g" \
	    -e "s|@MECHS@|$4|g" -e "s|@IMAP@|$5|g" -e "s|@IMAPS@|$6|g" \
	    -e "s|@POP3@|$7|g" -e "s|@POP3S@|$8|g" -e "s|@SUB@|$9|g" \
	    -e "s|@SUBS@|${10}|g" -e "s|@RELAY@|${11}|g" \
	    "$T/dovecot/template" >"$dv/dovecot.in"
	fill "$dv/dovecot.in" "$dv/dovecot.conf" || return 1
	doveconf -n -c "$dv/dovecot.conf" >/dev/null || return 1
	launch "dovecot-$1" dovecot -F -c "$dv/dovecot.conf"
}

# wait_dovecot NAME PORT...: until the ports listen.
wait_dovecot() {
	wn=$1
	shift
	for wp in "$@"; do
		[ "$wp" = 0 ] && continue
		if ! wait_listen "$wp"; then
			cat "$T/log/dovecot-$wn.log" \
			    "$T/dovecot/$wn/dovecot.log" 2>/dev/null
			return 1
		fi
	done
}

# probe NAME PROTO SOCKET PORT HOST: probe.py's dialogue with a mail
# server into $T/probe/NAME (its exit status returned).
probe() {
	python3 "$dep/probe.py" mail "$2" "$3" "$4" "$5" "$T/pki/ca.crt" \
	    >"$T/probe/$1" 2>&1
}

# caps NAME before|after: the capabilities probe NAME saw.
caps() {
	sed -n "s/^caps-$2: //p" "$T/probe/$1"
}

# mail_is NAME PROTO SOCKET PORT HOST EXPECT...: probe, then each EXPECT:
#   ok / error:TEXT     the dialogue ends normally / with an error TEXT
#   before+WORD, before-WORD, after+WORD, after-WORD
#                       a capability (a token or a token's start, e.g.
#                       AUTH=PLAIN, SASL=PLAIN) seen or not seen
mail_is() {
	mn=$1
	probe "$@"
	pr=$?
	shift 5
	for e in "$@"; do
		case $e in
		ok)	[ "$pr" -eq 0 ] || { echo "dialogue failed"; cat "$T/probe/$mn"; return 1; } ;;
		error:*)
			if [ "$pr" -eq 0 ] || ! grep -q "^error: .*${e#error:}" "$T/probe/$mn"; then
				echo "want error '${e#error:}':"
				cat "$T/probe/$mn"
				return 1
			fi ;;
		*+*|*-*)
			case $e in
			*+*)	w=${e%%+*} x=${e#*+} want=1 ;;
			*)	w=${e%%-*} x=${e#*-} want=0 ;;
			esac
			if caps "$mn" "$w" | tr ' ' '\n' | grep -q "^$x"; then
				have=1
			else
				have=0
			fi
			if [ "$have" != "$want" ]; then
				echo "$w TLS: want $([ "$want" = 1 ] || echo no) $x:"
				grep -v '^[SC]: ' "$T/probe/$mn"
				return 1
			fi ;;
		esac
	done
}

# ---- the peers ----

start_peers() {
	set -- "silent:imap:$P_SILENT"
	hostile_mail >"$T/hostile.list"
	while read -r m pr so; do
		d=$(hostile_dom "$m" "$pr" "$so")
		hp=$(free_port)
		echo "$hp" >"$T/pid/port.$d"
		case $so$m in
		SSLgarbage|STARTTLS*)	set -- "$@" "$m:$pr:$hp" ;;
		*)	set -- "$@" "$m:$pr:$hp:tls" ;;
		esac
	done <"$T/hostile.list"
	for m in $HOSTILE_WEB; do
		hs=$(free_port)
		hp=$(free_port)
		echo "$hs $hp" >"$T/pid/port.web-$m"
		if [ "$m" = garbage ]; then
			set -- "$@" "$m:http:$hs"
		else
			set -- "$@" "$m:http:$hs:tls"
		fi
		set -- "$@" "$m:http:$hp"
	done
	launch peers python3 "$dep/peer.py" "$T/run/peers.ready" \
	    "$T/pki/good.crt" "$T/pki/good.key" "$@" || return 1
	if ! wait_file "$T/run/peers.ready"; then
		cat "$T/log/peers.log"
		return 1
	fi
	wait_listen "$P_SILENT"
}

# ---- running the check ----

# run NAME [-p HTTPS HTTP] [-c CONF] [OPTION|DOMAIN...]: BINARY --check
# -c CONF (the main configuration) with the test's resolver and CA, -T,
# and the front end's ports (or HTTPS and HTTP).  Output in
# $T/out/NAME.{out,err}, exit status in $T/out/NAME.rc, milliseconds
# taken in $T/out/NAME.ms.
run() {
	rn=$1
	shift
	rph=$P_HTTPS rpp=$P_HTTP rcf=$MAIN
	if [ "${1:-}" = -p ]; then
		rph=$2 rpp=$3
		shift 3
	fi
	if [ "${1:-}" = -c ]; then
		rcf=$2
		shift 2
	fi
	rs=$(now_ms)
	timeout -k 5 60 "$bin" --check -c "$rcf" \
	    --resolver "127.0.0.1:$P_DNS" --ca "$T/pki/ca.crt" \
	    --https-port "$rph" --http-port "$rpp" -T "$TO" "$@" \
	    >"$T/out/$rn.out" 2>"$T/out/$rn.err" </dev/null
	echo $? >"$T/out/$rn.rc"
	echo $(($(now_ms) - rs)) >"$T/out/$rn.ms"
}

rc_of() {
	cat "$T/out/$1.rc"
}

# show NAME: what a run printed, for the reason of a failure: its FAIL
# and other lines first, then warn, then ok, 40 lines at most; standard
# error without the configuration's warnings.
show() {
	echo "run $1: exit status $(rc_of "$1") after $(cat "$T/out/$1.ms") ms;" \
	    "stdout ($(wc -l <"$T/out/$1.out") lines):"
	awk '/^ok / { o[++no] = $0; next } /^warn / { w[++nw] = $0; next }
	{ print }
	END {
		for (i = 1; i <= nw; i++) print w[i]
		for (i = 1; i <= no; i++) print o[i]
	}' "$T/out/$1.out" | head -n 40
	echo "stderr:"
	grep -v ': warning: ' "$T/out/$1.err" | head -n 15
}

# has NAME PATTERN...: each PATTERN (grep -E; a multi-line one is one
# pattern per line) matches a line of run NAME.
has() {
	hn=$1
	shift
	for hx in "$@"; do
		printf '%s\n' "$hx" >"$T/pat"
		while IFS= read -r hl; do
			grep -Eq -e "$hl" "$T/out/$hn.out" && continue
			echo "no line matching: $hl"
			show "$hn"
			return 1
		done <"$T/pat"
	done
}

# lacks NAME PATTERN: no line of run NAME matches PATTERN.
lacks() {
	if grep -E -e "$2" "$T/out/$1.out" >"$T/lacks.out"; then
		echo "lines matching $2:"
		cat "$T/lacks.out"
		show "$1"
		return 1
	fi
}

# status NAME RC: run NAME exited RC, and its stderr has no sanitizer
# report.
status() {
	if [ "$(rc_of "$1")" != "$2" ]; then
		echo "want exit status $2"
		show "$1"
		return 1
	fi
	sane "$1"
}

sane() {
	if grep -Eq "$X_SANITIZER" "$T/out/$1.err"; then
		echo "sanitizer report:"
		show "$1"
		return 1
	fi
}

# outcome NAME RC PATTERN...: exit status RC and a line for each PATTERN.
outcome() {
	on=$1 orc=$2
	shift 2
	status "$on" "$orc" && has "$on" "$@"
}

# all_ok NAME: exit 0, every line "ok" but the summary, which says
# 0 warn, 0 FAIL.
all_ok() {
	status "$1" 0 || return 1
	if grep -Ev -e "$X_OK" -e "$X_SUMMARY" "$T/out/$1.out" >"$T/notok"; then
		echo "lines that are not ok:"
		cat "$T/notok"
		show "$1"
		return 1
	fi
	if [ "$(tail -n 1 "$T/out/$1.out" | grep -Ec -e "$X_CLEAN")" != 1 ]; then
		echo "the last line is not the summary '$X_CLEAN'"
		show "$1"
		return 1
	fi
}

# last_summary NAME RC: exit status RC, the summary line last.
last_summary() {
	status "$1" "$2" || return 1
	if ! tail -n 1 "$T/out/$1.out" | grep -Eq -e "$X_SUMMARY"; then
		echo "the last line is not the summary"
		show "$1"
		return 1
	fi
}

not_listening() {
	if listening "$1"; then
		echo "something listens on 127.0.0.1:$1"
		return 1
	fi
}

# within NAME MS: run NAME took at most MS milliseconds.
within() {
	wm=$(cat "$T/out/$1.ms")
	if [ "$wm" -gt "$2" ]; then
		echo "took $wm ms, want at most $2"
		show "$1"
		return 1
	fi
	echo "took $wm ms"
}

# json_ok NAME TEXTNAME: every line of run NAME is a JSON object; each
# with the status key has a status of ok, warn or FAIL and a domain key;
# the checks are those of the text run TEXTNAME (same count per status).
json_ok() {
	python3 - "$T/out/$1.out" "$T/out/$2.out" "$J_STATUS" "$J_DOMAIN" <<'EOF'
import json, re, sys
out, text, skey, dkeys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
n = {"ok": 0, "warn": 0, "FAIL": 0}
bad = 0
with open(out, encoding="utf-8") as f:
    for i, line in enumerate(f, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            print("line %d is not JSON (%s): %s" % (i, e, line[:200]))
            bad += 1
            continue
        if not isinstance(o, dict):
            print("line %d is not an object: %s" % (i, line[:200]))
            bad += 1
            continue
        if skey not in o:
            continue
        if o[skey] not in n:
            print("line %d: status %r" % (i, o[skey]))
            bad += 1
            continue
        n[o[skey]] += 1
        if not any(k in o and o[k] for k in dkeys):
            print("line %d: no %s: %s" % (i, " or ".join(dkeys), line[:200]))
            bad += 1
t = {"ok": 0, "warn": 0, "FAIL": 0}
with open(text, encoding="utf-8") as f:
    for line in f:
        m = re.match(r"(ok|warn|FAIL) ", line)
        if m:
            t[m.group(1)] += 1
if sum(n.values()) == 0:
    print("no check in the JSON output")
    bad += 1
if n != t:
    print("JSON %s, text %s" % (n, t))
    bad += 1
sys.exit(1 if bad else 0)
EOF
}

# server_once NAME PATTERN: exactly one line of run NAME matches PATTERN.
server_once() {
	sc=$(grep -Ec -e "$2" "$T/out/$1.out")
	if [ "$sc" != 1 ]; then
		echo "$sc lines matching $2, want 1"
		grep -E -e "$2" "$T/out/$1.out" | head -n 5
		show "$1"
		return 1
	fi
}

# no_twice NAME: no mail server check (HOST:PORT PROTO SOCKET ASPECT)
# has two lines in run NAME.
no_twice() {
	grep -E '^(ok|warn|FAIL) +[^ ]+:[0-9]+ (imap|pop3|smtp) ' \
	    "$T/out/$1.out" | awk '{ print $2, $3, $4, $5 }' | sort |
	    uniq -d >"$T/twice"
	if [ -s "$T/twice" ]; then
		echo "checked more than once:"
		cat "$T/twice"
		return 1
	fi
}

# ---- the set-up ----

# must NAME COMMAND...: check; the checks after it make no sense when
# it fails.
must() {
	mf=$fail
	check "$@"
	[ "$fail" = "$mf" ] || finish
}

USERLINE=
[ -n "$WUSER" ] && USERLINE="user $WUSER $WGROUP;"

# The ports of the hostile peers come first: the configurations name them.
make_pki_first() {
	# DOMAINS is needed for the certificates: take it from the template
	# (ports do not matter for the names).
	sed 's/@[A-Z0-9_]*@/1/g' "$dep/main.conf.in" >"$T/conf/names.conf"
	DOMAINS=$(domains_of "$T/conf/names.conf")
	[ -n "$DOMAINS" ] || { echo "no domains in main.conf.in"; return 1; }
	make_pki
}
must "setup: test CA and certificates (openssl)" make_pki_first
check "setup: the good certificate verifies" cert_ok good 0
check "setup: the wrong-name certificate verifies (another name)" cert_ok wrong 0
check "setup: the expired certificate has expired" cert_ok expired expired
check "setup: the soon certificate verifies" cert_ok soon 0

must "setup: the peers listen (tests/deploy/peer.py)" start_peers
must "setup: configurations (mailautoconf -t)" make_confs
must "setup: DNS zone from --dns (nsd-checkzone)" make_zone
must "setup: nsd answers on 127.0.0.1:$P_DNS" start_dns
check "dns: autoconfig.good.test A" dns_is autoconfig.good.test A 127.0.0.1
check "dns: autoconfig.good.test AAAA: none" dns_is autoconfig.good.test AAAA NODATA
check "dns: _imaps._tcp.good.test SRV" \
    dns_is _imaps._tcp.good.test SRV "0 1 $G_IMAPS imap.good.test."
check "dns: _submission._tcp.good.test SRV" \
    dns_is _submission._tcp.good.test SRV "0 1 $G_SUB smtp.good.test."
check "dns: _jmap._tcp.good.test SRV: not offered (.)" \
    dns_is _jmap._tcp.good.test SRV "0 0 0 ."
check "dns: (b) _submission._tcp.nosrv.test SRV: not published" \
    dns_is _submission._tcp.nosrv.test SRV NXDOMAIN
check "dns: (c) _submission._tcp.wrongsrv.test SRV: the wrong record" \
    dns_is _submission._tcp.wrongsrv.test SRV "0 1 25 mx.wrongsrv.test."
check "dns: (d) autoconfig.noac.test: NXDOMAIN" \
    dns_is autoconfig.noac.test A NXDOMAIN
check "dns: (e) _pop3s._tcp.extrasrv.test SRV: published, not offered" \
    dns_is _pop3s._tcp.extrasrv.test SRV "0 1 $G_POP3S pop.good.test."
check "dns: *.hostile.test A" dns_is peer.hostile.test A 127.0.0.1

must "setup: responder main (-s unix:)" start_responder main "$MAIN"
must "setup: responder other (-s unix:)" start_responder other "$OTHER"
must "setup: nginx on 127.0.0.1:$P_HTTPS (TLS) and :$P_HTTP" start_nginx

sed 's/alice@example\.com/test@good.test/' "$top/tests/data/outlook-request.xml" \
    >"$T/body/good"
sed 's/alice@example\.com/test@other.test/' "$top/tests/data/outlook-request.xml" \
    >"$T/body/other"
check "web: good.test Thunderbird GET: 200, this configuration's answer" \
    endpoint_is tb-good GET \
    'https://autoconfig.good.test/mail/config-v1.1.xml?emailaddress=test%40good.test' \
    200 yes
check "web: good.test well-known GET: 200, this configuration's answer" \
    endpoint_is wk-good GET \
    'https://good.test/.well-known/autoconfig/mail/config-v1.1.xml' 200 yes
check "web: good.test Autodiscover POST: 200, this configuration's answer" \
    endpoint_is ad-good POST \
    'https://autodiscover.good.test/autodiscover/autodiscover.xml' 200 yes \
    "$T/body/good"
check "web: good.test plain-HTTP Autodiscover POST: 200" \
    endpoint_is adh-good POST \
    'http://autodiscover.good.test/autodiscover/autodiscover.xml' 200 yes \
    "$T/body/good"
check "web: soon.test: 200 with a certificate that expires within 6 days" \
    endpoint_is tb-soon GET \
    'https://autoconfig.soon.test/mail/config-v1.1.xml' 200 yes
check "web: soon.test's certificate expires in 4 to 6 days" soon_cert
check "web: (m) other.test: 200, another configuration's answer" \
    endpoint_is tb-other GET \
    'https://autoconfig.other.test/mail/config-v1.1.xml?emailaddress=test%40other.test' \
    200 no
check "web: (m) other.test POST: 200, another configuration's answer" \
    endpoint_is ad-other POST \
    'https://autodiscover.other.test/autodiscover/autodiscover.xml' 200 no \
    "$T/body/other"
check "web: (n) gone.test: 404" endpoint_is tb-gone GET \
    'https://autoconfig.gone.test/mail/config-v1.1.xml' 404 any
check "web: (f) wrongcert.test: curl refuses the certificate (name)" \
    tls_refused tb-wrong 'https://autoconfig.wrongcert.test/mail/config-v1.1.xml' \
    'autoconfig.wrongcert.test'
check "web: (g) expired.test: curl refuses the certificate (expired)" \
    tls_refused tb-expired 'https://autoconfig.expired.test/mail/config-v1.1.xml' \
    'expired'

# The mail servers.
: >"$T/dovecot/passwd"
chmod 644 "$T/dovecot/passwd"
if [ -n "$WUSER" ]; then
	echo "test:{PLAIN}never-used:$(id -u "$WUSER"):$(id -g "$WUSER")::$T/dovecot::"
else
	echo "test:{PLAIN}never-used:$(id -u):$(id -g)::$T/dovecot::"
fi >"$T/dovecot/passwd"
if [ -n "$WUSER" ]; then
	DV_USERS=
	DV_CHROOT=
else
	# Without root: every process as this user, no chroot.
	DV_USERS="default_internal_user = $(id -un)
default_internal_group = $(id -gn)
default_login_user = $(id -un)"
	DV_CHROOT='chroot ='
fi
awk -v u="$DV_USERS" -v c="$DV_CHROOT" '
$1 == "@USERS@" { print u; next }
$1 == "@CHROOT@" { print "  " c; next }
{ print }' "$dep/dovecot.conf.in" >"$T/dovecot/template"
start_dovecots() {
	start_dovecot good yes good 'plain login' "$G_IMAP" "$G_IMAPS" \
	    "$G_POP3" "$G_POP3S" "$G_SUB" "$G_SUBS" "$G_RELAY" &&
	    start_dovecot nossl no good 'plain login' "$N_IMAP" 0 \
	    "$N_POP3" 0 "$N_SUB" 0 "$N_RELAY" &&
	    start_dovecot cram yes good cram-md5 "$C_IMAP" "$C_IMAPS" \
	    "$C_POP3" "$C_POP3S" "$C_SUB" "$C_SUBS" "$C_RELAY" &&
	    start_dovecot expired yes expired 'plain login' 0 "$E_IMAPS" \
	    0 0 0 "$E_SUBS" "$E_RELAY" || return 1
	wait_dovecot good "$G_IMAP" "$G_IMAPS" "$G_POP3" "$G_POP3S" \
	    "$G_SUB" "$G_SUBS" &&
	    wait_dovecot nossl "$N_IMAP" "$N_POP3" "$N_SUB" &&
	    wait_dovecot cram "$C_IMAP" "$C_IMAPS" "$C_POP3" "$C_POP3S" \
	    "$C_SUB" "$C_SUBS" &&
	    wait_dovecot expired "$E_IMAPS" "$E_SUBS"
}
must "setup: four dovecots listen" start_dovecots

check "mail: good imap STARTTLS: STARTTLS, then PLAIN and LOGIN inside TLS" \
    mail_is good-imap imap STARTTLS "$G_IMAP" imap.good.test ok \
    before+STARTTLS after+AUTH=PLAIN after+AUTH=LOGIN after-LOGINDISABLED
check "mail: good imap SSL: PLAIN and LOGIN" \
    mail_is good-imaps imap SSL "$G_IMAPS" imap.good.test ok \
    after+AUTH=PLAIN after+AUTH=LOGIN
check "mail: good pop3 STARTTLS: STLS, then SASL PLAIN LOGIN and USER" \
    mail_is good-pop3 pop3 STARTTLS "$G_POP3" pop.good.test ok \
    before+STLS after+SASL=PLAIN after+USER
check "mail: good pop3 SSL: SASL PLAIN LOGIN" \
    mail_is good-pop3s pop3 SSL "$G_POP3S" pop.good.test ok after+SASL=PLAIN
check "mail: good submission STARTTLS: STARTTLS, then AUTH PLAIN LOGIN" \
    mail_is good-sub smtp STARTTLS "$G_SUB" smtp.good.test ok \
    before+STARTTLS after+AUTH=PLAIN
check "mail: good submissions SSL: AUTH PLAIN LOGIN" \
    mail_is good-subs smtp SSL "$G_SUBS" smtp.good.test ok after+AUTH=PLAIN
check "mail: (i) nossl imap: no STARTTLS" \
    mail_is nossl-imap imap STARTTLS "$N_IMAP" imap.nostarttls.test ok \
    before-STARTTLS
check "mail: (i) nossl pop3: no STLS" \
    mail_is nossl-pop3 pop3 STARTTLS "$N_POP3" pop.nostarttls.test ok \
    before-STLS
check "mail: (i) nossl submission: no STARTTLS" \
    mail_is nossl-sub smtp STARTTLS "$N_SUB" smtp.nostarttls.test ok \
    before-STARTTLS
check "mail: (j) cram imap STARTTLS: only AUTH=CRAM-MD5 and LOGINDISABLED inside TLS" \
    mail_is cram-imap imap STARTTLS "$C_IMAP" imap.noplain.test ok \
    before+STARTTLS after-AUTH=PLAIN after-AUTH=LOGIN after+LOGINDISABLED \
    after+AUTH=CRAM-MD5
check "mail: (j) cram imap SSL: likewise" \
    mail_is cram-imaps imap SSL "$C_IMAPS" imap.noplain.test ok \
    after-AUTH=PLAIN after-AUTH=LOGIN after+LOGINDISABLED
check "mail: (j) cram pop3 STARTTLS: SASL CRAM-MD5 only (USER still listed)" \
    mail_is cram-pop3 pop3 STARTTLS "$C_POP3" pop.noplain.test ok \
    before+STLS after+SASL=CRAM-MD5 after-SASL=PLAIN
check "mail: (j) cram pop3 SSL: likewise" \
    mail_is cram-pop3s pop3 SSL "$C_POP3S" pop.noplain.test ok \
    after+SASL=CRAM-MD5 after-SASL=PLAIN
check "mail: (j) cram submission STARTTLS: AUTH CRAM-MD5 only" \
    mail_is cram-sub smtp STARTTLS "$C_SUB" smtp.noplain.test ok \
    before+STARTTLS after+AUTH=CRAM-MD5 after-AUTH=PLAIN
check "mail: (j) cram submissions SSL: AUTH CRAM-MD5 only" \
    mail_is cram-subs smtp SSL "$C_SUBS" smtp.noplain.test ok \
    after+AUTH=CRAM-MD5 after-AUTH=PLAIN
check "mail: (g) expired imaps: certificate has expired" \
    mail_is exp-imaps imap SSL "$E_IMAPS" imap.mailexp.test \
    'error:certificate has expired'
check "mail: (g) expired submissions: certificate has expired" \
    mail_is exp-subs smtp SSL "$E_SUBS" smtp.mailexp.test \
    'error:certificate has expired'
check "mail: (f) good imaps as imap.mailwrong.test: hostname mismatch" \
    mail_is wrong-imaps imap SSL "$G_IMAPS" imap.mailwrong.test \
    'error:Hostname mismatch'
check "mail: (k) nothing listens on the closed port" not_listening "$P_CLOSED"
check "peer: hugecaps imap STARTTLS: TLS, then 10,000 capabilities" \
    mail_is peer-hugecaps imap STARTTLS \
    "$(cat "$T/pid/port.hugecaps-imap-starttls.hostile.test")" \
    peer.hostile.test ok after+X-CAP-10000 after-AUTH=PLAIN
check "peer: hugecaps smtp STARTTLS: TLS, then 10,000 EHLO lines" \
    mail_is peer-hugecaps-smtp smtp STARTTLS \
    "$(cat "$T/pid/port.hugecaps-smtp-starttls.hostile.test")" \
    peer.hostile.test ok after+X-CAP-10000 after-AUTH
if [ -n "${DEPLOY_TRANSCRIPTS:-}" ]; then
	for f in "$T/probe/"*; do
		echo "# --- ${f##*/}"
		sed 's/^/#   /' "$f"
	done
fi

# ---- the checks ----

# (a) everything right
run good good.test
check "(a) good.test: exit 0, every line ok, summary 0 warn 0 FAIL" all_ok good
check "(a) good.test: DNS, HTTPS and every mail server checked" \
    has good "$X_GOOD"
# (b)-(e) DNS
run nosrv nosrv.test
check "(b) nosrv.test: warn: _submission._tcp not published; exit 0" \
    outcome nosrv 0 "$X_MISSING_SRV"
run wrongsrv wrongsrv.test
check "(c) wrongsrv.test: FAIL: _submission._tcp published wrong; exit 1" \
    outcome wrongsrv 1 "$X_WRONG_SRV"
run noac noac.test
check "(d) noac.test: FAIL: autoconfig.noac.test does not resolve; exit 1" \
    outcome noac 1 "$X_NO_AC"
run extrasrv extrasrv.test
check "(e) extrasrv.test: warn: _pop3s._tcp published, POP3 not offered; exit 0" \
    outcome extrasrv 0 "$X_EXTRA_SRV"
# (f)-(h) certificates
run wrongcert wrongcert.test
check "(f) wrongcert.test: FAIL certificate (name); exit 1" \
    outcome wrongcert 1 "$X_WRONG_CERT"
run mailwrong mailwrong.test
check "(f) mailwrong.test: FAIL certificate of imap.mailwrong.test (name)" \
    outcome mailwrong 1 "$X_MAIL_WRONG_CERT"
run expired expired.test
check "(g) expired.test: FAIL certificate expired; exit 1" \
    outcome expired 1 "$X_EXPIRED"
run mailexp mailexp.test
check "(g) mailexp.test: FAIL certificate of imap.mailexp.test expired" \
    outcome mailexp 1 "$X_MAIL_EXPIRED"
run soon soon.test
check "(h) soon.test: warn: certificate expires within 14 days; exit 0" \
    outcome soon 0 "$X_SOON"
run soon2 --days 2 soon.test
check "(h) soon.test --days 2: every line ok, exit 0" all_ok soon2
# (i)-(l) mail servers
run nostarttls nostarttls.test
check "(i) nostarttls.test: FAIL starttls not offered (imap, pop3, smtp)" \
    outcome nostarttls 1 "$X_NO_STARTTLS"
run noplain noplain.test
check "(j) noplain.test: FAIL auth: PLAIN not offered inside TLS (imap, pop3, smtp)" \
    outcome noplain 1 "$X_NO_PLAIN"
run closed closed.test
check "(k) closed.test: FAIL connect refused" outcome closed 1 "$X_CLOSED"
run silent silent.test
check "(l) silent.test: FAIL timed out" outcome silent 1 "$X_SILENT"
check "(l) silent.test: within -T $TO s + $SILENT_SLACK_MS ms" \
    within silent $((TO * 1000 + SILENT_SLACK_MS))
# sig_wait SIGNAL STATUS: a signal while --check waits on the silent
# peer (-T 60) ends it at once (its default action), with STATUS.
sig_wait() {
	ss=$(now_ms)
	"$bin" --check -c "$MAIN" --resolver "127.0.0.1:$P_DNS" \
	    --ca "$T/pki/ca.crt" --https-port "$P_HTTPS" \
	    --http-port "$P_HTTP" -T 60 silent.test >"$T/out/sig.out" 2>&1 \
	    </dev/null &
	sp=$!
	sleep 1
	kill "-$1" "$sp"
	wait "$sp"
	src=$?
	sm=$(($(now_ms) - ss))
	echo "exit $src after $sm ms"
	if [ "$src" -ne "$2" ] || [ "$sm" -gt 3000 ]; then
		tail -n 5 "$T/out/sig.out"
		return 1
	fi
}
check "(l) silent.test: SIGTERM while waiting ends --check at once" \
    sig_wait TERM 143
# (Not SIGINT: a shell starts a background job with SIGINT ignored, and
# the check keeps what it inherits, as a nohup'ed one should.)
check "(l) silent.test: SIGHUP while waiting ends --check at once" \
    sig_wait HUP 129
# (m), (n) the front end
run other other.test
check "(m) other.test: FAIL body differs; exit 1" \
    outcome other 1 "$X_DIFFERS"
run gone gone.test
check "(n) gone.test: FAIL status 404; exit 1" outcome gone 1 "$X_404"
check "(n) gone.test: the plain-HTTP check is information only (no FAIL)" \
    lacks gone "$X_HTTP_FAIL"
# (o) exit status, JSON
run all
check "(o) every domain: exit 1, a summary line last" last_summary all 1
check "(o) every domain: no plain-HTTP check FAILs" lacks all "$X_HTTP_FAIL"
check "(o) every domain: no sanitizer report" sane all
run json --json
check "(o) --json: exit 1" status json 1
check "(o) --json: every line a JSON object, each check with status and domain, as many of each status as in text" \
    json_ok json all
run broken -c "$BROKEN" good.test
check "(o) a broken configuration: exit 78" status broken 78
run usage --no-such-option
check "(o) an unknown option: exit 64" status usage 64

# (p) hostile peers, HOSTILE_PAR runs at a time.
hostile_runs() {
	hostile_mail | while read -r m pr so; do
		d=$(hostile_dom "$m" "$pr" "$so")
		echo "h-$d $d -p $P_CLOSED $P_CLOSED -c $HOSTILE"
	done
	for m in $HOSTILE_WEB; do
		read -r hs hp <"$T/pid/port.web-$m"
		echo "w-$m web.hostile.test -p $hs $hp -c $HOSTILE"
	done
}
# The runs that wait for their timeout go first, together: the others
# take a moment each.
hostile_runs | awk '
$1 ~ /^[hw]-(silent|drip|cronly)/ { print; next }
{ rest[++n] = $0 }
END { for (i = 1; i <= n; i++) print rest[i] }' >"$T/hostile.runs"
# Only these runs are waited for (wait without a pid would wait for
# the servers too).
hn=0
hpids=
while read -r name dom rest; do
	# shellcheck disable=SC2086
	run "$name" $rest "$dom" &
	hpids="$hpids $!"
	hn=$((hn + 1))
	if [ $((hn % HOSTILE_PAR)) = 0 ]; then
		# shellcheck disable=SC2086
		wait $hpids
		hpids=
	fi
done <"$T/hostile.runs"
# shellcheck disable=SC2086
[ -z "$hpids" ] || wait $hpids
while read -r name dom rest; do
	case $name in
	h-*)
		pat=$(hostile_re "$(cat "$T/pid/port.$dom")")
		plabel="${dom%.hostile.test} (peer.hostile.test:$(cat "$T/pid/port.$dom"))" ;;
	*)
		pat=$X_HOSTILE_WEB
		plabel="${name#w-} front end (https $(cut -d' ' -f1 \
		    "$T/pid/port.web-${name#w-}"), http $(cut -d' ' -f2 \
		    "$T/pid/port.web-${name#w-}"))" ;;
	esac
	check "(p) $plabel: exit 1, a FAIL about it, no sanitizer report" \
	    outcome "$name" 1 "$pat"
	check "(p) $plabel: within -T $TO s + $HOSTILE_SLACK_MS ms" \
	    within "$name" $((TO * 1000 + HOSTILE_SLACK_MS))
done <"$T/hostile.runs"

# (q) 1000 domains on the same six servers
run many -c "$MANY"
check "(q) 1000 domains: no sanitizer report" sane many
for s in "imap.good.test $G_IMAPS imap SSL" "imap.good.test $G_IMAP imap STARTTLS" \
    "pop.good.test $G_POP3S pop3 SSL" "pop.good.test $G_POP3 pop3 STARTTLS" \
    "smtp.good.test $G_SUBS smtp SSL" "smtp.good.test $G_SUB smtp STARTTLS"; do
	# shellcheck disable=SC2086
	set -- $s
	check "(q) 1000 domains: $1:$2 $3 $4 auth ok, naming +999 more" \
	    server_once many "$(mail_re ok "$1" "$2" "$3" "$4" auth "$X_MORE")"
	check "(q) 1000 domains: one auth line in all for $1:$2 $3 $4" \
	    server_once many "$(mail_re '(ok|warn|FAIL)' "$1" "$2" "$3" "$4" auth '')"
done
check "(q) 1000 domains: no mail server check twice" no_twice many
check "(q) 1000 domains: within $MANY_SECS s" within many $((MANY_SECS * 1000))

# ---- the end ----

if stop_all; then
	ok "every process started has ended"
else
	echo "not ok - every process started has ended (some needed SIGKILL)"
	fail=$((fail + 1))
fi
finish
