#!/usr/bin/env bash
# Makes sure boxlab has a CRIU that really checkpoints and restores on this
# kernel, and records which one in $BOXLAB_CRIU_DIR (default
# /var/lib/boxlab/criu, outside the clone so a fresh clone or `make clean`
# does not rebuild it):
#
#   current      symlink to the CRIU in use: a dir with sbin/criu
#   <ver>/       one CRIU: sbin/criu, and verdict (written by the test below)
#
# A CRIU is judged by a real dump and restore of a small process, each
# under a time limit, never by `criu check` alone: on this project's
# kernel Debian 12's criu 3.17 fails on the vDSO, and 4.1.1 passes `criu
# check` but hangs in its dump.  Order: the cached one, a criu on PATH,
# Debian's packaged criu (unpacked, not installed), and last CRIU built
# from the .orig tarball of Debian unstable's source package.
#
# Usage: criu.sh            ensure a working CRIU (root; quiet when cached)
#        criu.sh --test BIN test one binary, print its verdict line
#        criu.sh --path     print the criu binary in use, or fail
set -euo pipefail

CACHE=${BOXLAB_CRIU_DIR:-/var/lib/boxlab/criu}
TIMEOUT=${BOXLAB_CRIU_TEST_TIMEOUT:-60}
SRC_LIST=/etc/apt/sources.list.d/boxlab-criu-src.sources
# What `make criu` needs: the Build-Depends of Debian's criu 4.2.1-1
# without the docs and the Python tools.  protobuf-c for the image and
# RPC formats (libprotobuf-dev: the descriptor.proto they import), libnl
# and libnet for network dumps, nftables for the network lock.
BUILD_DEPS=(build-essential pkg-config python3 protobuf-c-compiler libprotobuf-c-dev protobuf-compiler
	libprotobuf-dev libnl-3-dev libnet1-dev libcap-dev libbsd-dev libnftables-dev libgnutls28-dev
	uuid-dev iproute2 xz-utils)

say() { echo "criu: $*"; }
die() { echo "criu: $*" >&2; exit 1; }

# --- the test: dump a counting process, restore it, see it count on ------
# The process is the init of its own pid namespace, as a container's is:
# a restore then needs no free pid on the host (this host's pid 1 is slow
# to reap orphans, whose session ids would block the old pids), and the
# restored tree stays a child of `criu restore`, so nothing is orphaned.
test_criu() { # test_criu BIN: prints "ok ..." or "fail ..."; exit 0 either way
	local bin=$1 dir up init before after t0 t1 t2 cpid rpid=0 verdict
	mkdir -p "$CACHE"
	dir=$(mktemp -d "$CACHE/test.XXXXXX")
	unshare --pid --fork --kill-child setsid sh -c \
		'i=0; while :; do i=$((i + 1)); echo $i >"$1/count.tmp"; mv "$1/count.tmp" "$1/count"; sleep 0.05; done' \
		sh "$dir" </dev/null >/dev/null 2>&1 &
	up=$!
	for _ in $(seq 50); do [ -s "$dir/count" ] && break; sleep 0.1; done
	init=$(cat "/proc/$up/task/$up/children" 2>/dev/null | awk '{print $1}')
	mkdir "$dir/img"
	t0=$(date +%s%N)
	if [ -z "$init" ] || ! timeout -s KILL "$TIMEOUT" "$bin" dump -t "$init" -D "$dir/img" -o dump.log -v4 \
		>/dev/null 2>&1; then
		kill -9 "$up" 2>/dev/null || true
		wait "$up" 2>/dev/null || true
		echo "fail dump failed (limit ${TIMEOUT} s): $(grep -h Error "$dir/img/dump.log" 2>/dev/null | tail -n 2 | tr '\n' ' ')"
		rm -rf "$dir"
		return 0
	fi
	t1=$(date +%s%N)
	wait "$up" 2>/dev/null || true
	before=$(cat "$dir/count")
	timeout -s KILL "$TIMEOUT" "$bin" restore -D "$dir/img" -o restore.log -v4 --pidfile "$dir/pid" \
		>/dev/null 2>&1 &
	cpid=$!
	for _ in $(seq $((TIMEOUT * 10))); do
		[ -s "$dir/pid" ] && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	t2=$(date +%s%N)
	[ -s "$dir/pid" ] && rpid=$(cat "$dir/pid")
	sleep 0.5
	after=$(cat "$dir/count")
	if [ "$rpid" -gt 0 ] && kill -0 "$rpid" 2>/dev/null && [ "$after" -gt "$before" ]; then
		verdict="ok dump $(((t1 - t0) / 1000000)) ms, restore $(((t2 - t1) / 1000000)) ms, count $before -> $after"
	else
		verdict="fail restore failed (limit ${TIMEOUT} s): $(grep -h Error "$dir/img/restore.log" 2>/dev/null | tail -n 2 | tr '\n' ' ')(count $before -> $after)"
	fi
	if [ "$rpid" -gt 0 ]; then kill -9 "$rpid" 2>/dev/null || true; fi
	kill -9 "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
	echo "$verdict"
	rm -rf "$dir"
}

version_of() { "$1" --version 2>/dev/null | sed -n 's/^Version: *//p' | head -n1; }

# Record a tested CRIU as the one in use: <dir>/sbin/criu and its verdict.
adopt() { # adopt DIR VERDICT
	printf '%s kernel %s tested %s\n' "$2" "$(uname -r)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$1/verdict"
	ln -sfn "$(basename "$1")" "$CACHE/current.tmp"
	mv -T "$CACHE/current.tmp" "$CACHE/current"
}

# Try one binary; on success copy it into the cache as <name> and adopt it.
try_binary() { # try_binary BIN NAME
	local bin=$1 name=$2 verdict
	verdict=$(test_criu "$bin")
	say "$name ($bin): $verdict"
	[[ $verdict == ok* ]] || return 1
	if [ "$(readlink -f "$bin")" != "$(readlink -f "$CACHE/$name/sbin/criu")" ]; then
		mkdir -p "$CACHE/$name/sbin"
		install -m 0755 "$bin" "$CACHE/$name/sbin/criu"
	fi
	adopt "$CACHE/$name" "$verdict"
}

install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Debian's packaged criu, unpacked into a temp dir (not installed) ---
try_packaged() {
	local tmp deb rc=1
	tmp=$(mktemp -d "$CACHE/pkg.XXXXXX")
	if (cd "$tmp" && apt-get download criu >/dev/null 2>&1); then
		deb=$(ls "$tmp"/criu_*.deb)
		dpkg-deb -x "$deb" "$tmp/root"
		local ver
		ver=$(version_of "$tmp/root/usr/sbin/criu")
		try_binary "$tmp/root/usr/sbin/criu" "debian-${ver:-unknown}" && rc=0
	else
		say "Debian has no criu package to try"
	fi
	rm -rf "$tmp"
	return $rc
}

# --- CRIU from Debian unstable's source package, built once ------------
remove_src_list() {
	[ -e "$SRC_LIST" ] || return 0
	rm -f "$SRC_LIST"
	# Forget unstable's source index too, so the host's apt is as before.
	apt-get update -qq >/dev/null 2>&1 || true
}

build_from_source() {
	local tarball ver prefix work
	WORK=$(mktemp -d "$CACHE/build.XXXXXX")
	work=$WORK
	# Also on failure: no deb-src entry and no build tree left behind.
	trap 'remove_src_list; rm -rf "$WORK"' EXIT
	cat >"$SRC_LIST" <<-EOF
		# Added by boxlab's scripts/criu.sh for one download; it removes it again.
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: unstable
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	say "fetching the source of Debian unstable's criu"
	apt-get update -qq >/dev/null
	# Exits non-zero when the Debian part of the package cannot be
	# fetched or unpacked; only the upstream tarball matters here.
	(cd "$work" && apt-get source --download-only criu >"$work/source.log" 2>&1) || true
	remove_src_list
	tarball=$(ls "$work"/criu_*.orig.tar.* 2>/dev/null | head -n1 || true)
	[ -n "$tarball" ] || die "could not download the criu source: $(tail -n 3 "$work/source.log" | tr '\n' ' ')"
	ver=$(basename "$tarball" | sed -E 's/^criu_(.*)\.orig\.tar\..*$/\1/')
	prefix="$CACHE/$ver"
	tar -xf "$tarball" -C "$work"
	local srcdir
	srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'criu*' | head -n1)
	say "building CRIU $ver (about 2 minutes; log: $CACHE/build-$ver.log)"
	if ! make -C "$srcdir" -j"$(nproc)" criu >"$CACHE/build-$ver.log" 2>&1; then
		die "building CRIU $ver failed: see $CACHE/build-$ver.log"
	fi
	rm -rf "$prefix"
	mkdir -p "$prefix/sbin"
	install -m 0755 "$srcdir/criu/criu" "$prefix/sbin/criu"
	# The RPC schema boxlab speaks, kept beside the binary it matches.
	install -m 0644 "$srcdir/images/rpc.proto" "$prefix/rpc.proto"
	rm -rf "$work"
	trap - EXIT
	try_binary "$prefix/sbin/criu" "$ver" ||
		die "CRIU $ver, built from source, cannot dump and restore here either (see above)"
}

main() {
	case "${1:-}" in
	--test)
		test_criu "$2"
		return 0
		;;
	--path)
		[ -x "$CACHE/current/sbin/criu" ] || return 1
		echo "$CACHE/current/sbin/criu"
		return 0
		;;
	"") ;;
	*) die "unknown argument '$1' (allowed: --test BIN, --path)" ;;
	esac

	# Quiet and fast when done: a cached CRIU that passed on this kernel.
	if [ -x "$CACHE/current/sbin/criu" ] && [ -r "$CACHE/current/verdict" ] &&
		grep -q "^ok .* kernel $(uname -r) " "$CACHE/current/verdict"; then
		say "$(readlink "$CACHE/current") works on this kernel ($CACHE/current/sbin/criu)"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "no tested CRIU in $CACHE yet; run 'sudo make deps'"
	mkdir -p "$CACHE"
	install_packages "${BUILD_DEPS[@]}"

	# A cached CRIU tested on another kernel: test it again here.
	if [ -x "$CACHE/current/sbin/criu" ]; then
		try_binary "$CACHE/current/sbin/criu" "$(readlink "$CACHE/current")" && return 0
	fi
	local onpath
	onpath=$(command -v criu || true)
	if [ -n "$onpath" ]; then
		try_binary "$onpath" "path-$(version_of "$onpath")" && return 0
	fi
	try_packaged && return 0
	build_from_source
}

main "$@"
