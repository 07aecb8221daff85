# Lesson 03's steps as a student does them.  Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
"$B" run -d --name "$LAB-named" --hostname lab-web busybox sleep 1000 >/dev/null
init=$("$B" inspect --json "$LAB-named" | jq -r .pid)
readlink "/proc/$init/ns/uts" > "$WORK/uts-ns.txt"
unshare --ipc sh -c 'ipcmk -M 4096; ipcs -m' > "$WORK/unshare.txt"
"$B" run --name "$LAB-ipc" busybox cat /proc/sysvipc/shm >/dev/null
"$B" run --name "$LAB-noipc" --no-ipc busybox cat /proc/sysvipc/shm >/dev/null
nsenter --target "$init" --uts --ipc sh -c 'hostname; ipcs -m' > "$WORK/nsenter.txt"
