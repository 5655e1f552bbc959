#!/usr/bin/env bash
# Scheduling benchmarks under QEMU -icount shift=0,sleep=off (one
# instruction is one nanosecond of virtual time; idle time is skipped), on a
# one-pCPU machine. Figures, not a pass/fail test.
#
#   vcpu_switch     two native VMs on one pCPU yield to each other
#                   (bench/sched-switch.dts, guests/pingpong): instructions
#                   per switch, trap and reschedule included
#   wakeup_*        a priority-200 partition arms its virtual timer every
#                   1 ms for 10,000 periods (guests/rtbench): instructions
#                   from the deadline to its handler, min / median / max,
#                   alone (bench/sched-wakeup.dts) and beside a 1-vCPU
#                   Linux that boots and spins on the same pCPU
#                   (bench/sched-wakeup-linux.dts; needs make linux)
#
# Usage: scripts/bench-sched.sh [BUILD_DIR]     (default: build)
# Environment: QEMU, BENCH_TIMEOUT (s per run, default 300).
set -uo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
qemu=${QEMU:-qemu-system-aarch64}
limit=${BENCH_TIMEOUT:-300}

# run NAME DTS UNTIL: builds DTS into $build/bench-sched/NAME, boots it and
# stops QEMU once a line matches UNTIL (or when it exits); prints the log path.
run() {
	local name=$1 dts=$2 until=$3 out="$build/bench-sched/$1" pid ticks=0
	if ! make --no-print-directory system-image BUILD="$build" SYSTEM="$dts" OUT="$out" \
		> "$out.build.log" 2>&1; then
		echo "bench-sched: $name: build failed (see $out.build.log)" >&2
		return 1
	fi
	timeout --kill-after=5 "$limit" setsid "$qemu" -M virt,virtualization=on,gic-version=3 \
		-cpu cortex-a72 -smp 1 -m 1G -nographic -no-reboot -nic none \
		-icount shift=0,sleep=off -kernel "$out/numbat.bin" < /dev/null > "$out/console.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -qE "$until" "$out/console.log" || grep -q 'numbat: PANIC' "$out/console.log"; then
			sleep 0.5
			kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null
			break
		fi
		sleep 0.5
		ticks=$((ticks + 1))
	done
	wait "$pid" 2>/dev/null
	echo "$out/console.log"
}

# figure LOG NAME: the value of "BENCH NAME <value>" in LOG, or "n/a".
figure() {
	local v
	v=$(sed -n "s/.*BENCH $2 \([0-9][0-9]*\).*/\1/p" "$1" | head -n 1)
	echo "${v:-n/a}"
}

mkdir -p "$build/bench-sched"
echo "bench-sched: QEMU -icount shift=0,sleep=off, -cpu cortex-a72 -smp 1 (instructions)"

log=$(run switch bench/sched-switch.dts 'BENCH vcpu_switch.*' ) || exit 1

printf "  %-44s %8s   (seed, ARMv7 world switch: 2,824; target <= 500)\n" \
	"vCPU switch (yield ping-pong, per switch)" "$(figure "$log" vcpu_switch)"

alone=$(run wakeup bench/sched-wakeup.dts 'BENCH wakeup_max') || exit 1
if [ -f "$build/linux/Image" ] && [ -f "$build/linux/initramfs.cpio.gz" ]; then
	busy=$(run wakeup-linux bench/sched-wakeup-linux.dts 'BENCH wakeup_max') || exit 1
else
	busy=/dev/null
fi
printf "  %-44s %8s %8s %8s\n" "wake-up latency, 10,000 periods of 1 ms" min median max
printf "  %-44s %8s %8s %8s\n" "  alone on its pCPU" "$(figure "$alone" wakeup_min)" \
	"$(figure "$alone" wakeup_median)" "$(figure "$alone" wakeup_max)"
printf "  %-44s %8s %8s %8s\n" "  beside a busy Linux on the same pCPU" "$(figure "$busy" wakeup_min)" \
	"$(figure "$busy" wakeup_median)" "$(figure "$busy" wakeup_max)"
if [ "$(figure "$alone" wakeup_max)" != n/a ] && [ "$(figure "$busy" wakeup_max)" != n/a ]; then
	printf "  %-44s %8s   (target <= 2,000)\n" "  worst beside Linux - worst alone" \
		"$(( $(figure "$busy" wakeup_max) - $(figure "$alone" wakeup_max) ))"
fi
