#!/usr/bin/env bash
# Seccomp benchmark (not a test): filter compile + load time, and the
# cost of the default filter on a getpid loop against no filter, measured
# in the same run, alternating, so machine load hits both alike.
#   usage: BUILD=build bash scripts/bench-seccomp.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$PWD/$BUILD/boxlab"
rounds=${1:-7}
loops=2000000

work=$(mktemp -d /run/boxlab-bench.XXXXXX)
trap 'for n in $(ls "$work/run" 2>/dev/null); do BOXLAB_RUN_DIR="$work/run" "$B" rm -f "$n" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
chmod 755 "$work"
export BOXLAB_LIB_DIR="$work/lib" BOXLAB_RUN_DIR="$work/run"
mkdir -p "$BOXLAB_LIB_DIR/images" "$BOXLAB_RUN_DIR"
cp -a "$BUILD/images/busybox" "$BOXLAB_LIB_DIR/images/sectest"
cc -static -O2 -o "$BOXLAB_LIB_DIR/images/sectest/rootfs/bin/sectest" tests/helpers/sectest.c

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: >"$work/off"
: >"$work/on"
: >"$work/compile"
: >"$work/load"
for i in $(seq "$rounds"); do
	"$B" run --rm --no-seccomp sectest sectest bench $loops >>"$work/off"
	rm -rf "$BOXLAB_LIB_DIR/cache" # the compile itself, not the cache (below)
	"$B" run --name "bench$i" sectest sectest bench $loops >>"$work/on"
	sed -n 's/.*seccomp\tcompile\t.*compiled in \([0-9]*\) us/\1/p' "$BOXLAB_RUN_DIR/bench$i/events.log" >>"$work/compile"
	sed -n 's/.*seccomp\tload\t.*loaded in \([0-9]*\) us.*/\1/p' "$BOXLAB_RUN_DIR/bench$i/events.log" >>"$work/load"
	"$B" rm -f "bench$i" >/dev/null
done
# What a start usually pays: the program from the cache of compiled ones.
: >"$work/cached"
for i in $(seq "$rounds"); do
	"$B" run --name "cached$i" sectest true
	sed -n 's/.*seccomp\tcompile\t.*from the cache in \([0-9]*\) us/\1/p' "$BOXLAB_RUN_DIR/cached$i/events.log" >>"$work/cached"
	"$B" rm -f "cached$i" >/dev/null
done
echo "  raw no filter: $(tr "\n" " " <"$work/off")"; echo "  raw default:   $(tr "\n" " " <"$work/on")"
off=$(median <"$work/off")
on=$(median <"$work/on")
c=$(median <"$work/compile")
l=$(median <"$work/load")
insns=$("$B" seccomp show default | sed -n 's/^compiled: \([0-9]*\) BPF.*/\1/p')
echo "seccomp default profile, $insns BPF instructions, x86_64 + i386 + x32; medians of $rounds runs"
echo "  compile (prepare)      ${c} us"
echo "  load (seccomp(2))      ${l} us"
echo "  compile + load         $((c + l)) us   (goal <= 2000 us)"
echo "  from the cache instead  $(median <"$work/cached") us   (seccomp_cache.c: what a start usually pays)"
echo "  getpid, no filter      ${off} ns"
echo "  getpid, default filter ${on} ns"
awk -v a="$off" -v b="$on" 'BEGIN {printf "  overhead (medians)     %.1f %%   (goal <= 15 %%)\n", (b - a) * 100 / a}'
# Minimums are less hurt by a busy machine than medians.
awk -v a="$(sort -n "$work/off" | head -1)" -v b="$(sort -n "$work/on" | head -1)" \
	'BEGIN {printf "  overhead (minimums)    %.1f %%   (%s vs %s ns)\n", (b - a) * 100 / a, b, a}'
# What any seccomp filter costs here: a one-instruction allow-all filter
# on the same getpid loop, outside any container.  The kernel caches
# always-allowed syscalls (no filter run), so what is left is the
# syscall entry's seccomp slow path itself: the floor for every profile.
cat >"$work/allowall.c" <<'C'
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static double ns_per_call(void)
{
	double best = 1e9;
	for (int r = 0; r < 5; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < 2000000; i++)
			syscall(SYS_getpid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 2000000.0;
		best = ns < best ? ns : best;
	}
	return best;
}
int main(void)
{
	double off = ns_per_call();
	struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog p = {1, f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p))
		return 1;
	double on = ns_per_call();
	printf("  allow-all filter       %.1f %%   (%.1f vs %.1f ns, minimums: any filter's floor here)\n",
	       (on - off) * 100 / off, on, off);
	return 0;
}
C
cc -O2 -o "$work/allowall" "$work/allowall.c" && "$work/allowall"
