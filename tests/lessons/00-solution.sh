# Lesson 00's steps as a student does them (tests/integration/lessons.bats).
# Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
"$B" run -d --name "$LAB-web" busybox httpd -f -p 8080 >/dev/null
"$B" inspect --json "$LAB-web" | jq -r .pid > "$WORK/host-pid.txt"
"$B" events --json "$LAB-web" | jq -r '[.[] | select(.phase == "prepare")] | max_by(.duration_us) | .module' > "$WORK/slowest.txt"
"$B" run --name "$LAB-nouts" --no-uts busybox hostname >/dev/null
unshare --uts sh -c "hostname $LAB; hostname" > "$WORK/unshare.txt"
