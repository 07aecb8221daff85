# Lesson 09's steps as a student types them (README.md), output dropped.
. "$(dirname "$0")/lib-b.sh"

# 1
! sudo boxlab run --name $LAB-denied busybox unshare -u true 2>/dev/null

# 2
sudo boxlab run --name $LAB-trace --trace-syscalls $WORK/chmod.trace busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; ls -l /tmp/f' >/dev/null 2>&1

# 3
sudo boxlab seccomp generate --from-trace $WORK/chmod.trace -o $WORK/chmod.json 2>/dev/null

# 4
sudo boxlab run --name $LAB-confined --seccomp $WORK/chmod.json busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; ls -l /tmp/f' >/dev/null

# 5
! sudo boxlab run --name $LAB-mkdir --seccomp $WORK/chmod.json busybox mkdir /tmp/d 2>/dev/null

# 6
cat > $WORK/nochmod.json <<'JSON'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [
		{ "names": ["chmod", "fchmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 }
	]
}
JSON
sudo boxlab seccomp show $WORK/nochmod.json >/dev/null
sudo boxlab run --name $LAB-nochmod --seccomp $WORK/nochmod.json busybox sh -c 'touch /tmp/f; chmod 600 /tmp/f; echo chmod=$?' 2>/dev/null |
	grep -qx chmod=1
