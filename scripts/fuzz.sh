#!/usr/bin/env bash
# make fuzz: every libFuzzer target in tests/fuzz/ at once, each on one
# core for FUZZ_TIME seconds (default 600), then one summary line each:
# how long it ran, how many inputs it tried, and whether it crashed.
#
# New inputs go to $BUILD/fuzz/corpus/<target> (the checked-in seeds in
# tests/fuzz/corpus/<target> are only read); a crash leaves its input in
# $BUILD/fuzz/crashes/<target>/: fix the bug, then copy the file into
# tests/fuzz/corpus/<target>/crash-<what> so make fuzz-regress keeps
# replaying it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FUZZ_TIME=${FUZZ_TIME:-600}
targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
out=$(realpath -m "$BUILD/fuzz")
seeds=$(realpath tests/fuzz/corpus)
pids=()
for t in $targets; do
	mkdir -p "$out/corpus/$t" "$out/crashes/$t" "tests/fuzz/corpus/$t"
	# detect_leaks: a leak per input is a bug like any other.
	# Absolute paths: the targets chdir into their sandbox.
	BX_FUZZ_RW=$out ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$out/fuzz_$t" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t/" \
		"$out/corpus/$t" "$seeds/$t" >"$out/$t.log" 2>&1 &
	pids+=($!)
done
fail=0
i=0
for t in $targets; do
	wait "${pids[$i]}"
	rc=$?
	i=$((i + 1))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
	secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $t: ${FUZZ_TIME}s, ${runs:-?} inputs (${secs:-?}/s), $cov, no crash"
	else
		echo "fuzz $t: CRASHED (exit $rc) after ${runs:-?} inputs: see $out/$t.log, input in $out/crashes/$t/"
		# CI keeps only what is printed: the report's first lines and the input.
		grep -m 8 -E 'runtime error|ERROR: |SUMMARY: |#[0-3] ' "$out/$t.log" | sed 's/^/  /'
		for f in "$out/crashes/$t"/*; do
			[ -f "$f" ] && { echo "  input $f:"; head -c 512 "$f" | od -c | head -12 | sed 's/^/    /'; }
		done
		fail=1
	fi
done
exit $fail
