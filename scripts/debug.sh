#!/usr/bin/env bash
# make debug: boots the system image (build/system/numbat.bin, as make run)
# under QEMU's gdb stub, stopped before numbat's first instruction, and
# attaches gdb-multiarch with numbat's symbols (build/system/numbat.elf).
# numbat's console goes to build/debug/console.log (tail -f it), so the
# terminal is gdb's; quitting gdb stops QEMU. README "Debugging" says how
# to break on a trap handler and add a native guest's or Linux's symbols.
#
# Usage: scripts/debug.sh BUILD_DIR, with QEMU and QEMU_ARGS (the machine)
# from the Makefile. GDB_PORT: the stub's TCP port (default 1234).
# DEBUG_GDB_BATCH=<file>: run gdb in batch mode on that command file
# (scripts/debug-check.sh uses it).
set -euo pipefail
build=${1:-build}
qemu=${QEMU:-qemu-system-aarch64}
port=${GDB_PORT:-1234}
elf="$build/system/numbat.elf"
out="$build/debug"

if ! command -v gdb-multiarch >/dev/null; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "debug: installing gdb-multiarch (Debian package)"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
		gdb-multiarch >/dev/null
fi
[ -f "$elf" ] || { echo "debug: $elf is missing (make all)" >&2; exit 1; }
mkdir -p "$out"
: > "$out/console.log"

# -S: stopped at reset; -gdb: the stub, on loopback only.
# shellcheck disable=SC2086
$qemu ${QEMU_ARGS:-} -display none -monitor none -serial "file:$out/console.log" \
	-S -gdb "tcp:127.0.0.1:$port" -kernel "$build/system/numbat.bin" &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true' EXIT
echo "debug: QEMU (pid $qpid) waits for gdb on 127.0.0.1:$port; console: $out/console.log"

gdb_args=(-q "$elf" -ex "set pagination off" -ex "target remote 127.0.0.1:$port")
if [ -n "${DEBUG_GDB_BATCH:-}" ]; then
	gdb-multiarch -batch "${gdb_args[@]}" -x "$DEBUG_GDB_BATCH"
else
	gdb-multiarch "${gdb_args[@]}"
fi
