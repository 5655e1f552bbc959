#!/usr/bin/env bash
# Installs what numbat's build, run and tests need, from Debian packages only,
# and only what is missing. Also fetches the aarch64 static libfdt (which
# conflicts with the host's libfdt-dev if installed) into the build cache.
# Usage: scripts/deps.sh BUILD_DIR
set -euo pipefail
build=${1:-build}

packages=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
          device-tree-compiler libfdt-dev check pkg-config python3 cppcheck
          make gcc cpio)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=0
apt_update() {
	if [ $updated -eq 0 ]; then
		$sudo apt-get update -q >/dev/null
		updated=1
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# libfdt built for aarch64, linked into the freestanding image. It is only
# downloaded and unpacked here, never installed (it would replace the host's).
fdt_dir="$build/deps/libfdt-arm64"
if [ ! -f "$fdt_dir/usr/lib/aarch64-linux-gnu/libfdt.a" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "deps: enabling the arm64 architecture for apt"
		$sudo dpkg --add-architecture arm64
		updated=0
	fi
	apt_update
	tmp=$(mktemp -d)
	echo "deps: fetching libfdt-dev:arm64"
	(cd "$tmp" && apt-get download -q libfdt-dev:arm64 >/dev/null 2>&1)
	mkdir -p "$fdt_dir"
	dpkg-deb -x "$tmp"/libfdt-dev_*_arm64.deb "$fdt_dir"
	rm -rf "$tmp"
fi
