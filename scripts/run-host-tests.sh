#!/usr/bin/env bash
# Runs every host test: each built program $BUILD_DIR/host-tests/test_*
# and each script check tests/host/*.sh (given BUILD_DIR). Passes their
# "PASS: ..." / "FAIL: ..." lines through on stdout (anything else goes to
# stderr); a program that crashes or fails without a FAIL line gets one.
# Exits 0 iff everything passed.
# Usage: scripts/run-host-tests.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd) || { echo "FAIL: host: no build directory ${1:-build}"; exit 1; }
cd "$(dirname "$0")/.."
status=0

# run NAME CMD...: runs one test program or script and filters its output.
run() {
	local name=$1 out rc fails
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL): ' "$out"
	grep -vE '^(PASS|FAIL): ' "$out" >&2
	fails=$(grep -c '^FAIL: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		if [ "$rc" -gt 128 ]; then
			echo "FAIL: host/$name: killed by signal $((rc - 128))"
		else
			echo "FAIL: host/$name: exited with status $rc"
		fi
	elif [ "$rc" -eq 0 ] && ! grep -qE '^(PASS|FAIL): ' "$out"; then
		echo "FAIL: host/$name: produced no results"
		rc=1
	fi
	rm -f "$out"
	[ "$rc" -eq 0 ] && [ "$fails" -eq 0 ]
}

found=0
for prog in "$build"/host-tests/test_*; do
	[ -f "$prog" ] && [ -x "$prog" ] || continue
	found=1
	run "$(basename "$prog")" "$prog" || status=1
done
for script in tests/host/*.sh; do
	[ -f "$script" ] || continue
	found=1
	run "$(basename "$script" .sh)" bash "$script" "$build" || status=1
done
if [ $found -eq 0 ]; then
	echo "FAIL: host: no host tests found in $build/host-tests"
	status=1
fi
exit $status
