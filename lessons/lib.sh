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
# checks every few seconds.  Empty when there is no such container.
_bx_cache=$(mktemp -d "${TMPDIR:-/tmp}/boxlab-check.XXXXXX")
trap 'rm -rf "$_bx_cache"' EXIT
inspect() {
	local f="$_bx_cache/$1.json"
	[ -e "$f" ] || bx inspect --json "$1" >"$f" 2>/dev/null || : >"$f"
	cat "$f"
}

# The status of a container ("running", "exited", ...) or "absent".
status_of() {
	local s
	s=$(inspect "$1" | jq -r .status 2>/dev/null)
	echo "${s:-absent}"
}

# jq over `boxlab inspect --json NAME`: field NAME '.pid'
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

# Is module M on in container NAME?
module_on() { field "$1" '.modules[]' | grep -qx "$2"; }

# The timeline as JSON lines: events NAME [jq filter]
events() { bx events --json "$1" 2>/dev/null | jq -c "${2:-.[]}"; }

# A file the student writes in their work dir, first line, trimmed.
answer() { # answer FILE -> prints it; 1 with a hint when missing or empty
	local f="$LESSON_WORK/$1" v
	[ -s "$f" ] || { echo "write your answer to \$WORK/$1 ($f)"; return 1; }
	v=$(head -n1 "$f" | tr -d '[:space:]')
	echo "$v"
}

# The host pid of pid 1 of a running container.
init_pid() { field "$1" .pid; }
