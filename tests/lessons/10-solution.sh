# Lesson 10's steps as a student types them (README.md), with the waits
# shortened to what the check needs; output dropped.
. "$(dirname "$0")/lib-b.sh"
lines() { [ "$(sudo boxlab logs $1 2>/dev/null | wc -l)" -ge $2 ]; }
wait_lines() { for _ in $(seq 100); do lines $1 $2 && return 0; sleep 0.1; done; return 1; }

# 1
sudo boxlab run -d --name $LAB-count busybox sh -c 'i=0; while :; do echo $i; i=$((i+1)); sleep 1; done' >/dev/null
wait_lines $LAB-count 2

# 2
sudo boxlab checkpoint $LAB-count >/dev/null

# 3
sudo boxlab restore $LAB-count >/dev/null
wait_lines $LAB-count 1

# 4
sudo boxlab checkpoint --leave-running --export $WORK/count.tar.gz $LAB-count >/dev/null
sudo boxlab restore --import $WORK/count.tar.gz --name $LAB-copy >/dev/null
wait_lines $LAB-copy 1

# 5
CRIU=$(sudo boxlab check --json | jq -r .criu.bin)
mkdir -p $WORK/plain/img && cd $WORK/plain
setsid -f sh -c 'echo $$ > pid; i=0; while [ $i -lt 300 ]; do echo $i; i=$((i+1)); sleep 1; done' </dev/null >count.log 2>&1
for _ in $(seq 50); do [ "$(wc -l < count.log)" -ge 2 ] && break; sleep 0.1; done
sudo $CRIU dump -t $(cat pid) -D img -o dump.log -v4
tail -1 count.log > dumped-at.txt
# (the handout's "sleep 3": the killed counter must be reaped, or its pid is taken)
for _ in $(seq 50); do ps -p $(cat pid) >/dev/null || break; sleep 0.1; done
sudo $CRIU restore -D img -d -o restore.log -v4
for _ in $(seq 30); do [ "$(tail -1 count.log)" -gt "$(cat dumped-at.txt)" ] && break; sleep 0.1; done
cd - >/dev/null

# 6
sudo boxlab run -d --name $LAB-tcp busybox sh -c 'nc -l -p 7000 -e cat & sleep 0.3; while :; do echo x; sleep 1; done | nc 127.0.0.1 7000 >/dev/null' >/dev/null
sleep 0.5
! sudo boxlab checkpoint $LAB-tcp 2>/dev/null
