#!/bin/sh
# deps.sh MODE: make sure the Debian packages mailautoconf needs are
# installed.  MODE is "build", "test" (make check) or "run" (make run).
#
# Quiet when nothing is missing.  When something is: as root, apt-get
# installs it; otherwise print the one command to run and exit 1.
set -eu

build="gcc make pkg-config libfcgi-dev libmxml-dev libcmocka-dev"
case "${1:-}" in
build)	want="$build" ;;
test)	want="$build libfcgi-bin spawn-fcgi curl libxml2-utils mandoc" ;;
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
apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends $missing </dev/null
