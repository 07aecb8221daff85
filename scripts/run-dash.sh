#!/usr/bin/env bash
# `make run`: the dashboard on the built-in busybox image, with one demo
# container already running so the first screen is not empty.  The demo
# container is removed when the dashboard ends, whichever way it ends
# (q, Ctrl-C, a closed terminal).
#   usage: scripts/run-dash.sh BOXLAB [DASH OPTIONS...]
set -u
boxlab=${1:?usage: run-dash.sh BOXLAB [DASH OPTIONS...]}
shift
name=${BOXLAB_DEMO_NAME:-demo}

cleanup() {
	"$boxlab" rm -f "$name" >/dev/null 2>&1 || true
}

# The dashboard handles Ctrl-C itself (it restores the terminal and
# ends); bash runs this trap once it has, and EXIT then cleans up.
trap 'exit 130' INT TERM HUP
if ! "$boxlab" run -d --name "$name" busybox \
	sh -c 'i=0; while :; do i=$((i + 1)); echo "demo: tick $i, $(date)"; sleep 2; done' >/dev/null; then
	echo "run-dash: could not start the demo container $name (see above)" >&2
	exit 1
fi
trap cleanup EXIT
"$boxlab" dash "$@"
