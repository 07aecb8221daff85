# Sourced by the solutions of lessons 06-12: the handouts' commands run
# as written, "sudo boxlab ..." included, against the boxlab under test
# (we are root already).  Env: BOXLAB, LAB, WORK (tests/integration/
# lessons_b.bats).
set -eu
sudo() { "$@"; }
boxlab() { "$BOXLAB" "$@"; }
export -f sudo boxlab 2>/dev/null || true
