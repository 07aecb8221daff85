# Sourced by scripts/bench.sh and scripts/report/lib.sh: the runc bundle
# both compare boxlab against.  Needs $rootfs (the busybox rootfs),
# $runc_root (runc's private --root) and $cg_tag (the cgroup is
# /boxlab/$cg_tag-runc).

# A runc bundle equivalent to boxlab's defaults: the same rootfs (shifted
# into the same uid range, as boxlab's copy is), the same namespaces (user
# and cgroup included), a cgroup under boxlab/, and every rlimit clamped
# to our hard limit (runc fails on one it cannot raise).
make_runc_bundle() { # DIR ARGS_JSON
	local bundle=$1 args=$2 uid_start=100000 uid_count=65536 line nofile nproc
	nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] && nofile=null
	[ "$nproc" = unlimited ] && nproc=null
	if line=$(grep -m1 '^boxlab:' /etc/subuid 2>/dev/null); then
		IFS=: read -r _ uid_start uid_count <<<"$line"
	fi
	mkdir -p "$bundle" "$runc_root"
	cp -a "$rootfs" "$bundle/rootfs"
	chown -hR "$uid_start:$uid_start" "$bundle/rootfs"
	(cd "$bundle" && runc spec)
	jq --argjson u "$uid_start" --argjson n "$uid_count" --arg cg "/boxlab/$cg_tag-runc" \
		--argjson args "$args" --argjson nofile "$nofile" --argjson nproc "$nproc" '
		def clamp($h): if . > $h then $h else . end;
		.process.args = $args | .process.terminal = false |
		.process.rlimits = [.process.rlimits[]? |
			({RLIMIT_NOFILE: $nofile, RLIMIT_NPROC: $nproc}[.type]) as $h |
			if $h == null then . else .hard |= clamp($h) | .soft |= clamp($h) end] |
		.root = {path: "rootfs", readonly: true} |
		.linux.namespaces = ([.linux.namespaces[] | select(.type != "user" and .type != "cgroup")]
				     + [{type: "user"}, {type: "cgroup"}]) |
		.linux.uidMappings = [{containerID: 0, hostID: $u, size: $n}] |
		.linux.gidMappings = [{containerID: 0, hostID: $u, size: $n}] |
		.linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/config.json.new"
	mv "$bundle/config.json.new" "$bundle/config.json"
}
