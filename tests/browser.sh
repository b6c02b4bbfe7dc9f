#!/bin/sh
# tests/browser.sh BINARY: the setup page (mailautoconf(8), "The setup
# page") in a real browser, Debian's headless Chromium driven through
# Debian's chromedriver (packages chromium, chromium-driver).
#
# The set-up: scripts/run.sh serves etc/mailautoconf.conf through
# lighttpd, which starts BINARY as its FastCGI responder; chromedriver;
# both on 127.0.0.1 and free ports, each in a process group of its own.
# tests/browser/drive.py opens http://autoconfig.example.com:PORT/ in
# Chromium (the name mapped to 127.0.0.1 inside the browser) over the
# W3C WebDriver protocol and checks:
#   - the title and the visible text: the configured display name, each
#     configured server with its port and security ("SSL/TLS",
#     "STARTTLS"), the user name in words ("your full e-mail address"),
#     and every mail server "BINARY --dns example.com" publishes;
#   - that WebDriver's scripts run under the page's Content-Security-
#     Policy, and that the inline style sheet its CSP allows by hash is
#     applied (the button's computed colour, by script and by
#     WebDriver's CSS value command);
#   - at 360x800 nothing scrolls sideways; at 1280x900 the text column
#     is at most 40rem and centred; a screenshot of the whole page at
#     each width, build/setup-page-phone.png and
#     build/setup-page-desktop.png, for a person to look at;
#   - the form: with the field empty the button submits nothing (the
#     field is required); with alice@example.com it downloads
#     example.com.mobileconfig, byte for byte the body of
#     "BINARY -r /email.mobileconfig?emailaddress=alice%40example.com"
#     and named as its Content-Disposition says, and the page stays;
#   - the browser log holds no CSP violation, error or warning (and, as
#     a control, does show one for an image the CSP must block);
#   - Chromium sends nothing anywhere else: its background services are
#     turned off by flags (or pointed at 127.0.0.1), and every request
#     not for the page goes to a proxy in drive.py that forwards
#     nothing; it must see none (and, as a control, sees a navigation
#     to another host).
# Then the session is ended and the processes must be gone.
#
# Skipped (one "ok - ... # SKIP" line a case) only when chromium or
# chromedriver is not installed.  Run as root (CI), lighttpd and the
# responder drop to nobody (scripts/run.sh) and Chromium runs without
# its sandbox.  Every process started is stopped on exit, also on
# failure.  BROWSER_KEEP=1 keeps the temporary directory (logs, the
# download).  Output: "ok - ..." / "not ok - ..." lines, then "browser:
# N passed, N failed"; exit status 1 on any failure.

# Functions run through trap.
# shellcheck disable=SC2317
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: sh tests/browser.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
conf=$top/etc/mailautoconf.conf
drive=$top/tests/browser/drive.py
shots=$top/build
PATH=$PATH:/usr/sbin:/sbin
export PATH

WHY_LINES=40
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

T=
finish() {
	echo "browser: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# ---- what is needed ----

chromium=$(command -v chromium 2>/dev/null)
chromedriver=$(command -v chromedriver 2>/dev/null)
if [ -z "$chromium" ] || [ -z "$chromedriver" ]; then
	why="not installed:"
	[ -n "$chromium" ] || why="$why chromium"
	[ -n "$chromedriver" ] || why="$why chromedriver (chromium-driver)"
	if command -v python3 >/dev/null 2>&1 &&
	    names=$(python3 "$drive" --list 2>/dev/null); then
		printf '%s\n' "$names" | while IFS= read -r n; do
			skipped "$n" "$why"
		done
	else
		skipped "setup page in Chromium" "$why"
	fi
	finish
fi
# Debian's /usr/bin/chromium is a launcher that adds the flags of
# /etc/chromium.d (extensions to load, API keys); the test starts the
# browser itself, so that every flag it runs with is the test's.
[ -x /usr/lib/chromium/chromium ] && chromium=/usr/lib/chromium/chromium

missing=
for t in lighttpd python3 setsid timeout; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || missing="$missing setpriv"
fi
if [ ! -x "$bin" ] || [ -n "$missing" ]; then
	need="need $1 built and:$missing"
	notok "setup: $need (Debian: apt-get install lighttpd python3)"
	finish
fi

# ---- the temporary directory and the processes to stop ----

T=$(mktemp -d /tmp/mailautoconf-browser.XXXXXX) || exit 1
mkdir "$T/pid" "$T/log" "$T/work" "$T/home"
groups=



# Only groups with a live member are signalled: while one lives, its
# number cannot be given to another process.
stop_all() {
	live=
	for g in $groups; do
		if group_alive "$g"; then
			kill -TERM "-$g" 2>/dev/null
			live="$live $g"
		fi
	done
	# shellcheck disable=SC2086
	kill_groups $live
	groups=
	for p in $(strays); do
		kill -KILL "$p" 2>/dev/null
	done
}

cleanup() {
	[ -n "$T" ] || return
	stop_all
	if [ -n "${BROWSER_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# showlog FILE: the end of a log under a failure.
showlog() {
	[ -s "$T/log/$1" ] || return 0
	echo "# -- the end of $1:"
	tail -n 15 "$T/log/$1" | cut -c1-300 | sed 's/^/#   /'
}


# wait_listen NAME PORT: until NAME listens on PORT (20 s at most),
# false at once when it has exited.
wait_listen() {
	wi=0
	while ! listening "$2"; do
		[ -s "$T/pid/$1.rc" ] && return 1
		wi=$((wi + 1))
		[ "$wi" -gt 200 ] && return 1
		sleep 0.1
	done
}

# ---- the servers ----

start=$(date +%s)
web_port=$(free_port)
driver_port=$(free_port)
launch lighttpd env PORT="$web_port" CONF="$conf" BIN="$bin" \
    sh "$top/scripts/run.sh"
# Chromium keeps its files (crash reports, caches) under HOME: here.
launch chromedriver env HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" \
    XDG_CACHE_HOME="$T/home/.cache" "$chromedriver" --port="$driver_port" \
    --log-path="$T/log/chromedriver-commands.log"
if wait_listen lighttpd "$web_port"; then
	ok "setup: lighttpd (scripts/run.sh) serves BINARY on 127.0.0.1:$web_port"
else
	notok "setup: lighttpd (scripts/run.sh) serves BINARY on 127.0.0.1:$web_port" \
	    "$T/log/lighttpd.log"
	finish
fi
if wait_listen chromedriver "$driver_port"; then
	ok "setup: chromedriver listens on 127.0.0.1:$driver_port"
else
	notok "setup: chromedriver listens on 127.0.0.1:$driver_port" \
	    "$T/log/chromedriver.log"
	finish
fi

# ---- the browser ----

mkdir -p "$shots"
timeout 150 python3 "$drive" --driver-port "$driver_port" \
    --web-port "$web_port" --binary "$bin" --conf "$conf" \
    --chromium "$chromium" --work "$T/work" --shots "$shots" \
    >"$T/drive.out" 2>"$T/drive.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*)	ok "${line#ok - }" ;;
	"not ok - "*)	notok "${line#not ok - }" ;;
	*)		printf '%s\n' "$line" ;;
	esac
done <"$T/drive.out"
if [ "$rc" -ne 0 ]; then
	notok "drive.py ran to its end (exit status $rc)" "$T/drive.err"
fi
if [ "$fail" -gt 0 ]; then
	showlog lighttpd.log
	showlog chromedriver-commands.log
fi

# ---- the end ----

# Chromium's processes: those naming its profile or its crash report
# directory (under HOME) in the temporary directory.
chromium_procs() {
	set -- /proc/[0-9]*/cmdline
	grep -lF -e "$T/work/profile" -e "$T/home/.config/chromium" "$@" \
	    2>/dev/null | sed 's|^/proc/\([0-9]*\)/cmdline$|\1|'
}

# The session's DELETE (drive.py) ends Chromium: none of its processes
# may be left.
gi=0
while [ -n "$(chromium_procs)" ] && [ "$gi" -lt 50 ]; do
	sleep 0.1
	gi=$((gi + 1))
done
left=$(for p in $(chromium_procs); do
	printf '%s %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
	    cut -c1-150)"
done)
if [ -z "$left" ]; then
	ok "stop: the session's end leaves no Chromium process"
else
	printf '%s\n' "$left" >"$T/why"
	notok "stop: the session's end leaves no Chromium process" "$T/why"
fi
# SIGTERM to each group: chromedriver and lighttpd with its responder
# end within 3 s.
lg=$(cat "$T/pid/lighttpd.pg")
dg=$(cat "$T/pid/chromedriver.pg")
kill -TERM "-$lg" "-$dg" 2>/dev/null
gi=0
while { group_alive "$lg" || group_alive "$dg"; } && [ "$gi" -lt 30 ]; do
	sleep 0.1
	gi=$((gi + 1))
done
if group_alive "$lg" || group_alive "$dg"; then
	notok "stop: lighttpd, the responder and chromedriver end on SIGTERM"
else
	ok "stop: lighttpd, the responder and chromedriver end on SIGTERM"
fi
echo "# $(($(date +%s) - start)) s"
finish
