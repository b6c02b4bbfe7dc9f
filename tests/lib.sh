# tests/lib.sh: sourced by the shell suites apple-dns, blackbox, e2e,
# e2e-export, browser, deploy, leak and serve.  Results as "ok - NAME" / "not ok - NAME" lines counted
# in pass and fail, a check wrapper, whether a process or a process group
# lives, stopping process groups, and free TCP ports on this machine.
# shellcheck shell=sh

pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok - $1"
}

# notok NAME [FILE]: a failure; the first WHY_LINES (60) lines of FILE
# say why.
notok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	if [ $# -ge 2 ] && [ -s "$2" ]; then
		sed -n "1,${WHY_LINES:-60}s/^/#   /p" "$2"
	fi
}

skipped() {
	echo "ok - $1 # SKIP $2"
}

# check NAME COMMAND...: one test; COMMAND's output (kept in $T/why)
# says why it failed.
check() {
	chk=$1
	shift
	if "$@" >"$T/why" 2>&1; then
		ok "$chk"
	else
		notok "$chk" "$T/why"
	fi
}

# alive PID: the process exists and has not exited (a zombie has).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) in
	''|Z|X)	return 1 ;;
	esac
	return 0
}

# free_port: a TCP port from 20000 to 32767 (below Linux's ephemeral
# ports) that nothing on this machine has open now and that this run
# has not handed out before (they are listed in $T/ports).
free_port() {
	while :; do
		fp=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		fp=$((20000 + fp % 12768))
		! grep -qx "$fp" "$T/ports" 2>/dev/null || continue
		if ! awk 'NR > 1 { print $2 }' /proc/net/tcp /proc/net/tcp6 \
		    2>/dev/null | grep -qi ":$(printf '%04X' "$fp")\$"; then
			echo "$fp" >>"$T/ports"
			echo "$fp"
			return
		fi
	done
}

# group_alive PGID: a process of the group has not exited (an orphaned
# zombie may wait a while for init).
group_alive() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '{
		s = $0
		sub(/^.*\) /, "", s)
		split(s, f, " ")
		if (f[3] == g && f[1] != "Z" && f[1] != "X")
			found = 1
	} END { exit !found }'
}

# kill_groups PGID...: give each process group 3 s to end (after the
# SIGTERM the caller sent), then SIGKILL what is left.
kill_groups() {
	for kg in "$@"; do
		ki=0
		while group_alive "$kg" && [ "$ki" -lt 30 ]; do
			sleep 0.1
			ki=$((ki + 1))
		done
		kill -KILL "-$kg" 2>/dev/null
	done
}

# launch NAME COMMAND...: run COMMAND in the background in a session
# (process group) of its own, so that all it starts can be stopped.
# Its pid goes to $T/pid/NAME, its exit status to $T/pid/NAME.rc, its
# output to $T/log/NAME.log; its group is added to $groups.
launch() {
	ln=$1
	shift
	rm -f "$T/pid/$ln" "$T/pid/$ln.rc" "$T/pid/$ln.pg"
	# shellcheck disable=SC2016
	setsid sh -c 'echo $$ >"$0.pg"; "$@" & echo $! >"$0"; wait $!;
	    echo $? >"$0.rc"' "$T/pid/$ln" "$@" >>"$T/log/$ln.log" 2>&1 \
	    </dev/null &
	li=0
	while [ ! -s "$T/pid/$ln" ] || [ ! -s "$T/pid/$ln.pg" ]; do
		li=$((li + 1))
		[ "$li" -gt 100 ] && return 1
		sleep 0.05
	done
	groups="${groups:-} $(cat "$T/pid/$ln.pg")"
}

# strays: the processes that name the temporary directory $T in their
# command line (a last resort: all were started by the test).
strays() {
	# The list is made before grep runs, so grep is not in it.
	set -- /proc/[0-9]*/cmdline
	grep -lF "$T/" "$@" 2>/dev/null |
	    sed 's|^/proc/\([0-9]*\)/cmdline$|\1|' | grep -vx "$$"
}

# listening PORT: something listens on 127.0.0.1:PORT (TCP).
listening() {
	awk -v p="$(printf '0100007F:%04X' "$1")" '
	NR > 1 && toupper($2) == p && $4 == "0A" { f = 1 } END { exit !f }' \
	    /proc/net/tcp
}
