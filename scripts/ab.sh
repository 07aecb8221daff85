#!/usr/bin/env bash
# A/B timing of whole commands on a noisy machine (not a test): every
# round runs each command once, in an order rotated by one each round,
# and the median wall time of each is printed.  On this shared 2-core VM
# hyperfine's one-command-after-another blocks showed 0.3-0.5 ms
# "differences" between a binary and a copy of itself: the machine's
# speed drifts, and a run pays for what the one before left behind (RCU
# callbacks, a dying namespace).  Rotation spreads both evenly.
#   usage: bash scripts/ab.sh ROUNDS 'CMD A' 'CMD B' ...
#   e.g.   bash scripts/ab.sh 100 '/tmp/old run --rm busybox true' 'build/boxlab run --rm busybox true'
set -euo pipefail
rounds=${1:-}
[[ $rounds =~ ^[1-9][0-9]*$ ]] && [ $# -ge 3 ] || {
	echo "usage: bash scripts/ab.sh ROUNDS 'CMD A' 'CMD B' [...]" >&2
	exit 2
}
shift
cmds=("$@")
k=${#cmds[@]}
declare -a times
for ((r = 0; r < rounds; r++)); do
	for ((j = 0; j < k; j++)); do
		i=$(((j + r) % k))
		s=$EPOCHREALTIME
		if ! bash -c "${cmds[$i]}" >/dev/null 2>&1; then
			echo "ab: '${cmds[$i]}' failed (round $((r + 1)))" >&2
			exit 1
		fi
		e=$EPOCHREALTIME
		times[i]+="$s $e "
	done
done
for ((i = 0; i < k; i++)); do
	# microseconds from the two stamps, median in ms
	m=$(echo "${times[i]}" | awk '{for (n = 1; n < NF; n += 2) print ($(n + 1) - $n) * 1000}' | sort -n |
		awk '{v[NR] = $1} END {printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
	printf '%8s ms  %s\n' "$m" "${cmds[$i]}"
done
