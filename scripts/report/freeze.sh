# Pause/resume and checkpoint/restore latency against the memory a
# container holds: the workload is touchmem (scripts/report/touchmem.c),
# which writes N MiB and waits.  It is copied into the container's own
# upper layer first, so CRIU sees an ordinary file of the container, not
# one on a host volume.  --net=none: the network's veth plumbing is the
# same at every size and only adds noise.
#
# Writes freeze-raw.csv (mib,rss_mib,op,run,ms,image_mib: every measure)
# and freeze.csv (mib,rss_mib,pause_ms,resume_ms,checkpoint_ms,restore_ms,
# image_mib,runs: medians per size).  Times are wall clock around the
# boxlab command, its own start (~1 ms) included.  Without a working CRIU
# the checkpoint columns stay empty and freeze-criu.txt says why.

# The container's memory cgroup usage in MiB (v1 or v2).
cg_mem_mib() {
	local f
	for f in /sys/fs/cgroup/memory/boxlab/"$1"/memory.usage_in_bytes /sys/fs/cgroup/boxlab/"$1"/memory.current; do
		[ -r "$f" ] && { awk '{ printf "%.1f", $1 / 1048576 }' "$f"; return; }
	done
	echo ""
}

timed() { # VAR COMMAND...: run it quietly, store its wall time in ms
	timed_try "$@" || { cat "$work/timed.err" >&2; die "failed: ${*:2}"; }
}

timed_try() { # the same, returning non-zero when the command fails
	local __v=$1 t0 t1
	shift
	t0=$(now_us)
	"$@" >/dev/null 2>"$work/timed.err" || return 1
	t1=$(now_us)
	printf -v "$__v" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')"
}

measure_freeze() {
	local sizes=(1 16 64 256) reps=5 criu=1 mib r name rss ms img i
	quick && sizes=(1 16) reps=1
	mkdir -p "$work/bin"
	gcc -static -O2 -o "$work/bin/touchmem" scripts/report/touchmem.c || die "cannot build touchmem"
	chmod 0755 "$work/bin" "$work/bin/touchmem"
	local why
	why=$("$boxlab" check --json | jq -r 'if .criu.works then "" else (.criu.verdict // "no CRIU found") end')
	if [ -n "$why" ]; then
		criu=0
		echo "checkpoint/restore not measured: CRIU does not work here: $why" >"$DATA/freeze-criu.txt"
		say "no working CRIU ($why): pause/resume only"
	else
		rm -f "$DATA/freeze-criu.txt"
	fi
	echo "mib,rss_mib,op,run,ms,image_mib" >"$DATA/freeze-raw.csv"
	say "pause/resume and checkpoint/restore at ${sizes[*]} MiB, $reps runs each"
	for mib in "${sizes[@]}"; do
		for ((r = 0; r < reps; r++)); do
			name=$cg_tag-mem$mib-$r
			"$boxlab" run -d --name "$name" --net=none -v "$work/bin:/r:ro" busybox \
				sh -c "cp /r/touchmem /tmp/t && exec /tmp/t $mib" >/dev/null
			wait_until 60 sh -c '"$0" logs "$1" 2>/dev/null | grep -q "^ready"' "$boxlab" "$name" ||
				die "touchmem $mib did not get ready: $("$boxlab" logs "$name" 2>&1)"
			rss=$(cg_mem_mib "$name")
			for ((i = 0; i < 3; i++)); do
				timed ms "$boxlab" pause "$name"
				echo "$mib,$rss,pause,$r,$ms," >>"$DATA/freeze-raw.csv"
				timed ms "$boxlab" resume "$name"
				echo "$mib,$rss,resume,$r,$ms," >>"$DATA/freeze-raw.csv"
			done
			if [ "$criu" = 1 ]; then
				# CRIU fails now and then on a busy host (another
				# CRIU's cgroups, say): count it, say why, go on.
				if ! timed_try ms "$boxlab" checkpoint "$name"; then
					echo "$mib,$rss,checkpoint-failed,$r,," >>"$DATA/freeze-raw.csv"
					echo "checkpoint at $mib MiB failed: $(head -c 300 "$work/timed.err")" >>"$work/ckpt-failures"
					"$boxlab" rm -f "$name" >/dev/null
					continue
				fi
				img=$("$boxlab" inspect --json "$name" | jq -r '(.ckpt_size // 0) / 1048576 * 10 | round / 10')
				echo "$mib,$rss,checkpoint,$r,$ms,$img" >>"$DATA/freeze-raw.csv"
				timed ms "$boxlab" restore "$name"
				echo "$mib,$rss,restore,$r,$ms,$img" >>"$DATA/freeze-raw.csv"
				# The restored process must really be back, with its memory.
				[ "$("$boxlab" inspect --json "$name" | jq -r .status)" = running ] ||
					die "$name is not running after restore"
			fi
			"$boxlab" rm -f "$name" >/dev/null
		done
	done
	if [ -s "$work/ckpt-failures" ]; then
		{
			echo "$(wc -l <"$work/ckpt-failures") checkpoint(s) failed and are left out of the medians:"
			sed 's/^/- /' "$work/ckpt-failures"
		} >"$DATA/freeze-criu.txt"
	fi
	# The images are of no further use; they are the bulk of $work.
	rm -rf "$BOXLAB_LIB_DIR/checkpoints"
	awk -F, '
		function med(key,   n, i, j, t, v) {
			n = split(vals[key], v, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			return n == 0 ? "" : (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
		}
		NR > 1 {
			if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 }
			vals[$1 "," $3] = vals[$1 "," $3] " " $5
			rssv[$1] = rssv[$1] " " $2
			if ($6 != "") vals[$1 ",img"] = vals[$1 ",img"] " " $6
			if ($4 + 1 > runs[$1]) runs[$1] = $4 + 1
		}
		END {
			print "mib,rss_mib,pause_ms,resume_ms,checkpoint_ms,restore_ms,image_mib,runs"
			for (i = 1; i <= k; i++) {
				m = order[i]; vals[m ",rss"] = rssv[m]
				print m "," med(m ",rss") "," med(m ",pause") "," med(m ",resume") "," med(m ",checkpoint") "," \
					med(m ",restore") "," med(m ",img") "," runs[m]
			}
		}' "$DATA/freeze-raw.csv" >"$DATA/freeze.csv"
}
