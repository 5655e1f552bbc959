#!/usr/bin/env bash
# Script check: sysgen must reject every description in tests/host/sysgen-bad/.
# Each file starts with "// expect: <message text>" and "// path: <node>";
# sysgen must exit 1, write no output, and print a line
#   <file>: <node>: ...<message text>...
# Usage: tests/host/sysgen-bad.sh BUILD_DIR (from the repository root).
set -u
build=${1:-build}
sysgen=$build/tools/sysgen
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/images" "$tmp/linux"
printf 'numbat test img\n' > "$tmp/images/demo.bin"   # 16 bytes
: > "$tmp/images/empty.bin"
printf 'numbat initrd..\n' > "$tmp/linux/initrd.img"   # 16 bytes
status=0

# mkimage NAME TEXT_OFFSET IMAGE_SIZE FLAGS MAGIC: a 4 KiB fake arm64 Image
# (header fields as in Linux Documentation/arch/arm64/booting.rst).
mkimage() {
	python3 -c 'import struct, sys
t, size, flags = (int(a, 0) for a in sys.argv[2:5])
hdr = struct.pack("<IIQQQQQQ4sI", 0x14000010, 0, t, size, flags, 0, 0, 0,
                  sys.argv[5].encode("latin-1"), 0)
open(sys.argv[1], "wb").write(hdr.ljust(4096, b"\0"))' "$tmp/linux/$1" "$2" "$3" "$4" "$5"
}
mkimage Image 0 0x1e00000 0xa 'ARM'$'\x64'          # 30 MiB image_size, LE, 4 KiB
mkimage Image.badmagic 0 0x1e00000 0xa 'ARM?'
mkimage Image.be 0 0x1e00000 0xb 'ARM'$'\x64'
mkimage Image.old 0x80000 0 0 'ARM'$'\x64'

# check_one FILE: prints the PASS:/FAIL: line for one description.
check_one() {
	local dts=$1 name expect path out rc
	name=$(basename "$dts" .dts)
	expect=$(sed -n 's|^// expect: ||p' "$dts" | head -n 1)
	path=$(sed -n 's|^// path: ||p' "$dts" | head -n 1)
	out=$tmp/$name
	if [ -z "$expect" ] || [ -z "$path" ]; then
		echo "FAIL: host/sysgen-bad/$name: no '// expect:' or '// path:' line"; return 1
	fi
	if ! dtc -q -I dts -O dtb -o "$out.fdt" "$dts" 2>"$out.dtc"; then
		echo "FAIL: host/sysgen-bad/$name: dtc failed: $(head -n 1 "$out.dtc")"; return 1
	fi
	"$sysgen" --source "$dts" --image-dir "$tmp/images" --linux-dir "$tmp/linux" --config "$out.c" \
		--images "$out.S" --depfile "$out.d" "$out.fdt" >/dev/null 2>"$out.err"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "FAIL: host/sysgen-bad/$name: sysgen exited $rc, expected 1"; return 1
	fi
	if [ -e "$out.c" ] || [ -e "$out.S" ] || [ -e "$out.d" ] || ls "$tmp"/*.dtb >/dev/null 2>&1; then
		echo "FAIL: host/sysgen-bad/$name: sysgen wrote output despite errors"; return 1
	fi
	if ! grep -F -- "$dts: $path: " "$out.err" | grep -qF -- "$expect"; then
		echo "FAIL: host/sysgen-bad/$name: no '$dts: $path: ...$expect' in: $(tr '\n' '|' < "$out.err")"
		return 1
	fi
	echo "PASS: host/sysgen-bad/$name"
}

if [ ! -x "$sysgen" ]; then
	echo "FAIL: host/sysgen-bad: $sysgen not built"
	exit 1
fi
for dts in tests/host/sysgen-bad/*.dts; do
	check_one "$dts" || status=1
done
exit $status
