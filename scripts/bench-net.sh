#!/usr/bin/env bash
# Benchmark (not a test) for the network module (issue 6):
#   1. what the module adds to a start: `run -d busybox sleep` (returns
#      once the container runs) with the bridge (default) and with
#      --net=none, round-robin so machine load hits both alike; also the
#      network steps of the timeline.  Removal (rm, not timed) is where
#      the veth goes.  Goal <= 5 ms.
#   2. TCP throughput container <-> container over the bridge, against a
#      bare veth pair between two namespaces made here, with iperf3 run
#      from the host in each namespace (nsenter), in the same run.
#      Goal >= 80 % of the veth pair.
# Usage: BUILD=build bash scripts/bench-net.sh [ROUNDS]
# Traffic stays inside namespaces this script made; all is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$PWD/$BUILD/boxlab"
rounds=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench-net: must run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench-net: iperf3 not found: run 'sudo make deps'" >&2; exit 1; }

work=$(mktemp -d /run/boxlab-bench.XXXXXX)
chmod 755 "$work" # container root (a mapped uid) walks through it
export BOXLAB_RUN_DIR="$work/run"
# State in RAM, as in boxlab's default run dir (src/core/rundir.c).
export BOXLAB_RUN_TMPFS=${BENCH_TMPFS:-1}
ns1=bxb1-$$ ns2=bxb2-$$ pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for n in $(ls "$BOXLAB_RUN_DIR" 2>/dev/null); do "$B" rm -f "$n" >/dev/null 2>&1 || true; done
	ip netns del "$ns1" 2>/dev/null || true
	ip netns del "$ns2" 2>/dev/null || true
	umount "$BOXLAB_RUN_DIR" 2>/dev/null || true
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$BOXLAB_RUN_DIR"
median() { sort -n | awk '{v[NR] = $1} END {print int((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
now_us() { echo $(($(date +%s%N) / 1000)); }

: >"$work/bridge"
: >"$work/none"
: >"$work/steps"
# Each round removes its two containers and then waits a moment: a
# removed network namespace is torn down by a kernel worker that holds
# the RTNL lock for milliseconds, and a start right after an rm waited for
# it (measured: a 13 ms "cost" that was the previous container's
# teardown).  Keeping them all instead makes every start pay for the ones
# before (IPAM and /etc/hosts grow with the network: 9 ms of network
# steps with 20 containers on it).  Which variant goes first alternates.
bridge_run() { t=$(now_us); "$B" run -d --name "nb$1" busybox sleep 60 >/dev/null; echo $(($(now_us) - t)) >>"$work/bridge"; }
none_run() { t=$(now_us); "$B" run -d --name "nn$1" --net=none busybox sleep 60 >/dev/null; echo $(($(now_us) - t)) >>"$work/none"; }
for i in $(seq "$rounds"); do
	if [ $((i % 2)) = 1 ]; then bridge_run "$i"; none_run "$i"; else none_run "$i"; bridge_run "$i"; fi
	awk -F'\t' '$3 == "network" && $4 == "prepare" {s += $2} $3 == "network" && $4 == "parent_setup" {s += $2}
		END {print s}' "$BOXLAB_RUN_DIR/nb$i/events.log" >>"$work/steps"
	"$B" rm -f "nb$i" "nn$i" >/dev/null
	sleep 0.5
done
br=$(median <"$work/bridge") no=$(median <"$work/none")
echo "network module start cost, medians of $rounds rounds"
echo "  run -d busybox sleep, bridge       $br us"
echo "  run -d busybox sleep, --net=none   $no us"
echo "  difference                         $((br - no)) us   (goal <= 5000 us)"
echo "  network prepare + parent_setup     $(median <"$work/steps") us (timeline)"

# Throughput: two containers on the default bridge ...
"$B" run -d --name nbs busybox sleep 600 >/dev/null
"$B" run -d --name nbc busybox sleep 600 >/dev/null
spid=$("$B" inspect --json nbs | jq -r "if type == \"array\" then .[0] else . end | .pid")
cpid=$("$B" inspect --json nbc | jq -r "if type == \"array\" then .[0] else . end | .pid")
saddr=$(nsenter --net=/proc/$spid/ns/net ip -4 -o addr show eth0 | awk '{sub("/.*", "", $4); print $4}')
nsenter --net=/proc/$spid/ns/net iperf3 -s -1 -B "$saddr" >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
ctr=$(nsenter --net=/proc/$cpid/ns/net iperf3 -c "$saddr" -t 5 -J | jq '.end.sum_received.bits_per_second')
# ... and a bare veth pair between two namespaces of our own.
ip netns add "$ns1"
ip netns add "$ns2"
ip link add bxbv1-$$ netns "$ns1" type veth peer name bxbv2-$$ netns "$ns2"
ip -n "$ns1" addr add 192.168.251.1/30 dev bxbv1-$$
ip -n "$ns2" addr add 192.168.251.2/30 dev bxbv2-$$
ip -n "$ns1" link set bxbv1-$$ up
ip -n "$ns2" link set bxbv2-$$ up
ip netns exec "$ns1" iperf3 -s -1 -B 192.168.251.1 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
veth=$(ip netns exec "$ns2" iperf3 -c 192.168.251.1 -t 5 -J | jq '.end.sum_received.bits_per_second')
echo "TCP throughput, iperf3 -t 5"
awk -v c="$ctr" -v v="$veth" 'BEGIN {
	printf "  container <-> container (bridge)   %.2f Gbit/s\n", c / 1e9
	printf "  bare veth pair                     %.2f Gbit/s\n", v / 1e9
	printf "  ratio                              %.0f %%   (goal >= 80 %%)\n", c * 100 / v }'
