# Builds one system image: numbat + the compiled system description + the
# VM images, kernels and initrds it names. Called as
#   make -f mk/system.mk SYSTEM=path/to/system.dts OUT=build/dir
# with the variables the top-level Makefile exports. A text dump of a Linux
# VM's generated device tree: make -f mk/system.mk ... $(OUT)/<vm-name>.dts

SYSGEN ?= $(BUILD)/tools/sysgen
GUEST_DIR ?= $(BUILD)/guests
LINUX_DIR ?= $(BUILD)/linux

all: $(OUT)/numbat.bin

# The description's own DTB; its name is longer than any vm-name, so no
# Linux VM's $(OUT)/<vm-name>.dtb can clash with it.
$(OUT)/system-description.dtb: $(SYSTEM)
	@mkdir -p $(OUT)
	@echo "  DTC     $<"
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# sysgen validates the description and writes config.c, images.S and each
# Linux VM's device tree ($(OUT)/<vm-name>.dtb, which images.S embeds);
# config.d lists the embedded files so a rebuilt guest relinks the system.
$(OUT)/config.c $(OUT)/images.S: $(OUT)/system-description.dtb $(SYSGEN)
	@echo "  SYSGEN  $(SYSTEM)"
	$(Q)$(SYSGEN) --source $(SYSTEM) --image-dir $(GUEST_DIR) --linux-dir $(LINUX_DIR) \
		--config $(OUT)/config.c --images $(OUT)/images.S --dtb-dir $(OUT) \
		--depfile $(OUT)/config.d $<

$(OUT)/%.dts: $(OUT)/%.dtb
	dtc -q -I dtb -O dts -o $@ $<

-include $(OUT)/config.d

$(OUT)/config.o: $(OUT)/config.c
	@echo "  CC      $@"
	$(Q)$(CC_CROSS) $(CROSS_CFLAGS) -c $< -o $@

$(OUT)/images.o: $(OUT)/images.S
	@echo "  CC      $@"
	$(Q)$(CC_CROSS) $(CROSS_CFLAGS) -c $< -o $@

$(OUT)/numbat.elf: $(OUT)/config.o $(OUT)/images.o $(CORE_LIB) src/arch/aarch64/numbat.ld
	@echo "  LD      $@"
	$(Q)$(CC_CROSS) -nostdlib -static -Wl,--gc-sections -Wl,-z,noexecstack \
		-Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,--defsym=PLAT_LOAD_ADDR=$(PLAT_LOAD_ADDR) \
		-T src/arch/aarch64/numbat.ld -o $@ \
		-Wl,--whole-archive $(CORE_LIB) -Wl,--no-whole-archive \
		$(OUT)/config.o $(OUT)/images.o $(LIBFDT_A) -lgcc
	$(Q)scripts/check-no-fp.sh $(CROSS)objdump $@ || { rm -f $@; exit 1; }

$(OUT)/numbat.bin: $(OUT)/numbat.elf
	$(Q)$(OBJCOPY) -O binary $< $@
