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

echo "# unit tests (cmocka)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	before=$((pass + fail + skip))
	count < <(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1; echo "# exit $?")
	# A test binary that crashed reports fewer results than it has.
	if [ $((pass + fail + skip)) -eq "$before" ]; then
		echo "not ok - $t ran no test (crashed?)"
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
	count < <(BUILD="$BUILD" bats --tap "${files[@]}" 2>&1)
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
