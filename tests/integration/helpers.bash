# Shared by every .bats file: each test gets its own state dir, and
# teardown removes every container it made and proves nothing leaked
# (mounts, processes rooted in it, state), even when the test failed.

BOXLAB="${BOXLAB:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/boxlab}"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	export BOXLAB_RUN_DIR
	BOXLAB_RUN_DIR=$(mktemp -d /run/boxlab-test.XXXXXX)
}

# Run dirs a test used besides its own (BX_RUN_DIRS="D1 D2"): their
# containers are removed, a tmpfs boxlab mounted there is unmounted,
# and the dirs go, also when the test failed midway.
cleanup_run_dirs() {
	local d n
	for d in ${BX_RUN_DIRS:-}; do
		for n in $(ls "$d" 2>/dev/null); do
			BOXLAB_RUN_DIR=$d timeout 30 "$BOXLAB" rm -f "$n" >/dev/null 2>&1 || true
		done
		! mountpoint -q "$d" || umount "$d" || true
		rm -rf "$d"
	done
}

teardown() {
	local n names
	cleanup_run_dirs
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
	local self pid target
	grep -F "$BOXLAB_RUN_DIR" /proc/self/mountinfo
	# One find lists every process's root and mount namespace.  A chroot
	# shows in the root link; a pivot_root'ed container reads "/" there,
	# but the root (/) of its own mount table is our overlay, whose
	# upperdir names our run dir.  (Other namespaces may see our mounts
	# by propagation, but not as their root.)
	self=$(readlink /proc/self/ns/mnt)
	find /proc -mindepth 2 -maxdepth 3 \( -path '/proc/[0-9]*/root' -o -path '/proc/[0-9]*/ns/mnt' \) \
		-printf '%h %f %l\n' 2>/dev/null | while read -r pid kind target; do
		pid=${pid#/proc/}
		pid=${pid%/ns}
		case "$kind $target" in
		"root $BOXLAB_RUN_DIR"*) echo "process $pid (chroot)" ;;
		"mnt $self") ;;
		mnt*) awk -v d="$BOXLAB_RUN_DIR" '$5 == "/" && index($0, d) {f = 1} END {exit !f}' \
			"/proc/$pid/mountinfo" 2>/dev/null && echo "process $pid" ;;
		esac
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

# A TCP/UDP port nothing on the host listens on, for -p.
free_port() {
	local p
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$((20000 + RANDOM % 20000))
		ss -Htuln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# make test SAN=1 links boxlab dynamically: a container's init then maps
# host libraries, which CRIU refuses to restore (and boxlab says so), and
# the runtime cannot re-execute itself inside an image without the
# host's loader (the exe-overwrite attack).
static_boxlab() {
	! ldd "$BOXLAB" >/dev/null 2>&1
}
dynamic_skip() { # dynamic_skip WHAT
	echo "$1 needs the static build (this boxlab is dynamically linked, e.g. SAN=1)"
}

# `wait` for the test's own background jobs.  A bare `wait` would also
# wait for bats' per-test timeout watchdog (BATS_TEST_TIMEOUT, a job of
# the same shell) and so always time out.
wait_jobs() {
	local p
	for p in $(jobs -p); do
		[ "$p" = "${BATS_killer_pid:-}" ] || wait "$p" || true
	done
}

wait_for() { # wait_for SECONDS COMMAND...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# A container's veth goes with its network namespace, removed by the
# kernel some ms after boxlab returns (src/modules/network.c).
veth_gone() { # veth_gone NAME
	wait_for 5 sh -c "! ip -o link show '$1' >/dev/null 2>&1"
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
