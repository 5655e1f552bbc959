#!/usr/bin/env bash
# numbat's whole test suite, as `make test` runs it: host unit tests, static
# analysis, then the QEMU integration scenarios. Every stage prints
# "PASS: name" / "FAIL: name ..." lines; the last line counts them.
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

start=$(date +%s)
stage "host unit tests" scripts/run-host-tests.sh "$build"
stage "static analysis" scripts/cppcheck.sh
stage "QEMU integration tests" python3 tests/qemu/run.py --build "$build"

passed=$(grep -c '^PASS: ' "$log")
failed=$(grep -c '^FAIL: ' "$log")
echo
if [ "$failed" -gt 0 ]; then
	echo "Failures:"
	grep '^FAIL: ' "$log"
	echo
fi
echo "suite took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
