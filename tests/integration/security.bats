#!/usr/bin/env bats
# The security modules: caps, nnp, seccomp (issue 7).
#
# A test image "sectest" (busybox plus tests/helpers/sectest.c, built
# static here, and a setuid-root copy of it) lives in a private
# BOXLAB_LIB_DIR.  The seccomp classes are decided from three runs of
# every probe made once for the file:
#   on    seccomp default, capabilities all (--no-caps): only seccomp decides
#   off   --no-seccomp, same otherwise
#   host  --no-seccomp --userns=host: for calls the kernel itself refuses
#         in a user namespace (capability checked in the initial one), to
#         prove that reason.  Every probe is harmless when it succeeds
#         (see sectest.c).

load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	SEC_DIR=$(mktemp -d /run/boxlab-sectest.XXXXXX)
	chmod 755 "$SEC_DIR"
	export SEC_DIR BOXLAB_LIB_DIR="$SEC_DIR/lib"
	local img="$BOXLAB_LIB_DIR/images/sectest"
	mkdir -p "$BOXLAB_LIB_DIR/images"
	chmod -R 755 "$BOXLAB_LIB_DIR"
	cp -a "$BATS_TEST_DIRNAME/../../${BUILD:-build}/images/busybox" "$img"
	cc -static -O2 -o "$img/rootfs/bin/sectest" "$BATS_TEST_DIRNAME/../helpers/sectest.c"
	cp "$img/rootfs/bin/sectest" "$img/rootfs/bin/sectest-suid"
	chown 0:0 "$img/rootfs/bin/sectest-suid"
	chmod 4755 "$img/rootfs/bin/sectest-suid"

	local run="$SEC_DIR/run" name=sec$RANDOM
	mkdir -p "$run"
	BOXLAB_RUN_DIR=$run bx run --name "$name" --no-caps sectest sectest all >"$SEC_DIR/on" 2>&1
	BOXLAB_RUN_DIR=$run bx timeline "$name" >"$SEC_DIR/on.timeline" 2>&1
	cp "$run/$name/events.log" "$SEC_DIR/on.events"
	BOXLAB_RUN_DIR=$run bx rm -f "$name" >/dev/null
	BOXLAB_RUN_DIR=$run bx run --rm --no-caps --no-seccomp sectest sectest all >"$SEC_DIR/off" 2>&1
	BOXLAB_RUN_DIR=$run bx run --rm --userns=host --no-caps --no-seccomp sectest sectest all >"$SEC_DIR/host" 2>&1
}

teardown_file() {
	[ -n "${SEC_DIR:-}" ] && [ -d "$SEC_DIR" ] || return 0
	local n
	for n in $(ls "$SEC_DIR/run" 2>/dev/null); do
		BOXLAB_RUN_DIR="$SEC_DIR/run" timeout 30 "$BOXLAB" rm -f "$n" >/dev/null 2>&1 || true
	done
	! grep -F "$SEC_DIR" /proc/self/mountinfo
	rm -rf "$SEC_DIR"
}

# helpers.bash's teardown, with the process check in one find instead of
# a subshell per process (about 6 s a test on a busy 2-core machine).
teardown() {
	local n mounts procs
	[ -n "${BOXLAB_RUN_DIR:-}" ] && [ -d "$BOXLAB_RUN_DIR" ] || return 0
	for n in $(ls "$BOXLAB_RUN_DIR"); do
		timeout 30 "$BOXLAB" rm -f "$n" >/dev/null 2>&1 || true
	done
	mounts=$(grep -F "$BOXLAB_RUN_DIR" /proc/self/mountinfo || true)
	procs=$(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$BOXLAB_RUN_DIR*" 2>/dev/null || true)
	if [ -n "$mounts" ] || [ -n "$procs" ]; then
		echo "leaked mounts: $mounts" >&2
		echo "leaked processes: $procs" >&2
		return 1
	fi
	rm -rf "$BOXLAB_RUN_DIR"
}

result() { # result on|off|host PROBE
	awk -v p="$2" '$1 == p {print $2}' "$SEC_DIR/$1"
}

# The default profile refuses PROBE with EPERM and the denial of SYSCALL
# is on the timeline; without seccomp the call gets further: it works,
# or fails for a reason that is not seccomp's (a different errno, or the
# kernel's own EPERM that disappears for real root).
denied_by_default() { # PROBE [SYSCALL]
	local probe=$1 sys=${2:-$1} on off host
	on=$(result on "$probe")
	off=$(result off "$probe")
	host=$(result host "$probe")
	echo "$probe: on=$on off=$off host=$host"
	[ "$on" = EPERM ]
	grep -qP "\tseccomp\tdenied\t$sys by pid" "$SEC_DIR/on.events"
	[ -n "$off" ]
	if [ "$off" = EPERM ]; then
		# In the user namespace the kernel checks this capability in
		# the initial namespace: as real root it passes.
		[ -n "$host" ] && [ "$host" != EPERM ]
	fi
}

@test "seccomp default: keyrings (keyctl, add_key) denied" {
	denied_by_default keyctl
	denied_by_default add_key
}

@test "seccomp default: bpf denied" {
	denied_by_default bpf
	[ "$(result off bpf)" = EINVAL ] # a bad command, after seccomp
}

@test "seccomp default: ptrace and process_vm_readv denied" {
	denied_by_default ptrace
	denied_by_default process_vm_readv
	denied_by_default kcmp
	[ "$(result off ptrace)" = ok ]
}

@test "seccomp default: perf_event_open, userfaultfd and io_uring denied" {
	denied_by_default perf_event_open
	denied_by_default userfaultfd
	denied_by_default io_uring_setup
}

@test "seccomp default: ioctl TIOCSTI denied, also with high bits set; other ioctls work" {
	denied_by_default tiocsti ioctl
	[ "$(result on tiocsti_hi)" = EPERM ]
	[ "$(result off tiocsti_hi)" != EPERM ]
}

@test "seccomp default: personality only with safe values" {
	denied_by_default personality
	[ "$(result on personality_query)" = ok ]
}

@test "seccomp default: clone with namespace flags denied, plain clone works, clone3 is ENOSYS" {
	denied_by_default clone_ns clone
	[ "$(result on clone_plain)" = ok ]
	[ "$(result on clone3)" = ENOSYS ]
	[ "$(result off clone3)" = ok ]
}

@test "seccomp default: mount, umount2, pivot_root, unshare, setns denied" {
	denied_by_default mount
	denied_by_default umount2
	denied_by_default pivot_root
	denied_by_default unshare
	denied_by_default setns
	[ "$(result off mount)" = ok ]
	[ "$(result off umount2)" = ENOENT ]
}

@test "seccomp default: kexec and module calls denied" {
	denied_by_default kexec_load
	denied_by_default finit_module
	denied_by_default delete_module
}

@test "seccomp default: reboot and swap denied (reboot only ever with a bad magic number)" {
	denied_by_default reboot
	[ "$(result off reboot)" = EINVAL ]
	denied_by_default swapon
}

@test "seccomp default: clock changes denied; the clock itself is never set" {
	denied_by_default clock_settime
	[ "$(result off clock_settime)" = EINVAL ] # CLOCK_MONOTONIC cannot be set
	denied_by_default settimeofday
	denied_by_default adjtimex
}

@test "seccomp default: open_by_handle_at and name_to_handle_at denied" {
	denied_by_default open_by_handle_at
	denied_by_default name_to_handle_at
}

@test "seccomp default: acct, quotactl, lookup_dcookie, iopl, ioperm, syslog denied" {
	denied_by_default acct
	denied_by_default quotactl
	denied_by_default lookup_dcookie
	denied_by_default iopl
	denied_by_default ioperm
	denied_by_default syslog
}

@test "seccomp default: everyday calls still work" {
	[ "$(result on getpid)" = ok ]
	[ "$(result on raw_socket)" = ok ]
	grep -q "seccomp.*load" "$SEC_DIR/on.timeline"
}

@test "busybox applets meet the same walls: unshare, nsenter, mount, swapon" {
	run bx run --rm --no-caps busybox sh -c 'unshare -u true; echo unshare=$?; nsenter -t 1 -u true; echo nsenter=$?; mount -t tmpfs t /mnt; echo mount=$?; swapon /nonexistent; echo swapon=$?'
	echo "$output"
	[[ "$output" == *"unshare=1"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"mount=255"* || "$output" == *"mount=1"* ]]
	run bx run --rm --no-caps --no-seccomp busybox sh -c 'unshare -u true; echo unshare=$?; mount -t tmpfs t /mnt; echo mount=$?'
	echo "$output"
	[[ "$output" == *"unshare=0"* ]]
	[[ "$output" == *"mount=0"* ]]
}

@test "caps: the default set is Docker's 14, in all five sets consistently" {
	run bx run --rm busybox grep Cap /proc/self/status
	echo "$output"
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	00000000a80425fb"* ]]
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
	[[ "$output" == *"CapBnd:	00000000a80425fb"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	# With the module off: root's full set (in its user namespace).
	run bx run --rm --no-caps busybox grep CapBnd /proc/self/status
	[ "$output" = "CapBnd:	$(printf %016x $(( (1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1 )))" ]
}

@test "caps: --cap-add/--cap-drop, ALL, any spelling; inspect names them; exec keeps them" {
	local name=sec$RANDOM
	run bx run -d --name "$name" --cap-drop ALL --cap-add net_raw --cap-add CAP_KILL busybox sleep 30
	[ "$status" -eq 0 ]
	run bx inspect "$name"
	echo "$output"
	[[ "$output" == *"security.capabilities=CAP_KILL CAP_NET_RAW"* ]]
	run bx exec "$name" grep -E 'Cap(Bnd|Eff|Inh|Amb)|NoNewPrivs|Seccomp:' /proc/self/status
	echo "$output"
	[[ "$output" == *"CapBnd:	0000000000002020"* ]]
	[[ "$output" == *"CapEff:	0000000000002020"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	run bx exec "$name" unshare -u true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	bx rm -f "$name"
	# --cap-add ALL --cap-drop X: everything but X
	run bx run --rm --cap-add ALL --cap-drop SYS_ADMIN busybox grep CapBnd /proc/self/status
	[ "$output" != "CapBnd:	0000000000000000" ]
	(( (0x${output##*	} >> 21 & 1) == 0 && (0x${output##*	} >> 12 & 1) == 1 ))
}

@test "seccomp: an exec'd process's denials are on the container's timeline too" {
	local name=sec$RANDOM
	bx run -d --name "$name" busybox sleep 30
	run bx exec "$name" unshare -u true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run bx events "$name"
	echo "$output"
	[[ "$output" == *"denied         unshare by pid "*" (unshare): EPERM"* ]]
	# Without the agent's socket (a restored container has none) exec
	# still runs under the container's filter, its denials unreported.
	rm "$BOXLAB_RUN_DIR/$name/seccomp.sock"
	run bx exec "$name" sh -c 'unshare -i true || echo refused'
	[[ "$output" == *"Operation not permitted"* ]] # stderr and stdout: either order
	[[ "$output" == *"refused"* ]]
	[ "$(bx events "$name" | grep -c 'denied         unshare')" -eq 1 ]
	bx rm -f "$name"
}

@test "seccomp: the agent is forked at the first denied call, not before; the container's own denial is reported" {
	local name=sec$RANDOM
	bx run -d --name "$name" busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; unshare -u true; sleep 30'
	sup=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$name/state.json")
	# No call handed over yet: the supervisor's only child is init.
	[ "$(pgrep -P "$sup" | wc -l)" -eq 1 ]
	[ -z "$(pgrep -P "$sup" -x boxlab-seccomp)" ]
	# Go, through the overlay (an exec would start the agent itself).
	touch "$BOXLAB_RUN_DIR/$name/rootfs/tmp/go"
	denied() { bx events "$name" | grep -q "denied         unshare by pid .* (unshare): EPERM"; }
	wait_for 5 denied
	[ -n "$(pgrep -P "$sup" -x boxlab-seccomp)" ]
	bx rm -f "$name"
}

@test "caps: an unknown capability is a usage error naming the allowed ones; nothing is made" {
	run bx run --rm --name sec$RANDOM --cap-add NET_FLY busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown capability "NET_FLY"'* ]]
	[[ "$output" == *"NET_ADMIN"* && "$output" == *"ALL"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "CAP_NET_RAW: raw sockets with the default set, EPERM when dropped, back with the module off" {
	[ "$(bx run --rm sectest sectest raw_socket)" = "raw_socket ok" ]
	[ "$(bx run --rm --cap-drop NET_RAW sectest sectest raw_socket)" = "raw_socket EPERM" ]
	[ "$(bx run --rm --no-caps --cap-drop NET_RAW sectest sectest raw_socket)" = "raw_socket ok" ]
}

@test "CAP_SYS_TIME: not held and refused with the module on; held with it off (the clock is never set)" {
	run bx run --rm --no-seccomp sectest sh -c 'grep CapEff /proc/self/status; sectest settimeofday'
	echo "$output"
	eff=$(echo "$output" | awk '/CapEff/ {print $2}')
	(( (0x$eff >> 25 & 1) == 0 ))
	[[ "$output" == *"settimeofday EPERM"* ]]
	eff=$(bx run --rm --no-caps busybox awk '/CapEff/ {print $2}' /proc/self/status)
	(( (0x$eff >> 25 & 1) == 1 ))
}

@test "CAP_MKNOD: device nodes with the default set (host user ids), EPERM when dropped" {
	[ "$(bx run --rm --userns=host sectest sectest mknod)" = "mknod ok" ]
	[ "$(bx run --rm --userns=host --cap-drop MKNOD sectest sectest mknod)" = "mknod EPERM" ]
	[ "$(bx run --rm --userns=host --no-caps --cap-drop MKNOD sectest sectest mknod)" = "mknod ok" ]
}

@test "CAP_SYS_ADMIN: mount tmpfs refused with the module on, works with it off" {
	[ "$(bx run --rm --no-seccomp sectest sectest mount)" = "mount EPERM" ]
	[ "$(bx run --rm --no-seccomp --no-caps sectest sectest mount)" = "mount ok" ]
}

@test "nnp: a setuid-root binary gives uid 1000 nothing with nnp on, euid 0 with it off" {
	run bx run --rm -u 1000 sectest sectest-suid euid
	echo "$output"
	[ "$output" = "euid=1000 uid=1000" ]
	run bx run --rm -u 1000 --no-nnp sectest sectest-suid euid
	echo "$output"
	[ "$output" = "euid=0 uid=1000" ]
	# Docker's spelling, and seccomp still loads without no_new_privs.
	run bx run --rm -u 1000 --security-opt no-new-privileges=false sectest sh -c 'sectest-suid euid; grep Seccomp: /proc/self/status'
	[[ "$output" == *"euid=0 uid=1000"* && "$output" == *"Seccomp:	2"* ]]
}

@test "seccomp strict runs busybox sh, ls and echo, and nothing fancy" {
	run bx run --rm --seccomp strict busybox sh -c 'echo hello; ls /etc | head -1; hostname'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *hello* && "$output" == *group* ]]
	run bx run --rm --seccomp strict sectest sectest setns io_uring_setup
	[[ "$output" == *"setns EPERM"* && "$output" == *"io_uring_setup EPERM"* ]]
}

@test "seccomp: Docker's own profile format loads (archMap, includes, excludes, args, errnoRet)" {
	# A small allow-list; sigaltstack (in Docker's real profile too) is
	# what an ASan build's init needs at exit (make test SAN=1).
	cat >"$BATS_TEST_TMPDIR/docker.json" <<'J'
{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 1,
	"archMap": [
		{ "architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
		{ "architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"] }
	],
	"syscalls": [
		{ "names": ["accept", "access", "arch_prctl", "brk", "close", "close_range", "dup2", "execve", "exit",
			"exit_group", "fcntl", "fstat", "getcwd", "getdents64", "getpid", "getppid", "getuid", "geteuid",
			"ioctl", "lseek", "mmap", "mprotect", "munmap", "newfstatat", "openat", "prctl", "prlimit64",
			"read", "readlink", "rseq", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
			"set_robust_list", "set_tid_address", "getrandom", "stat", "uname", "wait4", "write", "writev",
			"kill", "sendmsg", "setsid", "setpgid", "getpgrp", "vfork", "fork", "sigaltstack"],
		  "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {} },
		{ "names": ["personality"], "action": "SCMP_ACT_ALLOW",
		  "args": [ { "index": 0, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_EQ" } ] },
		{ "names": ["personality"], "action": "SCMP_ACT_ALLOW",
		  "args": [ { "index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ" } ] },
		{ "names": ["clone"], "action": "SCMP_ACT_ALLOW",
		  "args": [ { "index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" } ],
		  "excludes": { "caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"] } },
		{ "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
		{ "names": ["mount", "unshare"], "action": "SCMP_ACT_ALLOW", "includes": { "caps": ["CAP_SYS_ADMIN"] } },
		{ "names": ["arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW", "includes": { "arches": ["arm", "arm64"] } },
		{ "names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": { "minKernel": "4.8" } }
	]
}
J
	run bx seccomp show "$BATS_TEST_TMPDIR/docker.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"x86_64, x86, x32"* ]]
	[[ "$output" == *"2 rules left out"* ]]
	run bx run --rm --seccomp "$BATS_TEST_TMPDIR/docker.json" sectest sh -c 'echo hi; sectest unshare clone_plain clone3 ptrace personality'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hi"* ]]
	[[ "$output" == *"unshare EPERM"* ]]    # CAP_SYS_ADMIN not held: its include does not apply
	[[ "$output" == *"clone_plain ok"* ]]
	[[ "$output" == *"clone3 ENOSYS"* ]]
	[[ "$output" == *"ptrace ok"* ]]        # minKernel 4.8 is met
	[[ "$output" == *"personality EPERM"* ]]
	# Docker's spelling of the flag, and the INI replay keeps the path.
	run bx run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/docker.json" busybox true
	[ "$status" -eq 0 ]
}

@test "seccomp: a malformed profile names file, line or path, and the allowed values; nothing is made" {
	local f="$BATS_TEST_TMPDIR/bad.json"
	printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n    { "names": ["read"] "action": "SCMP_ACT_ALLOW" }\n  ]\n}\n' >"$f"
	run bx run --rm --seccomp "$f" busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$f:4:"*"JSON syntax error"* ]]

	printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n    { "names": ["read", "kexec_lod"], "action": "SCMP_ACT_ALLOW" }\n  ]\n}\n' >"$f"
	run bx run --rm --seccomp "$f" busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$f:4: syscalls[0].names[1]: unknown syscall \"kexec_lod\" (did you mean kexec_load?)"* ]]

	printf '{ "defaultAction": "SCMP_ACT_DENY", "syscalls": [] }\n' >"$f"
	run bx run --rm --seccomp "$f" busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"defaultAction: unknown action \"SCMP_ACT_DENY\" (allowed: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO"* ]]

	printf '{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ { "names": ["ioctl"], "action": "SCMP_ACT_ALLOW",\n "args": [ { "index": 7, "value": 1, "op": "SCMP_CMP_EQ" } ] } ] }\n' >"$f"
	run bx run --rm --seccomp "$f" busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"syscalls[0].args[0].index: 7 is out of range (0..5)"* ]]

	printf '{ "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ { "names": ["ioctl"], "action": "SCMP_ACT_ALLOW",\n "args": [ { "index": 1, "value": 1, "op": "SCMP_CMP_ABOUT" } ] } ] }\n' >"$f"
	run bx run --rm --seccomp "$f" busybox true
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *":2: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\" (allowed: SCMP_CMP_NE"*"SCMP_CMP_MASKED_EQ)"* ]]

	run bx run --rm --seccomp /nonexistent.json busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"/nonexistent.json"*"default, strict, unconfined"* ]]
	run bx run --rm --security-opt apparmor=unconfined busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"allowed: seccomp=default|strict|unconfined|FILE, no-new-privileges"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "trace + generate: busybox ls under the generated minimal profile, and nothing more" {
	local t="$BATS_TEST_TMPDIR/ls.trace" p="$BATS_TEST_TMPDIR/ls.json"
	run bx run --rm --trace-syscalls "$t" busybox ls /etc
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"different syscalls"* && "$output" == *"getdents64"* ]]
	expected=$(bx run --rm busybox ls /etc)
	run bx seccomp generate --from-trace "$t" -o "$p"
	[ "$status" -eq 0 ]
	grep -q '"getdents64"' "$p"
	! grep -q '"mkdir"' "$p"
	run bx run --rm --seccomp "$p" busybox ls /etc
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$expected" ]
	run bx run --rm --seccomp "$p" busybox mkdir /tmp/x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run bx seccomp generate --from-trace /nonexistent.trace
	[ "$status" -ne 0 ]
}

@test "seccomp show: plain words for the default profile, JSON that loads again" {
	run bx seccomp show default
	echo "$output" | head -20
	[ "$status" -eq 0 ]
	[[ "$output" == *"keyctl add_key request_key"* ]]
	[[ "$output" == *"denied with EPERM (Operation not permitted)"* ]]
	[[ "$output" == *"allowed, every other syscall"* ]]
	bx seccomp show --json default >"$BATS_TEST_TMPDIR/default.json"
	run bx seccomp show "$BATS_TEST_TMPDIR/default.json"
	[ "$status" -eq 0 ]
	[ "$(bx run --rm --seccomp "$BATS_TEST_TMPDIR/default.json" sectest sectest keyctl getpid)" = "keyctl EPERM
getpid ok" ]
	run bx seccomp frobnicate
	[ "$status" -eq 2 ]
}

@test "seccomp: a compiled program is cached, keyed by the profile's bytes; a damaged entry is compiled anew" {
	local cache="$BOXLAB_LIB_DIR/cache/seccomp" prof="$BATS_TEST_TMPDIR/p.json" n=sc$RANDOM
	rm -rf "$cache"
	# compiled or cached, from the timeline; and whether mkdir was denied
	try() {
		bx run --name "$n" --seccomp "$prof" busybox sh -c 'mkdir /tmp/d 2>/dev/null && echo made || echo denied'
		sed -n 's/.*seccomp\tcompile\t.*BPF instructions, \([a-z ]*\) in .*/\1/p' "$BOXLAB_RUN_DIR/$n/events.log"
		bx rm "$n" >/dev/null
	}
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' >"$prof"
	[ "$(try | tr '\n' ' ')" = "denied compiled " ]
	[ "$(stat -c %a "$cache")" = 700 ]
	[ "$(ls "$cache" | wc -l)" = 1 ]
	[ "$(try | tr '\n' ' ')" = "denied from the cache " ]
	# Other bytes, another key: the new profile is compiled, and holds.
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO"}]}' >"$prof"
	[ "$(try | tr '\n' ' ')" = "made compiled " ]
	# A damaged entry (cut short, or another program under the key's
	# name) is never loaded.
	for f in "$cache"/*; do truncate -s 100 "$f"; done
	[ "$(try | tr '\n' ' ')" = "made compiled " ]
	for f in "$cache"/*; do printf 'BXSCBPF1%032d' 0 | dd of="$f" bs=1 conv=notrunc status=none; done
	[ "$(try | tr '\n' ' ')" = "made compiled " ]
	[ "$(try | tr '\n' ' ')" = "made from the cache " ]
}
