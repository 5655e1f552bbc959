# Builds one system image: numbat + the compiled system description + the
# VM images it names. Called as
#   make -f mk/system.mk SYSTEM=path/to/system.dts OUT=build/dir
# with the variables the top-level Makefile exports.

SYSGEN ?= $(BUILD)/tools/sysgen
GUEST_DIR ?= $(BUILD)/guests

all: $(OUT)/numbat.bin

$(OUT)/system.dtb: $(SYSTEM)
	@mkdir -p $(OUT)
	dtc -q -I dts -O dtb -o $@ $<

# sysgen validates the description and writes config.c and images.S;
# config.d lists the images so a rebuilt guest relinks the system.
$(OUT)/config.c $(OUT)/images.S: $(OUT)/system.dtb $(SYSGEN)
	$(SYSGEN) --source $(SYSTEM) --image-dir $(GUEST_DIR) \
		--config $(OUT)/config.c --images $(OUT)/images.S --depfile $(OUT)/config.d $<

-include $(OUT)/config.d

$(OUT)/config.o: $(OUT)/config.c
	$(CC_CROSS) $(CROSS_CFLAGS) -c $< -o $@

$(OUT)/images.o: $(OUT)/images.S
	$(CC_CROSS) $(CROSS_CFLAGS) -c $< -o $@

$(OUT)/numbat.elf: $(OUT)/config.o $(OUT)/images.o $(CORE_LIB) src/arch/aarch64/numbat.ld
	$(CC_CROSS) -nostdlib -static -Wl,--gc-sections -Wl,-z,noexecstack \
		-Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,--defsym=PLAT_LOAD_ADDR=$(PLAT_LOAD_ADDR) \
		-T src/arch/aarch64/numbat.ld -o $@ \
		-Wl,--whole-archive $(CORE_LIB) -Wl,--no-whole-archive \
		$(OUT)/config.o $(OUT)/images.o $(LIBFDT_A) -lgcc

$(OUT)/numbat.bin: $(OUT)/numbat.elf
	$(OBJCOPY) -O binary $< $@
