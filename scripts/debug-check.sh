#!/usr/bin/env bash
# Checks make debug end to end: boots the default system under QEMU's
# gdb stub, breaks on numbat's synchronous trap handler with gdb-multiarch
# and reads the trapping VM's name through numbat's own types. Prints
# PASS/FAIL lines like the other test stages.
# Usage: scripts/debug-check.sh BUILD_DIR
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/cmds.gdb" <<'GDB'
break handle_guest_sync
continue
echo debug-check: vm\040
output vcpu->vm->cfg->name
echo \n
info symbol $pc
GDB
if ! make --no-print-directory BUILD="$build" \
	GDB_PORT=$((20000 + $$ % 10000)) DEBUG_GDB_BATCH="$tmp/cmds.gdb" debug > "$tmp/out" 2>&1 ||
   ! grep -Eq '(^|hit )Breakpoint 1, handle_guest_sync' "$tmp/out" ||
   ! grep -q '^debug-check: vm ' "$tmp/out"; then
	echo "FAIL: debug/break-on-trap-handler"
	tail -n 20 "$tmp/out" | sed 's/^/    /'
	exit 1
fi
echo "PASS: debug/break-on-trap-handler ($(grep '^debug-check: vm ' "$tmp/out"))"
