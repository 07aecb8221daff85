#!/usr/bin/env bats
# stdout.log: per-line timestamps (CRI format), logs --timestamps,
# --since/--until, size-capped rotation, and -f across rotation.

load helpers

STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

@test "logs: output byte-exact, stderr on stderr, --timestamps in front of each line" {
	bx run --name rs-lt busybox sh -c 'echo one; echo two >&2; printf "no newline"'
	run --separate-stderr bx logs rs-lt
	[ "$status" -eq 0 ]
	[ "$output" = "one
no newline" ]
	[ "$stderr" = "two" ]
	# Byte for byte: no newline added to the unfinished line.
	[ "$(bx logs rs-lt 2>/dev/null | od -An -c | tr -d ' \n')" = 'one\nnonewline' ]
	run bx logs -t rs-lt
	[[ "${lines[0]}" =~ ^$STAMP\ one$ ]]
	[[ "$output" =~ $STAMP\ two ]]
	# The file itself: one record a line, CRI's format.
	grep -Eq "^$STAMP stdout F one$" "$BOXLAB_RUN_DIR/rs-lt/stdout.log"
	grep -Eq "^$STAMP stderr F two$" "$BOXLAB_RUN_DIR/rs-lt/stdout.log"
	grep -Eq "^$STAMP stdout P no newline$" "$BOXLAB_RUN_DIR/rs-lt/stdout.log"
}

@test "logs --since/--until: RFC 3339, Unix seconds and durations before now" {
	bx run --name rs-ls busybox sh -c 'echo early; sleep 1.5; echo late'
	# Halfway between the two lines' own stamps.
	early=$(date -u -d "$(grep ' early$' "$BOXLAB_RUN_DIR/rs-ls/stdout.log" | cut -c1-30)" +%s.%N)
	late=$(date -u -d "$(grep ' late$' "$BOXLAB_RUN_DIR/rs-ls/stdout.log" | cut -c1-30)" +%s.%N)
	mid=$(awk -v a="$early" -v b="$late" 'BEGIN {printf "%.3f", (a + b) / 2}')
	mid=$(date -u -d "@$mid" +%Y-%m-%dT%H:%M:%S.%NZ)
	run bx logs --since "$mid" rs-ls
	[ "$output" = late ]
	run bx logs --until "$mid" rs-ls
	[ "$output" = early ]
	run bx logs --since "$(date -u -d "$mid" +%s.%N)" rs-ls
	[ "$output" = late ]
	run bx logs --since 10m rs-ls
	[ "$output" = "early
late" ]
	run bx logs --until 10m rs-ls
	[ -z "$output" ]
	run bx logs --since 2000-01-01 --tail 1 rs-ls
	[ "$output" = late ]
	run bx logs --since yesterday rs-ls
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid time "yesterday" (allowed: a duration before now such as 10m'* ]]
}

@test "logs rotation: files capped at --log-max-size, --log-max-files kept, --tail across files" {
	bx run --name rs-lr --log-max-size 4k --log-max-files 3 busybox \
		sh -c 'i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); done'
	d=$BOXLAB_RUN_DIR/rs-lr
	[ -f "$d/stdout.log" ] && [ -f "$d/stdout.log.1" ] && [ -f "$d/stdout.log.2" ]
	[ ! -e "$d/stdout.log.3" ]
	for f in "$d"/stdout.log*; do
		[ "$(stat -c %s "$f")" -le 4096 ]
	done
	# What is kept is the newest, contiguous, up to the last line.
	run bx logs rs-lr
	[ "${lines[-1]}" = line399 ]
	first=${lines[0]#line}
	[ "${#lines[@]}" -eq $((400 - first)) ]
	[ "$first" -gt 100 ]
	run bx logs --tail 150 rs-lr
	[ "${#lines[@]}" -eq 150 ]
	[ "${lines[0]}" = line250 ]
	run bx logs --tail 0 rs-lr
	[ -z "$output" ]
	run bx run --log-max-size 1x busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid size "1x"'* ]]
	run bx run --log-max-files 0 busybox true
	[ "$status" -eq 2 ]
}

@test "logs -f follows across rotation: every line, in order, once" {
	bx run -d --name rs-lf --log-max-size 4k --log-max-files 2 busybox \
		sh -c 'sleep 0.5; i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); usleep 3000; done'
	bx logs -f rs-lf > "$BATS_TEST_TMPDIR/follow"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/follow")" -eq 400 ]
	seq 0 399 | sed 's/^/line/' | cmp - "$BATS_TEST_TMPDIR/follow"
	# It rotated several times meanwhile; only the newest files are left.
	run bx logs rs-lf
	[ "${#lines[@]}" -lt 400 ]
}
