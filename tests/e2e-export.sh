#!/bin/sh
# tests/e2e-export.sh BINARY: "mailautoconf --export" (mailautoconf(8),
# "Static export") served by real web servers with the files in
# contrib/, against the same servers handing everything to the
# responder.
#
# For the sample configuration and a generated one of many domains
# (aliases and a hoster among them), BINARY --export writes the tree;
# one FastCGI responder (BINARY -s unix:...) answers what the files do
# not.  Each web server runs twice, on 127.0.0.1 and free ports: with
# contrib/SERVER/mailautoconf-export.conf (files first) and with
# contrib/SERVER/mailautoconf.conf (everything to the responder), their
# paths and ports templated.  tests/e2e/export-compare.py sends every
# request of the list below to both: status, Content-Type and body must
# be the same, the domain-only answers must come from files, the others
# (POST, addresses of other domains, hosted addresses, the profile,
# redirects) from the responder.  Then a domain leaves the
# configuration: after the next export it is 404 through both, and an
# unknown domain is 404; the export is idempotent (a second run changes
# nothing: same inodes and times) and refuses a directory it did not
# make.
#
# Output: "ok - ..." / "not ok - ..." lines, then "export: N passed, N
# failed"; exit status 1 on any failure.  Every process started is
# stopped on exit.
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: sh tests/e2e-export.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
contrib=$top/contrib
PATH=$PATH:/usr/sbin:/sbin
export PATH
WHY_LINES=40
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-export.XXXXXX")
chmod 755 "$T"
groups=
cleanup() {
	for g in $groups; do
		kill -TERM "-$g" 2>/dev/null
	done
	# shellcheck disable=SC2086
	kill_groups $groups
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

finish() {
	echo "export: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

for t in nginx python3 setsid; do
	command -v "$t" >/dev/null 2>&1 || {
		notok "setup: $t is not installed"
		finish
	}
done

user=
if [ "$(id -u)" -eq 0 ]; then
	user=nobody
	group=$(id -gn nobody)
fi

# ---- the configurations ----

# The sample, and 300 generated domains: every 10th with servers of its
# own, every 7th an alias, one hoster (hosted = yes).
conf=$T/export.conf
{
	cat "$top/etc/mailautoconf.conf"
	echo
	echo "[domain hoster.example]"
	echo "hosted = yes"
	echo "imap = imap.hoster.example 993 SSL"
	echo "smtp = smtp.hoster.example 465 SSL"
	awk 'BEGIN {
		for (i = 1; i <= 300; i++) {
			printf "\n[domain d%d.example]\n", i
			if (i % 7 == 0)
				printf "alias = d%d.example\n", i - 1
			else if (i % 10 == 0)
				printf "display_name = D%d & Co\nimap = mail%d.example.net " \
				    "993 SSL\nsmtp = mail%d.example.net 465 SSL\n", i, i, i
		}
	}'
} >"$conf"
chmod 644 "$conf"
if ! "$bin" -c "$conf" -t >"$T/t.out" 2>&1; then
	notok "setup: $conf loads" "$T/t.out"
	finish
fi
domains=$(awk -F: '$1 !~ /[/ ]/ { print $1 }' "$T/t.out")

# ---- the responder ----

sock=$T/mac.sock
setsid "$bin" ${user:+-u "$user"} -s "unix:$sock" -c "$conf" \
    >"$T/responder.log" 2>&1 &
resp_pid=$!
groups="$groups $resp_pid"
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
[ -S "$sock" ] || { notok "setup: the responder listens" "$T/responder.log"; finish; }

# ---- the export ----

ex=$T/export
check "--export: writes the tree" "$bin" -c "$conf" --export "$ex"
n_files=$(find "$ex" -type f ! -name .mailautoconf-export | wc -l)
n_dom=$(echo "$domains" | wc -l)
check "--export: a directory per domain ($n_dom), $n_files files" \
    eval '[ "$(find "$ex" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq "$n_dom" ] ||
    { find "$ex" -mindepth 1 -maxdepth 1 -type d | wc -l; echo "$domains" | head; }'
stat -c '%i %Y %n' "$ex"/*/mail/config-v1.1.xml | sort >"$T/stat1"
sleep 1.1
"$bin" -c "$conf" --export "$ex" >"$T/again.out" 2>&1
stat -c '%i %Y %n' "$ex"/*/mail/config-v1.1.xml | sort >"$T/stat2"
check "--export again: unchanged, the same inodes and times" \
    eval 'grep -q unchanged "$T/again.out" && cmp "$T/stat1" "$T/stat2"'
mkdir "$T/other"
echo x >"$T/other/file"
"$bin" -c "$conf" --export "$T/other" >"$T/other.out" 2>&1
rc=$?
check "--export refuses a directory it did not make (exit 73, left as is)" \
    eval '[ $rc -eq 73 ] && [ "$(cat "$T/other/file")" = x ] &&
    [ "$(ls "$T/other")" = file ]'
echo "[domain broken.example]" >"$T/broken.conf"
echo "imap = imap.broken.example 0 SSL" >>"$T/broken.conf"
"$bin" -c "$T/broken.conf" --export "$T/bad" >"$T/bad.out" 2>&1
rc=$?
check "--export: a broken configuration is exit 78, nothing written" \
    eval '[ $rc -eq 78 ] && [ ! -e "$T/bad" ]'

# ---- the requests ----

# The Outlook body, for the responder's share.
sed 's/alice@example\.com/alice@example.net/' \
    "$top/tests/data/outlook-request.xml" >"$T/outlook.xml"
chmod 644 "$T/outlook.xml"
reqs=$T/requests
{
	for d in $domains; do
		echo "GET autoconfig.$d /mail/config-v1.1.xml?emailaddress=alice%40$d f -"
		echo "GET autoconfig.$d /mail/config-v1.1.xml f -"
		echo "GET AUTOCONFIG.$(echo "$d" | tr a-z A-Z):8443 /mail/config-v1.1.xml?EmailAddress=Alice%40$d f -"
		echo "HEAD autoconfig.$d /mail/config-v1.1.xml f -"
		echo "GET autoconfig.$d /.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=a.b%40$d f -"
		echo "GET autodiscover.$d /.well-known/mail-v1.xml f -"
		echo "GET autodiscover.$d /autodiscover/autodiscover.xml f -"
		echo "GET autoconfig.$d / f -"
		echo "HEAD autodiscover.$d / f -"
	done
	# The responder's: other domains' and hosted addresses, bodies,
	# profiles, redirects, paths in other case, unknown names.
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress=alice%40example.net - -"
	echo "GET autoconfig.hoster.example /mail/config-v1.1.xml?emailaddress=user%40customer.example r -"
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress=bad r -"
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress= - -"
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress=a%40.. r -"
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress=a%40..%2Fexport r -"
	echo "GET autoconfig.example.com /index.html r -"
	echo "GET autoconfig.example.com /example.com/mail/config-v1.1.xml r -"
	echo "GET autoconfig.example.com /mail/config-v1.1.xml?emailaddress=a%2Bb%40example.com r -"
	echo "POST autodiscover.example.com /autodiscover/autodiscover.xml r $T/outlook.xml"
	echo "POST autoconfig.example.com /mail/config-v1.1.xml r -"
	echo "GET autoconfig.example.com /email.mobileconfig?emailaddress=alice%40example.com r -"
	echo "GET autoconfig.example.com /.well-known/jmap r -"
	echo "GET autoconfig.example.com /Mail/Config-v1.1.xml r -"
	echo "GET autoconfig.example.com /autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=AutodiscoverV1 r -"
	echo "GET autoconfig.nosuch.example /mail/config-v1.1.xml r -"
	echo "GET autoconfig.nosuch.example / r -"
	echo "GET autoconfig.example.com /mail r -"
	echo "GET autoconfig.example.com /.mailautoconf-export r -"
} >"$reqs"
cp "$reqs" "$reqs.lighttpd"
# The same without d5.example, whose requests are then the responder's.
sed -e '/[. ]d5\.example[ /:]/s/ f -$/ r -/' -e '/D5\.EXAMPLE/s/ f -$/ r -/' \
    "$reqs" >"$reqs.less"

# ---- the web servers ----

# up PORT DIR: until something listens on 127.0.0.1:PORT (5 s at most),
# else the logs in DIR and false.
up() {
	ui=0
	while ! listening "$1"; do
		ui=$((ui + 1))
		if [ $ui -gt 100 ]; then
			cat "$2/out.log" "$2/error.log" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
}

# ---- nginx ----

# run_nginx NAME CONTRIB: nginx on a free port with the contrib file,
# its socket, root and port replaced; sets port.
run_nginx() {
	nd=$T/$1
	mkdir -p "$nd"
	port=$(free_port)
	sed -e "s|listen 80;|listen 127.0.0.1:$port;|" \
	    -e "s|unix:/run/mailautoconf.sock|unix:$sock|" \
	    -e "s|/var/lib/mailautoconf/export|$ex|" \
	    -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	    "$2" >"$nd/site.conf"
	cat >"$nd/nginx.conf" <<EOF
${user:+user $user $group;}
worker_processes 1;
pid $nd/nginx.pid;
error_log $nd/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $nd/body;
	fastcgi_temp_path $nd/fastcgi;
	proxy_temp_path $nd/proxy;
	scgi_temp_path $nd/scgi;
	uwsgi_temp_path $nd/uwsgi;
	include $nd/site.conf;
}
EOF
	setsid nginx -p "$nd" -c "$nd/nginx.conf" -g 'daemon off;' \
	    >"$nd/out.log" 2>&1 &
	groups="$groups $!"
	up "$port" "$nd"
}

if run_nginx nginx-export "$contrib/nginx/mailautoconf-export.conf" \
    >"$T/why1" 2>&1; then
	nx=$port
	ok "nginx: contrib/nginx/mailautoconf-export.conf on 127.0.0.1:$nx"
else
	notok "nginx: contrib/nginx/mailautoconf-export.conf starts" "$T/why1"
	finish
fi
if run_nginx nginx-plain "$contrib/nginx/mailautoconf.conf" >"$T/why2" 2>&1
then
	np=$port
	ok "nginx: contrib/nginx/mailautoconf.conf on 127.0.0.1:$np"
else
	notok "nginx: contrib/nginx/mailautoconf.conf starts" "$T/why2"
	finish
fi
check "nginx: $(grep -c . "$reqs") requests, each the responder's answer" \
    python3 "$top/tests/e2e/export-compare.py" "$nx" "$np" "$reqs"

# The setup page's headers from the file are the responder's.
page_headers() {
	python3 - "$1" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/", headers={"Host": "autoconfig.example.com"})
r = c.getresponse()
for h in ("Content-Security-Policy", "X-Content-Type-Options",
          "Referrer-Policy"):
    print(h, r.getheader(h))
EOF
}
check "nginx: the page from a file has the responder's headers" \
    eval '[ "$(page_headers "$nx")" = "$(page_headers "$np")" ] &&
    page_headers "$nx" | grep -q "sha256-"'

# ---- lighttpd ----

# run_lighttpd NAME CONTRIB: lighttpd on a free port with the contrib
# file, its socket, export directory and port replaced; sets port.
run_lighttpd() {
	ld=$T/$1
	mkdir -p "$ld"
	port=$(free_port)
	sed -e "s|/run/mailautoconf.sock|$sock|" \
	    -e "s|/var/lib/mailautoconf/export|$ex|" "$2" >"$ld/site.conf"
	: >"$ld/error.log"
	[ -z "$user" ] || chown "$user" "$ld/error.log"
	mkdir -p "$T/www"
	cat >"$ld/lighttpd.conf" <<EOF
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$T/www"
server.errorlog = "$ld/error.log"
server.tag = "lighttpd"
${user:+server.username = \"$user\"}
${user:+server.groupname = \"$group\"}
include "$ld/site.conf"
EOF
	lighttpd -tt -f "$ld/lighttpd.conf" || return 1
	setsid lighttpd -D -f "$ld/lighttpd.conf" >"$ld/out.log" 2>&1 &
	groups="$groups $!"
	up "$port" "$ld"
}

if ! command -v lighttpd >/dev/null 2>&1; then
	notok "lighttpd: not installed"
elif run_lighttpd lighttpd-export "$contrib/lighttpd/mailautoconf-export.conf" \
    >"$T/why3" 2>&1 &&
    lx=$port && run_lighttpd lighttpd-plain \
    "$contrib/lighttpd/mailautoconf-socket.conf" >"$T/why4" 2>&1; then
	lp=$port
	ok "lighttpd: contrib/lighttpd/mailautoconf-export.conf on 127.0.0.1:$lx, mailautoconf-socket.conf on :$lp"
	check "lighttpd: $(grep -c . "$reqs") requests, each the responder's answer" \
	    python3 "$top/tests/e2e/export-compare.py" "$lx" "$lp" "$reqs.lighttpd"
	check "lighttpd: the page from a file has the responder's headers" \
	    eval '[ "$(page_headers "$lx")" = "$(page_headers "$lp")" ] &&
	    page_headers "$lx" | grep -q "sha256-"'
else
	cat "$T/why4" >>"$T/why3" 2>/dev/null
	notok "lighttpd: the two set-ups start" "$T/why3"
fi

# ---- a domain leaves ----

# The configuration changes (d5.example leaves): the responder reloads
# it (SIGHUP) and --export runs again, as a deployment hook would.
status_of() {	# PORT HOST: the status of GET /mail/config-v1.1.xml
	python3 - "$1" "$2" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
c.request("GET", "/mail/config-v1.1.xml", headers={"Host": sys.argv[2]})
print(c.getresponse().status)
EOF
}
check "before: d5.example is 200 from the export" \
    eval '[ "$(status_of "$nx" autoconfig.d5.example)" = 200 ]'
grep -v '^\[domain d5\.example\]$' "$conf" >"$T/less.conf"
cp "$T/less.conf" "$conf"
kill -HUP "$resp_pid"
check "--export after d5.example left the configuration" \
    "$bin" -c "$conf" --export "$ex"
check "d5.example's files are gone" eval '[ ! -e "$ex/d5.example" ]'
i=0
while [ "$(status_of "$np" autoconfig.d5.example)" != 404 ] && [ $i -lt 50 ]
do
	sleep 0.1	# the reload
	i=$((i + 1))
done
check "nginx: d5.example is 404 after the export" \
    eval '[ "$(status_of "$nx" autoconfig.d5.example)" = 404 ]'
check "nginx: an unknown domain is 404" \
    eval '[ "$(status_of "$nx" autoconfig.nosuch.example)" = 404 ]'
check "nginx: after the change, every request still the responder's" \
    python3 "$top/tests/e2e/export-compare.py" "$nx" "$np" "$reqs.less"
if [ -n "${lp:-}" ]; then
	check "lighttpd: d5.example is 404 after the export" \
	    eval '[ "$(status_of "$lx" autoconfig.d5.example)" = 404 ]'
	check "lighttpd: an unknown domain is 404" \
	    eval '[ "$(status_of "$lx" autoconfig.nosuch.example)" = 404 ]'
fi

finish
