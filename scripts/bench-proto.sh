#!/usr/bin/env bash
# make bench, part 2: where does boxlab's start time go?  Issue 3's bare
# prototype (scripts/bench-proto.c: seven namespaces, id maps, three v1
# cgroups with limits, pivot_root, /proc, 14 capabilities, no_new_privs,
# boxlab's seccomp program), then boxlab's other default features added to
# it one at a time, in one hyperfine run with the floor and boxlab itself:
#
#   floor      unshare -fpmuinC --mount-proc chroot ROOTFS /bin/true
#   proto      the bare prototype
#   +init      ... with an init as pid 1 that forks the command
#   +7cgroups  ... seven cgroups (cpuacct, blkio, devices, freezer more)
#   +state     ... a state dir with five files
#   +overlay   ... an overlay root, mounted and unmounted on the host
#   +sys       ... a read-only /sys
#   +masks     ... Docker's masked and read-only /proc and /sys paths
#   +dev       ... /dev on tmpfs with six devices, devpts, shm
#   +lo        ... the loopback interface up
#   boxlab     boxlab run --rm --net=none busybox /bin/true
#
# "+lo" has every default feature boxlab's run has, with nothing around
# it; boxlab minus "+lo" is what the runtime itself costs (CLI, config,
# state.json, timeline, output relay, error reporting, the seccomp agent).
#
# Writes $BUILD/bench/proto.csv.  Environment: BUILD (build), BENCH_RUNS
# (30), BENCH_WARMUP (3).  Needs hyperfine and jq; runs as root.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}

die() {
	echo "bench-proto: $*" >&2
	exit 1
}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive number, not '$RUNS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a number, not '$WARMUP'"
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups, mounts): sudo make bench"
for tool in hyperfine jq unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool not found: run 'sudo make deps'"
done
boxlab=$(realpath "$BUILD/boxlab" 2>/dev/null) || die "$BUILD/boxlab missing: run 'make BUILD=$BUILD'"
rootfs=$(realpath "$BUILD/images/busybox/rootfs" 2>/dev/null) || die "$BUILD/images/busybox/rootfs missing: run 'make BUILD=$BUILD'"
proto=$(realpath "$BUILD/bench-proto" 2>/dev/null) || die "$BUILD/bench-proto missing: run 'make BUILD=$BUILD'"
case "$boxlab$rootfs$proto" in *[[:space:]]*) die "the build path may not contain blanks: $boxlab" ;; esac
outdir="$BUILD/bench"
mkdir -p "$outdir"

work=$(mktemp -d /run/boxlab-bench-proto.XXXXXX)
chmod 0711 "$work"
export BOXLAB_RUN_DIR="$work/boxlab"
export BOXLAB_RUN_TMPFS=1
name="bench-proto-$$"
hf_pid=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$hf_pid" ] && kill -0 "$hf_pid" 2>/dev/null; then
		kill -TERM "$hf_pid" 2>/dev/null || true
		wait "$hf_pid" 2>/dev/null || true
	fi
	sleep 0.2
	if [ -d "$BOXLAB_RUN_DIR" ]; then
		"$boxlab" rm -f "$name" >/dev/null 2>&1 || true
		"$boxlab" gc >/dev/null 2>&1 || true
	fi
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
	ladder_cleanup "$name"
	exit "$rc"
}
# shellcheck source=proto-ladder.sh
. scripts/proto-ladder.sh
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$BOXLAB_RUN_DIR"
ladder_prepare "$work" "$name"
names=("${ladder_names[@]}" boxlab)
cmds=("${ladder_cmds[@]}" "$boxlab run --rm --net=none busybox /bin/true")
args=()
for i in "${!names[@]}"; do
	out=$(${cmds[i]} 2>&1) || die "this command fails, nothing to measure: ${cmds[i]}"$'\n'"$out"
	args+=(-n "${names[i]}" "${cmds[i]}")
done

echo "bench-proto: $RUNS runs (+$WARMUP warmup) each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
json="$work/proto.json"
hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" "${args[@]}" \
	>"$work/hyperfine.txt" 2>&1 &
hf_pid=$!
wait "$hf_pid" || die "hyperfine failed: $(tail -n 5 "$work/hyperfine.txt")"
hf_pid=

jq -r '
	def ms: . * 1000 * 100 | round / 100;
	(.results[] | select(.command == "floor") | .mean) as $floor |
	"variant,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor",
	([.results[]] | to_entries[] | .key as $k | .value as $r |
		[$r.command, ($r.mean | ms), ($r.stddev | ms), ($r.median | ms),
		 (if $k < 2 then "" else ($r.mean - $prev[$k - 1]) | ms end),
		 ($r.mean / $floor * 100 | round / 100)] | @csv)' \
	--argjson prev "$(jq '[.results[].mean]' "$json")" "$json" >"$work/proto.csv"
mv "$work/proto.csv" "$outdir/proto.csv"

echo
echo "start latency, mean ± σ of $RUNS runs; each + adds one of boxlab's default features to the line above:"
jq -r '.results | to_entries[] | [.key, .value.command, .value.mean * 1000, .value.stddev * 1000] | @tsv' "$json" |
	awk -F'\t' '
		$1 == 0 { floor = $3 }
		{ added = ($1 >= 2) ? sprintf("%+6.2f ms", $3 - prev) : "         "
		  printf "  %-10s %6.2f ms ± %4.2f   %s   %.2f x floor\n", $2, $3, $4, added, $3 / floor; prev = $3 }'
echo "  (proto: issue 3's bare prototype; +lo: every default feature of boxlab, nothing around them;"
echo "   boxlab minus +lo: the runtime itself)"
echo "  written: $outdir/proto.csv"
