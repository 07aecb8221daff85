#!/usr/bin/env bats
# The detached container's supervisor: restart policies with their
# backoff, stop and rm -f against them, and health checks.

load helpers

field() { # field NAME JQ: a field of inspect --json
	bx inspect --json "$1" | jq -r "$2"
}

# The timeline as "phase time_us message" lines.
phases() {
	bx events --json "$1" | jq -r '.[] | "\(.phase) \(.time_us) \(.message)"'
}

@test "restart on-failure:3: three restarts with doubling backoff, then the exit stays" {
	bx run -d --name rs-of --restart on-failure:3 busybox sh -c 'echo run >> /runs; wc -l < /runs; exit 3'
	wait_for 20 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-of | jq -r .status)\" = exited ]"
	[ "$(field rs-of .restart_count)" = 3 ]
	[ "$(field rs-of .exit_code)" = 3 ]
	# Four runs, each on the same upper layer (a restart keeps the files).
	[ "$(bx logs rs-of | tr '\n' ' ')" = "1 2 3 4 " ]
	# The backoff: 100, 200, 400 ms, each really waited between the
	# exit and the next start (and not much longer on this machine).
	run bx events --json rs-of
	msgs=$(echo "$output" | jq -r '.[].message')
	[[ "$msgs" == *"restart 1 in 100 ms"* ]]
	[[ "$msgs" == *"restart 2 in 200 ms"* ]]
	[[ "$msgs" == *"restart 3 in 400 ms"* ]]
	[[ "$msgs" != *"restart 4 in"* ]]
	[ "$(phases rs-of | grep -c '^running ')" -eq 4 ]
	phases rs-of | awk '
		$1 == "exit" { exit_t = $2 }
		$1 == "restart" && $3 == "restart" { want = $6 * 1000 }
		$1 == "running" && exit_t { gap = $2 - exit_t
			if (gap < want || gap > want + 3000000) { print "gap " gap " for " want; bad = 1 }
			n++ }
		END { exit bad || n != 3 }'
	run bx ps -a
	[[ "$output" == *rs-of*"Exited (3)"*" 3 "* ]]
}

@test "restart on-failure: an exit 0 is not restarted; no policy: nothing restarts" {
	bx run -d --name rs-ok --restart on-failure busybox true
	bx run -d --name rs-no busybox false
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-ok | jq -r .status)\" = exited ]"
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-no | jq -r .status)\" = exited ]"
	sleep 0.5
	[ "$(field rs-ok .restart_count)" = 0 ]
	[ "$(field rs-no .restart_count)" = 0 ]
	[ "$(field rs-no .exit_code)" = 1 ]
	[ "$(field rs-ok .spec.\"supervise.restart\")" = on-failure ]
}

@test "restart always: a kill is a failure like any other; stop ends it for good" {
	bx run -d --name rs-al --restart always busybox sleep 300
	pid=$(field rs-al .pid)
	bx kill rs-al
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-al | jq -r .restart_count)\" = 1 ]"
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-al | jq -r .status)\" = running ]"
	[ "$(field rs-al .pid)" != "$pid" ]
	run bx stop -t 5 rs-al
	[ "$status" -eq 0 ]
	[ "$(field rs-al .status)" = exited ]
	# The restarted command got stop's SIGTERM (143), not the SIGKILL
	# after the grace period (137).
	[ "$(field rs-al .exit_code)" = 143 ]
	sleep 1
	[ "$(field rs-al .status)" = exited ]
	[ "$(field rs-al .restart_count)" = 1 ]
	run phases rs-al
	[[ "$output" == *"stopped by the user: no restart"* ]]
}

@test "restart unless-stopped: stop during the backoff wait; the stop is remembered" {
	# It exits at once, so most of its life is backoff ("restarting").
	bx run -d --name rs-us --restart unless-stopped busybox true
	wait_for 10 sh -c "timeout 5 $BOXLAB ps | grep -q 'rs-us.*Restarting (0)'"
	t0=$(date +%s%N)
	run bx stop rs-us
	[ "$status" -eq 0 ]
	# Not the 10 s grace: the supervisor woke from its wait.
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ]
	[ "$(field rs-us .status)" = exited ]
	n=$(field rs-us .restart_count)
	sleep 1.5
	[ "$(field rs-us .restart_count)" = "$n" ]
	[ -e "$BOXLAB_RUN_DIR/rs-us/stopped" ]
}

@test "rm -f of a container that keeps restarting leaves nothing" {
	bx run -d --name rs-rm --restart always busybox sh -c 'sleep 0.2'
	sleep 1
	run bx rm -f rs-rm
	[ "$status" -eq 0 ]
	assert_removed rs-rm
}

@test "restart: bad values and combinations are refused with what is allowed" {
	run bx run -d --restart sometimes busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid restart policy "sometimes" (allowed: no, on-failure[:N], always, unless-stopped)'* ]]
	run bx run -d --restart always:3 busybox true
	[ "$status" -eq 2 ]
	run bx run -d --rm --restart always busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot be combined with --rm"* ]]
	run bx run --restart always busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--restart needs -d"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "health: starting, healthy, unhealthy, healthy again; in ps, inspect and events" {
	bx run -d --name rs-hc --health-cmd 'test -f /ok' --health-interval 200ms --health-retries 2 busybox sleep 300
	[ "$(field rs-hc .health)" = starting ]
	run bx ps
	[[ "$output" == *"(starting)"* ]]
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-hc | jq -r .health)\" = unhealthy ]"
	bx exec rs-hc touch /ok
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-hc | jq -r .health)\" = healthy ]"
	run bx ps
	[[ "$output" == *"(healthy)"* ]]
	bx exec rs-hc rm /ok
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-hc | jq -r .health)\" = unhealthy ]"
	run phases rs-hc
	[[ "$output" == *"health"*"starting: sh -c 'test -f /ok' every 200ms"* ]]
	[[ "$output" == *"health"*"unhealthy (exit 1)"*"healthy (exit 0)"*"unhealthy (exit 1)"* ]]
	[ "$(jq -r .failing_streak "$BOXLAB_RUN_DIR/rs-hc/health.json")" -ge 2 ]
}

@test "health: a check past its timeout fails; failures in the start period do not count" {
	bx run -d --name rs-ht --health-cmd 'sleep 10' --health-interval 200ms --health-timeout 300ms \
		--health-retries 1 busybox sleep 300
	bx run -d --name rs-hs --health-cmd false --health-interval 200ms --health-retries 1 \
		--health-start-period 2s busybox sleep 300
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-ht | jq -r .health)\" = unhealthy ]"
	[ "$(jq -r .last.exit_code "$BOXLAB_RUN_DIR/rs-ht/health.json")" = -1 ]
	# The timed-out check's sleep is gone from the container.
	wait_for 5 sh -c "! timeout 5 $BOXLAB exec rs-ht ps -o args | grep -q 'sleep 10'"
	sleep 0.3
	[ "$(field rs-hs .health)" = starting ]
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-hs | jq -r .health)\" = unhealthy ]"
}

@test "health and restart settings are INI keys too, and replay" {
	cat > "$BATS_TEST_TMPDIR/s.ini" <<-'INI'
	[container]
	image = busybox
	command = sleep 300
	detach = true
	[supervise]
	restart = on-failure:2
	[health]
	cmd = true
	interval = 250ms
	retries = 5
	[log]
	max_size = 64k
	max_files = 4
	INI
	bx run --name rs-ini --config "$BATS_TEST_TMPDIR/s.ini"
	run bx inspect --ini rs-ini
	[[ "$output" == *"restart = on-failure:2"* ]]
	[[ "$output" == *"interval = 250ms"* ]]
	[[ "$output" == *"retries = 5"* ]]
	[[ "$output" == *"max_size = 65536"* ]]
	[[ "$output" == *"max_files = 4"* ]]
	wait_for 10 sh -c "[ \"\$(timeout 5 $BOXLAB inspect --json rs-ini | jq -r .health)\" = healthy ]"
	printf '[health]\nretries = 0\n' > "$BATS_TEST_TMPDIR/bad.ini"
	run bx run --config "$BATS_TEST_TMPDIR/bad.ini" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"[health] retries"*"a number from 1 to 1000"* ]]
}
