# numbat: top-level build. `make run`, `make test`, `make bench` are the
# entry points a user needs; see README.md.

BUILD    ?= build
# make V=1 shows every command.
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
CROSS    ?= aarch64-linux-gnu-
# The default system: two Linux VMs and a native partition (issue 3).
# systems/default.dts is the native-only demo (make run SYSTEM=systems/default.dts).
SYSTEM   ?= systems/linux.dts

# QEMU machine used by run/test/bench (overridable: make run SMP=2 CPU=max).
CPU      ?= cortex-a72
SMP      ?= 4
MEM      ?= 2G
GIC      ?= 3
QEMU     ?= qemu-system-aarch64
# More QEMU options for make run, e.g. QEMU_EXTRA="-icount shift=0,sleep=off".
QEMU_EXTRA ?=
# -nic none: virt would add a virtio NIC numbat does not use (and whose
# option ROM needs another package).
QEMU_MACHINE = -M virt,virtualization=on,gic-version=$(GIC) -cpu $(CPU) \
               -smp $(SMP) -m $(MEM) -nographic -no-reboot -echr 0x14 -nic none

CC_CROSS := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
HOSTCC   ?= gcc

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
# Freestanding EL2/EL1 code: no FP/SIMD in C (numbat switches FP state only
# on vCPU switch), no stack protector, no builtins we do not provide, and no
# system headers: only the compiler's own (stdint.h, stddef.h, stdbool.h,
# stdarg.h), so no libc header can be picked up by accident. Recursive (=):
# the cross compiler may only be installed by `make deps` during this run.
CROSS_INC     = -nostdinc -isystem $(shell $(CC_CROSS) -print-file-name=include 2>/dev/null)
CROSS_CFLAGS  = -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
            -mgeneral-regs-only -mstrict-align -fno-stack-protector -fno-pic -fno-pie \
            -fno-common -fomit-frame-pointer -mno-outline-atomics -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections -Ulinux $(WARN) \
            $(CROSS_INC) -Iinclude
HOST_CFLAGS  := -std=gnu11 -O2 -g $(WARN) -Iinclude

LIBFDT_DIR := $(BUILD)/deps/libfdt-arm64
LIBFDT_A   := $(LIBFDT_DIR)/usr/lib/aarch64-linux-gnu/libfdt.a

export Q BUILD CROSS CC_CROSS OBJCOPY HOSTCC CROSS_CFLAGS HOST_CFLAGS WARN LIBFDT_DIR LIBFDT_A

.PHONY: all deps run debug test bench bench-sched bench-linux bench-net bench-rapilog test-long clean core guests tools host-tests cppcheck lines system-image
.DEFAULT_GOAL := all

all: $(BUILD)/numbat.bin

# Installs missing Debian packages; cheap when everything is there.
deps:
	@scripts/deps.sh $(BUILD)

include mk/core.mk
include tools/sysgen/sysgen.mk
include guests/guests.mk
include tests/host/host.mk
include tests/fuzz/fuzz.mk
include mk/linux.mk

# A system whose description boots a Linux kernel needs `make linux` first.
linux_dep = $(if $(shell grep -qs 'kernel *=' $(1) && echo yes),linux)

# A whole system image: $(BUILD)/numbat.bin for $(SYSTEM). Other systems
# (tests, bench) are built with mk/system.mk into their own directory.
$(BUILD)/numbat.bin: deps-stamp $(CORE_LIB) $(SYSGEN) guests $(call linux_dep,$(SYSTEM)) FORCE
	@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(BUILD)/system
	@cp $(BUILD)/system/numbat.bin $@

# Any other system: make system-image SYSTEM=path/to/system.dts OUT=build/dir
OUT ?= $(BUILD)/system
system-image: deps-stamp $(CORE_LIB) $(SYSGEN) guests $(call linux_dep,$(SYSTEM))
	@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(OUT)

deps-stamp: deps
.PHONY: deps-stamp FORCE
FORCE:

run: all
	@echo "numbat: booting $(SYSTEM) (quit QEMU with Ctrl-T X; Ctrl-A then a digit switches console input)"
	$(QEMU) $(QEMU_MACHINE) $(QEMU_EXTRA) -kernel $(BUILD)/numbat.bin

# QEMU stopped under its gdb stub, gdb-multiarch attached (README "Debugging").
debug: all
	@QEMU="$(QEMU)" QEMU_ARGS="-M virt,virtualization=on,gic-version=$(GIC) -cpu $(CPU) \
	  -smp $(SMP) -m $(MEM) -no-reboot -nic none $(QEMU_EXTRA)" scripts/debug.sh $(BUILD)

test: all host-tests-bin
	@scripts/test-all.sh

# The long RapiLog test: 100 Linux crashes and 20 power cuts under the
# sqlite load, each checked on the host (scripts/rapilog-long.py).
test-long: all linux
	@nice -n 5 scripts/rapilog-long.py --build $(BUILD)

bench: all
	@scripts/bench.sh
	@scripts/bench-sched.sh $(BUILD)
	@$(MAKE) --no-print-directory bench-rapilog

# RapiLog: sqlite commits/s in write-through and RapiLog mode, dd, the drain.
bench-rapilog: all linux
	@scripts/bench-rapilog.py --build $(BUILD)

# The scheduling figures alone: vCPU switch, wake-up latency.
bench-sched: all
	@scripts/bench-sched.sh $(BUILD)

# iperf3 between linux0 and linux1 over their network link vs loopback.
bench-net: all
	@scripts/bench-net.py $(BUILD)

# The Linux workload suite alone (also the last part of make bench).
bench-linux: all linux
	@scripts/bench-linux.py $(BUILD)

cppcheck:
	@scripts/cppcheck.sh

# numbat itself must not touch the guest's live FP/SIMD registers.
lines:
	@scripts/count-lines.sh

clean:
	rm -rf $(BUILD)
