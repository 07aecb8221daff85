# Memory overhead of a container: what boxlab itself keeps per running
# container (the supervisor on the host, boxlab-init as pid 1 inside), the
# container's memory cgroup charge with `sleep` as its whole workload, and
# its state dir on disk (overlay upper layer, logs; not the mounted root).
# Every default module on.  (The host's MemAvailable drop per container was
# tried and left out: on a shared machine it is noise, even negative.)
#
# PSS (proportional set size, /proc/PID/smaps_rollup) rather than RSS:
# the supervisors share one static binary's pages, and PSS splits them.
#
# Writes memory-raw.csv (container,supervisor_pss_kib,init_pss_kib,
# cgroup_kib,state_dir_kib) and memory.csv (metric,median_kib,min_kib,
# max_kib,containers).

pss_kib() {
	awk '/^Pss:/ { print $2; exit }' "/proc/$1/smaps_rollup" 2>/dev/null || echo ""
}

measure_memory() {
	local n=10 i name sup init cg
	quick && n=3
	say "memory overhead: $n containers"
	for ((i = 0; i < n; i++)); do
		"$boxlab" run -d --name "$cg_tag-mem$i" busybox sleep 3600 >/dev/null
	done
	echo "container,supervisor_pss_kib,init_pss_kib,cgroup_kib,state_dir_kib" >"$DATA/memory-raw.csv"
	for ((i = 0; i < n; i++)); do
		name=$cg_tag-mem$i
		sup=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$name/state.json")
		init=$(jq -r .pid "$BOXLAB_RUN_DIR/$name/state.json")
		cg=$(cg_mem_mib "$name")
		echo "$name,$(pss_kib "$sup"),$(pss_kib "$init"),$(awk -v m="$cg" 'BEGIN { printf "%d", m * 1024 }')," \
			"$(du -skx "$BOXLAB_RUN_DIR/$name" | cut -f1)" | tr -d ' ' >>"$DATA/memory-raw.csv"
	done
	for ((i = 0; i < n; i++)); do
		"$boxlab" rm -f "$cg_tag-mem$i" >/dev/null
	done
	awk -F, -v n="$n" '
		function stats(col,   i, j, t, v, k) {
			k = 0
			for (i = 2; i <= NR; i++) if (row[i, col] != "") v[++k] = row[i, col] + 0
			for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			if (!k) return ",,"
			return (k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2) "," v[1] "," v[k]
		}
		{ for (c = 1; c <= NF; c++) row[NR, c] = $c; if (NR == 1) for (c = 1; c <= NF; c++) name[c] = $c }
		END {
			print "metric,median_kib,min_kib,max_kib,containers"
			for (c = 2; c <= 5; c++) { m = name[c]; sub(/_kib$/, "", m); print m "," stats(c) "," n }
		}' "$DATA/memory-raw.csv" >"$DATA/memory.csv"
}
