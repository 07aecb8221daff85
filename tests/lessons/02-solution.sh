# Lesson 02's steps as a student does them.  Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
unshare --mount sh -c 'mount -t tmpfs lab /mnt; findmnt -no SOURCE,FSTYPE /mnt' > "$WORK/unshare.txt"
"$B" run -d --name "$LAB-box" busybox sleep 1000 >/dev/null
"$B" exec "$LAB-box" cat /proc/self/mountinfo | wc -l > "$WORK/mounts.txt"
unshare --mount --pid --fork sh -c "
	mount --bind $WORK/rootfs $WORK/rootfs &&
	cd $WORK/rootfs && mkdir -p oldroot &&
	pivot_root . oldroot &&
	exec /bin/sh -c 'mount -t proc proc /proc && umount -l /oldroot && cat /proc/self/mountinfo > /mountinfo.txt'"
"$B" events --json "$LAB-box" | jq -r '.[] | select(.phase == "pivot_root") | .duration_us' > "$WORK/pivot-us.txt"
"$B" run -d --name "$LAB-nomnt" --no-mnt busybox sleep 1000 >/dev/null
readlink "/proc/$("$B" inspect --json "$LAB-nomnt" | jq -r .pid)/root" > "$WORK/nomnt-root.txt"
