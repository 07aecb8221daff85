# Where the start time goes: issue 3's bare prototype, boxlab's default
# features added to it one at a time (scripts/proto-ladder.sh), the floor
# and boxlab itself, in rotated rounds as the start part's variants.
#
# Writes ladder.csv: variant,runs,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor
#   added_ms: the mean minus the line above's (from +init on; boxlab's
#   against +lo, which has every default feature: the runtime's own cost)

# shellcheck source=../proto-ladder.sh
. scripts/proto-ladder.sh

measure_ladder() {
	local runs=20 warmup=2
	quick && runs=3 warmup=1
	proto=$(realpath "$BUILD/bench-proto" 2>/dev/null) || die "$BUILD/bench-proto missing: run 'make BUILD=$BUILD'"
	mkdir -p "$work/ladder"
	ladder_prepare "$work/ladder" "$cg_tag-ladder"
	local names=("${ladder_names[@]}" boxlab) cmds=("${ladder_cmds[@]}")
	cmds+=("$boxlab run --rm --name $cg_tag-lb --net=none busybox /bin/true")
	local i args=() out
	for i in "${!names[@]}"; do
		out=$(${cmds[i]} 2>&1 </dev/null) || die "this command fails, nothing to measure: ${cmds[i]}"$'\n'"$out"
		args+=("${names[i]}" "${cmds[i]}")
	done
	say "feature ladder: ${#names[@]} variants, $runs rounds (+$warmup warmup) of one run each"
	rotated_rounds "$work/ladder/rounds" "$runs" "$warmup" "${args[@]}" >"$work/ladder.json"
	local order
	order=$(printf '%s\n' "${names[@]}" | jq -R . | jq -s .)
	jq -r --argjson order "$order" '
		def ms: . * 1000 * 100 | round / 100;
		(.results | map({(.command): .}) | add) as $res |
		$res.floor.mean as $floor |
		"variant,runs,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor",
		($order | to_entries[] | .key as $k | $res[.value] as $r |
			[.value, ($r.times | length), ($r.mean | ms), ($r.stddev | ms), ($r.median | ms),
			 (if $k < 2 then "" else ($r.mean - $res[$order[$k - 1]].mean) | ms end),
			 ($r.mean / $floor * 100 | round / 100)] | @csv)' \
		"$work/ladder.json" >"$DATA/ladder.csv"
}
