/*
 * numbat's own (EL2 stage-1) address space: the identity map of its image
 * with W^X permissions, its heap, the memory of every VM (to load images
 * and read hypercall buffers), and the few devices it drives.
 */
#include "arch/aarch64/mmu.h"

#include <stddef.h>

#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/sysreg.h"
#include "core/mm.h"
#include "core/panic.h"

#define EL2_VA_BITS 39

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static struct pgtable el2_pt;
static uint64_t el2_tcr;

#define ATTR_NORMAL  (S1_ATTRIDX(MAIR_IDX_NORMAL) | PTE_SH_INNER)
#define ATTR_DEVICE  (S1_ATTRIDX(MAIR_IDX_DEVICE_nGnRE) | S1_XN)

static int map(uint64_t base, uint64_t size, uint64_t attrs)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	return pgtable_map(&el2_pt, start, start, end - start, attrs);
}

int mmu_build(const struct mmu_range *ranges, unsigned count)
{
	uint64_t img = (uint64_t)(uintptr_t)__image_start;
	uint64_t text_end = (uint64_t)(uintptr_t)__text_end;
	uint64_t ro_end = (uint64_t)(uintptr_t)__rodata_end;
	int err = pgtable_init(&el2_pt, EL2_VA_BITS, false, mm_alloc_table,
			       mm_free_table, NULL);

	if (!err)
		err = map(img, text_end - img, ATTR_NORMAL | S1_AP_RO);
	if (!err)
		err = map(text_end, ro_end - text_end, ATTR_NORMAL | S1_AP_RO | S1_XN);
	for (unsigned i = 0; !err && i < count; i++) {
		uint64_t attrs = ranges[i].device ? ATTR_DEVICE : ATTR_NORMAL | S1_XN;

		/* The image's own pages are already mapped with tighter rights. */
		if (ranges[i].base == img)
			err = map(ro_end, ranges[i].size - (ro_end - img), attrs);
		else
			err = map(ranges[i].base, ranges[i].size, attrs);
	}
	el2_tcr = TCR_EL2_RES1 | TCR_T0SZ(EL2_VA_BITS) | TCR_IRGN0_WBWA |
		  TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
		  FIELD(EXTRACT(read_id_aa64mmfr0_el1(), 0, 4) > 5 ? 5 :
			EXTRACT(read_id_aa64mmfr0_el1(), 0, 4), TCR_EL2_PS_SHIFT);
	return err;
}

void mmu_enable(void)
{
	dsb_sy();
	write_mair_el2(MAIR_EL2_VALUE);
	write_tcr_el2(el2_tcr);
	write_ttbr0_el2((uint64_t)(uintptr_t)el2_pt.root);
	isb();
	__asm__ volatile("tlbi alle2\n dsb nsh\n ic iallu\n dsb nsh" ::: "memory");
	isb();
	write_sctlr_el2(SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I |
			SCTLR_WXN);
	isb();
}
