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
};

/*
 * Fills `bi` from the flattened device tree at `fdt`. Returns NULL, or a
 * message saying what is wrong with the tree; `bi` then holds whatever
 * was found before the problem.
 */
const char *bootinfo_parse(const void *fdt, struct bootinfo *bi);

#endif
