# Lesson 08: capabilities -- see README.md, "What the check verifies".
. "$LESSON_DIR/../lib.sh"

# Every capability this kernel knows, as /proc/PID/status shows a mask.
FULL=$(printf %016x $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)))
BIND=0000000000000400 # CAP_NET_BIND_SERVICE alone

# The mask on line KEY (CapEff, CapBnd, ...) of a status dump.
mask() { awk -v k="$1:" '$1 == k {print $2; exit}'; }
# Capability names in a text, sorted, lower case.
cap_names() { grep -oiE '\bcap_[a-z_]+\b' | tr 'A-Z' 'a-z' | sort -u; }

decoded() {
	local how="sudo boxlab run --name \$LAB-default busybox grep Cap /proc/self/status" eff f="$LESSON_WORK/default-caps.txt"
	exists "$LAB-default" "$how" || return 1
	eff=$(bx logs "$LAB-default" 2>/dev/null | mask CapEff)
	[ -n "$eff" ] || { echo "$LAB-default printed no CapEff line: 'sudo boxlab rm $LAB-default', then $how"; return 1; }
	[ -s "$f" ] || { echo "decode its CapEff ($eff) into \$WORK/default-caps.txt: capsh --decode=$eff > \$WORK/default-caps.txt"; return 1; }
	[ "$(cap_names <"$f")" = "$(capsh --decode="$eff" | cap_names)" ] && return 0
	echo "default-caps.txt does not list exactly the capabilities of CapEff $eff: capsh --decode=$eff"
	return 1
}

full() {
	local how="sudo boxlab run --name \$LAB-full --no-caps busybox grep Cap /proc/self/status" eff
	exists "$LAB-full" "$how" || return 1
	! module_on "$LAB-full" caps || { echo "$LAB-full has the caps module on: 'sudo boxlab rm $LAB-full', then $how"; return 1; }
	module_on "$LAB-full" user || { echo "$LAB-full has no user namespace: leave it on ('sudo boxlab rm $LAB-full', then $how)"; return 1; }
	eff=$(bx logs "$LAB-full" 2>/dev/null | mask CapEff)
	[ "$eff" = "$FULL" ] && return 0
	echo "$LAB-full printed CapEff '${eff:-nothing}', not every capability ($FULL): $how"
	return 1
}

# The host pid of the process named COMM that pid 1 of NAME started.
child_of() { pgrep -P "$(init_pid "$1")" -x "$2" | head -n1; }

web() {
	local how="sudo boxlab run -d --name \$LAB-web --cap-drop ALL --cap-add NET_BIND_SERVICE busybox httpd -f -p 80" p eff bnd
	running "$LAB-web" "$how" || return 1
	p=$(child_of "$LAB-web" httpd)
	[ -n "$p" ] || { echo "no httpd runs in $LAB-web: 'sudo boxlab rm -f $LAB-web', then $how"; return 1; }
	eff=$(mask CapEff <"/proc/$p/status")
	bnd=$(mask CapBnd <"/proc/$p/status")
	[ "$eff" = "$BIND" ] && [ "$bnd" = "$BIND" ] ||
		{ echo "httpd (pid $p) has CapEff $eff and CapBnd $bnd, not only CAP_NET_BIND_SERVICE: 'sudo boxlab rm -f $LAB-web', then $how"; return 1; }
	# local address :0050, state 0A (LISTEN), IPv4 or IPv6
	cat "/proc/$p/net/tcp" "/proc/$p/net/tcp6" 2>/dev/null | awk '$2 ~ /:0050$/ && $4 == "0A" {f = 1} END {exit !f}' && return 0
	echo "httpd in $LAB-web does not listen on port 80: $how"
	return 1
}

nobind() {
	local how="sudo boxlab run --name \$LAB-nobind --cap-drop ALL busybox httpd -f -p 80"
	exists "$LAB-nobind" "$how" || return 1
	[ "$(status_of "$LAB-nobind")" = exited ] || { echo "$LAB-nobind is $(status_of "$LAB-nobind"), it should have failed at once: $how"; return 1; }
	! field "$LAB-nobind" '.spec["security.capabilities"]' | grep -q NET_BIND_SERVICE ||
		{ echo "$LAB-nobind has CAP_NET_BIND_SERVICE: 'sudo boxlab rm $LAB-nobind', then $how"; return 1; }
	bx logs "$LAB-nobind" 2>&1 | grep -q "Permission denied" && return 0
	echo "$LAB-nobind did not fail with 'Permission denied': run httpd on port 80 ($how)"
	return 1
}

plain() {
	local f="$LESSON_WORK/capsh.txt" bnd root
	[ -s "$f" ] || { echo "run: sudo capsh --drop=cap_chown -- -c \"grep Cap /proc/self/status; touch \$WORK/f; chown nobody \$WORK/f\" > \$WORK/capsh.txt 2>&1"; return 1; }
	bnd=$(mask CapBnd <"$f")
	root=$(mask CapBnd </proc/self/status)
	[ -n "$bnd" ] || { echo "capsh.txt has no CapBnd line: the shell capsh started must grep /proc/self/status"; return 1; }
	[ "$bnd" = "$(printf %016x $((0x$root & ~1)))" ] ||
		{ echo "capsh.txt: CapBnd $bnd is not root's ($root) without CAP_CHOWN: use capsh --drop=cap_chown as root"; return 1; }
	grep -q "Operation not permitted" "$f" || { echo "capsh.txt shows no refused chown: chown nobody \$WORK/f in the same shell"; return 1; }
	[ -e "$LESSON_WORK/f" ] && [ "$(stat -c %U "$LESSON_WORK/f")" != nobody ] && return 0
	echo "\$WORK/f is missing, or owned by nobody: the chown must have failed"
	return 1
}

nsenter_exec() {
	local f="$LESSON_WORK/nsenter.txt" eff
	needs 3 web || return 1
	[ -s "$f" ] || { echo "run: sudo nsenter -t \$PID -a grep CapEff /proc/self/status > \$WORK/nsenter.txt"; return 1; }
	eff=$(mask CapEff <"$f")
	[ "$eff" = "$FULL" ] || { echo "nsenter.txt shows CapEff '${eff:-nothing}', not the full set: nsenter as root with -a (all namespaces)"; return 1; }
	[ -n "$(events "$LAB-web" '.[] | select(.phase == "exec" and (.message | startswith("boxlab exec")))')" ] && return 0
	echo "no 'boxlab exec' on $LAB-web's timeline: sudo boxlab exec \$LAB-web grep CapEff /proc/self/status"
	return 1
}

step 1 "The default set, decoded" decoded
step 2 "All of root's capabilities — in a user namespace" full
step 3 "Exactly one capability for a web server" web
step 4 "Without it, bind fails" nobind
step 5 "The same with the plain tools" plain
step 6 "boxlab exec keeps them, nsenter does not" nsenter_exec
