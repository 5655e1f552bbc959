#!/usr/bin/env bash
# numbat runs with the interrupted guest's FP/SIMD registers live in the
# CPU: they are switched only with the vCPU (arch_fpsimd_save/restore), so
# any other code that touches them corrupts the guest's V0-V31, FPSR or FPCR
# (user space in Linux sees memcpy and strlen results change under it).
# The C is built with -mgeneral-regs-only, but helpers linked in from
# libgcc are not: __builtin_popcount became a call to __popcountdi2 (CNT on
# V0) in vgic_flush, on the guest entry path.
#
# Disassembles the image and fails if any function other than those two,
# or Debian's libfdt (linked whole; numbat calls it only from bootinfo.c,
# while it boots and before any guest runs), names an FP/SIMD register.
# Usage: scripts/check-fpsimd.sh [numbat.elf]. Prints one PASS:/FAIL: line.
set -u
cd "$(dirname "$0")/.."
elf=${1:-build/system/numbat.elf}
objdump=${OBJDUMP:-aarch64-linux-gnu-objdump}
if [ ! -f "$elf" ]; then
	echo "FAIL: static/fpsimd: $elf missing (make first)"
	exit 1
fi
bad=$("$objdump" -d --no-show-raw-insn "$elf" | awk '
	/^[0-9a-f]+ <.*>:$/ { f = substr($2, 2, length($2) - 3); next }
	/\t[a-z][a-z0-9.]*\t/ {
		ops = $0; sub(/^[^\t]*\t[^\t]*\t/, "", ops); sub(/[ \t]*\/\/.*/, "", ops)
		sub(/[ \t]*<.*/, "", ops)
		if (ops ~ /(^|[ ,\[{])[qvdsbhz][0-9]+([.,\] }]|$)/ || ops ~ /(^|[ ,])(fpcr|fpsr)([ ,]|$)/)
			print f
	}' | sort -u | grep -v -x -e arch_fpsimd_save -e arch_fpsimd_restore -e 'fdt_.*')
if [ -z "$bad" ]; then
	echo "PASS: static/fpsimd"
else
	echo "FP/SIMD registers used outside the vCPU switch by:" $bad
	echo "FAIL: static/fpsimd: numbat would corrupt the running guest's FP/SIMD state"
	exit 1
fi
