# From the CSVs in $DATA to the figures ($FIGS/*.png, gnuplot) and to the
# markdown tables between marker comments in the documents:
#   <!-- BEGIN table:NAME -->
#   ...generated, replaced whole at every run...
#   <!-- END table:NAME -->
# Everything outside the markers is hand-written prose and stays as it is.
# A marker pair missing from a document is an error (the prose and the
# generator must agree on what is there).

# CSV (RFC 4180: quoted fields, "" inside) to tab-separated, for awk -F'\t'.
csv_tsv() {
	awk '
		{
			line = $0; out = ""; n = 0
			while (length(line) > 0 || n == 0) {
				if (substr(line, 1, 1) == "\"") {
					f = ""; line = substr(line, 2)
					while (1) {
						i = index(line, "\"")
						if (i == 0) { f = f line; line = ""; break }
						f = f substr(line, 1, i - 1); line = substr(line, i + 1)
						if (substr(line, 1, 1) == "\"") { f = f "\""; line = substr(line, 2) } else break
					}
					if (substr(line, 1, 1) == ",") line = substr(line, 2)
				} else {
					i = index(line, ",")
					if (i == 0) { f = line; line = "" } else { f = substr(line, 1, i - 1); line = substr(line, i + 1) }
				}
				out = out (n++ ? "\t" : "") f
				if (line == "" && substr($0, length($0)) == ",") { out = out "\t"; break }
			}
			print out
		}' "$1"
}

# Replace what is between the markers of NAME in DOC with FILE's contents.
replace_block() { # DOC NAME FILE
	local doc=$1 name=$2 file=$3
	grep -qF "<!-- BEGIN table:$name -->" "$doc" && grep -qF "<!-- END table:$name -->" "$doc" ||
		die "$doc has no <!-- BEGIN table:$name --> ... <!-- END table:$name --> markers"
	awk -v name="$name" -v file="$file" '
		$0 == "<!-- BEGIN table:" name " -->" { print; while ((getline l < file) > 0) print l; skip = 1; next }
		$0 == "<!-- END table:" name " -->" { skip = 0 }
		!skip' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
}

# A header row and a separator from the first TSV line, then the rows.
md_rows() {
	awk -F'\t' '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n"
		if (NR == 1) { printf "|"; for (i = 1; i <= NF; i++) printf "---|"; printf "\n" } }'
}

render_env() {
	{
		printf 'what\tvalue\n'
		csv_tsv "$DATA/env.csv" | tail -n +2
	} | md_rows
}

render_start() { # [FILTER: awk condition on kind ($2)]
	local filter=${1:-1}
	csv_tsv "$DATA/start.csv" | awk -F'\t' -v OFS='\t' "
		NR == 1 { print \"variant\", \"modules on\", \"mean ± σ (ms)\", \"median (ms)\", \"min–max (ms)\", \"× floor\"; next }
		$filter {
			m = \$3; if (\$2 == \"floor\") m = \"unshare + chroot: the least a runtime does\"
			else if (\$2 == \"other\") m = \"another tool, same rootfs\"
			else if (\$2 == \"none\") m = \"none (--isolation=none)\"
			print \"\`\" \$1 \"\`\", m, sprintf(\"%.1f ± %.1f\", \$5, \$6), sprintf(\"%.1f\", \$7),
				sprintf(\"%.1f–%.1f\", \$8, \$9), sprintf(\"%.2f\", \$10)
		}" | md_rows
	echo
	echo "$(csv_tsv "$DATA/start.csv" | awk -F'\t' 'NR == 2 { print $4 }') rounds after warmup, each running every" \
		"variant once in a rotated order (hyperfine -N per run); the exact command lines are in" \
		"[start-commands.csv](report/data/start-commands.csv)."
}

render_ladder() {
	csv_tsv "$DATA/ladder.csv" | awk -F'\t' -v OFS='\t' '
		BEGIN {
			what["floor"] = "unshare -fpmuinC --mount-proc chroot ROOTFS /bin/true"
			what["proto"] = "issue 3 prototype: 7 namespaces, id maps, 3 cgroups, pivot_root, /proc, caps, nnp, seccomp"
			what["+init"] = "an init as pid 1 forks the command"
			what["+7cgroups"] = "cpuacct, blkio, devices (with rules), freezer too"
			what["+state"] = "a state dir with five files"
			what["+overlay"] = "overlay root, mounted and unmounted on the host"
			what["+sys"] = "read-only /sys"
			what["+masks"] = "Docker'"'"'s masked and read-only /proc, /sys paths"
			what["+dev"] = "/dev on tmpfs: 6 devices, devpts, shm"
			what["+lo"] = "loopback up: every default feature, nothing around them"
			what["boxlab"] = "boxlab run --rm --net=none busybox /bin/true"
		}
		NR == 1 { print "variant", "what it does", "mean ± σ (ms)", "median (ms)", "added (ms)", "× floor"; next }
		{ print "`" $1 "`", what[$1], sprintf("%.2f ± %.2f", $3, $4), sprintf("%.2f", $5),
			($6 == "" ? "" : sprintf("%+.2f", $6)), sprintf("%.2f", $7) }' | md_rows
	echo
	echo "$(csv_tsv "$DATA/ladder.csv" | awk -F'\t' 'NR == 2 { print $2 }') rounds after warmup, every variant once per" \
		"round in a rotated order; *added*: against the line above (\`boxlab\` against \`+lo\`: the runtime's own" \
		"cost). The prototype is [scripts/bench-proto.c](../scripts/bench-proto.c), static as boxlab is."
}

render_setup() {
	csv_tsv "$DATA/setup.csv" | awk -F'\t' -v OFS='\t' '
		NR == 1 { print "module", "prepare", "parent_setup", "child_setup", "child_finish", "setup (sum)", "teardown"; next }
		$1 == "clone" { clone = $6; next }
		$1 == "total" { total = $6; next }
		{ print "`" $1 "`", $2, $3, $4, $5, "**" $6 "**", $7; sum += $6 }
		END {
			print "*clone3*", "", "", "", "", clone, ""
			print "*start to exec, all of it*", "", "", "", "", total, ""
			printf "*hooks + clone3*\t\t\t\t\t%d\t\n", sum + clone
		}' | md_rows
	echo
	echo "Median µs over $(csv_tsv "$DATA/setup.csv" | awk -F'\t' 'NR == 2 { print $8 }') containers (\`boxlab run -d busybox /bin/true\`," \
		"default modules); a module's setup is the sum of its hook events, which include its sub-steps."
}

render_memory() {
	csv_tsv "$DATA/memory.csv" | awk -F'\t' -v OFS='\t' '
		BEGIN {
			what["supervisor_pss"] = "boxlab supervisor on the host (PSS)"
			what["init_pss"] = "boxlab-init, pid 1 inside (PSS)"
			what["cgroup"] = "memory cgroup charge (init + sleep + page cache)"
			what["state_dir"] = "state dir on disk (upper layer, logs, timeline; not the mounted root)"
		}
		NR == 1 { print "per container", "median (KiB)", "min (KiB)", "max (KiB)"; next }
		{ print ($1 in what ? what[$1] : $1), $2, $3, $4 }
	' | md_rows
	echo
	echo "$(csv_tsv "$DATA/memory.csv" | awk -F'\t' 'NR == 2 { print $5 }') containers running \`sleep 3600\`," \
		"every default module on."
}

render_freeze() {
	csv_tsv "$DATA/freeze.csv" | awk -F'\t' -v OFS='\t' '
		function v(x) { return x == "" ? "–" : x }
		NR == 1 { print "touched (MiB)", "cgroup charge (MiB)", "pause (ms)", "resume (ms)", "checkpoint (ms)",
			"restore (ms)", "image (MiB)", "runs"; next }
		{ print $1, v($2), v($3), v($4), v($5), v($6), v($7), $8 }' | md_rows
	if [ -e "$DATA/freeze-criu.txt" ]; then
		echo
		cat "$DATA/freeze-criu.txt"
	fi
}

render_dash() {
	csv_tsv "$DATA/dash.csv" | awk -F'\t' -v OFS='\t' '
		NR == 1 { print "containers", "window (s)", "CPU (% of one CPU)", "RSS (KiB)"; next }
		{ print $1, $3, $4, $5 }' | md_rows
}

render_attacks() {
	local status
	status=$(cat "$DATA/attacks-status.txt")
	if [ "$status" != ok ]; then
		echo "*Attack matrix $status.*"
		return
	fi
	csv_tsv "$DATA/attacks.csv" | awk -F'\t' -v OFS='\t' '
		NR == 1 { $1 = "attack"; for (i = 5; i <= NF; i++) $i = "no " $i; print; next }
		{ for (i = 2; i <= NF; i++) if ($i == "ESCAPED") $i = "**ESCAPED**"; print }' | md_rows
	echo
	echo "Verdicts as the host judged them (ESCAPED in bold); \"no MODULE\": the default set with that one module removed."
}

# Figures: TSV in $work, one gnuplot script each.
render_figures() {
	csv_tsv "$DATA/start.csv" | awk -F'\t' -v OFS='\t' 'NR > 1 { print $1, $5, $6, ($2 == "floor" || $2 == "other") ? 0 : 1 }' \
		>"$work/start.dat"
	csv_tsv "$DATA/setup.csv" | awk -F'\t' -v OFS='\t' 'NR > 1 && $1 != "clone" && $1 != "total" { print $1, $2, $3, $4, $5 }' \
		>"$work/setup.dat"
	csv_tsv "$DATA/freeze.csv" | awk -F'\t' -v OFS='\t' '
		function v(x) { return x == "" ? "-" : x }
		NR > 1 { print v($2), v($3), v($4), v($5), v($6) }' >"$work/freeze.dat"
	csv_tsv "$DATA/dash.csv" | awk -F'\t' -v OFS='\t' 'NR > 1 { print $1, $4 }' >"$work/dash.dat"
	local f
	for f in start setup freeze dash; do
		gnuplot -e "dat='$work/$f.dat'; out='$FIGS/$f.png'" "scripts/report/$f.gp" 2>"$work/gnuplot.err" ||
			die "gnuplot $f.gp failed: $(cat "$work/gnuplot.err")"
		[ -s "$FIGS/$f.png" ] || die "gnuplot made no $FIGS/$f.png"
	done
}

render_docs() {
	local design="$DOCS/DESIGN_REPORT.md" cmp="$DOCS/COMPARISON.md" t
	for t in env start ladder setup memory freeze dash attacks; do
		"render_$t" >"$work/table-$t.md"
		replace_block "$design" "$t" "$work/table-$t.md"
	done
	if [ -e "$cmp" ]; then
		render_start '$2 == "floor" || $2 == "other" || $2 == "none" || $2 == "all"' >"$work/table-cmp.md"
		replace_block "$cmp" start "$work/table-cmp.md"
		render_env >"$work/table-env.md"
		replace_block "$cmp" env "$work/table-env.md"
	fi
}
