#!/bin/sh
# Privileges of a FastCGI responder started as root: it refuses to
# serve without -u; with -u it runs with that user's uid and gid only,
# no supplementary groups, no_new_privs set and, where built with
# libseccomp, the system call filter loaded (-S leaves the filter out);
# so does each of its workers.  Read from /proc while the responder
# serves.
set -u
bin=${1:?usage: privileges.sh BINARY}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "privileges: 0 passed, 0 failed (not root: skipped)"
	exit 0
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
T=$tmp	# free_port lists the ports it gave in $T/ports
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT INT TERM
cp etc/mailautoconf.conf "$tmp/m.conf"
chmod 644 "$tmp/m.conf"
nuid=$(id -u nobody)
ngid=$(id -g nobody)

field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# Start the responder with extra options on a free port; sets $pid.
start() {
	p=$(free_port)
	"$bin" "$@" -c "$tmp/m.conf" -s "127.0.0.1:$p" 2>"$tmp/err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 50 ] && alive "$pid"; do
		REQUEST_METHOD=GET REQUEST_URI=/mail/config-v1.1.xml \
		    HTTP_HOST=example.com cgi-fcgi -bind -connect \
		    "127.0.0.1:$p" 2>/dev/null | grep -q '^Status: 200' &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

"$bin" -c "$tmp/m.conf" -s 127.0.0.1:"$(free_port)" 2>"$tmp/root.err"
rc=$?
[ $rc -eq 77 ] && grep -q 'refusing to serve FastCGI as root' "$tmp/root.err" &&
    ok "as root without -u: refused, exit 77" ||
    notok "as root without -u: refused, exit 77 (got $rc)"

if start -u nobody; then
	ok "serves with -u nobody"
	uid=$(field "$pid" Uid)
	gid=$(field "$pid" Gid)
	[ "$uid" = "$nuid	$nuid	$nuid	$nuid" ] &&
	    ok "real, effective, saved and fs uid are nobody's" ||
	    notok "uids are nobody's (Uid: $uid)"
	[ "$gid" = "$ngid	$ngid	$ngid	$ngid" ] &&
	    ok "real, effective, saved and fs gid are nobody's group" ||
	    notok "gids are nobody's group (Gid: $gid)"
	groups=$(field "$pid" Groups | tr -d ' \t')
	[ -z "$groups" ] || [ "$groups" = "$ngid" ] &&
	    ok "no supplementary groups but nobody's own" ||
	    notok "supplementary groups dropped (Groups: $groups)"
	[ "$(field "$pid" NoNewPrivs)" = 1 ] && ok "no_new_privs is set" ||
	    notok "no_new_privs is set"
	sc=$(field "$pid" Seccomp)
	if grep -q 'seccomp unavailable' "$tmp/err"; then
		notok "seccomp filter loaded ($(cat "$tmp/err"))"
	elif grep -q 'libseccomp\.so' "$bin"; then
		[ "$sc" = 2 ] && ok "seccomp filter loaded (Seccomp: 2)" ||
		    notok "seccomp filter loaded (Seccomp: $sc)"
	else
		ok "built without libseccomp: no filter expected # SKIP"
	fi
	# -s starts one worker per CPU under this parent: each is as
	# confined as the parent, under a filter of its own.
	kids=$(ps -o pid= --ppid "$pid")
	nk=0 bad=
	for k in $kids; do
		nk=$((nk + 1))
		[ "$(field "$k" Uid)" = "$nuid	$nuid	$nuid	$nuid" ] ||
		    bad="$bad $k:uid"
		[ "$(field "$k" NoNewPrivs)" = 1 ] || bad="$bad $k:nnp"
		if grep -q 'libseccomp\.so' "$bin"; then
			[ "$(field "$k" Seccomp)" = 2 ] || bad="$bad $k:seccomp"
		fi
	done
	[ "$nk" -eq "$(nproc)" ] && [ -z "$bad" ] &&
	    ok "$nk workers (one per CPU), each nobody, no_new_privs, filtered" ||
	    notok "workers: $nk of $(nproc), wrong:$bad"
	kill "$pid"
	wait "$pid"
	[ $? -eq 0 ] && ok "SIGTERM: exit 0 under the filter" ||
	    notok "SIGTERM: exit 0 under the filter"
else
	notok "serves with -u nobody"
	cat "$tmp/err"
fi

if start -S -u nobody; then
	[ "$(field "$pid" Seccomp)" = 0 ] && ok "-S: no seccomp filter" ||
	    notok "-S: no seccomp filter"
	kill "$pid"
else
	notok "serves with -S -u nobody"
fi

"$bin" -c "$tmp/m.conf" -u no-such-user-here -s 127.0.0.1:"$(free_port)" \
    2>"$tmp/nouser.err"
rc=$?
[ $rc -eq 77 ] && grep -q 'no such user' "$tmp/nouser.err" &&
    ok "-u with an unknown user: exit 77" ||
    notok "-u with an unknown user: exit 77 (got $rc)"

echo "privileges: $pass passed, $fail failed"
[ $fail -eq 0 ]
