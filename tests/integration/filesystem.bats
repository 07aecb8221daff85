#!/usr/bin/env bats
# The rootfs module and its commands: copy-on-write isolation, diff,
# masked /proc and /sys, --read-only and --tmpfs, volumes (host dirs and
# named), mount points that symlinks cannot lead out of the root, image
# import (tar in four compressions, OCI layouts with whiteouts), shared
# layers, and hostile archives and layouts refused with nothing left.
#
# Images and volumes live in a scratch $BOXLAB_LIB_DIR for this file.

load helpers

BUSYBOX_ROOTFS="$BATS_TEST_DIRNAME/../../${BUILD:-build}/images/busybox/rootfs"

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	export BOXLAB_LIB_DIR
	BOXLAB_LIB_DIR=$(mktemp -d /var/tmp/boxlab-fs-test.XXXXXX)
}

teardown_file() {
	[ -n "${BOXLAB_LIB_DIR:-}" ] && [ -d "$BOXLAB_LIB_DIR" ] || return 0
	if grep -qF "$BOXLAB_LIB_DIR" /proc/self/mountinfo; then
		echo "mounts left under $BOXLAB_LIB_DIR" >&2
		return 1
	fi
	rm -rf "$BOXLAB_LIB_DIR"
}

# Scratch files, removed by bats after each test.  Volumes are cloned by
# boxlab as host root, so the container needs no way into this dir.
scratch() {
	mktemp -d "$BATS_TEST_TMPDIR/s.XXXXXX"
}

# Containers of this file need no network: leave the module out where
# the build has it, so a test here never waits for a veth.
nonet() {
	[[ "$("$BOXLAB" run --help)" == *"--no-network"* ]] && printf -- '--no-network'
	return 0
}

fsrun() {
	bx run $(nonet) "$@"
}

oci_arch() {
	case "$(uname -m)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac
}

# make_oci DIR CONFIG LAYER...: an OCI image layout (image-spec
# image-layout.md) with the layer tars, bottom first, and CONFIG as the
# image config's "config" object.
make_oci() {
	local dir=$1 cfg=$2 l d s mt layers="" ids="" sep=""
	shift 2
	mkdir -p "$dir/blobs/sha256"
	for l in "$@"; do
		d=$(sha256sum "$l" | cut -d' ' -f1)
		s=$(stat -c %s "$l")
		cp "$l" "$dir/blobs/sha256/$d"
		case "$l" in
		*.gz) mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
		*.zst) mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
		*) mt=application/vnd.oci.image.layer.v1.tar ;;
		esac
		layers="$layers$sep{\"mediaType\":\"$mt\",\"digest\":\"sha256:$d\",\"size\":$s}"
		ids="$ids$sep\"sha256:$d\""
		sep=,
	done
	printf '{"architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
		"$(oci_arch)" "$cfg" "$ids" >"$dir/c.json"
	d=$(sha256sum "$dir/c.json" | cut -d' ' -f1)
	s=$(stat -c %s "$dir/c.json")
	mv "$dir/c.json" "$dir/blobs/sha256/$d"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$d" "$s" "$layers" >"$dir/m.json"
	d=$(sha256sum "$dir/m.json" | cut -d' ' -f1)
	s=$(stat -c %s "$dir/m.json")
	mv "$dir/m.json" "$dir/blobs/sha256/$d"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
		"$d" "$s" "$(oci_arch)" >"$dir/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

busybox_tar() { # busybox_tar FILE: the built-in image as a plain tar
	tar -C "$BUSYBOX_ROOTFS" -cf "$1" .
}

layer_count() {
	find "$BOXLAB_LIB_DIR/layers" -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null | wc -l
}

@test "copy-on-write: a container's writes reach neither the image nor another container" {
	a=fs$RANDOM-a b=fs$RANDOM-b
	run fsrun --name "$a" busybox sh -c 'echo mine > /etc/cow-test; rm /etc/hostname; cat /etc/cow-test'
	[ "$status" -eq 0 ]
	[ "$output" = "mine" ]
	run fsrun -d --name "$b" busybox sleep 30
	[ "$status" -eq 0 ]
	run bx exec "$b" sh -c 'cat /etc/cow-test; test -e /etc/hostname && echo hostname-still-there'
	[[ "$output" == *"No such file"* ]]
	[[ "$output" == *"hostname-still-there"* ]]
	[ ! -e "$BUSYBOX_ROOTFS/etc/cow-test" ]
	[ -e "$BUSYBOX_ROOTFS/etc/hostname" ]
	[ -z "$(find "$BOXLAB_LIB_DIR" -name cow-test)" ]
	# The write is in a's own upper layer.
	[ "$(cat "$BOXLAB_RUN_DIR/$a/upper/etc/cow-test")" = "mine" ]
}

@test "diff lists added, changed and deleted files, running and exited" {
	n=fs$RANDOM
	run fsrun -d --name "$n" busybox sh -c 'echo x >> /etc/passwd; rm /etc/group; mkdir -p /srv/new; touch /srv/new/f; touch /tmp/done; sleep 30'
	[ "$status" -eq 0 ]
	wait_for 10 test -e "$BOXLAB_RUN_DIR/$n/upper/tmp/done"
	expected=$'C /etc\nC /etc/passwd\nD /etc/group\nA /srv\nA /srv/new\nA /srv/new/f\nC /tmp\nA /tmp/done'
	run bx diff "$n"
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(sort <<<"$expected")" ]
	run bx diff --json "$n"
	[ "$(jq -r '.[] | .kind + " " + .path' <<<"$output" | sort)" = "$(sort <<<"$expected")" ]
	bx stop -t 1 "$n"
	run bx diff "$n"
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(sort <<<"$expected")" ]
	run bx diff nosuch-fs-container
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuch-fs-container"* ]]
}

@test "a rebuilt image's old shifted copies go with the next copy, unless a container still uses them" {
	export BOXLAB_LIB_DIR="$BATS_TEST_TMPDIR/lib" BOXLAB_IMAGE_DIR="$BATS_TEST_TMPDIR/images"
	mkdir -p "$BOXLAB_IMAGE_DIR"
	cp -a "$BUSYBOX_ROOTFS/.." "$BOXLAB_IMAGE_DIR/busybox"
	copies() { ls "$BOXLAB_LIB_DIR/shifted" | grep -c '^busybox-' || true; }
	rebuild() { touch -d "@$1" "$BOXLAB_IMAGE_DIR/busybox/rootfs"; }
	n=fs$RANDOM
	rebuild 1000000000
	fsrun --rm busybox true
	[ "$(copies)" -eq 1 ]
	old=$(ls "$BOXLAB_LIB_DIR/shifted" | grep '^busybox-')
	# A running container keeps its copy (its overlay's lower layer).
	fsrun -d --name "$n-run" busybox sleep 30
	rebuild 1000000001
	fsrun --rm busybox true
	[ "$(copies)" -eq 2 ]
	[ -d "$BOXLAB_LIB_DIR/shifted/$old" ]
	# So does an exited one (boxlab diff reads its lower layer).
	fsrun --name "$n-exited" busybox true
	bx rm -f "$n-run"
	rebuild 1000000002
	fsrun --rm busybox true
	[ "$(copies)" -eq 2 ]
	[ ! -e "$BOXLAB_LIB_DIR/shifted/$old" ]
	run bx diff "$n-exited"
	[ "$status" -eq 0 ]
	bx rm "$n-exited"
	rebuild 1000000003
	fsrun --rm busybox true
	[ "$(copies)" -eq 1 ]
	# Another image's copies are not this one's to remove.
	mkdir "$BOXLAB_LIB_DIR/shifted/busybox-100000-100000-x-100000-100000-1-2"
	rebuild 1000000004
	fsrun --rm busybox true
	[ -d "$BOXLAB_LIB_DIR/shifted/busybox-100000-100000-x-100000-100000-1-2" ]
}

@test "--no-rootfs says loudly that the host's root is used, on stderr and in the timeline" {
	n=fs$RANDOM
	canary=$(scratch)/canary
	echo host-file >"$canary"
	# --userns=host: container root may then enter the 0700 bats dir.
	run bx run $(nonet) --no-rootfs --userns=host --name "$n" busybox cat "$canary"
	[ "$status" -eq 0 ]
	[[ "$output" == *"boxlab: warning: rootfs is off: the container sees and can write the HOST's root"* ]]
	[[ "$output" == *host-file* ]]
	run bx events "$n"
	[[ "$output" == *"rootfs"*"off"*"WARNING: rootfs is off"* ]]
	run bx diff "$n"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no root file system of its own"* ]]
}

@test "Docker's masked paths are hidden and its read-only paths read-only" {
	masked="/proc/asound /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware /sys/devices/virtual/powercap"
	readonly_paths="/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger"
	checked=0
	for p in $masked; do
		[ -e "$p" ] || continue
		checked=$((checked + 1))
		run fsrun --rm busybox sh -c "if [ -d $p ]; then ls -A $p; else cat $p; fi; grep -c ' $p ' /proc/self/mountinfo"
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		# Empty, and a mount point of its own.
		[ "$output" = "1" ] || { echo "$p not masked: $output"; false; }
	done
	for p in $readonly_paths; do
		[ -e "$p" ] || continue
		checked=$((checked + 1))
		run fsrun --rm busybox sh -c "grep ' $p ' /proc/self/mountinfo"
		[[ "$output" == *" $p ro,"* ]] || { echo "$p not read-only: $output"; false; }
	done
	[ "$checked" -ge 4 ]
	run fsrun --rm busybox sh -c 'echo 1 > /proc/sys/kernel/panic'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "--read-only refuses writes to the root; /dev/shm, --tmpfs and volumes stay writable" {
	vol=$(scratch)
	chmod 777 "$vol"
	run fsrun --rm --read-only --tmpfs /tmp -v "$vol:/data" -w /created/here busybox sh -c '
		touch /etc/x 2>&1; echo "root=$?"
		touch /tmp/x /dev/shm/x /data/x && echo writable
		pwd'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[ "${lines[1]}" = "root=1" ]
	[ "${lines[2]}" = "writable" ]
	[ "${lines[3]}" = "/created/here" ]
	[ -e "$vol/x" ]
	# Without --tmpfs, like Docker, /tmp is read-only too.
	run fsrun --rm --read-only busybox touch /tmp/x
	[ "$status" -ne 0 ]
}

@test "--tmpfs: size limit, mode, and noexec unless asked" {
	run fsrun --rm --tmpfs /scratch:size=4m,mode=0700 busybox sh -c '
		ls -ld /scratch | cut -c1-10
		dd if=/dev/zero of=/scratch/big bs=1k count=5000 2>/dev/null; echo "dd=$?"
		du -k /scratch/big | cut -f1
		rm /scratch/big
		cp /bin/busybox /scratch/busybox; /scratch/busybox true 2>/dev/null; echo "exec=$?"'
	[ "${lines[0]}" = "drwx------" ]
	[ "${lines[1]}" = "dd=1" ]
	[ "${lines[2]}" -le 4096 ]
	[ "${lines[3]}" = "exec=126" ]
	run fsrun --rm --tmpfs /scratch:exec busybox sh -c 'cp /bin/busybox /scratch/busybox && /scratch/busybox true && echo ran'
	[ "$output" = "ran" ]
	run bx run --tmpfs /x:size=lots busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid tmpfs option "size=lots"'* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "host volumes: rw writes reach the host, ro ones refuse writes" {
	dir=$(scratch)
	chmod 777 "$dir"
	echo from-host >"$dir/in"
	run fsrun --rm -v "$dir:/data" busybox sh -c 'cat /data/in; echo from-container > /data/out'
	[ "$status" -eq 0 ]
	[ "$output" = "from-host" ]
	[ "$(cat "$dir/out")" = "from-container" ]
	run fsrun --rm -v "$dir:/data:ro" busybox sh -c 'cat /data/in; echo again > /data/out'
	[ "$status" -ne 0 ]
	[[ "$output" == *"from-host"* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(cat "$dir/out")" = "from-container" ]
	# A single file, and the mount is private: nothing propagates back.
	run fsrun --rm -v "$dir/in:/etc/motd:ro" busybox sh -c 'cat /etc/motd; grep " /etc/motd " /proc/self/mountinfo'
	[[ "${lines[0]}" = "from-host" ]]
	[[ "${lines[1]}" != *shared:* ]]
}

@test "named volumes: created, owned by container root, survive rm, refused while in use" {
	v=fs$RANDOM
	a=fs$RANDOM-a b=fs$RANDOM-b
	run bx volume create "$v"
	[ "$status" -eq 0 ]
	[ "$output" = "$v" ]
	run fsrun --name "$a" -v "$v:/data" busybox sh -c 'echo kept > /data/f; id -u; stat -c %u /data'
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "0" ] # container root owns it, seen from inside
	host_uid=$(stat -c %u "$BOXLAB_LIB_DIR/volumes/$v/_data")
	[ "$host_uid" -ne 0 ] # ... which is not host root (user namespace)
	run bx rm "$a"
	[ "$status" -eq 0 ]
	[ "$(cat "$BOXLAB_LIB_DIR/volumes/$v/_data/f")" = "kept" ]
	fsrun --name "$b" -v "$v:/data:ro" busybox cat /data/f
	run bx volume ls
	[[ "$output" == *"$v"*"$b"* ]]
	run bx volume inspect "$v"
	[ "$(jq -r '.[0].used_by[0]' <<<"$output")" = "$b" ]
	[ "$(jq -r '.[0].mountpoint' <<<"$output")" = "$BOXLAB_LIB_DIR/volumes/$v/_data" ]
	run bx volume rm "$v"
	[ "$status" -ne 0 ]
	[[ "$output" == *"volume $v is in use by container $b"* ]]
	bx rm "$b"
	run bx volume rm "$v"
	[ "$status" -eq 0 ]
	[ ! -e "$BOXLAB_LIB_DIR/volumes/$v" ]
}

@test "bad volumes are refused with a clear error before anything is mounted" {
	dir=$(scratch)
	run bx run -v /nonexistent-fs-src:/data busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"volume source /nonexistent-fs-src does not exist"* ]]
	run bx run -v "$dir:/proc/x" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *'target "/proc/x" is inside /proc'* ]]
	run bx run -v "$dir:/sys/kernel" busybox true
	[[ "$output" == *'is inside /sys'* ]]
	run bx run -v "$dir:/x/../proc" busybox true
	[[ "$output" == *'is inside /proc'* ]]
	run bx run -v "$dir:relative" busybox true
	[[ "$output" == *"not an absolute path"* ]]
	run bx run -v "nosuchvol$RANDOM:/data" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such volume: nosuchvol"*"boxlab volume create"* ]]
	run bx run -v "$dir:/a" -v "$dir:/a" busybox true
	[[ "$output" == *"two mounts on /a"* ]]
	[ -z "$(ls "$BOXLAB_RUN_DIR")" ]
}

@test "image import: a rootfs tar, gzip, xz and zstd each give a working image" {
	d=$(scratch)
	mkdir "$d/root"
	cp -a "$BUSYBOX_ROOTFS/." "$d/root/"
	echo imported >"$d/root/etc/marker"
	tar -C "$d/root" -cf "$d/img.tar" .
	gzip -k "$d/img.tar"
	xz -k -T1 "$d/img.tar"
	zstd -q "$d/img.tar" -o "$d/img.tar.zst"
	for f in img.tar img.tar.gz img.tar.xz img.tar.zst; do
		name=fs-${f//./-}
		run bx image import "$d/$f" "$name"
		[ "$status" -eq 0 ] || { echo "$f: $output"; false; }
		[[ "$output" == "$name: imported from $d/$f (tar): 1 layer"* ]]
		run fsrun --rm "$name" cat /etc/marker
		[ "$output" = "imported" ] || { echo "$f: $output"; false; }
	done
	run bx image ls
	[[ "$output" == *"fs-img-tar-zst "*" 1 "* ]]
	# Four files, two contents (the tar and its compressions differ as
	# files, so four layers): each stored once per file.
	[ "$(layer_count)" -eq 4 ]
	run bx image import "$d/img.tar" fs-img-again
	[[ "$output" == *"(1 already stored)"* ]]
	[ "$(layer_count)" -eq 4 ]
	run bx image inspect fs-img-tar
	[ "$(jq -r '.[0].layers | length' <<<"$output")" = 1 ]
	[ "$(jq -r '.[0].layers[0].id' <<<"$output")" = "sha256:$(sha256sum "$d/img.tar" | cut -d' ' -f1)" ]
	for name in fs-img-tar fs-img-tar-gz fs-img-tar-xz fs-img-tar-zst fs-img-again; do
		bx image rm "$name"
	done
	[ "$(layer_count)" -eq 0 ]
}

@test "image import of an OCI layout: layers in order, whiteouts, opaque dirs, config" {
	d=$(scratch)
	busybox_tar "$d/base.tar"
	mkdir -p "$d/l2/etc" "$d/l2/data/old" "$d/l2/gone" "$d/l3/etc" "$d/l3/data"
	echo one >"$d/l2/etc/a"
	echo two >"$d/l2/etc/b"
	echo old >"$d/l2/data/old/f"
	echo x >"$d/l2/gone/f"
	touch "$d/l3/etc/.wh.a" "$d/l3/.wh.gone" "$d/l3/data/.wh..wh..opq"
	echo new >"$d/l3/data/n"
	echo three >"$d/l3/etc/b"
	tar -C "$d/l2" -czf "$d/l2.tar.gz" .
	tar -C "$d/l3" -cf "$d/l3.tar" .
	make_oci "$d/oci" '{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo \"$GREETING\" from $(pwd)"],"Env":["PATH=/bin:/usr/bin","GREETING=hello oci"],"WorkingDir":"/etc"}' \
		"$d/base.tar" "$d/l2.tar.gz" "$d/l3.tar"
	run bx image import "$d/oci" fs-oci
	[ "$status" -eq 0 ]
	[[ "$output" == *"(oci): 3 layers"* ]]
	run fsrun --rm fs-oci
	[ "$output" = "hello oci from /etc" ]
	run fsrun --rm fs-oci sh -c 'test -e /etc/a || echo a-gone; test -e /gone || echo gone-gone; ls -A /data; cat /etc/b /data/n'
	[ "$output" = $'a-gone\ngone-gone\nn\nthree\nnew' ]
	# The same through the uid-shifted copies and without them.
	run fsrun --rm --userns=host fs-oci sh -c 'ls -A /data; test -e /etc/a || echo a-gone'
	[ "$output" = $'n\na-gone' ]
	run bx image inspect fs-oci
	[ "$(jq -r '.[0].layers[0].id' <<<"$output")" = "sha256:$(sha256sum "$d/l3.tar" | cut -d' ' -f1)" ]
	[ "$(jq -r '.[0].workdir' <<<"$output")" = "/etc" ]
	bx image rm fs-oci
}

@test "layers shared by two images are stored once and freed with the last" {
	d=$(scratch)
	busybox_tar "$d/base.tar"
	mkdir -p "$d/x/etc" "$d/y/etc"
	echo x >"$d/x/etc/which"
	echo y >"$d/y/etc/which"
	tar -C "$d/x" -cf "$d/x.tar" .
	tar -C "$d/y" -cf "$d/y.tar" .
	make_oci "$d/ox" '{}' "$d/base.tar" "$d/x.tar"
	make_oci "$d/oy" '{}' "$d/base.tar" "$d/y.tar"
	bx image import "$d/ox" fs-x
	run bx image import "$d/oy" fs-y
	[[ "$output" == *"2 layers (1 already stored)"* ]]
	[ "$(layer_count)" -eq 3 ]
	run fsrun --rm fs-y cat /etc/which
	[ "$output" = "y" ]
	run bx image rm fs-x
	[ "$output" = "fs-x (1 layer freed)" ]
	[ "$(layer_count)" -eq 2 ]
	run fsrun --rm fs-y cat /etc/which
	[ "$output" = "y" ]
	run bx image rm fs-y
	[ "$output" = "fs-y (2 layers freed)" ]
	[ "$(layer_count)" -eq 0 ]
	[ -z "$(ls "$BOXLAB_LIB_DIR/shifted" | grep '^layer-')" ]
}

@test "image rm refuses while a container uses the image; unknown images are listed" {
	d=$(scratch)
	busybox_tar "$d/bb.tar"
	bx image import "$d/bb.tar" fs-used
	n=fs$RANDOM
	fsrun --name "$n" fs-used true
	run bx image rm fs-used
	[ "$status" -ne 0 ]
	[[ "$output" == *"image fs-used is used by container $n"* ]]
	run bx image inspect fs-used
	[ "$(jq -r '.[0].used_by[0]' <<<"$output")" = "$n" ]
	bx rm "$n"
	bx image rm fs-used
	run bx image rm busybox
	[ "$status" -eq 2 ]
	[[ "$output" == *"built into boxlab"* ]]
	run bx run nosuch-fs-image true
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such image: nosuch-fs-image (available: busybox"* ]]
}

@test "hostile archives are refused, write nothing outside, import nothing" {
	d=$(scratch)
	mkdir -p "$d/src" "$d/outside"
	echo hi >"$d/src/f"
	tar -C "$d/src" -cPf "$d/dotdot.tar" --transform 's,^,../,' f
	tar -C "$d/src" -cPf "$d/deep.tar" --transform 's,^,a/../../,' f
	tar -C "$d/src" -cPf "$d/abs.tar" --transform "s,^,$d/outside/," f
	ln -s ../../../../etc/shadow "$d/src/up" && tar -C "$d/src" -cf "$d/symup.tar" up && rm "$d/src/up"
	ln -s "$d/outside" "$d/src/sl"
	mkdir "$d/src/d2" && echo pwned >"$d/src/d2/pwned"
	tar -C "$d/src" -cf "$d/through.tar" sl && tar -C "$d/src" -rf "$d/through.tar" --transform 's,^d2,sl,' d2/pwned
	ln "$d/src/f" "$d/src/g"
	tar -C "$d/src" -cPf "$d/hardout.tar" --transform 's,^f$,../../../etc/passwd,RSh' f g
	tar -C "$d/src" -cPf "$d/hardsym.tar" --transform 's,^f$,sl/f,RSh' sl f g
	rm "$d/src/g" "$d/src/sl"
	mknod "$d/src/null" c 1 3 && tar -C "$d/src" -cf "$d/dev.tar" null && rm "$d/src/null"
	busybox_tar "$d/bb.tar"
	head -c 300000 "$d/bb.tar" >"$d/truncated.tar"
	gzip -c "$d/bb.tar" | head -c 200000 >"$d/truncated.tar.gz"
	head -c 4096 /dev/urandom >"$d/random.tar"
	declare -A why=(
		[dotdot]='climbs out of the image' [deep]='climbs out of the image' [abs]='is an absolute path'
		[symup]='points outside the image' [through]='through symlink' [hardout]='climbs out of the image'
		[hardsym]='reached without symlinks' [dev]='a device node' [truncated]='truncated or corrupt'
		[random]='not a tar archive'
	)
	for t in "${!why[@]}" truncated.tar.gz; do
		f=$t.tar
		[ "$t" = truncated.tar.gz ] && f=$t && t=truncated
		run bx image import "$d/$f" fs-hostile
		[ "$status" -eq 1 ] || { echo "$f: status $status: $output"; false; }
		[[ "$output" == *"${why[$t]}"*"(nothing was imported)" ]] || { echo "$f: $output"; false; }
		[ -z "$(ls -A "$d/outside")" ] || { echo "$f wrote outside"; false; }
		[ "$(layer_count)" -eq 0 ]
		[ -z "$(ls -A "$BOXLAB_LIB_DIR/layers")" ] || { echo "$f left $(ls -A "$BOXLAB_LIB_DIR/layers")"; false; }
	done
	run bx image ls
	[[ "$output" != *fs-hostile* ]]
	[ -z "$(ls -A "$BOXLAB_LIB_DIR/images")" ]
}

@test "OCI layouts with a wrong digest, a missing blob or a bad digest name are refused" {
	d=$(scratch)
	busybox_tar "$d/base.tar"
	mkdir -p "$d/l/etc" && echo x >"$d/l/etc/x" && tar -C "$d/l" -cf "$d/l.tar" .
	make_oci "$d/good" '{}' "$d/base.tar" "$d/l.tar"
	base=$(sha256sum "$d/base.tar" | cut -d' ' -f1)

	cp -a "$d/good" "$d/flip"
	printf 'X' | dd of="$d/flip/blobs/sha256/$base" bs=1 seek=20000 conv=notrunc 2>/dev/null
	run bx image import "$d/flip" fs-bad
	[ "$status" -eq 1 ]
	[[ "$output" == *"layer 1"*"digest mismatch"*"the manifest says sha256:$base"* ]]

	cp -a "$d/good" "$d/missing"
	rm "$d/missing/blobs/sha256/$base"
	run bx image import "$d/missing" fs-bad
	[[ "$output" == *"layer 1: missing blob"* ]]

	cp -a "$d/good" "$d/evilname"
	sed -i 's,"digest":"sha256:[0-9a-f]*","digest":"sha256:../../../../etc/passwd",' "$d/evilname/index.json"
	run bx image import "$d/evilname" fs-bad
	[[ "$output" == *'unsupported digest "sha256:../../../../etc/passwd"'* ]]

	cp -a "$d/good" "$d/manifest"
	m=$(jq -r '.manifests[0].digest' "$d/good/index.json" | cut -d: -f2)
	sed -i 's/schemaVersion/schemaversion/' "$d/manifest/blobs/sha256/$m"
	run bx image import "$d/manifest" fs-bad
	[[ "$output" == *"manifest: digest mismatch"* ]]

	[ "$(layer_count)" -eq 0 ]
	[ -z "$(ls -A "$BOXLAB_LIB_DIR/images")" ]
	run bx image import "$d/good" fs-good
	[ "$status" -eq 0 ]
	bx image rm fs-good
}

@test "mount points are made inside the root even through symlinks to / and .." {
	d=$(scratch)
	busybox_tar "$d/base.tar"
	mkdir -p "$d/s/etc"
	ln -s / "$d/s/lnk"
	ln -s .. "$d/s/etc/up"
	tar -C "$d/s" -cf "$d/s.tar" .
	make_oci "$d/oci" '{}' "$d/base.tar" "$d/s.tar"
	bx image import "$d/oci" fs-links
	vol=$(scratch)
	chmod 777 "$vol"
	n=fs-escape-$RANDOM
	run fsrun --rm -v "$vol:/lnk/$n" --tmpfs "/etc/up/etc/up/$n-t" fs-links sh -c "ls -d /$n /$n-t && touch /$n/inside"
	[ "$status" -eq 0 ]
	[ -e "$vol/inside" ]
	[ ! -e "/$n" ]
	[ ! -e "/$n-t" ]
	run fsrun --rm -v "$vol:/lnk/proc/$n" fs-links true
	[ "$status" -ne 0 ]
	[[ "$output" == *"resolves into /proc or /sys"* ]]
	run fsrun --rm --tmpfs /lnk/sys/fs fs-links true
	[[ "$output" == *"resolves into /proc or /sys"* ]]
	bx image rm fs-links
}
