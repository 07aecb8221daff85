# Lesson 07: overlayfs, layers and images -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

O="$LESSON_WORK/ovl"

byhand() {
	[ -d "$O/upper" ] && [ -e "$O/lower/gone" ] ||
		{ echo "make \$WORK/ovl/{lower,upper,work,merged} and lower/keep, lower/gone first (step 1's commands)"; return 1; }
	[ -e "$O/upper/new" ] || { echo "no upper/new: write merged/new while the overlay is mounted"; return 1; }
	[ "$(stat -c '%F %t:%T' "$O/upper/gone" 2>/dev/null)" = "character special file 0:0" ] ||
		{ echo "upper/gone is not a whiteout (character device 0/0): rm merged/gone while mounted"; return 1; }
	[ -e "$O/upper/keep" ] && ! cmp -s "$O/upper/keep" "$O/lower/keep" ||
		{ echo "keep was not copied up: append a line to merged/keep while mounted"; return 1; }
	[ "$(cat "$O/lower/keep")" = keep ] || { echo "lower/keep changed: write through merged/, never into lower/"; return 1; }
	! mountpoint -q "$O/merged" || { echo "\$WORK/ovl/merged is still mounted: sudo umount \$WORK/ovl/merged"; return 1; }
}

cow_how="sudo boxlab run -d --name \$LAB-cow busybox sh -c 'echo hello > /etc/motd; rm /etc/hostname; echo ... >> /etc/passwd; sleep 3600'"

cow() {
	local d want
	exists "$LAB-cow" "$cow_how" || return 1
	d=$(bx diff --json "$LAB-cow" 2>&1 | jq -r '.[] | .kind + " " + .path' 2>/dev/null)
	for want in "A /etc/motd" "D /etc/hostname" "C /etc/passwd"; do
		grep -qx "$want" <<<"$d" || { echo "boxlab diff $LAB-cow has no '$want': 'sudo boxlab rm -f $LAB-cow', then $cow_how"; return 1; }
	done
}

lowerdir() {
	local pid v want
	needs 2 running "$LAB-cow" "$cow_how" || return 1
	v=$(answer lowerdir.txt) || { echo "$v"; return 1; }
	pid=$(init_pid "$LAB-cow")
	want=$(awk '$5 == "/" && $0 ~ / - overlay / {print}' "/proc/$pid/mountinfo" | tail -n1 |
		sed -n 's/.*[ ,]lowerdir=\([^,]*\).*/\1/p')
	[ -n "$want" ] || { echo "the root of $LAB-cow is not an overlay (rootfs module off?)"; return 1; }
	[ "$v" = "$want" ] && return 0
	echo "lowerdir.txt says '$v', not the lowerdir of $LAB-cow's root: read it with findmnt -N PID /"
	return 1
}

# The top layer's directory of image NAME, or nothing.
layer_of() { bx image inspect "$1" 2>/dev/null | jq -r '.[0].layers[0].path // empty'; }
layer_id() { bx image inspect "$1" 2>/dev/null | jq -r '.[0].layers[0].id // empty'; }

img() {
	local l
	l=$(layer_of "$LAB-img")
	[ -n "$l" ] || { echo "no image $LAB-img yet: make \$WORK/my.tar, then sudo boxlab image import \$WORK/my.tar \$LAB-img"; return 1; }
	[ -s "$l/etc/greeting" ] && return 0
	echo "image $LAB-img has no /etc/greeting: add it to the tar (tar -rf), then import again under the name"
	return 1
}

img2() {
	local a b
	needs 4 img || return 1
	b=$(layer_id "$LAB-img2")
	[ -n "$b" ] || { echo "no image $LAB-img2 yet: sudo boxlab image import \$WORK/my.tar \$LAB-img2"; return 1; }
	a=$(layer_id "$LAB-img")
	[ "$a" = "$b" ] && return 0
	echo "$LAB-img2 has layer $b, $LAB-img has $a: import the very same my.tar"
	return 1
}

use() {
	local how="sudo boxlab run --name \$LAB-use \$LAB-img sh -c 'cat /etc/greeting; echo changed > /etc/greeting'" l up
	needs 4 img || return 1
	exists "$LAB-use" "$how" || return 1
	[ "$(field "$LAB-use" .image)" = "$LAB-img" ] || { echo "$LAB-use was not made from $LAB-img: 'sudo boxlab rm -f $LAB-use', then $how"; return 1; }
	bx diff "$LAB-use" 2>/dev/null | grep -qx "C /etc/greeting" ||
		{ echo "boxlab diff $LAB-use does not show C /etc/greeting: 'sudo boxlab rm -f $LAB-use', then $how"; return 1; }
	l=$(layer_of "$LAB-img")
	up="$(field "$LAB-use" .state_dir)/upper/etc/greeting"
	[ -f "$up" ] && ! cmp -s "$up" "$l/etc/greeting" && return 0
	echo "the container's /etc/greeting is the same as the image's: write something else into it"
	return 1
}

step 1 "An overlay by hand" byhand
step 2 "A container's writes land in its upper layer" cow
step 3 "Find the layers of a running container" lowerdir
step 4 "An image from a tar archive" img
step 5 "Layers are stored once" img2
step 6 "The image stays read-only" use
