# Where the start time goes: issue 3's bare prototype, boxlab's default
# features added to it one at a time (scripts/proto-ladder.sh), the floor
# and boxlab itself, in rotated rounds as the start part's variants.
#
# Writes ladder.csv (scripts/proto-ladder.sh, ladder_csv).

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
	ladder_csv "$work/ladder.json" >"$DATA/ladder.csv"
}
