# Shared by the lesson tests (lessons.bats, lessons_b.bats): a student
# named $STUDENT (SUDO_USER; set it before `load lesson_helpers`), own
# lesson state per test, every lesson the test touched reset in teardown
# (reset.sh removes what a lesson made outside boxlab: a netns, a veth,
# a cgroup, a mount), then helpers.bash's leak checks.

load helpers

eval "$(declare -f setup | sed '1s/^setup/bx_setup/')"
eval "$(declare -f teardown | sed '1s/^teardown/bx_teardown/')"
setup() {
	bx_setup
	export BOXLAB_LESSON_STATE SUDO_USER=$STUDENT
	BOXLAB_LESSON_STATE=$(mktemp -d /tmp/boxlab-lessons.XXXXXX)
	export BOXLAB_LESSONS="$BATS_TEST_DIRNAME/../../lessons"
}
teardown() {
	local l ret=0 left
	for l in ${lessons_used:-}; do
		SUDO_USER=$STUDENT timeout 60 "$BOXLAB" lesson reset "$l" >/dev/null 2>&1 || ret=1
		left=$(ls -d /sys/fs/cgroup/*/boxlab/"$STUDENT-$l"-* /sys/fs/cgroup/boxlab/"$STUDENT-$l"-* 2>/dev/null || true)
		[ -z "$left" ] || { echo "lesson $l left cgroups: $left" >&2; ret=1; }
	done
	bx_teardown || ret=1
	rm -rf "$BOXLAB_LESSON_STATE"
	return $ret
}

# Start lesson NN (again: harmless), and reset it in teardown.
lesson_start() {
	[[ " ${lessons_used:-} " == *" $1 "* ]] || lessons_used="${lessons_used:-} $1"
	bx lesson start "$1" >/dev/null
}

# Run the scripted solution of lesson NN as $STUDENT does it.
solve() {
	local nn=$1
	lesson_start "$nn"
	BOXLAB="$BOXLAB" LAB="$STUDENT-$nn" WORK="$BOXLAB_LESSON_STATE/$STUDENT/$nn" BX_TIMEOUT=150 \
		timeout 150 bash "$BATS_TEST_DIRNAME/../lessons/$nn-solution.sh"
}

# empty_attempt NN HINT1 HINT2 ...: the check fails every step, step i
# with a hint that contains HINTi (fixed strings).
empty_attempt() {
	local nn=$1 i=1 line
	shift
	lesson_start "$nn"
	run bx lesson check --porcelain "$nn"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq $# ]
	for hint in "$@"; do
		line=${lines[i - 1]}
		[[ "$line" == "fail $i "* ]] || { echo "step $i: not a failure: $line"; return 1; }
		[[ "${line#* -- }" == *"$hint"* ]] || { echo "step $i: hint lacks '$hint': $line"; return 1; }
		i=$((i + 1))
	done
}

# The check passes every step and says so.
passes() {
	run bx lesson check "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"steps passed: lesson $1 done."* ]]
	! grep -q '✗' <<<"$output"
}

# The porcelain check again, after a test spoiled some answers; then
# step_line N is step N's line of it.
recheck() { checked=$(bx lesson check --porcelain "$1") || true; }
step_line() { grep "^[a-z]* $1 " <<<"$checked"; }
