# Narration helpers for the demos/NN-name.sh scripts (sourced, not run).
#
# A demo tells a before/after story in the terminal: it says what it is
# about to show, shows the exact boxlab command (as a user would type it)
# with its real output, and checks that what happened is what the story
# claims.  When a check fails the demo says so and exits 1: a demo that
# no longer holds is a bug, and tests/integration/demos.bats runs them all.
#
# Environment:
#   DEMO_FAST=1    no pauses (tests, quick runs)
#   DEMO_PAUSE=S   seconds of the pause between steps (default 2)
#   DEMO_STEP=1    wait for Enter between steps instead (presenting live;
#                  only when stdin is a terminal and DEMO_FAST is not set)
#   NO_COLOR=1     plain text (also when stdout is not a terminal)
#   BOXLAB=PATH    the boxlab binary (default: build/boxlab of this
#                  checkout, else boxlab on PATH)
#
# Everything a demo makes (containers, networks, files) is registered
# with demo_container / demo_network / demo_cleanup and removed on every
# way out, Ctrl-C included.  Containers are named demo-*.

set -u -o pipefail

DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- looks ----

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	C_TITLE=$'\e[1;36m' C_STEP=$'\e[1;33m' C_SAY=$'\e[0;37m' C_CMD=$'\e[1;32m'
	C_OK=$'\e[1;32m' C_BAD=$'\e[1;31m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
	C_TITLE='' C_STEP='' C_SAY='' C_CMD='' C_OK='' C_BAD='' C_DIM='' C_OFF=''
fi
# UTF-8 marks where the locale has them (asciinema records UTF-8 fine).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
*UTF-8* | *utf8* | *UTF8* | *utf-8*) M_OK='✓' M_BAD='✗' M_ARROW='→' ;;
*) M_OK='ok' M_BAD='FAIL' M_ARROW='->' ;;
esac

DEMO_CHECKS=0

# ---- finding boxlab ----

if [ -z "${BOXLAB:-}" ]; then
	if [ -x "$DEMO_DIR/../build/boxlab" ]; then
		BOXLAB=$(cd "$DEMO_DIR/../build" && pwd)/boxlab
	else
		BOXLAB=$(command -v boxlab || true)
	fi
fi

# `boxlab ...` in a demo is the real binary, with a time limit so a hung
# step ends the demo instead of the recording (--foreground: Ctrl-C
# still reaches it).
boxlab() {
	timeout --foreground "${DEMO_TIMEOUT:-120}" "$BOXLAB" "$@"
}

# ---- narration ----

# demo_start TITLE WHAT: the banner, root and binary checks, the traps.
demo_start() {
	DEMO_TITLE=$1
	printf '\n%s== %s ==%s\n' "$C_TITLE" "$1" "$C_OFF"
	[ $# -gt 1 ] && say "$2"
	if [ "$(id -u)" -ne 0 ]; then
		echo "${C_BAD}this demo makes containers: run it as root (sudo $0)${C_OFF}" >&2
		exit 1
	fi
	if [ -z "$BOXLAB" ] || [ ! -x "$BOXLAB" ]; then
		echo "${C_BAD}no boxlab binary: run 'make' first, or set BOXLAB=/path/to/boxlab${C_OFF}" >&2
		exit 1
	fi
	DEMO_TMP=$(mktemp -d /tmp/boxlab-demo.XXXXXX)
	chmod 755 "$DEMO_TMP"
	DEMO_CLEANUP=()
	trap demo_cleanup_all EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	pause 1
}

say() {
	local line
	while IFS= read -r line; do
		printf '%s%s%s\n' "$C_SAY" "$line" "$C_OFF"
	done <<<"$*"
}

step() {
	pause
	printf '\n%s%s %s%s\n' "$C_STEP" "$M_ARROW" "$*" "$C_OFF"
}

# pause [SECONDS]: time to read the step (default DEMO_PAUSE); under
# DEMO_STEP on a terminal, until Enter.
pause() {
	[ "${DEMO_FAST:-0}" = 1 ] && return 0
	if [ "${DEMO_STEP:-0}" = 1 ] && [ -t 0 ]; then
		read -r -s -p "${C_DIM}[Enter]${C_OFF}" _ && printf '\r\e[K'
		return 0
	fi
	sleep "${1:-${DEMO_PAUSE:-2}}"
}

# A word as a shell would need it typed: bare when it is plain.
shell_word() {
	if [[ "$1" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}

# The moment between a command shown and its output (not a step: no
# Enter under DEMO_STEP).
beat() {
	[ "${DEMO_FAST:-0}" = 1 ] || [ "${DEMO_STEP:-0}" = 1 ] || sleep 0.5
}

show_cmd() {
	local w line="\$"
	for w in "$@"; do
		line+=" $(shell_word "$w")"
	done
	printf '%s%s%s%s\n' "$C_CMD" "$line" "${SHOW_TAIL:-}" "$C_OFF"
}

# run CMD...: show the command, run it with its output on the terminal
# (stdout and stderr, as typed), and keep both in $OUT and the exit code
# in $RC for the checks.  Never fails by itself: the checks decide.
run() {
	show_cmd "$@"
	beat
	"$@" </dev/null >"$DEMO_TMP/out" 2>&1
	RC=$?
	OUT=$(cat "$DEMO_TMP/out")
	[ -n "$OUT" ] && printf '%s\n' "$OUT"
	return 0
}

# run_grep REGEX CMD...: show `CMD | grep -E REGEX` and its lines; $OUT
# keeps all of CMD's output for the checks.
run_grep() {
	local re=$1
	shift
	SHOW_TAIL=" | grep -E $(shell_word "$re")" show_cmd "$@"
	"$@" </dev/null >"$DEMO_TMP/out" 2>&1
	RC=$?
	OUT=$(cat "$DEMO_TMP/out")
	grep -E -- "$re" <<<"$OUT"
	return 0
}

# ---- checks: the story must hold ----

ok() {
	DEMO_CHECKS=$((DEMO_CHECKS + 1))
	printf '%s%s %s%s\n' "$C_OK" "$M_OK" "$*" "$C_OFF"
}

fail() {
	printf '%s%s %s%s\n' "$C_BAD" "$M_BAD" "$*" "$C_OFF" >&2
	printf '%sthe demo "%s" does not hold here: stopping%s\n' "$C_BAD" "${DEMO_TITLE:-?}" "$C_OFF" >&2
	exit 1
}

# expect_rc N WHAT: the last command exited with N.
expect_rc() {
	[ "$RC" -eq "$1" ] && ok "$2" || fail "$2 (exit code $RC, expected $1)"
}

# expect_out REGEX WHAT: the last command's output matches (grep -E).
expect_out() {
	grep -qE -- "$1" <<<"$OUT" && ok "$2" || fail "$2 (no line matches /$1/)"
}

expect_no_out() {
	grep -qE -- "$1" <<<"$OUT" && fail "$2 (a line matches /$1/)" || ok "$2"
}

# expect WHAT CMD...: a check of its own, run quietly.
expect() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 && ok "$what" || fail "$what (failed: $*)"
}

# wait_until SECONDS CMD...: poll (quietly) until it works.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# A number compared with awk (floats): num_between X LO HI.
num_between() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x + 0 >= lo && x + 0 <= hi) }'
}

demo_end() {
	pause
	printf '\n%s%s the story holds: %d checks passed%s\n' "$C_OK" "$M_OK" "$DEMO_CHECKS" "$C_OFF"
}

# ---- what a demo makes, and its removal ----

demo_cleanup() { # demo_cleanup COMMAND...: run at exit (last first)
	DEMO_CLEANUP+=("$(printf '%q ' "$@")")
}

# demo_container NAME: the name to use (NAME must start with demo-),
# removed at exit.  Refuses a name in use: it is someone's container.
demo_container() {
	case "$1" in demo-*) ;; *) fail "demo_container: $1 does not start with demo-" ;; esac
	if "$BOXLAB" inspect --json "$1" >/dev/null 2>&1; then
		fail "a container named $1 exists already (an earlier run?): remove it with 'boxlab rm -f $1'"
	fi
	demo_cleanup "$BOXLAB" rm -f "$1"
}

demo_network() {
	case "$1" in demo-*) ;; *) fail "demo_network: $1 does not start with demo-" ;; esac
	if "$BOXLAB" network inspect "$1" >/dev/null 2>&1; then
		fail "a network named $1 exists already: remove it with 'boxlab network rm $1'"
	fi
	demo_cleanup "$BOXLAB" network rm "$1"
}

demo_cleanup_all() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	for ((i = ${#DEMO_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "timeout 60 ${DEMO_CLEANUP[i]}" >/dev/null 2>&1 || true
	done
	[ -n "${DEMO_TMP:-}" ] && rm -rf "$DEMO_TMP"
	exit "$rc"
}
