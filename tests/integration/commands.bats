#!/usr/bin/env bats
# The lifecycle commands: ps, inspect, logs, exec, stop, kill, rm,
# events/timeline, check, gc, help; their errors; and leak checks.

load helpers

pid_of() {
	bx inspect --json "$1" | sed -n 's/^  "pid": \([0-9]*\).*/\1/p'
}

@test "--version, --help, every command's --help" {
	run bx --version
	[[ "$output" =~ ^boxlab\ [0-9]+\.[0-9]+ ]]
	run bx --help
	for c in run ps inspect logs exec stop kill rm events timeline check gc; do
		[[ "$output" == *"  $c "* ]]
		run bx "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == "Usage: boxlab $c"* ]]
		run bx --help
	done
	run bx run --help
	[[ "$output" == *"--no-pid, --pid"* ]]
	[[ "$output" == *"--isolation default|none"* ]]
	run bx nosuchcmd
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown command "nosuchcmd"'* ]]
}

@test "ps: running by default, -a for all, -q names, --json fields" {
	bx run -d --name up1 busybox sleep 30
	bx run --name down1 busybox true
	run bx ps
	[[ "$output" == *up1*"Up "* ]]
	[[ "$output" != *down1* ]]
	run bx ps -a
	[[ "$output" == *down1*"Exited (0)"* ]]
	run bx ps -aq
	[ "${lines[0]}" = "down1" ]
	[ "${lines[1]}" = "up1" ]
	run bx ps --json
	for k in name image status pid modules created; do
		[[ "$output" == *"\"$k\":"* ]]
	done
	[[ "$output" == *'"status": "running"'* ]]
	run bx ps --bogus
	[ "$status" -eq 2 ]
}

@test "inspect: text, --json with spec and state, --ini; unknown container" {
	bx run -d --name ins -e A=1 busybox sleep 30
	run bx inspect ins
	[[ "$output" == *"status       running"* ]]
	run bx inspect --json ins
	[[ "$output" == *'"status": "running"'* ]]
	[[ "$output" == *'"container.env": "A=1"'* ]]
	[[ "$output" == *'"pid": true'* ]]
	run bx inspect --ini ins
	[[ "$output" == *"[container]"*"name = ins"*"[modules]"*"pid = on"* ]]
	run bx inspect nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run bx inspect --format yaml ins
	[ "$status" -eq 2 ]
	[[ "$output" == *"allowed: text, json, ini"* ]]
}

@test "logs: --tail and -f follow until the container ends" {
	bx run -d --name lg busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done; sleep 1; echo last'
	wait_for 5 grep -q line5 "$BOXLAB_RUN_DIR/lg/stdout.log"
	run bx logs --tail 2 lg
	[ "$output" = "line4
line5" ]
	run bx logs -f lg
	[ "${lines[-1]}" = "last" ]
	[ "${#lines[@]}" -eq 6 ]
	run bx logs --tail x lg
	[ "$status" -eq 2 ]
}

@test "logs of a foreground container record what it printed" {
	bx run --name fg busybox sh -c 'echo to-out; echo to-err >&2'
	run bx logs fg
	[[ "$output" == *to-out* ]]
	[[ "$output" == *to-err* ]]
}

@test "exec: joins every namespace, keeps container root, -e -w -u, exit code" {
	bx run -d --name ex --hostname exhost busybox sleep 30
	pid=$(pid_of ex)
	run bx exec ex sh -c 'hostname; id -u; for n in pid net mnt user ipc uts cgroup; do readlink /proc/self/ns/$n; done'
	[ "${lines[0]}" = "exhost" ]
	[ "${lines[1]}" = "0" ]
	for ns in pid net mnt user ipc uts cgroup; do
		[[ "$output" == *"$(readlink /proc/$pid/ns/$ns)"* ]]
	done
	run bx exec -e X=42 -w /tmp/w -u 1000 ex sh -c 'echo $X $(pwd) $(id -u)'
	[ "$output" = "42 /tmp/w 1000" ]
	run bx exec ex sh -c 'exit 5'
	[ "$status" -eq 5 ]
	run -127 bx exec ex nosuch
	[[ "$output" == *'cannot run "nosuch"'* ]]
	run bx exec ex ps -o comm
	[[ "$output" == *boxlab-init* ]]
}

@test "exec -it gives a terminal, in the foreground or the background of the caller's" {
	bx run -d --name exit busybox sleep 30
	run timeout -k 5 60 script -qec "stty cols 99 rows 33; timeout --foreground -k 5 30 $BOXLAB exec -it exit sh -c 'tty; stty size'" /dev/null </dev/null
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *"33 99"* ]]
	# A process group of its own (timeout without --foreground): no
	# SIGTTOU stop, the command runs without the terminal's input.
	run timeout -k 5 60 script -qec "stty cols 99 rows 33; timeout -k 5 30 $BOXLAB exec -it exit sh -c 'tty; stty size'; echo rc=\$?" /dev/null </dev/null
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *"33 99"* ]]
	[[ "$output" == *"rc=0"* ]]
}

@test "exec on an exited or unknown container is refused" {
	bx run --name dead1 busybox true
	run bx exec dead1 true
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot exec in dead1: the container is exited"* ]]
	run bx exec nosuch true
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such container: nosuch"* ]]
	run bx exec
	[ "$status" -eq 2 ]
}

@test "stop: SIGTERM, then SIGKILL after -t; the timeline says which" {
	bx run -d --name stubborn busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	start=$SECONDS
	run bx stop -t 1 stubborn
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 10 ]
	run bx inspect --json stubborn
	[[ "$output" == *'"exit_code": 137'* ]]
	run bx events stubborn
	[[ "$output" == *"SIGTERM sent"* ]]
	[[ "$output" == *"SIGKILL sent"* ]]
	run bx stop stubborn
	[ "$status" -ne 0 ]
	[[ "$output" == *"the container is exited"* ]]
	assert_no_leaks
}

@test "kill: -s sends the named signal; bad signals are refused" {
	bx run -d --name kl busybox sh -c 'trap "echo got-usr1" USR1; while :; do sleep 0.1; done'
	sleep 0.3
	run bx kill -s USR1 kl
	[ "$status" -eq 0 ]
	wait_for 5 grep -q got-usr1 "$BOXLAB_RUN_DIR/kl/stdout.log"
	run bx kill -s NOPE kl
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid signal "NOPE"'* ]]
	run bx kill kl
	wait_for 5 sh -c "timeout 5 $BOXLAB ps -a | grep -q 'Exited (137)'"
}

@test "rm: refuses a running container, -f kills and removes it, nothing left" {
	bx run -d --name rmme busybox sleep 30
	run bx rm rmme
	[ "$status" -ne 0 ]
	[[ "$output" == *"the container is running"*"rm -f"* ]]
	run bx rm -f rmme
	[ "$status" -eq 0 ]
	assert_removed rmme
	assert_no_leaks
	run bx rm rmme
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container"* ]]
}

@test "events and timeline: every module's setup step with durations; --json" {
	bx run --name ev busybox true
	run bx events ev
	for m in user pid net uts cgroupns mnt rootfs ipc; do
		[[ "$output" == *" $m "* ]]
	done
	[[ "$output" == *pivot_root* ]]
	[[ "$output" == *"exit code 0"* ]]
	run bx events --json ev
	[[ "$output" == *'"time_us":'*'"module": "rootfs"'*'"phase": "overlay"'* ]]
	run bx timeline ev
	[[ "$output" == "setup of ev:"* ]]
	[[ "$output" == *"rootfs     pivot_root"*"#"* ]]
	run bx events
	[ "$status" -eq 2 ]
}

@test "check: every module supported here, cgroup mode; --json" {
	run bx check
	[ "$status" -eq 0 ]
	[[ "$output" == *"cgroups      "* ]]
	for m in user pid net uts cgroupns mnt rootfs ipc; do
		[[ "$output" == *"$m "*"yes"* ]]
	done
	run bx check --json
	[[ "$output" == *'"cgroup_mode":'* ]]
	[[ "$output" == *'"supported": true'* ]]
}

@test "gc: after kill -9 of boxlab itself, gc leaves no mount, process or state" {
	bx run -d --name crash busybox sleep 300
	sup=$(sed -n 's/.*"supervisor": \([0-9]*\).*/\1/p' "$BOXLAB_RUN_DIR/crash/state.json")
	init=$(pid_of crash)
	kill -9 "$sup"
	wait_for 5 sh -c "! kill -0 $init 2>/dev/null"
	run bx ps -a
	[[ "$output" == *crash*Dead* ]]
	run bx gc
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed crash"* ]]
	assert_removed crash
	assert_no_leaks
}

@test "gc: a foreground boxlab killed mid-run is cleaned up too" {
	timeout 30 "$BOXLAB" run --name fgcrash busybox sleep 300 &
	wait_for 10 test -e "$BOXLAB_RUN_DIR/fgcrash/state.json"
	wait_for 10 grep -q '"running"' "$BOXLAB_RUN_DIR/fgcrash/state.json"
	sup=$(sed -n 's/.*"supervisor": \([0-9]*\).*/\1/p' "$BOXLAB_RUN_DIR/fgcrash/state.json")
	kill -9 "$sup"
	wait_jobs
	run bx gc
	[[ "$output" == *"removed fgcrash"* ]]
	assert_no_leaks
	run bx gc
	[[ "$output" == *"0 containers cleaned up"* ]]
}

@test "bad input leaves nothing behind" {
	run bx run --name dup busybox true
	run bx run --name dup busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'the name "dup" is already in use'* ]]
	bx rm dup
	for args in "--bogus busybox" "--name BAD busybox" "--name a/b busybox" "nosuchimage" "-e =x busybox" \
		"--workdir rel busybox" "--hostname bad! busybox" "--uid-range 0 busybox" "--isolation half busybox" \
		"--net bridge2 busybox" "--name" ""; do
		run bx run $args
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "args: $args: not one line: $output"; false; }
		[[ "$output" == "boxlab: "* ]]
	done
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
	assert_no_leaks
}

@test "an unwritable state dir is a clear error" {
	BOXLAB_RUN_DIR=/proc/boxlab-cannot-be-here run bx run --rm busybox true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot create directory /proc/boxlab-cannot-be-here"* ]]
}

@test "the man page renders cleanly and documents every command, subcommand, long flag and module" {
	man="$BATS_TEST_DIRNAME/../../docs/boxlab.1"
	run sh -c "groff -ww -man -Tutf8 '$man' 2>&1 >/dev/null"
	[ -z "$output" ]
	run sh -c "MANWIDTH=80 man -l '$man' 2>&1 >/dev/null"
	[ -z "$output" ]
	modules=$(bx check --json | sed -n 's/^      "name": "\(.*\)",/\1/p')
	[ -n "$modules" ]
	for m in $modules; do
		grep -q "^\.B $m$" "$man" || { echo "module $m missing from the man page"; false; }
	done
	cmds=$(bx --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }')
	[ "$(echo "$cmds" | wc -l)" -ge 20 ]
	for c in $cmds; do
		grep -q "^\.B $c\( \|$\)" "$man" || { echo "command $c missing from the man page"; false; }
		for f in $(bx "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			# Module switches are documented once, as --no-MODULE.
			case "$f" in --no-*) continue ;; esac
			for m in $modules; do [ "$f" = "--$m" ] && continue 2; done
			grep -qF -- "$(echo "$f" | sed 's/-/\\-/g')" "$man" || { echo "$c $f missing from the man page"; false; }
		done
		# Subcommands (network create, image ls, ...) have their own entry.
		for s in $(bx "$c" --help | sed -n "1s/^Usage: boxlab $c \([a-z]\)/\1/p" | tr '|' '\n' | awk '{ print $1 }' |
			grep '^[a-z]\+$'); do
			grep -q "^\.B $c $s\( \|$\)" "$man" || { echo "subcommand $c $s missing from the man page"; false; }
		done
	done
}
