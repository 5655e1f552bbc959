/*
 * What numbat learns from the boot device tree: RAM, CPUs, and the devices
 * it drives itself. The tree is untrusted input, parsed with bounds checks
 * (libfdt, after fdt_check_full) before anything else uses it.
 */
#ifndef CORE_BOOTINFO_H
#define CORE_BOOTINFO_H

#include <stdbool.h>
#include <stdint.h>

#include <numbat/config.h>

#define BOOTINFO_MAX_RAM 8
#define BOOTINFO_MAX_VIRTIO 32   /* QEMU virt has 32 virtio-mmio slots */

/* A "virtio,mmio" node of the boot tree: a slot numbat may probe. */
struct bootinfo_virtio {
	uint64_t base, size;
	unsigned intid;          /* its SPI's INTID */
	bool edge;               /* the interrupt is edge-triggered */
};

struct bootinfo {
	unsigned ram_count;
	uint64_t ram_base[BOOTINFO_MAX_RAM], ram_size[BOOTINFO_MAX_RAM];
	unsigned cpu_count;                    /* CPUs in the tree (all) */
	uint64_t cpu_mpidr[CONFIG_MAX_PCPUS];  /* the first CONFIG_MAX_PCPUS */
	uint64_t uart_base;
	unsigned uart_intid;                   /* its interrupt, 0 if none */
	unsigned gic_version;                  /* 2 or 3; 0 if none found */
	uint64_t gicd_base, gicd_size;
	uint64_t gicr_base, gicr_size;         /* v3 redistributors */
	uint64_t gicc_base, gicc_size;         /* v2 CPU interface */
	uint64_t gich_base, gich_size;         /* v2 virtual interface control */
	uint64_t gicv_base, gicv_size;         /* v2 virtual CPU interface */
	unsigned maint_intid;                  /* vGIC maintenance PPI */
	unsigned hyp_timer_intid;              /* EL2 physical timer PPI */
	bool entry_stamp;                      /* boot option numbat.entry-stamp */
	unsigned virtio_count;                 /* virtio-mmio slots, tree order */
	struct bootinfo_virtio virtio[BOOTINFO_MAX_VIRTIO];
	/*
	 * The power button: a gpio-keys key with linux,code KEY_POWER wired
	 * to a line of an "arm,pl061" GPIO controller (QEMU virt: line 3 of
	 * the PL061 at 0x09030000, SPI 7). gpio_base 0 if there is none.
	 */
	uint64_t gpio_base;
	unsigned gpio_intid;
	unsigned power_line;
};

/*
 * Fills `bi` from the flattened device tree at `fdt`. Returns NULL, or a
 * message saying what is wrong with the tree; `bi` then holds whatever
 * was found before the problem.
 */
const char *bootinfo_parse(const void *fdt, struct bootinfo *bi);

#endif
