# Lesson 11's steps as a student types them (README.md), output dropped.
. "$(dirname "$0")/lib-b.sh"

# 1
sudo boxlab attack kill-host --isolation=none --json > $WORK/kill-host-none.json
sudo boxlab attack kill-host --json > $WORK/kill-host-default.json

# 2
sudo boxlab attack kill-host --no-pid --no-user | grep -q ESCAPED
echo "kill-host --no-pid --no-user" > $WORK/minimal.txt

# 3
cp $WORK/legacy.ini $WORK/hardened.ini
cat >> $WORK/hardened.ini <<'INI'
; back on: everything but user and net
pid = on
ipc = on
uts = on
cgroupns = on
mnt = on
rootfs = on
caps = on
nnp = on
seccomp = on
INI
sudo boxlab attack kill-host --config $WORK/hardened.ini | grep -q BLOCKED
sudo boxlab run -d --name $LAB-legacy --config $WORK/hardened.ini busybox sleep 3600 >/dev/null

# 4
# (exe-overwrite races the runtime: on a busy host try it again)
for _ in 1 2 3; do sudo boxlab attack exe-overwrite --config $WORK/hardened.ini | grep -q ESCAPED && break; done
sudo boxlab attack loopback-service --config $WORK/hardened.ini | grep -q ESCAPED
printf '%s\n' exe-overwrite loopback-service > $WORK/residual.txt
