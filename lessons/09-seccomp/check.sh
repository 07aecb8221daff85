# Lesson 09: seccomp -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

# Is SYSCALL denied on NAME's timeline (with ERRNO, if given)?
denied() { # denied NAME SYSCALL [ERRNO]
	[ -n "$(events "$1" ".[] | select(.module == \"seccomp\" and .phase == \"denied\"
		and (.message | startswith(\"$2 by \")) and (.message | endswith(\"${3:-}\")))")" ]
}

# NAME exists and ran under the profile FILE (the path it was given).
made_under() { # made_under NAME FILE HOW
	local p
	exists "$1" "$3" || return 1
	p=$(field "$1" '.spec["security.seccomp"]')
	[ -n "$p" ] && [ "$(realpath -m "$p")" = "$(realpath -m "$2")" ] && return 0
	echo "$1 did not run under \$WORK/${2##*/}: 'sudo boxlab rm $1', then $3"
	return 1
}

default_denied() {
	local how="sudo boxlab run --name \$LAB-denied busybox unshare -u true"
	exists "$LAB-denied" "$how" || return 1
	denied "$LAB-denied" unshare && return 0
	echo "seccomp denied no unshare of $LAB-denied (default profile, command 'unshare -u true'?): 'sudo boxlab rm $LAB-denied', then $how"
	return 1
}

TRACE="$LESSON_WORK/chmod.trace"
PROFILE="$LESSON_WORK/chmod.json"

traced() {
	local how="sudo boxlab run --name \$LAB-trace --trace-syscalls \$WORK/chmod.trace busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; ls -l /tmp/f'"
	[ -s "$TRACE" ] || { echo "no trace \$WORK/chmod.trace yet: $how"; return 1; }
	[ "$(jq -r .container "$TRACE" 2>/dev/null)" = "$LAB-trace" ] ||
		{ echo "\$WORK/chmod.trace is not a boxlab trace of $LAB-trace: $how"; return 1; }
	jq -e '[.syscalls[].name] | any(. == "chmod" or . == "fchmodat" or . == "fchmodat2")' "$TRACE" >/dev/null && return 0
	echo "the trace holds no chmod call: trace the script that runs chmod 600 /tmp/f"
	return 1
}

generated() {
	local err
	needs 2 traced || return 1
	[ -s "$PROFILE" ] || { echo "sudo boxlab seccomp generate --from-trace \$WORK/chmod.trace -o \$WORK/chmod.json"; return 1; }
	err=$(bx seccomp show "$PROFILE" 2>&1 >/dev/null) || { echo "boxlab cannot load chmod.json: $err"; return 1; }
	[ "$(jq -r .defaultAction "$PROFILE")" != SCMP_ACT_ALLOW ] ||
		{ echo "chmod.json allows every call by default: an allow-list denies by default (generate it from the trace)"; return 1; }
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | any(. == "chmod" or . == "fchmodat")' "$PROFILE" >/dev/null &&
		return 0
	echo "chmod.json does not allow chmod: generate it from the trace of step 2"
	return 1
}

confined() {
	local how="sudo boxlab run --name \$LAB-confined --seccomp \$WORK/chmod.json busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; ls -l /tmp/f'"
	needs 3 generated || return 1
	made_under "$LAB-confined" "$PROFILE" "$how" || return 1
	[ "$(exit_code "$LAB-confined")" = 0 ] ||
		{ echo "$LAB-confined exited with $(exit_code "$LAB-confined"): see 'sudo boxlab events $LAB-confined | grep denied'"; return 1; }
	bx logs "$LAB-confined" 2>/dev/null | grep -q '^-rw------- ' && return 0
	echo "$LAB-confined did not list /tmp/f with mode -rw-------: run the same script as in step 2 ($how)"
	return 1
}

mkdir_denied() {
	local how="sudo boxlab run --name \$LAB-mkdir --seccomp \$WORK/chmod.json busybox mkdir /tmp/d"
	needs 3 generated || return 1
	made_under "$LAB-mkdir" "$PROFILE" "$how" || return 1
	denied "$LAB-mkdir" mkdir && return 0
	echo "seccomp denied no mkdir of $LAB-mkdir: run 'mkdir /tmp/d' in it ($how)"
	return 1
}

byhand() {
	local f="$LESSON_WORK/nochmod.json" err how="sudo boxlab run --name \$LAB-nochmod --seccomp \$WORK/nochmod.json busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; echo chmod=\$?'"
	[ -s "$f" ] || { echo "write your profile to \$WORK/nochmod.json (Docker's JSON format)"; return 1; }
	err=$(bx seccomp show "$f" 2>&1 >/dev/null) || { echo "boxlab cannot load nochmod.json: $err"; return 1; }
	[ "$(jq -r .defaultAction "$f")" = SCMP_ACT_ALLOW ] || { echo "nochmod.json should allow every call by default (defaultAction SCMP_ACT_ALLOW)"; return 1; }
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ERRNO" and .errnoRet == 13) | .names[]] | index("chmod")' "$f" >/dev/null ||
		{ echo "nochmod.json has no rule answering chmod with SCMP_ACT_ERRNO and errnoRet 13"; return 1; }
	made_under "$LAB-nochmod" "$f" "$how" || return 1
	denied "$LAB-nochmod" chmod EACCES && return 0
	echo "seccomp denied no chmod of $LAB-nochmod with EACCES: $how"
	return 1
}

step 1 "The default profile at work" default_denied
step 2 "Trace a program" traced
step 3 "Write its profile" generated
step 4 "Run under it" confined
step 5 "Everything else is denied" mkdir_denied
step 6 "A deny-list by hand" byhand
