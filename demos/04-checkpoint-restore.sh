#!/usr/bin/env bash
# Checkpoint/restore: a counter saved and brought back.
#
# The container's processes, memory and files go to disk and it stops; the
# restore brings it back and the count goes on from where it was, it does
# not start again.
#
# Needs a working CRIU (`boxlab check` says; `make criu` tests or builds
# one); without one the demo says why and exits 77 (skipped).
. "$(dirname "$0")/lib.sh"

demo_start "Checkpoint and restore with CRIU" \
	"A running container saved to disk, stopped, and brought back where it was."

if [ "$("$BOXLAB" check --json 2>/dev/null | jq -r .criu.works)" != true ]; then
	say "No working CRIU on this host: $("$BOXLAB" check --json 2>/dev/null | jq -r .criu.verdict)"
	say "('make criu' tests or builds one.)  Skipping."
	exit 77
fi

counter='i=0; while :; do i=$((i + 1)); echo "count $i"; sleep 0.2; done'
count_lines() { [ "$(boxlab logs demo-counter | wc -l)" -ge "$1" ]; }
last_count() { boxlab logs demo-counter | tail -n 1 | awk '{print $2}'; }

step "A container that counts, five times a second"
demo_container demo-counter
# The checkpoint outlives `boxlab rm`: removed at the end too.
demo_cleanup rm -rf "${BOXLAB_LIB_DIR:-/var/lib/boxlab}/checkpoints/demo-counter"
run boxlab run -d --name demo-counter busybox sh -c "$counter"
expect_rc 0 "demo-counter runs"
wait_until 10 count_lines 8 || fail "demo-counter never counted to 8"
run boxlab logs demo-counter
expect_out '^count [0-9]+$' "it counts"

step "Checkpoint: CRIU freezes it, writes every process to disk, and the container stops"
run boxlab checkpoint demo-counter
expect_rc 0 "checkpoint taken"
expect_out 'checkpoint of .*MiB.*\(container stopped\)' "the container was stopped after the dump"
saved=$(last_count)
say "The last number it printed before the checkpoint: $saved"
run_grep '^NAME|^demo-counter ' boxlab ps -a
expect_out '^demo-counter .*Exited' "no process of it runs any more"
ckpt=$(boxlab inspect --json demo-counter | jq -r .ckpt_dir)
say "What CRIU saved, in $ckpt/images (one core and mm file per process, the pages):"
run_grep '^(pages|core|mm)-' ls "$ckpt/images"
expect_out '^pages-[0-9]+\.img$' "its memory pages are files now"

step "A moment later: restore"
pause 1
run boxlab restore demo-counter
expect_rc 0 "restored"
wait_until 10 count_lines 3 || fail "the restored counter printed nothing"
run boxlab logs demo-counter
first=$(head -n 1 <<<"$OUT" | awk '{print $2}')
[ "$first" = $((saved + 1)) ] && ok "the count goes on: $saved before the checkpoint, $first after the restore" ||
	fail "the restored counter started at '${first:-nothing}', not at $((saved + 1))"
now=$(last_count)
[ "$now" -gt "$first" ] && ok "and it keeps counting ($now)" || fail "the restored counter is stuck at $now"
run_grep '^checkpoint' boxlab timeline demo-counter
expect_out '^checkpoint +restore' "the timeline has the dump and the restore, with their durations"

demo_end
