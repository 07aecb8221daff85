# Lesson 04's steps as a student does them.  Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
unshare --user --map-root-user sh -c 'id; cat /proc/self/uid_map' > "$WORK/unshare.txt"
"$B" run -d --name "$LAB-user" busybox sleep 1000 >/dev/null
"$B" exec "$LAB-user" cat /proc/self/uid_map | awk '$1 == 0 { print $2 }' > "$WORK/root-uid.txt"
mkdir -p "$WORK/shared"
chown "$(cat "$WORK/root-uid.txt"):$(cat "$WORK/root-uid.txt")" "$WORK/shared"
"$B" run --name "$LAB-write" -v "$WORK/shared:/shared" busybox sh -c 'touch /shared/from-container; ls -ln /shared' >/dev/null
"$B" run --name "$LAB-nouser" --no-user busybox cat /proc/self/uid_map >/dev/null
unshare --user sh -c "echo \$\$ > $WORK/ns.pid; until [ \$(id -u) = 0 ]; do sleep 0.1; done; id; cat /proc/self/uid_map" > "$WORK/map.txt" &
for _ in $(seq 50); do [ -s "$WORK/ns.pid" ] && break; sleep 0.1; done
echo "0 $(id -u) 1" > "/proc/$(cat "$WORK/ns.pid")/uid_map"
wait
