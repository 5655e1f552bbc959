#!/usr/bin/env bash
# Static analysis of numbat's own C (microvisor, host tools, guests). Prints
# the findings and one PASS:/FAIL: line for the test summary.
set -u
cd "$(dirname "$0")/.."
out=$(cppcheck --quiet --enable=warning,style,performance,portability --std=c11 \
	--inline-suppr --suppress=unknownMacro --suppress=missingIncludeSystem \
	--error-exitcode=1 -Iinclude -Isrc -Isrc/plat/qemu-virt -Iguests/lib \
	-D__aarch64__ src tools guests 2>&1)
status=$?
if [ $status -eq 0 ] && [ -z "$out" ]; then
	echo "PASS: static/cppcheck"
else
	echo "$out"
	echo "FAIL: static/cppcheck: findings above"
fi
