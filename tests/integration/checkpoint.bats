#!/usr/bin/env bats
# Checkpoint and restore with CRIU (issue 8).  The witness is a counting
# container: after a restore the count must go on from where it was
# saved, never start again at 0.  Checkpoints go to a private
# BOXLAB_LIB_DIR, removed at the end.

load helpers

COUNTER='i=0; while :; do echo $i; i=$((i + 1)); sleep 0.1; done'

# bats 1.8 takes a skip in setup_file for a failure: setup_file says
# why in CKPT_SKIP and every test's setup skips with it.
eval "helpers_$(declare -f setup)"
setup() {
	[ -z "${CKPT_SKIP:-}" ] || skip "$CKPT_SKIP"
	helpers_setup
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || { export CKPT_SKIP="needs root"; return 0; }
	if ! static_boxlab; then
		CKPT_SKIP=$(dynamic_skip checkpoint)
		export CKPT_SKIP
		return 0
	fi
	local check
	check=$("$BOXLAB" check --json 2>/dev/null || true)
	if [ "$(jq -r '.criu.works' <<<"$check")" != true ]; then
		export CKPT_SKIP="no working CRIU: $(jq -r '.criu.verdict' <<<"$check") (make deps builds one)"
		return 0
	fi
	CKPT_LIB=$(mktemp -d /run/boxlab-ckpt.XXXXXX)
	chmod 755 "$CKPT_LIB"
	export CKPT_LIB BOXLAB_LIB_DIR="$CKPT_LIB"
}

teardown_file() {
	if [ -n "${CKPT_LIB:-}" ]; then rm -rf "$CKPT_LIB"; fi
}

# What it wrote (stdout.log is records with times: core/logfile.h).
log() { timeout 10 "$BOXLAB" logs "$1" 2>&1; }
lines() { [ "$(log "$1" | wc -l)" -ge "$2" ]; }
first() { log "$1" | head -n 1; }
last() { log "$1" | tail -n 1; }
status_of() { bx inspect --json "$1" | jq -r .status; }

start_counter() { # start_counter NAME [run flags]
	local name=$1
	shift
	bx run -d --name "$name" "$@" busybox sh -c "$COUNTER"
	wait_for 10 lines "$name" 5
}

# The restored counter starts at the number after $2 and keeps counting.
assert_goes_on_from() { # NAME LAST
	wait_for 10 lines "$1" 5
	[ "$(first "$1")" -eq $(($2 + 1)) ] || {
		echo "restored $1 printed $(first "$1") first, expected $(($2 + 1))" >&2
		return 1
	}
	[ "$(last "$1")" -gt "$(first "$1")" ]
}

@test "checkpoint stops the container, restore makes the count go on (network on)" {
	local name=cr$RANDOM n
	start_counter "$name"
	run bx checkpoint "$name"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checkpoint of"*"MiB"*"(container stopped)"* ]]
	[ "$(status_of "$name")" = exited ]
	n=$(last "$name")
	[ "$n" -ge 4 ]
	bx inspect "$name" | grep -E '^checkpointed +20'
	bx inspect --json "$name" | jq -e '.ckpt_size > 0'

	run bx restore "$name"
	[ "$status" -eq 0 ]
	[ "$output" = "$name" ]
	[ "$(status_of "$name")" = running ]
	assert_goes_on_from "$name" "$n"
	# the timeline shows both steps, with their duration and size
	bx timeline "$name" | grep -E '^checkpoint +restore'
	grep -P '\tcheckpoint\trestore\t.*MiB image' "$BOXLAB_RUN_DIR/$name/events.log"
	# the network module plumbed the restored namespace again
	if bx run --help | grep -q -- '--no-network'; then
		bx exec "$name" ip -4 addr show eth0 | grep -q 'inet '
	fi
	# and it stops like any container
	run bx stop -t 1 "$name"
	[ "$status" -eq 0 ]
	[ "$(status_of "$name")" = exited ]
}

@test "checkpoint, restore, checkpoint, restore again" {
	local name=cr$RANDOM n
	start_counter "$name" --net=none
	for round in 1 2; do
		bx checkpoint "$name"
		n=$(last "$name")
		bx restore "$name"
		assert_goes_on_from "$name" "$n"
	done
	grep -c -P '\tcheckpoint\trestore\t' "$BOXLAB_RUN_DIR/$name/events.log"
}

@test "checkpoint --leave-running goes on running; restore after rm" {
	local name=cr$RANDOM before after f
	start_counter "$name"
	before=$(last "$name")
	run bx checkpoint --leave-running "$name"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(container left running)"* ]]
	after=$(last "$name")
	[ "$(status_of "$name")" = running ]
	wait_for 5 eval '[ "$(last "$name")" -gt "$after" ]'
	bx rm -f "$name"
	assert_removed "$name"
	assert_no_cgroup "$name"

	bx restore "$name"
	wait_for 10 lines "$name" 3
	f=$(first "$name")
	# it goes on from the moment of the dump: after what it had printed
	# before the checkpoint, at most one past what it printed right after
	[ "$f" -gt "$before" ]
	[ "$f" -le $((after + 1)) ]
}

@test "export, rm, import under a new name: the count goes on (network off)" {
	local name=cr$RANDOM new=cr$RANDOM n file="$BATS_TEST_TMPDIR/ckpt.tar.gz"
	start_counter "$name" --net=none
	bx checkpoint --export "$file" "$name"
	[ -s "$file" ]
	tar -tzf "$file" | grep -q '^./checkpoint.json$'
	n=$(last "$name")
	bx rm "$name"
	rm -rf "$BOXLAB_LIB_DIR/checkpoints/$name"

	run bx restore --import "$file" --name "$new"
	[ "$status" -eq 0 ]
	[ "$output" = "$new" ]
	assert_goes_on_from "$new" "$n"
	assert_removed "$name"
	assert_no_cgroup "$name"
	# the new container has its own cgroup and its own files
	ls -d /sys/fs/cgroup/*/boxlab/"$new" /sys/fs/cgroup/boxlab/"$new" 2>/dev/null | grep -q .
	bx exec "$new" hostname
}

@test "a foreground container, checkpointed, comes back detached" {
	local name=cr$RANDOM n out="$BATS_TEST_TMPDIR/out"
	bx run --name "$name" --net=none busybox sh -c "$COUNTER" >"$out" 2>&1 &
	wait_for 10 eval '[ "$(wc -l <"$out")" -ge 5 ]'
	bx checkpoint "$name"
	wait_jobs # the foreground run ends with its container
	n=$(tail -n 1 "$out")
	# its output went through pipes to that run; now to stdout.log
	bx restore "$name"
	assert_goes_on_from "$name" "$n"
}

@test "the container's files come back with it" {
	local name=cr$RANDOM
	bx run -d --name "$name" --net=none busybox sh -c \
		'echo kept >/data; rm /etc/passwd; exec 3>/log; i=0; while :; do echo $i >&3; i=$((i + 1)); sleep 0.1; done'
	wait_for 10 bx exec "$name" test -s /log
	bx checkpoint "$name"
	bx restore "$name"
	run bx exec "$name" cat /data
	[ "$output" = kept ]
	run bx exec "$name" test -e /etc/passwd
	[ "$status" -ne 0 ]
	# the open descriptor on /log still writes into the same file
	local a b
	a=$(bx exec "$name" wc -l /log | awk '{print $1}')
	sleep 0.5
	b=$(bx exec "$name" wc -l /log | awk '{print $1}')
	[ "$b" -gt "$a" ]
}

@test "a checkpoint CRIU refuses leaves the container running and not frozen" {
	local name=cr$RANDOM n
	# an established TCP connection on lo: CRIU wants --tcp-established
	bx run -d --name "$name" --net=none busybox sh -c \
		'nc -l -p 7000 -e cat & sleep 0.3; (while :; do echo x; sleep 1; done | nc 127.0.0.1 7000 >/dev/null &); '"$COUNTER"
	wait_for 10 lines "$name" 5
	run bx checkpoint "$name"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"CRIU could not checkpoint $name"*"TCP"* ]]
	[[ "$output" == *"CRIU's log: $BOXLAB_RUN_DIR/$name/dump.log"* ]]
	[ -s "$BOXLAB_RUN_DIR/$name/dump.log" ]
	[ "$(status_of "$name")" = running ]
	n=$(last "$name")
	wait_for 5 eval '[ "$(last "$name")" -gt "$n" ]'
	local fz
	for fz in /sys/fs/cgroup/freezer/boxlab/"$name"/freezer.state; do
		[ ! -e "$fz" ] || [ "$(cat "$fz")" = THAWED ]
	done
	grep -P '\tcheckpoint\tdump\t.*failed' "$BOXLAB_RUN_DIR/$name/events.log"
}

@test "a failing or hanging criu: one-line error, container untouched" {
	local name=cr$RANDOM n slow="$BATS_TEST_TMPDIR/slow-criu"
	start_counter "$name" --net=none
	BOXLAB_CRIU=/bin/false run bx checkpoint "$name"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"criu exited without an answer"*"still running"* ]]

	printf '#!/bin/sh\nexec sleep 30\n' >"$slow"
	chmod +x "$slow"
	BOXLAB_CRIU=$slow run bx checkpoint --timeout 1 "$name"
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not finish within 1 s"* ]]

	[ "$(status_of "$name")" = running ]
	n=$(last "$name")
	wait_for 5 eval '[ "$(last "$name")" -gt "$n" ]'
}

@test "checkpoint and restore refuse what they cannot do, saying why" {
	local name=cr$RANDOM tty=cr$RANDOM off=cr$RANDOM
	run bx checkpoint nosuch$RANDOM
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such container"* ]]
	run bx checkpoint
	[ "$status" -eq 2 ]
	run bx checkpoint --export x.zip "$name"
	[ "$status" -eq 2 ]
	[[ "$output" == *".tar.gz"* ]]
	run bx restore nosuch$RANDOM
	[ "$status" -eq 2 ]
	[[ "$output" == *"no checkpoint of"* ]]
	run bx restore --import /nonexistent.tar.gz
	[ "$status" -eq 2 ]

	bx run --name "$name" --net=none busybox true
	run bx checkpoint "$name"
	[ "$status" -eq 2 ]
	[[ "$output" == *"the container is exited"* ]]

	bx run -d -t --name "$tty" --net=none busybox sleep 100
	run bx checkpoint "$tty"
	[ "$status" -eq 2 ]
	[[ "$output" == *"terminal"* ]]

	bx run -d --name "$off" --no-checkpoint --net=none busybox sleep 100
	run bx checkpoint "$off"
	[ "$status" -eq 2 ]
	[[ "$output" == *"checkpoint module is off"* ]]

	# a running container of the name blocks a restore into it
	start_counter "$name.2" --net=none
	bx checkpoint --leave-running "$name.2"
	run bx restore "$name.2"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is running"* ]]

	# the init runs boxlab's code: another build (another build ID) cannot
	# restore it, and says so before anything is made
	bx rm -f "$name.2"
	meta="$BOXLAB_LIB_DIR/checkpoints/$name.2/checkpoint.json"
	grep -q "\"boxlab_hash\": \"build-id:$(readelf -n "$BOXLAB" | sed -n 's/.*Build ID: //p')\"" "$meta"
	sed -i 's/"build-id:[0-9a-f]*"/"build-id:0123456789abcdef"/' "$meta"
	run bx restore "$name.2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not the build that ran it"* ]]
	[ ! -e "$BOXLAB_RUN_DIR/$name.2" ]
}

@test "boxlab check shows the CRIU in use and its verdict" {
	run bx check
	[[ "$output" == *"criu "*"works: ok dump"* ]]
	bx check --json | jq -e '.criu.works == true and (.criu.bin | test("criu$"))'
	bx check --json | jq -e '.modules[] | select(.name == "checkpoint") | .supported'
}
