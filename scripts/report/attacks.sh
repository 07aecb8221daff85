# The attack × module matrix, from `boxlab attack --matrix --json`: a
# list of {name, blocked_by: [modules], default, none, <module>: verdict
# with that one module removed from the default set}.  Verdicts come from
# the host (a canary), not from the attack's own claim.
#
# Writes attacks.csv (attack,default,none,blocked_by,<one column per
# module>) and attacks-status.txt: "ok", or why there is no matrix (the
# command is not in this build, or QUICK mode, where the matrix's many
# container runs would not fit in CI's two minutes).

measure_attacks() {
	local status
	if ! "$boxlab" attack --help >/dev/null 2>&1; then
		status="not measured: this boxlab has no 'attack' command yet (it comes with the attacks work; rerun make report once it is merged)"
	elif quick; then
		status="not measured in QUICK mode: the matrix runs every attack once per module (run make report)"
	else
		say "attack matrix (boxlab attack --matrix --json)"
		"$boxlab" attack --matrix --json >"$work/attacks.json" 2>"$work/attacks.err" ||
			die "boxlab attack --matrix failed: $(tail -n3 "$work/attacks.err")"
		jq -r '
			(.[0] | keys_unsorted - ["name", "blocked_by", "default", "none"]) as $mods |
			(["attack", "default", "none", "blocked_by"] + $mods | @csv),
			(.[] | [.name, .default, .none, (.blocked_by | join(" "))] + [.[$mods[]] // ""] | @csv)' \
			"$work/attacks.json" >"$DATA/attacks.csv" || die "cannot read the matrix: $(head -c 300 "$work/attacks.json")"
		echo ok >"$DATA/attacks-status.txt"
		return 0
	fi
	say "attack matrix $status"
	echo "attack,default,none,blocked_by" >"$DATA/attacks.csv"
	echo "$status" >"$DATA/attacks-status.txt"
}
