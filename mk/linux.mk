# The Linux guest software: Debian's arm64 cloud kernel and a busybox
# initramfs built from guests/linux with Debian's iperf3, socat and sqlite3
# (scripts/fetch-linux.sh, scripts/linux-packages.sh). Included by the
# top-level Makefile (BUILD, CROSS). `make linux` builds
#   $(BUILD)/linux/Image  $(BUILD)/linux/initramfs.cpio.gz
# and does nothing when both exist and are newer than their inputs. The
# downloaded packages stay cached in $(BUILD)/linux/debs.

LINUX_DIR    := $(BUILD)/linux
LINUX_IMAGE  := $(LINUX_DIR)/Image
LINUX_INITRD := $(LINUX_DIR)/initramfs.cpio.gz
# The default initramfs plus the nbench suite (issue 11): make bench-linux
# and the linux-bench-smoke scenario.
LINUX_BENCH_INITRD := $(LINUX_DIR)/initramfs-bench.cpio.gz
# The directories too, so a removed file rebuilds the initramfs.
LINUX_INPUTS := scripts/fetch-linux.sh scripts/linux-packages.sh guests/linux/cntvct.c guests/linux/dbgstep.c \
                $(shell find guests/linux/rootfs 2>/dev/null)

.PHONY: linux
linux: $(LINUX_IMAGE) $(LINUX_INITRD) $(LINUX_BENCH_INITRD)

$(LINUX_IMAGE) $(LINUX_INITRD) &: $(LINUX_INPUTS)
	@scripts/fetch-linux.sh $(BUILD)
	@touch $(LINUX_IMAGE) $(LINUX_INITRD)

$(LINUX_BENCH_INITRD): $(LINUX_INITRD) scripts/linux-bench-initramfs.sh \
                       $(wildcard guests/linux/bench/*)
	@scripts/linux-bench-initramfs.sh $(BUILD)
