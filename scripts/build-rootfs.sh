#!/usr/bin/env bash
# Builds the built-in image: a busybox-static rootfs with the applet links,
# a minimal /etc, the default command, and the attack programs (boxlab
# attack) when their directory is given.  Usage: build-rootfs.sh DIR [ATTACKS_DIR]
set -euo pipefail
out=${1:?usage: build-rootfs.sh IMAGE_DIR [ATTACKS_DIR]}
attacks=${2:-}
bb=/bin/busybox
[ -x "$bb" ] || { echo "build-rootfs: $bb missing: run 'sudo make deps' (package busybox-static)" >&2; exit 1; }
file_type=$(od -An -tx1 -N4 "$bb" | tr -d ' ')
[ "$file_type" = 7f454c46 ] || { echo "build-rootfs: $bb is not an ELF binary" >&2; exit 1; }

tmp="$out.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
root="$tmp/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home,var/tmp,run,mnt}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
cp "$bb" "$root/bin/busybox"
# One symlink per applet, where busybox --install would put it.
for path in $("$bb" --list-full); do
	[ "$path" = bin/busybox ] && continue
	mkdir -p "$root/$(dirname "$path")"
	ln -sf /bin/busybox "$root/$path"
done
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
student:x:1000:1000:student:/home/student:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
student:x:1000:
nogroup:x:65534:
G
mkdir -p "$root/home/student" && chown 1000:1000 "$root/home/student"
cat > "$root/etc/hosts" <<'H'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
H
echo "boxlab" > "$root/etc/hostname"
echo "nameserver 127.0.0.1" > "$root/etc/resolv.conf"
cat > "$root/etc/profile" <<'R'
export PS1='[\u@\h \w]\$ '
R
if [ -n "$attacks" ]; then
	mkdir -p "$root/usr/lib/boxlab/attacks"
	for a in "$attacks"/*; do
		[ -f "$a" ] && [ -x "$a" ] && install -m 0755 "$a" "$root/usr/lib/boxlab/attacks/"
	done
fi
cat > "$tmp/config.ini" <<'C'
# The built-in image: busybox-static from Debian.
[image]
cmd = /bin/sh
env = PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
workdir = /
C
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
trap - EXIT
echo "build-rootfs: $out ($("$bb" --list | wc -l) applets)"
