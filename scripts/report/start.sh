# Start latency: how long from the command to the exit of /bin/true in a
# fresh container, for every module combination boxlab offers (all off,
# each module alone, all on) and, interleaved with them so they share
# the machine's state, for the floor (unshare + chroot: the namespaces, a
# fresh /proc, a root switch, nothing else), bubblewrap, runc and podman
# on the same rootfs.
#
# Writes start.csv: variant,kind,modules,runs,mean_ms,stddev_ms,median_ms,min_ms,max_ms,ratio_to_floor
#   kind: floor | other (another tool) | none | module (one module alone) | all
# A module alone is `--isolation=none` plus an INI file with `MODULE = on`
# (some modules have no --MODULE switch, as their on-form takes a value).

measure_start() {
	local runs=20 warmup=2
	quick && runs=3 warmup=1
	local names=() cmds=() kinds=() mods=() m ini

	names+=(floor) kinds+=(floor) mods+=("") cmds+=("unshare -fpmuinC --mount-proc chroot $rootfs /bin/true")
	if command -v bwrap >/dev/null; then
		names+=(bwrap) kinds+=(other) mods+=("")
		cmds+=("bwrap --unshare-all --die-with-parent --ro-bind $rootfs / --proc /proc --dev /dev /bin/true")
	fi
	make_runc_bundle "$work/bundle" '["/bin/true"]'
	# runc run without --detach deletes the container when it exits, so
	# one id in our private --root serves every run.
	names+=(runc) kinds+=(other) mods+=("") cmds+=("runc --root $runc_root run --bundle $work/bundle $cg_tag-runc")
	if command -v podman >/dev/null; then
		mkdir -p "$work/podman"
		names+=(podman) kinds+=(other) mods+=("")
		cmds+=("podman --root $work/podman/root --runroot $work/podman/run --tmpdir $work/podman/tmp --cgroup-manager cgroupfs $(podman_run_args) /bin/true")
	fi

	# Named, not generated names: cgroups are boxlab/NAME host-wide, and
	# a generated name may be one another user's container has.
	local run="$boxlab run --rm --name $cg_tag"
	names+=(none) kinds+=(none) mods+=("") cmds+=("$run-none --isolation=none busybox /bin/true")
	for m in "${modules[@]}"; do
		ini="$work/only-$m.ini"
		printf '[modules]\nisolation = none\n%s = on\n' "$m" >"$ini"
		names+=("$m") kinds+=(module) mods+=("$m") cmds+=("$run-$m --config $ini busybox /bin/true")
	done
	names+=(all-net-none) kinds+=(all) mods+=("all but network")
	cmds+=("$run-allnn --net=none busybox /bin/true")
	names+=(all) kinds+=(all) mods+=(all) cmds+=("$run-all busybox /bin/true")

	# Each must work before its time means anything; a tool that cannot
	# run here is left out and said so.
	local i keep=() out
	for i in "${!cmds[@]}"; do
		if out=$(${cmds[i]} 2>&1 </dev/null); then
			keep+=("$i")
		else
			[ "${kinds[i]}" = other ] || die "this command fails, nothing to measure: ${cmds[i]}"$'\n'"$out"
			say "left out ${names[i]}, it does not run here: $(echo "$out" | tail -n1)"
		fi
	done

	# Rounds of one run of every variant, each round in a rotated order,
	# rather than all runs of one variant, then all of the next: on a
	# shared machine load comes and goes, and must hit every variant
	# alike.  hyperfine -N (no shell in between) times each run.
	local nk=${#keep[@]} r j args
	say "start latency: $nk variants, $runs rounds (+$warmup warmup) of one run each"
	mkdir -p "$work/start"
	for ((r = -warmup; r < runs; r++)); do
		args=()
		for ((j = 0; j < nk; j++)); do
			i=${keep[(j + r + nk) % nk]}
			args+=(-n "${names[i]}" "${cmds[i]}")
		done
		if ! hyperfine -N --style none --runs 1 --export-json "$work/start/$r.json" "${args[@]}" \
			>"$work/start.txt" 2>&1; then
			# Which one, and why: run each once more, showing its output.
			for ((j = 1; j < ${#args[@]}; j += 3)); do
				out=$(${args[j + 1]} 2>&1 </dev/null) ||
					die "in round $r, ${args[j]} failed: ${args[j + 1]}"$'\n'"$out"
			done
			die "hyperfine failed in round $r, and no command fails again: $(cat "$work/start.txt")"
		fi
		[ "$r" -ge 0 ] || rm "$work/start/$r.json"
	done
	# One result per variant, with every round's time.
	jq -s '{results: (map(.results[]) | group_by(.command) | map({command: .[0].command, times: map(.times[])}) |
		map(.times as $t | ($t | add / length) as $m | . + {mean: $m, min: ($t | min), max: ($t | max),
			median: ($t | sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end),
			stddev: (if ($t | length) > 1 then ($t | map((. - $m) * (. - $m)) | add / (length - 1) | sqrt) else 0 end)}))}' \
		"$work"/start/*.json >"$work/start.json"

	local meta="$work/start-meta.json"
	for i in "${keep[@]}"; do
		jq -n --arg n "${names[i]}" --arg k "${kinds[i]}" --arg m "${mods[i]}" --arg c "${cmds[i]}" \
			'{($n): {kind: $k, modules: $m, command: $c}}'
	done | jq -s 'add' >"$meta"
	jq -r --slurpfile meta "$meta" '
		def ms: . * 1000 * 100 | round / 100;
		(.results | map({(.command): .}) | add) as $res |
		$res.floor.mean as $floor |
		"variant,kind,modules,runs,mean_ms,stddev_ms,median_ms,min_ms,max_ms,ratio_to_floor",
		($meta[0] | to_entries[] | .value as $m | $res[.key] |
			[.command, $m.kind, $m.modules, (.times | length), (.mean | ms), ((.stddev // 0) | ms),
			 (.median | ms), (.min | ms), (.max | ms), (.mean / $floor * 100 | round / 100)] | @csv)' \
		"$work/start.json" >"$DATA/start.csv"
	# The exact command lines, for whoever wants to rerun one.
	jq -r '"variant,command", (to_entries[] | [.key, .value.command] | @csv)' "$meta" >"$DATA/start-commands.csv"
}
