# Lesson 11: escape lab -- see README.md, "What the check verifies".
# Steps 2-4 are proven by attacking again.  Each verdict is kept, keyed
# by the attack, its flags, the config file's contents and the boxlab
# binary, in a dir the student cannot write: the dashboard re-runs this
# check every few seconds, and an attack takes a fraction of a second.
. "$LESSON_DIR/../lib.sh"

CACHE="$(dirname "$LESSON_WORK")/.lesson-11-attacks"
HARD="$LESSON_WORK/hardened.ini"
DEFEND="kill-host sysv-shm hostname setuid unshare cgroup-release-agent"
# They bring their own limit (--pids-limit, --memory, --cpus), which
# switches their module on whatever the config says.
RESOURCE="fork-bomb memory-hog cpu-hog"

# attack_json [-e] ATTACK [FLAGS...]: boxlab attack's JSON verdict.  A
# few attacks race the runtime and lose now and then on a busy host:
# with -e (ESCAPED expected) a BLOCKED is tried again, up to 3 times in
# all, before it counts.
attack_json() {
	local key f a tries=1 expect=
	[ "$1" = -e ] && { expect=ESCAPED; shift; }
	key=$({
		printf '%s\n' "$@"
		stat -c '%s %Y' "$BOXLAB"
		for a in "$@"; do [[ "$a" == /* && -f "$a" ]] && cat "$a"; done
	} | sha256sum | cut -c1-32)
	f="$CACHE/$key.json"
	mkdir -p "$CACHE" || return 1
	[ -s "$f" ] && tries=$(cat "$f.tries" 2>/dev/null || echo 3)
	while [ ! -s "$f" ] || { [ -n "$expect" ] && [ "$tries" -lt 3 ] && [ "$(jq -r .verdict "$f")" != "$expect" ]; }; do
		if timeout 60 "$BOXLAB" attack "$@" --json >"$f.$$" 2>/dev/null && jq -e .verdict "$f.$$" >/dev/null 2>&1; then
			[ -s "$f" ] && tries=$((tries + 1))
			mv "$f.$$" "$f"
			echo "$tries" >"$f.tries"
		else
			rm -f "$f.$$"
			return 1
		fi
	done
	cat "$f"
}
verdict() { attack_json "$@" | jq -r .verdict 2>/dev/null; }

# One check at a time attacks (the dashboard checks in the background
# while the student may run 'lesson check'): the second one then finds
# the first one's verdicts.
mkdir -p "$CACHE" && exec 9>"$CACHE/lock" && flock 9

# The catalogue, read once: every attack's name, and "NAME MODULE..."
# for those a single module's removal lets through.
CATALOGUE=$(bx attack --list --json 2>/dev/null)
NAMES=$(jq -r '.[].name' <<<"$CATALOGUE")
SINGLE=$(jq -r '.[] | select(.blocked_by != []) | "\(.name) \(.blocked_by | join(" "))"' <<<"$CATALOGUE")
is_attack() { grep -qx -- "$1" <<<"$NAMES"; }

# A verdict file of step 1: verdict_file FILE VERDICT HOW
verdict_file() {
	local f="$LESSON_WORK/$1"
	[ -s "$f" ] || { echo "$3 > \$WORK/$1"; return 1; }
	jq -e '.name == "kill-host"' "$f" >/dev/null 2>&1 || { echo "\$WORK/$1 is not boxlab attack's JSON verdict on kill-host: $3 > \$WORK/$1"; return 1; }
	[ "$(jq -r .verdict "$f")" = "$2" ] || { echo "\$WORK/$1 says $(jq -r .verdict "$f"), expected $2: $3 > \$WORK/$1"; return 1; }
}

before_after() {
	verdict_file kill-host-none.json ESCAPED "sudo boxlab attack kill-host --isolation=none --json" || return 1
	jq -e '.modules == []' "$LESSON_WORK/kill-host-none.json" >/dev/null ||
		{ echo "kill-host-none.json was not made with every module off (--isolation=none)"; return 1; }
	verdict_file kill-host-default.json BLOCKED "sudo boxlab attack kill-host --json" || return 1
	jq -e '(.modules | index("pid")) and (.modules | index("user"))' "$LESSON_WORK/kill-host-default.json" >/dev/null ||
		{ echo "kill-host-default.json was not made with the default modules: no flags"; return 1; }
}

minimal() {
	local f="$LESSON_WORK/minimal.txt" atk flags flag v i rest
	[ -s "$f" ] || { echo "write an attack and its smallest escaping set to \$WORK/minimal.txt, e.g. echo \"kill-host --no-pid --no-user\" > \$WORK/minimal.txt"; return 1; }
	read -r atk flags <"$f"
	is_attack "$atk" || { echo "minimal.txt: \"$atk\" is not an attack (sudo boxlab attack --list)"; return 1; }
	! grep -q "^$atk " <<<"$SINGLE" ||
		{ echo "minimal.txt: $atk is blocked by a single module: pick one whose BLOCKED BY says (several)"; return 1; }
	for flag in $flags; do
		[[ "$flag" =~ ^--no-[a-z]+$ ]] || { echo "minimal.txt: \"$flag\" is not a --no-MODULE switch"; return 1; }
	done
	# shellcheck disable=SC2086 # one word a flag
	v=$(verdict -e $atk $flags)
	case $v in
	ESCAPED) ;;
	N/A) echo "$atk cannot work on this host at all (N/A): pick another attack"; return 1 ;;
	BLOCKED) echo "$atk $flags is still BLOCKED: switch off more modules"; return 1 ;;
	*) echo "boxlab attack $atk $flags gave no verdict: try it by hand"; return 1 ;;
	esac
	set -- $flags
	for ((i = 1; i <= $#; i++)); do
		rest=$(for ((j = 1; j <= $#; j++)); do [ "$j" -ne "$i" ] && printf '%s ' "${!j}"; done)
		# shellcheck disable=SC2086
		[ "$(verdict $atk $rest)" = BLOCKED ] ||
			{ echo "$atk escapes without ${!i} too: the set is not the smallest (leave ${!i} out)"; return 1; }
	done
}

# The modules boxlab reports for an attack under the hardened config.
hard_modules() { attack_json kill-host --config "$HARD" | jq -c '.modules | sort'; }

harden() {
	local how="sudo boxlab run -d --name \$LAB-legacy --config \$WORK/hardened.ini busybox sleep 3600" a m v
	[ -s "$HARD" ] || { echo "write \$WORK/hardened.ini: legacy.ini with modules switched back on in [modules]"; return 1; }
	m=$(hard_modules) || { echo "boxlab cannot use hardened.ini: try sudo boxlab attack kill-host --config \$WORK/hardened.ini"; return 1; }
	for a in user net; do
		jq -e --arg a "$a" 'index($a) == null' <<<"$m" >/dev/null ||
			{ echo "hardened.ini switches $a on: the legacy service needs $a off"; return 1; }
	done
	for a in $DEFEND; do
		v=$(verdict "$a" --config "$HARD")
		[ "$v" = BLOCKED ] || { echo "$a is ${v:-not judged} with hardened.ini: switch on a module that blocks it"; return 1; }
	done
	running "$LAB-legacy" "$how" || return 1
	[ "$(field "$LAB-legacy" '.modules | sort' | jq -c .)" = "$m" ] && return 0
	echo "$LAB-legacy does not run with the modules of hardened.ini: 'sudo boxlab rm -f $LAB-legacy', then $how"
	return 1
}

residual() {
	local f="$LESSON_WORK/residual.txt" m want="" got a mods b v
	needs 3 harden || return 1
	[ -s "$f" ] || { echo "write the attacks that still escape from hardened.ini, one a line, to \$WORK/residual.txt"; return 1; }
	m=$(hard_modules | jq -r '.[]')
	# Attacks one module blocks, and (one of) it is off in hardened.ini.
	while read -r a mods; do
		[[ " $RESOURCE " == *" $a "* ]] && continue
		for b in $mods; do
			grep -qx "$b" <<<"$m" || { want+="$a"$'\n'; break; }
		done
	done <<<"$SINGLE"
	got=$(tr -s ' \t' '\n\n' <"$f" | grep . | sort -u)
	for a in $got; do
		is_attack "$a" || { echo "residual.txt: \"$a\" is not an attack"; return 1; }
		grep -qx "$a" <<<"$want" || { echo "residual.txt: $a is blocked by hardened.ini (sudo boxlab attack $a --config \$WORK/hardened.ini)"; return 1; }
	done
	for a in $want; do
		grep -qx "$a" <<<"$got" || { echo "one more attack that a single module stops still escapes: look again at boxlab attack --list"; return 1; }
		v=$(verdict -e "$a" --config "$HARD")
		[ "$v" = ESCAPED ] || { echo "$a was $v when the check attacked hardened.ini: leave it out"; return 1; }
	done
}

step 1 "Before and after" before_after
step 2 "What stands in the way" minimal
step 3 "Harden the legacy service" harden
step 4 "What is left" residual
