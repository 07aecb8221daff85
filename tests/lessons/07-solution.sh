# Lesson 07's steps as a student types them (README.md), output dropped.
. "$(dirname "$0")/lib-b.sh"

# 1
mkdir -p $WORK/ovl/lower $WORK/ovl/upper $WORK/ovl/work $WORK/ovl/merged
cd $WORK/ovl
echo keep > lower/keep
echo bye > lower/gone
sudo mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged
echo new > merged/new
echo more >> merged/keep
rm merged/gone
sudo umount merged
cd - >/dev/null

# 2
sudo boxlab run -d --name $LAB-cow busybox sh -c 'echo hello > /etc/motd; rm /etc/hostname; echo "guest:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd; sleep 3600' >/dev/null
for _ in $(seq 50); do sudo boxlab diff $LAB-cow | grep -q 'C /etc/passwd' && break; sleep 0.1; done

# 3
PID=$(sudo boxlab inspect --json $LAB-cow | jq .pid)
sudo findmnt -N $PID -o OPTIONS -n / | tr , '\n' | sed -n 's/^lowerdir=//p' > $WORK/lowerdir.txt

# 4
IMG=$(sudo boxlab image inspect busybox | jq -r '.[0].layers[0].path')
mkdir -p $WORK/img/etc
echo "hello from $LAB" > $WORK/img/etc/greeting
sudo tar -C $IMG -cf $WORK/my.tar .
sudo tar -C $WORK/img --owner=0 --group=0 -rf $WORK/my.tar ./etc/greeting
sudo boxlab image import $WORK/my.tar $LAB-img >/dev/null

# 5
sudo boxlab image import $WORK/my.tar $LAB-img2 | grep -q '(1 already stored)'

# 6
sudo boxlab run --name $LAB-use $LAB-img sh -c 'cat /etc/greeting; echo changed > /etc/greeting' | grep -qx "hello from $LAB"
! sudo boxlab image rm $LAB-img 2>/dev/null
