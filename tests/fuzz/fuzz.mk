# Host fuzzing with libFuzzer (Debian's clang and its compiler-rt), ASan and
# UBSan: one harness per decoder of guest-controlled input, tests/fuzz/
# fuzz_<name>.c, built as $(BUILD)/fuzz/fuzz_<name>. Included by the
# top-level Makefile.
#   make fuzz              runs each harness FUZZ_TIME seconds (default 120)
#                          and prints its executions and exec/s
#   make fuzz-smoke        a short round per harness (FUZZ_SMOKE_RUNS inputs),
#                          PASS:/FAIL: fuzz/<name> lines (part of make test)
# Corpora live in $(BUILD)/fuzz/corpus/<name> (never committed); crashes are
# written to $(BUILD)/fuzz/crash-<name>-*.
#
# Adding a harness: write tests/fuzz/fuzz_<name>.c (LLVMFuzzerTestOneInput)
# and add <name> to FUZZ_TARGETS with its <name>_FSRC / <name>_FFLAGS.

FUZZ_CC    ?= clang-14
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_TIME  ?= 120
FUZZ_SMOKE_RUNS ?= 20000
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror \
               -Wno-unused-function -Iinclude -Isrc -Itests/fuzz \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

FUZZ_TARGETS := esr_mmio vgic pl011 psci sysgen virtq virtio

esr_mmio_FSRC   := tests/fuzz/fuzz_mmio.c
esr_mmio_FFLAGS := -DNUMBAT_HOST_TEST
esr_mmio_FDEPS  := src/core/mmio.c src/devices/testdev.c src/arch/aarch64/esr.h
vgic_FSRC       := tests/fuzz/fuzz_vgic.c
vgic_FFLAGS     := -DNUMBAT_HOST_TEST
vgic_FDEPS      := src/core/vgic.c src/core/vgic_lr.c src/devices/vgic_regs.c \
                   src/core/vgic_types.h src/core/vgic.h
pl011_FSRC      := tests/fuzz/fuzz_pl011.c
pl011_FDEPS     := src/devices/pl011.c
psci_FSRC       := tests/fuzz/fuzz_psci.c src/core/psci_decode.c
psci_FDEPS      := src/core/psci_decode.h
virtq_FSRC      := tests/fuzz/fuzz_virtq.c
virtq_FFLAGS    := -DNUMBAT_HOST_TEST
virtq_FDEPS     := src/core/virtq.c src/core/virtq.h tests/host/fake_guest_mem.h \
                   tests/host/fake_driver.h
virtio_FSRC     := tests/fuzz/fuzz_virtio.c
virtio_FFLAGS   := -DNUMBAT_HOST_TEST
virtio_FDEPS    := $(virtq_FDEPS) src/devices/virtio.h src/devices/virtio_mmio.c \
                   src/devices/virtio_net.c tests/host/fake_virtio.h
sysgen_FSRC     := tests/fuzz/fuzz_sysgen.c $(SYSGEN_LIB_SRC)
sysgen_FFLAGS   := -Itools/sysgen -DFUZZ_IMAGE_DIR='"$(abspath $(BUILD))/guests"' \
                   -DFUZZ_LINUX_DIR='"$(abspath $(BUILD))/linux"'
sysgen_FDEPS    := $(SYSGEN_HDR)
sysgen_FLIBS    := -lfdt

define fuzz_rule
$(FUZZ_DIR)/fuzz_$(1): $$($(1)_FSRC) $$($(1)_FDEPS) tests/fuzz/fuzz_check.h tests/host/fake_spinlock.h
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$($(1)_FFLAGS) -o $$@ $$($(1)_FSRC) $$($(1)_FLIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-bin fuzz-smoke
fuzz-bin: $(FUZZ_BINS)

fuzz: fuzz-bin guests
	@scripts/fuzz.sh run $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_TARGETS)

# A harness that does not build is reported by fuzz.sh as a FAIL line.
fuzz-smoke: guests
	-@$(MAKE) --no-print-directory fuzz-bin
	@scripts/fuzz.sh smoke $(FUZZ_DIR) $(FUZZ_SMOKE_RUNS) $(FUZZ_TARGETS)
