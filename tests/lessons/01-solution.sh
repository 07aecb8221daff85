# Lesson 01's steps as a student does them.  Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
unshare --pid --fork --mount-proc sh -c 'echo $$; ps -e' > "$WORK/unshare.txt"
"$B" run -d --name "$LAB-sleep" busybox sleep 1000 >/dev/null
"$B" run -d --name "$LAB-zombie" busybox sh -c 'sleep 1 & exec sleep 1000' >/dev/null
"$B" run -d --name "$LAB-orphan" busybox sh -c '(sleep 1000 &); exec sleep 999' >/dev/null
"$B" run -d --name "$LAB-trap" busybox sh -c 'trap "echo got TERM; exit 3" TERM; while :; do sleep 1; done' >/dev/null
init=$("$B" inspect --json "$LAB-sleep" | jq -r .pid)
pgrep -P "$init" -x sleep > "$WORK/sleep-pid.txt"
# The zombie appears after one second.
for _ in $(seq 50); do
	z=$("$B" exec "$LAB-zombie" ps -o pid,ppid,stat | awk '$3 == "Z" { print $2 }')
	[ -n "$z" ] && break
	sleep 0.1
done
echo "$z" > "$WORK/zombie-parent.txt"
"$B" exec "$LAB-orphan" ps -o ppid,args | awk '$2 == "sleep" && $3 == 1000 { print $1 }' > "$WORK/orphan-parent.txt"
"$B" stop "$LAB-trap" >/dev/null
# The unshare experiment: sleep as pid 1 survives SIGTERM.
unshare --pid --fork sleep 1000 &
u=$!
for _ in $(seq 50); do
	p=$(pgrep -P "$u" -x sleep || true)
	[ -n "$p" ] && break
	sleep 0.1
done
kill -TERM "$p"
sleep 0.5
if kill -0 "$p" 2>/dev/null; then echo alive; else echo dead; fi > "$WORK/pid1-sigterm.txt"
kill -KILL "$p"
wait "$u" || true
