#!/usr/bin/env bash
# Runs every test: unit (cmocka) and integration (bats), both as TAP, and
# ends with one line "N passed, N failed, N skipped".  Exit 1 on failure.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
pass=0 fail=0 skip=0

count() {
	local line failed_here=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"ok "*"# skip"* | "ok "*"# SKIP"*) skip=$((skip + 1)) ;;
		"ok "*) pass=$((pass + 1)) ;;
		"not ok "*) fail=$((fail + 1)); failed_here=1 ;;
		esac
	done
	return $failed_here
}

if [ -n "${SAN_LOG_DIR:-}" ]; then
	rm -rf "$SAN_LOG_DIR"
	mkdir -p "$SAN_LOG_DIR"
fi

echo "# unit tests (cmocka)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	before=$((pass + fail + skip))
	count < <(CMOCKA_MESSAGE_OUTPUT=TAP "$t" </dev/null 2>&1; echo "# exit $?")
	# A test binary that crashed reports fewer results than it has.
	if [ $((pass + fail + skip)) -eq "$before" ]; then
		echo "not ok - $t ran no test (crashed?)"
		fail=$((fail + 1))
	fi
done

echo "# fuzz corpora (make fuzz-regress)"
for t in "$BUILD"/tests/fuzz-*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz-}
	if out=$("$t" "tests/fuzz/corpus/$name" 2>&1); then
		echo "ok - fuzz-regress $name: ${out##*: }"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz-regress $name"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -30
		fail=$((fail + 1))
	fi
done

echo "# integration tests (bats)"
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - integration tests # skip they need root: run 'sudo make test'"
	skip=$((skip + 1))
else
	files=(tests/integration/*.bats)
	[ -n "${BATS_FILTER:-}" ] && files=(tests/integration/*${BATS_FILTER}*.bats)
	# CI may hand its terminal to us as stdin while running us in a
	# background process group: a test that touched it (script(1) does,
	# to set raw mode) was stopped by SIGTTOU for good and CI timed out.
	# So tests get no terminal at all (their own session, stdin from
	# /dev/null), one hung test fails after BATS_TEST_TIMEOUT instead of
	# eating the run, and the whole of bats is bounded too.
	count < <(BUILD="$BUILD" BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-300}" \
		timeout -k 30 "${BATS_TOTAL_TIMEOUT:-1800}" \
		setsid -w bats --tap "${files[@]}" </dev/null 2>&1
		rc=$?
		[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] &&
			echo "not ok - integration tests killed after ${BATS_TOTAL_TIMEOUT:-1800}s")
fi

# make test SAN=1: what ASan, UBSan and LSan reported, from any process.
if [ -n "${SAN_LOG_DIR:-}" ]; then
	if compgen -G "$SAN_LOG_DIR/*" >/dev/null; then
		for f in "$SAN_LOG_DIR"/*; do
			echo "not ok - sanitizer report $f"
			sed 's/^/# /' "$f" | head -40
			fail=$((fail + 1))
		done
	else
		echo "ok - no sanitizer reports in $SAN_LOG_DIR"
		pass=$((pass + 1))
	fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
