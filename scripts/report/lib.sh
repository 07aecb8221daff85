# Shared by the parts of `make report` (sourced by scripts/report/run.sh).
#
# Everything a measurement makes lives in one temp dir, $work: boxlab's
# state (BOXLAB_RUN_DIR) and library (BOXLAB_LIB_DIR: the shifted image
# copy and the checkpoints), runc's and podman's state, tmux's socket.  So
# cleanup never sees anyone else's containers, and the host's
# /var/lib/boxlab is never written.  Container and cgroup names start
# with "rpt-": cgroups are boxlab/<name> host-wide.

# shellcheck source=../runc-bundle.sh
. scripts/runc-bundle.sh

die() {
	echo "report: $*" >&2
	exit 1
}

say() {
	echo "report: $*" >&2
}

# QUICK=1: a few iterations and small sizes, for CI (< 2 minutes).
quick() { [ "${QUICK:-0}" = 1 ]; }

# The median of numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# Microseconds since an arbitrary point, from bash's own clock (no fork).
now_us() {
	local t=$EPOCHREALTIME
	echo $((10#${t/./}))
}

# Rounds of one run of every variant, each round in a rotated order,
# rather than all runs of one variant, then all of the next: on a shared
# machine load comes and goes, and must hit every variant alike.
# hyperfine -N (no shell in between) times each run.  Prints hyperfine's
# JSON with one result per variant holding every round's time; DIR keeps
# the rounds' own files.
rotated_rounds() { # DIR RUNS WARMUP NAME CMD [NAME CMD ...]
	local dir=$1 runs=$2 warmup=$3 r j i out
	shift 3
	local names=() cmds=()
	while [ $# -gt 0 ]; do
		names+=("$1") cmds+=("$2")
		shift 2
	done
	local n=${#names[@]} args
	mkdir -p "$dir"
	for ((r = -warmup; r < runs; r++)); do
		args=()
		for ((j = 0; j < n; j++)); do
			i=$(((j + r + n) % n))
			args+=(-n "${names[i]}" "${cmds[i]}")
		done
		if ! hyperfine -N --style none --runs 1 --export-json "$dir/$r.json" "${args[@]}" \
			>"$dir/hyperfine.txt" 2>&1; then
			# Which one, and why: run each once more, showing its output.
			for ((j = 1; j < ${#args[@]}; j += 3)); do
				out=$(${args[j + 1]} 2>&1 </dev/null) ||
					die "in round $r, ${args[j]} failed: ${args[j + 1]}"$'\n'"$out"
			done
			die "hyperfine failed in round $r, and no command fails again: $(cat "$dir/hyperfine.txt")"
		fi
		[ "$r" -ge 0 ] || rm "$dir/$r.json"
	done
	jq -s '{results: (map(.results[]) | group_by(.command) | map({command: .[0].command, times: map(.times[])}) |
		map(.times as $t | ($t | add / length) as $m | . + {mean: $m, min: ($t | min), max: ($t | max),
			median: ($t | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end),
			stddev: (if ($t | length) > 1 then ($t | map((. - $m) * (. - $m)) | add / (length - 1) | sqrt) else 0 end)}))}' \
		"$dir"/[0-9]*.json
}

# Wait until COMMAND succeeds, at most SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

report_setup() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups, runc, CRIU): sudo make report"
	local t
	for t in hyperfine runc jq unshare chroot gnuplot tmux gcc; do
		command -v "$t" >/dev/null || die "$t not found: run 'sudo make deps'"
	done
	boxlab=$(realpath "$BUILD/boxlab" 2>/dev/null) || die "$BUILD/boxlab missing: run 'make BUILD=$BUILD'"
	rootfs=$(realpath "$BUILD/images/busybox/rootfs" 2>/dev/null) || die "$BUILD/images/busybox/rootfs missing: run 'make'"
	# hyperfine -N splits command lines on blanks.
	case "$boxlab$rootfs" in *[[:space:]]*) die "the build path may not contain blanks: $boxlab" ;; esac

	work=$(mktemp -d /run/boxlab-report.XXXXXX)
	# Container root (an unprivileged host uid) must walk down to its rootfs.
	chmod 0711 "$work"
	export BOXLAB_RUN_DIR="$work/run" BOXLAB_LIB_DIR="$work/lib"
	# State in RAM, as boxlab keeps its default run dir (src/core/rundir.c);
	# the cleanup unmounts everything under $work.
	export BOXLAB_RUN_TMPFS=${BENCH_TMPFS:-1}
	mkdir -p "$BOXLAB_RUN_DIR" "$BOXLAB_LIB_DIR" "$work/tmp"
	chmod 0711 "$BOXLAB_RUN_DIR" "$BOXLAB_LIB_DIR"
	runc_root="$work/runc"
	tmux_sock="$work/tmux.sock"
	cg_tag="rpt-$$"
	trap report_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

report_cleanup() {
	local rc=$? id name cg
	trap - EXIT INT TERM HUP
	[ -n "${work:-}" ] && [ -d "$work" ] || exit "$rc"
	tmux -S "$tmux_sock" kill-server 2>/dev/null || true
	if [ -d "$runc_root" ]; then
		for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
			runc --root "$runc_root" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
	if [ -d "$work/podman" ]; then
		podman_cmd rm -af >/dev/null 2>&1 || true
	fi
	"$boxlab" gc >/dev/null 2>&1 || true
	for name in $(ls "$BOXLAB_RUN_DIR" 2>/dev/null); do
		"$boxlab" rm -f "$name" >/dev/null 2>&1 || true
	done
	sleep 0.2
	# Whatever is still mounted under our dir (deepest first), then the dir.
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
	# runc's and podman's cgroups (boxlab's own go with its containers).
	# podman's cleanup process (conmon's exit command) may still be in
	# them for a moment after `podman run` returned: retry a few seconds.
	local i left
	for ((i = 0; i < 50; i++)); do
		left=0
		for cg in /sys/fs/cgroup/*/boxlab/"$cg_tag"* /sys/fs/cgroup/boxlab/"$cg_tag"*; do
			[ -d "$cg" ] || continue
			find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || left=1
		done
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	[ "$left" = 0 ] || echo "report: could not remove cgroups $(ls -d /sys/fs/cgroup/*/boxlab/"$cg_tag"* 2>/dev/null)" >&2
	exit "$rc"
}

# podman with all its state in $work: storage, run dir, temp files,
# cgroups under boxlab/, no network (a network would mean a bridge and
# NAT rules on the host).  nofile and nproc at or below the hard limits:
# CAP_SYS_RESOURCE is not in our bounding set, and podman's defaults
# (1048576) cannot be set here.  --cgroups=no-conmon: conmon outlives
# `podman run` and would otherwise make (and leave) cgroups of its own
# under the parent, after our cleanup ran.
podman_cmd() {
	podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp" \
		--cgroup-manager cgroupfs "$@"
}
podman_run_args() {
	echo "run --rm --network none --cgroups=no-conmon --ulimit nofile=1024:1024 --ulimit nproc=1024:1024" \
		"--cgroup-parent /boxlab/$cg_tag-podman --rootfs $rootfs"
}

# Wait until a detached container has exited (or at most 10 s).
wait_exited() {
	wait_until 10 sh -c "[ \"\$('$boxlab' inspect --json '$1' | jq -r .status)\" = exited ]"
}
