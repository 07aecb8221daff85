#!/usr/bin/env bash
# The OCI interface's speed (a benchmark, not a test), in one hyperfine
# run per pair so both sides share the machine state:
#
#   bundle  boxlab run --bundle B ID  vs  runc run --bundle B ID, the same
#           bundle (built-in busybox rootfs, `boxlab spec`'s config with
#           args ["true"]); goal: boxlab >= 4x faster
#   podman  podman run --rm IMAGE true with --runtime boxlab vs runc (its
#           own storage and run dir, cgroupfs manager, --network none);
#           goal: boxlab no slower
#
# Writes $BUILD/bench/oci.csv.  Environment: BUILD (build), BENCH_RUNS
# (30), BENCH_PODMAN_RUNS (15), BENCH_WARMUP (3), BENCH_STRICT (0: 1
# exits 1 when a goal is missed), BENCH_PODMAN (1; 0 skips podman).
#
# Cgroups: runc is given linux.cgroupsPath /boxlab/ID and podman
# --cgroup-parent /boxlab/oci-bench, so nothing is made outside boxlab/;
# everything else lives in one temp dir, removed at exit.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
PRUNS=${BENCH_PODMAN_RUNS:-15}
WARMUP=${BENCH_WARMUP:-3}
STRICT=${BENCH_STRICT:-0}
PODMAN=${BENCH_PODMAN:-1}
BOXLAB=$PWD/$BUILD/boxlab
ROOTFS=$PWD/$BUILD/images/busybox/rootfs

die() {
	echo "bench-oci: $*" >&2
	exit 1
}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive number, not '$RUNS'"
[[ $PRUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_PODMAN_RUNS must be a positive number, not '$PRUNS'"
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$BOXLAB" ] && [ -d "$ROOTFS" ] || die "build first: make"
for t in hyperfine runc jq; do command -v $t >/dev/null || die "$t missing (bash scripts/deps.sh)"; done

tmp=$(mktemp -d /run/boxlab-oci-bench.XXXXXX)
PM_STORE=$tmp/podman-storage
PM_RUN=$tmp/podman-run
cleanup() {
	set +e
	"$BOXLAB" --root "$tmp/bx-root" delete --force oci-bench-bx >/dev/null 2>&1
	runc --root "$tmp/runc-root" delete --force oci-bench-runc >/dev/null 2>&1
	if [ "$PODMAN" = 1 ] && command -v podman >/dev/null; then
		podman --root "$PM_STORE" --runroot "$PM_RUN" --tmpdir "$PM_RUN/tmp" --cgroup-manager cgroupfs rm -f -a >/dev/null 2>&1
		podman --root "$PM_STORE" --runroot "$PM_RUN" --tmpdir "$PM_RUN/tmp" --cgroup-manager cgroupfs rmi -f -a >/dev/null 2>&1
		# containers/storage keeps its overlay dir bind-mounted
		awk -v d="$tmp" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r umount -l
	fi
	# what runc made under podman's --cgroup-parent (emptied by runc)
	for d in /sys/fs/cgroup/*/boxlab/oci-bench /sys/fs/cgroup/boxlab/oci-bench; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/bundle" "$BUILD/bench"
cp -a "$ROOTFS" "$tmp/bundle/rootfs"
"$BOXLAB" spec --bundle "$tmp/bundle"
jq '.process.args = ["true"] | .linux.cgroupsPath = "/boxlab/oci-bench-runc"' "$tmp/bundle/config.json" >"$tmp/c.json"
mv "$tmp/c.json" "$tmp/bundle/config.json"
# both must work before they are timed
"$BOXLAB" --root "$tmp/bx-root" run --bundle "$tmp/bundle" oci-bench-bx || die "boxlab run --bundle failed"
runc --root "$tmp/runc-root" run --bundle "$tmp/bundle" oci-bench-runc || die "runc run failed"

echo "== run --bundle: boxlab vs runc ($RUNS runs each)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$tmp/bundle.json" \
	-n boxlab "$BOXLAB --root $tmp/bx-root run --bundle $tmp/bundle oci-bench-bx" \
	-n runc "runc --root $tmp/runc-root run --bundle $tmp/bundle oci-bench-runc"
bx=$(jq '.results[] | select(.command == "boxlab") | .mean' "$tmp/bundle.json")
rc=$(jq '.results[] | select(.command == "runc") | .mean' "$tmp/bundle.json")
ratio=$(echo "$rc / $bx" | bc -l)
printf 'what,boxlab_ms,runc_ms,runc_over_boxlab\nrun-bundle,%.2f,%.2f,%.2f\n' \
	"$(echo "$bx * 1000" | bc -l)" "$(echo "$rc * 1000" | bc -l)" "$ratio" >"$BUILD/bench/oci.csv"
missed=0
printf 'run --bundle: boxlab %.1f ms, runc %.1f ms: %.1fx (goal >= 4x)\n' \
	"$(echo "$bx * 1000" | bc -l)" "$(echo "$rc * 1000" | bc -l)" "$ratio"
[ "$(echo "$ratio >= 4" | bc)" = 1 ] || missed=1

if [ "$PODMAN" = 1 ] && command -v podman >/dev/null; then
	pm="podman --root $PM_STORE --runroot $PM_RUN --tmpdir $PM_RUN/tmp --cgroup-manager cgroupfs --events-backend file"
	tar -C "$ROOTFS" -c . | $pm import - localhost/oci-bench:1 >/dev/null
	# --ulimit: podman asks for RLIMIT_NOFILE and RLIMIT_NPROC above this
	# host's hard limits, which runc fails to set without CAP_SYS_RESOURCE
	# (boxlab clamps them and warns): both get limits they can set.
	flags="run --rm --network none --cgroups=no-conmon --cgroup-parent=/boxlab/oci-bench"
	flags="$flags --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/oci-bench:1 true"
	$pm --runtime "$BOXLAB" $flags || die "podman with boxlab failed"
	$pm --runtime "$(command -v runc)" $flags || die "podman with runc failed"
	echo "== podman run --rm: boxlab vs runc ($PRUNS runs each)"
	hyperfine -N --warmup 2 --runs "$PRUNS" --export-json "$tmp/podman.json" \
		-n podman-boxlab "$pm --runtime $BOXLAB $flags" \
		-n podman-runc "$pm --runtime $(command -v runc) $flags"
	pb=$(jq '.results[] | select(.command == "podman-boxlab") | .mean' "$tmp/podman.json")
	pr=$(jq '.results[] | select(.command == "podman-runc") | .mean' "$tmp/podman.json")
	pratio=$(echo "$pr / $pb" | bc -l)
	printf 'podman-run-rm,%.2f,%.2f,%.2f\n' "$(echo "$pb * 1000" | bc -l)" "$(echo "$pr * 1000" | bc -l)" \
		"$pratio" >>"$BUILD/bench/oci.csv"
	printf 'podman run --rm: boxlab %.1f ms, runc %.1f ms: %.2fx (goal >= 1x)\n' \
		"$(echo "$pb * 1000" | bc -l)" "$(echo "$pr * 1000" | bc -l)" "$pratio"
	[ "$(echo "$pratio >= 1" | bc)" = 1 ] || missed=1
fi
echo "wrote $BUILD/bench/oci.csv"
[ "$STRICT" = 1 ] && [ "$missed" = 1 ] && exit 1
exit 0
