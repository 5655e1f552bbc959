# tools/sysgen: the host tool that checks a system description (.dts compiled
# to .dtb) and generates config.c, images.S and a depfile from it. Included
# by the top-level Makefile; mk/system.mk runs it.

SYSGEN_SRC     := $(wildcard tools/sysgen/*.c)
SYSGEN_HDR     := $(wildcard tools/sysgen/*.h) include/numbat/config.h include/numbat/abi.h
# Everything but main(), for host tests that drive the phases directly.
SYSGEN_LIB_SRC := $(filter-out tools/sysgen/main.c,$(SYSGEN_SRC))
SYSGEN         := $(BUILD)/tools/sysgen

$(SYSGEN): $(SYSGEN_SRC) $(SYSGEN_HDR)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(SYSGEN_SRC) -lfdt

.PHONY: tools
tools: $(SYSGEN)
