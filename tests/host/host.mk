# Host unit tests, built with $(HOSTCC) against Check. Included by the
# top-level Makefile after tools/sysgen/sysgen.mk.
#
# Adding a test program: write tests/host/test_<name>.c (it defines
# host_tests_init(); see check_main.h) and list it below:
#   HOST_TESTS       += <name>
#   <name>_SRC       := extra sources to compile in (.c or .S; may be generated)
#   <name>_CFLAGS    := extra compiler flags (optional)
#   <name>_LIBS      := extra libraries (optional)
#   <name>_DEPS      := extra prerequisites, e.g. headers or data (optional)
# It is built as $(BUILD)/host-tests/test_<name>. Script checks are
# tests/host/*.sh (called with the build directory; they print PASS:/FAIL:
# lines). `make host-tests` builds and runs everything via
# scripts/run-host-tests.sh.

HOST_TEST_DIR := $(BUILD)/host-tests
# Recursive (=): check and pkg-config may only be installed by `make deps`
# during this very run, after the makefiles were read.
CHECK_CFLAGS   = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS     = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
HOST_TEST_COMMON := tests/host/check_main.c tests/host/check_main.h \
                    $(wildcard include/numbat/*.h)

# sysgen: parse/check/place phases driven in-process on good descriptions.
HOST_TESTS     += sysgen
sysgen_SRC     := $(SYSGEN_LIB_SRC)
sysgen_CFLAGS  := -Itools/sysgen -DSOURCE_DIR='"$(CURDIR)"'
sysgen_LIBS    := -lfdt
sysgen_DEPS    := $(SYSGEN_HDR) $(wildcard tests/host/sysgen-good/*.dts) systems/default.dts

# sysgen_emit: the config.c, images.S and Linux device tree sysgen writes
# for tests/host/sysgen-good/emit.dts, compiled for the host and inspected.
# The fake arm64 Image is a header (text_offset 0, image_size 16 MiB, flags
# 0xa) padded to 8 KiB.
SYSGEN_EMIT_DIR    := $(HOST_TEST_DIR)/sysgen-emit
HOST_TESTS         += sysgen_emit
sysgen_emit_SRC    := $(SYSGEN_EMIT_DIR)/config.c $(SYSGEN_EMIT_DIR)/images.S
sysgen_emit_CFLAGS := -DEMIT_IMAGE_DIR='"$(abspath $(SYSGEN_EMIT_DIR))/images"' \
                      -DEMIT_DIR='"$(abspath $(SYSGEN_EMIT_DIR))"'
sysgen_emit_LIBS   := -lfdt

$(SYSGEN_EMIT_DIR)/config.c $(SYSGEN_EMIT_DIR)/images.S &: tests/host/sysgen-good/emit.dts $(SYSGEN)
	@echo "  GEN     $(SYSGEN_EMIT_DIR)"
	@mkdir -p $(SYSGEN_EMIT_DIR)/images
	$(Q)seq 1 1000 > $(SYSGEN_EMIT_DIR)/images/small.bin
	$(Q)seq 1 300000 > $(SYSGEN_EMIT_DIR)/images/large.bin
	$(Q)python3 -c 'import struct; open("$(SYSGEN_EMIT_DIR)/images/Image", "wb").write(struct.pack("<IIQQQQQQ4sI", 0x14000010, 0, 0, 16 << 20, 0xa, 0, 0, 0, b"ARM\x64", 0).ljust(8192, b"\xaa"))'
	$(Q)head -c 4097 /dev/urandom > $(SYSGEN_EMIT_DIR)/images/initrd.img
	$(Q)dtc -q -I dts -O dtb -o $(SYSGEN_EMIT_DIR)/system.dtb $<
	$(Q)$(SYSGEN) --source $< --image-dir $(SYSGEN_EMIT_DIR)/images \
		--linux-dir $(SYSGEN_EMIT_DIR)/images \
		--config $(SYSGEN_EMIT_DIR)/config.c --images $(SYSGEN_EMIT_DIR)/images.S \
		--depfile $(SYSGEN_EMIT_DIR)/config.d $(SYSGEN_EMIT_DIR)/system.dtb

# Pure microvisor logic, compiled for the host as it is.
HOST_TESTS     += pgtable esr psci format
pgtable_SRC    := src/arch/aarch64/pgtable.c
pgtable_CFLAGS := -Isrc/arch/aarch64
pgtable_DEPS   := src/arch/aarch64/pgtable.h
esr_SRC        := src/arch/aarch64/esr.c
esr_CFLAGS     := -Isrc/arch/aarch64
esr_DEPS       := src/arch/aarch64/esr.h
psci_SRC       := src/core/psci_decode.c
psci_CFLAGS    := -Isrc
psci_DEPS      := src/core/psci_decode.h
format_SRC     := src/lib/format.c
format_CFLAGS  := -Isrc
format_DEPS    := src/lib/format.h

# The scheduling policy, pure, against a fake clock.
HOST_TESTS          += sched_policy
sched_policy_SRC    := src/core/sched_policy.c
sched_policy_CFLAGS := -Isrc
sched_policy_DEPS   := src/core/sched_policy.h

# The virtual PL011 and the console multiplexer: each test #includes its
# source after host stand-ins for core/spinlock.h, the vGIC and the UART.
HOST_TESTS     += vpl011 console
vpl011_CFLAGS  := -Isrc
vpl011_DEPS    := src/devices/pl011.c src/devices/vdev.h src/core/console.h \
                  src/core/vgic.h
console_SRC    := src/lib/format.c
console_CFLAGS := -Isrc -Isrc/plat/qemu-virt
console_DEPS   := src/core/console.c src/core/console.h src/core/vm.h src/core/monitor.h \
                  src/devices/vdev.h src/plat/qemu-virt/plat.h src/lib/format.h

# The vGIC: list-register allocation (pure, compiled as it is), and the
# model with its register emulation, #included by test_vgic.c after a
# host stand-in for core/spinlock.h, over a fake list-register backend.
# NUMBAT_HOST_TEST turns pcpu_this() into a function the test provides.
HOST_TESTS     += vgic_lr vgic
vgic_lr_SRC    := src/core/vgic_lr.c
vgic_lr_CFLAGS := -Isrc
vgic_lr_DEPS   := src/core/vgic_lr.h src/core/vgic_types.h
vgic_CFLAGS    := -Isrc -DNUMBAT_HOST_TEST
vgic_DEPS      := src/core/vgic.c src/core/vgic.h src/core/vgic_lr.c src/core/vgic_lr.h \
                  src/core/vgic_types.h src/devices/vgic_regs.c src/devices/vdev.h \
                  src/core/vm.h src/core/vcpu.h src/core/pcpu.h src/core/sched.h

# The virtqueue walker and the virtio devices, #included by their tests
# over a fake VM memory and a fake driver (fake_guest_mem.h, fake_driver.h).
HOST_TESTS     += virtq
virtq_CFLAGS   := -Isrc -DNUMBAT_HOST_TEST
virtq_DEPS     := src/core/virtq.c src/core/virtq.h tests/host/fake_guest_mem.h \
                  tests/host/fake_driver.h
HOST_TESTS     += virtio
virtio_CFLAGS  := -Isrc -DNUMBAT_HOST_TEST
virtio_DEPS    := src/core/virtq.c src/core/virtq.h src/devices/virtio.h \
                  src/devices/virtio_mmio.c src/devices/virtio_net.c src/devices/virtio_blk.c \
                  tests/host/fake_guest_mem.h tests/host/fake_driver.h tests/host/fake_virtio.h

# Block links (virtio-blk and the disk server's end), over the transport.
HOST_TESTS        += virtio_blk
virtio_blk_CFLAGS := -Isrc -DNUMBAT_HOST_TEST
virtio_blk_DEPS   := src/core/virtq.c src/core/virtq.h src/devices/virtio.h \
                     src/devices/virtio_mmio.c src/devices/virtio_blk.c include/numbat/blksrv.h \
                     tests/host/fake_guest_mem.h tests/host/fake_driver.h tests/host/fake_virtio.h

# diskd's RapiLog buffer (guests/diskd/log.c), #included over a fake disk.
HOST_TESTS         += diskd_log
diskd_log_CFLAGS   := -Itests/host/diskd_fake -Iguests/lib
diskd_log_DEPS     := guests/diskd/log.c guests/diskd/diskd.h guests/lib/virtio_blk.h \
                      tests/host/diskd_fake/numbat.h

# The virtio-vsock device's header checks and routing, pure.
HOST_TESTS          += vsock_route
vsock_route_SRC     := src/devices/vsock_route.c
vsock_route_CFLAGS  := -Isrc
vsock_route_DEPS    := src/devices/vsock_route.h

# The virtio-vsock device over the transport, #included like test_virtio.
HOST_TESTS          += vsock_dev
vsock_dev_CFLAGS    := -Isrc -DNUMBAT_HOST_TEST
vsock_dev_DEPS      := src/core/virtq.c src/core/virtq.h src/devices/virtio.h \
                       src/devices/virtio_mmio.c src/devices/virtio_net.c src/devices/virtio_blk.c \
                       src/devices/virtio_vsock.c src/devices/vsock_route.c \
                       src/devices/vsock_route.h tests/host/fake_guest_mem.h \
                       tests/host/fake_driver.h tests/host/fake_virtio.h

# One link rule per program; everything is compiled in one step.
define host_test_rule
$(HOST_TEST_DIR)/test_$(1): tests/host/test_$(1).c $$($(1)_SRC) $$($(1)_DEPS) $$(HOST_TEST_COMMON)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $$(CHECK_CFLAGS) -Itests/host $$($(1)_CFLAGS) -o $$@ \
		tests/host/test_$(1).c tests/host/check_main.c $$($(1)_SRC) \
		$$($(1)_LIBS) $$(CHECK_LIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

HOST_TEST_BINS := $(HOST_TESTS:%=$(HOST_TEST_DIR)/test_%)

.PHONY: host-tests-bin host-tests
host-tests-bin: $(HOST_TEST_BINS) $(SYSGEN)

host-tests: host-tests-bin
	@scripts/run-host-tests.sh $(BUILD)
