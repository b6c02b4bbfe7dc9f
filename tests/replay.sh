#!/bin/sh
# Replay the committed fuzz corpora (fuzz/corpus/TARGET) through each
# target's plain ASan/UBSan build: no mutation, every input once.  A
# crash or sanitizer report fails the run.
set -u
pass=0
fail=0
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in "$@"; do
	n=$(ls fuzz/corpus/$t | wc -l)
	if out=$(build/replay_$t fuzz/corpus/$t 2>&1); then
		pass=$((pass + 1))
		echo "ok - fuzz corpus $t: $n inputs replayed"
	else
		fail=$((fail + 1))
		echo "not ok - fuzz corpus $t"
		printf '%s\n' "$out" | tail -30
	fi
done
echo "replay: $pass passed, $fail failed"
[ $fail -eq 0 ]
