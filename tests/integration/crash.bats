#!/usr/bin/env bats
# Crash safety: boxlab killed with SIGKILL at every step of setting a
# container up and tearing it down, then `boxlab gc` (or the next
# command that changes something) must leave nothing: no state dir, no
# mount, no process, no cgroup, no veth, no address lease, no port proxy.
#
# BOXLAB_TEST_STOP_AT=PHASE makes the process reaching PHASE stop there
# as "boxlab-stopped NAME PHASE" (src/core/testpoint.h); the test kill
# -9s the supervisor at that very point.  The module steps are read from
# the timeline of a reference run, so a new module or hook is covered
# without editing this file.

load helpers

CR_NET_DIR=${BOXLAB_NET_DIR:-/var/lib/boxlab/networks}
CR_NET_RUN_DIR=${BOXLAB_NET_RUN_DIR:-/run/boxlab-networks}

# A network of our own: the default one may be busy with other tests,
# and leases are read back per network.
setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export CR_NET="cr$((RANDOM % 90000 + 10000))"
	# Names are host-wide (cgroups, veths): unique to this run of the
	# file, and short (bx-NAME must fit IFNAMSIZ).
	export CR_P="cr$(printf %03x $((RANDOM % 4096)))"
	timeout 30 "$BOXLAB" network create "$CR_NET" >/dev/null
}

teardown_file() {
	[ -n "${CR_NET:-}" ] && timeout 30 "$BOXLAB" network rm "$CR_NET" >/dev/null 2>&1 || true
}

# The pid of the process stopped at PHASE for container NAME.
stopped_pid() { # stopped_pid NAME PHASE
	pgrep -f "^boxlab-stopped $1 $2( |\$)" | head -1
}

has_stopped() { # has_stopped NAME PHASE
	[ -n "$(stopped_pid "$1" "$2")" ]
}

# Wait until NAME stopped at PHASE; if it never does, kill what runs.
wait_stopped() { # wait_stopped NAME PHASE CALLER-PID
	wait_for 30 has_stopped "$1" "$2" && return 0
	echo "never stopped at $2" >&2
	kill -9 "$3" $(pgrep -f "^boxlab-stopped $1 ") 2>/dev/null
	return 1
}

# Every stop point a run with these flags passes, from its timeline:
# each module hook that ran ("ok"/"done"), in order.
module_points() { # module_points RUN-ARGS...
	local n="$CR_P-ref$((RANDOM % 1000))"
	bx run --name "$n" "$@" busybox true >/dev/null
	awk -F'\t' '$5 == "ok" || $4 == "teardown" { print $4 ":" $3 }' "$BOXLAB_RUN_DIR/$n/events.log"
	bx rm "$n" >/dev/null
}

# Start `boxlab run` (foreground unless -d is in the flags) that stops
# at PHASE, and kill -9 its supervisor there.  Sets CR_PID (the stopped
# process), CR_SUP (the supervisor) and CR_KIDS (the supervisor's other
# children: proxy, seccomp agent, container init).
crash_at() { # crash_at PHASE NAME RUN-ARGS... -- COMMAND...
	local phase=$1 name=$2 fg
	shift 2
	# fd 3 closed: bats waits for every holder of its output pipe.
	BOXLAB_TEST_STOP_AT=$phase "$BOXLAB" run --name "$name" "$@" >/dev/null 2>&1 3>&- &
	fg=$!
	wait_stopped "$name" "$phase" "$fg" || return 1
	CR_PID=$(stopped_pid "$name" "$phase")
	# Child-side steps stop the container's init: its parent is the
	# supervisor.  Every other step stops the supervisor itself.
	case $phase in
	child_setup:* | child_finish:*) CR_SUP=$(awk '/^PPid:/ {print $2}' "/proc/$CR_PID/status") ;;
	*) CR_SUP=$CR_PID ;;
	esac
	CR_KIDS=$(pgrep -P "$CR_SUP" | tr '\n' ' ')
	kill -9 "$CR_SUP"
	wait "$fg" 2>/dev/null || true
	# A supervisor of run -d is not our child: wait until it is dead.
	wait_for 10 sh -c "! grep -qs '^State:.*[RSD]' /proc/$CR_SUP/status"
}

gone() { # gone PID: no such process, or a zombie nobody reaped yet
	! kill -0 "$1" 2>/dev/null || grep -qs '^State:.*Z' "/proc/$1/status"
}

# Nothing of NAME is left anywhere.
assert_clean() { # assert_clean NAME [PORT]
	local name=$1 port=${2:-} p key
	assert_removed "$name"
	# No hidden half-made or half-removed state dir either.
	[ -z "$(ls -A "$BOXLAB_RUN_DIR" | grep -v '^\.gc\.lock$')" ] ||
		{ echo "left in the run dir: $(ls -A "$BOXLAB_RUN_DIR")" >&2; return 1; }
	assert_no_leaks
	assert_no_cgroup "$name"
	for p in $CR_PID $CR_SUP $CR_KIDS; do
		wait_for 5 gone "$p" || { echo "process $p ($(cat /proc/$p/cmdline | tr '\0' ' ')) left" >&2; return 1; }
	done
	veth_gone "bx-$name" || { echo "veth bx-$name left" >&2; return 1; }
	key=$(realpath "$BOXLAB_RUN_DIR")
	if [ -e "$CR_NET_RUN_DIR/$CR_NET/leases.json" ] &&
		jq -e --arg k "$key/" '.leases[] | select(.key | startswith($k))' \
			"$CR_NET_RUN_DIR/$CR_NET/leases.json" >/dev/null; then
		echo "address lease of $name left in $CR_NET" >&2
		return 1
	fi
	if [ -n "$port" ] && [ -n "$(ss -Htln "sport = :$port")" ]; then
		echo "port $port still bound (proxy left)" >&2
		return 1
	fi
	if [ -n "$port" ] && nft list table ip boxlab 2>/dev/null | grep -q " $port : "; then
		echo "DNAT of port $port left in table ip boxlab" >&2
		return 1
	fi
}

# Crash at each point, gc, and check; the failure names the point.
crash_each() { # crash_each "POINTS" RUN-ARGS... -- COMMAND...
	local points=$1 pt i=0 n port
	shift
	for pt in $points; do
		i=$((i + 1))
		n="$CR_P-$BATS_TEST_NUMBER-$i"
		port=$(free_port)
		crash_at "$pt" "$n" --network "$CR_NET" -p "$port:80" "$@" || return 1
		run bx gc
		[ "$status" -eq 0 ] || { echo "gc after a crash at $pt: $output" >&2; return 1; }
		[[ "$output" == *"removed $n"* ]] || [ ! -e "$BOXLAB_RUN_DIR/$n" ] ||
			{ echo "gc did not remove $n after a crash at $pt: $output" >&2; return 1; }
		assert_clean "$n" "$port" || { echo "after a crash at $pt" >&2; return 1; }
	done
}

@test "cr-core: kill -9 at create, config, state, clone, started and running; gc cleans up" {
	crash_each "create config state clone started running" busybox sleep 300
}

@test "cr-prepare: kill -9 after each module's prepare (and inside network's) leaves nothing after gc" {
	points=$(module_points --network "$CR_NET" -p "$(free_port):80" | grep '^prepare:')
	[ "$(wc -w <<<"$points")" -ge 8 ]
	crash_each "$points network:ports network:lease network:proxy" busybox sleep 300
}

@test "cr-parent-setup: kill -9 after each module's parent_setup leaves nothing after gc" {
	points=$(module_points --network "$CR_NET" | grep '^parent_setup:')
	[[ "$points" == *parent_setup:network* ]]
	crash_each "$points" busybox sleep 300
}

@test "cr-child: kill -9 of the supervisor while the child stops at each child_setup and child_finish step" {
	points=$(module_points --network "$CR_NET" | grep -E '^child_(setup|finish):')
	[[ "$points" == *child_setup:rootfs* ]]
	[[ "$points" == *child_finish:seccomp* ]]
	crash_each "$points" busybox sleep 300
}

@test "cr-teardown: kill -9 at exit, after each module's teardown and after the exit is recorded" {
	points=$(module_points --network "$CR_NET" | grep '^teardown:')
	[[ "$points" == *teardown:network* ]]
	# "exited": recorded, so it is an exited container, not garbage.
	crash_each "exit $points" busybox true
	n=$CR_P-$BATS_TEST_NUMBER-x
	crash_at exited "$n" --network "$CR_NET" busybox true
	run bx gc
	[[ "$output" != *"removed $n"* ]]
	run bx ps -a
	[[ "$output" == *"$n"*Exited* ]]
	[ ! -e "$BOXLAB_RUN_DIR/$n/supervisor" ]
	bx rm "$n"
	assert_clean "$n"
}

@test "cr-isolation-none: kill -9 of a container with every module off, then gc" {
	crash_each "state clone running" --isolation=none busybox sleep 300
}

@test "cr-detached: kill -9 of the run -d supervisor during setup; the caller says so; gc cleans up" {
	for pt in prepare:rootfs parent_setup:network child_setup:mnt; do
		n=$CR_P-d$((RANDOM % 1000))
		port=$(free_port)
		BOXLAB_TEST_STOP_AT=$pt "$BOXLAB" run -d --name "$n" --network "$CR_NET" -p "$port:80" \
			busybox sleep 300 >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
		caller=$!
		wait_stopped "$n" "$pt" "$caller"
		CR_PID=$(stopped_pid "$n" "$pt")
		CR_SUP=$CR_PID
		[[ $pt == child_* ]] && CR_SUP=$(awk '/^PPid:/ {print $2}' "/proc/$CR_PID/status")
		CR_KIDS=$(pgrep -P "$CR_SUP" | tr '\n' ' ')
		kill -9 "$CR_SUP"
		code=0
		wait "$caller" || code=$?
		[ "$code" -eq 125 ] || { echo "run -d exited $code: $(cat "$BATS_TEST_TMPDIR/out")" >&2; false; }
		grep -q "the supervisor of $n died during setup" "$BATS_TEST_TMPDIR/out"
		run bx gc
		[[ "$output" == *"removed $n"* ]]
		assert_clean "$n" "$port"
	done
}

@test "cr-detached-running: kill -9 of a running container's supervisor; its init, proxy and agent die; gc" {
	n=$CR_P-r$((RANDOM % 1000))
	port=$(free_port)
	bx run -d --name "$n" --network "$CR_NET" -p "$port:80" busybox sleep 300
	CR_SUP=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$n/state.json")
	CR_PID=$(jq -r .pid "$BOXLAB_RUN_DIR/$n/state.json")
	CR_KIDS=$(pgrep -P "$CR_SUP" | tr '\n' ' ')
	[ -f "$BOXLAB_RUN_DIR/$n/supervisor" ]
	kill -9 "$CR_SUP"
	# Their parent-death signal ends them without any gc.
	for p in $CR_PID $CR_KIDS; do wait_for 5 gone "$p"; done
	run bx gc
	[[ "$output" == *"removed $n"* ]]
	assert_clean "$n" "$port"
}

@test "cr-auto: the next command that changes something cleans up; ps and inspect leave the dead be" {
	n=$CR_P-a$((RANDOM % 1000))
	port=$(free_port)
	crash_at running "$n" --network "$CR_NET" -p "$port:80" busybox sleep 300
	run bx ps -a
	[[ "$output" == *"$n"*Dead* ]]
	run bx inspect "$n"
	[ "$status" -eq 0 ]
	[ -d "$BOXLAB_RUN_DIR/$n" ]
	# Off by request: the evidence stays.
	BOXLAB_AUTO_GC=0 run bx run --rm --name $CR_P-o$((RANDOM % 1000)) busybox true
	[[ "$output" != *"cleaned up"* ]]
	[ -d "$BOXLAB_RUN_DIR/$n" ]
	# The same name is free again for the next run, which says why.
	run bx run --rm --name "$n" --network "$CR_NET" -p "$port:80" busybox echo again
	[ "$status" -eq 0 ]
	[[ "$output" == *"cleaned up container $n, whose boxlab process was killed"* ]]
	[[ "$output" == *again* ]]
	assert_clean "$n" "$port"
}

@test "cr-hidden: a run killed before its state dir is in place, or an rm killed midway, leaves hidden dirs gc removes" {
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir -p "$BOXLAB_RUN_DIR/.new.$dead.cr-h1" "$BOXLAB_RUN_DIR/.rm.$dead.cr-h2/upper/x"
	# One of a live process is being made right now: kept.
	mkdir "$BOXLAB_RUN_DIR/.new.$$.cr-h3"
	run bx gc
	[ "$status" -eq 0 ]
	[ ! -e "$BOXLAB_RUN_DIR/.new.$dead.cr-h1" ]
	[ ! -e "$BOXLAB_RUN_DIR/.rm.$dead.cr-h2" ]
	[ -d "$BOXLAB_RUN_DIR/.new.$$.cr-h3" ]
	rmdir "$BOXLAB_RUN_DIR/.new.$$.cr-h3"
	run bx ps -a
	[[ "$output" != *cr-h* ]]
}

@test "cr-gc-safe: gc never empties a mount left under a state dir" {
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	n=$CR_P-m$((RANDOM % 1000))
	vol=$(mktemp -d)
	echo keep >"$vol/file"
	mkdir -p "$BOXLAB_RUN_DIR/.rm.$dead.$n/inner"
	mount --bind "$vol" "$BOXLAB_RUN_DIR/.rm.$dead.$n/inner"
	run bx gc
	umount "$BOXLAB_RUN_DIR/.rm.$dead.$n/inner"
	[ "$(cat "$vol/file")" = keep ]
	[[ "$output" == *"mount point"* ]]
	rm -rf "$vol" "$BOXLAB_RUN_DIR/.rm.$dead.$n"
}
