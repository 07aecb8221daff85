#!/usr/bin/env bash
# Seccomp: trace a program, run it under its own profile.
#
# The program runs once with every syscall counted (run --trace-syscalls);
# the trace becomes a minimal allow-list profile (seccomp generate); under
# it the traced program still works, anything it never did is refused with
# EPERM, and the denial is on the container's timeline.
. "$(dirname "$0")/lib.sh"

demo_start "Seccomp: trace a program, generate its profile, run under it" \
	"The default profile denies ~60 dangerous syscalls; a traced profile allows only what one program used."

trace=$DEMO_TMP/ls.trace
profile=$DEMO_TMP/ls.json

step "Trace: 'ls /etc' in a container, every syscall counted"
demo_container demo-trace
run boxlab run --rm --name demo-trace --trace-syscalls "$trace" busybox ls /etc
expect_rc 0 "ls ran"
expect_out 'made [0-9]+ different syscalls' "boxlab counted its syscalls"
expect_out 'getdents64' "reading a directory is one of them (getdents64)"
expected=$(grep -vE '^boxlab:|^ +[0-9]+ +[a-z_0-9]+|^ +CALLS' <<<"$OUT")

step "Generate: the trace becomes a profile that allows those syscalls and nothing else"
run boxlab seccomp generate --from-trace "$trace" -o "$profile"
expect_rc 0 "profile written"
run boxlab seccomp show "$profile"
expect_out 'any call no rule below matches: denied with EPERM' "everything else is denied with EPERM"
expect_no_out '\bmkdir\b' "mkdir is not in it: ls never made a directory"

step "Run under it: the traced program works as before"
run boxlab run --rm --name demo-trace --seccomp "$profile" busybox ls /etc
expect_rc 0 "ls still works under its own profile"
[ "$OUT" = "$expected" ] && ok "with the same output" || fail "the output differs from the traced run"

step "Something it never did: mkdir"
say "Without a profile (the default one allows mkdir):"
run boxlab run --rm --name demo-trace busybox mkdir /tmp/x
expect_rc 0 "mkdir works under the default profile"
say "Under the traced profile:"
run boxlab run --name demo-trace --seccomp "$profile" busybox mkdir /tmp/x
[ "$RC" -ne 0 ] && ok "mkdir fails (exit $RC)" || fail "mkdir worked under the traced profile"
expect_out 'Operation not permitted' "with EPERM, from the filter"
run_grep 'seccomp +denied' boxlab events demo-trace
expect_out 'seccomp +denied +mkdir' "the denial is on the container's timeline"

demo_end
