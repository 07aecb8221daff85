#!/usr/bin/env bash
# Resource limits: memory, processes and CPU, with and without.
#
# Memory: a 256 MiB allocation runs without a limit; at --memory 32m the OOM
# killer ends it (exit 137, OOM killed in ps, on the timeline).  Processes: a
# bounded fork burst (a tree of 63 shells that end by themselves) runs whole
# without a limit; with --pids-limit 20 never more than 20 run at once, and
# the refused forks are counted.
# CPU: busy loops side by side, one container held to --cpus 0.1, measured.
#
# Every workload bounds itself (one buffer, a fixed tree, a timeout), so
# nothing here can hurt the machine even without the limits.
. "$(dirname "$0")/lib.sh"

demo_start "Resource limits: memory, pids, cpu" \
	"A container shares the host's memory, process table and CPUs unless a cgroup limits it."

# ---- memory ----
step "Memory: a hog that wants one 256 MiB buffer (dd bs=256M), without a limit"
hog=(dd if=/dev/zero of=/dev/null bs=256M count=1)
demo_container demo-hog
run boxlab run --rm --name demo-hog busybox "${hog[@]}"
expect_rc 0 "without a limit it gets its 256 MiB and finishes"
expect_out '1\+0 records out' "dd copied its one block"

step "The same hog with --memory 32m (and no swap beyond it)"
run boxlab run --name demo-hog --memory 32m --memory-swap 32m busybox "${hog[@]}"
expect_rc 137 "the OOM killer ends it: exit 137 (128 + SIGKILL)"
run_grep '^NAME|^demo-hog ' boxlab ps -a
expect_out 'demo-hog.*Exited \(137\).*OOM killed' "ps says why: OOM killed"
run_grep 'memory +oom' boxlab events demo-hog
expect_out 'memory +oom +OOM killer: 1 process killed.*of the 32MiB limit' "the timeline has the OOM kill and the peak usage"
boxlab rm demo-hog >/dev/null

# ---- pids ----
# Every node of the tree waits with the shell's own `read -t` (no sleep
# process), so the tree is exactly 63 processes; after a second the root
# counts /proc with a glob, which needs no fork either.
burst='mkfifo /tmp/f; nap() { read -t $1 x <>/tmp/f; }
b() { if [ $1 -gt 0 ]; then b $(($1-1)) & b $(($1-1)) & fi; nap 2; wait; }
(b 5) 2>/dev/null & nap 1; set -- /proc/[0-9]*; echo "$# processes at once"; wait'
step "Processes: a fork burst, bounded: a tree of 63 shells that wait 2 s and end"
say "Each shell forks two more, five levels deep; a second in, the container counts its processes."
demo_container demo-burst
run boxlab run --rm --name demo-burst busybox sh -c "$burst"
n=$(sed -n 's/^\([0-9]*\) processes at once$/\1/p' <<<"$OUT")
# 65 = the tree, the init and the counting shell; a loaded host may not
# have forked all of it within the second.
{ [ -n "$n" ] && [ "$n" -ge 40 ]; } && ok "without a limit $n run at once (the whole tree is 63, plus init and the counting shell)" ||
	fail "the unlimited burst ran only '${n:-?}' processes at once"

step "The same burst with --pids-limit 20"
run boxlab run --name demo-burst --pids-limit 20 busybox sh -c "$burst"
expect_out '^([0-9]|1[0-9]|20) processes at once' "never more than 20 at once: the forks past that failed"
run_grep 'pids +pids-limit' boxlab events demo-burst
expect_out 'pids +pids-limit +pids limit 20 reached: [1-9][0-9]* forks? refused' "the kernel counted the refused forks"
boxlab rm demo-burst >/dev/null

# ---- cpu ----
# Two spinning threads per container, and a small quota: on a busy host
# the loops still want more than 0.1 CPU, so the quota bites.
step "CPU: two containers, each with two busy loops (they end after 15 s), one with --cpus 0.1"
spin=(sh -c 'for i in 1 2; do timeout 15 sh -c "while :; do :; done" & done; wait')
demo_container demo-spin
demo_container demo-tenth
run boxlab run -d --name demo-spin busybox "${spin[@]}"
run boxlab run -d --name demo-tenth --cpus 0.1 busybox "${spin[@]}"
say "CPU % over two seconds (100% = one CPU; the unlimited one gets what the host has spare):"
run boxlab stats --no-stream --interval 2 demo-spin demo-tenth
free=$(awk '$1 == "demo-spin" { sub("%", "", $2); print $2 }' <<<"$OUT")
tenth=$(awk '$1 == "demo-tenth" { sub("%", "", $2); print $2 }' <<<"$OUT")
num_between "${tenth:-x}" 0 13 && ok "--cpus 0.1 holds both loops together to ${tenth}% (quota 10 ms per 100 ms period)" ||
	fail "the quota did not hold: demo-tenth used ${tenth:-?}%"
run_grep 'cpu +throttled' boxlab events demo-tenth
expect_out 'cpu +throttled +CPU quota used up in [1-9][0-9]* periods' "the kernel throttled it, and counted each period"
run_grep 'cpu +throttled' boxlab events demo-spin
expect_no_out 'cpu +throttled' "the unlimited pair (${free:-?}%) was never throttled"
run boxlab rm -f demo-spin demo-tenth

demo_end
