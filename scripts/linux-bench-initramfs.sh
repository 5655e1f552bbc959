#!/usr/bin/env bash
# Builds the benchmark initramfs of issue 11: the default Linux guest
# initramfs (scripts/fetch-linux.sh) followed by a second cpio archive with
# the nbench suite (guests/linux/bench: one static arm64 program, linked
# against Debian's libc6-dev-arm64-cross) and /etc/rc.bench, which runs it
# when the kernel command line says nbench=<mode>. Linux unpacks
# concatenated archives in order, so the benchmark guest is exactly the
# default guest plus these files, and the default initramfs (what every
# other scenario and the boot benchmark use) stays as small as it was.
# The overlay also holds vsock_loopback.ko from the same kernel package
# (VMADDR_CID_LOCAL, for the vsock loopback row of make bench-net; it
# needs vsock and vmw_vsock_virtio_transport_common, which the default
# initramfs loads at boot).
#
#   BUILD_DIR/linux/initramfs-bench.cpio.gz
#
# Usage: scripts/linux-bench-initramfs.sh [BUILD_DIR]    (default: build)
# Needs BUILD_DIR/linux/initramfs.cpio.gz (make linux builds both).
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
out="$build/linux"
cross=${CROSS:-aarch64-linux-gnu-}
base="$out/initramfs.cpio.gz"

if [ ! -f "$base" ]; then
	echo "linux-bench: $base is missing (scripts/fetch-linux.sh builds it)" >&2
	exit 1
fi
# The static libc for user programs (scripts/deps.sh installs it; this
# keeps the script usable alone).
if ! dpkg-query -W -f='${Status}' libc6-dev-arm64-cross 2>/dev/null | grep -q "ok installed"; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
		libc6-dev-arm64-cross >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$root/bin" "$root/etc"
"${cross}gcc" -static -O2 -s -Wall -Wextra -Werror -Wl,--build-id=none \
	-o "$root/bin/nbench" guests/linux/bench/*.c
install -m 0755 guests/linux/bench/rc.bench "$root/etc/rc.bench"
kdeb=$(ls "$out"/debs/linux-image-*_arm64.deb | head -n 1)
mkdir -p "$root/lib/modules" "$tmp/k"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp/k" --wildcards \
	'./lib/modules/*/kernel/net/vmw_vsock/vsock_loopback.ko'
install -m 0644 "$tmp"/k/lib/modules/*/kernel/net/vmw_vsock/vsock_loopback.ko \
	"$root/lib/modules/vsock_loopback.ko"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$tmp/overlay.cpio.gz"
cat "$base" "$tmp/overlay.cpio.gz" > "$tmp/initramfs-bench.cpio.gz"
mv "$tmp/initramfs-bench.cpio.gz" "$out/initramfs-bench.cpio.gz"
echo "linux-bench: $out/initramfs-bench.cpio.gz ($(stat -c %s "$out/initramfs-bench.cpio.gz") bytes)"
