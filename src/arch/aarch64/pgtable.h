/*
 * A translation-table builder for the VMSAv8-64 4 KiB granule, shared by
 * numbat's own EL2 stage-1 tables and every VM's stage-2 tables: the two
 * formats differ only in leaf attribute bits, which callers pass in.
 * No hardware access: host-testable. Tables are addressed physically; the
 * caller's table allocator returns memory whose address is its physical
 * address (numbat's EL2 map is the identity).
 */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT       12
#define PAGE_SIZE        (1ull << PAGE_SHIFT)
#define PT_ENTRIES       512

/* Descriptor bits common to both stages (D8.3). */
#define PTE_VALID        (1ull << 0)
#define PTE_TABLE        (1ull << 1) /* table at levels 0-2, page at 3 */
#define PTE_AF           (1ull << 10)
#define PTE_SH_INNER     (3ull << 8)
#define PTE_ADDR_MASK    0x0000fffffffff000ull

/* Stage-1 (EL2) leaf attributes. */
#define S1_ATTRIDX(i)    ((uint64_t)(i) << 2)
#define S1_AP_RO         (1ull << 7)
#define S1_XN            (1ull << 54)

/* Stage-2 leaf attributes (D8.5.5). */
#define S2_MEMATTR_DEVICE_nGnRE (0x1ull << 2)
#define S2_MEMATTR_NORMAL_WB    (0xfull << 2)
#define S2_AP_R          (1ull << 6)
#define S2_AP_W          (1ull << 7)
#define S2_XN            (2ull << 53)
#define PTE_ATTR_MASK    (0xfff0000000000ffcull)

/* Errors (negative). */
#define PT_OK            0
#define PT_EINVAL        (-1) /* misaligned, out of range or empty */
#define PT_EEXIST        (-2) /* part of the range is already mapped */
#define PT_ENOMEM        (-3) /* no memory for a table */

/* Returns `pages` zeroed, contiguous pages aligned to their total size, or NULL. */
typedef uint64_t *(*pt_alloc_fn)(void *ctx, unsigned pages);
typedef void (*pt_free_fn)(void *ctx, uint64_t *table, unsigned pages);

struct pgtable {
	uint64_t *root;        /* root table; root_pages concatenated pages */
	unsigned root_pages;   /* 1, or 2..16 for a concatenated stage-2 root */
	unsigned start_level;  /* 0..2 */
	unsigned ia_bits;      /* input address size in bits */
	pt_alloc_fn alloc;
	pt_free_fn free;
	void *ctx;
};

/*
 * The level translation starts at for an input size of `ia_bits`: the
 * fewest levels whose root (up to 16 concatenated pages for stage 2,
 * Arm ARM D8.2.7) covers it.
 */
unsigned pgtable_start_level(unsigned ia_bits, bool stage2);

/*
 * Sets up `pt` for an input size of `ia_bits` (25..48), choosing the start
 * level and root concatenation the way VTCR_EL2.SL0 expects for stage 2
 * (stage2 = true) or a single root page (stage 1). Allocates the root.
 * Returns PT_OK, PT_EINVAL or PT_ENOMEM.
 */
int pgtable_init(struct pgtable *pt, unsigned ia_bits, bool stage2,
		 pt_alloc_fn alloc, pt_free_fn free, void *ctx);

/*
 * Maps [va, va + size) to [pa, pa + size) with leaf attributes `attrs`
 * (PTE_AF and the valid/type bits are added here). Uses 1 GiB and 2 MiB
 * blocks wherever alignment allows, 4 KiB pages elsewhere. Refuses,
 * changing nothing, if any page of the range is already mapped. All three
 * values must be page aligned and the range must lie within ia_bits.
 */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
		uint64_t attrs);

/*
 * Removes every mapping in [va, va + size), splitting blocks that straddle
 * its ends. Unmapped holes inside the range are fine. The caller
 * invalidates TLBs. Returns PT_OK, PT_EINVAL, or PT_ENOMEM (a split
 * failed; the range is then partly unmapped).
 */
int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size);

/*
 * Looks up `va`. On a hit returns true and sets *pa and, if non-NULL,
 * *attrs (leaf attribute bits) and *level (where the leaf was found).
 */
bool pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa,
		    uint64_t *attrs, unsigned *level);

/* Frees every table below the root, and the root. */
void pgtable_destroy(struct pgtable *pt);

#endif /* ARCH_PGTABLE_H */
