# The microvisor proper: every object except the generated system
# configuration, collected in $(CORE_LIB). Platform selection: PLAT.

PLAT ?= qemu-virt
include src/plat/$(PLAT)/plat.mk

CORE_SRC := $(wildcard src/core/*.c src/lib/*.c src/devices/*.c \
              src/arch/aarch64/*.c src/arch/aarch64/*.S src/plat/$(PLAT)/*.c)
CORE_OBJ := $(patsubst src/%,$(BUILD)/core/%.o,$(CORE_SRC))
CORE_LIB := $(BUILD)/core/libnumbat.a
# src/lib/libfdt comes before Debian's libfdt headers: numbat's libfdt_env.h
# replaces the one that includes libc headers.
CORE_CFLAGS = $(CROSS_CFLAGS) -Isrc -Isrc/plat/$(PLAT) -Isrc/lib/libfdt -I$(LIBFDT_DIR)/usr/include \
              -DPLAT_LOAD_ADDR=$(PLAT_LOAD_ADDR) -MMD -MP

export PLAT PLAT_LOAD_ADDR CORE_LIB

core: $(CORE_LIB)

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@$(CROSS)ar rcs $@ $^

$(BUILD)/core/%.c.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC_CROSS) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/core/%.S.o: src/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC_CROSS) $(CORE_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

# Structure offsets for assembly, generated from offsetof() so they cannot
# drift from the C definitions.
$(BUILD)/core/asm-offsets.h: src/arch/aarch64/asm-offsets.c.in $(wildcard src/core/*.h src/arch/aarch64/*.h)
	@mkdir -p $(dir $@)
	@$(CC_CROSS) $(CORE_CFLAGS) -x c -S $< -o $@.s
	@sed -n 's/.*@@ASM_OFFSET \([A-Z0-9_]*\) #\{0,1\}\([0-9-]*\).*/#define \1 \2/p' $@.s > $@
	@rm -f $@.s

$(filter %.S.o,$(CORE_OBJ)): $(BUILD)/core/asm-offsets.h
$(CORE_OBJ): CORE_CFLAGS += -I$(BUILD)/core

-include $(CORE_OBJ:.o=.d)
