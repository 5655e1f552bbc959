# Guest programs that run at EL1 inside numbat VMs: the runtime library
# (guests/lib), the demo (guests/demo), the benchmark (guests/bench) and one
# test guest per guests/tests/<name>.c. Each becomes
# $(BUILD)/guests/<name>.elf and the raw image $(BUILD)/guests/<name>.bin,
# linked at IPA 0x40000000 by guests/lib/guest.ld.
# Included by the top-level Makefile (BUILD, CC_CROSS, OBJCOPY, CROSS_CFLAGS).

GUEST_OBJDIR  := $(BUILD)/guests/obj
GUEST_CFLAGS   = $(CROSS_CFLAGS) -Iguests/lib -Isrc -MMD -MP
GUEST_LD      := guests/lib/guest.ld
GUEST_LDFLAGS := -nostdlib -static -Wl,--gc-sections -Wl,-z,noexecstack \
                 -Wl,--no-warn-rwx-segments -Wl,--build-id=none -T $(GUEST_LD)

guest_objs = $(patsubst guests/%,$(GUEST_OBJDIR)/%.o,$(1))

# numbat's freestanding formatter serves the guests too.
GUEST_LIB_OBJ := $(call guest_objs,$(wildcard guests/lib/*.c guests/lib/*.S)) \
                 $(GUEST_OBJDIR)/shared/format.c.o
GUEST_TESTS   := $(patsubst guests/tests/%.c,%,$(wildcard guests/tests/*.c))
GUEST_PROGS   := demo bench rt rtbench pingpong virqbench vsockd diskd $(GUEST_TESTS)
GUEST_BINS    := $(patsubst %,$(BUILD)/guests/%.bin,$(GUEST_PROGS))
GUEST_ALL_OBJ := $(GUEST_LIB_OBJ)

guests: $(GUEST_BINS)

# Identity-mapped partitions (they drive a passed-through device's DMA)
# are linked at their physical address, away from numbat at the RAM base.
comma := ,
GUEST_BASE_passthrough_blk := 0x60000000
GUEST_BASE_diskd := 0x60000000
GUEST_BASE_powerfail_srv := 0x60000000

# $(call guest_program,NAME,SOURCES): links NAME from SOURCES and the runtime.
define guest_program
$(BUILD)/guests/$(1).elf: $(call guest_objs,$(2)) $(GUEST_LIB_OBJ) $(GUEST_LD)
	@echo "  LD      $$@"
	$$(Q)$$(CC_CROSS) $$(GUEST_LDFLAGS) $$(if $$(GUEST_BASE_$(1)),-Wl$$(comma)--defsym=GUEST_BASE=$$(GUEST_BASE_$(1))) -o $$@ $$(filter %.o,$$^) -lgcc
GUEST_ALL_OBJ += $(call guest_objs,$(2))
endef

$(eval $(call guest_program,demo,$(wildcard guests/demo/*.c guests/demo/*.S)))
$(eval $(call guest_program,bench,$(wildcard guests/bench/*.c guests/bench/*.S)))
$(eval $(call guest_program,rt,$(wildcard guests/rt/*.c)))
$(eval $(call guest_program,rtbench,$(wildcard guests/rtbench/*.c)))
$(eval $(call guest_program,pingpong,$(wildcard guests/pingpong/*.c)))
$(eval $(call guest_program,virqbench,$(wildcard guests/virqbench/*.c)))
$(eval $(call guest_program,diskd,$(wildcard guests/diskd/*.c)))
$(eval $(call guest_program,vsockd,$(wildcard guests/vsockd/*.c)))
$(foreach t,$(GUEST_TESTS),$(eval $(call guest_program,$(t),guests/tests/$(t).c)))

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

$(GUEST_OBJDIR)/%.c.o: guests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC_CROSS) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/shared/format.c.o: src/lib/format.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC_CROSS) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/%.S.o: guests/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC_CROSS) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

-include $(GUEST_ALL_OBJ:.o=.d)
