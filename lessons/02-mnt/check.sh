# Lesson 02: The mount namespace and pivot_root -- see README.md.
. "$LESSON_DIR/../lib.sh"

private_mount() {
	local f="$LESSON_WORK/unshare.txt"
	[ -s "$f" ] || { echo "run: sudo unshare --mount sh -c 'mount -t tmpfs lab /mnt; findmnt -no SOURCE,FSTYPE /mnt' > \$WORK/unshare.txt"; return 1; }
	[ "$(tr -s ' ' <"$f" | head -n1)" = "lab tmpfs" ] || { echo "unshare.txt does not say 'lab tmpfs': did the mount in the new namespace work?"; return 1; }
	if findmnt -rn -S lab >/dev/null; then
		echo "the host has a mount 'lab' (findmnt -S lab): it was made outside a new namespace; sudo umount it"
		return 1
	fi
}

mounts() {
	local v want
	running "$LAB-box" "sudo boxlab run -d --name \$LAB-box busybox sleep 1000" || return 1
	v=$(answer mounts.txt) || { echo "$v"; return 1; }
	want=$(grep -c . "/proc/$(init_pid "$LAB-box")/mountinfo")
	[ "$v" = "$want" ] || { echo "mounts.txt says '$v': count the lines of /proc/self/mountinfo inside \$LAB-box"; return 1; }
}

pivoted() {
	local f="$LESSON_WORK/rootfs/mountinfo.txt"
	[ -d "$LESSON_WORK/rootfs" ] || { echo "no \$WORK/rootfs: run 'sudo boxlab lesson start 02' again"; return 1; }
	[ -s "$f" ] || { echo "no \$WORK/rootfs/mountinfo.txt yet: run the unshare ... pivot_root command of step 3"; return 1; }
	awk '$5 == "/" && $4 ~ /\/rootfs$/ { f = 1 } END { exit !f }' "$f" ||
		{ echo "the / in mountinfo.txt is not your bind-mounted \$WORK/rootfs: did pivot_root run?"; return 1; }
	awk '$5 ~ /^\/oldroot/ { f = 1 } END { exit f }' "$f" ||
		{ echo "the old root is still mounted at /oldroot: umount -l /oldroot before writing mountinfo.txt"; return 1; }
	grep -q ' /proc .* - proc ' "$f" || { echo "no proc on /proc in mountinfo.txt: mount -t proc proc /proc"; return 1; }
}

pivot_us() {
	local v want
	needs 2 exists "$LAB-box" || return 1
	v=$(answer pivot-us.txt) || { echo "$v"; return 1; }
	want=$(bx events --json "$LAB-box" | jq -r '.[] | select(.phase == "pivot_root") | .duration_us' | head -n1)
	[ -n "$want" ] || { echo "$LAB-box's timeline has no pivot_root event: start it again with the rootfs and mnt modules on"; return 1; }
	[ "$v" = "$want" ] || { echo "pivot-us.txt says '$v': the DUR(us) of $LAB-box's rootfs pivot_root row"; return 1; }
}

nomnt() {
	local how="sudo boxlab run -d --name \$LAB-nomnt --no-mnt busybox sleep 1000" v
	running "$LAB-nomnt" "$how" || return 1
	if module_on "$LAB-nomnt" mnt; then
		echo "$LAB-nomnt has the mnt module on: sudo boxlab rm -f \$LAB-nomnt; $how"
		return 1
	fi
	v=$(head -n1 "$LESSON_WORK/nomnt-root.txt" 2>/dev/null)
	[ -n "$v" ] || { echo "write readlink /proc/INITPID/root of $LAB-nomnt to \$WORK/nomnt-root.txt"; return 1; }
	[ "$v" = "$(readlink "/proc/$(init_pid "$LAB-nomnt")/root")" ] ||
		{ echo "nomnt-root.txt says '$v': that is not the root of $LAB-nomnt's init (boxlab inspect gives its pid)"; return 1; }
}

step 1 "A mount only you can see" private_mount
step 2 "A container's mount table" mounts
step 3 "pivot_root by hand" pivoted
step 4 "boxlab's pivot_root" pivot_us
step 5 "Without a mount namespace: chroot" nomnt
