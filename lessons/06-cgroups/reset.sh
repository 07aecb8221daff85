# Lesson 06: remove the cgroup the student made by hand in step 6 (the
# $LAB-* containers and $WORK are removed by boxlab lesson reset).
# Whatever still runs in it was started by the student for this lab.
for d in /sys/fs/cgroup/pids/boxlab/"$LAB-byhand" /sys/fs/cgroup/boxlab/"$LAB-byhand"; do
	[ -d "$d" ] || continue
	for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$d" 2>/dev/null && break
		sleep 0.2
	done
	[ ! -d "$d" ] || echo "cannot remove $d: $(cat "$d/cgroup.procs" 2>/dev/null | wc -l) processes left" >&2
done
exit 0
