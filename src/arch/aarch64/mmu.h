/* numbat's EL2 stage-1 translation (mmu.c). */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdbool.h>
#include <stdint.h>

struct mmu_range {
	uint64_t base, size;
	bool device;
};

/*
 * Builds the EL2 tables: the image (text RX, rodata R) and the given
 * ranges (RW, never executable; device or normal memory). One range may
 * start at the image base: its part after rodata is mapped RW. Returns 0
 * or a pgtable error.
 */
int mmu_build(const struct mmu_range *ranges, unsigned count);
/* Turns the MMU and caches on with those tables, on the calling pCPU. */
void mmu_enable(void);

#endif
