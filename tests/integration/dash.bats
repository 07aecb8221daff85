#!/usr/bin/env bats
# boxlab dash, driven in tmux: keys go in with send-keys, and the tests
# assert on what capture-pane shows.  Every test has its own tmux server
# (-S, a socket in the test's own temporary dir), killed in teardown with
# everything on it.

load helpers

eval "$(declare -f teardown | sed '1s/^teardown/bx_teardown/')"
teardown() {
	[ -n "${sock:-}" ] && tmux -S "$sock" kill-server 2>/dev/null
	[ -n "${sock:-}" ] && rm -f "$sock"
	bx_teardown
}

# A shell in a fresh tmux of COLS x ROWS, with ENV=VALUE... set in it.
shell_open() {
	local cols=$1 rows=$2
	shift 2
	sock=$BATS_TEST_TMPDIR/tmux-ds$RANDOM
	tmux -S "$sock" -f /dev/null new-session -d -s dash -x "$cols" -y "$rows" \
		env -i PATH="$PATH" HOME=/root TERM=screen LC_ALL=C.UTF-8 BOXLAB_RUN_DIR="$BOXLAB_RUN_DIR" \
		PS1='PROMPT$ ' "$@" bash --norc --noprofile
	wait_screen 5 'PROMPT\$'
}

# The dashboard in it, sampling fast so the tests need not wait long.
dash_open() {
	shell_open "$@"
	keys "clear; $BOXLAB dash --interval 0.5" Enter
	wait_screen 10 'NAME.*STATUS'
}

keys() { tmux -S "$sock" send-keys -t dash "$@"; }
screen() { tmux -S "$sock" capture-pane -t dash -p "$@"; }
screen_has() { screen | grep -qE -- "$1"; }
wait_screen() { # wait_screen SECONDS REGEX
	wait_for "$1" screen_has "$2" && return 0
	echo "the screen never showed /$2/; it shows:"
	screen
	return 1
}

# The shell is back, in canonical mode with echo on.
assert_terminal_restored() {
	wait_screen 5 '^PROMPT\$ ?$'
	keys "stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | paste -sd, -" Enter
	wait_screen 5 '^icanon,echo$'
}

@test "dash: a started container appears with its stats; q restores the terminal" {
	name=ds$RANDOM
	bx run -d --name "$name" --memory 64M --pids-limit 40 busybox sleep 600
	dash_open 100 30
	# name, status, module letters, CPU %, graph, MEM/LIMIT, graph, PIDS/LIMIT, uptime
	wait_screen 10 "^$name +running +[a-zA-Z.]+ +[0-9]+\.[0-9] .* [0-9.]+[KMG]?/64M .* [0-9]+/40 +[0-9]+s"
	screen_has '^ boxlab dash .* 1 container, 1 running'
	screen_has 'F1Help F2New F3Filter F4Logs F5Shell F6Sort F7Pause F8Stop F9Kill F10Quit F11Rm'
	keys q
	assert_terminal_restored
}

@test "dash: Ctrl-C and SIGTERM end it with the terminal restored" {
	shell_open 100 30
	keys "$BOXLAB dash" Enter
	wait_screen 10 'NAME.*STATUS'
	keys C-c
	assert_terminal_restored
	keys "clear; $BOXLAB dash" Enter
	wait_screen 10 'NAME.*STATUS'
	shell=$(tmux -S "$sock" list-panes -t dash -F '#{pane_pid}')
	pid=$(pgrep -P "$shell" -x boxlab)
	[ -n "$pid" ]
	kill -TERM "$pid"
	assert_terminal_restored
}

@test "dash: pause shows paused, and resume running again" {
	name=ds$RANDOM
	bx run -d --name "$name" busybox sleep 600
	dash_open 100 30
	wait_screen 10 "^$name +running"
	keys p
	wait_screen 10 "^$name +paused"
	wait_screen 5 "pause $name: done"
	run bx inspect --json "$name"
	[[ "$output" == *'"status": "paused"'* ]]
	keys F7
	wait_screen 10 "^$name +running"
	run bx inspect --json "$name"
	[[ "$output" == *'"status": "running"'* ]]
}

@test "dash: the detail view shows the timeline phases and what inspect knows" {
	name=ds$RANDOM
	bx run -d --name "$name" --memory 32M busybox sleep 600
	dash_open 100 40
	wait_screen 10 "^$name +running"
	keys Enter
	wait_screen 5 'LIFECYCLE +create to exec in [0-9.]+(ms|s|µs)'
	# The rest of that frame: curses may write it in more than one piece.
	wait_screen 2 "^$name +running +image busybox +pid [0-9]+"
	# Each step: module (once per run of its steps), phase, duration, bar
	# to scale: create is 1-3% of the setup, about one cell of 66, so its
	# bar may be a partial block (▏..▉) rather than a full one.  Both
	# start at 0, so either may come first and carry the module's name.
	wait_screen 2 '^(core| ) +running +[0-9.]+(µs|ms) +(▐|▕)?█+'
	wait_screen 2 '^(core| ) +create +[0-9.]+(µs|ms) +(▏|▎|▍|▌|▋|▊|▉|█|▐|▕)'
	screen_has '^memory +prepare +[0-9.]+(µs|ms)'
	screen_has '^ +cgroup +[0-9.]+(µs|ms)'
	for _ in 1 2 3 4 5 6; do
		screen_has '^rootfs +child_setup' && screen_has '^ +pivot_root' && break
		keys NPage
		sleep 0.3
	done
	screen_has '^rootfs +child_setup +[0-9.]+(µs|ms)'
	screen_has '^ +pivot_root +[0-9.]+(µs|ms)'
	keys G
	wait_screen 5 '^RUNTIME|^SECURITY|^MOUNTS'
	for _ in 1 2 3 4 5 6; do
		screen_has '^ capabilities +14 kept: CAP_CHOWN' && break
		keys PPage
		sleep 0.3
	done
	wait_screen 1 '^ capabilities +14 kept: CAP_CHOWN'
	wait_screen 1 '^ seccomp +default'
	keys NPage
	wait_screen 5 '^ memory +32[mM]'
	wait_screen 1 '^ eth0 +10\.[0-9.]+/[0-9]+, gateway'
	keys Escape
	wait_screen 5 'NAME.*STATUS'
}

@test "dash: 80x24 keeps the layout readable; a wider terminal shows more columns" {
	name=ds$RANDOM
	bx run -d --name "$name" busybox sleep 600
	dash_open 130 30
	wait_screen 10 "^$name +busybox +running"
	screen_has 'NAME.*IMAGE.*STATUS.*MODULES.*CPU%.*CPU 60s.*MEM/LIMIT.*MEM 60s.*PIDS.*NET RX/TX.*UP'
	tmux -S "$sock" resize-window -t dash -x 80 -y 24
	wait_screen 5 '^NAME.*STATUS.*MODULES.*CPU% +MEM/LIMIT +PIDS +UP *$'
	screen_has "^$name +running +[a-zA-Z.]+ +[0-9.]+ +[0-9.]+[KMG]?/"
	! screen_has 'IMAGE|NET RX/TX'
	screen_has '^F1Help F2New F3Filter F4Logs F5Shell F6Sort F7Pause F8Stop F9Kill F10Quit F11Rm$'
	[ "$(screen | wc -l)" -eq 24 ]
	[ "$(screen | LC_ALL=C.UTF-8 wc -L)" -le 80 ]
	# The detail view fits too: figures, graphs, the first steps.
	keys Enter
	wait_screen 5 'LIFECYCLE'
	wait_screen 2 '^(core)? +create +[0-9.]+' # curses may draw the frame in pieces
	keys Escape
	tmux -S "$sock" resize-window -t dash -x 100 -y 30
	wait_screen 5 'CPU 60s.*MEM 60s'
}

@test "dash: NO_COLOR and TERM=vt100 are monochrome, LC_ALL=C draws ASCII" {
	colour=$'\e\\[([0-9]+;)*[34][0-7]m'
	reverse=$'\e\\[([0-9]+;)*7m'
	bx run -d --name "ds$RANDOM" busybox sleep 600
	dash_open 100 30
	wait_screen 10 'running'
	screen -e | grep -qE "$colour"
	screen | grep -q '│ Containers │'
	keys q
	wait_screen 5 '^PROMPT\$ ?$'
	keys "clear; NO_COLOR=1 $BOXLAB dash" Enter
	wait_screen 10 'running'
	! screen -e | grep -qE "$colour"
	screen -e | grep -qE "$reverse"
	keys q
	wait_screen 5 '^PROMPT\$ ?$'
	keys "clear; TERM=vt100 LC_ALL=C $BOXLAB dash" Enter
	wait_screen 10 'running'
	! screen -e | grep -qE "$colour"
	screen | grep -q '| Containers |'
	! screen | LC_ALL=C grep -q '[^ -~]'
	keys q
	assert_terminal_restored
}

@test "dash: the module switch panel starts a container with a module off" {
	dash_open 100 30
	keys F2
	wait_screen 5 'F5 runs: boxlab run -d busybox sleep 3600$'
	# Down to seccomp, wherever the registry puts it.
	i=0
	for m in $(bx check --json | sed -n 's/^      "name": "\(.*\)",/\1/p'); do
		[ "$m" = seccomp ] && break
		i=$((i + 1))
	done
	[ "$i" -gt 0 ]
	keys -N "$i" j
	wait_screen 5 '^seccomp: '
	keys Space
	wait_screen 5 '^\[ \] \. seccomp'
	wait_screen 5 'F5 runs: boxlab run -d --no-seccomp busybox sleep 3600$'
	screen_has '^default on, now off \(changed\)'
	keys F5
	wait_screen 20 'run -d: started [a-z0-9_.-]+'
	new=$(screen | sed -n 's/.*run -d: started \([a-z0-9_.-]*\).*/\1/p')
	[ -n "$new" ]
	# The name column may cut a long generated name.
	wait_screen 5 "^${new:0:12}.* +running"
	run bx inspect --json "$new"
	[[ "$output" == *'"seccomp": false'* ]]
	[[ "$output" == *'"caps": true'* ]]
}

@test "dash: filter, logs, and a shell that hands the terminal back" {
	a=ds$RANDOM
	b=ds$RANDOM
	bx run -d --name "$a" busybox sh -c 'i=0; while :; do i=$((i+1)); echo "line $i from the log"; sleep 0.2; done'
	bx run -d --name "$b" busybox sleep 600
	dash_open 100 30
	wait_screen 10 "^$b +running"
	keys / "$a" Enter
	wait_screen 5 "Filter: $a +\(1 of 2 shown\)"
	! screen_has "^$b "
	keys l
	wait_screen 5 "Logs of $a: [0-9]+ lines? of stdout.log, following"
	wait_screen 5 '^line [0-9]+ from the log'
	keys Escape
	wait_screen 5 "^$a +running"
	keys e
	wait_screen 10 '^/ # ?$'
	keys 'echo inside-$((6*7)); exit 3' Enter
	wait_screen 10 "shell in $a: exit code 3"
	screen_has "^$a +running"
	keys q
	assert_terminal_restored
}

@test "dash: the escape lab shows ESCAPED with isolation off and BLOCKED with the default modules" {
	bx attack --help >/dev/null 2>&1 || skip "no attack command in this build"
	list=$(bx attack --list --json)
	# An attack on the host name: quick, and a plain before/after.
	name=$(jq -r '[(if type == "object" then .attacks else . end)[].name] | (map(select(test("hostname"))) + .)[0]' <<<"$list")
	idx=$(jq -r --arg n "$name" '[(if type == "object" then .attacks else . end)[].name] | index($n)' <<<"$list")
	[ -n "$name" ] && [ "$idx" -ge 0 ]
	dash_open 100 32
	keys a
	wait_screen 20 '^ATTACK +NONE +DEFAULT +WHAT IT TRIES'
	[ "$idx" -eq 0 ] || keys -N "$idx" j
	wait_screen 5 "^$name( |$)"
	screen_has 'isolation off: --isolation=none.*default modules'
	screen_has 'not run yet: Enter runs it'
	keys Enter
	wait_screen 5 'running'
	# Both at once, side by side, each with the host's verdict.
	wait_screen 90 'ESCAPED +\(the host.s verdict\).*BLOCKED +\(the host.s verdict\)'
	screen_has "^${name:0:22} +ESCAPED +BLOCKED "
	screen_has '[0-9]+ modules? on, [0-9.]+ s.*[0-9]+ modules? on, [0-9.]+ s'
	screen_has 'evidence'
	screen_has '^blocked by: '
	keys Escape
	wait_screen 5 'NAME.*STATUS'
	keys q
	assert_terminal_restored
}

@test "dash: the demos menu runs a demo on the terminal and comes back" {
	dash_open 100 30 DEMO_FAST=1
	keys F1
	wait_screen 5 'escape lab: an attack with isolation off and on, side by side$'
	screen_has 'demos: run a demos/NN-name.sh story on this terminal$'
	keys Escape
	keys d
	wait_screen 5 '^DEMO +WHAT IT SHOWS'
	screen_has '^02-resource-limits.sh +Resource limits'
	screen_has '^05-seccomp-tracing.sh +Seccomp: trace a program'
	for _ in 1 2 3 4 5 6; do
		screen_has '/05-seccomp-tracing.sh$' && break
		keys j
		sleep 0.2
	done
	wait_screen 2 'demos/05-seccomp-tracing.sh$'
	screen_has '^The program runs once with every syscall counted'
	keys Enter
	wait_screen 60 'Press Enter to go back to the dashboard'
	screen_has 'the story holds: [0-9]+ checks passed'
	keys Enter
	wait_screen 5 '05-seccomp-tracing.sh: the story holds \(exit code 0\)'
	screen_has '^DEMO +WHAT IT SHOWS'
	keys q
	assert_terminal_restored
}

@test "dash: L shows the current lesson's steps, re-checked live as the student works" {
	export BOXLAB_LESSON_STATE=$BATS_TEST_TMPDIR/lessons BOXLAB_LESSONS="$BATS_TEST_DIRNAME/../../lessons"
	SUDO_USER=ldash bx lesson start 01 >/dev/null
	dash_open 100 40 SUDO_USER=ldash BOXLAB_LESSON_STATE="$BOXLAB_LESSON_STATE" BOXLAB_LESSONS="$BOXLAB_LESSONS"
	keys L
	wait_screen 5 'Lesson 01: Processes and the pid namespace +ldash .* 0/5 passed'
	wait_screen 10 '✗ 2\. The same process, two pids'
	screen_has 'no container ldash-01-sleep yet'
	screen_has '### 1\. A pid namespace with unshare'
	# The student works in another terminal; the panel follows within a check period.
	bx run -d --name ldash-01-sleep busybox sleep 1000
	wait_screen 15 'write your answer to \$WORK/sleep-pid\.txt'
	pgrep -P "$(bx inspect --json ldash-01-sleep | jq -r .pid)" -x sleep > "$BOXLAB_LESSON_STATE/ldash/01/sleep-pid.txt"
	wait_screen 15 '✓ 2\. The same process, two pids'
	wait_screen 5 '1/5 passed'
	# The panel's checks are recorded as the student's progress.
	[ "$(jq -r '.lessons["01"].passed' "$BOXLAB_LESSON_STATE/ldash/progress.json")" = 1 ]
	keys j j
	wait_screen 5 '### 3\. Make a zombie'
	# A lesson started in the shell becomes the panel's; its own checks
	# do not take "current" back.
	SUDO_USER=ldash bx lesson start 04 >/dev/null
	wait_screen 15 'Lesson 04: User namespaces and id maps'
	[ "$(jq -r .current "$BOXLAB_LESSON_STATE/ldash/progress.json")" = 04 ]
	# < and > choose another one.
	keys '<'
	wait_screen 5 'Lesson 03: UTS and IPC namespaces'
	keys Escape
	wait_screen 5 'NAME.*STATUS'
	keys q
	assert_terminal_restored
}
