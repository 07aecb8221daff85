#!/usr/bin/env bash
# make bench (scale part): 200 detached containers running at once.
#
# Measures, on this machine:
#   start    N sequential `run -d busybox sleep` (each returns once the
#            command runs): total time, containers per second, and the
#            slowest start; then the same again with 4 at a time
#   memory   what boxlab itself costs per running container: the Pss
#            (proportional set size: shared pages divided among their
#            users, from /proc/PID/smaps_rollup) of every boxlab process
#            of the container -- supervisor, boxlab-init, the seccomp
#            agent, a health monitor -- summed and divided by N; the
#            container's own command (sleep) is not boxlab's
#   ps       wall time of `boxlab ps`, `ps -a --json` with N containers
#   dash     draw and sample time per frame of `boxlab dash` at N (in a
#            pseudo-terminal, --bench-frames)
#   rm       removing all N again, 8 at a time
# Writes $BUILD/bench/scale.csv (metric,value,unit) and prints a summary.
# Goal (issue 14): <= 1 MiB of boxlab-owned Pss per detached container.
#
# Environment: BUILD (build), SCALE_N (200).  Everything lives in its own
# BOXLAB_RUN_DIR with names of its own; a trap removes every container it
# started, also when it fails or is interrupted.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${SCALE_N:-200}

die() {
	echo "bench-scale: $*" >&2
	exit 1
}

[[ $N =~ ^[1-9][0-9]*$ ]] || die "SCALE_N must be a positive number, not '$N'"
[ "$(id -u)" -eq 0 ] || die "must run as root: sudo make bench"
command -v script >/dev/null || die "script (util-linux) not found"
[ -x "$BUILD/boxlab" ] || die "$BUILD/boxlab missing: run 'make BUILD=$BUILD'"

export BOXLAB_RUN_DIR
BOXLAB_RUN_DIR=$(mktemp -d /run/boxlab-scale.XXXXXX)
# A copy of the binary: a rebuild while the bench runs (minutes) must not
# take away the one that has to remove the containers at the end.
boxlab=$(mktemp /tmp/boxlab-scale-bin.XXXXXX)
cp "$BUILD/boxlab" "$boxlab"
chmod 0755 "$boxlab"
prefix=sc$$
# Remove every container, then whatever gc finds; the state dir goes only
# when it is empty (never rm -rf: a live container's root is mounted in it).
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -d "$BOXLAB_RUN_DIR" ]; then
		# shellcheck disable=SC2012
		ls "$BOXLAB_RUN_DIR" | xargs -r -P 8 -n 10 timeout 120 "$boxlab" rm -f >/dev/null 2>&1 || true
		timeout 300 "$boxlab" gc >/dev/null 2>&1 || true
		rm -f "$BOXLAB_RUN_DIR/.gc.lock" # gc's own lock, not a container
		rmdir "$BOXLAB_RUN_DIR" 2>/dev/null ||
			{ echo "bench-scale: containers left in $BOXLAB_RUN_DIR:" >&2; ls "$BOXLAB_RUN_DIR" >&2; rc=1; }
	fi
	rm -f "$boxlab"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$BUILD/bench"
csv=$BUILD/bench/scale.csv
echo "metric,value,unit" > "$csv"
row() { echo "$1,$2,$3" >> "$csv"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
mem_avail_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

echo "bench-scale: $N containers (busybox sleep), state in $BOXLAB_RUN_DIR"
row loadavg_at_start "$(cut -d' ' -f1 /proc/loadavg)" load
avail0=$(mem_avail_kb)

# --- start, one at a time ---
slowest=0
t0=$(date +%s%N)
for i in $(seq 1 "$N"); do
	t=$(date +%s%N)
	"$boxlab" run -d --name "$prefix-$i" busybox sleep 100000 >/dev/null
	d=$(ms_since "$t")
	[ "$d" -gt "$slowest" ] && slowest=$d
done
total=$(ms_since "$t0")
rate=$(awk -v n="$N" -v ms="$total" 'BEGIN {printf "%.1f", n / (ms / 1000)}')
row start_sequential_total "$total" ms
row start_sequential_rate "$rate" per_s
row start_slowest "$slowest" ms
running=$("$boxlab" ps -q | wc -l)
[ "$running" -eq "$N" ] || die "only $running of $N containers are running"

# --- memory: boxlab's processes of every container ---
# shellcheck disable=SC2016
read -r sup init agent other nproc < <(
	for d in "$BOXLAB_RUN_DIR"/*/; do
		s=$(jq -r .supervisor "$d/state.json")
		echo "$s sup"
		for c in $(cat /proc/"$s"/task/*/children 2>/dev/null); do
			echo "$c $(cat /proc/"$c"/comm 2>/dev/null)"
		done
	done | while read -r pid what; do
		pss=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
		echo "$what ${pss:-0}"
	done | awk '
		$1 == "sup" { s += $2; n++ }
		$1 == "boxlab-init" { i += $2; n++ }
		$1 == "boxlab-seccomp" { a += $2; n++ }
		$1 ~ /^boxlab-/ && $1 != "boxlab-init" && $1 != "boxlab-seccomp" { o += $2; n++ }
		END { print s + 0, i + 0, a + 0, o + 0, n + 0 }')
per=$(awk -v t=$((sup + init + agent + other)) -v n="$N" 'BEGIN {printf "%.0f", t / n}')
avail1=$(mem_avail_kb)
host_per=$(( (avail0 - avail1) / N ))
row pss_supervisor_total "$sup" KiB
row pss_init_total "$init" KiB
row pss_seccomp_agent_total "$agent" KiB
row pss_other_total "$other" KiB
row boxlab_processes "$nproc" count
row pss_per_container "$per" KiB
row memavailable_drop_per_container "$host_per" KiB

# --- ps: wall time (what a user waits, on a machine others share too)
# and CPU time (user + system: what it costs) ---
for cmd in "ps" "ps -a --json"; do
	best=999999
	bestcpu=999999
	for _ in 1 2 3 4 5; do
		t=$(date +%s%N)
		# shellcheck disable=SC2086
		# perf's task-clock in ms (GNU time only counts 10 ms ticks)
		# (NA without perf, Debian's linux-perf)
		cpu=NA
		command -v perf >/dev/null &&
			cpu=$(perf stat -x, -e task-clock -- "$boxlab" $cmd 2>&1 >/dev/null | awk -F, '/task-clock/ {printf "%.1f", $1}')
		d=$(ms_since "$t")
		[ "$d" -lt "$best" ] && best=$d
		[ "$cpu" = NA ] && bestcpu=NA
		[ "$bestcpu" = NA ] || bestcpu=$(awk -v a="$cpu" -v b="$bestcpu" 'BEGIN {print (a + 0 < b + 0 ? a : b)}')
	done
	key=$(echo "$cmd" | tr ' -' '__' | sed 's/__*/_/g')
	row "${key}_wall_best_of_5" "$best" ms
	row "${key}_cpu_best_of_5" "$bestcpu" ms
done

# --- dash: frames in a pseudo-terminal ---
dash_out=$(TERM=xterm-256color COLUMNS=160 LINES=50 script -qec \
	"stty cols 160 rows 50; $boxlab dash --interval 0.2 --bench-frames 20" /dev/null </dev/null 2>&1 |
	tr -d '\r' | sed -n 's/.*\(boxlab dash: [0-9]* frames.*containers, mean [0-9.]* ms\).*/\1/p' | tail -1 || true)
draw=$(echo "$dash_out" | sed -n 's/.*draw mean \([0-9.]*\) ms.*/\1/p')
sample=$(echo "$dash_out" | sed -n 's/.*containers, mean \([0-9.]*\) ms.*/\1/p')
row dash_draw_mean "${draw:-NA}" ms
row dash_sample_mean "${sample:-NA}" ms

# --- remove, 8 at a time; then start again 4 at a time ---
t=$(date +%s%N)
"$boxlab" ps -aq | xargs -P 8 -n 10 "$boxlab" rm -f >/dev/null
row rm_all_parallel8 "$(ms_since "$t")" ms
t=$(date +%s%N)
seq 1 "$N" | xargs -P 4 -I{} "$boxlab" run -d --name "$prefix-p{}" busybox sleep 100000 >/dev/null
total4=$(ms_since "$t")
row start_parallel4_total "$total4" ms
row start_parallel4_rate "$(awk -v n="$N" -v ms="$total4" 'BEGIN {printf "%.1f", n / (ms / 1000)}')" per_s
[ "$("$boxlab" ps -q | wc -l)" -eq "$N" ] || die "parallel start: not all $N running"

echo
column -s, -t < "$csv"
echo
echo "bench-scale: $per KiB of boxlab Pss per container (goal <= 1024 KiB); written to $csv"
