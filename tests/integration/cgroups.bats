#!/usr/bin/env bats
# The cgroup modules on this host's real hierarchies: limits that hold
# (memory hog, fork bomb, CPU hog), pause/resume, stats, violations on
# the timeline, gc after a crash, and bad input refused before anything
# exists.  After every test no cgroup named after one of its containers
# is left in any hierarchy.

load helpers

CG=/sys/fs/cgroup

# helpers.bash's teardown, then the cgroup check.
eval "$(declare -f teardown | sed '1s/^teardown/bx_teardown/')"
teardown() {
	local ret=0 n d
	bx_teardown || ret=$?
	for n in $(cat "$BATS_TEST_TMPDIR/names" 2>/dev/null); do
		for d in "$CG"/*/boxlab/"$n" "$CG"/boxlab/"$n"; do
			[ -e "$d" ] || continue
			echo "cgroup left behind: $d" >&2
			ret=1
		done
	done
	return $ret
}

# A unique container name, remembered for the leak check.
cgname() {
	local n="cg$RANDOM$RANDOM"
	echo "$n" >>"$BATS_TEST_TMPDIR/names"
	echo "$n"
}

v1_only() {
	[ -e "$CG/memory/cgroup.procs" ] || skip "this host has no v1 hierarchies (cgroup v2 is covered by the unit tests)"
}

json() { # json NAME FILTER: a field of stats --no-stream --json
	bx stats --no-stream --json --interval "${INTERVAL:-0.5}" "$1" | jq -r ".[0]$2"
}

# The whole disk that holds /, for throttling and device tests.
root_disk() {
	local src parent
	src=$(findmnt -no SOURCE /)
	parent=$(lsblk -no PKNAME "$src" 2>/dev/null | head -1)
	echo "${parent:+/dev/$parent}${parent:-$src}"
}

@test "limits land in each v1 hierarchy's files and go away with the container" {
	v1_only
	n=$(cgname)
	disk=$(root_disk)
	[ -b "$disk" ] || skip "no block device under /"
	run bx run -d --name "$n" --memory 64m --memory-reservation 32m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 \
		--pids-limit 50 --device-read-bps "$disk:1mb" busybox sleep 30
	[ "$status" -eq 0 ]
	[ "$(cat $CG/memory/boxlab/$n/memory.limit_in_bytes)" = 67108864 ]
	[ "$(cat $CG/memory/boxlab/$n/memory.soft_limit_in_bytes)" = 33554432 ]
	if [ -e $CG/memory/boxlab/$n/memory.memsw.limit_in_bytes ]; then
		# Docker's default: as much swap as memory.
		[ "$(cat $CG/memory/boxlab/$n/memory.memsw.limit_in_bytes)" = 134217728 ]
	fi
	[ "$(cat $CG/cpu/boxlab/$n/cpu.cfs_quota_us)" = 50000 ]
	[ "$(cat $CG/cpu/boxlab/$n/cpu.cfs_period_us)" = 100000 ]
	[ "$(cat $CG/cpu/boxlab/$n/cpu.shares)" = 512 ]
	[ "$(cat $CG/cpuset/boxlab/$n/cpuset.cpus)" = 0 ]
	[ "$(cat $CG/pids/boxlab/$n/pids.max)" = 50 ]
	[[ "$(cat $CG/blkio/boxlab/$n/blkio.throttle.read_bps_device)" == *" 1048576" ]]
	# The container's init is in every hierarchy's cgroup.
	pid=$(bx inspect --json "$n" | jq -r .pid)
	for h in memory cpu cpuacct cpuset pids blkio devices freezer; do
		grep -qx "$pid" "$CG/$h/boxlab/$n/cgroup.procs"
	done
	# The resolved spec keeps them, replayable.
	run bx inspect --ini "$n"
	[[ "$output" == *"memory = 64m"* ]]
	[[ "$output" == *"cpus = 0.5"* ]]
	[[ "$output" == *"pids-limit = 50"* ]]
	run bx rm -f "$n"
	[ "$status" -eq 0 ]
	for h in memory cpu cpuacct cpuset pids blkio devices freezer; do
		[ ! -e "$CG/$h/boxlab/$n" ]
	done
}

@test "limits from an INI file, and a limit switches its module on under --isolation=none" {
	v1_only
	n=$(cgname)
	printf '[resources]\nmemory = 48m\npids-limit = 30\n' >"$BATS_TEST_TMPDIR/limits.ini"
	run bx run -d --name "$n" --config "$BATS_TEST_TMPDIR/limits.ini" busybox sleep 30
	[ "$status" -eq 0 ]
	[ "$(cat $CG/memory/boxlab/$n/memory.limit_in_bytes)" = 50331648 ]
	[ "$(cat $CG/pids/boxlab/$n/pids.max)" = 30 ]
	m=$(cgname)
	# (rootfs off warns on stderr: only stdout is compared)
	run --separate-stderr bx run --rm --name "$m" --isolation=none --memory 40m busybox \
		cat "$CG/memory/boxlab/$m/memory.limit_in_bytes"
	[ "$status" -eq 0 ]
	[ "$output" = 41943040 ]
	# Only the memory module: no pids cgroup.
	run bx run --rm --name "$m" --isolation=none --memory 40m busybox ls "$CG/pids/boxlab/$m"
	[ "$status" -ne 0 ]
}

@test "a memory hog is OOM-killed at --memory: exit 137, oom_killed, timeline event" {
	n=$(cgname)
	# The hog stops by itself at 512 MiB: dd fills one 512 MiB buffer.
	hog='dd if=/dev/zero of=/dev/null bs=512M count=1'
	run bx run --name "$n" --memory 64m --memory-swap 64m busybox $hog
	[ "$status" -eq 137 ]
	[ "$(bx inspect --json "$n" | jq -r .oom_killed)" = true ]
	run bx events "$n"
	[[ "$output" =~ memory\ +oom\ +OOM\ killer:\ 1\ process\ killed ]]
	# It died at the limit: its peak usage was (nearly) 64 MiB.
	[[ "$output" =~ peak\ usage\ 6[0-4](\.[0-9]+)?MiB\ of\ the\ 64MiB\ limit ]]
	run bx ps -a
	[[ "$output" == *"Exited (137)"*"(OOM killed)"* ]]
	# Without the limit the same hog runs to its end.
	m=$(cgname)
	run bx run --name "$m" --no-memory busybox $hog
	[ "$status" -eq 0 ]
	[[ "$output" == *"1+0 records out"* ]]
	[ "$(bx inspect --json "$m" | jq -r .oom_killed)" = false ]
}

@test "a fork bomb is stopped by --pids-limit and the refusals are counted" {
	n=$(cgname)
	# A binary tree of shells, 255 processes without a limit, each
	# sleeping 3 s: it ends by itself.  A shell whose fork fails at the
	# limit exits, so the tree grows in a subshell while the container's
	# first process, which must outlive it to be sampled, waits on a fifo
	# with the shell's own read: it never forks once the bomb is going.
	run bx run -d --name "$n" --pids-limit 20 busybox sh -c \
		'mkfifo /tmp/hold; (b() { if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & fi; sleep 3; wait; }; b 7) 2>/dev/null & read -t 5 x <>/tmp/hold'
	[ "$status" -eq 0 ]
	sleep 1
	out=$(bx stats --no-stream --json --interval 0.3 "$n")
	pids=$(jq -r '.[0].pids' <<<"$out")
	[ "$(jq -r '.[0].pids_limit' <<<"$out")" -eq 20 ]
	[ "$pids" -ge 2 ] && [ "$pids" -le 20 ]
	[ "$(jq -r '.[0].pids_refused' <<<"$out")" -gt 0 ]
	run bx events "$n"
	[[ "$output" =~ pids\ +pids-limit\ +pids\ limit\ 20\ reached:\ [0-9]+\ forks?\ refused ]]
	# It ends by itself.
	wait_for 20 bash -c "[ \"\$(timeout 5 $BOXLAB inspect --json $n | jq -r .status)\" = exited ]"
}

@test "--cpus 0.5 holds a busy loop to half a CPU" {
	n=$(cgname)
	run bx run -d --name "$n" --cpus 0.5 busybox timeout 15 sh -c 'while :; do :; done'
	[ "$status" -eq 0 ]
	sleep 0.5
	out=$(bx stats --no-stream --json --interval 3 "$n")
	cpu=$(jq -r '.[0].cpu_percent' <<<"$out")
	echo "cpu_percent $cpu" >&3
	# 50 % +- 10 % of it above; below, the host's own load (tests run
	# in parallel on 2 CPUs) may take a little more from the loop.
	awk -v c="$cpu" 'BEGIN { exit !(c >= 40 && c <= 55) }'
	[ "$(jq -r '.[0].cpu_throttled' <<<"$out")" -gt 0 ]
	run bx events "$n"
	[[ "$output" =~ cpu\ +throttled\ +CPU\ quota\ used\ up\ in\ [0-9]+\ periods ]]
	run bx rm -f "$n"
	[ "$status" -eq 0 ]
}

count_of() { bx logs "$1" | tail -1; }

@test "pause freezes a counting process, resume continues it; stop and rm -f work on a paused one" {
	n=$(cgname)
	run bx run -d --name "$n" busybox sh -c 'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo $i; sleep 0.05; done'
	[ "$status" -eq 0 ]
	sleep 0.5
	run bx pause "$n"
	[ "$status" -eq 0 ]
	[ "$(bx inspect --json "$n" | jq -r .status)" = paused ]
	[ "$(bx ps --json | jq -r ".[] | select(.name == \"$n\") | .status")" = paused ]
	run bx ps
	[[ "$output" == *"(Paused)"* ]]
	[ "$(json "$n" .status)" = paused ]
	a=$(count_of "$n")
	sleep 1
	b=$(count_of "$n")
	[ "$a" -eq "$b" ]
	# Not twice, and no exec into a frozen container.
	run bx pause "$n"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the container is paused"* ]]
	run bx exec "$n" true
	[ "$status" -ne 0 ]
	run bx resume "$n"
	[ "$status" -eq 0 ]
	sleep 0.5
	c=$(count_of "$n")
	[ "$c" -gt "$b" ]
	run bx events "$n"
	[[ "$output" =~ freezer\ +pause\ +every\ process\ frozen ]]
	[[ "$output" =~ freezer\ +resume\ +every\ process\ thawed ]]
	# stop thaws first, so SIGTERM reaches the shell at once.
	bx pause "$n"
	start=$SECONDS
	run bx stop -t 8 "$n"
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 5 ]
	[ "$(bx inspect --json "$n" | jq -r .status)" = exited ]
	# rm -f of a paused one.
	m=$(cgname)
	bx run -d --name "$m" busybox sleep 60
	bx pause "$m"
	run bx rm -f "$m"
	[ "$status" -eq 0 ]
	assert_removed "$m"
}

@test "pause needs the freezer module, and only a running container can be paused" {
	n=$(cgname)
	bx run -d --name "$n" --no-freezer busybox sleep 30
	run bx pause "$n"
	[ "$status" -eq 2 ]
	[[ "$output" == *"freezer module off"* ]]
	run bx resume "$n"
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot resume $n: the container is running"* ]]
	run bx pause nosuchbox
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container: nosuchbox"* ]]
}

@test "stats --json has every field, with sane values" {
	n=$(cgname)
	bx run -d --name "$n" --memory 64m --pids-limit 40 busybox sh -c 'dd if=/dev/zero of=/tmp/f bs=1k count=64 2>/dev/null; sleep 30'
	sleep 0.5
	out=$(bx stats --no-stream --json --interval 0.3 "$n")
	for f in name cpu_percent mem_usage_bytes mem_limit_bytes pids pids_limit blkio_read_bytes blkio_write_bytes \
		net_rx_bytes net_tx_bytes net_rx_packets net_tx_packets; do
		jq -e ".[0] | has(\"$f\")" <<<"$out" >/dev/null || { echo "missing $f" >&2; false; }
	done
	[ "$(jq -r '.[0].name' <<<"$out")" = "$n" ]
	[ "$(jq -r '.[0].mem_limit_bytes' <<<"$out")" -eq 67108864 ]
	mem=$(jq -r '.[0].mem_usage_bytes' <<<"$out")
	[ "$mem" -gt 0 ] && [ "$mem" -lt 67108864 ]
	[ "$(jq -r '.[0].pids' <<<"$out")" -ge 2 ]
	[ "$(jq -r '.[0].pids_limit' <<<"$out")" -eq 40 ]
	awk -v c="$(jq -r '.[0].cpu_percent' <<<"$out")" 'BEGIN { exit !(c >= 0 && c < 100) }'
	[ "$(jq -r '.[0].blkio_read_bytes' <<<"$out")" -ge 0 ]
	[ "$(jq -r '.[0].net_rx_bytes' <<<"$out")" -ge 0 ]
	# Without --memory the limit is the host's memory.
	m=$(cgname)
	bx run -d --name "$m" busybox sleep 30
	host=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))
	[ "$(json "$m" .mem_limit_bytes)" -eq "$host" ]
	# Several at once, and all running ones without names.
	run bx stats --no-stream --json --interval 0.2
	[ "$(jq -r "[.[] | select(.name == \"$n\" or .name == \"$m\")] | length" <<<"$output")" -eq 2 ]
	# The table.
	run bx stats --no-stream --interval 0.2 "$n"
	[[ "${lines[0]}" == NAME*"CPU %"*"MEM USAGE / LIMIT"*"MEM %"*"NET I/O"*"BLOCK I/O"*PIDS ]]
	[[ "${lines[1]}" == "$n "*"/ 64MiB"*"/ 40" ]]
	# Refreshing: a table per interval until interrupted.
	run timeout 2 "$BOXLAB" stats --interval 0.4 "$n"
	[ "$(grep -c '^NAME' <<<"$output")" -ge 2 ]
	run timeout 2 "$BOXLAB" stats --json --interval 0.4 "$n"
	[ "${#lines[@]}" -ge 2 ]
	jq -e ".[0].name == \"$n\"" <<<"${lines[1]}" >/dev/null
}

@test "stats: bad input and containers that are not running" {
	run bx stats --interval 0 --no-stream
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid --interval "0" (seconds, 0.1 to 3600)'* ]]
	run bx stats --bogus
	[ "$status" -eq 2 ]
	run bx stats --no-stream nosuchbox
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container: nosuchbox"* ]]
	n=$(cgname)
	bx run --name "$n" busybox true
	run bx stats --no-stream "$n"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$n is not running (it is exited)"* ]]
}

@test "v1: the container joins its cgroups itself (no attach), and nothing else of boxlab is in them" {
	v1_only
	n=$(cgname)
	bx run -d --name "$n" --memory 64m --pids-limit 30 busybox sleep 30
	run bx events "$n"
	[[ "$output" == *"clone"*"joins its v1 cgroups as its first act"* ]]
	pid=$(jq -r .pid "$BOXLAB_RUN_DIR/$n/state.json")
	for c in memory cpu pids blkio devices freezer; do
		grep -q "^[0-9]*:$c:/boxlab/$n\$" /proc/$pid/cgroup || { cat /proc/$pid/cgroup; false; }
	done
	# init and sleep only
	[ "$(cat $CG/pids/boxlab/$n/pids.current)" -eq 2 ]
	# and it is still the supervisor's child
	sup=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$n/state.json")
	[ "$(awk '{print $4}' /proc/$pid/stat)" = "$sup" ]
}

@test "exec joins the container's cgroups" {
	v1_only
	n=$(cgname)
	bx run -d --name "$n" --pids-limit 30 busybox sleep 30
	before=$(cat $CG/pids/boxlab/$n/pids.current)
	bx exec "$n" sleep 3 &
	wait_for 5 bash -c "[ \$(cat $CG/pids/boxlab/$n/pids.current) -gt $before ]"
	[ "$(wc -l <$CG/memory/boxlab/$n/cgroup.procs)" -gt "$before" ]
	wait_jobs
}

# A device node the host's root can open that is not on the default
# allow-list: the root disk, else other harmless ones (opening
# loop-control or kmsg read-only does nothing by itself).
outside_device() {
	local d
	for d in "$(root_disk)" /dev/zram0 /dev/loop-control /dev/kmsg; do
		[ -b "$d" ] || [ -c "$d" ] || continue
		sh -c "exec 3<$d" 2>/dev/null && { echo "$d"; return; }
	done
}

@test "the devices cgroup keeps host devices out; --device lets one in" {
	v1_only
	dev=$(outside_device)
	[ -n "$dev" ] || skip "no device node outside the default allow-list can be opened here"
	try="exec 3<$dev && echo opened"
	# Without the user namespace and own root, only the devices cgroup
	# stands between container root and the host's device.
	run bx run --rm --name "$(cgname)" --no-user --no-rootfs busybox sh -c "$try"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run --separate-stderr bx run --rm --name "$(cgname)" --no-user --no-rootfs --device "$dev:r" busybox sh -c "$try"
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
	# The permissions count: write-only does not let a read open.
	run bx run --rm --name "$(cgname)" --no-user --no-rootfs --device "$dev:w" busybox sh -c "$try"
	[[ "$output" == *"Operation not permitted"* ]]
	run --separate-stderr bx run --rm --name "$(cgname)" --no-user --no-rootfs --no-devices busybox sh -c "$try"
	[ "$output" = opened ]
	# The defaults a shell needs stay usable.
	run bx run --rm --name "$(cgname)" busybox sh -c 'echo x >/dev/null && head -c 4 /dev/urandom | wc -c'
	[ "$status" -eq 0 ]
	[ "$output" = 4 ]
}

@test "gc after a crash kills what is left in the cgroups and removes them" {
	v1_only
	n=$(cgname)
	# Without a pid namespace the background sleep outlives its shell.
	bx run -d --name "$n" --no-pid busybox sh -c 'sleep 100 & sleep 100'
	sup=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$n/state.json")
	wait_for 5 bash -c "[ \$(wc -l <$CG/pids/boxlab/$n/cgroup.procs) -eq 2 ]"
	orphans=$(cat $CG/pids/boxlab/$n/cgroup.procs)
	kill -9 "$sup"
	wait_for 5 bash -c "! kill -0 $sup 2>/dev/null"
	wait_for 5 bash -c "[ \"\$(timeout 5 $BOXLAB ps -a --json | jq -r '.[] | select(.name == \"$n\") | .status')\" = dead ]"
	# Something of it still runs in its cgroup.
	[ -n "$(cat $CG/pids/boxlab/$n/cgroup.procs)" ]
	run bx gc
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed $n"* ]]
	for p in $orphans; do
		! kill -0 "$p" 2>/dev/null || [ "$(awk '{print $3}' /proc/$p/stat)" = Z ]
	done
	for h in memory cpu cpuacct cpuset pids blkio devices freezer; do
		[ ! -e "$CG/$h/boxlab/$n" ]
	done
	# Teardown is idempotent: nothing left to do is no error.
	run bx gc
	[ "$status" -eq 0 ]
}

@test "boxlab/NAME is one per host: a live one is never shared, an empty leftover is reclaimed" {
	v1_only
	n=$(cgname)
	bx run -d --name "$n" busybox sleep 30
	# The same name from another state dir would share, and its
	# teardown kill, the first one's processes: refused.
	other=$(mktemp -d /run/boxlab-test.XXXXXX)
	BOXLAB_RUN_DIR=$other run bx run --rm --name "$n" busybox true
	rmdir "$other"
	[ "$status" -eq 2 ]
	[[ "$output" == *"cgroup $CG/memory/boxlab/$n already exists and has processes"* ]]
	[ "$(bx inspect --json "$n" | jq -r .status)" = running ]
	[ "$(wc -l <$CG/pids/boxlab/$n/cgroup.procs)" -ge 1 ]
	# What a crash left, empty: removed and made anew.
	m=$(cgname)
	mkdir -p "$CG/pids/boxlab/$m"
	echo 7 >"$CG/pids/boxlab/$m/pids.max"
	run bx run -d --name "$m" busybox sleep 30
	[ "$status" -eq 0 ]
	[ "$(cat $CG/pids/boxlab/$m/pids.max)" = max ]
	run bx events "$m"
	[[ "$output" =~ pids\ +leftover\ +removed\ $CG/pids/boxlab/$m ]]
}

@test "bad limits are refused before anything is created" {
	n=$(cgname)
	bad() { # bad EXPECTED-MESSAGE ARGS...
		local msg=$1
		shift
		run bx run --rm --name "$n" "$@" busybox true
		[ "$status" -eq 2 ] || { echo "status $status for $*: $output" >&2; return 1; }
		[[ "$output" == *"$msg"* ]] || { echo "for $*: $output" >&2; return 1; }
		[ "${#lines[@]}" -eq 1 ]
		assert_removed "$n"
	}
	bad 'invalid size "12XB" (expected a number with an optional unit' --memory 12XB
	bad '"-1" is negative' --memory -1
	bad '"0" is zero' --memory 0
	bad 'below the smallest memory limit, 6m' --memory 1m
	bad 'is below --memory 64MiB' --memory 64m --memory-swap 32m
	bad '--memory-swap needs --memory' --memory-swap 1g
	bad 'is above --memory' --memory 64m --memory-reservation 128m
	bad 'below the smallest quota the kernel accepts (allowed: 0.01 and more)' --cpus 0.001
	bad "more than this host has online (allowed: 0.01 to $(nproc))" --cpus 99
	bad '"-2" is negative' --cpus -2
	bad 'invalid number of CPUs "x"' --cpus x
	bad "is not online (online: $(cat /sys/devices/system/cpu/online))" --cpuset-cpus 999
	bad 'invalid list "1-0"' --cpuset-cpus 1-0
	bad 'invalid pids limit "0" (allowed: 1 to' --pids-limit 0
	bad 'invalid pids limit "-5"' --pids-limit -5
	bad 'invalid CPU shares "1" (allowed: 2 to 262144' --cpu-shares 1
	bad 'invalid block I/O weight "5" (allowed: 10 to 1000)' --blkio-weight 5
	bad '/dev/null is not a block device' --device-read-bps /dev/null:1mb
	bad 'expected DEVICE:RATE' --device-write-bps 1mb
	bad 'cannot use device /dev/nosuch: No such file or directory' --device /dev/nosuch
	bad 'invalid device "/dev/null:rx"' --device /dev/null:rx
	printf '[resources]\nmemory = 12XB\n' >"$BATS_TEST_TMPDIR/bad.ini"
	bad '[resources] memory: invalid size "12XB"' --config "$BATS_TEST_TMPDIR/bad.ini"
}

@test "check reports the cgroup mode and each controller" {
	run bx check
	[[ "$output" == *"cgroups      "* ]]
	[[ "$output" =~ cgroup\ API\ +v[12]: ]]
	for m in memory cpu pids io devices freezer; do
		[[ "$output" =~ $'\n'$m\ +on\ +(yes|NO)\ +v[12]: ]] || { echo "no line for $m" >&2; false; }
	done
	if [ -e "$CG/memory/cgroup.procs" ]; then
		[[ "$output" =~ memory\ +on\ +yes\ +v1:\ $CG/memory ]]
	fi
	run bx check --json
	[ "$(jq -r '.modules[] | select(.name == "pids") | .why' <<<"$output")" != "" ]
	[ "$(jq -r .cgroup_backend <<<"$output")" != null ]
}
