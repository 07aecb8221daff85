# Lesson 06: cgroups -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

CG=/sys/fs/cgroup

# v1, hybrid or v2, from the file systems the kernel mounted.
cg_mode() {
	if [ "$(stat -fc %T $CG 2>/dev/null)" = cgroup2fs ]; then
		echo v2
	elif [ "$(stat -fc %T $CG/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo v1
	fi
}
MODE=$(cg_mode)

# The cgroup directory of NAME for a v1 controller (v2: one for all).
cgdir() { # cgdir CONTROLLER NAME
	if [ "$MODE" = v2 ]; then echo "$CG/boxlab/$2"; else echo "$CG/$1/boxlab/$2"; fi
}

# A value of a "key value" file such as cpu.stat or pids.events.
kv() { awk -v k="$2" '$1 == k {print $2}' "$1" 2>/dev/null; }

mode() {
	local v
	v=$(answer mode.txt) || { echo "$v (one word: v1, hybrid or v2)"; return 1; }
	case $v in v1 | hybrid | v2) ;; *) echo "mode.txt says '$v': write one word, v1, hybrid or v2"; return 1 ;; esac
	[ "$v" = "$MODE" ] && return 0
	echo "mode.txt says '$v', which is not what this host runs: look at 'stat -fc %T /sys/fs/cgroup' and /sys/fs/cgroup/unified"
	return 1
}

mem() {
	local how="sudo boxlab run -d --name \$LAB-mem --memory 64m busybox sleep 3600" d f want=67108864 v pid
	running "$LAB-mem" "$how" || return 1
	d=$(cgdir memory "$LAB-mem")
	if [ "$MODE" = v2 ]; then f=memory.max; else f=memory.limit_in_bytes; fi
	v=$(cat "$d/$f" 2>/dev/null)
	[ "$v" = "$want" ] || { echo "$d/$f is '${v:-missing}', not $want (64 MiB): 'sudo boxlab rm -f $LAB-mem', then $how"; return 1; }
	pid=$(init_pid "$LAB-mem")
	grep -qx "$pid" "$d/cgroup.procs" 2>/dev/null || { echo "pid $pid of $LAB-mem is not in $d/cgroup.procs"; return 1; }
}

hog() {
	local how="sudo boxlab run --name \$LAB-hog --memory 32m --memory-swap 32m busybox dd if=/dev/zero of=/dev/null bs=64M count=1"
	exists "$LAB-hog" "$how" || return 1
	[ "$(status_of "$LAB-hog")" = exited ] || { echo "$LAB-hog is $(status_of "$LAB-hog"): wait for it to end"; return 1; }
	[ "$(field "$LAB-hog" .oom_killed)" = true ] ||
		{ echo "the OOM killer took nothing of $LAB-hog (limit too high, or the hog too small?): 'sudo boxlab rm $LAB-hog', then $how"; return 1; }
	[ "$(exit_code "$LAB-hog")" = 137 ] || { echo "$LAB-hog exited with $(exit_code "$LAB-hog"), not 137: was dd itself the one killed?"; return 1; }
	[ -n "$(events "$LAB-hog" '.[] | select(.module == "memory" and .phase == "oom")')" ] ||
		{ echo "no 'memory oom' event on the timeline of $LAB-hog"; return 1; }
}

cpu() {
	local how="sudo boxlab run -d --name \$LAB-cpu --cpus 0.25 busybox timeout 300 sh -c 'while :; do :; done'" d q thr
	exists "$LAB-cpu" "$how" || return 1
	[ "$(field "$LAB-cpu" '.spec["resources.cpus"]')" = 0.25 ] ||
		{ echo "$LAB-cpu was not made with --cpus 0.25: 'sudo boxlab rm -f $LAB-cpu', then $how"; return 1; }
	d=$(cgdir cpu "$LAB-cpu")
	if [ "$(status_of "$LAB-cpu")" = running ]; then
		if [ "$MODE" = v2 ]; then q=$(cut -d' ' -f1 "$d/cpu.max" 2>/dev/null); else q=$(cat "$d/cpu.cfs_quota_us" 2>/dev/null); fi
		[ "$q" = 25000 ] || { echo "the quota in $d is '${q:-missing}', not 25000"; return 1; }
		thr=$(kv "$d/cpu.stat" nr_throttled)
		[ "${thr:-0}" -gt 0 ] && return 0
	fi
	[ -n "$(events "$LAB-cpu" '.[] | select(.module == "cpu" and .phase == "throttled")')" ] && return 0
	echo "$LAB-cpu was never throttled: is its busy loop running? (sudo boxlab stats --no-stream $LAB-cpu)"
	return 1
}

forks() {
	local how="sudo boxlab run --name \$LAB-forks --pids-limit 10 busybox sh -c 'for i in \$(seq 20); do sleep 5 & done; wait'"
	exists "$LAB-forks" "$how" || return 1
	[ "$(field "$LAB-forks" '.spec["resources.pids-limit"]')" = 10 ] ||
		{ echo "$LAB-forks was not made with --pids-limit 10: 'sudo boxlab rm -f $LAB-forks', then $how"; return 1; }
	[ -n "$(events "$LAB-forks" '.[] | select(.module == "pids" and .phase == "pids-limit")')" ] && return 0
	echo "no fork of $LAB-forks was refused (no 'pids pids-limit' event): did it start 20 sleeps? $how"
	return 1
}

byhand() {
	local d n
	d=$(cgdir pids "$LAB-byhand")
	[ -d "$d" ] || { echo "no cgroup $d yet: sudo mkdir $d"; return 1; }
	[ "$(cat "$d/pids.max" 2>/dev/null)" = 5 ] || { echo "$d/pids.max is '$(cat "$d/pids.max" 2>/dev/null)': echo 5 | sudo tee $d/pids.max"; return 1; }
	n=$(kv "$d/pids.events" max)
	[ "${n:-0}" -gt 0 ] || { echo "no fork was refused in $d yet (pids.events): move a shell in and start 8 sleeps"; return 1; }
	[ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && return 0
	echo "processes are still in $d/cgroup.procs: wait until they end"
	return 1
}

v2names() {
	local f="$LESSON_WORK/v2-names.txt" v1 want got
	[ -s "$f" ] || { echo "write the six pairs (v1 name, then v2 name, one pair a line) to \$WORK/v2-names.txt"; return 1; }
	while read -r v1 want; do
		got=$(awk -v k="$v1" '$1 == k {print $2; exit}' "$f")
		[ -n "$got" ] || { echo "v2-names.txt has no line for $v1"; return 1; }
		[ "$got" = "$want" ] || { echo "v2-names.txt: $got is not the v2 file for $v1"; return 1; }
	done <<'PAIRS'
memory.limit_in_bytes memory.max
memory.soft_limit_in_bytes memory.low
cpu.cfs_quota_us cpu.max
cpu.shares cpu.weight
pids.max pids.max
freezer.state cgroup.freeze
PAIRS
}

step 1 "Which cgroup version does this host run?" mode
step 2 "A memory limit, seen from both sides" mem
step 3 "The OOM killer at the limit" hog
step 4 "A CPU quota" cpu
step 5 "A fork bomb meets pids.max" forks
step 6 "The same by hand, without boxlab" byhand
step 7 "v1 names and v2 names" v2names
