#!/usr/bin/env bash
# Builds the Linux guest software from Debian packages: Debian's stock arm64
# cloud kernel and an initramfs of busybox-static, numbat's init scripts
# (guests/linux/rootfs), the cntvct helper (guests/linux/cntvct.c), the
# dbgstep test program (guests/linux/dbgstep.c) and Debian's iperf3, socat
# and sqlite3 with their shared libraries (scripts/linux-packages.sh).
#
#   BUILD_DIR/linux/Image               the kernel, exactly as Debian ships it
#   BUILD_DIR/linux/initramfs.cpio.gz   busybox + rootfs + cntvct + dbgstep
#                                       (gzip), then iperf3, socat, sqlite3,
#                                       libc ... (a plain cpio archive)
#   BUILD_DIR/linux/debs/               the downloaded packages (the cache)
#   BUILD_DIR/linux/kernel-version      the kernel package it came from
#
# The kernel version is resolved from linux-image-cloud-arm64's dependency,
# never hard-coded. Packages already in the cache are not downloaded again;
# without network, a cached kernel package is used as is. Nothing is fetched
# at run time. Called by `make linux` (mk/linux.mk).
#
# Usage: scripts/fetch-linux.sh [BUILD_DIR]     (default: build)
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
out="$build/linux"
debs="$out/debs"
cross=${CROSS:-aarch64-linux-gnu-}
mkdir -p "$debs"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=0
apt_update() {
	if [ $updated -eq 0 ]; then
		echo "linux: apt-get update"
		$sudo apt-get update -q >/dev/null
		updated=1
	fi
}

# Host tools (scripts/deps.sh installs them with everything else; this keeps
# the script usable alone).
missing=()
for p in cpio gzip gcc-aarch64-linux-gnu kmod; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "linux: enabling the arm64 architecture for apt"
	$sudo dpkg --add-architecture arm64
	updated=0
fi

# The kernel package linux-image-cloud-arm64 currently depends on.
kernel_package() {
	apt-cache depends linux-image-cloud-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-cloud-arm64\)\(:arm64\)\?$/\1/p' |
		head -n 1
}

kpkg=$(kernel_package || true)
if [ -z "$kpkg" ]; then
	apt_update || true
	kpkg=$(kernel_package || true)
fi

# Downloads package $1 (name without :arm64) into the cache unless a .deb of
# it is there; prints the path of the cached .deb.
download() {
	local name=$1 deb
	deb=$(ls -1 "$debs/${name}_"*_arm64.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$deb" ]; then
		echo "linux: downloading $name:arm64" >&2
		if ! (cd "$debs" && apt-get download -q "$name:arm64" >/dev/null 2>&1); then
			# Stale package lists name a version the mirror no longer has.
			apt_update >&2
			(cd "$debs" && apt-get download -q "$name:arm64" >/dev/null)
		fi
		deb=$(ls -1 "$debs/${name}_"*_arm64.deb | tail -n 1)
	fi
	echo "$deb"
}

if [ -z "$kpkg" ]; then
	# No package lists (offline): fall back to a kernel already cached.
	cached=$(ls -1 "$debs"/linux-image-*-cloud-arm64_*_arm64.deb 2>/dev/null | tail -n 1 || true)
	if [ -z "$cached" ]; then
		echo "linux: cannot resolve linux-image-cloud-arm64:arm64 and no kernel is cached" >&2
		exit 1
	fi
	kpkg=$(basename "$cached" | sed 's/_.*//')
	echo "linux: package lists unavailable; using the cached $kpkg"
fi
kdeb=$(download "$kpkg")
bdeb=$(download busybox-static)

# The kernel: boot/vmlinuz-* is a raw arm64 Image (magic "ARMd" at 0x38).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
vmlinuz=$(ls -1 "$tmp"/boot/vmlinuz-* | head -n 1)
if [ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
	gzip -dc "$vmlinuz" > "$tmp/Image"       # a gzip-compressed Image.gz
else
	cp "$vmlinuz" "$tmp/Image"
fi
if [ "$(dd if="$tmp/Image" bs=1 skip=56 count=4 2>/dev/null)" != "$(printf 'ARM\x64')" ]; then
	echo "linux: $vmlinuz is not an arm64 Image" >&2
	exit 1
fi
mv "$tmp/Image" "$out/Image"
echo "$kpkg $(basename "$vmlinuz")" > "$out/kernel-version"

# The initramfs tree: guests/linux/rootfs, busybox, its applet links, cntvct
# and dbgstep (the ptrace single-step and watchpoint check).
root="$tmp/root"
mkdir -p "$root"
cp -a guests/linux/rootfs/. "$root/"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,run}
chmod 1777 "$root/tmp"
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -C "$tmp" ./bin/busybox
install -m 0755 "$tmp/bin/busybox" "$root/bin/busybox"
"${cross}gcc" -static -nostdlib -ffreestanding -fno-stack-protector -O2 \
	-Wall -Wextra -Werror -Wl,--build-id=none -o "$root/bin/cntvct" guests/linux/cntvct.c
"${cross}gcc" -static -nostdlib -ffreestanding -fno-stack-protector -O2 \
	-Wall -Wextra -Werror -Wl,--build-id=none -o "$root/bin/dbgstep" guests/linux/dbgstep.c

# Debian's driver for numbat's virtual SP805 watchdog and the watchdog
# core it needs, from the kernel package (rcS loads them when the device
# tree has a watchdog node).
kver=$(dpkg-deb --fsys-tarfile "$kdeb" | tar -t | sed -n 's|^\./lib/modules/\([^/]*\)/kernel/drivers/watchdog/sp805_wdt\.ko$|\1|p')
if [ -z "$kver" ]; then
	echo "linux: $kpkg has no sp805_wdt.ko" >&2
	exit 1
fi
mkdir -p "$root/lib/modules"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" \
	"./lib/modules/$kver/kernel/drivers/watchdog/watchdog.ko" \
	"./lib/modules/$kver/kernel/drivers/watchdog/sp805_wdt.ko"
install -m 0644 "$tmp/lib/modules/$kver/kernel/drivers/watchdog/"{watchdog,sp805_wdt}.ko \
	"$root/lib/modules/"

# The virtio drivers for numbat's virtio-mmio devices (network, vsock and
# block links) and everything they depend on, from the kernel package, in
# load order: depmod computes the package's modules.dep (Debian's package
# leaves that to its postinst), and a depth-first walk of it puts each
# module after its dependencies. rcS insmods /etc/modules.virtio in order.
virtio_modules="virtio_mmio virtio_net vsock vmw_vsock_virtio_transport_common
	vmw_vsock_virtio_transport virtio_blk"
kmods="$tmp/kmods"
mkdir -p "$kmods"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kmods" "./lib/modules/$kver"
depmod -b "$kmods" "$kver"
python3 - "$kmods/lib/modules/$kver" "$root" $virtio_modules <<'PYEOF'
import os, shutil, sys
base, root, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
deps, by_name = {}, {}
for line in open(os.path.join(base, "modules.dep")):
    mod, _, rest = line.partition(":")
    deps[mod] = rest.split()
    by_name[os.path.basename(mod)[:-len(".ko")].replace("-", "_")] = mod
order = []
def visit(mod):
    if mod in order:
        return
    for d in deps[mod]:
        visit(d)
    order.append(mod)
for w in wanted:
    if w not in by_name:
        sys.exit("linux: module %s is not in the kernel package" % w)
    visit(by_name[w])
with open(os.path.join(root, "etc/modules.virtio"), "w") as f:
    for mod in order:
        name = os.path.basename(mod)
        shutil.copy(os.path.join(base, mod), os.path.join(root, "lib/modules", name))
        f.write(name + "\n")
print("linux: virtio modules: " + " ".join(os.path.basename(m)[:-3] for m in order))
PYEOF

# The applets the guests and tests use, each a link to busybox. /init is
# busybox init itself, so poweroff and reboot (signals to PID 1) run the
# inittab shutdown actions and end in the reboot system call, which Linux
# turns into PSCI SYSTEM_OFF / SYSTEM_RESET.
applets_bin="sh ash cat cp cut date dd df dmesg echo env false grep egrep head
	hostname ls mkdir mknod mount mv nproc ps pwd rm rmdir sed seq sleep sort
	stty sync tail tee test time touch tr true umount uname uptime usleep vi
	wc which yes expr printf kill killall free top watch xargs awk stat
	cttyhack setsid login more less find od hexdump md5sum sha256sum gzip
	zcat tar ln chmod chown id whoami basename dirname readlink realpath
	[ [[ timeout nice taskset"
applets_sbin="init poweroff reboot halt ifconfig mdev sysctl devmem insmod watchdog
	ip route ping ping6 nc arp"
for a in $applets_bin; do ln -sf busybox "$root/bin/$a"; done
for a in $applets_sbin; do ln -sf ../bin/busybox "$root/sbin/$a"; done
ln -sf bin/busybox "$root/init"

# The console for PID 1 (the kernel opens /dev/console before /init runs).
# mknod needs root; without it rcS still has devtmpfs' /dev/console.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null ||
	echo "linux: not root: no /dev/console node in the initramfs (rcS mounts devtmpfs)"

# newc archive, every file owned by root, in a stable order.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$tmp/initramfs.cpio.gz"

# Then, uncompressed, Debian's iperf3, socat and sqlite3 with the libraries
# apt says they need and the dynamic loader. Linux unpacks concatenated
# archives in order, each compressed or not; a plain one must start at a
# multiple of 4 bytes (init/initramfs.c skips the zero padding before it).
scripts/linux-packages.sh "$debs" "$tmp/tools.cpio"
pad=$(( (4 - $(stat -c %s "$tmp/initramfs.cpio.gz") % 4) % 4 ))
head -c "$pad" /dev/zero >> "$tmp/initramfs.cpio.gz"
cat "$tmp/tools.cpio" >> "$tmp/initramfs.cpio.gz"
mv "$tmp/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
echo "linux: $out/Image ($kpkg), $out/initramfs.cpio.gz ($(stat -c %s "$out/initramfs.cpio.gz") bytes)"
