#!/usr/bin/env bash
# make report: measure, then regenerate the figures and the tables of
# docs/DESIGN_REPORT.md (and COMPARISON.md's start-latency table) from the
# measured data, keeping the raw CSV beside them:
#   docs/report/data/*.csv   what was measured (one file per part)
#   docs/report/*.png        gnuplot figures (scripts/report/*.gp)
# Parts, each in scripts/report/NAME.sh: env (machine and versions), start
# (latency per module combination vs unshare, bubblewrap, runc, podman),
# ladder (issue 3's bare prototype plus boxlab's default features one at a
# time, against the floor and boxlab),
# setup (per-module cost from the timelines), memory (overhead per
# container), freeze (pause/resume, checkpoint/restore vs resident size),
# dash (dashboard CPU), attacks (the attack x module matrix).
#
# Environment:
#   QUICK=1        few iterations and small sizes, for CI (under 2 minutes)
#   BUILD          where boxlab was built (default build)
#   REPORT_DOCS    the docs dir to write into (default docs; tests point it
#                  at a copy)
#   REPORT_PARTS   the parts to measure (default all; "none": only render);
#                  the others keep their CSV from the last run, and
#                  everything is rendered
# Runs as root; everything it starts lives in one temp dir and is removed
# at the end, also on failure or Ctrl-C (scripts/report/lib.sh).
set -euo pipefail

cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DOCS=${REPORT_DOCS:-docs}
FIGS="$DOCS/report"
DATA="$FIGS/data"
PARTS=${REPORT_PARTS:-env start ladder setup memory freeze dash attacks}

for f in lib env start ladder setup memory freeze dash attacks render; do
	# shellcheck source=/dev/null
	. "scripts/report/$f.sh"
done

case "${QUICK:-0}" in 0 | 1) ;; *) die "QUICK must be 0 or 1, not '$QUICK'" ;; esac
[ "$PARTS" = none ] && PARTS=""
for p in $PARTS; do
	case " env start ladder setup memory freeze dash attacks " in *" $p "*) ;;
	*) die "unknown part '$p' in REPORT_PARTS (allowed: env start ladder setup memory freeze dash attacks, or none)" ;; esac
done
[ -f "$DOCS/DESIGN_REPORT.md" ] || die "$DOCS/DESIGN_REPORT.md missing (REPORT_DOCS=$DOCS)"
report_setup
mkdir -p "$DATA"

# Every module, in setup order, as boxlab reports them.
mapfile -t modules < <("$boxlab" check --json | jq -r '.modules[].name')
[ "${#modules[@]}" -gt 0 ] || die "boxlab check lists no default module"

t0=$SECONDS
for p in $PARTS; do
	"measure_$p"
done
for p in env start ladder setup memory freeze dash attacks; do
	[ -s "$DATA/$p.csv" ] || die "$DATA/$p.csv missing: run the part '$p' (REPORT_PARTS=$p)"
done
render_figures
render_docs
say "done in $((SECONDS - t0)) s: $DATA/*.csv, $FIGS/*.png, $DOCS/DESIGN_REPORT.md"
