# Lesson 02 needs a root file system to pivot_root into: a copy of the
# busybox image in the student's work dir (step 3).
set -eu
. "$LESSON_DIR/../lib.sh"
if [ ! -x "$LESSON_WORK/rootfs/bin/busybox" ]; then
	src=$(bx image inspect busybox | jq -r '.[0].layers[0].path')
	[ -d "$src" ] || { echo "cannot find the busybox image's root file system ('boxlab image inspect busybox')" >&2; exit 1; }
	rm -rf "$LESSON_WORK/rootfs"
	cp -a "$src" "$LESSON_WORK/rootfs"
	echo "A busybox root file system for step 3 is in \$WORK/rootfs."
fi
