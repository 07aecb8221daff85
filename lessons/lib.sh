# Shared by every lesson's check.sh (and start.sh, reset.sh):
#   . "$LESSON_DIR/../lib.sh"
# `boxlab lesson` runs the scripts with BOXLAB, LESSON, LESSON_DIR,
# LESSON_WORK, LESSON_USER and LAB set, in LESSON_WORK (lessons/README.md).

bx() { timeout 30 "$BOXLAB" "$@"; }

# step N "title" FUNCTION [ARG...]: runs FUNCTION; it returns 0 when the
# step is done, else prints a hint (its first line is kept) and returns 1.
step() {
	local n=$1 title=$2 hint
	shift 2
	if hint=$("$@" 2>&1); then
		echo "ok $n $title"
	else
		hint=${hint%%$'\n'*}
		echo "fail $n $title -- ${hint:-not done yet}"
	fi
}

# A step that needs an earlier one: "fail N title -- do step M first".
needs() { # needs M FUNCTION [ARG...]
	local m=$1
	shift
	"$@" >/dev/null 2>&1 || { echo "do step $m first"; return 1; }
}

# `boxlab inspect --json NAME`, once per check run: a check asks for a
# container's status, pid and modules many times, and the dashboard runs
# checks every few seconds.  jq costs far more than boxlab here (0.1-0.3 s
# a start on a loaded machine), so the common fields are read out in one
# jq call and kept as shell words.
_bx_cache=$(mktemp -d "${TMPDIR:-/tmp}/boxlab-check.XXXXXX")
trap 'rm -rf "$_bx_cache"' EXIT
inspect() { # the JSON, empty when there is no such container
	local f="$_bx_cache/$1.json"
	[ -e "$f" ] || bx inspect --json "$1" >"$f" 2>/dev/null || : >"$f"
	cat "$f"
}
# _facts NAME: sets status pid exit_code root_uid modules (absent: status=absent)
_facts() {
	local f="$_bx_cache/$1.facts"
	if [ ! -e "$f" ]; then
		inspect "$1" | jq -r '@sh "status=\(.status) pid=\(.pid) exit_code=\(.exit_code) root_uid=\(.root_uid) modules=\(.modules | join(" "))"' >"$f" 2>/dev/null
		[ -s "$f" ] || echo "status=absent pid= exit_code= root_uid= modules=" >"$f"
	fi
	. "$f"
}

# The status of a container ("running", "exited", ...) or "absent".
status_of() { local status pid exit_code root_uid modules; _facts "$1"; echo "$status"; }
# The host pid of its init, its exit code, the host uid of its root.
init_pid() { local status pid exit_code root_uid modules; _facts "$1"; echo "$pid"; }
exit_code() { local status pid exit_code root_uid modules; _facts "$1"; echo "$exit_code"; }
root_uid() { local status pid exit_code root_uid modules; _facts "$1"; echo "$root_uid"; }
# Is module M on in container NAME?
module_on() {
	local status pid exit_code root_uid modules
	_facts "$1"
	[[ " $modules " == *" $2 "* ]]
}

# jq over `boxlab inspect --json NAME`: field NAME '.spec["x"]'
field() { inspect "$1" | jq -r "$2"; }

# The container exists (any status); prints the hint to make it if not.
exists() { # exists NAME HOW
	[ "$(status_of "$1")" != absent ] || { echo "no container $1 yet: $2"; return 1; }
}

running() { # running NAME HOW
	local s
	s=$(status_of "$1")
	case $s in
	running) return 0 ;;
	absent) echo "no container $1 yet: $2" ;;
	*) echo "$1 is $s, not running: 'sudo boxlab rm -f $1' and start it again: $2" ;;
	esac
	return 1
}

# The timeline as JSON lines: events NAME [jq filter]
events() { bx events --json "$1" 2>/dev/null | jq -c "${2:-.[]}"; }

# A file the student writes in their work dir, first line, trimmed.
answer() { # answer FILE -> prints it; 1 with a hint when missing or empty
	local f="$LESSON_WORK/$1" v
	[ -s "$f" ] || { echo "write your answer to \$WORK/$1 ($f)"; return 1; }
	v=$(head -n1 "$f" | tr -d '[:space:]')
	echo "$v"
}
