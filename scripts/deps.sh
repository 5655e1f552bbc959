#!/usr/bin/env bash
# Installs what numbat's build, run and tests need, from Debian packages only,
# and only what is missing. Also fetches the aarch64 static libfdt (which
# conflicts with the host's libfdt-dev if installed) into the build cache.
# Usage: scripts/deps.sh BUILD_DIR
set -euo pipefail
build=${1:-build}

# Every Debian package the build, `make run`, `make test` and `make bench`
# use, and why. Installed with --no-install-recommends, so nothing here may
# rely on a package that is only recommended: the EL2 image and the native
# guests need no libc headers (-nostdinc; src/lib/libfdt/libfdt_env.h), and
# every QEMU command line says -nic none (no virtio NIC, so no ipxe-qemu ROM).
packages=(
	make                        # the build itself
	gcc libc6-dev               # host programs: sysgen and the host unit tests
	gcc-aarch64-linux-gnu       # the EL2 image, native guests, Linux-side helpers
	binutils-aarch64-linux-gnu  # their assembler, linker and objcopy
	device-tree-compiler        # dtc: system descriptions to .dtb for sysgen
	libfdt-dev                  # sysgen reads descriptions, writes guest device trees
	check pkg-config            # the host unit test framework, and its flags
	python3                     # the QEMU scenario runner and helpers in the build
	cppcheck                    # static analysis in make test
	qemu-system-arm             # qemu-system-aarch64: runs every system
	cpio gzip                   # the Linux guests' initramfs
	kmod                        # depmod: the virtio modules' load order for the initramfs
	libc6-dev-arm64-cross       # static libc for the nbench suite (guests/linux/bench)
	gnuplot-nox                 # make bench-linux's overhead chart (PNG and SVG)
	gdb-multiarch               # make debug, and its check in make test
	clang-14                    # libFuzzer harnesses (tests/fuzz): clang's -fsanitize=fuzzer
	libclang-rt-14-dev          # the libFuzzer, ASan and UBSan runtimes clang-14 links
	e2fsprogs                   # mkfs.ext4, e2fsck, debugfs: the RapiLog scenarios' disk images
)
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
