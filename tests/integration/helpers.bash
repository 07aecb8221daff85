# Shared by every .bats file: each test gets its own state dir, and
# teardown removes every container it made and proves nothing leaked
# (mounts, processes rooted in it, state), even when the test failed.

BOXLAB="${BOXLAB:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/boxlab}"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	export BOXLAB_RUN_DIR
	BOXLAB_RUN_DIR=$(mktemp -d /run/boxlab-test.XXXXXX)
}

teardown() {
	local n names
	[ -n "${BOXLAB_RUN_DIR:-}" ] && [ -d "$BOXLAB_RUN_DIR" ] || return 0
	names=$(ls "$BOXLAB_RUN_DIR")
	for n in $names; do
		timeout 30 "$BOXLAB" rm -f "$n" >/dev/null 2>&1 || true
	done
	assert_no_leaks
	for n in $names; do
		assert_no_cgroup "$n"
	done
	rm -rf "$BOXLAB_RUN_DIR"
}

bx() {
	timeout "${BX_TIMEOUT:-30}" "$BOXLAB" "$@"
}

# Nothing of ours is mounted, and no process has its root in our dir.
# Killed processes take a moment to go (more on a loaded machine): a
# leak is what is still there after a few seconds.
leaks() {
	grep -F "$BOXLAB_RUN_DIR" /proc/self/mountinfo
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) && case "$r" in "$BOXLAB_RUN_DIR"*) echo "process ${p#/proc/}" ;; esac
	done
	return 0
}

assert_no_leaks() {
	local left
	wait_for 5 test -z "$(leaks)" && return 0
	left=$(leaks)
	[ -z "$left" ] && return 0
	echo "leaked: $left" >&2
	return 1
}

# No cgroup of the container is left in any hierarchy.
assert_no_cgroup() {
	local left
	left=$(ls -d /sys/fs/cgroup/*/boxlab/"$1" /sys/fs/cgroup/boxlab/"$1" 2>/dev/null || true)
	[ -z "$left" ] || { echo "cgroups of $1 left behind: $left" >&2; return 1; }
}

# The container's state dir is gone.
assert_removed() {
	[ ! -e "$BOXLAB_RUN_DIR/$1" ] || { echo "state dir of $1 left behind" >&2; return 1; }
}

wait_for() { # wait_for SECONDS COMMAND...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
bats_require_minimum_version 1.5.0

# Switches that let container root act as root inside its own namespaces
# (mount, sethostname): the security modules off, where the build has them.
root_inside() {
	local m help
	help=$("$BOXLAB" run --help)
	for m in caps seccomp; do
		[[ "$help" == *"--no-$m"* ]] && printf -- '--no-%s ' "$m"
	done
	return 0
}
