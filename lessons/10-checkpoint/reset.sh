# Lesson 10: stop the student's hand-made counter of step 5 (the process
# writing $WORK/plain/count.log; it would end by itself after 300 s) and
# remove the lab's checkpoints, which outlive boxlab rm.
. "$LESSON_DIR/../lib.sh"
log="$LESSON_WORK/plain/count.log"
for fd in /proc/[0-9]*/fd/1; do
	[ "$(readlink "$fd" 2>/dev/null)" = "$log" ] || continue
	p=${fd#/proc/}
	kill -9 "${p%%/*}" 2>/dev/null
done
lib=$(bx check --json | jq -r .lib_dir)
case $lib in /*) rm -rf "$lib/checkpoints/$LAB-"* ;; esac
exit 0
