#!/usr/bin/env bats
# The OCI runtime interface driven directly, runc-style, with bundles
# generated here (boxlab spec + jq): lifecycle, state, hooks, pid file,
# console socket, namespaces, masks, rlimits, resources, exec and the
# errors for bad config.json.  IDs start with oci-.

load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	gcc -O2 -o "$BATS_FILE_TMPDIR/recvtty" "$BATS_TEST_DIRNAME/../helpers/recvtty.c"
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	export BOXLAB_RUN_DIR
	BOXLAB_RUN_DIR=$(mktemp -d /run/boxlab-test.XXXXXX)
	# a mapped container root must be able to reach its bundle
	chmod 711 "$BOXLAB_RUN_DIR"
	ROOT=$BOXLAB_RUN_DIR/oci-root
	IMG=$BATS_TEST_DIRNAME/../../${BUILD:-build}/images/busybox/rootfs
}

teardown() {
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do
		timeout 30 "$BOXLAB" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		assert_no_cgroup "$id"
	done
	rm -rf "$BOXLAB_RUN_DIR"
}

oci() {
	timeout "${BX_TIMEOUT:-30}" "$BOXLAB" --root "$ROOT" "$@"
}

# bundle NAME [JQ-FILTER]: a busybox bundle with a writable root and the
# process running FILTER's changes; prints its path.
bundle() {
	local b=$BOXLAB_RUN_DIR/$1
	mkdir -p "$b"
	cp -a "$IMG" "$b/rootfs"
	"$BOXLAB" spec --bundle "$b"
	jq '.root.readonly = false' "$b/config.json" | jq "${2:-.}" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
	echo "$b"
}

# args '["sh","-c","..."]' as a jq filter setting process.args
args() {
	printf '.process.args = %s' "$1"
}

status_of() {
	oci state "$1" | jq -r .status
}

wait_status() { # ID STATUS: within 5 s
	local deadline=$((SECONDS + 5))
	until [ "$(status_of "$1")" = "$2" ]; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "$1 is $(status_of "$1"), not $2" >&2; return 1; }
		sleep 0.1
	done
}

@test "oci: run --bundle runs the command and returns its exit code" {
	b=$(bundle b1 "$(args '["sh","-c","echo hello from $(hostname); exit 3"]')")
	run oci run --bundle "$b" oci-run1
	[ "$status" -eq 3 ]
	[ "$output" = "hello from boxlab" ]
	[ ! -e "$ROOT/oci-run1" ]
	assert_no_cgroup oci-run1
}

@test "oci: create leaves the process waiting; start, state, kill, delete" {
	b=$(bundle b1 "$(args '["sh","-c","touch /started; exec sleep 100"]')")
	oci create --bundle "$b" oci-life
	run status_of oci-life
	[ "$output" = created ]
	pid=$(oci state oci-life | jq -r .pid)
	[ "$pid" -gt 1 ]
	# waiting: the command has not run yet
	sleep 0.3
	[ ! -e "$b/rootfs/started" ]
	[ -p "$ROOT/oci-life/exec.fifo" ]
	run oci delete oci-life
	[ "$status" -ne 0 ]
	[[ "$output" == *"it is created"* ]]
	oci start oci-life
	wait_for 5 test -e "$b/rootfs/started"
	[ "$(status_of oci-life)" = running ]
	[ "$(oci state oci-life | jq -r .bundle)" = "$b" ]
	[ "$(oci state oci-life | jq -r .ociVersion)" = 1.1.0 ]
	run oci start oci-life
	[ "$status" -ne 0 ]
	[[ "$output" == *"it is running"* ]]
	oci kill oci-life KILL
	wait_status oci-life stopped
	run oci kill oci-life TERM
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	oci delete oci-life
	[ ! -e "$ROOT/oci-life" ]
	assert_no_cgroup oci-life
	run oci state oci-life
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "oci: --pid-file holds the init pid, list and ps show it" {
	b=$(bundle b1 "$(args '["sleep","100"]')")
	oci create --bundle "$b" --pid-file "$BOXLAB_RUN_DIR/pid" oci-pid
	[ "$(cat "$BOXLAB_RUN_DIR/pid")" = "$(oci state oci-pid | jq -r .pid)" ]
	oci start oci-pid
	pid=$(cat "$BOXLAB_RUN_DIR/pid")
	[ "$(cat /proc/"$pid"/comm)" = sleep ]
	[ "$(oci list --format json | jq -r '.[] | select(.id == "oci-pid") | .pid')" = "$pid" ]
	[ "$(oci list -q)" = oci-pid ]
	[ "$(oci ps --format json oci-pid | jq -r '.[0]')" = "$pid" ]
	run oci ps oci-pid
	[[ "${lines[0]}" == *PID* ]]
	[[ "$output" == *"sleep 100"* ]]
	# kill --all reaches a process that left init's tree
	oci exec --detach oci-pid sleep 77
	oci kill --all oci-pid KILL
	wait_status oci-pid stopped
	wait_for 5 sh -c "! pgrep -x -f 'sleep 77' >/dev/null"
	oci delete oci-pid
	assert_no_cgroup oci-pid
}

@test "oci: --preserve-fds passes descriptors; the boxlab-oci link is always OCI" {
	b=$(bundle b1 "$(args '["sh","-c","cat <&3; cat <&4 2>/dev/null || echo no-fd-4"]')")
	echo passed-in >"$BOXLAB_RUN_DIR/fd3"
	run oci run --preserve-fds 1 --bundle "$b" oci-fds 3<"$BOXLAB_RUN_DIR/fd3" 4<"$BOXLAB_RUN_DIR/fd3"
	echo "$output"
	[ "${lines[0]}" = passed-in ]
	[ "${lines[-1]}" = no-fd-4 ]
	ln -s "$BOXLAB" "$BOXLAB_RUN_DIR/boxlab-oci"
	"$BOXLAB_RUN_DIR/boxlab-oci" --root "$ROOT" create --bundle "$b" oci-link
	[ "$("$BOXLAB_RUN_DIR/boxlab-oci" --root "$ROOT" list -q)" = oci-link ]
	# as boxlab-oci even `ps` means the OCI one
	run env BOXLAB_OCI_ROOT="$ROOT" "$BOXLAB_RUN_DIR/boxlab-oci" ps --format json oci-link
	[ "$(echo "$output" | jq length)" = 1 ]
	oci delete --force oci-link
}

@test "oci: hooks run in the spec's order with the state on stdin" {
	b=$BOXLAB_RUN_DIR/b1
	log=$b/rootfs/hooks.log
	mkdir -p "$b"
	# host side: prestart, createRuntime, createContainer, poststart, poststop
	cat >"$BOXLAB_RUN_DIR/hook.sh" <<EOF
#!/bin/sh
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r '.id + " " + .status + " " + (.pid|tostring)')" >>$log
EOF
	chmod +x "$BOXLAB_RUN_DIR/hook.sh"
	h=$BOXLAB_RUN_DIR/hook.sh
	filter=$(printf '.hooks = {
		"prestart": [{"path": "%s", "args": ["hook", "prestart"]}],
		"createRuntime": [{"path": "%s", "args": ["hook", "createRuntime"]}],
		"createContainer": [{"path": "%s", "args": ["hook", "createContainer"]}],
		"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >/dev/null; echo startContainer >>/hooks.log"]}],
		"poststart": [{"path": "%s", "args": ["hook", "poststart"]}],
		"poststop": [{"path": "%s", "args": ["hook", "poststop"]}]} | .process.args = ["sh", "-c", "echo process >>/hooks.log"]' \
		"$h" "$h" "$h" "$h" "$h")
	b=$(bundle b1 "$filter")
	oci create --bundle "$b" oci-hooks
	pid=$(oci state oci-hooks | jq -r .pid)
	oci start oci-hooks
	wait_status oci-hooks stopped
	oci delete oci-hooks
	run awk '{print $1}' "$log"
	echo "$output"
	[ "$output" = "$(printf '%s\n' prestart createRuntime createContainer startContainer process poststart poststop)" ] ||
	[ "$output" = "$(printf '%s\n' prestart createRuntime createContainer startContainer poststart process poststop)" ]
	grep -qx "prestart oci-hooks creating $pid" "$log"
	grep -qx "poststart oci-hooks running $pid" "$log"
	grep -q "^poststop oci-hooks stopped" "$log"
}

@test "oci: a failing or hanging hook fails create and leaves nothing" {
	b=$(bundle b1 '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "10"], "timeout": 1}]}')
	run oci create --bundle "$b" oci-hookto
	[ "$status" -ne 0 ]
	[[ "$output" == *"hook prestart[0] (/bin/sleep) did not finish within its timeout of 1 s"* ]]
	[ ! -e "$ROOT/oci-hookto" ]
	assert_no_cgroup oci-hookto
	b=$(bundle b2 '.hooks = {"createRuntime": [{"path": "/bin/false"}]}')
	run oci create --bundle "$b" oci-hookf
	[ "$status" -ne 0 ]
	[[ "$output" == *"hook createRuntime[0] (/bin/false) failed with exit code 1"* ]]
	[ ! -e "$ROOT/oci-hookf" ]
	assert_no_cgroup oci-hookf
}

@test "oci: --console-socket receives the terminal master" {
	b=$(bundle b1 '.process.terminal = true | .process.args = ["sh", "-c", "tty; echo tty-ok"]')
	sock=$BOXLAB_RUN_DIR/console.sock
	"$BATS_FILE_TMPDIR/recvtty" "$sock" >"$BOXLAB_RUN_DIR/tty.out" 2>"$BOXLAB_RUN_DIR/tty.err" &
	rpid=$!
	wait_for 5 test -S "$sock"
	oci create --bundle "$b" --console-socket "$sock" oci-tty
	oci start oci-tty
	wait_for 10 grep -q tty-ok "$BOXLAB_RUN_DIR/tty.out"
	wait "$rpid"
	grep -q '^pty /dev/pts/[0-9]' "$BOXLAB_RUN_DIR/tty.err"
	grep -q '^/dev/pts/0' "$BOXLAB_RUN_DIR/tty.out"
	oci delete --force oci-tty
	# terminal without a socket is refused
	run oci create --bundle "$b" oci-tty2
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.terminal is true: it needs --console-socket"* ]]
	[ ! -e "$ROOT/oci-tty2" ]
}

@test "oci: each namespace is new: pid uts ipc net mnt cgroup time" {
	b=$(bundle b1 '.linux.namespaces += [{"type": "time"}] | .process.args = ["sh","-c","echo pid=$$; hostname; for n in ipc net mnt cgroup uts time; do readlink /proc/self/ns/$n; done; cat /proc/net/dev | wc -l"]')
	run oci run --bundle "$b" oci-ns
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = pid=1 ]
	[ "${lines[1]}" = boxlab ]
	i=2
	for n in ipc net mnt cgroup uts time; do
		[[ "${lines[$i]}" == "$n:["* ]]
		[ "${lines[$i]}" != "$(readlink /proc/self/ns/$n)" ]
		i=$((i + 1))
	done
	# only lo in a new network namespace: 2 header lines + lo
	[ "${lines[8]}" = 3 ]
}

@test "oci: user namespace with uid/gid mappings" {
	b=$(bundle b1 '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] | .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"]')
	# the mapped root must be able to read its root
	run oci run --bundle "$b" oci-user
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | awk '{print $1, $2, $3}')" = "0 200000 65536" ]
	[ "$(echo "${lines[1]}" | awk '{print $1, $2, $3}')" = "0 200000 65536" ]
	[ "${lines[2]}" = 0 ]
}

@test "oci: namespaces joined by path share the first container's" {
	b=$(bundle b1 '.hostname = "first" | .process.args = ["sleep", "100"]')
	oci create --bundle "$b" oci-first
	oci start oci-first
	pid=$(oci state oci-first | jq -r .pid)
	f=$(printf '.linux.namespaces = [{"type":"pid"},{"type":"mount"},{"type":"uts","path":"/proc/%s/ns/uts"},{"type":"network","path":"/proc/%s/ns/net"},{"type":"ipc","path":"/proc/%s/ns/ipc"}] | del(.hostname) | .process.args = ["sh","-c","hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc"]' "$pid" "$pid" "$pid")
	b2=$(bundle b2 "$f")
	run oci run --bundle "$b2" oci-second
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = first ]
	[ "${lines[1]}" = "$(readlink /proc/"$pid"/ns/net)" ]
	[ "${lines[2]}" = "$(readlink /proc/"$pid"/ns/ipc)" ]
	oci delete --force oci-first
}

@test "oci: maskedPaths and readonlyPaths" {
	b=$(bundle b1 "$(args '["sh","-c","wc -c </proc/timer_list; ls /proc/acpi | wc -l; echo 1 >/proc/sys/kernel/panic_on_oops && echo wrote || echo ro"]')")
	run oci run --bundle "$b" oci-mask
	echo "$output"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "${lines[-1]}" = ro ]
}

@test "oci: rlimits are set, a hard limit above ours is clamped with a warning" {
	hard=$(ulimit -Hn)
	f=$(printf '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":%d,"hard":%d},{"type":"RLIMIT_CORE","soft":0,"hard":0}] | .process.args = ["sh","-c","ulimit -n; ulimit -Hn; ulimit -c"]' $((hard * 4)) $((hard * 4)))
	b=$(bundle b1 "$f")
	run oci run --bundle "$b" oci-rlim
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"RLIMIT_NOFILE: hard limit $((hard * 4)) cannot be raised above $hard without CAP_SYS_RESOURCE: clamped"* ]]
	[ "${lines[-3]}" = "$hard" ]
	[ "${lines[-2]}" = "$hard" ]
	[ "${lines[-1]}" = 0 ]
	b=$(bundle b2 '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":100,"hard":200}] | .process.args = ["sh","-c","ulimit -n; ulimit -Hn"]')
	run oci run --bundle "$b" oci-rlim2
	[ "$output" = "$(printf '100\n200')" ]
}

@test "oci: process user, groups, capabilities and noNewPrivileges" {
	b=$(bundle b1 '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]} | .process.capabilities = {"bounding": ["CAP_KILL"], "effective": [], "permitted": []} | .process.args = ["sh","-c","id -u; id -g; id -G; grep -E \"^(CapEff|CapBnd|NoNewPrivs)\" /proc/self/status"]')
	run oci run --bundle "$b" oci-user2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = "1000 10 20" ]
	[ "$(echo "${lines[3]}" | awk '{print $2}')" = 0000000000000000 ]
	[ "$(echo "${lines[4]}" | awk '{print $2}')" = 0000000000000020 ]
	[ "$(echo "${lines[5]}" | awk '{print $2}')" = 1 ]
}

@test "oci: linux.resources reach the cgroup modules; linux.seccomp filters" {
	b=$(bundle b1 '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50} | .process.args = ["sleep", "100"]')
	oci create --bundle "$b" oci-res
	[ "$(cat /sys/fs/cgroup/memory/boxlab/oci-res/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/boxlab/oci-res/memory.max)" = 67108864 ]
	[ "$(cat /sys/fs/cgroup/pids/boxlab/oci-res/pids.max 2>/dev/null || cat /sys/fs/cgroup/boxlab/oci-res/pids.max)" = 50 ]
	oci start oci-res
	oci pause oci-res
	[ "$(status_of oci-res)" = paused ]
	oci resume oci-res
	[ "$(status_of oci-res)" = running ]
	oci delete --force oci-res
	assert_no_cgroup oci-res
	b=$(bundle b2 '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]} | .process.args = ["sh","-c","mkdir /x || echo denied"]')
	run oci run --bundle "$b" oci-sc
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	[ "${lines[-1]}" = denied ]
}

@test "oci: exec with a command, with --process, and --detach --pid-file" {
	b=$(bundle b1 "$(args '["sleep","100"]')")
	oci create --bundle "$b" oci-exec
	oci start oci-exec
	run oci exec oci-exec sh -c 'echo $$ $(hostname); exit 4'
	[ "$status" -eq 4 ]
	[[ "$output" != "1 "* ]]
	[[ "$output" == *" boxlab" ]]
	echo '{"args": ["sh", "-c", "id -u; pwd"], "cwd": "/tmp", "user": {"uid": 7, "gid": 7}, "env": ["PATH=/bin"]}' >"$BOXLAB_RUN_DIR/p.json"
	run oci exec --process "$BOXLAB_RUN_DIR/p.json" oci-exec
	[ "$output" = "$(printf '7\n/tmp')" ]
	oci exec --detach --pid-file "$BOXLAB_RUN_DIR/epid" oci-exec sleep 50
	epid=$(cat "$BOXLAB_RUN_DIR/epid")
	[ "$(cat /proc/"$epid"/comm)" = sleep ]
	[ "$(readlink /proc/"$epid"/ns/pid)" = "$(readlink /proc/"$(oci state oci-exec | jq -r .pid)"/ns/pid)" ]
	[ "$(oci ps --format json oci-exec | jq length)" = 2 ]
	run oci exec oci-exec nosuchcmd
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot run nosuchcmd"* ]]
	oci delete --force oci-exec
	assert_no_cgroup oci-exec
}

@test "oci: bad config.json: clear errors naming the JSON path, nothing left" {
	b=$BOXLAB_RUN_DIR/empty
	mkdir -p "$b"
	run oci create --bundle "$b" oci-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"no config.json in the bundle"* ]]
	echo '{"ociVersion": "1.0.2", "root": {' >"$b/config.json"
	run oci create --bundle "$b" oci-bad
	[[ "$output" == *"config.json: line "* ]]
	local k=0
	check() { # FILTER EXPECTED
		k=$((k + 1)) # one bundle each ($RANDOM repeats: two once met)
		b=$(bundle "bad$k" "$1")
		run oci create --bundle "$b" oci-bad
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$2"* ]]
		[ ! -e "$ROOT/oci-bad" ]
	}
	check '.ociVersion = "2.0.0"' 'config.json: ociVersion: "2.0.0" is not a 1.x version'
	check 'del(.ociVersion)' 'config.json: ociVersion: is required'
	check '.process.args = "sh"' 'config.json: process.args: must be an array of strings'
	check '.process.args = []' 'config.json: process.args: must name the command'
	check '.linux.intelRdt = {"closID": "x"}' 'config.json: linux.intelRdt: not supported by boxlab'
	check '.linux.namespaces += [{"type": "bogus"}]' 'config.json: linux.namespaces[6].type: unknown namespace "bogus"'
	check '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]' 'config.json: process.rlimits[0].type: unknown rlimit'
	check '.mounts[0].destination = "proc"' 'config.json: mounts[0].destination: must be an absolute path'
	check '.process.capabilities.bounding = ["CAP_FLY"]' 'config.json: process.capabilities.bounding[0]: unknown capability'
	check '.linux.resources.memory.swappiness = 10' 'config.json: linux.resources.memory.swappiness: not supported'
	check '.process.args = ["nosuchcmd"]' 'process.args[0]: "nosuchcmd" not found in $PATH'
	check '.hostname = "x" | .linux.namespaces = [{"type":"mount"}]' 'config.json: hostname: needs a new uts namespace'
	# unknown properties are ignored, as the spec requires
	b=$(bundle good '.org_example_extension = {"x": 1} | .process.args = ["true"]')
	oci run --bundle "$b" oci-good
	assert_no_cgroup oci-bad
}

@test "oci: global flags, --systemd-cgroup refused, --log json, native commands unchanged" {
	run "$BOXLAB" --systemd-cgroup --root "$ROOT" list
	[ "$status" -ne 0 ]
	[[ "$output" == *"--systemd-cgroup: boxlab manages cgroups itself"* ]]
	b=$BOXLAB_RUN_DIR/none
	run "$BOXLAB" --root "$ROOT" --log "$BOXLAB_RUN_DIR/log.json" --log-format json create --bundle "$b" oci-log
	[ "$status" -ne 0 ]
	[ "$(jq -r .level "$BOXLAB_RUN_DIR/log.json")" = error ]
	[[ "$(jq -r .msg "$BOXLAB_RUN_DIR/log.json")" == *"$b"* ]]
	run "$BOXLAB" --root relative list
	[[ "$output" == *"must be an absolute path"* ]]
	# the native kill still answers for native names
	run "$BOXLAB" kill oci-nonesuch
	[[ "$output" != *"OCI"* ]]
	[[ "$output" == *"oci-nonesuch"* ]]
	run "$BOXLAB" features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .ociVersionMax)" = 1.1.0 ]
	run "$BOXLAB" spec --bundle "$BOXLAB_RUN_DIR"
	run "$BOXLAB" spec --bundle "$BOXLAB_RUN_DIR"
	[[ "$output" == *"already exists"* ]]
}

@test "oci: devices, sysctl, oomScoreAdj, read-only root, --no-pivot" {
	b=$(bundle b1 '.root.readonly = true | .linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 432}] | .linux.sysctl = {"net.ipv4.ping_group_range": "0 0"} | .process.oomScoreAdj = 500 | .process.args = ["sh","-c","stat -c \"%F %t:%T %a\" /dev/fuse; cat /proc/sys/net/ipv4/ping_group_range; cat /proc/self/oom_score_adj; touch /x 2>&1; cat /proc/self/mountinfo | awk \"\\$5 == \\\"/\\\" {print \\$4}\""]')
	run oci run --bundle "$b" oci-misc
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file a:e5 660" ]
	[ "$(echo "${lines[1]}" | tr -s '\t ' ' ')" = "0 0" ]
	[ "${lines[2]}" = 500 ]
	[[ "${lines[3]}" == *"Read-only file system"* ]]
	# pivot_root: the root is the bundle's rootfs, bound
	[[ "${lines[4]}" == */b1/rootfs ]]
	run oci run --no-pivot --bundle "$b" oci-nopivot
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = 500 ]
	# a score below ours needs CAP_SYS_RESOURCE: kept, with a warning
	b=$(bundle b2 '.process.oomScoreAdj = -1000 | .process.args = ["cat", "/proc/self/oom_score_adj"]')
	run oci run --bundle "$b" oci-oom
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"process.oomScoreAdj -1000 needs CAP_SYS_RESOURCE"* ]]
	[ "${lines[-1]}" = "$(cat /proc/self/oom_score_adj)" ]
}

@test "oci: a symlink in the image cannot send a mount or a device out of the root" {
	host=$BOXLAB_RUN_DIR/hostdir
	mkdir -p "$host"
	echo canary >"$host/canary"
	b=$(bundle b1 "$(printf '.mounts += [{"destination": "/escape/m", "type": "tmpfs", "source": "tmpfs"}] | .linux.devices = [{"type": "c", "path": "/escape/null2", "major": 1, "minor": 3}] | .process.args = ["sh", "-c", "grep -c \\" %s/m \\" /proc/self/mountinfo; ls %s"]' "$host" "$host")")
	# /escape -> the host dir, absolute: inside the root it is <root>/<that path>
	ln -s "$host" "$b/rootfs/escape"
	run oci run --bundle "$b" oci-escape
	echo "$output"
	[ "$status" -eq 0 ]
	# the tmpfs landed on the container's own path of that name
	[ "${lines[0]}" = 1 ]
	[[ "$output" == *null2* ]]
	# and nothing reached the host dir
	[ "$(ls "$host")" = canary ]
	[ -d "$b/rootfs$host/m" ]
}
