#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by tests/fuzz/fuzz.mk.
#   scripts/fuzz.sh run   DIR SECONDS TARGET...  each for SECONDS; prints
#                                                 executions and exec/s
#   scripts/fuzz.sh smoke DIR RUNS TARGET...     each for RUNS inputs; prints
#                                                 PASS:/FAIL: fuzz/<target>
# The sysgen corpus is seeded with every system description of the
# repository, compiled by dtc. A crash leaves its input in DIR/crash-<t>-*.
set -u
cd "$(dirname "$0")/.."
mode=$1 dir=$2 amount=$3
shift 3

seed_sysgen() {
	local corpus=$1 f n=0
	for f in systems/*.dts tests/qemu/*/system.dts tests/host/sysgen-good/*.dts \
		 tests/host/sysgen-bad/*.dts; do
		[ -f "$f" ] || continue
		dtc -q -I dts -O dtb -o "$corpus/seed-$n.dtb" "$f" 2>/dev/null || rm -f "$corpus/seed-$n.dtb"
		n=$((n + 1))
	done
}

status=0
for t in "$@"; do
	corpus="$dir/corpus/$t"
	mkdir -p "$corpus"
	[ "$t" = sysgen ] && seed_sysgen "$corpus"
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	log="$dir/$t.log"
	if [ ! -x "$dir/fuzz_$t" ]; then
		if command -v clang-14 >/dev/null; then
			echo "FAIL: fuzz/$t (did not build: make fuzz-bin shows why)"
		else
			echo "FAIL: fuzz/$t (not built: no clang-14; scripts/deps.sh installs it)"
		fi
		status=1
		continue
	fi
	if [ "$mode" = smoke ]; then
		limit=(-runs="$amount")
	else
		limit=(-max_total_time="$amount")
	fi
	"$dir/fuzz_$t" "${limit[@]}" "${dict[@]}" -max_len=4096 -timeout=10 \
		-artifact_prefix="$dir/crash-$t-" -print_final_stats=1 "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		if [ "$mode" = smoke ]; then
			echo "PASS: fuzz/$t"
		else
			echo "fuzz/$t: ${execs:-?} executions, ${rate:-?} exec/s, corpus $(ls "$corpus" | wc -l)"
		fi
	else
		status=1
		echo "FAIL: fuzz/$t (libFuzzer exit $rc, see $log)"
		grep -E 'ERROR|invariant failed|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/    /'
	fi
done
exit $status
