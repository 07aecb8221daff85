#!/usr/bin/env bash
# Where does `boxlab run` spend its time?  A companion to bench.sh, for
# finding what to make faster rather than for reporting a figure.
#
# 1. Module costs: boxlab with every default module on, with each one
#    switched off in turn, with --isolation=none, the unshare floor and a
#    bare process start, run round-robin (one of each per round) so that
#    load from other work on the machine hits every variant alike.  A
#    module's cost is median(all on) - median(that one off).
# 2. Timeline: the median start and duration of every step in
#    `boxlab events` over detached containers, plus the gaps between the
#    steps, which no event covers.
#
# Usage: BUILD=build bash scripts/bench-profile.sh [ROUNDS] (default 30).
# Runs as root; its containers live in a private BOXLAB_RUN_DIR, on the
# tmpfs boxlab gives its default run dir (BENCH_TMPFS=0: on the disk under
# /run, to see what that costs where /run is not a tmpfs).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${1:-30}

die() {
	echo "bench-profile: $*" >&2
	exit 1
}

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v jq >/dev/null || die "jq not found: run 'sudo make deps'"
boxlab=$(realpath "$BUILD/boxlab" 2>/dev/null) || die "$BUILD/boxlab missing: run 'make BUILD=$BUILD'"
rootfs=$(realpath "$BUILD/images/busybox/rootfs" 2>/dev/null) || die "$BUILD/images/busybox/rootfs missing"

work=$(mktemp -d /run/boxlab-profile.XXXXXX)
chmod 0711 "$work"
export BOXLAB_RUN_DIR="$work/boxlab"
cleanup() {
	local rc=$? name
	trap - EXIT INT TERM HUP
	if [ -d "$BOXLAB_RUN_DIR" ]; then
		"$boxlab" gc >/dev/null 2>&1 || true
		for name in $(ls "$BOXLAB_RUN_DIR" 2>/dev/null); do
			"$boxlab" rm -f "$name" >/dev/null 2>&1 || true
		done
	fi
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# boxlab mounts a tmpfs on its default run dir where /run is on disk
# (src/core/rundir.c); ours is not the default, so it is asked to.
export BOXLAB_RUN_TMPFS=${BENCH_TMPFS:-1}

# The default modules, as boxlab itself reports them.
probe=bnp$RANDOM
"$boxlab" run -d --name "$probe" busybox /bin/true >/dev/null
for _ in $(seq 50); do
	[ "$("$boxlab" inspect --json "$probe" | jq -r .status)" = exited ] && break
	sleep 0.05
done
mapfile -t modules < <("$boxlab" inspect --json "$probe" | jq -r '.modules[]')
"$boxlab" rm -f "$probe" >/dev/null

names=(all)
cmds=("$boxlab run --rm busybox /bin/true")
for m in "${modules[@]}"; do
	names+=("no-$m")
	cmds+=("$boxlab run --rm --no-$m busybox /bin/true")
done
names+=(none floor start)
cmds+=("$boxlab run --rm --isolation=none busybox /bin/true"
	"unshare -fpmuinC --mount-proc chroot $rootfs /bin/true"
	"$boxlab --version")

n=${#cmds[@]}
declare -A times
for c in "${cmds[@]}"; do
	$c >/dev/null 2>&1 || die "this command fails: $c"
done
echo "bench-profile: $ROUNDS rounds of $n variants, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"state in $BOXLAB_RUN_DIR ($(findmnt -n -o FSTYPE -T "$BOXLAB_RUN_DIR"))"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < n; k++)); do
		# Rotate the order, so no variant always follows the same one.
		i=$(((k + r) % n))
		t0=$EPOCHREALTIME
		${cmds[i]} >/dev/null 2>&1 || die "failed in round $r: ${cmds[i]}"
		t1=$EPOCHREALTIME
		times[$i]+="$(((${t1/./} - ${t0/./})))"$'\n'
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'; }
all_med=$(printf '%s' "${times[0]}" | median)
echo
echo "1. wall time per variant (median of $ROUNDS, ms; includes bash's fork+exec, equal for all)"
printf '   %-14s %8s %10s   %s\n' variant median "all - this" command
for ((i = 0; i < n; i++)); do
	med=$(printf '%s' "${times[$i]}" | median)
	printf '   %-14s %8.2f %10.2f   %s\n' "${names[i]}" "$med" "$(awk -v a="$all_med" -v b="$med" 'BEGIN { print a - b }')" "${cmds[i]}"
done

echo
echo "2. timeline of 'boxlab run -d busybox /bin/true' (median of $ROUNDS containers, µs since boxlab's t0)"
evs="$work/events"
mkdir -p "$evs"
for ((r = 0; r < ROUNDS; r++)); do
	name=bnp$RANDOM$r
	"$boxlab" run -d --name "$name" busybox /bin/true >/dev/null
	for _ in $(seq 100); do
		[ "$("$boxlab" inspect --json "$name" | jq -r .status)" = exited ] && break
		sleep 0.02
	done
	"$boxlab" events --json "$name" >"$evs/$r.json"
	"$boxlab" rm -f "$name" >/dev/null
done
# Steps in the order they end; "adds" is how much later this step ended
# than the one before, so the column sums to the whole run, and a step
# spanning others (core/running) shows only the part none of them covers.
jq -rs '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	(map(.[]) | group_by(.module + "/" + .phase) | map({key: (.[0].module + "/" + .[0].phase),
		start: (map(.time_us) | median), dur: (map(.duration_us) | median),
		end: (map(.time_us + .duration_us) | median)}) | sort_by(.end)) as $steps |
	["step", "start", "dur", "end", "adds"],
	(foreach $steps[] as $s ({prev: 0}; {row: [$s.key, $s.start, $s.dur, $s.end, ($s.end - .prev)], prev: $s.end}; .row))
	| @tsv' "$evs"/*.json |
	awk -F'\t' 'NR == 1 { printf "   %-22s %9s %9s %9s %9s\n", $1, $2, $3, $4, $5; next }
		{ printf "   %-22s %9.0f %9.0f %9.0f %9.0f\n", $1, $2, $3, $4, $5 }'
