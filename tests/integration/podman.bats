#!/usr/bin/env bats
# Acceptance with a real engine: podman with boxlab as its OCI runtime
# (`podman --runtime build/boxlab`), on an image imported from the
# built-in busybox rootfs.  podman runs with its own storage and run dir
# (nothing of the host's podman is touched), the cgroupfs manager (no
# systemd here; boxlab refuses --systemd-cgroup), no conmon cgroup
# (boxlab creates cgroups only under boxlab/) and --network none (no
# traffic leaves the machine).  Containers are named oci-pm-*; the
# image and storage are removed at the end.

load helpers

PM_STORE=/var/lib/boxlab-oci-podman
PM_RUN=/run/boxlab-oci-podman
PM_IMAGE=localhost/oci-busybox:test

pm() {
	timeout "${PM_TIMEOUT:-60}" podman --root "$PM_STORE/storage" --runroot "$PM_RUN" --tmpdir "$PM_RUN/tmp" \
		--cgroup-manager cgroupfs \
		--events-backend file --runtime "$BOXLAB" "$@"
}

# podman run, the flags every test uses
# stdin from /dev/null: timeout(1) runs podman in a background process
# group, and podman -t on a terminal would be stopped by SIGTTOU when it
# sets raw mode (as boxlab once was: docs/FAILURE_CASES.md, case 9).
pm_run() {
	pm run --network none --cgroups=no-conmon "$@" </dev/null
}

logs_have() { # NAME TEXT
	pm logs "$1" 2>/dev/null | grep -q "$2"
}

umount_under() {
	local d m
	for d in "$@"; do
		awk -v d="$d" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
			umount -l "$m" || true
		done
	done
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	command -v podman >/dev/null || return 0
	BOXLAB="${BOXLAB:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/boxlab}"
	tar -C "$BATS_TEST_DIRNAME/../../${BUILD:-build}/images/busybox/rootfs" -c . | pm import - "$PM_IMAGE" >/dev/null
}

teardown_file() {
	command -v podman >/dev/null || return 0
	BOXLAB="${BOXLAB:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/boxlab}"
	pm rm -f -a >/dev/null 2>&1 || true
	pm rmi -f "$PM_IMAGE" >/dev/null 2>&1 || true
	# containers/storage keeps its overlay dir bind-mounted (private):
	# unmount what is mounted in our own dirs, then remove them.  (Not
	# `podman system reset`, which also touches the host's network
	# configs.)
	umount_under "$PM_STORE" "$PM_RUN"
	rm -rf "$PM_STORE" "$PM_RUN"
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v podman >/dev/null || skip "podman is not installed (make deps installs it)"
	export BOXLAB_RUN_DIR
	BOXLAB_RUN_DIR=$(mktemp -d /run/boxlab-test.XXXXXX)
}

teardown() {
	local id
	for id in $(pm ps -a -q --no-trunc --filter name=oci-pm- 2>/dev/null); do
		pm rm -f "$id" >/dev/null 2>&1 || true
		assert_no_cgroup "$id"
	done
	rm -rf "$BOXLAB_RUN_DIR"
}

@test "podman: run --rm with boxlab as the runtime" {
	run pm_run --rm --name oci-pm-rm "$PM_IMAGE" echo hi
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run pm ps -a --filter name=oci-pm-rm -q
	[ -z "$output" ]
	run pm_run --rm --name oci-pm-rc "$PM_IMAGE" sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "podman: run -d, ps, exec, pause, logs, stop, rm" {
	id=$(pm_run -d --name oci-pm-d "$PM_IMAGE" sh -c 'echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.2; done')
	[ -n "$id" ]
	# it really is boxlab's container
	[ -e "/run/boxlab-oci/$id/state.json" ]
	run pm ps --filter name=oci-pm-d --format '{{.Names}} {{.Status}}'
	echo "$output"
	[[ "$output" == "oci-pm-d Up"* ]]
	run pm exec oci-pm-d sh -c 'echo in-exec $(hostname)'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "in-exec ${id:0:12}" ]
	run pm exec oci-pm-d sh -c 'exit 5'
	[ "$status" -eq 5 ]
	pm pause oci-pm-d
	[ "$(pm inspect --format '{{.State.Status}}' oci-pm-d)" = paused ]
	[ "$("$BOXLAB" state "$id" | jq -r .status)" = paused ]
	pm unpause oci-pm-d
	[ "$(pm inspect --format '{{.State.Status}}' oci-pm-d)" = running ]
	wait_for 5 logs_have oci-pm-d started
	run pm stop -t 5 oci-pm-d
	[ "$status" -eq 0 ]
	run pm logs oci-pm-d
	[[ "$output" == *started*bye* ]]
	run pm ps -a --filter name=oci-pm-d --format '{{.Status}}'
	[[ "$output" == Exited\ \(0\)* ]]
	pm rm oci-pm-d
	[ ! -e "/run/boxlab-oci/$id" ]
	assert_no_cgroup "$id"
}

@test "podman: exec -t and run -t go through the console socket" {
	run pm_run --rm -t --name oci-pm-t "$PM_IMAGE" tty
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/0* ]]
}

@test "podman: limits from podman reach boxlab's cgroup modules" {
	id=$(pm_run -d --name oci-pm-lim --memory 64m --pids-limit 40 "$PM_IMAGE" sleep 100)
	[ "$(cat /sys/fs/cgroup/memory/boxlab/"$id"/memory.limit_in_bytes)" = 67108864 ]
	[ "$(cat /sys/fs/cgroup/pids/boxlab/"$id"/pids.max)" = 40 ]
	pm rm -f -t 0 oci-pm-lim
	assert_no_cgroup "$id"
}
