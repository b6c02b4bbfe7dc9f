#!/bin/sh
# deps.sh MODE: make sure the Debian packages mailautoconf needs are
# installed.  MODE is "build", "test" (make check) or "run" (make run).
#
# Quiet when nothing is missing.  When something is: as root, apt-get
# installs it; otherwise print the one command to run and exit 1.
set -eu

# Build: the compiler and the three libraries; libcrypto (signed Apple
# profiles) and libseccomp (the system call filter) are optional at build
# time but installed here so the full program is built and tested.
build="gcc make pkg-config libfcgi-dev libmxml-dev libcmocka-dev
    libssl-dev libseccomp-dev"
# Tests: FastCGI clients and launchers, XML/plist/zone checkers, valgrind,
# the real web servers of the end-to-end test, systemd-socket-activate,
# the DNS and mail servers --check is tested against, and the browser the
# setup page is tested in.
tests="libfcgi-bin spawn-fcgi curl libxml2-utils mandoc openssl python3
    valgrind libplist-utils bind9-utils lighttpd apache2
    libapache2-mod-fcgid nginx systemd nsd dovecot-imapd dovecot-pop3d
    dovecot-submissiond chromium chromium-driver"
case "${1:-}" in
build)	want="$build" ;;
test)	want="$build $tests" ;;
run)	want="$build lighttpd curl" ;;
*)	echo "usage: sh scripts/deps.sh build | test | run" >&2
	exit 64 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; make sure these (or your" \
	    "system's equivalents) are installed: $want" >&2
	exit 0
fi

missing=
for p in $want; do
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" in
	ii*)	;;
	*)	missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages; install them with:" >&2
	echo "sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
# The web servers are run by the tests on their own ports: do not let the
# packages start system-wide instances (two of them want port 80).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends $missing </dev/null
