# Lesson 00: A tour of boxlab -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

web() { running "$LAB-web" "sudo boxlab run -d --name \$LAB-web busybox httpd -f -p 8080"; }

host_pid() {
	local v want
	needs 1 web || return 1
	v=$(answer host-pid.txt) || { echo "$v"; return 1; }
	want=$(init_pid "$LAB-web")
	[ "$v" = "$want" ] && return 0
	echo "host-pid.txt says '$v', not the host pid of $LAB-web's pid 1 (find boxlab-init with ps, or inspect --json)"
	return 1
}

slowest() {
	local v want
	needs 1 exists "$LAB-web" || return 1
	v=$(answer slowest.txt) || { echo "$v"; return 1; }
	want=$(bx events --json "$LAB-web" | jq -r '[.[] | select(.phase == "prepare")] | max_by(.duration_us) | .module')
	[ "$v" = "$want" ] && return 0
	echo "slowest.txt says '$v'; look again at the DUR(us) of the 'prepare' rows of 'boxlab events $LAB-web'"
	return 1
}

nouts() {
	local how="sudo boxlab run --name \$LAB-nouts --no-uts busybox hostname"
	exists "$LAB-nouts" "$how" || return 1
	if module_on "$LAB-nouts" uts; then
		echo "$LAB-nouts has the uts module on: 'sudo boxlab rm $LAB-nouts', then $how"
		return 1
	fi
	[ "$(status_of "$LAB-nouts")" = exited ] && [ "$(exit_code "$LAB-nouts")" = 0 ] ||
		{ echo "$LAB-nouts has not exited with 0: run it with the command 'hostname' ($how)"; return 1; }
	[ "$(bx logs "$LAB-nouts" 2>/dev/null | tr -d '\r' | tail -n1)" = "$(hostname)" ] ||
		{ echo "$LAB-nouts did not print the host's name: run it with the command 'hostname' ($how)"; return 1; }
}

unshared() {
	local f="$LESSON_WORK/unshare.txt"
	[ -s "$f" ] || { echo "run: sudo unshare --uts sh -c \"hostname \$LAB; hostname\" > \$WORK/unshare.txt"; return 1; }
	grep -qx "$LAB" "$f" || { echo "unshare.txt does not say $LAB: did the sh in the new namespace set its name to \$LAB?"; return 1; }
	[ "$(hostname)" != "$LAB" ] || { echo "the host itself is now called $LAB: you left out --uts"; return 1; }
}

step 1 "Start a web server in a container" web
step 2 "Find its pid 1 on the host" host_pid
step 3 "Read the timeline" slowest
step 4 "Switch a module off" nouts
step 5 "The same with unshare" unshared
