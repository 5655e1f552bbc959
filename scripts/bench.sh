#!/usr/bin/env bash
# Measures numbat's null hypercall and emulated MMIO read in instructions and
# prints them next to the targets and reference figures.
#
# Builds bench/system.dts (guest: guests/bench) into BUILD_DIR/bench and runs
# it under QEMU with -icount shift=0, where one instruction takes 1 ns of
# virtual time; the guest converts counter ticks to ns with CNTFRQ_EL0 and
# prints "BENCH <name> <instructions per iteration beyond an empty loop>".
# Figures, not a pass/fail test: the exit status only says whether the
# benchmark ran.
#
# Usage: scripts/bench.sh [BUILD_DIR]     (default: build)
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
out="$build/bench"
qemu=${QEMU:-qemu-system-aarch64}
limit=${BENCH_TIMEOUT:-120}

# Build the system image; the top-level Makefile provides system-image (a
# fallback fragment stands in while it does not).
if grep -q '^system-image[[:space:]]*:' Makefile; then
	make_cmd=(make --no-print-directory system-image)
else
	mkdir -p "$build/tests"
	cat > "$build/tests/system-image.mk" <<'EOF'
include Makefile
.PHONY: system-image
system-image: deps-stamp $(CORE_LIB) $(SYSGEN) guests
	@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(OUT)
EOF
	make_cmd=(make --no-print-directory -f "$build/tests/system-image.mk" system-image)
fi
if ! build_log=$("${make_cmd[@]}" BUILD="$build" SYSTEM=bench/system.dts OUT="$out" 2>&1); then
	echo "$build_log" >&2
	echo "bench: build failed" >&2
	exit 1
fi

mkdir -p "$out"
log="$out/console.log"
echo "bench: running $out/numbat.bin under -icount shift=0 (timeout ${limit}s)"
status=0
# setsid: QEMU gets its own process group, which timeout ends as a whole.
timeout --kill-after=5 "$limit" setsid "$qemu" \
	-M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 1 -m 1G \
	-nographic -no-reboot -icount shift=0 \
	-kernel "$out/numbat.bin" < /dev/null > "$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	echo "bench: QEMU exited with status $status; last lines of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
if grep -q 'numbat: PANIC' "$log"; then
	echo "bench: numbat panicked, see $log" >&2
	exit 1
fi

value() {
	sed -n "s/.*BENCH $1 \([0-9.]*\).*/\1/p" "$log" | tail -n 1
}

hvc=$(value hypercall)
mmio=$(value mmio_read)
grep -o 'bench: empty loop.*' "$log" || true

printf '\n%-22s %12s %8s   %s\n' "operation" "instructions" "target" "reference points"
printf '%-22s %12s %8s   %s\n' "null hypercall" "${hvc:-?}" "<= 80" \
	"Bao 150 (cheapest hypercall); seed ARMv7 prototype 120 (hyp entry+exit)"
printf '%-22s %12s %8s   %s\n' "emulated MMIO read" "${mmio:-?}" "<= 150" \
	"Bao 225 (trapped GIC distributor read); seed prototype 249 (device emulation)"
echo
echo "(instructions per operation beyond an empty loop, QEMU -icount shift=0; console: $log)"

if [ -z "$hvc" ] || [ -z "$mmio" ]; then
	echo "bench: the guest printed no figures; see $log" >&2
	exit 1
fi
