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
CHECK_CFLAGS  := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS    := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
HOST_TEST_COMMON := tests/host/check_main.c tests/host/check_main.h \
                    $(wildcard include/numbat/*.h)

# sysgen: parse/check/place phases driven in-process on good descriptions.
HOST_TESTS     += sysgen
sysgen_SRC     := $(SYSGEN_LIB_SRC)
sysgen_CFLAGS  := -Itools/sysgen -DSOURCE_DIR='"$(CURDIR)"'
sysgen_LIBS    := -lfdt
sysgen_DEPS    := $(SYSGEN_HDR) $(wildcard tests/host/sysgen-good/*.dts) systems/default.dts

# sysgen_emit: the config.c and images.S sysgen writes for
# tests/host/sysgen-good/emit.dts, compiled for the host and inspected.
SYSGEN_EMIT_DIR    := $(HOST_TEST_DIR)/sysgen-emit
HOST_TESTS         += sysgen_emit
sysgen_emit_SRC    := $(SYSGEN_EMIT_DIR)/config.c $(SYSGEN_EMIT_DIR)/images.S
sysgen_emit_CFLAGS := -DEMIT_IMAGE_DIR='"$(abspath $(SYSGEN_EMIT_DIR))/images"'

$(SYSGEN_EMIT_DIR)/config.c $(SYSGEN_EMIT_DIR)/images.S &: tests/host/sysgen-good/emit.dts $(SYSGEN)
	@mkdir -p $(SYSGEN_EMIT_DIR)/images
	seq 1 1000 > $(SYSGEN_EMIT_DIR)/images/small.bin
	seq 1 300000 > $(SYSGEN_EMIT_DIR)/images/large.bin
	dtc -q -I dts -O dtb -o $(SYSGEN_EMIT_DIR)/system.dtb $<
	$(SYSGEN) --source $< --image-dir $(SYSGEN_EMIT_DIR)/images \
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

# One link rule per program; everything is compiled in one step.
define host_test_rule
$(HOST_TEST_DIR)/test_$(1): tests/host/test_$(1).c $$($(1)_SRC) $$($(1)_DEPS) $$(HOST_TEST_COMMON)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOST_CFLAGS) $$(CHECK_CFLAGS) -Itests/host $$($(1)_CFLAGS) -o $$@ \
		tests/host/test_$(1).c tests/host/check_main.c $$($(1)_SRC) \
		$$($(1)_LIBS) $$(CHECK_LIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

HOST_TEST_BINS := $(HOST_TESTS:%=$(HOST_TEST_DIR)/test_%)

.PHONY: host-tests-bin host-tests
host-tests-bin: $(HOST_TEST_BINS) $(SYSGEN)

host-tests: host-tests-bin
	@scripts/run-host-tests.sh $(BUILD)
