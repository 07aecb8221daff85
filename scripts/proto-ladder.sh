# Sourced by scripts/bench.sh and scripts/report/ladder.sh: issue
# 3's bare prototype ($BUILD/bench-proto, scripts/bench-proto.c) and
# boxlab's default features added to it one at a time, as command lines.
# Needs $boxlab, $rootfs, $proto (the bench-proto binary) and
# BOXLAB_RUN_DIR (a container is run there once, for its seccomp program).

# ladder_prepare DIR NAME: in DIR (removed by the caller, mounts under it
# too) a copy of the rootfs owned by the container's root (the first id
# of boxlab's range), a tmpfs for the state dirs (boxlab keeps its own on
# one), and boxlab's seccomp program from a container called NAME.  Sets
# ladder_names and ladder_cmds: floor (first), proto, then +FEATURE per
# step.  The prototype's cgroups are boxlab/NAME-PID (ladder_cleanup
# removes what a killed one left).
ladder_prepare() { # DIR NAME
	local dir=$1 name=$2 uid=100000 line p
	if line=$(grep -m1 '^boxlab:' /etc/subuid 2>/dev/null); then
		IFS=: read -r _ uid _ <<<"$line"
	fi
	cp -a "$rootfs" "$dir/rootfs"
	chown -hR "$uid:$uid" "$dir/rootfs"
	mkdir -p "$dir/run"
	mount -t tmpfs -o mode=0711 boxlab-ladder "$dir/run"
	"$boxlab" run --name "$name" --net=none busybox /bin/true >/dev/null
	cp "$BOXLAB_RUN_DIR/$name/seccomp.bpf" "$dir/seccomp.bpf"
	"$boxlab" rm "$name" >/dev/null
	p="$proto $dir/rootfs $uid $dir/seccomp.bpf $dir/run"
	export BENCH_PROTO_TAG=$name
	ladder_names=(floor proto +init +7cgroups +state +overlay +sys +masks +dev +lo)
	ladder_cmds=("unshare -fpmuinC --mount-proc chroot $rootfs /bin/true" "$p" "$p i" "$p ic" "$p ics" "$p icso"
		"$p icsoy" "$p icsoym" "$p icsoymd" "$p icsoymdl")
}

# What a killed prototype left: its cgroups (a finished one removes its own).
ladder_cleanup() { # NAME
	local d
	for d in /sys/fs/cgroup/*/boxlab/"$1"-*; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
	done
}

# The ladder's CSV from hyperfine's JSON (a result per variant named as in
# ladder_names, and "boxlab"): variant,runs,mean_ms,stddev_ms,median_ms,
# added_ms,ratio_to_floor; added_ms against the line above, from +init on
# (boxlab's against +lo, every default feature: the runtime's own cost).
ladder_csv() { # JSON
	local order
	order=$(printf '%s\n' "${ladder_names[@]}" boxlab | jq -R . | jq -s .)
	jq -r --argjson order "$order" '
		def ms: . * 1000 * 100 | round / 100;
		(.results | map({(.command): .}) | add) as $res |
		"variant,runs,mean_ms,stddev_ms,median_ms,added_ms,ratio_to_floor",
		($order | to_entries[] | .key as $k | $res[.value] as $r |
			[.value, ($r.times | length), ($r.mean | ms), ($r.stddev | ms), ($r.median | ms),
			 (if $k < 2 then "" else ($r.mean - $res[$order[$k - 1]].mean) | ms end),
			 ($r.mean / $res.floor.mean * 100 | round / 100)] | @csv)' "$1"
}
