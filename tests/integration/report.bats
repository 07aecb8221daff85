#!/usr/bin/env bats
# make report (QUICK=1), and what ships beside the binary: the bash
# completion and make install.  (The man page against every command's
# --help: commands.bats; against the INI keys: unit test_manpage.)

load helpers

ROOT="$BATS_TEST_DIRNAME/../.."

# Column names of a CSV file's header.
header() {
	head -n1 "$1"
}

@test "make report QUICK=1: CSVs, PNGs and the tables between the markers, in under 2 minutes" {
	docs="$BATS_TEST_TMPDIR/docs"
	mkdir -p "$docs"
	cp "$ROOT/docs/DESIGN_REPORT.md" "$ROOT/docs/COMPARISON.md" "$docs/"
	# Stale contents between every marker pair must be replaced.
	for f in "$docs"/*.md; do
		awk '/^<!-- BEGIN table:/ { print; print "STALE-ROW"; skip = 1; next } /^<!-- END table:/ { skip = 0 } !skip' \
			"$f" >"$f.new" && mv "$f.new" "$f"
	done
	outside() { grep -v '^|' "$1" | awk '/^<!-- BEGIN table:/ { skip = 1 } /^<!-- END table:/ { skip = 0; next } !skip'; }
	outside "$docs/DESIGN_REPORT.md" >"$BATS_TEST_TMPDIR/prose.before"
	before=$(ls -d /run/boxlab-report.* 2>/dev/null | sort)

	start=$SECONDS
	run env REPORT_DOCS="$docs" QUICK=1 timeout 170 make -s -C "$ROOT" BUILD="${BUILD:-build}" report
	echo "$output"
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 120 ]

	data="$docs/report/data"
	[ "$(header "$data/start.csv")" = "variant,kind,modules,runs,mean_ms,stddev_ms,median_ms,min_ms,max_ms,ratio_to_floor" ]
	for v in floor runc none all all-net-none; do
		grep -q "^\"$v\"," "$data/start.csv" || { echo "no $v row in start.csv"; false; }
	done
	if command -v podman >/dev/null; then grep -q '^"podman",' "$data/start.csv"; fi
	for m in $(bx check --json | jq -r '.modules[].name'); do
		grep -q "^\"$m\",\"module\"," "$data/start.csv" || { echo "module $m alone not measured"; false; }
		grep -q "^\"$m\"," "$data/setup.csv" || { echo "module $m missing from setup.csv"; false; }
	done
	# Every number column holds numbers.
	awk -F, 'NR > 1 { for (i = 4; i <= 10; i++) if ($i !~ /^[0-9.]+$/) { print "bad: " $0; exit 1 } }' "$data/start.csv"
	[ "$(header "$data/ladder.csv")" = "variant,runs,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor" ]
	[ "$(cut -d, -f1 "$data/ladder.csv" | tail -n +2 | tr -d '"' | tr '\n' ' ')" = \
		"floor proto +init +7cgroups +state +overlay +sys +masks +dev +lo boxlab " ]
	awk -F, 'NR > 1 && ($3 !~ /^[0-9.]+$/ || $7 !~ /^[0-9.]+$/) { print "bad: " $0; exit 1 }' "$data/ladder.csv"
	[ "$(header "$data/setup.csv")" = "module,prepare_us,parent_setup_us,child_setup_us,child_finish_us,setup_us,teardown_us,runs" ]
	grep -q '^"total",' "$data/setup.csv"
	[ "$(header "$data/memory.csv")" = "metric,median_kib,min_kib,max_kib,containers" ]
	[ "$(grep -c . "$data/memory.csv")" -eq 5 ]
	[ "$(header "$data/freeze.csv")" = "mib,rss_mib,pause_ms,resume_ms,checkpoint_ms,restore_ms,image_mib,runs" ]
	awk -F, 'NR > 1 && ($3 !~ /^[0-9.]+$/ || $4 !~ /^[0-9.]+$/) { print "bad: " $0; exit 1 }' "$data/freeze.csv"
	[ "$(cut -d, -f1 "$data/freeze.csv" | tail -n +2 | tr '\n' ' ')" = "1 16 " ]
	if bx check --json | jq -e .criu.works >/dev/null && static_boxlab; then
		awk -F, 'NR > 1 && ($5 !~ /^[0-9.]+$/ || $6 !~ /^[0-9.]+$/) { print "no checkpoint time: " $0; exit 1 }' "$data/freeze.csv"
	fi
	[ "$(header "$data/dash.csv")" = "containers,interval_s,seconds,cpu_percent,rss_kib" ]
	[ "$(grep -c . "$data/dash.csv")" -eq 3 ]
	awk -F, 'NR > 1 && ($5 + 0 <= 0) { print "no RSS: " $0; exit 1 }' "$data/dash.csv"
	[ "$(header "$data/attacks.csv" | cut -d, -f1-4)" = "attack,default,none,blocked_by" ]
	[ -s "$data/attacks-status.txt" ]
	grep -q '^"kernel","'"$(uname -r)"'"$' "$data/env.csv"
	grep -q '^"cgroups",' "$data/env.csv"

	for f in start setup freeze dash; do
		[ -s "$docs/report/$f.png" ]
		[ "$(head -c 4 "$docs/report/$f.png" | od -An -c | tr -d ' ')" = '211PNG' ]
	done

	# Tables regenerated, prose outside the markers untouched.
	! grep -q STALE-ROW "$docs/DESIGN_REPORT.md" "$docs/COMPARISON.md"
	grep -q '^| `floor` |' "$docs/DESIGN_REPORT.md"
	grep -q '^| `runc` |' "$docs/COMPARISON.md"
	grep -q '^| kernel | '"$(uname -r)"' |$' "$docs/DESIGN_REPORT.md"
	grep -q '^| `memory` |' "$docs/DESIGN_REPORT.md"
	outside "$docs/DESIGN_REPORT.md" | diff "$BATS_TEST_TMPDIR/prose.before" -

	# Nothing of the report's is left: temp dir, containers' or runc's cgroups.
	[ "$(ls -d /run/boxlab-report.* 2>/dev/null | sort)" = "$before" ]
	[ -z "$(ls -d /sys/fs/cgroup/*/boxlab/rpt-* 2>/dev/null)" ]
}

@test "make report: bad settings and missing markers are clear errors" {
	run env QUICK=2 bash "$ROOT/scripts/report/run.sh"
	[ "$status" -ne 0 ]
	[[ "$output" == *"QUICK must be 0 or 1, not '2'"* ]]
	run env REPORT_PARTS="start bogus" bash "$ROOT/scripts/report/run.sh"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown part 'bogus'"* ]]
	# Markers: rendering into a document without them names the table.
	docs="$BATS_TEST_TMPDIR/docs"
	mkdir -p "$docs/report/data"
	cp -r "$ROOT/docs/report/data/." "$docs/report/data/"
	echo "# no markers" >"$docs/DESIGN_REPORT.md"
	run env REPORT_DOCS="$docs" REPORT_PARTS=env bash "$ROOT/scripts/report/run.sh"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has no <!-- BEGIN table:"* ]]
}

@test "bash completion: every command, subcommands, flags and module switches" {
	comp="$ROOT/contrib/boxlab.bash-completion"
	bash -n "$comp"
	complete_words() {
		bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _boxlab; printf "%s\n" "${COMPREPLY[@]}"' \
			_ "$comp" "$@"
	}
	export PATH="$(dirname "$BOXLAB"):$PATH"
	run complete_words boxlab ""
	for c in $(bx --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }'); do
		[[ $'\n'"$output"$'\n' == *$'\n'"$c"$'\n'* ]] || { echo "command $c not completed"; false; }
	done
	run complete_words boxlab network ""
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "create inspect ls rm " ]
	run complete_words boxlab inspect ""
	[[ "$output" != *json* ]]
	run complete_words boxlab network ""
	[ "$(echo "$output" | sort | tr '\n' ' ')" = "create inspect ls rm " ]
	run complete_words boxlab ps -
	[[ "$output" == *--all* && "$output" == *--json* ]]
	run complete_words boxlab run --no-sec
	[ "$output" = "--no-seccomp" ]
	run complete_words boxlab run --isolation ""
	[ "$(echo "$output" | tr '\n' ' ')" = "default none " ]
	bx run -d --name rpt-comp busybox sleep 30
	run complete_words boxlab stop rpt-c
	[ "$output" = "rpt-comp" ]
}

@test "make install DESTDIR PREFIX: binary, image, man page, completion" {
	dest="$BATS_TEST_TMPDIR/root"
	run make -s -C "$ROOT" BUILD="${BUILD:-build}" install DESTDIR="$dest" PREFIX=/opt/bx
	[ "$status" -eq 0 ]
	[ -x "$dest/opt/bx/bin/boxlab" ]
	"$dest/opt/bx/bin/boxlab" --version
	[ -x "$dest/opt/bx/share/boxlab/images/busybox/rootfs/bin/busybox" ]
	cmp "$ROOT/docs/boxlab.1" "$dest/opt/bx/share/man/man1/boxlab.1"
	cmp "$ROOT/contrib/boxlab.bash-completion" "$dest/opt/bx/share/bash-completion/completions/boxlab"
	# Nothing outside DESTDIR.
	[ ! -e /opt/bx ]
}

@test "make bench's start script: floor, boxlab, runc and the feature ladder measured, nothing left behind" {
	out="$BATS_TEST_TMPDIR/build"
	mkdir -p "$out/images"
	ln -s "$(realpath "$ROOT/${BUILD:-build}/boxlab")" "$out/boxlab"
	ln -s "$(realpath "$ROOT/${BUILD:-build}/bench-proto")" "$out/bench-proto"
	ln -s "$(realpath "$ROOT/${BUILD:-build}/images/busybox")" "$out/images/busybox"
	before=$(ls -d /run/boxlab-bench.* 2>/dev/null | sort)
	run env BUILD="$out" BENCH_RUNS=2 BENCH_WARMUP=0 BENCH_RSS_RUNS=1 timeout 120 bash "$ROOT/scripts/bench.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"boxlab/floor = "* && "$output" == *"peak RSS of boxlab run"* ]]
	[ "$(cut -d, -f1 "$out/bench/start.csv" | tail -n +2 | tr -d '"' | sort | tr '\n' ' ')" = "boxlab floor runc " ]
	csv="$out/bench/ladder.csv"
	[ "$(header "$csv")" = "variant,runs,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor" ]
	[ "$(cut -d, -f1 "$csv" | tail -n +2 | tr -d '"' | tr '\n' ' ')" = \
		"floor proto +init +7cgroups +state +overlay +sys +masks +dev +lo boxlab " ]
	awk -F, 'NR > 1 && ($2 != 2 || $3 !~ /^[0-9.]+$/ || $7 !~ /^[0-9.]+$/) { print "bad: " $0; exit 1 }' "$csv"
	# Its temp dir, tmpfs mounts, cgroups and containers are gone.
	[ "$(ls -d /run/boxlab-bench.* 2>/dev/null | sort)" = "$before" ]
	[ -z "$(ls -d /sys/fs/cgroup/*/boxlab/bench-* 2>/dev/null)" ]
	! grep -q /run/boxlab-bench /proc/self/mountinfo
	# Bad input is named; a step that fails says which, and what the
	# host side made (state dir, cgroups) is removed all the same.
	proto="$ROOT/${BUILD:-build}/bench-proto"
	run "$proto" /nonexistent 100000 /dev/null /tmp
	[ "$status" -eq 2 ]
	[[ "$output" == *"/dev/null is no seccomp program"* ]]
	run "$proto" /nonexistent 100000 /dev/null /tmp x
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown feature in 'x'"* ]]
	printf '\x06\x00\x00\x00\x00\x00\xff\x7f' >"$BATS_TEST_TMPDIR/allow.bpf"
	mkdir "$BATS_TEST_TMPDIR/run"
	run "$proto" /nonexistent 100000 "$BATS_TEST_TMPDIR/allow.bpf" "$BATS_TEST_TMPDIR/run" ics
	[ "$status" -eq 125 ]
	[[ "$output" == *"/nonexistent: No such file or directory"* ]]
	[ -z "$(ls "$BATS_TEST_TMPDIR/run")" ]
	[ -z "$(ls -d /sys/fs/cgroup/*/boxlab/bench-proto-* 2>/dev/null)" ]
}
