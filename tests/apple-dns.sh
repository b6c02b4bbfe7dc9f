#!/bin/sh
# apple-dns.sh BINARY: the real binary's Apple profiles, DNS records and
# redirects, checked with the tools the clients' world uses.
#
#  (a) every .mobileconfig the binary serves (CGI) is parsed by a real
#      plist parser, plistutil (Debian libplist-utils): XML -> binary ->
#      XML, twice, to identical bytes; the round-tripped XML is checked
#      for the keys doc/clients.md (Apple) requires (xmllint --xpath);
#  (b) --dns output, wrapped in a minimal zone ($TTL, SOA, NS and its A),
#      passes named-checkzone (Debian bind9-utils); an unknown domain
#      exits non-zero; so does --dns -H HOSTER CUSTOMER for a customer
#      of tests/conf/hosted.conf, its SRV records at the hoster's hosts,
#      and its errors (a hoster not hosted or unknown, a customer
#      configured itself) exit 1 with the reason;
#  (c) the JMAP / CalDAV / CardDAV redirects as a CGI and through
#      FastCGI (BINARY -s 127.0.0.1:PORT [-u nobody] and cgi-fcgi from
#      libfcgi-bin): status line, Location, Content-Length, HEAD, 405.
#
# Prints "ok - …" / "not ok - …" lines and ends with
# "apple-dns: N passed, N failed"; exits 1 on any failure.
# Functions run through check() look unreachable to shellcheck; eval'd
# checks quote on purpose.
# shellcheck disable=SC2317,SC2016
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh tests/apple-dns.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	BIN=$1 ;;
*)	BIN=$PWD/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/apple-dns.XXXXXX") || exit 1
T=$TMP	# check keeps a failed command's output in $T/why
FPID=
FDIR=
cleanup() {
	if [ -n "$FPID" ]; then
		kill "$FPID" 2>/dev/null
		wait "$FPID" 2>/dev/null
	fi
	[ -n "$FDIR" ] && rm -rf "$FDIR"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

finish() {
	echo "apple-dns: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# The tools; each is a Debian package the test depends on.
missing=
for t in plistutil:libplist-utils named-checkzone:bind9-utils \
    cgi-fcgi:libfcgi-bin xmllint:libxml2-utils; do
	if ! command -v "${t%%:*}" >/dev/null 2>&1; then
		notok "${t%%:*} is installed (apt-get install ${t#*:})"
		missing=1
	fi
done
if [ ! -x "$BIN" ]; then
	notok "$BIN is an executable"
	missing=1
fi
[ -z "$missing" ] || finish

SAMPLE=$ROOT/etc/mailautoconf.conf
UUID5='^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$'
DAV=$ROOT/tests/conf/apple-dav.conf
POP=$ROOT/tests/conf/apple-pop.conf
ESC=$ROOT/tests/conf/apple-escape.conf

# ---- responses ----

# The sanitizers' options survive env -i.
sanenv() {
	[ -n "${ASAN_OPTIONS:-}" ] && printf 'ASAN_OPTIONS=%s\n' "$ASAN_OPTIONS"
	[ -n "${UBSAN_OPTIONS:-}" ] && printf 'UBSAN_OPTIONS=%s\n' \
	    "$UBSAN_OPTIONS"
	return 0
}

# cgi CONF METHOD URI HOST OUT: run one CGI request (body empty), the
# whole response in OUT, stderr in OUT.err.
cgi() {
	q=
	case $3 in
	*\?*)	q=${3#*\?} ;;
	esac
	# shellcheck disable=SC2046
	env -i PATH="$PATH" $(sanenv) GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD="$2" REQUEST_URI="$3" \
	    QUERY_STRING="$q" SCRIPT_NAME= HTTP_HOST="$4" \
	    MAILAUTOCONF_CONF="$1" "$BIN" >"$5" 2>"$5.err" </dev/null
}

# fcgi METHOD URI HOST OUT: one request through cgi-fcgi to the server.
fcgi() {
	q=
	case $2 in
	*\?*)	q=${2#*\?} ;;
	esac
	env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD="$1" REQUEST_URI="$2" \
	    QUERY_STRING="$q" SCRIPT_NAME= HTTP_HOST="$3" \
	    cgi-fcgi -bind -connect "127.0.0.1:$FPORT" >"$4" 2>"$4.err" \
	    </dev/null
}

# head_of OUT: the header block without CRs (up to the blank line).
head_of() {
	sed -n '1,/^\r$/p' "$1" | tr -d '\r'
}

# hdr OUT NAME: the value of a header (the first one), case-insensitive.
hdr() {
	head_of "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) ": " }
	    tolower(substr($0, 1, length(n))) == n {
	    print substr($0, length(n) + 1); exit }'
}

# body_of OUT FILE: the body, Content-Length bytes after the headers;
# fails unless the header block is CRLF-terminated and the length fits.
body_of() {
	hl=$(sed -n '1,/^\r$/p' "$1" | wc -c)
	cl=$(hdr "$1" Content-Length)
	total=$(wc -c <"$1")
	case $cl in
	''|*[!0-9]*)	return 1 ;;
	esac
	sed -n '1,/^\r$/p' "$1" | tail -n 1 | grep -q "$(printf '^\r$')" ||
	    return 1
	[ $((hl + cl)) -eq "$total" ] || return 1
	tail -c "$cl" "$1" >"$2"
}

# clean OUT.err: nothing from the sanitizers.
clean() {
	! grep -Eq 'Sanitizer|runtime error' "$1"
}

# response OUT STATUS [HEADER=VALUE…]: the status line and headers are
# exactly these, the body has Content-Length bytes.
response() {
	f=$1
	st=$2
	shift 2
	[ "$(head_of "$f" | head -n 1)" = "Status: $st" ] || {
		echo "# $f: $(head_of "$f" | head -n 1), want Status: $st"
		return 1
	}
	for hv in "$@"; do
		v=$(hdr "$f" "${hv%%=*}")
		[ "$v" = "${hv#*=}" ] || {
			echo "# $f: ${hv%%=*}: '$v', want '${hv#*=}'"
			return 1
		}
	done
	body_of "$f" "$f.body"
}

# headonly HEADOUT GETOUT: the HEAD answer is GET's header block alone.
headonly() {
	[ "$(head_of "$1")" = "$(head_of "$2")" ] &&
	    [ "$(sed -n '1,/^\r$/p' "$1" | wc -c)" -eq "$(wc -c <"$1")" ] &&
	    [ "$(wc -c <"$1")" -lt "$(wc -c <"$2")" ]
}

# ---- (a) profiles ----

# xp FILE XPATH: the XPath value (string, count, name).
xp() {
	xmllint --nonet --xpath "$2" "$1" 2>/dev/null
}

# plist_keys FILE ADDR CALDAV CARDDAV: the keys doc/clients.md (Apple)
# requires in a
# round-tripped profile; CALDAV/CARDDAV are 0 or 1 payloads expected.
plist_keys() {
	f=$1
	bad=0
	# why REASON: report, and make plist_keys fail at its end.
	why() {
		echo "# $f: $*"
		bad=1
	}
	top="/plist/dict/key[.='%s']/following-sibling::*[1]"
	# shellcheck disable=SC2059
	tval() { xp "$f" "string($(printf "$top" "$1"))"; }
	# shellcheck disable=SC2059
	ttype() { xp "$f" "name($(printf "$top" "$1"))"; }
	[ "$(tval PayloadType)" = Configuration ] || why "top PayloadType"
	[ "$(ttype PayloadVersion)" = integer ] || why "top PayloadVersion"
	[ "$(tval PayloadVersion)" = 1 ] || why "top PayloadVersion"
	uuid=$(tval PayloadUUID)
	echo "$uuid" | grep -Eq "$UUID5" || why "top PayloadUUID"
	[ "$(tval PayloadIdentifier)" = "mailautoconf.$uuid" ] ||
	    why "top PayloadIdentifier"
	[ -n "$(tval PayloadDisplayName)" ] || why "top PayloadDisplayName"
	[ "$(ttype PayloadContent)" = array ] || why "PayloadContent"
	pc="/plist/dict/key[.='PayloadContent']/following-sibling::*[1]"
	ty="key[.='PayloadType']/following-sibling::*[1]"
	[ "$(xp "$f" "count($pc/dict[$ty='com.apple.mail.managed'])")" = 1 ] ||
	    why "one com.apple.mail.managed payload"
	[ "$(xp "$f" "count($pc/dict[$ty='com.apple.caldav.account'])")" = \
	    "$3" ] || why "CalDAV payload count"
	[ "$(xp "$f" "count($pc/dict[$ty='com.apple.carddav.account'])")" = \
	    "$4" ] || why "CardDAV payload count"
	[ "$(xp "$f" "count($pc/dict)")" = $((1 + $3 + $4)) ] ||
	    why "payload count"
	m="$pc/dict[$ty='com.apple.mail.managed']"
	m="$m/key[.='%s']/following-sibling::*[1]"
	# shellcheck disable=SC2059
	mval() { xp "$f" "string($(printf "$m" "$1"))"; }
	# shellcheck disable=SC2059
	mtype() { xp "$f" "name($(printf "$m" "$1"))"; }
	case $(mval EmailAccountType) in
	EmailTypeIMAP|EmailTypePOP)	;;
	*)	why "EmailAccountType" ;;
	esac
	[ "$(mval EmailAddress)" = "$2" ] || why "EmailAddress"
	for io in Incoming Outgoing; do
		[ -n "$(mval "${io}"MailServerHostName)" ] ||
		    why "${io}MailServerHostName"
		[ "$(mtype "${io}"MailServerHostName)" = string ] ||
		    why "${io}MailServerHostName type"
		[ "$(mtype "${io}"MailServerPortNumber)" = integer ] ||
		    why "${io}MailServerPortNumber type"
		mval "${io}"MailServerPortNumber |
		    grep -Eq '^[1-9][0-9]{0,4}$' ||
		    why "${io}MailServerPortNumber"
		case $(mtype "${io}"MailServerUseSSL) in
		true|false)	;;
		*)	why "${io}MailServerUseSSL" ;;
		esac
		[ "$(mval "${io}"MailServerAuthentication)" = \
		    EmailAuthPassword ] || why "${io}MailServerAuthentication"
		[ -n "$(mval "${io}"MailServerUsername)" ] ||
		    why "${io}MailServerUsername"
	done
	# Every payload has a version-5 UUID of its own.
	[ "$(xp "$f" "count(//key[.='PayloadUUID'])")" = $((2 + $3 + $4)) ] ||
	    why "PayloadUUID count"
	[ -z "$(awk '/<key>PayloadUUID<\/key>/ { getline; print }' "$f" |
	    sort | uniq -d)" ] || why "PayloadUUIDs distinct"
	# Never a password.
	pw="//key[contains(., 'Password')]/following-sibling::*[1]"
	[ "$(xp "$f" "count(${pw}[self::string or self::data])")" = 0 ] ||
	    why "a *Password* key with a value"
	return "$bad"
}

# roundtrip IN OUT: XML -> binary plist -> XML with plistutil.  Its exit
# status is 0 even when it fails, so look at what it wrote.
roundtrip() {
	rm -f "$1.bin" "$2"
	plistutil -i "$1" -o "$1.bin" >"$1.pl.err" 2>&1 || return 1
	[ ! -s "$1.pl.err" ] || return 1
	[ "$(head -c 8 "$1.bin" 2>/dev/null)" = bplist00 ] || return 1
	plistutil -i "$1.bin" -o "$2" >"$1.pl.err" 2>&1 || return 1
	[ ! -s "$1.pl.err" ] && [ -s "$2" ]
}

# samexml A B: the same document once canonicalised (entities such as
# &apos; come back as plain characters from plistutil).
samexml() {
	xmllint --nonet --c14n "$1" >"$1.c14n" 2>/dev/null &&
	    xmllint --nonet --c14n "$2" >"$2.c14n" 2>/dev/null &&
	    cmp -s "$1.c14n" "$2.c14n"
}

# samebplist A B: two identical binary plists.
samebplist() {
	[ "$(head -c 8 "$1")" = bplist00 ] && cmp -s "$1" "$2"
}

# profile CONF PATH QADDR ADDR DOMAIN CALDAV CARDDAV
profile() {
	np=$((np + 1))
	p=$TMP/p$np
	what="profile $4 ($(basename "$1") $2)"
	for k in 1 2; do
		cgi "$1" GET "$2?emailaddress=$3" example.com "$p.$k"
	done
	check "$what: 200, aspen-config, attachment $5.mobileconfig" \
	    response "$p.1" "200 OK" \
	    Content-Type=application/x-apple-aspen-config \
	    "Content-Disposition=attachment; filename=\"$5.mobileconfig\""
	check "$what: byte-identical twice" cmp -s "$p.1" "$p.2"
	check "$what: no sanitizer report" clean "$p.1.err"
	if ! body_of "$p.1" "$p.xml"; then
		notok "$what: has a body"
		return
	fi
	if ! roundtrip "$p.xml" "$p.rt1"; then
		notok "$what: plistutil parses it"
		sed 's/^/#   /' "$p.xml.pl.err"
		return
	fi
	ok "$what: plistutil parses it"
	body_of "$p.2" "$p.xml2"
	roundtrip "$p.xml2" "$p.rt2"
	check "$what: plistutil twice, identical" cmp -s "$p.rt1" "$p.rt2"
	check "$what: round trip keeps every value" samexml "$p.xml" "$p.rt1"
	check "$what: required keys, no password" plist_keys "$p.rt1" "$4" \
	    "$6" "$7"
}

np=0
profile "$SAMPLE" /mobileconfig alice%40example.com alice@example.com \
    example.com 0 0
profile "$SAMPLE" /email.mobileconfig bob%40example.net bob@example.net \
    example.net 0 0
profile "$SAMPLE" /Email.MobileConfig alice%40example.org \
    alice@example.org example.org 0 0
profile "$SAMPLE" /mobileconfig o%27neil%26co%40example.com \
    "o'neil&co@example.com" example.com 0 0
profile "$DAV" /email.mobileconfig carol%40dav.example carol@dav.example \
    dav.example 1 1
profile "$DAV" /MOBILECONFIG dave%40alias.example dave@alias.example \
    alias.example 1 1
profile "$POP" /mobileconfig erin%40pop.example erin@pop.example \
    pop.example 0 1
profile "$POP" /mobileconfig frank%40plain.example frank@plain.example \
    plain.example 1 0
profile "$POP" /email.mobileconfig grace%40popalias.example \
    grace@popalias.example popalias.example 0 1
profile "$ESC" /mobileconfig bob%40esc.example bob@esc.example \
    esc.example 1 0

# Different addresses, different identifiers.
top_uuid="string(/plist/dict/key[.='PayloadUUID']/following-sibling::*[1])"
u1=$(xp "$TMP/p1.rt1" "$top_uuid")
u2=$(xp "$TMP/p2.rt1" "$top_uuid")
check "profiles of two addresses have different PayloadUUIDs" \
    test -n "$u1" -a "$u1" != "$u2"

# The errors a profile request can get, as a CGI.
cgi "$SAMPLE" GET /mobileconfig example.com "$TMP/e1"
check "profile without emailaddress: 400" response "$TMP/e1" \
    "400 Bad Request" "Content-Type=text/plain; charset=utf-8"
cgi "$SAMPLE" GET "/mobileconfig?emailaddress=alice" example.com "$TMP/e2"
check "profile with an invalid address: 400" response "$TMP/e2" \
    "400 Bad Request"
cgi "$SAMPLE" GET "/mobileconfig?emailaddress=alice%40example.invalid" \
    example.com "$TMP/e3"
check "profile for an unconfigured domain: 404" response "$TMP/e3" \
    "404 Not Found"
cgi "$SAMPLE" HEAD "/email.mobileconfig?emailaddress=alice%40example.com" \
    example.com "$TMP/e4"
cgi "$SAMPLE" GET "/email.mobileconfig?emailaddress=alice%40example.com" \
    example.com "$TMP/e5"
check "profile HEAD: GET's headers, no body" headonly "$TMP/e4" "$TMP/e5"

# ---- (b) DNS records ----

# zone CONF DOMAIN FILE: the --dns output in a minimal zone of its own.
zone() {
	{
		# shellcheck disable=SC2016
		printf '$ORIGIN %s.\n$TTL 3600\n' "$2"
		printf '@ IN SOA ns1.%s. hostmaster.%s. ' "$2" "$2"
		printf '1 7200 3600 1209600 3600\n'
		printf '@ IN NS ns1.%s.\nns1 IN A 192.0.2.53\n' "$2"
		"$BIN" -c "$1" --dns "$2" || return 1
	} >"$3" 2>"$3.err"
}

# checkzone DOMAIN FILE: named-checkzone, strict, in-zone checks only
# (no lookups); the SRV targets have no A records here, a warning only.
checkzone() {
	named-checkzone -q -k fail -m fail -M fail -n fail -S fail -r fail \
	    -i local "$1" "$2"
}

dnsz() {
	nz=$((nz + 1))
	z=$TMP/z$nz.zone
	if zone "$1" "$2" "$z"; then
		ok "--dns $2 ($(basename "$1")) exits 0"
	else
		notok "--dns $2 ($(basename "$1")) exits 0"
	fi
	check "--dns $2 ($(basename "$1")): no sanitizer report" clean "$z.err"
	check "--dns $2 ($(basename "$1")) passes named-checkzone" \
	    checkzone "$2" "$z"
	# Every record was loaded: the SRV/TXT counts survive.
	named-checkzone -q -i none -D -o "$z.dump" "$2" "$z" 2>/dev/null
	re='^_[a-z0-9]+\._tcp\.[^ ]+ +[0-9]+ +IN +(SRV|TXT) '
	want=$(grep -Ec "$re" "$z")
	got=$(tr '\t' ' ' <"$z.dump" 2>/dev/null | grep -Ec "$re")
	check "--dns $2: all $want SRV/TXT records in the loaded zone" \
	    test "$want" -ge 10 -a "$got" = "$want"
}

nz=0
dnsz "$SAMPLE" example.com
dnsz "$SAMPLE" example.org
dnsz "$DAV" dav.example
dnsz "$DAV" alias.example
dnsz "$POP" pop.example
dnsz "$POP" plain.example

"$BIN" -c "$SAMPLE" --dns nope.example >"$TMP/nope" 2>"$TMP/nope.err"
rc=$?
check "--dns nope.example exits non-zero" test "$rc" -ne 0
check "--dns nope.example prints no records" test ! -s "$TMP/nope"
check "--dns nope.example names it on stderr" grep -q nope.example \
    "$TMP/nope.err"
"$BIN" -c "$TMP/no-such.conf" --dns example.com >/dev/null 2>&1
check "--dns with a missing config exits 78" test $? -eq 78

# --dns -H HOSTER CUSTOMER (mailautoconf(8), --dns; Hosted domains): the
# records a customer of a hoster publishes, in a zone of the customer's
# own, point at the hoster's names.
HOSTED=$ROOT/tests/conf/hosted.conf
HWARN=$ROOT/tests/conf/hosted-warn.conf

# hzone CONF HOSTER CUSTOMER FILE: --dns -H HOSTER CUSTOMER in a minimal
# zone for CUSTOMER.
hzone() {
	{
		# shellcheck disable=SC2016
		printf '$ORIGIN %s.\n$TTL 3600\n' "$3"
		printf '@ IN SOA ns1.%s. hostmaster.%s. ' "$3" "$3"
		printf '1 7200 3600 1209600 3600\n'
		printf '@ IN NS ns1.%s.\nns1 IN A 192.0.2.53\n' "$3"
		"$BIN" -c "$1" --dns -H "$2" "$3" || return 1
	} >"$4" 2>"$4.err"
}

# srv_is FILE NAME PORT TARGET: FILE has exactly one SRV record for
# NAME (in the zone's dump: absolute names, tabs), and it is
# "0 1 PORT TARGET".
srv_is() {
	got=$(tr '\t' ' ' <"$1" | tr -s ' ' |
	    awk -v n="$2" '$1 == n && $4 == "SRV" { print $5, $6, $7, $8 }')
	[ "$got" = "0 1 $3 $4" ] && return 0
	echo "# $2 SRV: '$got', want '0 1 $3 $4'"
	return 1
}

# hdnsz CONF HOSTER CUSTOMER: the zone loads strictly; the SRV/TXT
# records all survive.
hdnsz() {
	nz=$((nz + 1))
	z=$TMP/z$nz.zone
	w="--dns -H $2 $3 ($(basename "$1"))"
	if hzone "$1" "$2" "$3" "$z"; then
		ok "$w exits 0"
	else
		notok "$w exits 0" "$z.err"
	fi
	check "$w: nothing on stderr" test ! -s "$z.err"
	check "$w passes named-checkzone" checkzone "$3" "$z"
	named-checkzone -q -i none -D -o "$z.dump" "$3" "$z" 2>/dev/null
	re='^_[a-z0-9]+\._tcp\.[^ ]+ +[0-9]+ +IN +(SRV|TXT) '
	want=$(grep -Ec "$re" "$z")
	got=$(tr '\t' ' ' <"$z.dump" 2>/dev/null | grep -Ec "$re")
	check "$w: all $want SRV/TXT records in the loaded zone" \
	    test "$want" -ge 10 -a "$got" = "$want"
}

hdnsz "$HOSTED" hoster.example customer.example
hz=$TMP/z$nz.zone
C=customer.example.
for r in "_imaps._tcp.$C 993 imap.hoster.example." \
    "_pop3s._tcp.$C 995 pop.hoster.example." \
    "_submissions._tcp.$C 465 smtp.hoster.example." \
    "_submission._tcp.$C 587 smtp.hoster.example." \
    "_jmap._tcp.$C 443 jmap.hoster.example." \
    "_autodiscover._tcp.$C 443 ad.hoster.example."; do
	# shellcheck disable=SC2086
	set -- $r
	check "--dns -H hoster.example customer.example: $1 -> $3 port $2" \
	    srv_is "$hz.dump" "$1" "$2" "$3"
done
check "--dns -H hoster.example customer.example: no record names a host under customer.example" \
    eval '! tr "\t" " " <"$hz.dump" | awk "\$4 == \"SRV\" { print \$8 }" |
    grep -q "customer\.example\.\$"'
check "--dns -H hoster.example customer.example: the MX advice names the hoster" \
    grep -q '^;.*customer\.example\. IN MX [0-9]* [a-z0-9.-]*\.hoster\.example\.$' \
    "$hz"

# Through the hoster's alias: the same records.
hdnsz "$HOSTED" alias-hoster.example customer.example
check "--dns -H alias-hoster.example: the records of -H hoster.example" \
    cmp -s "$hz.dump" "$TMP/z$nz.zone.dump"

# No autodiscover_url: _autodiscover._tcp is autodiscover.HOSTER; a host
# with %EMAILDOMAIN% is the customer's (the config's warnings are -t's).
hdnsz "$HWARN" hoster2.example customer2.example
C=customer2.example.
check "--dns -H hoster2.example: _autodiscover._tcp -> autodiscover.hoster2.example" \
    srv_is "$TMP/z$nz.zone.dump" "_autodiscover._tcp.$C" 443 \
    autodiscover.hoster2.example.
check "--dns -H hoster2.example: _imaps._tcp -> imap.%EMAILDOMAIN% as the customer's" \
    srv_is "$TMP/z$nz.zone.dump" "_imaps._tcp.$C" 993 "imap.$C"
check "--dns -H hoster2.example: _submissions._tcp -> smtp.hoster2.example" \
    srv_is "$TMP/z$nz.zone.dump" "_submissions._tcp.$C" 465 \
    smtp.hoster2.example.

# Two customers at once: the records of each.
"$BIN" -c "$HOSTED" --dns -H hoster.example customer.example \
    second.example >"$TMP/h2" 2>"$TMP/h2.err"
check "--dns -H hoster.example with two customers: exit 0" test $? -eq 0
check "--dns -H hoster.example with two customers: records for both" \
    eval 'grep -q "^_imaps\._tcp\.customer\.example\. .* imap\.hoster\.example\.\$" "$TMP/h2" &&
    grep -q "^_imaps\._tcp\.second\.example\. .* imap\.hoster\.example\.\$" "$TMP/h2"'

# herr NAME MESSAGE ARG...: --dns ARG... exits 1, prints no record, and
# says MESSAGE on stderr.
herr() {
	hn=$1 hm=$2
	shift 2
	"$BIN" -c "$HOSTED" --dns "$@" >"$TMP/$hn" 2>"$TMP/$hn.err"
	hrc=$?
	check "--dns $*: exit 1" test "$hrc" -eq 1
	check "--dns $*: no SRV record" eval '! grep -q SRV "$TMP/$hn"'
	check "--dns $*: '$hm' on stderr" grep -qF -e "$hm" "$TMP/$hn.err"
}
herr he1 "plain.example: its section does not say hosted = yes" \
    -H plain.example customer.example
herr he2 "nope.example: not a configured domain" \
    -H nope.example customer.example
herr he3 "configured.example: configured itself, not hosted" \
    -H hoster.example configured.example
herr he4 "hoster.net: configured itself, not hosted" \
    -H hoster.example hoster.net

# ---- (c) redirects ----

# shorttext FILE CODE: a short text body starting with the status code.
shorttext() {
	[ "$(wc -c <"$1")" -le 256 ] && head -n 1 "$1" | grep -q "^$2 "
}

CT="Content-Type=text/plain; charset=utf-8"

# redirects RUNNER CONF WHERE: the redirect answers through RUNNER (cgi
# with CONF, or fcgi).
redirects() {
	run=$1
	c=$2
	w=$3
	r=$TMP/r-$w
	req() {
		if [ "$run" = cgi ]; then cgi "$c" "$@"; else fcgi "$@"; fi
	}
	if [ "$c" = "$SAMPLE" ]; then
		req GET /.well-known/jmap example.com "$r.1"
		check "$w: /.well-known/jmap -> 307 with Location" response \
		    "$r.1" "307 Temporary Redirect" "$CT" \
		    "Location=https://mail.example.com/jmap/session"
		check "$w: 307 body is short text" shorttext "$r.1.body" 307
		req HEAD /.well-known/jmap example.com "$r.2"
		check "$w: HEAD /.well-known/jmap: GET's headers, no body" \
		    headonly "$r.2" "$r.1"
		req GET /.Well-Known/JMAP autoconfig.example.org:443 "$r.3"
		check "$w: alias Host, any case, port: 307" response "$r.3" \
		    "307 Temporary Redirect" \
		    "Location=https://mail.example.com/jmap/session"
		req GET /.well-known/caldav example.com "$r.4"
		check "$w: /.well-known/caldav not configured: 404" \
		    response "$r.4" "404 Not Found" "$CT" "Location="
		req GET /.well-known/carddav example.com "$r.5"
		check "$w: /.well-known/carddav not configured: 404" \
		    response "$r.5" "404 Not Found" "Location="
		req POST /.well-known/jmap example.com "$r.6"
		check "$w: POST /.well-known/jmap: 405 with Allow" response \
		    "$r.6" "405 Method Not Allowed" "Allow=GET, HEAD" \
		    "Location="
		req GET /.well-known/jmap nope.example "$r.7"
		check "$w: unconfigured Host: 404" response "$r.7" \
		    "404 Not Found" "Location="
	else
		req GET /.well-known/caldav dav.example "$r.1"
		check "$w: /.well-known/caldav -> 301 with Location" \
		    response "$r.1" "301 Moved Permanently" "$CT" \
		    "Location=https://dav.dav.example:8443/caldav/dav.example/"
		check "$w: 301 body is short text" shorttext "$r.1.body" 301
		req GET /.well-known/carddav alias.example "$r.2"
		check "$w: /.well-known/carddav for an alias -> 301" \
		    response "$r.2" "301 Moved Permanently" \
		    "Location=https://dav.dav.example/carddav/?a=1&b=2"
		req HEAD /.well-known/caldav dav.example "$r.3"
		check "$w: HEAD /.well-known/caldav: GET's headers, no body" \
		    headonly "$r.3" "$r.1"
		req GET /.well-known/jmap dav.example "$r.4"
		check "$w: /.well-known/jmap -> 307 with Location" response \
		    "$r.4" "307 Temporary Redirect" \
		    "Location=https://jmap.dav.example/jmap/session"
	fi
	for f in "$r".*.err; do
		clean "$f" || { notok "$w: sanitizer report in $f"; return; }
	done
	ok "$w: no sanitizer report"
}

redirects cgi "$SAMPLE" "CGI sample"
redirects cgi "$DAV" "CGI apple-dav"

# start_fcgi CONF: serve CONF on a free 127.0.0.1 port, as nobody when
# root; the config is copied where nobody can read it (for SIGHUP).
start_fcgi() {
	FDIR=$(mktemp -d "${TMPDIR:-/tmp}/apple-dns-fcgi.XXXXXX") || return 1
	chmod 755 "$FDIR"
	cp "$1" "$FDIR/mailautoconf.conf" && chmod 644 "$FDIR/mailautoconf.conf"
	set --
	[ "$(id -u)" -eq 0 ] && set -- -u nobody
	try=0
	while [ $try -lt 20 ]; do
		FPORT=$(free_port)
		try=$((try + 1))
		"$BIN" -s "127.0.0.1:$FPORT" "$@" \
		    -c "$FDIR/mailautoconf.conf" 2>>"$FDIR/log" &
		FPID=$!
		i=0
		while [ $i -lt 100 ]; do
			if ! kill -0 "$FPID" 2>/dev/null; then
				wait "$FPID" 2>/dev/null
				FPID=
				break
			fi
			if fcgi GET /.well-known/jmap example.com \
			    "$FDIR/probe" && grep -q '^Status: ' "$FDIR/probe"
			then
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		if [ -n "$FPID" ]; then
			kill "$FPID" 2>/dev/null
			wait "$FPID" 2>/dev/null
			FPID=
			break
		fi
		grep -q 'cannot listen' "$FDIR/log" || break
	done
	echo "# FastCGI server did not start:"
	sed 's/^/#   /' "$FDIR/log"
	return 1
}

# stop_fcgi NAME: SIGTERM ends the server cleanly (exit 0, nothing from
# the sanitizers in its log).
stop_fcgi() {
	rc=0
	if [ -n "$FPID" ]; then
		kill "$FPID" 2>/dev/null
		wait "$FPID" 2>/dev/null
		rc=$?
		FPID=
	fi
	if [ "$rc" -eq 0 ] && ! grep -Eq 'Sanitizer|runtime error' \
	    "$FDIR/log"; then
		ok "FastCGI $1: SIGTERM ends the server with 0, clean log"
	else
		notok "FastCGI $1: SIGTERM ends the server with 0 (got $rc)," \
		    "clean log"
		sed 's/^/#   /' "$FDIR/log"
	fi
	rm -rf "$FDIR"
	FDIR=
}

if start_fcgi "$SAMPLE"; then
	ok "FastCGI server on 127.0.0.1:$FPORT (sample)"
	redirects fcgi "$SAMPLE" "FastCGI sample"
	# The profile, twice, through plistutil (README, Signed Apple
	# profiles: an unsigned profile is the same bytes on a re-download).
	for k in 1 2; do
		fcgi GET "/mobileconfig?emailaddress=alice%40example.com" \
		    example.com "$TMP/f$k"
		body_of "$TMP/f$k" "$TMP/f$k.xml"
		roundtrip "$TMP/f$k.xml" "$TMP/f$k.rt"
	done
	cd='Content-Disposition=attachment; filename="example.com.mobileconfig"'
	check "FastCGI profile: 200, aspen-config, attachment" response \
	    "$TMP/f1" "200 OK" Content-Type=application/x-apple-aspen-config \
	    "$cd"
	check "FastCGI profile parses with plistutil, twice identical" \
	    test -s "$TMP/f1.rt" -a -s "$TMP/f2.rt"
	check "FastCGI profile: identical round trips" cmp -s "$TMP/f1.rt" \
	    "$TMP/f2.rt"
	# As the issue says it: the body piped into "plistutil -i -".
	for k in 1 2; do
		plistutil -i - <"$TMP/f$k.xml" >"$TMP/f$k.stdin" 2>/dev/null
	done
	check "FastCGI profile | plistutil -i -: binary plist, twice the same" \
	    samebplist "$TMP/f1.stdin" "$TMP/f2.stdin"
	check "FastCGI profile: same bytes as the CGI's" cmp -s "$TMP/f1.xml" \
	    "$TMP/p1.xml"
	check "FastCGI profile: required keys" plist_keys "$TMP/f1.rt" \
	    alice@example.com 0 0
	stop_fcgi sample
else
	notok "FastCGI server on 127.0.0.1 (sample)"
fi

if start_fcgi "$DAV"; then
	ok "FastCGI server on 127.0.0.1:$FPORT (apple-dav)"
	redirects fcgi "$DAV" "FastCGI apple-dav"
	stop_fcgi apple-dav
else
	notok "FastCGI server on 127.0.0.1 (apple-dav)"
fi

finish
