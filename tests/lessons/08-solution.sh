# Lesson 08's steps as a student types them (README.md), output dropped.
. "$(dirname "$0")/lib-b.sh"

# 1
EFF=$(sudo boxlab run --name $LAB-default busybox grep Cap /proc/self/status | awk '/CapEff/ {print $2}')
capsh --decode=$EFF > $WORK/default-caps.txt

# 2
sudo boxlab run --name $LAB-full --no-caps busybox grep Cap /proc/self/status >/dev/null
! sudo boxlab run --rm --no-caps --no-seccomp busybox date -s 2000-01-01 2>&1 | grep -q "Operation not permitted" && exit 1

# 3
sudo boxlab run -d --name $LAB-web --cap-drop ALL --cap-add NET_BIND_SERVICE busybox httpd -f -p 80 >/dev/null
PID=$(sudo boxlab inspect --json $LAB-web | jq .pid)
for _ in $(seq 50); do pgrep -P $PID >/dev/null && break; sleep 0.1; done
getpcaps $(pgrep -P $PID) 2>&1 | grep -q cap_net_bind_service
for _ in $(seq 50); do cat /proc/$(pgrep -P $PID)/net/tcp* | grep -q ':0050 .* 0A ' && break; sleep 0.1; done

# 4
! sudo boxlab run --name $LAB-nobind --cap-drop ALL busybox httpd -f -p 80 2>/dev/null

# 5
sudo capsh --drop=cap_chown -- -c "grep Cap /proc/self/status; touch $WORK/f; chown nobody $WORK/f" > $WORK/capsh.txt 2>&1 || true

# 6
sudo boxlab exec $LAB-web grep CapEff /proc/self/status >/dev/null
sudo nsenter -t $PID -a grep CapEff /proc/self/status > $WORK/nsenter.txt
