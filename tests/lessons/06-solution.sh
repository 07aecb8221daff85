# Lesson 06's steps as a student types them (README.md), output dropped.
. "$(dirname "$0")/lib-b.sh"

# 1
echo hybrid > $WORK/mode.txt
[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || echo v2 > $WORK/mode.txt
[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	echo v1 > $WORK/mode.txt

# 2
sudo boxlab run -d --name $LAB-mem --memory 64m busybox sleep 3600 >/dev/null

# 3
sudo boxlab run --name $LAB-hog --memory 32m --memory-swap 32m busybox dd if=/dev/zero of=/dev/null bs=64M count=1 \
	>/dev/null 2>&1 || [ $? -eq 137 ]

# 4: stats samples over one second and records the throttling it sees
# (on a loaded machine the loop may need a few periods to use its quota)
sudo boxlab run -d --name $LAB-cpu --cpus 0.25 busybox timeout 300 sh -c 'while :; do :; done' >/dev/null
for _ in $(seq 10); do
	sudo boxlab stats --no-stream $LAB-cpu >/dev/null
	sudo boxlab events $LAB-cpu | grep -q throttled && break
done

# 5
sudo boxlab run --name $LAB-forks --pids-limit 10 busybox sh -c 'for i in $(seq 20); do sleep 5 & done; wait' \
	>/dev/null 2>&1 || [ $? -eq 2 ]

# 6
C=/sys/fs/cgroup/pids/boxlab/$LAB-byhand
[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || C=/sys/fs/cgroup/boxlab/$LAB-byhand
sudo mkdir $C
echo 5 | sudo tee $C/pids.max >/dev/null
sudo sh -c "echo \$\$ > $C/cgroup.procs; for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait" 2>/dev/null || true
for _ in $(seq 50); do [ -z "$(cat $C/cgroup.procs)" ] && break; sleep 0.1; done

# 7
cat > $WORK/v2-names.txt <<'NAMES'
memory.limit_in_bytes       memory.max
memory.soft_limit_in_bytes  memory.low
cpu.cfs_quota_us            cpu.max
cpu.shares                  cpu.weight
pids.max                    pids.max
freezer.state               cgroup.freeze
NAMES
