#!/usr/bin/env bash
# Benchmark (not a test) for image import (issue 5): `boxlab image import`
# of a ~100 MiB rootfs tar against `tar -x` of the same file into a fresh
# directory, alternating, in the same run.  Goal: boxlab <= 1.5x tar.
# (The overlay's own cost at start is on every container's timeline:
# `boxlab events NAME`, rootfs/overlay.)
# Usage: BUILD=build bash scripts/bench-import.sh [ROUNDS] [MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$PWD/$BUILD/boxlab"
rounds=${1:-5}
mib=${2:-100}
[ "$(id -u)" -eq 0 ] || { echo "bench-import: must run as root" >&2; exit 1; }
work=$(mktemp -d /var/tmp/boxlab-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export BOXLAB_LIB_DIR="$work/lib" BOXLAB_RUN_DIR="$work/run"
mkdir -p "$BOXLAB_LIB_DIR/images" "$BOXLAB_RUN_DIR" "$work/src"
# The busybox rootfs plus files of mixed sizes (incompressible, like
# binaries): 1 MiB ones and many small ones.
cp -a "$BUILD/images/busybox/rootfs/." "$work/src/"
mkdir -p "$work/src/usr/share/data"
for i in $(seq $((mib * 7 / 10))); do head -c 1048576 /dev/urandom >"$work/src/usr/share/data/big$i"; done
for i in $(seq 3000); do head -c 10000 /dev/urandom >"$work/src/usr/share/data/small$i"; done
tar -C "$work/src" -cf "$work/rootfs.tar" .
size=$(du -m "$work/rootfs.tar" | cut -f1)
median() { sort -n | awk '{v[NR] = $1} END {print int((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
: >"$work/bx"
: >"$work/tar"
for i in $(seq "$rounds"); do
	sync
	t=$(now_ms); "$B" image import "$work/rootfs.tar" "imp$i" >/dev/null; echo $(($(now_ms) - t)) >>"$work/bx"
	"$B" image rm "imp$i" >/dev/null
	mkdir "$work/x"
	sync
	t=$(now_ms); tar -C "$work/x" -xf "$work/rootfs.tar"; echo $(($(now_ms) - t)) >>"$work/tar"
	rm -rf "$work/x"
done
bx=$(median <"$work/bx") tr=$(median <"$work/tar")
echo "image import of a $size MiB rootfs tar, medians of $rounds rounds"
echo "  boxlab image import   $bx ms"
echo "  tar -x                $tr ms"
awk -v a="$bx" -v b="$tr" 'BEGIN {printf "  ratio                 %.2f   (goal <= 1.5)\n", a / b}'
