#!/usr/bin/env bats
# boxlab lesson: the command (list, start, check, show, reset, progress
# per user) and, for every lesson, that an empty attempt fails its check
# with the right hints and the scripted solution in tests/lessons/ passes.
# Students are "lta" and "ltb" (SUDO_USER), so container names start
# with lta-/ltb- and do not meet other tests' cgroups.

STUDENT=lta
load lesson_helpers

@test "lesson list, show and bad input: titles, step counts, --json; usage errors list the lessons" {
	run bx lesson list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "NR  TITLE"*"PASSED"*"CHECKED" ]]
	[[ "$output" == *"00  A tour of boxlab"*"-/5"*"never"* ]]
	[[ "$output" == *"Progress of lta."* ]]
	run bx lesson list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0] | "\(.lesson) \(.dir) \(.steps) \(.passed) \(.checked)"' <<<"$output")" = "00 00-tour 5 0 null" ]
	# Bad input: a usage error that lists what there is.
	run bx lesson check 99
	[ "$status" -eq 2 ]
	[[ "$output" == 'boxlab: no lesson "99" (lessons: 00-tour'*"; see 'boxlab lesson list')" ]]
	run bx lesson start abc
	[ "$status" -eq 2 ]
	[[ "$output" == *'no lesson "abc"'* ]]
	run bx lesson frobnicate 00
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown action "frobnicate"'* ]]
	run bx lesson check --json 00
	[ "$status" -eq 2 ]
	run bx lesson show 00 9
	[ "$status" -eq 2 ]
	[[ "$output" == *"lesson 00 has no step \"9\" (steps 1 to 5)"* ]]
	BOXLAB_LESSONS=/nonexistent run bx lesson list
	[ "$status" -eq 1 ]
	[[ "$output" == *"BOXLAB_LESSONS=/nonexistent is not a directory"* ]]
}

@test "every lesson has the format of lessons/README.md, instructor notes and a scripted solution" {
	local d nn readme
	for d in "$BOXLAB_LESSONS"/[0-9][0-9]-*/; do
		d=${d%/}
		nn=$(basename "$d" | cut -c1-2)
		readme="$d/README.md"
		head -n1 "$readme" | grep -qE "^# Lesson $nn: ." || { echo "$readme: first line is not '# Lesson $nn: Title'"; return 1; }
		for section in Goals Background Steps Questions "What the check verifies"; do
			grep -qx "## $section" "$readme" || { echo "$readme: no '## $section'"; return 1; }
		done
		grep -qE '[a-z_]+\([1-8]\)' "$readme" || { echo "$readme: no man page reference"; return 1; }
		[ "$(bx lesson list --json | jq --arg n "$nn" '.[] | select(.lesson == $n) | .steps')" -ge 1 ]
		[ -s "$d/INSTRUCTOR.md" ] || { echo "$d: no INSTRUCTOR.md"; return 1; }
		bash -n "$d/check.sh" || { echo "$d/check.sh: syntax"; return 1; }
		[ -s "$BATS_TEST_DIRNAME/../lessons/$nn-solution.sh" ] || { echo "no tests/lessons/$nn-solution.sh"; return 1; }
		[ ! -e "$d/solution.sh" ] || { echo "$d: a solution in the students' folder"; return 1; }
	done
}

@test "lesson start prints the names and step 1 and gives the work dir to SUDO_USER's account" {
	local user uid
	run bx lesson start 0
	[ "$status" -eq 0 ]
	[[ "$output" == *"Lesson 00: A tour of boxlab (5 steps)"* ]]
	[[ "$output" == *"export LAB=lta-00 WORK=$BOXLAB_LESSON_STATE/lta/00"* ]]
	[[ "$output" == *"### 1. Start a web server in a container"* ]]
	[[ "$output" != *"### 2."* ]]
	[ -d "$BOXLAB_LESSON_STATE/lta/00" ]
	run bx lesson show 00 3
	[[ "$output" == *"### 3. Read the timeline"* ]]
	[[ "$output" != *"### 4."* ]]
	run bx lesson list
	[[ "$output" == *"00  A tour of boxlab"*"<- current"* ]]
	# A real account gets its work dir; progress stays root's.
	read -r user uid < <(awk -F: '$3 >= 1000 && $3 < 60000 { print $1, $3; exit }' /etc/passwd)
	[ -n "$user" ] || skip "no regular user account on this machine to check the owner with"
	SUDO_USER=$user run bx lesson start 00
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$BOXLAB_LESSON_STATE/$user/00")" = "$uid" ]
	[ "$(stat -c %u "$BOXLAB_LESSON_STATE/$user/progress.json")" = 0 ]
}

@test "lesson progress is per user: two SUDO_USERs do not mix; reset clears one" {
	lessons_used=00
	solve 00
	run bx lesson check 00
	[ "$status" -eq 0 ]
	SUDO_USER=ltb run bx lesson check --porcelain 00
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "fail 1 "*"no container ltb-00-web yet"* ]]
	[ "$(bx lesson list --json | jq -r '.[0].passed')" = 5 ]
	[ "$(SUDO_USER=ltb bx lesson list --json | jq -r '.[0].passed')" = 0 ]
	[ "$(jq -r '.lessons["00"].passed' "$BOXLAB_LESSON_STATE/lta/progress.json")" = 5 ]
	[ "$(jq -r '.lessons["00"].passed' "$BOXLAB_LESSON_STATE/ltb/progress.json")" = 0 ]
	run bx lesson reset 00
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed container lta-00-web"* ]]
	[ ! -e "$BOXLAB_LESSON_STATE/lta/00" ]
	[ "$(bx lesson list --json | jq -r '.[0].checked')" = null ]
	[ "$(SUDO_USER=ltb bx lesson list --json | jq -r '.[0].checked')" != null ]
	[ "$(bx ps -a --json | jq -r '.[].name' | grep -c '^lta-00-' || true)" = 0 ]
}

@test "lesson check: a wrong answer gets its own hint; parallel checks keep progress.json whole" {
	lessons_used=00
	bx lesson start 00 >/dev/null
	bx run -d --name lta-00-web busybox httpd -f -p 8080
	echo 1 > "$BOXLAB_LESSON_STATE/lta/00/host-pid.txt"
	run bx lesson check 00
	[ "$status" -eq 1 ]
	[[ "$output" == *"✓ 1. Start a web server in a container"* || "$output" == *"ok 1. Start a web"* ]]
	[[ "$output" == *"host-pid.txt says '1', not the host pid of lta-00-web's pid 1"* ]]
	[[ "$output" == *"1/5 steps passed.  Next: step 2 ('boxlab lesson show 00 2')."* ]]
	for i in 1 2 3 4; do bx lesson check --porcelain 00 >/dev/null & done
	wait_jobs
	[ "$(jq -r '.lessons["00"].passed' "$BOXLAB_LESSON_STATE/lta/progress.json")" = 1 ]
}

@test "lesson 00: an empty attempt fails with hints; the solution passes" {
	empty_attempt 00 'sudo boxlab run -d --name $LAB-web busybox httpd' 'do step 1 first' 'do step 1 first' \
		'no container lta-00-nouts yet' 'sudo unshare --uts sh -c'
	solve 00
	passes 00
}

@test "lesson 01: an empty attempt fails with hints; the solution passes" {
	empty_attempt 01 'sudo unshare --pid --fork --mount-proc' 'no container lta-01-sleep yet' \
		'no container lta-01-zombie yet' 'no container lta-01-orphan yet' 'no container lta-01-trap yet'
	solve 01
	passes 01
}

@test "lesson 02: an empty attempt fails with hints; the solution passes" {
	empty_attempt 02 "sudo unshare --mount sh -c 'mount -t tmpfs lab /mnt" 'no container lta-02-box yet' \
		'no $WORK/rootfs/mountinfo.txt yet' 'do step 2 first' 'no container lta-02-nomnt yet'
	solve 02
	passes 02
}

@test "lesson 03: an empty attempt fails with hints; the solution passes; reset removes the host segment" {
	empty_attempt 03 'no container lta-03-named yet' 'do step 1 first' "sudo unshare --ipc sh -c 'ipcmk -M 4096" \
		'no container lta-03-ipc yet' 'sudo nsenter --target INITPID --uts --ipc'
	read -r id key < "$BOXLAB_LESSON_STATE/lta/03/host-shm"
	[ "$(ipcs -m | awk -v id="$id" '$2 == id { print $1 }')" = "$key" ]
	solve 03
	passes 03
	run bx lesson reset 03
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed shared memory segment $id ($key)"* ]]
	[ -z "$(ipcs -m | awk -v id="$id" '$2 == id')" ]
}

@test "lesson 04: an empty attempt fails with hints; the solution passes" {
	empty_attempt 04 'unshare --user --map-root-user' 'no container lta-04-user yet' 'no container lta-04-write yet' \
		'no container lta-04-nouser yet' 'the unshare --user'
	solve 04
	passes 04
}

@test "lesson 05: an empty attempt fails with hints; the solution passes; reset deletes the namespaces" {
	empty_attempt 05 'no network namespace lta-05-a yet: sudo ip netns add $LAB-a' 'no network namespace lta-05-a yet' \
		'no network namespace lta-05-b yet' 'no container lta-05-web yet' 'do step 4 first'
	solve 05
	passes 05
	run bx lesson reset 05
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed network namespace lta-05-c"* ]]
	[ ! -e /run/netns/lta-05-a ] && [ ! -e /run/netns/lta-05-b ] && [ ! -e /run/netns/lta-05-c ]
}
