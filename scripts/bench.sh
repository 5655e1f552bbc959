#!/usr/bin/env bash
# numbat's benchmarks under QEMU -icount shift=0, where one instruction takes
# 1 ns of virtual time. Figures, not a pass/fail test: the exit status only
# says whether the path-length benchmark ran.
#
# 1. Path lengths: builds bench/system.dts (guest: guests/bench) into
#    BUILD_DIR/bench; the guest converts counter ticks to ns with CNTFRQ_EL0
#    and prints "BENCH <name> <instructions per iteration beyond an empty
#    loop>" for the null hypercall, emulated MMIO reads (the test device's
#    ID; each distributor and PL011 register a guest reads at run time and
#    their medians), the vtimer interrupt path and an IPI round trip
#    between its two vCPUs (on two pCPUs: QEMU -smp 2); then the vIRQ round
#    trip between two native VMs (guests/virqbench) on two pCPUs
#    (bench/virq-2pcpu.dts) and on one (bench/virq-1pcpu.dts).
# 2. Linux boot: Debian's kernel and the initramfs of BUILD_DIR/linux (make
#    linux), from kernel entry to the first line of /init, booted directly by
#    QEMU at EL1 and under numbat (bench/linux1.dts: 1 vCPU, bench/linux2.dts:
#    2 vCPUs), printed as instructions, extra instructions and the ratio. A
#    half that cannot run says "not available: <reason>"; the rest still runs.
#
# Usage: scripts/bench.sh [BUILD_DIR]     (default: build)
# Environment: QEMU, BENCH_TIMEOUT (s, path lengths, default 120),
#   LINUX_BENCH_TIMEOUT (s per Linux boot, default 600), BENCH_LINUX=0 to
#   skip the Linux section.
set -euo pipefail

cd "$(dirname "$0")/.."
build=${1:-build}
qemu=${QEMU:-qemu-system-aarch64}
limit=${BENCH_TIMEOUT:-120}
linux_limit=${LINUX_BENCH_TIMEOUT:-600}

# The system-image target of the top-level Makefile (a fallback fragment
# stands in while it does not have one).
if grep -q '^system-image[[:space:]]*:' Makefile; then
	make_cmd=(make --no-print-directory system-image)
else
	mkdir -p "$build/tests"
	cat > "$build/tests/system-image.mk" <<'MK'
include Makefile
.PHONY: system-image
system-image: deps-stamp $(CORE_LIB) $(SYSGEN) guests
	@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(OUT)
MK
	make_cmd=(make --no-print-directory -f "$build/tests/system-image.mk" system-image)
fi

# 1,234,567
commas() {
	sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<< "$1"
}

# ---- 1. path lengths -------------------------------------------------------

path_lengths() {
	local out="$build/bench" log status=0 build_log hvc mmio
	if ! build_log=$("${make_cmd[@]}" BUILD="$build" SYSTEM=bench/system.dts OUT="$out" 2>&1); then
		echo "$build_log" >&2
		echo "bench: build failed" >&2
		return 1
	fi
	mkdir -p "$out"
	log="$out/console.log"
	echo "bench: running $out/numbat.bin under -icount shift=0 (timeout ${limit}s)"
	# setsid: QEMU gets its own process group, which timeout ends as a whole.
	timeout --kill-after=5 "$limit" setsid "$qemu" \
		-M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 2 -m 1G \
		-nographic -no-reboot -nic none -icount shift=0 \
		-kernel "$out/numbat.bin" < /dev/null > "$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		echo "bench: QEMU exited with status $status; last lines of $log:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
	if grep -q 'numbat: PANIC' "$log"; then
		echo "bench: numbat panicked, see $log" >&2
		return 1
	fi

	hvc=$(sed -n 's/.*BENCH hypercall \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	mmio=$(sed -n 's/.*BENCH mmio_read \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	gicd=$(sed -n 's/.*BENCH gicd_read \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	vtimer=$(sed -n 's/.*BENCH vtimer_to_handler \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	ackeoi=$(sed -n 's/.*BENCH irq_ack_eoi \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	gicdmed=$(sed -n 's/.*BENCH gicd_median \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	uartmed=$(sed -n 's/.*BENCH uart_median \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	ipi=$(sed -n 's/.*BENCH ipi_round_trip \([0-9.]*\).*/\1/p' "$log" | tail -n 1)
	grep -o 'bench: empty loop.*' "$log" || true

	printf '\n%-22s %12s %8s   %s\n' "operation" "instructions" "target" "reference points"
	printf '%-22s %12s %8s   %s\n' "null hypercall" "${hvc:-?}" "<= 80" \
		"Bao 150 (cheapest hypercall); seed ARMv7 prototype 120 (hyp entry+exit)"
	printf '%-22s %12s %8s   %s\n' "emulated MMIO read" "${mmio:-?}" "<= 150" \
		"Bao 225 (trapped GIC distributor read); seed prototype 249 (device emulation)"
	printf '%-22s %12s %8s   %s\n' "vGIC distributor read" "${gicdmed:-?}" "<= 150" \
		"median of the registers below; Bao 225 (GICD_IIDR)"
	printf '%-22s %12s %8s   %s\n' "  (GICD_TYPER alone)" "${gicd:-?}" "" \
		"the earlier figure: answered from a cached copy"
	printf '%-22s %12s %8s   %s\n' "PL011 MMIO read" "${uartmed:-?}" "<= 150" \
		"median over FR CR IMSC RIS MIS DR; external suite: 196 (PL011 FR, user mode)"
	printf '%-22s %12s %8s   %s\n' "IPI round trip" "${ipi:-?}" "<= 1500" \
		"vCPU 0 -> SGI -> vCPU 1 -> SGI -> vCPU 0, two pCPUs, both WFI; external suite: 2473 (one way + ack)"
	printf '%-22s %12s %8s   %s\n' "vtimer fire->handler" "${vtimer:-?}" "< 270" \
		"seed prototype 270 (IRQ entry+exit); includes the guest's own vector and frame save"
	printf '%-22s %12s %8s   %s\n' "virtual IRQ ack+EOI" "${ackeoi:-?}" "< 270" \
		"seed prototype 270; done by the GIC's virtual CPU interface, no trap"
	echo
	echo "per register (instructions beyond an empty loop):"
	sed -n 's/.*BENCH \(gicd\|uart\)_\([A-Za-z0-9]*\) \([0-9.]*\).*/  \1 \2 \3/p' "$log" |
		grep -v 'median\|gicd read' | paste -sd' ' | fold -s -w 100 | sed 's/^/ /'
	echo
	echo "(instructions per operation beyond an empty loop, QEMU -icount shift=0; console: $log)"

	if [ -z "$hvc" ] || [ -z "$mmio" ]; then
		echo "bench: the guest printed no figures; see $log" >&2
		return 1
	fi
}

# ---- 2. Linux boot ---------------------------------------------------------

linux_dir="$build/linux"
linux_mem=256M      # the VM's memory in bench/linux*.dts: the direct boot's -m
linux_status=""     # why the Linux guest is missing, if it is
bench_dts=(bench/linux1.dts bench/linux2.dts)
bench_out=("$build/bench-linux" "$build/bench-linux2")
bench_smp=(1 2)
init_line='cntvct [0-9][0-9]* cntfrq [0-9][0-9]*'
# Deterministic runs (checked: the same count to the tick, run after run):
# sleep=off jumps idle time to the next timer deadline instead of letting
# host time pass; the RTC follows virtual time; no random seeds in QEMU's
# device tree (they change KASLR and the kernel's random state). Without
# these, boots of the same kernel differ by ~300,000 instructions.
linux_icount=(-icount shift=0,sleep=off -rtc base=2024-01-01T00:00:00,clock=vm)

# Builds build/linux (cached) or sets linux_status to why it cannot.
prepare_linux() {
	local log="$build/linux-build.log"
	mkdir -p "$build"
	if grep -q 'mk/linux.mk' Makefile; then
		make --no-print-directory linux BUILD="$build" > "$log" 2>&1 || true
	elif [ ! -f "$linux_dir/Image" ] || [ ! -f "$linux_dir/initramfs.cpio.gz" ]; then
		scripts/fetch-linux.sh "$build" > "$log" 2>&1 || true
	fi
	if [ ! -f "$linux_dir/Image" ] || [ ! -f "$linux_dir/initramfs.cpio.gz" ]; then
		linux_status="no Linux guest: make linux failed (see $log)"
	fi
}

# boot_until_init LOG QEMU-ARGS...: runs QEMU with its console in LOG until
# it exits, or for 20 s after /init's first line (the guest powers itself
# off), or until it panics or times out; prints QEMU's exit status (124:
# timed out; 143: stopped by this script).
boot_until_init() {
	local log=$1 pid ticks=0 seen=0 status=0
	shift
	timeout --kill-after=5 "$linux_limit" setsid "$qemu" "$@" < /dev/null > "$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $seen -eq 0 ] && grep -q "$init_line" "$log"; then
			seen=1
			ticks=0
		fi
		if { [ $seen -eq 1 ] && [ $ticks -ge 40 ]; } || grep -q 'numbat: PANIC' "$log"; then
			sleep 0.5
			kill "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.5
		ticks=$((ticks + 1))
	done
	wait "$pid" || status=$?
	echo "$status"
}

# init_instructions LOG ENTRY_TICKS: the instructions from the counter value
# ENTRY_TICKS to /init's first line in LOG (1 ns per instruction); empty if
# that line is missing or earlier than the entry.
init_instructions() {
	local line count freq
	line=$(grep -o "$init_line" "$1" | head -n 1 || true)
	[ -n "$line" ] || return 0
	count=$(cut -d' ' -f2 <<< "$line")
	freq=$(cut -d' ' -f4 <<< "$line")
	[ "$count" -ge "$2" ] && [ "$freq" -gt 0 ] || return 0
	echo $(( (count - $2) * 1000000000 / freq ))
}

# why_not LOG STATUS WHAT: a reason a boot did not reach /init.
why_not() {
	if grep -q 'numbat: PANIC' "$1"; then
		echo "numbat panicked (see $1)"
	elif [ "$2" -eq 124 ]; then
		echo "$3 did not reach /init within ${linux_limit}s (see $1)"
	else
		echo "$3 did not reach /init, QEMU status $2 (see $1)"
	fi
}

# The Linux VM's device tree sysgen generated for system $1, if any.
guest_dtb() {
	local f
	for f in "${bench_out[$1]}"/*.dtb; do
		case "$(basename "$f")" in
		system.dtb|system-description.dtb) ;;
		*) [ -f "$f" ] && { echo "$f"; return 0; } ;;
		esac
	done
	return 0
}

# bootargs of bench/linux1.dts, passed to the direct boot too.
bootargs=$(sed -n 's/^[[:space:]]*bootargs = "\(.*\)";.*/\1/p' "${bench_dts[0]}" | head -n 1)

# direct_boot I: the direct half for system I; sets direct_n, direct_dtb_note.
direct_boot() {
	local i=$1 smp=${bench_smp[$1]} dtb log status
	local base=(-M virt,gic-version=3,dtb-randomness=off -cpu cortex-a72 -smp "$smp"
		-m "$linux_mem" -nographic -no-reboot -nic none "${linux_icount[@]}" -kernel "$linux_dir/Image"
		-initrd "$linux_dir/initramfs.cpio.gz" -append "$bootargs")
	mkdir -p "${bench_out[$i]}"
	log="${bench_out[$i]}/direct.log"
	dtb=$(guest_dtb "$i")
	direct_n=""
	if [ -n "$dtb" ]; then
		status=$(boot_until_init "$log" "${base[@]}" -dtb "$dtb")
		direct_n=$(init_instructions "$log" 0)
		direct_dtb_note="numbat's guest device tree $dtb"
		[ -n "$direct_n" ] && return 0
		direct_dtb_note="QEMU's own device tree ($dtb did not boot directly: see $log.dtb-failed)"
		mv "$log" "$log.dtb-failed"
	else
		direct_dtb_note="QEMU's own device tree (sysgen wrote no guest device tree in ${bench_out[$i]})"
	fi
	status=$(boot_until_init "$log" "${base[@]}")
	direct_n=$(init_instructions "$log" 0)
	[ -n "$direct_n" ] || direct_why=$(why_not "$log" "$status" "the direct boot")
}

# numbat_boot I: the numbat half for system I; sets numbat_n or numbat_why.
numbat_boot() {
	local i=$1 out=${bench_out[$1]} log status entry
	log="$out/console.log"
	numbat_n=""
	status=$(boot_until_init "$log" -M virt,virtualization=on,gic-version=3,dtb-randomness=off \
		-cpu cortex-a72 -smp "${bench_smp[$i]}" -m 1G -nographic -no-reboot -nic none \
		"${linux_icount[@]}" -kernel "$out/numbat.bin" -append numbat.entry-stamp)
	entry=$(sed -n 's/.*numbat: vm [^ ]* vcpu 0 entered at counter \([0-9][0-9]*\).*/\1/p' \
		"$log" | head -n 1)
	if ! grep -q "$init_line" "$log"; then
		numbat_why=$(why_not "$log" "$status" "Linux under numbat")
	elif [ -z "$entry" ]; then
		numbat_why="numbat printed no 'vm <name> vcpu 0 entered at counter <N>' line (see $log)"
	else
		numbat_n=$(init_instructions "$log" "$entry")
		[ -n "$numbat_n" ] ||
			numbat_why="the guest's counter is behind numbat's entry counter (CNTVOFF_EL2 not 0?): see $log"
	fi
}

# build_numbat I: builds system I; sets numbat_why if it cannot.
build_numbat() {
	local i=$1 out=${bench_out[$1]}
	mkdir -p "$out"
	numbat_why=""
	if ! "${make_cmd[@]}" BUILD="$build" SYSTEM="${bench_dts[$i]}" OUT="$out" \
		> "$out/build.log" 2>&1; then
		numbat_why="numbat could not build ${bench_dts[$i]} yet: $(
			{ grep -m 1 -i 'error' "$out/build.log" || tail -n 1 "$out/build.log"; } |
			cut -c1-100) (see $out/build.log)"
	fi
}

vcpus() {
	[ "${bench_smp[$1]}" -eq 1 ] && echo "1 vCPU:" || echo "${bench_smp[$1]} vCPUs:"
}

linux_boot() {
	local i fmt='%-6s %15s %15s %12s %9s\n' direct_why numbat_why direct_n numbat_n
	local direct_dtb_note extra ratio notes=() reasons=()
	echo
	echo "bench: Linux boot, kernel entry to the first line of /init, under -icount shift=0"
	prepare_linux
	printf "\n$fmt" "vCPUs" "direct (EL1)" "numbat" "extra" "ratio"
	for i in 0 1; do
		direct_why="" numbat_why="" direct_n="" numbat_n=""
		if [ -n "$linux_status" ]; then
			printf '%-6s not available: %s\n' "${bench_smp[$i]}" "$linux_status"
			continue
		fi
		build_numbat "$i"
		direct_boot "$i"
		notes+=("$(vcpus "$i") direct: $direct_dtb_note")
		[ -z "$numbat_why" ] && numbat_boot "$i"
		if [ -n "$direct_n" ] && [ -n "$numbat_n" ]; then
			extra=$((numbat_n - direct_n))
			ratio=$(awk -v n="$numbat_n" -v d="$direct_n" 'BEGIN { printf "%.5f", n / d }')
			printf "$fmt" "${bench_smp[$i]}" "$(commas "$direct_n")" "$(commas "$numbat_n")" \
				"$(commas "$extra")" "$ratio"
		elif [ -n "$direct_n" ]; then
			printf '%-6s %15s   not available: %s\n' "${bench_smp[$i]}" \
				"$(commas "$direct_n")" "$numbat_why"
		else
			printf '%-6s not available: %s\n' "${bench_smp[$i]}" "$direct_why"
			[ -n "$numbat_n" ] && reasons+=("$(vcpus "$i") numbat alone: $(commas "$numbat_n")")
			[ -n "$numbat_why" ] && reasons+=("$(vcpus "$i") numbat: not available: $numbat_why")
		fi
	done
	echo
	printf '  %s\n' "${reasons[@]}" "${notes[@]}"
	echo "  Bao adds 323,000 instructions to a 916-million-instruction boot (ratio 1.00035);"
	echo "  numbat's target is to add fewer. Bao stalls under icount with 2 vCPUs."
	echo "  (instructions = counter ticks x 1e9 / CNTFRQ, ${linux_icount[*]};"
	echo "   bootargs \"$bootargs\"; direct: QEMU -M virt,gic-version=3 -cpu cortex-a72 -m $linux_mem at EL1;"
	echo "   numbat: bench/linux1.dts, bench/linux2.dts; logs in ${bench_out[0]}, ${bench_out[1]})"
}

# ---- 1b. vIRQ round trips (issue 9) -----------------------------------------

# virq_round_trip DTS OUT: builds and runs a guests/virqbench system under
# -icount shift=0; prints its instructions per round trip, or nothing.
virq_round_trip() {
	local dts=$1 out=$2 build_log
	if ! build_log=$("${make_cmd[@]}" BUILD="$build" SYSTEM="$dts" OUT="$out" 2>&1); then
		echo "$build_log" > "$out.build.log"
		return 0
	fi
	timeout --kill-after=5 "$limit" setsid "$qemu" \
		-M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 2 -m 1G \
		-nographic -no-reboot -nic none -icount shift=0 \
		-kernel "$out/numbat.bin" < /dev/null > "$out/console.log" 2>&1 || true
	sed -n 's/.*BENCH virq_round_trip \([0-9]*\).*/\1/p' "$out/console.log" | tail -n 1
}

# Two native VMs raise vIRQs at each other (ping raises, pong's handler
# raises back, ping's handler counts), both waiting in WFI.
virq_round_trips() {
	local two one
	two=$(virq_round_trip bench/virq-2pcpu.dts "$build/bench-virq2")
	one=$(virq_round_trip bench/virq-1pcpu.dts "$build/bench-virq1")
	printf '\n%-22s %12s %8s   %s\n' "operation" "instructions" "target" "reference points"
	printf '%-22s %12s %8s   %s\n' "vIRQ round trip" "${two:-?}" "<= 1300" \
		"two VMs on two pCPUs (bench/virq-2pcpu.dts); Bao 2653 (IPC hypercall + interrupt, both ways)"
	printf '%-22s %12s %8s   %s\n' "  (on one pCPU)" "${one:-?}" "" \
		"both VMs on pCPU 0: two vCPU switches per round trip (bench/virq-1pcpu.dts)"
	echo "(NUMBAT_HC_VIRQ_RAISE to the handler and back, guests/virqbench; consoles in $build/bench-virq{2,1})"
}

status=0
path_lengths || status=$?
virq_round_trips
[ "${BENCH_LINUX:-1}" = 0 ] || linux_boot
# 3. Linux workloads (issue 11): scripts/bench-linux.py, also make bench-linux.
[ "${BENCH_LINUX:-1}" = 0 ] || scripts/bench-linux.py "$build" || true

# 4. Two Linux VMs over their links vs loopback (issue 9): TCP, UDP and vsock round trips.
[ "${BENCH_NET:-1}" = 0 ] || scripts/bench-net.py "$build" || true
exit "$status"
