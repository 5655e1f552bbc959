#!/usr/bin/env bash
# numbat's whole test suite, as `make test` runs it: host unit tests, static
# analysis, a short round of each libFuzzer harness, the Linux guest
# software (make linux: Debian's kernel and the busybox initramfs, cached in
# the build directory), make debug (a gdb breakpoint on numbat's trap
# handler), the QEMU scenario
# runner's self-test, then the QEMU integration scenarios. Every stage prints
# "PASS: name" / "FAIL: name ..." (or "SKIP: name (why)") lines; the last
# line counts them.
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
log="$build/test-results.txt"
mkdir -p "$build"
: > "$log"

stage() {
	echo "== $1"
	shift
	"$@" 2>&1 | tee -a "$log"
}

# The Linux guests' kernel and initramfs; scenarios that need them are
# skipped (not failed) without them, so a failure here is reported.
linux_guest() {
	local out status=0
	if grep -q 'mk/linux.mk' Makefile; then
		out=$(make --no-print-directory linux BUILD="$build" 2>&1) || status=$?
	else
		out=$(scripts/fetch-linux.sh "$build" 2>&1) || status=$?
	fi
	if [ $status -eq 0 ]; then
		echo "PASS: build/linux-guest"
	else
		echo "FAIL: build/linux-guest"
		echo "$out" | tail -n 20 | sed 's/^/    /'
	fi
}

start=$(date +%s)
stage "host unit tests" scripts/run-host-tests.sh "$build"
stage "static analysis" scripts/cppcheck.sh
stage "fuzzing smoke round" make --no-print-directory fuzz-smoke BUILD="$build"
stage "Linux guest software" linux_guest
stage "make debug" scripts/debug-check.sh "$build"
stage "QEMU runner self-test" python3 tests/qemu/selftest.py
stage "QEMU integration tests" python3 tests/qemu/run.py --build "$build"

passed=$(grep -c '^PASS: ' "$log")
failed=$(grep -c '^FAIL: ' "$log")
skipped=$(grep -c '^SKIP: ' "$log")
echo
if [ "$failed" -gt 0 ]; then
	echo "Failures:"
	grep '^FAIL: ' "$log"
	echo
fi
echo "suite took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

