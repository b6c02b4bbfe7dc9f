#!/bin/sh
# tests/serve.sh BINARY: how the FastCGI responder serves connections.
#
# Runs BINARY (make check passes the sanitizer build) as a FastCGI
# server listening itself (-s) and plays the peers it has to live with,
# through tests/serve/fcgi.py: a web server keeping one connection for
# many requests, peers that connect and say nothing, send a byte at a
# time, stop in the middle of a body or speak HTTP; then SIGTERM with
# idle kept connections, the worker processes (-w: count, restart,
# SIGHUP), the listen backlog (-b), and the safety of -s unix:PATH (a
# live socket, a stale one, a file that is not a socket, the socket's
# mode and owner, a symbolic link swapped in while the socket is made).
#
# Time limits are measured by the client itself or by polling loops
# that look at the clock, and are set for a sanitizer build on a busy
# machine with two CPUs: several times what the work takes, and far
# below what a responder that waits on one peer at a time takes (it
# waits for ever, or for its read timeout).
#
# Each check prints "ok - NAME" or "not ok - NAME" with the reason; the
# last line is "serve: N passed, N failed"; the exit status is 1 on any
# failure.  Everything listens on 127.0.0.1 or on Unix sockets in a
# temporary directory; every process started is stopped on exit.

# Functions run through check "$@".
# shellcheck disable=SC2317
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh tests/serve.sh BINARY" >&2
	exit 64
fi
case $1 in
/*)	bin=$1 ;;
*)	bin=$(pwd)/$1 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)

ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# shellcheck disable=SC3045
ulimit -c 0 2>/dev/null

WHY_LINES=80
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

# check NAME COMMAND...: as in lib.sh; with SERVE_VERBOSE=1 a passing
# check also shows what it measured.
check() {
	chk=$1
	shift
	if "$@" >"$T/why" 2>&1; then
		ok "$chk"
		if [ "${SERVE_VERBOSE:-0}" = 1 ]; then
			sed 's/^/#   /' "$T/why"
		fi
	else
		notok "$chk" "$T/why"
	fi
}

finish() {
	echo "serve: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

# The interpreter itself, not a wrapper script in front of it (a pyenv
# shim costs half a second a run).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ ! -x "$bin" ] || [ -z "$PY" ] || ! command -v setsid >/dev/null ||
    ! command -v timeout >/dev/null; then
	echo "not ok - setup: need $1 built, python3, setsid and timeout"
	fail=1
	finish
fi
fc() {
	"$PY" "$top/tests/serve/fcgi.py" "$@"
}

# ---- the temporary directory and the processes to stop ----

T=$(mktemp -d "${TMPDIR:-/tmp}/mailautoconf-serve.XXXXXX") || exit 1
# Servers drop to nobody when run as root and must still read (and, on
# SIGHUP, re-read) their configuration here.
chmod 755 "$T"
servers=	# each started by setsid: its pid is its process group
helpers=	# fcgi.py processes in the background

cleanup() {
	for p in $helpers; do
		kill -KILL "$p" 2>/dev/null
	done
	for g in $servers; do
		kill -TERM "-$g" 2>/dev/null
	done
	# shellcheck disable=SC2086
	kill_groups $servers
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$top/etc/mailautoconf.conf" "$T/sample.conf"
chmod 644 "$T/sample.conf"
conf=$T/sample.conf

if [ "$(id -u)" -eq 0 ]; then
	root=1
	uopt="-u nobody"
	# A worker may start the binary again as nobody: serve a copy when
	# the build is out of nobody's reach.
	if ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
	    test -x "$bin" 2>/dev/null; then
		cp "$bin" "$T/$(basename "$bin")"
		bin=$T/$(basename "$bin")
	fi
	owner=nobody
else
	root=0
	uopt=
	owner=$(id -un)
fi

ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)
ncpu2=$(nproc 2>/dev/null || echo "$ncpu")

# ---- time and processes ----

now_ms() {
	nm=$(date +%s%N)
	echo $((nm / 1000000))
}

# between LO HI X: LO <= X <= HI, as decimal numbers.
between() {
	awk -v lo="$1" -v hi="$2" -v x="$3" \
	    'BEGIN { exit !(x != "" && x + 0 >= lo + 0 && x + 0 <= hi + 0) }'
}

# poll MS COMMAND...: run COMMAND every 50 ms until it succeeds; false
# if MS milliseconds pass first.
poll() {
	pe=$(($(now_ms) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$pe" ] && return 1
		sleep 0.05
	done
}

# children PID: the pids of PID's child processes that have not exited,
# one a line, sorted.
children() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{
		s = $0
		sub(/^.*\) /, "", s)
		split(s, f, " ")
		if (f[2] == p && f[1] != "Z" && f[1] != "X")
			print $1
	}' | sort -n
}
nchildren() {
	children "$1" | wc -l | tr -d ' '
}
nchildren_is() {
	[ "$(nchildren "$1")" -eq "$2" ]
}

# up_or_gone PID UID: PID or one of its children runs with real uid
# UID, or PID has exited.
up_or_gone() {
	alive "$1" || return 0
	uid_is "$1" "$2"
}
# uid_is PID UID: PID or one of its children runs with real uid UID.
uid_is() {
	for up in "$1" $(children "$1"); do
		awk -v u="$2" '$1 == "Uid:" && $2 == u { f = 1 }
		    END { exit !f }' "/proc/$up/status" 2>/dev/null && return 0
	done
	return 1
}

# ---- servers ----

# start NAME ADDR [OPTION...]: BINARY -c $conf -s ADDR $uopt OPTION...
# in a process group of its own, output in $T/NAME.{out,err}; returns
# once a request is answered, with spid set and sup the time then (in
# ms).  On failure the reason is in $T/start.why.
start() {
	sn=$1 sa=$2
	shift 2
	# shellcheck disable=SC2086
	setsid env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" PATH=/usr/bin:/bin \
	    "$bin" -c "$conf" -s "$sa" $uopt "$@" \
	    </dev/null >"$T/$sn.out" 2>"$T/$sn.err" &
	spid=$!
	servers="$servers $spid"
	se=$(($(now_ms) + 15000))
	while :; do
		if ! alive "$spid"; then
			wait "$spid"
			{
				echo "$(basename "$bin") -s $sa $* exited" \
				    "with status $? before answering; stderr:"
				cat "$T/$sn.err"
			} >"$T/start.why"
			return 1
		fi
		if fc -t 2 get "$sa" >/dev/null 2>&1; then
			sup=$(now_ms)
			return 0
		fi
		if [ "$(now_ms)" -ge "$se" ]; then
			{
				echo "$(basename "$bin") -s $sa $* did not" \
				    "answer within 15 s; stderr:"
				cat "$T/$sn.err"
			} >"$T/start.why"
			return 1
		fi
		sleep 0.05
	done
}

# start_tcp NAME [OPTION...]: start on 127.0.0.1 and a free port; sets
# addr and port.
start_tcp() {
	stn=$1
	shift
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		addr=127.0.0.1:$port
		start "$stn" "$addr" "$@" && return 0
		grep -q 'Address already in use' "$T/$stn.err" || return 1
	done
	return 1
}

# stop PID: SIGTERM, then SIGKILL to its group after 5 s.
stop() {
	kill -TERM "$1" 2>/dev/null
	poll 5000 eval "! alive $1" || kill -KILL "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
	# Workers left behind by a parent that died go too.
	kill -KILL "-$1" 2>/dev/null
	return 0
}

# helper NAME COMMAND...: fcgi.py COMMAND... in the background, output
# in $T/NAME.h; sets hpid (python's own pid: no shell between).
helper() {
	hn=$1
	shift
	"$PY" "$top/tests/serve/fcgi.py" "$@" >"$T/$hn.h" 2>&1 &
	hpid=$!
	helpers="$helpers $hpid"
}

# helper_says NAME WORD MS: the helper printed WORD within MS ms (it
# is $hpid; no use waiting once it has exited).
says() {
	grep -q "^$2" "$T/$1.h" && return 0
	alive "$hpid" || return 0
	return 1
}
helper_says() {
	poll "$3" says "$1" "$2"
	grep -q "^$2" "$T/$1.h" && return 0
	echo "the $1 peer did not get to '$2' within $3 ms:"
	cat "$T/$1.h"
	return 1
}

# closed_secs NAME: the seconds of the helper's "closed after X s".
closed_secs() {
	sed -n 's/^closed after \([0-9.]*\) s.*/\1/p' "$T/$1.h" | tail -n 1
}

# t_get_fast ADDR MS WHY: one GET on a new connection is answered 200
# within MS milliseconds.
t_get_fast() {
	fc -t 3 get "$1" >"$T/get.out" 2>&1
	gr=$?
	read -r gs gm <"$T/get.out"
	if [ "$gr" -ne 0 ] || [ "$gs" != 200 ]; then
		echo "no 200 answer within 3 s $3:"
		cat "$T/get.out"
		return 1
	fi
	if ! between 0 "$2" "$gm"; then
		echo "answered after $gm ms, more than $2 ms $3"
		return 1
	fi
	echo "answered in $gm ms"
}

# t_gets ADDR N: N GETs on new connections, all 200.
t_gets() {
	gi=0
	while [ "$gi" -lt "$2" ]; do
		if ! fc -t 3 get "$1" >"$T/gets.out" 2>&1 ||
		    [ "$(cut -d' ' -f1 "$T/gets.out")" != 200 ]; then
			echo "GET $((gi + 1)) of $2:"
			cat "$T/gets.out"
			return 1
		fi
		gi=$((gi + 1))
	done
}

# t_logged NAME TEXT COUNT: the server's stderr has at least COUNT
# lines holding TEXT.
t_logged() {
	tl=$(grep -cF "$2" "$T/$1.err")
	[ "$tl" -ge "$3" ] && return 0
	echo "$tl lines with '$2' on the server's stderr, want $3 or more:"
	cat "$T/$1.err"
	return 1
}

# exit_ms PID MS: wait up to MS ms for PID to exit; prints how long it
# took (or nothing).
exit_ms() {
	es=$(now_ms)
	poll "$2" eval "! alive $1" || return 1
	echo $(($(now_ms) - es))
}

# ======================================================================
# 1. Keep-alive: many requests on one kept connection.  The old loop
# went back to waiting on the listening socket after 32 requests in a
# row and never read the 33rd.
# ======================================================================

t_keep() {
	fc -t 5 keep "$1" 100 && return 0
	echo "(100 requests in a row with FCGI_KEEP_CONN on one connection)"
	return 1
}
if start_tcp keep; then
	check "keep-alive: 100 requests on one kept TCP connection" \
	    t_keep "$addr"
	stop "$spid"
else
	notok "keep-alive: start a TCP server" "$T/start.why"
fi
if start keepu "unix:$T/keep.sock"; then
	check "keep-alive: 100 requests on one kept Unix-socket connection" \
	    t_keep "unix:$T/keep.sock"
	stop "$spid"
else
	notok "keep-alive: start a Unix-socket server" "$T/start.why"
fi

# ======================================================================
# 2, 3. A silent peer and a trickling peer, one worker, -T 2: another
# connection is answered at once; the slow one is dropped after about
# 2 s, with a log line.
# ======================================================================

t_silent_get() {
	helper "$2-silent" silent "$1" 10
	helper_says "$2-silent" connected 5000 || return 1
	t_get_fast "$1" 500 "while another connection is open and silent"
}
t_silent_drop() {
	wait "$hpid"
	cs=$(closed_secs "$1-silent")
	if between 1.5 4.5 "$cs"; then
		cat "$T/$1-silent.h"
		return 0
	fi
	echo "the silent connection (-T 2) should be closed by the server" \
	    "about 2 s after connecting (1.5 to 4.5 s):"
	cat "$T/$1-silent.h"
	return 1
}
t_trickle_get() {
	helper "$2-trickle" trickle "$1" 0.2 10
	helper_says "$2-trickle" connected 5000 || return 1
	sleep 0.5	# a few bytes in
	t_get_fast "$1" 500 "while another connection sends a byte every 0.2 s"
}
t_trickle_drop() {
	wait "$hpid"
	cs=$(closed_secs "$1-trickle")
	if between 1.5 4.5 "$cs"; then
		cat "$T/$1-trickle.h"
		return 0
	fi
	echo "the connection sending a byte every 0.2 s (-T 2) should be" \
	    "closed by the server about 2 s after connecting (1.5 to 4.5 s):"
	cat "$T/$1-trickle.h"
	return 1
}
slow_peers() {
	sp=$1 sa=$2
	if ! start "$sp" "$sa" -w 1 -T 2; then
		notok "slow peers ($sp): start with -w 1 -T 2" "$T/start.why"
		return
	fi
	check "silent peer ($sp): a GET on another connection within 0.5 s" \
	    t_silent_get "$sa" "$sp"
	check "silent peer ($sp): dropped by the server within 4.5 s" \
	    t_silent_drop "$sp"
	check "silent peer ($sp): 'dropped a connection' logged" \
	    t_logged "$sp" "mailautoconf: dropped a connection" 1
	check "trickling peer ($sp): a GET on another connection within 0.5 s" \
	    t_trickle_get "$sa" "$sp"
	check "trickling peer ($sp): dropped by the server within 4.5 s" \
	    t_trickle_drop "$sp"
	check "trickling peer ($sp): logged as dropped too" \
	    t_logged "$sp" "mailautoconf: dropped a connection" 2
	stop "$spid"
}
slow_peers tcp "127.0.0.1:$(free_port)"
slow_peers unix "unix:$T/slow.sock"

# ======================================================================
# 4. SIGTERM with idle kept connections: exit 0 within a second.
# ======================================================================

# t_term NAME ADDR: hold 5 kept connections, SIGTERM, exit 0 in 1 s.
t_term() {
	helper "$1-hold" hold "$2" 5 30
	helper_says "$1-hold" ready 10000 || return 1
	kill -TERM "$spid"
	if ! tm=$(exit_ms "$spid" 1000); then
		echo "still running 1 s after SIGTERM with 5 idle kept" \
		    "connections; the holder says:"
		cat "$T/$1-hold.h"
		return 1
	fi
	wait "$spid"
	ts=$?
	if [ "$ts" -ne 0 ]; then
		echo "exit status $ts after SIGTERM (in $tm ms); stderr:"
		cat "$T/$1.err"
		return 1
	fi
	if [ -n "$(children "$spid")" ]; then
		echo "workers left running: $(children "$spid")"
		return 1
	fi
	echo "exited with 0 after $tm ms"
}
if start_tcp term1 -w 1; then
	check "SIGTERM (-w 1): 5 idle kept connections, exit 0 within 1 s" \
	    t_term term1 "$addr"
	stop "$spid"
else
	notok "SIGTERM (-w 1): start" "$T/start.why"
fi
if start termd "unix:$T/term.sock"; then
	check "SIGTERM (default workers, Unix socket): 5 idle kept connections, exit 0 within 1 s" \
	    t_term termd "unix:$T/term.sock"
	stop "$spid"
else
	notok "SIGTERM (default workers): start" "$T/start.why"
fi

# ======================================================================
# 5. Workers: -w 3 makes 3 children; one killed is replaced; the default
# with -s is one per CPU.
# ======================================================================

t_nworkers() {
	poll 3000 nchildren_is "$1" "$2" && return 0
	echo "want $2 worker processes (children of $1), have" \
	    "$(nchildren "$1"): $(children "$1" | tr '\n' ' ')"
	return 1
}
# t_respawn: kill -9 one of 3 workers; 3 again within 2 s, one new.
# A worker that dies within a second of its start is restarted only
# after a pause (no loop of workers dying at once): the one killed here
# has lived for 2 s.
t_respawn() {
	while [ "$(($(now_ms) - sup))" -lt 2000 ]; do
		sleep 0.1
	done
	children "$spid" >"$T/w.before"
	victim=$(head -n 1 "$T/w.before")
	[ -n "$victim" ] || { echo "no worker to kill"; return 1; }
	kill -KILL "$victim"
	respawned() {
		children "$spid" >"$T/w.after"
		[ "$(wc -l <"$T/w.after")" -eq 3 ] &&
		    ! grep -qx "$victim" "$T/w.after"
	}
	rs=$(now_ms)
	if poll 2000 respawned; then
		echo "3 workers again after $(($(now_ms) - rs)) ms:" \
		    "$(tr '\n' ' ' <"$T/w.after")"
		return 0
	fi
	echo "2 s after kill -9 of worker $victim: workers" \
	    "$(tr '\n' ' ' <"$T/w.after") (before: $(tr '\n' ' ' \
	    <"$T/w.before")); stderr:"
	cat "$T/w3.err"
	return 1
}
if start_tcp w3 -w 3; then
	check "workers: -w 3 runs exactly 3 worker processes" \
	    t_nworkers "$spid" 3
	check "workers: a worker killed with SIGKILL is replaced within 2 s" \
	    t_respawn
	t_worker_log() {
		grep -q "^mailautoconf: worker $victim .*; starting another" \
		    "$T/w3.err" && return 0
		echo "no 'mailautoconf: worker $victim ...; starting another'" \
		    "on the parent's stderr:"
		cat "$T/w3.err"
		return 1
	}
	check "workers: the parent logs the dead worker" t_worker_log
	check "workers: GETs are answered after the restart" t_gets "$addr" 12
	stop "$spid"
else
	notok "workers: start with -w 3" "$T/start.why"
fi
if [ "$ncpu" -gt 1 ] || [ "$ncpu2" -gt 1 ]; then
	t_default_workers() {
		if [ "$ncpu" -ne "$ncpu2" ]; then
			t_nworkers "$spid" "$ncpu2" >/dev/null && return 0
		fi
		t_nworkers "$spid" "$ncpu" && return 0
		echo "(getconf: $ncpu online CPUs, nproc: $ncpu2)"
		return 1
	}
else
	t_default_workers() {
		t_nworkers "$spid" 0 && return 0
		echo "(one CPU: one process, no workers)"
		return 1
	}
fi
if start_tcp wdef; then
	check "workers: -s without -w runs one worker per CPU ($ncpu)" \
	    t_default_workers
	stop "$spid"
else
	notok "workers: start with the default" "$T/start.why"
fi

# ======================================================================
# 6. SIGHUP with workers: a new value is served within 2 s; a broken
# file is logged and the last good configuration keeps serving.
# ======================================================================

cp "$conf" "$T/live.conf"
chmod 644 "$T/live.conf"
# replace FILE: swap FILE in as live.conf, as an editor would.
replace() {
	cp "$1" "$T/live.conf.new"
	chmod 644 "$T/live.conf.new"
	mv "$T/live.conf.new" "$T/live.conf"
}
sed 's/^display_name = .*/display_name = Reloaded Mail/' "$conf" \
    >"$T/reloaded.conf"
{ cat "$T/reloaded.conf"; echo "this line is not a setting"; } \
    >"$T/broken.conf"

# shows NAME: one GET answers with displayName NAME.
shows() {
	fc -t 3 get "$addr" -o "$T/shows.out" >/dev/null 2>&1 &&
	    grep -q "<displayName>$1</displayName>" "$T/shows.out"
}
# shows_n NAME N: N GETs in a row all show NAME.
shows_n() {
	si=0
	while [ "$si" -lt "$2" ]; do
		if ! shows "$1"; then
			echo "GET $((si + 1)) of $2 did not show displayName" \
			    "'$1':"
			cat "$T/shows.out"
			return 1
		fi
		si=$((si + 1))
	done
}
t_reload() {
	shows_n "Example Mail" 3 || return 1
	replace "$T/reloaded.conf"
	kill -HUP "$spid"
	hs=$(now_ms)
	# A GET begun within 2 s shows the new value (the time a GET takes
	# on a loaded machine, mostly the client starting, is not counted).
	while :; do
		ha=$(now_ms)
		shows "Reloaded Mail" && break
		if [ "$((ha - hs))" -ge 2000 ]; then
			echo "no GET begun within 2 s of SIGHUP shows the new" \
			    "displayName 'Reloaded Mail'; the last answer:"
			cat "$T/shows.out"
			echo "stderr:"
			cat "$T/hup.err"
			return 1
		fi
		sleep 0.05
	done
	echo "a GET begun $((ha - hs)) ms after SIGHUP shows the new value"
	# From then on no old worker answers.
	shows_n "Reloaded Mail" 10
}
t_reload_workers() {
	t_nworkers "$spid" 3 || return 1
	children "$spid" >"$T/hup.good"
}
t_reload_broken() {
	replace "$T/broken.conf"
	kill -HUP "$spid"
	if ! poll 3000 grep -qF "mailautoconf: $T/live.conf: reload failed" \
	    "$T/hup.err"; then
		echo "no 'mailautoconf: $T/live.conf: reload failed' within" \
		    "3 s of SIGHUP with a broken file; stderr:"
		cat "$T/hup.err"
		return 1
	fi
	shows_n "Reloaded Mail" 10
}
t_reload_kept() {
	t_nworkers "$spid" 3 || return 1
	children "$spid" >"$T/hup.after"
	cmp -s "$T/hup.good" "$T/hup.after" && return 0
	echo "after a failed reload the workers should stay the same:" \
	    "before $(tr '\n' ' ' <"$T/hup.good"), after" \
	    "$(tr '\n' ' ' <"$T/hup.after")"
	return 1
}
conf=$T/live.conf
if start_tcp hup -w 3; then
	check "SIGHUP (-w 3): the new displayName is served within 2 s" \
	    t_reload
	check "SIGHUP (-w 3): 3 workers after the reload" t_reload_workers
	check "SIGHUP (-w 3): a broken file is logged, the last good config still answers" \
	    t_reload_broken
	check "SIGHUP (-w 3): the same 3 workers after a failed reload" \
	    t_reload_kept
	stop "$spid"
else
	notok "SIGHUP: start with -w 3" "$T/start.why"
fi
conf=$T/sample.conf

# ======================================================================
# 7. Two stalled POST bodies and two workers: a third connection is not
# held up.  Waiting out the read timeout would take 3 s; the design
# answers at once, so the limit is 0.5 s.  The stalled ones are dropped.
# ======================================================================

t_stalled_get() {
	helper stall1 stall "$addr" 10
	sh1=$hpid
	helper_says stall1 stalled 5000 || return 1
	helper stall2 stall "$addr" 10
	sh2=$hpid
	helper_says stall2 stalled 5000 || return 1
	t_get_fast "$addr" 500 "with two POSTs stalled in their bodies (-w 2)"
}
t_stalled_drop() {
	wait "$sh1"
	wait "$sh2"
	for sn in stall1 stall2; do
		cs=$(closed_secs "$sn")
		if between 2.5 6 "$cs"; then
			echo "$sn: $(tr '\n' ' ' <"$T/$sn.h")"
			continue
		fi
		echo "a POST stalled in its body should be dropped about 3 s" \
		    "after connecting (-T 3; 2.5 to 6 s):"
		cat "$T/$sn.h"
		return 1
	done
}
if start_tcp stall -w 2 -T 3; then
	check "stalled POSTs (-w 2 -T 3): a GET on a third connection within 0.5 s" \
	    t_stalled_get
	check "stalled POSTs (-w 2 -T 3): both dropped after the read timeout" \
	    t_stalled_drop
	stop "$spid"
else
	notok "stalled POSTs: start with -w 2 -T 3" "$T/start.why"
fi

# ======================================================================
# 8. The listen backlog.
# ======================================================================

somax=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 4096)
# t_backlog WANT: ss shows the listening socket's backlog as Send-Q.
t_backlog() {
	want=$1
	[ "$want" -gt "$somax" ] && want=$somax
	got=$(ss -ltnH "sport = :$port" 2>&1 | awk '$1 == "LISTEN" { print $3 }')
	[ "$got" = "$want" ] && return 0
	echo "ss -ltn shows a backlog of '$got' on port $port, want $want" \
	    "(net.core.somaxconn is $somax):"
	ss -ltn "sport = :$port"
	return 1
}
if ! command -v ss >/dev/null; then
	skipped "backlog: -b 2000" "no ss (iproute2)"
elif start_tcp backlog -b 2000; then
	check "backlog: -b 2000 listens with a backlog of 2000" t_backlog 2000
	stop "$spid"
	if start_tcp backlogd; then
		check "backlog: the default is 4096 (or net.core.somaxconn)" \
		    t_backlog 4096
		stop "$spid"
	else
		notok "backlog: start with the default" "$T/start.why"
	fi
else
	notok "backlog: start with -b 2000" "$T/start.why"
fi

# ======================================================================
# 9. -s unix:PATH: a live socket is not taken over, a stale one is,
# another file is never touched; mode 0660 and -u's owner; a symbolic
# link swapped in while the socket is made changes nothing.
# ======================================================================

# (a) a second responder on a live socket
t_live() {
	# shellcheck disable=SC2086
	timeout 10 env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$bin" -c "$conf" \
	    -s "unix:$T/live.sock" $uopt </dev/null >"$T/live2.out" \
	    2>"$T/live2.err"
	lr=$?
	want="mailautoconf: cannot listen on unix:$T/live.sock: a responder is already listening there"
	if [ "$lr" -eq 124 ]; then
		echo "a second responder on the live socket kept running" \
		    "(took the socket over?); stderr:"
		cat "$T/live2.err"
		return 1
	fi
	if [ "$lr" -ne 71 ] || ! grep -qxF "$want" "$T/live2.err"; then
		echo "want exit 71 and '$want'; got exit $lr, stderr:"
		cat "$T/live2.err"
		return 1
	fi
}
t_live_first() {
	alive "$spid" || { echo "the first responder is gone"; return 1; }
	[ -S "$T/live.sock" ] || { echo "the socket file is gone"; return 1; }
	t_gets "unix:$T/live.sock" 5
}
if start live "unix:$T/live.sock"; then
	check "unix socket: a second responder on a live socket: exit 71, the reason" \
	    t_live
	check "unix socket: the first responder still answers on it" \
	    t_live_first
	stop "$spid"
else
	notok "unix socket: start a first responder" "$T/start.why"
fi

# (b) a stale socket: bound, then closed without unlinking
if ! fc stale "$T/stale.sock" >"$T/stale.why" 2>&1 || [ ! -S "$T/stale.sock" ]
then
	notok "unix socket: cannot make a stale socket" "$T/stale.why"
elif start stale "unix:$T/stale.sock"; then
	ok "unix socket: a stale socket is replaced and answers"
	stop "$spid"
else
	notok "unix socket: a stale socket is replaced and answers" \
	    "$T/start.why"
fi

# (c) a regular file at the path
t_regular() {
	echo "not a socket" >"$T/file.sock"
	chmod 640 "$T/file.sock"
	fstat() { stat -c '%i %a %u:%g %s %Y' "$T/file.sock"; }
	before=$(fstat)
	# shellcheck disable=SC2086
	timeout 10 env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
	    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$bin" -c "$conf" \
	    -s "unix:$T/file.sock" $uopt </dev/null >/dev/null \
	    2>"$T/file.err"
	fr=$?
	if [ "$fr" -ne 71 ] ||
	    ! grep -qF "$T/file.sock exists and is not a socket" \
	    "$T/file.err"; then
		echo "want exit 71 and '$T/file.sock exists and is not a" \
		    "socket'; got exit $fr, stderr:"
		cat "$T/file.err"
		return 1
	fi
	after=$(fstat)
	if [ "$before" != "$after" ] ||
	    [ "$(cat "$T/file.sock")" != "not a socket" ]; then
		echo "the file changed: before $before, after $after"
		return 1
	fi
}
check "unix socket: a regular file at the path is refused (exit 71) and left alone" \
    t_regular

# (d) mode and owner
t_mode() {
	mo=$(stat -c '%A %U' "$T/mode.sock")
	[ "$mo" = "srw-rw---- $owner" ] && return 0
	echo "the socket is '$mo', want 'srw-rw---- $owner'"
	return 1
}
if start mode "unix:$T/mode.sock"; then
	check "unix socket: mode 0660 (srw-rw----), owner $owner" t_mode
	stop "$spid"
else
	notok "unix socket: start for the mode" "$T/start.why"
fi

# (e) as root: while responders start as -u nobody on a path, a racer
# renames a symbolic link to a root-owned file over every socket that
# appears there.  A responder that changes owner or mode by name would
# change the file instead.
t_race() {
	mkdir "$T/race"
	chmod 755 "$T/race"
	echo "root's secret" >"$T/victim"
	chmod 600 "$T/victim"
	vbefore=$(stat -c '%u:%g %a %s' "$T/victim")
	vsum=$(cksum <"$T/victim")
	rpath=$T/race/r.sock
	helper race race "$rpath" "$T/victim" "$T/race.stop" 40
	rstarts=0
	rups=0
	while [ "$rstarts" -lt 20 ]; do
		rstarts=$((rstarts + 1))
		# shellcheck disable=SC2086
		setsid env -i ASAN_OPTIONS="$ASAN_OPTIONS" \
		    UBSAN_OPTIONS="$UBSAN_OPTIONS" "$bin" -c "$conf" \
		    -s "unix:$rpath" $uopt </dev/null >/dev/null \
		    2>>"$T/race.err" &
		rp=$!
		servers="$servers $rp"
		# Up once running as nobody (the socket is made before
		# privileges are dropped), or failed.
		poll 5000 up_or_gone "$rp" "$(id -u nobody)"
		uid_is "$rp" "$(id -u nobody)" && rups=$((rups + 1))
		kill -KILL "-$rp" 2>/dev/null
		wait "$rp" 2>/dev/null
		poll 2000 eval "! group_alive $rp"
	done
	: >"$T/race.stop"
	wait "$hpid"
	vafter=$(stat -c '%u:%g %a %s' "$T/victim")
	if [ "$vafter" != "$vbefore" ] ||
	    [ "$(cksum <"$T/victim")" != "$vsum" ]; then
		echo "the file behind the symbolic link changed: before" \
		    "$vbefore, after $vafter ($rups of $rstarts responders" \
		    "came up; racer: $(cat "$T/race.h"))"
		return 1
	fi
	echo "$rups of $rstarts came up; racer: $(cat "$T/race.h")"
}
if [ "$root" -eq 1 ]; then
	check "unix socket: a symbolic link swapped in while the socket is made changes no other file" \
	    t_race
else
	skipped "unix socket: the symbolic link race" "needs root"
fi

# ======================================================================
# 10. A peer speaking HTTP instead of FastCGI is closed at once (not
# after the read timeout) and holds nobody up.
# ======================================================================

t_garbage() {
	helper garbage garbage "$1" 10
	wait "$hpid"
	cs=$(closed_secs garbage)
	if between 0 1 "$cs"; then
		cat "$T/garbage.h"
		return 0
	fi
	echo "a connection that sent 'GET / HTTP/1.0' should be closed" \
	    "within 1 s (the read timeout is 5 s):"
	cat "$T/garbage.h"
	return 1
}
# t_no_restart NAME: no worker of the server had to be replaced.
t_no_restart() {
	! grep -q 'starting another' "$T/$1.err" && return 0
	cat "$T/$1.err"
	return 1
}
if start_tcp garbage; then
	check "garbage: an HTTP request on the FastCGI socket is closed within 1 s" \
	    t_garbage "$addr"
	check "garbage: a GET on another connection is answered after it" \
	    t_get_fast "$addr" 500 "after a connection that sent garbage"
	t_garbage_after() {
		t_gets "$addr" 6 && t_no_restart garbage
	}
	check "garbage: GETs still answered, no worker died" t_garbage_after
	stop "$spid"
else
	notok "garbage: start" "$T/start.why"
fi

# ---- every server's stderr ----

t_clean() {
	if grep -lE 'Sanitizer|runtime error:' "$T"/*.err >"$T/dirty" \
	    2>/dev/null; then
		while IFS= read -r df; do
			echo "== $df"
			cat "$df"
		done <"$T/dirty"
		return 1
	fi
}
check "no sanitizer report from any responder" t_clean

finish
