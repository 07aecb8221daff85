# Lesson 12's steps as a student does them: the finished module
# (tests/lessons/12/rlimit.c) in place of the skeleton, built with
# $WORK/build, and the handout's commands run against it.
. "$(dirname "$0")/lib-b.sh"

# 1
mkdir -p $WORK/module
cp $WORK/skeleton.c $WORK/module/rlimit.c
sudo $WORK/build >/dev/null 2>&1
B=$WORK/tree/build/boxlab
sudo $B check | grep -q rlimit

# 2-6: the finished module
cp "$(dirname "$0")/12/rlimit.c" $WORK/module/rlimit.c
sudo $WORK/build >/dev/null 2>&1
[ "$(sudo $B run --rm --ulimit nofile=64 --ulimit core=0 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c')" = $'64\n64\n0' ]
sudo $B run -d --name $LAB-exec --ulimit nofile=64 busybox sleep 600 >/dev/null
[ "$(sudo $B exec $LAB-exec sh -c 'ulimit -n')" = 64 ]
sudo $B run --name $LAB-ini --ulimit nofile=64 busybox true
sudo $B inspect --ini $LAB-ini > $WORK/replay.ini
[ "$(sudo $B run --rm --name $LAB-ini2 --config $WORK/replay.ini busybox sh -c 'ulimit -n')" = 64 ]
