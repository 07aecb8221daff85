# Dashboard CPU cost: `boxlab dash` (default 1 s interval) in a detached
# tmux of our own, with N containers running sleep; its CPU time over a
# fixed window, from utime + stime in /proc/PID/stat, and its resident
# memory.  That is what keeping the dashboard open costs the host.
#
# Writes dash.csv: containers,interval_s,seconds,cpu_percent,rss_kib

proc_ticks() { # utime + stime of PID
	# Field 2 (comm) may hold blanks: count from after its ')'.
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

measure_dash() {
	local counts=(0 5 20) window=10 n i have=0 pid t0 t1 c0 c1 hz rss
	quick && counts=(0 3) window=3
	hz=$(getconf CLK_TCK)
	echo "containers,interval_s,seconds,cpu_percent,rss_kib" >"$DATA/dash.csv"
	say "dashboard CPU: ${counts[*]} containers, ${window} s each"
	for n in "${counts[@]}"; do
		for ((i = have; i < n; i++)); do
			"$boxlab" run -d --name "$cg_tag-dash$i" --net=none busybox sleep 3600 >/dev/null
		done
		have=$n
		tmux -S "$tmux_sock" new-session -d -s dash -x 160 -y 50 \
			"BOXLAB_RUN_DIR=$BOXLAB_RUN_DIR TERM=xterm-256color exec $boxlab dash --interval 1"
		pid=$(tmux -S "$tmux_sock" display-message -p -t dash '#{pane_pid}')
		# Let it draw the first frames (and sample every container once).
		sleep 2
		[ -r "/proc/$pid/stat" ] || die "boxlab dash is not running in tmux"
		c0=$(proc_ticks "$pid") t0=$(now_us)
		sleep "$window"
		c1=$(proc_ticks "$pid") t1=$(now_us)
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
		tmux -S "$tmux_sock" kill-session -t dash
		awk -v n="$n" -v w="$window" -v c="$((c1 - c0))" -v hz="$hz" -v t="$((t1 - t0))" -v rss="$rss" \
			'BEGIN { printf "%d,1,%.1f,%.2f,%d\n", n, t / 1e6, c / hz / (t / 1e6) * 100, rss }' >>"$DATA/dash.csv"
	done
	for ((i = 0; i < have; i++)); do
		"$boxlab" rm -f "$cg_tag-dash$i" >/dev/null
	done
}
