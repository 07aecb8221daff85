# Lesson 01: Processes and the pid namespace -- see README.md.
. "$LESSON_DIR/../lib.sh"

# Host pids of the container NAME's init and its descendants (every
# process the container started; `boxlab exec` ones are not needed here).
ns_pids() {
	local todo p c
	todo=$(init_pid "$1")
	[ -n "$todo" ] && [ "$todo" != null ] || return 0
	while [ -n "$todo" ]; do
		set -- $todo
		p=$1
		shift
		todo="$*"
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			todo="$todo $c"
		done
	done
}
ppid_of() { awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$1/stat" 2>/dev/null; }
state_of() { awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null; }
inner_pid() { awk '/^NSpid:/ { print $NF }' "/proc/$1/status" 2>/dev/null; }
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }

unshared() {
	local f="$LESSON_WORK/unshare.txt" n
	[ -s "$f" ] || { echo "run: sudo unshare --pid --fork --mount-proc sh -c 'echo \$\$; ps -e' > \$WORK/unshare.txt"; return 1; }
	[ "$(head -n1 "$f")" = 1 ] || { echo "the first line of unshare.txt is not 1: did you give --fork (the shell must be the namespace's first process)?"; return 1; }
	n=$(grep -cE '^ *[0-9]+ ' "$f")
	[ "$n" -le 4 ] || { echo "ps listed $n processes: the host's /proc; add --mount-proc"; return 1; }
}

sleep_pid() {
	local how="sudo boxlab run -d --name \$LAB-sleep busybox sleep 1000" v p want=
	running "$LAB-sleep" "$how" || return 1
	v=$(answer sleep-pid.txt) || { echo "$v"; return 1; }
	for p in $(ns_pids "$LAB-sleep"); do
		[ "$(ppid_of "$p")" = "$(init_pid "$LAB-sleep")" ] && [[ "$(cmdline "$p")" == "sleep 1000"* ]] && want=$p
	done
	[ -n "$want" ] || { echo "$LAB-sleep does not run 'sleep 1000' under its init: $how"; return 1; }
	[ "$v" = "$want" ] || { echo "sleep-pid.txt says '$v', not the host pid of $LAB-sleep's sleep (look at NSpid)"; return 1; }
}

zombie() {
	local how="sudo boxlab run -d --name \$LAB-zombie busybox sh -c 'sleep 1 & exec sleep 1000'" v p z=
	running "$LAB-zombie" "$how" || return 1
	for p in $(ns_pids "$LAB-zombie"); do
		[ "$(state_of "$p")" = Z ] && z=$p
	done
	[ -n "$z" ] || { echo "$LAB-zombie has no zombie (yet?): its command must be: sh -c 'sleep 1 & exec sleep 1000'"; return 1; }
	v=$(answer zombie-parent.txt) || { echo "$v"; return 1; }
	[ "$v" = "$(inner_pid "$(ppid_of "$z")")" ] ||
		{ echo "zombie-parent.txt says '$v': look at the PPID column of the Z process, inside the container"; return 1; }
}

orphan() {
	local how="sudo boxlab run -d --name \$LAB-orphan busybox sh -c '(sleep 1000 &); exec sleep 999'" v p o=
	running "$LAB-orphan" "$how" || return 1
	for p in $(ns_pids "$LAB-orphan"); do
		[[ "$(cmdline "$p")" == "sleep 1000"* ]] && o=$p
	done
	[ -n "$o" ] || { echo "$LAB-orphan runs no 'sleep 1000': $how"; return 1; }
	[ "$(ppid_of "$o")" = "$(init_pid "$LAB-orphan")" ] || { echo "the sleep 1000 of $LAB-orphan is not a child of its init: $how"; return 1; }
	v=$(answer orphan-parent.txt) || { echo "$v"; return 1; }
	[ "$v" = 1 ] || { echo "orphan-parent.txt says '$v': which pid does sleep 1000's PPID column show inside?"; return 1; }
}

trapped() {
	local how="sudo boxlab run -d --name \$LAB-trap busybox sh -c 'trap \"echo got TERM; exit 3\" TERM; while :; do sleep 1; done'" v
	exists "$LAB-trap" "$how" || return 1
	[ "$(status_of "$LAB-trap")" = exited ] || { echo "$LAB-trap is $(status_of "$LAB-trap"): sudo boxlab stop \$LAB-trap"; return 1; }
	events "$LAB-trap" '.[] | select(.phase == "stop")' | grep -q . ||
		{ echo "$LAB-trap ended without 'boxlab stop': remove it and do step 5 again"; return 1; }
	[ "$(exit_code "$LAB-trap")" = 3 ] && bx logs "$LAB-trap" 2>/dev/null | grep -q 'got TERM' ||
		{ echo "$LAB-trap did not run the trap (exit 3, 'got TERM'): remove it and start it with $how"; return 1; }
	v=$(answer pid1-sigterm.txt) || { echo "$v"; return 1; }
	[ "$v" = alive ] || { echo "pid1-sigterm.txt says '$v': try the unshare experiment again and look at ps -p"; return 1; }
}

step 1 "A pid namespace with unshare" unshared
step 2 "The same process, two pids" sleep_pid
step 3 "Make a zombie" zombie
step 4 "Orphans go to init" orphan
step 5 "Signals and pid 1" trapped
