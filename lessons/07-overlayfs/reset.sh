# Lesson 07: unmount the hand-made overlay (before boxlab lesson reset
# removes $WORK: never recurse into a mounted merged/), then remove the
# lab's images, which needs their containers gone first.
. "$LESSON_DIR/../lib.sh"
m="$LESSON_WORK/ovl/merged"
while mountpoint -q "$m" 2>/dev/null; do
	umount "$m" || { echo "cannot unmount $m" >&2; exit 1; }
done
for n in $(bx ps -a --json | jq -r '.[].name' | grep "^$LAB-"); do
	bx rm -f "$n" >/dev/null
done
for i in "$LAB-img" "$LAB-img2"; do
	if bx image inspect "$i" >/dev/null 2>&1; then
		bx image rm "$i" >/dev/null || exit 1
	fi
done
exit 0
