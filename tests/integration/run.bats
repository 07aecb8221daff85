#!/usr/bin/env bats
# boxlab run: exit codes, environment, working directory, user, config
# files, foreground/detached, --rm, and bad input leaving nothing behind.

load helpers

@test "run prints the command's output and returns its exit code" {
	run bx run --rm busybox sh -c 'echo out; echo err >&2; exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *out* ]]
	[[ "$output" == *err* ]]
}

@test "a command killed by a signal gives 128+signal" {
	run bx run --rm busybox sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
}

@test "command not found is 127, not executable is 126, with a clear message" {
	run -127 bx run --rm busybox nosuchcmd
	[ "$status" -eq 127 ]
	[[ "$output" == *'cannot run "nosuchcmd" in the container'* ]]
	run bx run --rm busybox /etc/passwd
	[ "$status" -eq 126 ]
	[[ "$output" == *"Permission denied"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "the command is found along the container's PATH: a non-executable match is passed over, a file without #! is not run by sh" {
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/p.XXXXXX")
	chmod 755 "$dir"
	mkdir -m 755 "$dir/a" "$dir/b"
	printf '#!/bin/sh\necho from-a\n' >"$dir/a/tool"
	chmod 644 "$dir/a/tool"
	printf '#!/bin/sh\necho from-b "$@"\n' >"$dir/b/tool"
	printf 'echo no-shebang\n' >"$dir/b/plain"
	chmod 755 "$dir/b/tool" "$dir/b/plain"
	run bx run --rm -v "$dir:/x:ro" -e PATH=/nonexistent:/x/a:/x/b:/bin busybox tool 1 2
	[ "$status" -eq 0 ]
	[ "$output" = "from-b 1 2" ]
	# Only a match that cannot be executed: 126, not 127.
	run bx run --rm -v "$dir:/x:ro" -e PATH=/x/a:/bin busybox tool
	[ "$status" -eq 126 ]
	[[ "$output" == *'cannot run "tool" in the container: Permission denied'* ]]
	run bx run --rm -v "$dir:/x:ro" -e PATH=/x/b:/bin busybox plain
	[ "$status" -eq 126 ]
	[[ "$output" == *"Exec format error"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "the image's default command is sh" {
	run bash -c "echo 'echo default-cmd-ran' | timeout 30 $BOXLAB run --rm -i busybox"
	[ "$status" -eq 0 ]
	[ "$output" = "default-cmd-ran" ]
}

@test "-e sets the environment, -w the working directory (created if missing)" {
	run bx run --rm -e FOO=bar -e 'MSG=hello world' -w /srv/app busybox sh -c 'echo "$FOO|$MSG|$(pwd)|$PATH"'
	[ "$status" -eq 0 ]
	[ "$output" = "bar|hello world|/srv/app|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
}

@test "-u switches user by number and by name from the image" {
	run bx run --rm -u 1000:1000 busybox id
	[ "$output" = "uid=1000(student) gid=1000(student) groups=1000(student)" ]
	run bx run --rm -u student busybox sh -c 'id -un; echo $HOME'
	[ "${lines[0]}" = "student" ]
	[ "${lines[1]}" = "/home/student" ]
	run bx run --rm -u nosuchuser busybox id
	[ "$status" -ne 0 ]
	[[ "$output" == *'user "nosuchuser" not found in the image'* ]]
}

@test "--hostname and the default hostname (the container name)" {
	run bx run --rm --name hn-test busybox hostname
	[ "$output" = "hn-test" ]
	run bx run --rm --hostname lab-host busybox hostname
	[ "$output" = "lab-host" ]
}

@test "-i passes standard input; without it the command reads /dev/null" {
	run bash -c "echo piped | timeout 30 $BOXLAB run --rm -i busybox cat"
	[ "$output" = "piped" ]
	run bash -c "echo piped | timeout 30 $BOXLAB run --rm busybox cat"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "-it gives a real terminal with the caller's window size, and its input" {
	# timeout --foreground keeps boxlab in the terminal's foreground
	# process group, as an interactive shell would.
	run bash -c "printf 'hello\\n' | timeout -k 5 60 script -qec \"stty cols 123 rows 45; timeout --foreground -k 5 30 $BOXLAB run -it --rm busybox sh -c 'tty; stty size; read x; echo got \\\$x'\" /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/0* ]]
	[[ "$output" == *"45 123"* ]]
	[[ "$output" == *"got hello"* ]]
}

@test "-it in the background of its terminal runs without its input instead of stopping" {
	# Plain timeout(1) puts boxlab in a process group of its own: raw mode
	# or a read of the terminal would stop it with SIGTTOU/SIGTTIN for good.
	run timeout -k 5 60 script -qec "stty cols 123 rows 45; timeout -k 5 30 $BOXLAB run -it --rm busybox sh -c 'tty; stty size'; echo rc=\$?" /dev/null </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/0* ]]
	[[ "$output" == *"45 123"* ]]
	[[ "$output" == *"rc=0"* ]]
}

@test "--rm removes the state dir and every mount" {
	run bx run --rm --name gone busybox true
	[ "$status" -eq 0 ]
	assert_removed gone
	assert_no_leaks
}

@test "without --rm the container is kept as exited, with its exit code" {
	run bx run --name kept busybox sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run bx ps -a --json
	[[ "$output" == *'"name": "kept"'* ]]
	[[ "$output" == *'"status": "exited"'* ]]
	run bx inspect --json kept
	[[ "$output" == *'"exit_code": 3'* ]]
	assert_no_leaks
}

@test "-d prints the name and returns at once; logs has the output" {
	run bx run -d --name bg busybox sh -c 'echo started; sleep 30'
	[ "$status" -eq 0 ]
	[ "$output" = "bg" ]
	wait_for 5 grep -q started "$BOXLAB_RUN_DIR/bg/stdout.log"
	run bx logs bg
	[ "$output" = "started" ]
	run bx ps -q
	[ "$output" = "bg" ]
}

@test "-d reports setup errors with their exit code and leaves nothing" {
	run -127 bx run -d --name bad-d busybox nosuchcmd
	[ "$status" -eq 127 ]
	[[ "$output" == *'cannot run "nosuchcmd"'* ]]
	assert_removed bad-d
}

@test "generated names are valid and distinct" {
	run bx run -d busybox sleep 30
	a=$output
	run bx run -d busybox sleep 30
	b=$output
	[[ "$a" =~ ^[a-z0-9][a-z0-9_.-]*$ ]]
	[ "$a" != "$b" ]
}

@test "--config runs a lab.ini; flags override it; inspect --ini replays it" {
	cat > "$BATS_TEST_TMPDIR/lab.ini" <<'INI'
[container]
name = from-ini
image = busybox
# a value holding ; or # is quoted as a whole (iniparser's rule)
command = "sh -c 'echo $GREETING from $(hostname); exit 4'"
env = GREETING="hi there"
hostname = inihost

[modules]
net = off
INI
	run bx run --config "$BATS_TEST_TMPDIR/lab.ini"
	[ "$status" -eq 4 ]
	[ "$output" = "hi there from inihost" ]
	run bx inspect --ini from-ini
	[[ "$output" == *"net = off"* ]]
	echo "$output" > "$BATS_TEST_TMPDIR/replay.ini"
	bx rm from-ini
	run bx run --config "$BATS_TEST_TMPDIR/replay.ini"
	[ "$status" -eq 4 ]
	[ "$output" = "hi there from inihost" ]
	bx rm from-ini
	run bx run --config "$BATS_TEST_TMPDIR/lab.ini" --name override --hostname flaghost
	[ "$output" = "hi there from flaghost" ]
}

@test "INI errors name the file, the key and what is allowed" {
	printf '[container]\nnmae = x\n' > "$BATS_TEST_TMPDIR/a.ini"
	run bx run --config "$BATS_TEST_TMPDIR/a.ini" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"a.ini: unknown key \"nmae\" in [container] (allowed: name, image"* ]]
	printf '[modules]\npid = maybe\n' > "$BATS_TEST_TMPDIR/b.ini"
	run bx run --config "$BATS_TEST_TMPDIR/b.ini" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'[modules] pid = "maybe" is not on or off'* ]]
	printf '[container\nname = x\n' > "$BATS_TEST_TMPDIR/c.ini"
	run bx run --config "$BATS_TEST_TMPDIR/c.ini" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"c.ini:1: malformed section header"* ]]
	printf '[nosuch]\nx = 1\n' > "$BATS_TEST_TMPDIR/d.ini"
	run bx run --config "$BATS_TEST_TMPDIR/d.ini" busybox true
	[[ "$output" == *"unknown section [nosuch] (allowed: [container]"* ]]
	run bx run --config "$BATS_TEST_TMPDIR/missing.ini" busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"missing.ini"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "run dir: a tmpfs of its own where asked and empty, never over state, never unasked" {
	local d=$BOXLAB_RUN_DIR fs check
	chmod 0711 "$d" # container root walks through it to the run dirs in it
	BX_RUN_DIRS="$d/ram $d/full $d/disk $d/never"
	BOXLAB_RUN_DIR=$d/ram BOXLAB_RUN_TMPFS=1 run bx run --rm busybox sh -c 'echo hi > /f; cat /f'
	fs=$(findmnt -n -o FSTYPE,SOURCE "$d/ram" | tr -s ' ' || true)
	check=$(BOXLAB_RUN_DIR=$d/ram bx check | grep '^state dir' || true)
	umount "$d/ram" 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	[ "$fs" = "tmpfs boxlab" ]
	[[ "$check" == *"(in RAM)" ]]
	# Over state it would hide: never.
	mkdir "$d/full"
	echo keep >"$d/full/keep"
	BOXLAB_RUN_DIR=$d/full BOXLAB_RUN_TMPFS=1 run bx run --rm busybox true
	[ "$status" -eq 0 ]
	! findmnt "$d/full"
	[ "$(cat "$d/full/keep")" = keep ]
	# A run dir of the caller's own without BOXLAB_RUN_TMPFS=1, or with 0: on disk.
	BOXLAB_RUN_DIR=$d/disk run bx run --rm busybox true
	[ "$status" -eq 0 ]
	! findmnt "$d/disk"
	[[ "$(BOXLAB_RUN_DIR=$d/disk bx check | grep '^state dir')" == *"on disk (BOXLAB_RUN_TMPFS=1"* ]]
	BOXLAB_RUN_DIR=$d/never BOXLAB_RUN_TMPFS=0 run bx run --rm busybox true
	[ "$status" -eq 0 ]
	! findmnt "$d/never"
}
