#!/bin/sh
# Run each libFuzzer target for SECONDS (default 60) on its corpus and
# print, per target: executions, new corpus size, crashes, leaks and
# timeouts.  New inputs land in fuzz/corpus/TARGET (merge them with
# -merge=1 before committing).  Findings are saved under build/fuzz-out/.
set -u
secs=${1:-60}
shift 2>/dev/null || true
targets=${*:-body request config fcgi check}
mkdir -p build/fuzz-out
status=0
for t in $targets; do
	bin=build/fuzz_$t
	log=build/fuzz-out/$t.log
	[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz builds it)"; exit 1; }
	case $t in
	body) max=16384 ;;
	request) max=8192 ;;
	*) max=65536 ;;
	esac
	"$bin" -max_len=$max -dict=fuzz/xml.dict -max_total_time="$secs" \
	    -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz-out/$t- fuzz/corpus/$t > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	crashes=$(ls build/fuzz-out/$t-crash-* 2>/dev/null | wc -l)
	leaks=$(ls build/fuzz-out/$t-leak-* 2>/dev/null | wc -l)
	timeouts=$(ls build/fuzz-out/$t-timeout-* 2>/dev/null | wc -l)
	ooms=$(ls build/fuzz-out/$t-oom-* 2>/dev/null | wc -l)
	corpus=$(ls fuzz/corpus/$t | wc -l)
	echo "fuzz $t: ${secs}s, ${execs:-0} executions, corpus $corpus," \
	    "$crashes crashes, $leaks leaks, $timeouts timeouts, $ooms ooms" \
	    "(exit $rc)"
	[ "$rc" -eq 0 ] || status=1
done
exit $status
