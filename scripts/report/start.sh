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

	local args=()
	for i in "${keep[@]}"; do
		args+=("${names[i]}" "${cmds[i]}")
	done
	say "start latency: ${#keep[@]} variants, $runs rounds (+$warmup warmup) of one run each"
	rotated_rounds "$work/start" "$runs" "$warmup" "${args[@]}" >"$work/start.json"

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
