#!/usr/bin/env bats
# Lessons 06-12: for each, an empty attempt fails its check with the
# hints the handout's steps need, and the scripted solution in
# tests/lessons/NN-solution.sh (the handout's commands as written)
# passes it.  The student is "lsb" (SUDO_USER), so every container and
# cgroup is named lsb-NN-...; images, checkpoints and lesson state live
# in a scratch BOXLAB_LIB_DIR for this file.

STUDENT=lsb
load lesson_helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export BOXLAB_LIB_DIR
	BOXLAB_LIB_DIR=$(mktemp -d /var/lib/boxlab-lsb.XXXXXX)
	chmod 755 "$BOXLAB_LIB_DIR"
}

teardown_file() {
	[ -n "${BOXLAB_LIB_DIR:-}" ] && [ -d "$BOXLAB_LIB_DIR" ] || return 0
	if grep -qF "$BOXLAB_LIB_DIR" /proc/self/mountinfo; then
		echo "mounts left under $BOXLAB_LIB_DIR" >&2
		return 1
	fi
	rm -rf "$BOXLAB_LIB_DIR"
}

@test "lesson 06 cgroups: an empty attempt fails with hints; the solution passes" {
	empty_attempt 06 'write your answer to $WORK/mode.txt' 'no container lsb-06-mem yet: sudo boxlab run -d' \
		'no container lsb-06-hog yet' 'no container lsb-06-cpu yet' 'no container lsb-06-forks yet' \
		'no cgroup /sys/fs/cgroup/' 'write the six pairs'
	solve 06
	passes 06
	# Wrong answers are named.
	echo v2 >"$BOXLAB_LESSON_STATE/lsb/06/mode.txt"
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v1 >"$BOXLAB_LESSON_STATE/lsb/06/mode.txt"
	sed -i 's/cpu.weight/cpu.shares/' "$BOXLAB_LESSON_STATE/lsb/06/v2-names.txt"
	recheck 06
	[[ "$(step_line 1)" == "fail 1 "*"which is not what this host runs"* ]]
	[[ "$(step_line 7)" == "fail 7 "*"cpu.shares is not the v2 file for cpu.shares"* ]]
}

@test "lesson 07 overlayfs: an empty attempt fails with hints; the solution passes; reset unmounts and removes the images" {
	empty_attempt 07 'make $WORK/ovl/{lower,upper,work,merged}' 'no container lsb-07-cow yet' 'do step 2 first' \
		'no image lsb-07-img yet' 'do step 4 first' 'do step 4 first'
	solve 07
	passes 07
	# A merged dir still mounted is named; reset unmounts it.
	w="$BOXLAB_LESSON_STATE/lsb/07/ovl"
	mount -t overlay overlay -o "lowerdir=$w/lower,upperdir=$w/upper,workdir=$w/work" "$w/merged"
	recheck 07
	[[ "$(step_line 1)" == "fail 1 "*"merged is still mounted: sudo umount"* ]]
	run bx lesson reset 07
	[ "$status" -eq 0 ]
	! mountpoint -q "$w/merged"
	run bx image ls
	[[ "$output" != *lsb-07-img* ]]
}

@test "lesson 08 capabilities: an empty attempt fails with hints; the solution passes" {
	empty_attempt 08 'no container lsb-08-default yet' 'no container lsb-08-full yet' 'no container lsb-08-web yet' \
		'no container lsb-08-nobind yet' 'run: sudo capsh --drop=cap_chown' 'do step 3 first'
	solve 08
	passes 08
	# A decoded list that is not the container's is named.
	capsh --decode=a80425fa >"$BOXLAB_LESSON_STATE/lsb/08/default-caps.txt"
	recheck 08
	[[ "$(step_line 1)" == "fail 1 "*"does not list exactly the capabilities of CapEff 00000000a80425fb"* ]]
}

@test "lesson 09 seccomp: an empty attempt fails with hints; the solution passes" {
	empty_attempt 09 'no container lsb-09-denied yet' 'no trace $WORK/chmod.trace yet' 'do step 2 first' \
		'do step 3 first' 'do step 3 first' 'write your profile to $WORK/nochmod.json'
	solve 09
	passes 09
	# A deny-list that denies with the wrong errno is named.
	sed -i 's/"errnoRet": 13/"errnoRet": 1/' "$BOXLAB_LESSON_STATE/lsb/09/nochmod.json"
	recheck 09
	[[ "$(step_line 6)" == "fail 6 "*"no rule answering chmod with SCMP_ACT_ERRNO and errnoRet 13"* ]]
}

@test "lesson 10 checkpoint: an empty attempt fails with hints; the solution passes; reset stops the hand-made counter" {
	[ "$(bx check --json | jq -r .criu.works)" = true ] || skip "no working CRIU here (make deps builds one)"
	static_boxlab || skip "$(dynamic_skip checkpoint)"
	empty_attempt 10 'no container lsb-10-count yet' 'do step 1 first' 'do step 2 first' 'do step 1 first' \
		'no CRIU images in $WORK/plain/img yet' 'no container lsb-10-tcp yet'
	solve 10
	passes 10
	pid=$(cat "$BOXLAB_LESSON_STATE/lsb/10/plain/pid")
	kill -0 "$pid"
	run bx lesson reset 10
	[ "$status" -eq 0 ]
	wait_for 5 bash -c "! kill -0 $pid 2>/dev/null"
	[ -z "$(ls "$BOXLAB_LIB_DIR/checkpoints" | grep '^lsb-10-')" ]
}

@test "lesson 11 escape lab: an empty attempt fails with hints; the solution passes, proven by attacking again" {
	static_boxlab || skip "$(dynamic_skip 'its step 4 (exe-overwrite escapes)')"
	lesson_start 11
	[ -s "$BOXLAB_LESSON_STATE/lsb/11/legacy.ini" ] # start.sh handed out the legacy config
	empty_attempt 11 'sudo boxlab attack kill-host --isolation=none --json' 'write an attack and its smallest escaping set' \
		'write $WORK/hardened.ini' 'do step 3 first'
	solve 11
	passes 11
	# A set that is not the smallest, and a residual list that misses one.
	echo "kill-host --no-pid" >"$BOXLAB_LESSON_STATE/lsb/11/minimal.txt"
	echo exe-overwrite >"$BOXLAB_LESSON_STATE/lsb/11/residual.txt"
	recheck 11
	[[ "$(step_line 2)" == "fail 2 "*"kill-host --no-pid is still BLOCKED: switch off more modules"* ]]
	[[ "$(step_line 4)" == "fail 4 "*"one more attack that a single module stops still escapes"* ]]
}

@test "lesson 12 capstone: an empty attempt fails with hints; the skeleton builds; the rlimit module passes every step" {
	lesson_start 12
	w="$BOXLAB_LESSON_STATE/lsb/12"
	[ -x "$w/build" ] && [ -s "$w/skeleton.c" ]
	empty_attempt 12 'no module in $WORK/module yet: cp $WORK/skeleton.c' 'do step 1 first' 'do step 1 first' \
		'do step 1 first' 'do step 1 first' 'do step 1 first'
	# The skeleton alone: built and registered, but no option yet.
	mkdir "$w/module"
	cp "$w/skeleton.c" "$w/module/rlimit.c"
	recheck 12
	[[ "$(step_line 1)" == "ok 1 "* ]]
	[[ "$(step_line 2)" == "fail 2 "*"no '--ulimit TYPE=SOFT[:HARD]' row"* ]]
	# A compile error is named with its line.
	echo 'int broken = ;' >>"$w/module/rlimit.c"
	recheck 12
	[[ "$(step_line 1)" == "fail 1 "*"make failed: rlimit.c:"*"error: expected expression"* ]]
	solve 12
	passes 12
	# reset forgets the cached grades with the work dir.
	ls -d "$BOXLAB_LESSON_STATE/lsb/.lesson-12-check"
	bx lesson reset 12
	[ ! -e "$BOXLAB_LESSON_STATE/lsb/.lesson-12-check" ] && [ ! -e "$w" ]
	# The real tree and binary are untouched.
	! grep -q rlimit "$BATS_TEST_DIRNAME/../../src/modules/registry.c"
	run bx run --help
	[[ "$output" != *--ulimit* ]]
}
