#!/usr/bin/env bats
# boxlab attack: the whole matrix against attacks/README.md, the JSON
# shapes, bad input, and that nothing of any attack is left on the host.
# (The harness names its containers atk-<nonce>.)

load helpers

README="$BATS_TEST_DIRNAME/../../attacks/README.md"

# The README's table, one normalized line a row.
expected_table() {
	sed -n '/^<!-- matrix -->$/,/^<!-- \/matrix -->$/p' "$README" | grep '^|' | grep -v '^|-' | tr -s ' '
}

# What an attack may leave on the host, as one text: must not change.
host_traces() {
	ls -A "${BOXLAB_LIB_DIR:-/var/lib/boxlab}/attacks" 2>/dev/null
	grep -c 'name=bxa' /proc/self/cgroup
	grep -E 'bxa-(mnt|cg)-' /proc/self/mountinfo
	grep ' bxa' /proc/keys
	awk 'NR > 1 && $1 >= 195035136 && $1 <= 196083711 {print "shm", $1}' /proc/sysvipc/shm # 0x0ba00000-0x0bafffff
	grep -lE '^bx[act][0-9a-f]{10}' /proc/[0-9]*/comm 2>/dev/null
	ls -d /sys/fs/cgroup/*/boxlab/atk-* 2>/dev/null
	return 0
}

@test "attack --matrix: every cell as attacks/README.md expects, in under 3 minutes, nothing left behind" {
	before=$(host_traces)
	start=$SECONDS
	BX_TIMEOUT=400 run --separate-stderr bx attack --matrix
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	took=$((SECONDS - start))
	# exe-overwrite makes the runtime re-execute itself inside the
	# container: a dynamically linked one (make test SAN=1) finds no
	# loader in the image, so only the host-root runs can escape there.
	local skip_row='^$'
	static_boxlab || skip_row='^| exe-overwrite '
	diff <(expected_table | grep -v "$skip_row") \
		<(printf '%s\n' "$output" | grep '^|' | grep -v '^|-' | tr -s ' ' | grep -v "$skip_row")
	echo "matrix took $took s" >&3
	[ "$took" -lt 180 ]
	sleep 0.5
	after=$(host_traces)
	[ "$before" = "$after" ]
}

@test "attack --all --json: default blocks every attack, none lets every possible one through" {
	BX_TIMEOUT=200 run --separate-stderr bx attack --all --json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq "$(bx attack --list --json | jq length)" ]
	[ "$(jq -r '[.[] | keys | sort | join(",")] | unique | .[]' <<<"$output")" = "blocked_by,default,name,none" ]
	[ -z "$(jq -r '.[] | select(.default != "BLOCKED" and .default != "N/A") | .name' <<<"$output")" ]
	[ -z "$(jq -r '.[] | select(.none != "ESCAPED" and .none != "N/A") | .name' <<<"$output")" ]
	# n/a only where the kernel cannot: the same in both columns
	[ -z "$(jq -r '.[] | select((.default == "N/A") != (.none == "N/A")) | .name' <<<"$output")" ]
	[ "$(jq -r '.[] | select(.name == "loopback-service") | .blocked_by | join(" ")' <<<"$output")" = net ]
}

@test "attack NAME --json: the verdict and the host's evidence, before and after" {
	run --separate-stderr bx attack sysv-shm --json
	[ "$status" -eq 0 ]
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = "claim,evidence,modules,name,verdict" ]
	[ "$(jq -r .name <<<"$output")" = sysv-shm ]
	[ "$(jq -r .verdict <<<"$output")" = BLOCKED ]
	jq -e '.modules | index("ipc")' <<<"$output"
	run --separate-stderr bx attack sysv-shm --no-ipc --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = ESCAPED ]
	jq -e '.modules | index("ipc") | not' <<<"$output"
	[[ "$(jq -r .evidence <<<"$output")" == *"fresh secret"* ]]
}

@test "attack NAME: a human report, exit 0 either way" {
	run bx attack kill-host --isolation=none
	[ "$status" -eq 0 ]
	[[ "$output" == *"verdict   ESCAPED"* ]]
	[[ "$output" == *"evidence  the host's canary process"*"died"* ]]
	run bx attack kill-host
	[ "$status" -eq 0 ]
	[[ "$output" == *"verdict   BLOCKED"* ]]
	[[ "$output" == *"is alive"* ]]
}

@test "attack: an unknown attack name is refused with the list of attacks" {
	run bx attack no-such-attack
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown attack "no-such-attack"'* ]]
	[[ "$output" == *chroot-escape*cpu-hog* ]]
	run bx attack
	[ "$status" -eq 2 ]
	[[ "$output" == *"no attack named"*kill-host* ]]
}

@test "attack: bad run flags and mixed modes are usage errors, and nothing is planted" {
	before=$(host_traces)
	run bx attack kill-host --no-such-flag
	[ "$status" -eq 2 ]
	[[ "$output" == *"--no-such-flag"* ]]
	run bx attack --matrix --no-pid
	[ "$status" -eq 2 ]
	[[ "$output" == *"no attack name or run flags"* ]]
	run bx attack kill-host ptrace-host
	[ "$status" -eq 2 ]
	run bx attack --all -j 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"--jobs"* ]]
	[ "$before" = "$(host_traces)" ]
}

@test "attack --list: the catalogue, as a table and as JSON" {
	run bx attack --list
	[ "$status" -eq 0 ]
	[[ "$output" == *"ATTACK"*"BLOCKED BY"* ]]
	[[ "$output" == *exe-overwrite* ]]
	run bx attack --list --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0] | keys | join(",")' <<<"$output")" = "blocked_by,canary,mirrors,name,summary" ]
	# the catalogue's blocked_by is the README's column
	diff <(jq -r '.[] | "\(.name) \(.blocked_by | join(" "))"' <<<"$output" | sed 's/ $//') \
		<(expected_table | tail -n +2 | awk -F'|' '{gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $(NF-1)); print $2 " " $(NF-1)}' | sed 's/ $//')
}

@test "attack: SIGTERM during --all stops the runs and removes every canary" {
	before=$(host_traces)
	"$BOXLAB" attack --all -j 2 >/dev/null 2>&1 &
	pid=$!
	sleep 2
	kill -TERM "$pid"
	run wait "$pid"
	[ "$status" -ne 0 ]
	# Processes of a killed run leave asynchronously (the kernel's pid
	# namespace teardown): everything must be gone within 10 s.  (The one
	# CI failure here was not slowness but a canary segment never removed:
	# id 0, the first since boot; see canary_ipc.c.)
	for _ in $(seq 20); do
		[ "$before" = "$(host_traces)" ] && break
		sleep 0.5
	done
	diff <(echo "$before") <(host_traces)
}
