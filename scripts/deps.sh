#!/usr/bin/env bash
# Installs every Debian package boxlab needs to build, run and test.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail

pkgs=(
	build-essential pkg-config
	libjansson-dev libiniparser-dev libcap-dev libseccomp-dev libncurses-dev
	libnl-3-dev libnl-route-3-dev iperf3
	# image import: libarchive, and the -dev packages holding the static
	# archives of what `pkg-config --static --libs libarchive` names
	libarchive-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev nettle-dev libxml2-dev
	xz-utils zstd
	libcmocka-dev bats tmux
	busybox-static
	hyperfine runc uidmap iproute2 nftables procps util-linux psmisc time jq
	# make report: figures, and bubblewrap to compare against
	gnuplot-nox bubblewrap
	# OCI acceptance (tests/integration/podman.bats): a real engine driving
	# `boxlab` as its --runtime
	podman fuse-overlayfs slirp4netns containernetworking-plugins
	# lessons: ping between the network namespaces of lesson 05
	iputils-ping
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run 'sudo make deps')" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
