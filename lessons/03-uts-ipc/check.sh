# Lesson 03: UTS and IPC namespaces -- see README.md.
. "$LESSON_DIR/../lib.sh"

named() {
	local how="sudo boxlab run -d --name \$LAB-named --hostname lab-web busybox sleep 1000" h
	running "$LAB-named" "$how" || return 1
	h=$(nsenter --target "$(init_pid "$LAB-named")" --uts hostname 2>/dev/null)
	[ "$h" = lab-web ] || { echo "$LAB-named is called '$h', not lab-web: sudo boxlab rm -f \$LAB-named; $how"; return 1; }
}

uts_ns() {
	local v want
	needs 1 named || return 1
	v=$(answer uts-ns.txt) || { echo "$v"; return 1; }
	want=$(readlink "/proc/$(init_pid "$LAB-named")/ns/uts")
	[ "$v" != "$(readlink /proc/1/ns/uts)" ] || { echo "uts-ns.txt holds the host's UTS namespace; read the container init's /proc/INITPID/ns/uts"; return 1; }
	[ "$v" = "$want" ] || { echo "uts-ns.txt says '$v', not $LAB-named's UTS namespace (readlink /proc/INITPID/ns/uts)"; return 1; }
}

unshared() {
	local f="$LESSON_WORK/unshare.txt" key
	[ -s "$f" ] || { echo "run: sudo unshare --ipc sh -c 'ipcmk -M 4096; ipcs -m' > \$WORK/unshare.txt"; return 1; }
	key=$(awk '$1 ~ /^0x/ && $5 == 4096 { print $1 }' "$f")
	[ "$(echo "$key" | grep -c .)" = 1 ] || { echo "unshare.txt does not list exactly one 4096-byte segment: ipcmk -M 4096 in a fresh namespace"; return 1; }
	if ipcs -m | awk -v k="$key" '$1 == k { f = 1 } END { exit !f }'; then
		echo "the host has the segment $key: it was made without --ipc; ipcrm -M $key"
		return 1
	fi
}

# The key of the host's segment in /proc/sysvipc/shm's signed decimal.
host_key() {
	local id key
	[ -s "$LESSON_WORK/host-shm" ] || return 1
	read -r id key < "$LESSON_WORK/host-shm"
	key=$((key))
	[ "$key" -ge 2147483648 ] && key=$((key - 4294967296))
	echo "$key"
}
lists_key() { bx logs "$1" 2>/dev/null | awk -v k="$2" '$1 == k { f = 1 } END { exit !f }'; }

host_ipc() {
	local key
	key=$(host_key) || { echo "no \$WORK/host-shm: run 'sudo boxlab lesson start 03' again"; return 1; }
	exists "$LAB-ipc" "sudo boxlab run --name \$LAB-ipc busybox cat /proc/sysvipc/shm" || return 1
	exists "$LAB-noipc" "sudo boxlab run --name \$LAB-noipc --no-ipc busybox cat /proc/sysvipc/shm" || return 1
	module_on "$LAB-ipc" ipc || { echo "$LAB-ipc ran with the ipc module off: remove it and run it without --no-ipc"; return 1; }
	! module_on "$LAB-noipc" ipc || { echo "$LAB-noipc ran with the ipc module on: remove it and run it with --no-ipc"; return 1; }
	bx logs "$LAB-noipc" 2>/dev/null | grep -q shmid || { echo "$LAB-noipc did not print /proc/sysvipc/shm: its command must be cat /proc/sysvipc/shm"; return 1; }
	! lists_key "$LAB-ipc" "$key" || { echo "$LAB-ipc listed the host's segment: was it run with --no-ipc?"; return 1; }
	lists_key "$LAB-noipc" "$key" || { echo "$LAB-noipc did not list the host's segment ($key): run it after 'lesson start 03', with --no-ipc"; return 1; }
}

nsentered() {
	local f="$LESSON_WORK/nsenter.txt"
	[ -s "$f" ] || { echo "run: sudo nsenter --target INITPID --uts --ipc sh -c 'hostname; ipcs -m' > \$WORK/nsenter.txt"; return 1; }
	[ "$(head -n1 "$f")" = lab-web ] || { echo "nsenter.txt does not start with lab-web: INITPID must be the host pid of $LAB-named's init"; return 1; }
}

step 1 "A host name of its own" named
step 2 "Where the name lives" uts_ns
step 3 "IPC objects in a new namespace" unshared
step 4 "The host's IPC objects, seen from a container" host_ipc
step 5 "Join a container's namespaces" nsentered
