#!/bin/sh
# run.sh: serve the sample configuration through lighttpd on 127.0.0.1
# (make run).  lighttpd starts ./mailautoconf itself as a FastCGI
# responder on a Unix socket in a temporary directory.  Ctrl-C stops it.
#
# Environment: PORT (default 8080), CONF (default etc/mailautoconf.conf),
# BIN (default ./mailautoconf), RUN_USER (the user lighttpd drops to
# when started as root, default nobody).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
bin=${BIN:-$top/mailautoconf}
conf=${CONF:-$top/etc/mailautoconf.conf}
case "$bin" in /*) ;; *) bin=$(pwd)/$bin ;; esac
case "$conf" in /*) ;; *) conf=$(pwd)/$conf ;; esac

case "$port" in
''|*[!0-9]*) echo "run.sh: PORT must be a number" >&2; exit 64 ;;
esac
[ -x "$bin" ] || { echo "run.sh: $bin: not built (make)" >&2; exit 1; }
[ -r "$conf" ] || { echo "run.sh: $conf: cannot read" >&2; exit 1; }
lighttpd=$(command -v lighttpd 2>/dev/null || echo /usr/sbin/lighttpd)
[ -x "$lighttpd" ] || {
	echo "run.sh: lighttpd is not installed (sh scripts/deps.sh run)" >&2
	exit 1
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-run.XXXXXX")
cleanup() {
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$dir/www" "$dir/sock"

# lighttpd must not run as root: it drops to RUN_USER, and so does the
# responder it spawns.  That user must reach the binary and the config;
# when it cannot (a repository under /root, say), serve copies.
userlines=
if [ "$(id -u)" -eq 0 ]; then
	user=${RUN_USER:-nobody}
	group=$(id -gn "$user")
	userlines="server.username = \"$user\"
server.groupname = \"$group\""
	chmod 755 "$dir"
	chmod 755 "$dir/www"
	chown "$user:$group" "$dir/sock"
	chmod 700 "$dir/sock"
	as_user() {
		setpriv --reuid="$user" --regid="$group" --clear-groups "$@"
	}
	case "$bin" in *[[:space:]]*) bad=1 ;; *) bad=0 ;; esac
	if [ "$bad" = 1 ] || ! as_user test -x "$bin"; then
		cp "$bin" "$dir/mailautoconf"
		chmod 755 "$dir/mailautoconf"
		bin=$dir/mailautoconf
	fi
	case "$conf" in *[[:space:]]*) bad=1 ;; *) bad=0 ;; esac
	if [ "$bad" = 1 ] || ! as_user test -r "$conf"; then
		cp "$conf" "$dir/mailautoconf.conf"
		chmod 644 "$dir/mailautoconf.conf"
		conf=$dir/mailautoconf.conf
	fi
else
	# lighttpd splits bin-path at white space.
	case "$bin$conf" in *[[:space:]]*)
		cp "$bin" "$dir/mailautoconf"
		cp "$conf" "$dir/mailautoconf.conf"
		bin=$dir/mailautoconf
		conf=$dir/mailautoconf.conf ;;
	esac
fi

# Quote a value for the right side of a sed s|||.
sedq() {
	printf '%s' "$1" | sed 's/[\\&|]/\\&/g'
}
awk -v user="$userlines" '{ sub(/^@USER@$/, user); print }' \
    "$top/scripts/lighttpd.conf.in" |
sed -e "s|@PORT@|$port|g" \
    -e "s|@DIR@|$(sedq "$dir")|g" \
    -e "s|@BIN@|$(sedq "$bin")|g" \
    -e "s|@CONF@|$(sedq "$conf")|g" >"$dir/lighttpd.conf"
"$lighttpd" -tt -f "$dir/lighttpd.conf" >/dev/null

u=http://127.0.0.1:$port
cat <<EOF
mailautoconf behind lighttpd on $u (config $conf).
Try, from the top of the repository:

  curl -s '$u/mail/config-v1.1.xml?emailaddress=alice%40example.com'
  curl -si $u/.well-known/autoconfig/mail/config-v1.1.xml -H 'Host: autoconfig.example.net'
  curl -si $u/mail/config-v1.1.xml -H 'Host: autoconfig.example.invalid'    # 404
  curl -si -X POST -d '' $u/mail/config-v1.1.xml -H 'Host: autoconfig.example.com'    # 405
  curl -s -X POST --data-binary @tests/data/outlook-request.xml $u/Autodiscover/Autodiscover.xml
  curl -s $u/ -H 'Host: autoconfig.example.com'    # the setup page for people

Ctrl-C stops the server.
EOF
"$lighttpd" -D -f "$dir/lighttpd.conf"
