# Lesson 04: User namespaces and id maps -- see README.md.
. "$LESSON_DIR/../lib.sh"

# The file shows uid=0(root) and a one-line map "0 UID 1".
root_with_map() { # FILE HOW
	local f="$LESSON_WORK/$1"
	[ -s "$f" ] || { echo "run: $2"; return 1; }
	grep -q 'uid=0(root)' "$f" || { echo "$1 does not show uid=0(root): was the map written (see step text)?"; return 1; }
	grep -Eq '^ *0 +[0-9]+ +1 *$' "$f" || { echo "$1 has no one-line map '0 UID 1': cat /proc/self/uid_map inside"; return 1; }
}

unshared() {
	root_with_map unshare.txt "unshare --user --map-root-user sh -c 'id; cat /proc/self/uid_map' > \$WORK/unshare.txt"
}

root_map() {
	local v want
	running "$LAB-user" "sudo boxlab run -d --name \$LAB-user busybox sleep 1000" || return 1
	v=$(answer root-uid.txt) || { echo "$v"; return 1; }
	want=$(awk '$1 == 0 { print $2 }' "/proc/$(init_pid "$LAB-user")/uid_map")
	[ "$v" = "$want" ] || { echo "root-uid.txt says '$v': read the second column of uid_map in \$LAB-user"; return 1; }
}

written() {
	local how="sudo boxlab run --name \$LAB-write -v \$WORK/shared:/shared busybox sh -c 'touch /shared/from-container; ls -ln /shared'"
	local f="$LESSON_WORK/shared/from-container" st
	exists "$LAB-write" "$how" || return 1
	st=$(status_of "$LAB-write")
	[ "$st" = exited ] && [ "$(exit_code "$LAB-write")" = 0 ] ||
		{ echo "$LAB-write did not exit 0 (touch failed?): chown the dir to container root's uid, 'sudo boxlab rm \$LAB-write', run it again"; return 1; }
	[ -e "$f" ] || { echo "no \$WORK/shared/from-container: mount \$WORK/shared at /shared ($how)"; return 1; }
	[ "$(stat -c %u "$f")" = "$(root_uid "$LAB-write")" ] ||
		{ echo "from-container is owned by uid $(stat -c %u "$f"), not by $LAB-write's root: was it made by the container?"; return 1; }
}

nouser() {
	local how="sudo boxlab run --name \$LAB-nouser --no-user busybox cat /proc/self/uid_map"
	exists "$LAB-nouser" "$how" || return 1
	! module_on "$LAB-nouser" user || { echo "$LAB-nouser has the user module on: sudo boxlab rm \$LAB-nouser; $how"; return 1; }
	bx logs "$LAB-nouser" 2>/dev/null | grep -Eq '^ *0 +0 +4294967295 *$' ||
		{ echo "$LAB-nouser did not print its uid_map: $how"; return 1; }
}

by_hand() {
	root_with_map map.txt "the unshare --user ... > \$WORK/map.txt & of step 5, then write the map"
}

step 1 "Root in a user namespace" unshared
step 2 "boxlab's id map" root_map
step 3 "Files across the map" written
step 4 "Without the user namespace" nouser
step 5 "Write an id map by hand" by_hand
