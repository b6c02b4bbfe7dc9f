#!/bin/sh
# Start mailautoconf as a FastCGI responder on a Unix socket with
# spawn-fcgi, in the foreground (for a supervisor: runit, daemontools,
# a systemd service with Type=simple, or "&" and $! from a script).
#
# spawn-fcgi (run as root) creates the socket, gives it to the web
# server's user with mode 0660, drops to RUN_USER and then runs the
# responder in its own process (-n: no fork), so the process id the
# supervisor sees is the responder's:
#   kill -HUP  PID	reload the configuration between requests (a broken
#			file is logged and the old one kept)
#   kill -TERM PID	finish the requests under way and exit 0
#
# Worker processes: a responder that gets its socket on fd 0, as from
# spawn-fcgi, runs as one process unless told otherwise.  spawn-fcgi's
# own -F (fork several children) does not work with -n, so the script
# asks the responder for its workers instead: -w WORKERS, 0 (the
# default here) for one per CPU.  PID is then the parent, which starts
# the workers, starts another when one dies, and passes HUP and TERM on
# to them; WORKERS=1 gives a single process as before.  One process
# already serves many connections at once; more of them use more CPUs.
#
# The web server then talks to SOCKET: contrib/lighttpd/
# mailautoconf-socket.conf, contrib/apache/mailautoconf-proxy-fcgi.conf,
# contrib/nginx/.  RUN_USER needs no access to anything but the binary
# and the configuration; create it once with
#   useradd --system --no-create-home --shell /usr/sbin/nologin mailautoconf
# Every setting can be overridden from the environment.  Left empty,
# SOCKET_USER/SOCKET_GROUP and RUN_USER/RUN_GROUP are not passed (for a
# non-root start, where spawn-fcgi cannot change owners).
set -eu

MAILAUTOCONF=${MAILAUTOCONF-/usr/local/sbin/mailautoconf}
MAILAUTOCONF_CONF=${MAILAUTOCONF_CONF-/etc/mailautoconf/mailautoconf.conf}
SOCKET=${SOCKET-/run/mailautoconf.sock}
SOCKET_USER=${SOCKET_USER-www-data}
SOCKET_GROUP=${SOCKET_GROUP-www-data}
RUN_USER=${RUN_USER-mailautoconf}
RUN_GROUP=${RUN_GROUP-mailautoconf}
SPAWN_FCGI=${SPAWN_FCGI-spawn-fcgi}
WORKERS=${WORKERS-0}

# Refuse a broken configuration before taking the socket (exit 78).
"$MAILAUTOCONF" -c "$MAILAUTOCONF_CONF" -t >/dev/null

set -- -n -s "$SOCKET" -M 0660
[ -z "$SOCKET_USER" ] || set -- "$@" -U "$SOCKET_USER"
[ -z "$SOCKET_GROUP" ] || set -- "$@" -G "$SOCKET_GROUP"
[ -z "$RUN_USER" ] || set -- "$@" -u "$RUN_USER"
[ -z "$RUN_GROUP" ] || set -- "$@" -g "$RUN_GROUP"
exec "$SPAWN_FCGI" "$@" -- "$MAILAUTOCONF" -c "$MAILAUTOCONF_CONF" \
    -w "$WORKERS"
