#!/usr/bin/env bash
# Benchmark (not a test) for checkpoint/restore (issue 8): dump and
# restore time of a container whose process holds N MiB resident, for
# N = 16, 256 and 1024 (BENCH_CRIU_SIZES), against a bare `criu dump` /
# `criu restore` of the same program run on the host, with the same CRIU,
# in the same run.  Goal: boxlab's total <= 1.1x a bare CRIU's.
# boxlab's time is the whole command (`boxlab checkpoint`, `boxlab
# restore`: state, freezer, CRIU's RPC, mounts, cgroups).  Two bare
# figures: CRIU's own dump and restore of the same container tree (the
# RPC's duration on boxlab's timeline: "same process tree", with its
# namespaces and mounts), and criu dump/restore of the same program run
# plainly on the host (no namespaces: the floor).  The ratio asked for
# is boxlab / CRIU on the same tree.  Writes $BUILD/bench/criu.csv.
# Usage: BUILD=build bash scripts/bench-criu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$PWD/$BUILD/boxlab"
sizes=${BENCH_CRIU_SIZES:-16 256 1024}
[ "$(id -u)" -eq 0 ] || { echo "bench-criu: must run as root" >&2; exit 1; }
criu_dir=${BOXLAB_CRIU_DIR:-/var/lib/boxlab/criu}
criu="$criu_dir/current/sbin/criu" # current: a link to the version that passed
[ -x "$criu" ] || { echo "bench-criu: no working CRIU in $criu_dir: run 'sudo make criu'" >&2; exit 1; }

work=$(mktemp -d /var/tmp/boxlab-bench.XXXXXX) # images are big: not on a tmpfs
chmod 755 "$work"
export BOXLAB_RUN_DIR="$work/run" BOXLAB_LIB_DIR="$work/lib"
bare_pid=
cleanup() {
	[ -n "$bare_pid" ] && kill -9 "$bare_pid" 2>/dev/null
	for n in $(ls "$BOXLAB_RUN_DIR" 2>/dev/null); do "$B" rm -f "$n" >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$BOXLAB_RUN_DIR" "$BOXLAB_LIB_DIR/images"
cp -a "$BUILD/images/busybox" "$BOXLAB_LIB_DIR/images/memhold"
# memhold N: touch N MiB, say so, then sleep: what is dumped is N MiB of
# dirty pages.  memhold reap CMD...: run CMD as a child subreaper, so the
# host-side processes criu kills and restores are reaped here (this
# machine's pid 1 may not reap, and criu restore needs the pid free).
cat >"$work/memhold.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "reap")) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		printf("%d\n", pid);
		fflush(stdout);
		while (wait(NULL) > 0)
			;
		return 0;
	}
	size_t n = strtoul(argv[1], NULL, 10) << 20;
	char *p = malloc(n);
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)i;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
C
cc -O2 -static -o "$BOXLAB_LIB_DIR/images/memhold/rootfs/bin/memhold" "$work/memhold.c"
mh="$BOXLAB_LIB_DIR/images/memhold/rootfs/bin/memhold"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_ready() { for _ in $(seq 600); do grep -q ready "$1" 2>/dev/null && return; sleep 0.05; done; echo "bench-criu: memhold did not start" >&2; exit 1; }

mkdir -p "$BUILD/bench"
csv="$BUILD/bench/criu.csv"
echo "mib,boxlab_dump_ms,boxlab_restore_ms,tree_dump_ms,tree_restore_ms,host_dump_ms,host_restore_ms,ratio_tree,ratio_host" >"$csv"
printf "%6s  %-15s  %-15s  %-15s  %s\n" MiB "boxlab dump/rst" "CRIU same tree" "CRIU host proc" "boxlab/tree (goal <= 1.1), boxlab/host"
ev_ms() { awk -F'\t' -v p="$2" '$3 == "checkpoint" && $4 == p {d = $2} END {print int(d / 1000)}' "$BOXLAB_RUN_DIR/$1/events.log"; }
for mib in $sizes; do
	# boxlab
	name="cr$mib"
	"$B" run -d --name "$name" --net=none memhold memhold "$mib" >/dev/null
	wait_ready "$BOXLAB_RUN_DIR/$name/stdout.log"
	t=$(now_ms); "$B" checkpoint "$name" >/dev/null; bd=$(($(now_ms) - t))
	td=$(ev_ms "$name" dump)
	t=$(now_ms); "$B" restore "$name" >/dev/null; br=$(($(now_ms) - t))
	tr=$(ev_ms "$name" restore)
	"$B" rm -f "$name" >/dev/null
	rm -rf "$BOXLAB_LIB_DIR/checkpoints/$name"
	# bare criu, the same program on the host, under a reaper of ours
	# (its stdout: the pid, then the program's "ready")
	"$mh" reap setsid "$mh" "$mib" >"$work/bare.out" 2>&1 </dev/null &
	reaper=$!
	wait_ready "$work/bare.out"
	bare_pid=$(head -1 "$work/bare.out")
	rm -rf "$work/img" && mkdir "$work/img"
	t=$(now_ms); "$criu" dump -t "$bare_pid" -D "$work/img" -o dump.log >/dev/null 2>&1; cd_=$(($(now_ms) - t))
	wait "$reaper" # it reaped the dumped process: its pid is free again
	# criu under a reaper too, which adopts the restored process; the
	# restore is done when criu writes the pid file.
	rm -f "$work/pid"
	t=$(now_ms)
	"$mh" reap "$criu" restore -d -D "$work/img" -o restore.log --pidfile "$work/pid" >/dev/null 2>&1 </dev/null &
	reaper=$!
	while [ ! -s "$work/pid" ] && kill -0 "$reaper" 2>/dev/null; do sleep 0.005; done
	cr=$(($(now_ms) - t))
	[ -s "$work/pid" ] || { echo "bench-criu: bare criu restore failed: $(tail -2 "$work/img/restore.log")" >&2; exit 1; }
	bare_pid=$(cat "$work/pid")
	kill -9 "$bare_pid"
	wait "$reaper"
	bare_pid=
	rm -rf "$work/img"
	rt=$(awk -v a=$((bd + br)) -v b=$((td + tr)) 'BEGIN {printf "%.2f", a / b}')
	rh=$(awk -v a=$((bd + br)) -v b=$((cd_ + cr)) 'BEGIN {printf "%.2f", a / b}')
	echo "$mib,$bd,$br,$td,$tr,$cd_,$cr,$rt,$rh" >>"$csv"
	printf "%6s  %6s/%-6s ms  %6s/%-6s ms  %6s/%-6s ms  %s, %s\n" "$mib" "$bd" "$br" "$td" "$tr" "$cd_" "$cr" "$rt" "$rh"
done
