#!/usr/bin/env bats
# Many boxlab processes at once: parallel run -d with generated names,
# parallel rm -f of one container, one name wanted by many.

load helpers

@test "50 parallel run -d: all succeed, distinct names and addresses, state intact" {
	for i in $(seq 50); do
		# (bats runs with set -e: a failing command would end the
		# subshell before it records its code)
		( rc=0; timeout 60 "$BOXLAB" run -d busybox sleep 300 > "$BATS_TEST_TMPDIR/out.$i" 2>&1 || rc=$?
		  echo "rc=$rc" >> "$BATS_TEST_TMPDIR/out.$i" ) &
	done
	wait_jobs
	[ "$(cat "$BATS_TEST_TMPDIR"/out.* | grep -c '^rc=0$')" -eq 50 ]
	names=$(grep -hv '^rc=' "$BATS_TEST_TMPDIR"/out.* | sort)
	[ "$(echo "$names" | wc -l)" -eq 50 ]
	[ "$(echo "$names" | uniq | wc -l)" -eq 50 ]
	# What each run printed is the name it really has.
	[ "$(bx ps -q | sort)" = "$names" ]
	# Every state file parses and says running; every address is distinct.
	for n in $names; do
		[ "$(jq -r .status "$BOXLAB_RUN_DIR/$n/state.json")" = running ]
		jq -r .ip "$BOXLAB_RUN_DIR/$n/network.json"
	done > "$BATS_TEST_TMPDIR/ips"
	[ "$(sort -u "$BATS_TEST_TMPDIR/ips" | grep -c '^10\.')" -eq 50 ]
	# And they all go again, in parallel too.
	echo "$names" | xargs -P 10 -n 5 timeout 60 "$BOXLAB" rm -f > /dev/null
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "parallel rm -f of one container: all succeed, nothing left" {
	bx run -d --name rs-prm busybox sleep 300
	for i in $(seq 8); do
		( rc=0; timeout 60 "$BOXLAB" rm -f rs-prm > /dev/null 2>"$BATS_TEST_TMPDIR/err.$i" || rc=$?
		  echo $rc > "$BATS_TEST_TMPDIR/rc.$i" ) &
	done
	wait_jobs
	[ "$(cat "$BATS_TEST_TMPDIR"/rc.* | sort -u)" = 0 ]
	[ -z "$(cat "$BATS_TEST_TMPDIR"/err.*)" ]
	assert_removed rs-prm
	assert_no_cgroup rs-prm
	# rm -f of what is gone is done; without -f it is an error.
	run bx rm -f rs-prm
	[ "$status" -eq 0 ]
	run bx rm rs-prm
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such container: rs-prm"* ]]
}

@test "one name wanted by 10 parallel runs: exactly one gets it" {
	for i in $(seq 10); do
		( rc=0; timeout 60 "$BOXLAB" run -d --name rs-one busybox sleep 300 > /dev/null 2>&1 || rc=$?
		  echo $rc > "$BATS_TEST_TMPDIR/rc.$i" ) &
	done
	wait_jobs
	[ "$(grep -lx 0 "$BATS_TEST_TMPDIR"/rc.* | wc -l)" -eq 1 ]
	[ "$(grep -lx 2 "$BATS_TEST_TMPDIR"/rc.* | wc -l)" -eq 9 ]
	[ "$(bx inspect --json rs-one | jq -r .status)" = running ]
}
