#!/usr/bin/env bash
# make bench: how long does it take to start a container and see it exit?
#
# One hyperfine run (so all three share the same machine state) times
#   boxlab  boxlab run --rm --net=none busybox /bin/true, every default module on
#   floor   unshare -fpmuinC --mount-proc chroot ROOTFS /bin/true, the least a
#           runtime can do: the namespaces, a fresh /proc, a root switch
#   runc    runc run of an equivalent bundle (same rootfs, same namespaces
#           including user and cgroup, same uid range), built here
# and, in the same run, where boxlab's time goes: issue 3's bare prototype
# (scripts/bench-proto.c) with boxlab's default features added to it one
# at a time (scripts/proto-ladder.sh); then the peak RSS of the boxlab
# process during `run` with GNU time.
#
# Writes $BUILD/bench/start.csv (boxlab, floor, runc), ladder.csv (floor,
# the prototype's steps, boxlab) and start.json (hyperfine's raw data).
# Goals from issue 3: boxlab <= 1.0x the floor, runc/boxlab >= 5, peak
# RSS <= 4 MiB.  BENCH_STRICT=1 exits 1 on a miss.
#
# Environment: BUILD (default build), BENCH_RUNS (30), BENCH_WARMUP (3),
# BENCH_RSS_RUNS (10), BENCH_STRICT (0), BENCH_TMPFS (1: boxlab's state
# dirs, overlay upper layers included, on the tmpfs boxlab gives its
# default run dir; 0 keeps them on the disk under /run, to see the cost).
# Needs hyperfine, runc, jq and GNU time (all in scripts/deps.sh).
#
# Everything it makes lives in one temp dir: boxlab's state (its own
# BOXLAB_RUN_DIR), runc's state (its own --root) and the bundle, so the
# cleanup never sees, let alone touches, anyone else's containers.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
RSS_RUNS=${BENCH_RSS_RUNS:-10}
STRICT=${BENCH_STRICT:-0}

die() {
	echo "bench: $*" >&2
	exit 1
}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive number, not '$RUNS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a number, not '$WARMUP'"
[[ $RSS_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RSS_RUNS must be a positive number, not '$RSS_RUNS'"
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, overlay mounts, runc): sudo make bench"
for tool in hyperfine runc jq unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool not found: run 'sudo make deps'"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package 'time'): run 'sudo make deps'"

boxlab=$(realpath "$BUILD/boxlab" 2>/dev/null) || die "$BUILD/boxlab missing: run 'make BUILD=$BUILD'"
rootfs=$(realpath "$BUILD/images/busybox/rootfs" 2>/dev/null) || die "$BUILD/images/busybox/rootfs missing: run 'make BUILD=$BUILD'"
proto=$(realpath "$BUILD/bench-proto" 2>/dev/null) || die "$BUILD/bench-proto missing: run 'make BUILD=$BUILD'"
# hyperfine -N splits command lines on blanks, and so does our own check.
case "$boxlab$rootfs$proto" in *[[:space:]]*) die "the build path may not contain blanks: $boxlab" ;; esac
[ -x "$rootfs/bin/busybox" ] || die "$rootfs has no bin/busybox: run 'make BUILD=$BUILD image'"
outdir="$BUILD/bench"
mkdir -p "$outdir"

work=$(mktemp -d /run/boxlab-bench.XXXXXX)
# Container root (an unprivileged uid on the host) must be able to walk
# down to its rootfs, as through /run/boxlab.
chmod 0711 "$work"
runc_root="$work/runc"
runc_id="bench-$$"
runc_cg="/boxlab/bench-$$-runc"
hf_pid=
export BOXLAB_RUN_DIR="$work/boxlab"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$hf_pid" ] && kill -0 "$hf_pid" 2>/dev/null; then
		kill -TERM "$hf_pid" 2>/dev/null || true
		wait "$hf_pid" 2>/dev/null || true
	fi
	# The command hyperfine was timing may outlive it by a few ms.
	sleep 0.2
	if [ -d "$runc_root" ]; then
		local id
		for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
			runc --root "$runc_root" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
	if [ -d "$BOXLAB_RUN_DIR" ]; then
		"$boxlab" gc >/dev/null 2>&1 || true
		local name
		for name in $(ls "$BOXLAB_RUN_DIR" 2>/dev/null); do
			"$boxlab" rm -f "$name" >/dev/null 2>&1 || true
		done
	fi
	# Whatever is still mounted under our dir (deepest first), then the dir.
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
	local cg
	for cg in /sys/fs/cgroup/*"$runc_cg" /sys/fs/cgroup"$runc_cg"; do
		[ -d "$cg" ] && rmdir "$cg" 2>/dev/null || true
	done
	ladder_cleanup "bench-$$-ladder"
	exit "$rc"
}
# shellcheck source=proto-ladder.sh
. scripts/proto-ladder.sh
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# boxlab mounts a tmpfs on its default run dir where /run is on disk
# (src/core/rundir.c); ours is not the default, so it is asked to.
export BOXLAB_RUN_TMPFS=${BENCH_TMPFS:-1}

# --- the runc bundle: runc's default spec, made equivalent to boxlab's defaults
bundle="$work/bundle"
cg_tag="bench-$$"
# shellcheck source=runc-bundle.sh
. scripts/runc-bundle.sh
make_runc_bundle "$bundle" '["/bin/true"]'
mkdir -p "$BOXLAB_RUN_DIR" "$work/ladder"
ladder_prepare "$work/ladder" "bench-$$-ladder"

cmd_boxlab="$boxlab run --rm --net=none busybox /bin/true"
# The ladder's first step (scripts/proto-ladder.sh).
cmd_floor=${ladder_cmds[0]}
# runc run without --detach destroys the container when it exits, so one
# fixed id in our private --root is safe for sequential runs.
cmd_runc="runc --root $runc_root run --bundle $bundle $runc_id"

# Each must work before its time means anything.
ladder=()
for ((i = 1; i < ${#ladder_names[@]}; i++)); do
	ladder+=(-n "${ladder_names[i]}" "${ladder_cmds[i]}")
done
for c in "$cmd_boxlab" "$cmd_runc" "${ladder_cmds[@]}"; do
	out=$($c 2>&1) || die "this command fails, nothing to measure: $c"$'\n'"$out"
done
[ -z "$(runc --root "$runc_root" list -q)" ] || die "runc run left its container behind; cannot time it this way"

echo "bench: $RUNS runs (+$WARMUP warmup) each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"kernel $(uname -r), boxlab state on $(findmnt -n -o FSTYPE -T "$BOXLAB_RUN_DIR")"
# Into the temp dir first: an interrupted run leaves the last results alone.
json="$work/start.json"
# -N: no shell in between, so nothing needs subtracting.
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
	-n boxlab "$cmd_boxlab" -n floor "$cmd_floor" -n runc "$cmd_runc" "${ladder[@]}" &
hf_pid=$!
wait "$hf_pid"
hf_pid=

# Peak RSS: ru_maxrss of boxlab as reaped by GNU time (wait4), which is the
# largest of boxlab and the descendants it reaped (its init, /bin/true).
rss=()
for ((i = 0; i < RSS_RUNS; i++)); do
	/usr/bin/time -f %M -o "$work/rss" $cmd_boxlab
	rss+=("$(tail -n1 "$work/rss")")
done
rss_max=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n1)
rss_med=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(((RSS_RUNS + 1) / 2))p")

csv="$outdir/start.csv"
jq -r --arg boxlab "$cmd_boxlab" --arg floor "$cmd_floor" --arg runc "$cmd_runc" --argjson rss "$rss_max" '
	def ms: . * 1000 * 1000 | round / 1000;
	{boxlab: $boxlab, floor: $floor, runc: $runc} as $cmd |
	(.results[] | select(.command == "floor") | .mean) as $floor_mean |
	"benchmark,command,runs,mean_ms,stddev_ms,median_ms,min_ms,max_ms,user_ms,system_ms,ratio_to_floor,peak_rss_kib",
	(.results[] | select(.command == "boxlab" or .command == "floor" or .command == "runc") |
		[.command, $cmd[.command], (.times | length),
		(.mean | ms), (.stddev | ms), (.median | ms), (.min | ms), (.max | ms), (.user | ms), (.system | ms),
		(.mean / $floor_mean * 1000 | round / 1000),
		(if .command == "boxlab" then $rss else "" end)] | @csv)' "$json" >"$work/start.csv"
mv "$work/start.csv" "$csv"
cp "$json" "$outdir/start.json"
ladder_csv "$json" >"$work/ladder.csv"
mv "$work/ladder.csv" "$outdir/ladder.csv"

read -r b_mean b_sd b_med f_mean f_sd f_med r_mean r_sd r_med < <(jq -r '
	[(.results[] | select(.command == "boxlab")), (.results[] | select(.command == "floor")),
	 (.results[] | select(.command == "runc"))] | map(.mean * 1000, .stddev * 1000, .median * 1000) | @tsv' "$json")
missed=0
verdict() {
	if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISSED; fi
}
r_floor=$(awk -v a="$b_mean" -v b="$f_mean" 'BEGIN { printf "%.2f", a / b }')
r_runc=$(awk -v a="$r_mean" -v b="$b_mean" 'BEGIN { printf "%.2f", a / b }')
v_floor=$(verdict "$r_floor <= 1.0")
v_runc=$(verdict "$r_runc >= 5.0")
v_rss=$(verdict "$rss_max <= 4096")
case "$v_floor $v_runc $v_rss" in *MISSED*) missed=1 ;; esac

echo
echo "start latency, mean ± σ (median) of $RUNS runs; load now $(cut -d' ' -f1-3 /proc/loadavg):"
printf '  %-7s %7.1f ms ± %5.1f ms (%6.1f ms)   %s\n' boxlab "$b_mean" "$b_sd" "$b_med" "$cmd_boxlab" \
	floor "$f_mean" "$f_sd" "$f_med" "$cmd_floor" runc "$r_mean" "$r_sd" "$r_med" "$cmd_runc"
printf '  boxlab/floor = %s   (goal <= 1.0)  %s\n' "$r_floor" "$v_floor"
printf '  runc/boxlab  = %s   (goal >= 5)    %s\n' "$r_runc" "$v_runc"
printf '  peak RSS of boxlab run: max %d KiB, median %d KiB of %d runs   (goal <= 4096 KiB)  %s\n' \
	"$rss_max" "$rss_med" "$RSS_RUNS" "$v_rss"
echo
echo "where the time goes: issue 3's bare prototype, then boxlab's default features one at a time:"
csv_rows=$(tail -n +2 "$outdir/ladder.csv" | tr -d '"')
while IFS=, read -r v _ mean sd _ added ratio; do
	printf '  %-10s %6.2f ms ± %4.2f  %9s  %.2f x floor\n' "$v" "$mean" "$sd" "${added:+$(printf '%+.2f ms' "$added")}" "$ratio"
done <<<"$csv_rows"
echo "  (+lo: every default feature with nothing around them; boxlab against +lo: the runtime itself)"
echo "  written: $csv, $outdir/ladder.csv, $outdir/start.json"
if [ "$STRICT" = 1 ] && [ "$missed" = 1 ]; then
	exit 1
fi
exit 0
