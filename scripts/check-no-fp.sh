#!/usr/bin/env bash
# check-no-fp.sh OBJDUMP numbat.elf: fails if numbat's EL2 image can touch
# the FP/SIMD registers anywhere but arch_fpsimd_save/restore (fpsimd.S).
#
# Why: a guest's FP/SIMD registers stay live in the CPU while numbat runs
# (they move only on a vCPU switch, arch.c), so one SIMD instruction at EL2
# corrupts the guest. C is built with -mgeneral-regs-only, but code linked
# from outside is not: libgcc's __popcountdi2 (what __builtin_popcount
# becomes) uses CNT on V0, and overwrote 16 bytes of a Linux guest's
# memcpy under interrupt load. Debian's libfdt.a has a few functions that
# use SIMD (fdt_open_into ...); they are allowed only while nothing outside
# libfdt can call them.
#
# Rule: a function is tainted if it uses an FP/SIMD register (or FPCR/FPSR)
# or branches to a tainted function; any tainted function whose name is
# not fdt_* fails the check. Direct branches only: indirect calls (BLR)
# are not followed.
set -euo pipefail
objdump=$1
elf=$2
"$objdump" -d --no-show-raw-insn "$elf" | awk '
/^[0-9a-f]+ <[^>]+>:$/ {
	fn = $2; sub(/^</, "", fn); sub(/>:$/, "", fn); next
}
fn != "" && /^ +[0-9a-f]+:\t/ {
	n = split($0, part, "\t")
	if (n < 2) next
	ops = (n >= 3) ? part[3] : ""
	sub(/\/\/.*/, "", ops)
	k = split(ops, tok, /[ ,\[\]{}!]+/)
	for (i = 1; i <= k; i++)
		if (tok[i] ~ /^[qvdsbh][0-9]+(\.[0-9]*[bhsdq])?$/ || tok[i] ~ /^fp[cs]r$/)
			usesfp[fn] = 1
	if (part[2] ~ /^(b|bl)[ ]*$/ && match(ops, /<[^>+]+>/)) {
		callee = substr(ops, RSTART + 1, RLENGTH - 2)
		if (callee != fn) { ncall++; from[ncall] = fn; to[ncall] = callee }
	}
}
END {
	allowed["arch_fpsimd_save"] = 1; allowed["arch_fpsimd_restore"] = 1
	for (f in usesfp) if (!(f in allowed)) { taint[f] = 1; why[f] = "uses FP/SIMD registers" }
	do {
		changed = 0
		for (i = 1; i <= ncall; i++)
			if ((to[i] in taint) && !(from[i] in taint) && !(from[i] in allowed)) {
				taint[from[i]] = 1; why[from[i]] = "calls " to[i]; changed = 1
			}
	} while (changed)
	bad = 0
	for (f in taint) if (f !~ /^fdt_/) { print "check-no-fp: " f " " why[f] > "/dev/stderr"; bad = 1 }
	exit bad
}'
