#!/usr/bin/env bats
# Every namespace module, on and off: what the container can see of the
# host with it, and without it.

load helpers

@test "pid: pid 1 is boxlab-init and host processes are invisible; --no-pid shows them" {
	sleep 60 &
	hostpid=$!
	run bx run --rm busybox sh -c "cat /proc/1/comm; echo \$\$; [ -e /proc/$hostpid ] && echo sees-host || echo no-host"
	kill "$hostpid"
	[ "${lines[0]}" = "boxlab-init" ]
	[ "${lines[1]}" = "2" ]
	[ "${lines[2]}" = "no-host" ]
	sleep 60 &
	hostpid=$!
	run bx run --rm --no-pid busybox sh -c "[ -e /proc/$hostpid ] && echo sees-host; echo \$\$"
	kill "$hostpid"
	[ "${lines[0]}" = "sees-host" ]
	[ "${lines[1]}" -gt 2 ]
}

@test "pid: init reaps orphans (no zombies)" {
	run bx run --rm busybox sh -c '(sleep 0.2 & exec true) ; sleep 1; ps -o stat,comm | grep -c "^Z" || true'
	[ "${lines[-1]}" = "0" ]
}

@test "pid: init forwards SIGTERM to the command (stop does not need SIGKILL)" {
	bx run -d --name term busybox sh -c 'trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done'
	run bx stop -t 20 term
	[ "$status" -eq 0 ]
	run bx inspect --json term
	[[ "$output" == *'"exit_code": 0'* ]]
	run bx logs term
	[ "$output" = "got-term" ]
	run bx events term
	[[ "$output" != *"SIGKILL sent"* ]]
}

@test "uts: the hostname is the container's; --no-uts shares the host's" {
	run bx run --rm --name utsbox busybox hostname
	[ "$output" = "utsbox" ]
	[ "$(hostname)" != "utsbox" ]
	run bx run --rm --no-uts busybox hostname
	[ "$output" = "$(hostname)" ]
	run bx run --rm $(root_inside) busybox sh -c 'hostname changed && hostname'
	[ "$output" = "changed" ]
	[ "$(hostname)" != "changed" ]
}

@test "ipc: host SysV shared memory is invisible; --no-ipc shows it" {
	id=$(ipcmk -M 4096 | grep -o '[0-9]*$')
	# /proc/sysvipc/shm lists the segments of the reader's ipc namespace
	run bx run --rm busybox awk 'NR>1{print $2}' /proc/sysvipc/shm
	own=$output
	run bx run --rm --no-ipc busybox awk 'NR>1{print $2}' /proc/sysvipc/shm
	ipcrm -m "$id"
	[ -z "$own" ]
	[[ " $(echo $output) " == *" $id "* ]]
}

@test "net: only lo, and it is up (--net=none); --net=host sees the host's interfaces" {
	run bx run --rm --net=none busybox sh -c "awk 'NR>2{print \$1}' /proc/net/dev"
	[ "$output" = "lo:" ]
	run bx run --rm --net=none busybox ping -c1 -W1 127.0.0.1
	[ "$status" -eq 0 ]
	# The namespace itself, not its interface list: other containers'
	# veths come and go on the host meanwhile.
	host=$(readlink /proc/self/ns/net)
	run bx run --rm --net=host busybox readlink /proc/self/ns/net
	[ "$output" = "$host" ]
}

@test "user: root inside is uid 100000 outside; --no-user is real root" {
	bx run -d --name usr busybox sleep 30
	pid=$(bx inspect --json usr | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	run bx exec usr id -u
	[ "$output" = "0" ]
	grep -q "^Uid:.*100000" "/proc/$pid/status"
	run cat "/proc/$pid/uid_map"
	[[ "$output" =~ 0[[:space:]]+100000[[:space:]]+65536 ]]
	bx run -d --name nousr --no-user busybox sleep 30
	pid=$(bx inspect --json nousr | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	grep -q "^Uid:[[:space:]]0" "/proc/$pid/status"
}

@test "user: --uid-range picks the host range; files in the image stay root-owned inside" {
	bx run -d --name rng --uid-range 300000:65536 busybox sleep 30
	pid=$(bx inspect --json rng | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	grep -q "^Uid:.*300000" "/proc/$pid/status"
	run bx exec rng sh -c 'stat -c %u:%g /bin/busybox /etc/passwd; touch /etc/newfile && echo writable'
	[ "${lines[0]}" = "0:0" ]
	[ "${lines[2]}" = "writable" ]
}

@test "cgroupns: the container's cgroup is its root; --no-cgroupns shows the host path" {
	cg=/sys/fs/cgroup/pids/boxlab/bats-cgns-$$
	mkdir -p "$cg"
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec timeout 30 $BOXLAB run --rm busybox grep pids /proc/self/cgroup"
	on=$output
	run sh -c "echo \$\$ > $cg/cgroup.procs && exec timeout 30 $BOXLAB run --rm --no-cgroupns busybox grep pids /proc/self/cgroup"
	off=$output
	rmdir "$cg"
	[[ "$on" == *":pids:/" ]]
	# the container's own cgroup when the pids module is on, else ours
	[[ "$off" == *":pids:/boxlab/"?* ]]
}

@test "mnt: mounts inside do not reach the host; rootfs: pivot_root leaves no way out" {
	run bx run --rm $(root_inside) busybox sh -c 'mount -t tmpfs none /mnt && echo mounted'
	[ "${lines[0]}" = "mounted" ]
	[ "$(grep -c "$BOXLAB_RUN_DIR" /proc/self/mountinfo)" = "0" ]
	run bx run --rm busybox sh -c 'ls /home /root; [ -e /boot ] && echo host-root-visible || echo own-root'
	[[ "$output" == *own-root* ]]
}

@test "rootfs: writes go to the container's own layer, not the image or other containers" {
	bx run -d --name wa busybox sh -c 'echo secret > /etc/only-in-a; sleep 30'
	wait_for 5 bx exec wa test -e /etc/only-in-a
	run bx run --rm busybox cat /etc/only-in-a
	[ "$status" -ne 0 ]
	[ ! -e build/images/busybox/rootfs/etc/only-in-a ]
	[ -f "$BOXLAB_RUN_DIR/wa/upper/etc/only-in-a" ]
}

@test "--no-mnt falls back to chroot; --no-rootfs sees the host's root" {
	run bx run --rm --no-mnt busybox sh -c 'ls /bin/busybox && echo chrooted'
	[ "${lines[-1]}" = "chrooted" ]
	run bx events --json "$(bx run -d --no-mnt busybox true)"
	[[ "$output" == *'"phase": "chroot"'* ]]
	run --separate-stderr bx run --rm --no-rootfs busybox sh -c '[ -d /sys/fs/cgroup ] && [ -e /etc/debian_version ] && echo host-root'
	[ "$output" = "host-root" ]
}

@test "--isolation=none turns every module off; single switches turn them back on" {
	# (rootfs off warns on stderr: only stdout is compared)
	run --separate-stderr bx run --rm --isolation=none --name none1 busybox hostname
	[ "$output" = "$(hostname)" ]
	run --separate-stderr bx run --rm --isolation=none --uts --name none2 busybox hostname
	[ "$output" = "none2" ]
	run bx run -d --isolation=none --pid --name none3 busybox sleep 30
	run bx ps --json
	[[ "$output" == *'"modules": [
      "pid"
    ]'* ]]
}
