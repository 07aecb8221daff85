# Lesson 10: checkpoint and restore -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

count_how="sudo boxlab run -d --name \$LAB-count busybox sh -c 'i=0; while :; do echo \$i; i=\$((i+1)); sleep 1; done'"

counter() { exists "$LAB-count" "$count_how"; }

checkpointed() {
	local d
	needs 1 counter || return 1
	d=$(field "$LAB-count" '.ckpt_dir // empty')
	[ -n "$d" ] && [ "$(field "$LAB-count" '.checkpointed // empty')" != "" ] ||
		{ echo "$LAB-count has no checkpoint yet: sudo boxlab checkpoint \$LAB-count"; return 1; }
	[ -s "$d/images/pstree.img" ] && return 0
	echo "the checkpoint of $LAB-count in $d has no CRIU images: checkpoint it again"
	return 1
}

# NAME was restored (and not only tried), and its count did not start at 0.
went_on() { # went_on NAME HOW
	local first
	[ -n "$(events "$1" '.[] | select(.module == "checkpoint" and .phase == "restore" and (.message | startswith("failed") | not))')" ] ||
		{ echo "$1 was not restored yet: $2"; return 1; }
	first=$(bx logs "$1" 2>/dev/null | head -n1)
	[ -n "$first" ] || { echo "$1 has printed nothing since the restore: wait a second and check again"; return 1; }
	[ "$first" != 0 ] && return 0
	echo "the log of $1 starts at 0: that is a new counter, not a restored one ($2)"
	return 1
}

restored() {
	needs 2 checkpointed || return 1
	went_on "$LAB-count" "sudo boxlab restore \$LAB-count"
}

cloned() {
	local f="$LESSON_WORK/count.tar.gz" how="sudo boxlab restore --import \$WORK/count.tar.gz --name \$LAB-copy"
	needs 1 counter || return 1
	[ -s "$f" ] || { echo "sudo boxlab checkpoint --leave-running --export \$WORK/count.tar.gz \$LAB-count"; return 1; }
	tar -tzf "$f" 2>/dev/null | grep -qx './checkpoint.json' ||
		{ echo "\$WORK/count.tar.gz is not an exported checkpoint (no checkpoint.json in it): export it again"; return 1; }
	exists "$LAB-copy" "$how" || return 1
	went_on "$LAB-copy" "$how"
}

plain() {
	local d="$LESSON_WORK/plain" at last
	[ -s "$d/img/pstree.img" ] || { echo "no CRIU images in \$WORK/plain/img yet: start the counter, then sudo \$CRIU dump -t \$(cat pid) -D img -o dump.log -v4"; return 1; }
	at=$(head -n1 "$d/dumped-at.txt" 2>/dev/null | tr -d '[:space:]')
	[ -n "$at" ] || { echo "write the last number before the dump to \$WORK/plain/dumped-at.txt: tail -1 count.log > dumped-at.txt"; return 1; }
	grep -q "Restore finished successfully" "$d/img/restore.log" 2>/dev/null ||
		{ echo "no finished restore in img/restore.log: sudo \$CRIU restore -D img -d -o restore.log -v4"; return 1; }
	awk 'NR - 1 != $1 {exit 1}' "$d/count.log" 2>/dev/null ||
		{ echo "count.log does not count 0, 1, 2, ... without a gap: was the counter started twice?"; return 1; }
	last=$(tail -n1 "$d/count.log")
	[ "${last:-0}" -gt "$at" ] 2>/dev/null && return 0
	echo "count.log has not gone on past $at since the restore: wait a second and check again"
	return 1
}

tcp() {
	local how="sudo boxlab run -d --name \$LAB-tcp busybox sh -c 'nc -l -p 7000 -e cat & sleep 0.3; while :; do echo x; sleep 1; done | nc 127.0.0.1 7000 >/dev/null'"
	running "$LAB-tcp" "$how" || return 1
	[ -n "$(events "$LAB-tcp" '.[] | select(.module == "checkpoint" and .phase == "dump" and (.message | startswith("failed")))')" ] &&
		return 0
	echo "no failed checkpoint of $LAB-tcp yet: sudo boxlab checkpoint \$LAB-tcp"
	return 1
}

step 1 "A counter in a container" counter
step 2 "Checkpoint it" checkpointed
step 3 "Restore it" restored
step 4 "Clone it" cloned
step 5 "CRIU by hand" plain
step 6 "What CRIU cannot save" tcp
