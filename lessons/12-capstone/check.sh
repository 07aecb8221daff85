# Lesson 12: the capstone, an rlimit module -- see README.md, "What the
# check verifies".  The check builds boxlab with the student's module
# (build.sh, in a tree of its own) and runs containers with it ($LAB-c*,
# removed again).  That takes seconds, so the results are kept, keyed by
# the module's files and the boxlab that runs the check, in a dir the
# student cannot write, and the build and the runs are repeated only
# when a file of $WORK/module changes.
. "$LESSON_DIR/../lib.sh"

CACHE="$(dirname "$LESSON_WORK")/.lesson-12-check"
BUILD_HOW="cp \$WORK/skeleton.c \$WORK/module/rlimit.c (mkdir \$WORK/module first), then sudo \$WORK/build"

key() {
	{
		cat "$LESSON_WORK"/module/* 2>/dev/null
		stat -c '%s %Y' "$BOXLAB" "$LESSON_DIR/check.sh" "$LESSON_DIR/build.sh"
	} | sha256sum | cut -c1-32
}

# The built binary, run like boxlab itself (same run dir, lib dir...).
nb() { timeout 30 "$NEW" "$@"; }
# A run that must be refused: exit 2, one line naming the problem, no
# container left.  bad NAME ARGS...: prints the hint, or nothing.
refused() {
	local out rc n=$1
	shift
	out=$(nb run --rm --name "$n" "$@" busybox true 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || { echo "run $* exited $rc, not 2 (a usage error): $out"; return; }
	[ "$(wc -l <<<"$out")" -eq 1 ] || { echo "run $* said more than one line: $out"; return; }
	[ "$(nb inspect --json "$n" 2>/dev/null | jq -r .status)" = "" ] || { echo "run $* left a container $n behind"; return; }
}

# Each grading function prints a hint and returns 1, or returns 0.
g_build() {
	local out
	ls "$LESSON_WORK"/module/*.c >/dev/null 2>&1 || { echo "no module in \$WORK/module yet: $BUILD_HOW"; return 1; }
	out=$(bash "$LESSON_DIR/build.sh" "$LESSON_WORK" "$BOXLAB" "$CACHE/tree" 2>&1) || { echo "${out##*build: }"; return 1; }
	NEW=${out##*$'\n'}
	nb check --json 2>/dev/null | jq -e '.modules[] | select(.name == "rlimit") | .supported' >/dev/null ||
		{ echo "the built boxlab has no supported module named rlimit (boxlab check): .name = \"rlimit\" and a probe that says ok"; return 1; }
	nb run --help | grep -q -- '--no-rlimit' || { echo "run --help of the built boxlab has no --no-rlimit"; return 1; }
}

g_option() {
	local h
	nb run --help | grep -q -- '--ulimit TYPE=SOFT\[:HARD\]' ||
		{ echo "run --help has no '--ulimit TYPE=SOFT[:HARD]' row: add an option row (struct bx_opt, .options)"; return 1; }
	h=$(refused "$LAB-c0" --ulimit nofile=abc)
	[ -z "$h" ] || { echo "$h"; return 1; }
	h=$(refused "$LAB-c0" --ulimit bogus=1)
	[ -z "$h" ] || { echo "$h"; return 1; }
	nb run --rm --name "$LAB-c0" --ulimit bogus=1 busybox true 2>&1 | grep -q nofile ||
		{ echo "the error for --ulimit bogus=1 does not list the allowed types (nofile, ...)"; return 1; }
	h=$(refused "$LAB-c0" --ulimit nofile=10:5)
	[ -z "$h" ] || { echo "soft above hard: $h"; return 1; }
}

g_limits() {
	local out soft
	out=$(nb run --rm --name "$LAB-c1" --ulimit nofile=64 --ulimit core=0 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c' 2>&1)
	[ "$out" = $'64\n64\n0' ] || { echo "--ulimit nofile=64 --ulimit core=0: ulimit -n, -Hn, -c print '${out//$'\n'/ }', not '64 64 0'"; return 1; }
	out=$(nb run --name "$LAB-c2" --ulimit nofile=32:128 busybox sh -c 'ulimit -n; ulimit -Hn' 2>&1)
	[ "$out" = $'32\n128' ] || { echo "--ulimit nofile=32:128: ulimit -n, -Hn print '${out//$'\n'/ }', not '32 128'"; nb rm -f "$LAB-c2" >/dev/null 2>&1; return 1; }
	out=$(nb events --json "$LAB-c2" | jq -r '.[] | select(.module == "rlimit") | .phase')
	nb rm -f "$LAB-c2" >/dev/null 2>&1
	grep -qx child_setup <<<"$out" || { echo "the timeline has no rlimit child_setup: set the limits in the child_setup hook"; return 1; }
	soft=$(ulimit -n)
	out=$(nb run --rm --name "$LAB-c1" --no-rlimit busybox sh -c 'ulimit -n' 2>&1)
	[ "$out" = "$soft" ] || { echo "--no-rlimit: ulimit -n prints '$out', not the host's $soft"; return 1; }
}

g_exec() {
	local out
	nb run -d --name "$LAB-c3" --ulimit nofile=64 busybox sleep 60 >/dev/null 2>&1 || { echo "run -d --ulimit nofile=64 failed"; return 1; }
	out=$(nb exec "$LAB-c3" sh -c 'ulimit -n' 2>&1)
	nb rm -f "$LAB-c3" >/dev/null 2>&1
	[ "$out" = 64 ] && return 0
	echo "boxlab exec into a container with --ulimit nofile=64: ulimit -n prints '$out': set them again in exec_child"
	return 1
}

g_clamp() {
	local hard out err
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || return 0
	err=$(nb run --rm --name "$LAB-c4" --ulimit nofile=$((hard * 2)) busybox sh -c 'ulimit -Hn' 2>&1 >/dev/null)
	out=$(nb run --rm --name "$LAB-c4" --ulimit nofile=$((hard * 2)) busybox sh -c 'ulimit -Hn' 2>/dev/null)
	[ "$out" = "$hard" ] ||
		{ echo "--ulimit nofile=$((hard * 2)) (above boxlab's hard limit $hard): the container got '${out:-nothing}', not $hard"; return 1; }
	grep -qi warning <<<"$err" && grep -q nofile <<<"$err" && return 0
	echo "--ulimit nofile=$((hard * 2)) was clamped without a warning naming nofile on stderr"
	return 1
}

g_replay() {
	local ini out
	nb run --name "$LAB-c5" --ulimit nofile=64 busybox true >/dev/null 2>&1
	ini=$(nb inspect --ini "$LAB-c5" 2>/dev/null)
	nb rm -f "$LAB-c5" >/dev/null 2>&1
	grep -qx '\[rlimit\]' <<<"$ini" && grep -q '^ulimit *=.*nofile=64' <<<"$ini" ||
		{ echo "inspect --ini has no [rlimit] ulimit = ...nofile=64...: add an INI row (section rlimit, key ulimit) with a get"; return 1; }
	printf '%s\n' "$ini" >"$CACHE/replay.ini"
	out=$(nb run --rm --name "$LAB-c6" --config "$CACHE/replay.ini" busybox sh -c 'ulimit -n' 2>&1)
	[ "$out" = 64 ] && return 0
	echo "run --config with that INI gives ulimit -n '$out', not 64: the INI row's set must read the words back"
	return 1
}

# Grade once per key: "N ok" or "N fail hint" lines in the cache.  Steps
# 2-6 need the binary of step 1.
grade() {
	local fns=(g_build g_option g_limits g_exec g_clamp g_replay) n
	for ((n = 1; n <= ${#fns[@]}; n++)); do
		if [ "$n" -gt 1 ] && [ -z "${NEW:-}" ]; then
			echo "$n fail do step 1 first"
		elif "${fns[n - 1]}" >"$CACHE/hint.$$" 2>&1; then # not in a subshell: g_build sets NEW
			echo "$n ok"
		else
			[ "$n" -eq 1 ] && NEW=
			echo "$n fail $(head -n1 "$CACHE/hint.$$")"
		fi
	done
	rm -f "$CACHE/hint.$$"
}

mkdir -p "$CACHE"
RESULT="$CACHE/$(key).result"
# One grading at a time (the dashboard checks in the background while the
# student may run 'lesson check' too): the second waits and reads the
# first one's result.
exec 9>"$CACHE/lock"
flock 9
[ -s "$RESULT" ] || { grade >"$RESULT.$$" && mv "$RESULT.$$" "$RESULT"; }
flock -u 9

result() { # result N: the cached grade of step N
	local line
	line=$(grep "^$1 " "$RESULT")
	[ "${line#* }" = ok ] && return 0
	echo "${line#* fail }"
	return 1
}

step 1 "Build boxlab with your module" result 1
step 2 "The --ulimit option" result 2
step 3 "Limits in the container" result 3
step 4 "Limits in boxlab exec" result 4
step 5 "Above the hard limit: clamp and warn" result 5
step 6 "Replayable: inspect --ini and --config" result 6
