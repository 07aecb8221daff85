# The machine the figures were measured on: CPU, memory, kernel, cgroup
# mode, and the version of every tool measured.  Writes env.csv (key,value).

measure_env() {
	local check criu i
	check=$("$boxlab" check --json)
	criu=$(jq -r '.criu | if .works then .name + " (" + .bin + ")" else "none working" end' <<<"$check")
	v() { "$@" 2>/dev/null | head -n1 || true; }
	local kv=(
		date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		mode "$(quick && echo "QUICK (few iterations, small sizes: not for conclusions)" || echo full)"
		cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
		memory "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		load "$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, at the start)"
		os "$(. /etc/os-release && echo "$PRETTY_NAME")"
		kernel "$(uname -r)"
		cgroups "$(jq -r .cgroup_mode <<<"$check")"
		"state dir fs" "$(findmnt -n -o FSTYPE -T "$BOXLAB_RUN_DIR")"
		boxlab "$("$boxlab" --version) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ", modified"))"
		compiler "$(v gcc --version)"
		runc "$(v runc --version)"
		bubblewrap "$(v bwrap --version)"
		podman "$(v podman --version)"
		criu "$criu"
		hyperfine "$(v hyperfine --version)"
		gnuplot "$(v gnuplot --version)")
	unset -f v
	# As CSV: every field quoted, quotes inside doubled.
	{
		echo "key,value"
		for ((i = 0; i < ${#kv[@]}; i += 2)); do
			printf '"%s","%s"\n' "${kv[i]//\"/\"\"}" "${kv[i + 1]//\"/\"\"}"
		done
	} >"$DATA/env.csv"
}
