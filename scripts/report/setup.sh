# Per-module setup cost, from the containers' own timelines (`boxlab
# events --json`): every module's hooks are timeline events with their
# duration, so the cost of a module is the sum of its hook events
# (prepare, parent_setup, child_setup, child_finish), with teardown apart.
# Median over detached containers with every default module on.
#
# Writes setup.csv:
#   module,prepare_us,parent_setup_us,child_setup_us,child_finish_us,setup_us,teardown_us,runs
# then two rows of the core: "clone" (clone3 itself) and "total" (from
# boxlab's start to the exec of the command, which the hooks add up to
# with the gaps between them).

measure_setup() {
	local n=20 r name
	quick && n=3
	mkdir -p "$work/events"
	say "setup cost: timelines of $n containers"
	for ((r = 0; r < n; r++)); do
		name=$cg_tag-tl$r
		"$boxlab" run -d --name "$name" busybox /bin/true >/dev/null
		wait_exited "$name" || die "container $name did not exit"
		"$boxlab" events --json "$name" >"$work/events/$r.json"
		"$boxlab" rm "$name" >/dev/null
	done
	jq -rs --argjson order "$(printf '%s\n' "${modules[@]}" | jq -R . | jq -s .)" '
		def median: sort | if length == 0 then 0 elif length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end;
		def hooks: ["prepare", "parent_setup", "child_setup", "child_finish"];
		# one object per container: module -> phase -> duration
		map(reduce .[] as $e ({}; .[$e.module][$e.phase] += $e.duration_us)) as $runs |
		"module,prepare_us,parent_setup_us,child_setup_us,child_finish_us,setup_us,teardown_us,runs",
		# Every module, also those with no hook of their own (pid: its
		# namespace comes with clone3, shown as its own row).
		($order[] as $m |
			[$m, (hooks[] as $h | [$runs[] | .[$m][$h] // 0] | median),
			 ([$runs[] | .[$m] as $x | [hooks[] | $x[.] // 0] | add] | median),
			 ([$runs[] | .[$m].teardown // 0] | median), ($runs | length)] | @csv),
		(["clone", "", "", "", "", ([$runs[] | .core.clone // 0] | median), "", ($runs | length)] | @csv),
		(["total", "", "", "", "", ([.[] | map(select(.module == "core" and .phase == "exec"))[0].time_us] | median), "", ($runs | length)] | @csv)
	' "$work"/events/*.json >"$DATA/setup.csv"
}
