/*
 * VMSAv8-64 translation-table builder, 4 KiB granule (Arm ARM D8.2-D8.3).
 * Pure logic over memory the caller's allocator hands out: host-testable.
 */
#include "pgtable.h"

#include <stddef.h>

static unsigned level_shift(unsigned level)
{
	return PAGE_SHIFT + 9 * (3 - level);
}

static uint64_t level_size(unsigned level)
{
	return 1ull << level_shift(level);
}

/* Entries in a table at `level` (the root may be concatenated). */
static unsigned level_entries(const struct pgtable *pt, unsigned level)
{
	return level == pt->start_level ? PT_ENTRIES * pt->root_pages : PT_ENTRIES;
}

static unsigned level_index(const struct pgtable *pt, unsigned level, uint64_t va)
{
	return (va >> level_shift(level)) & (level_entries(pt, level) - 1);
}

static bool is_leaf(uint64_t desc, unsigned level)
{
	return (desc & PTE_VALID) && (level == 3 || !(desc & PTE_TABLE));
}

static uint64_t *desc_table(uint64_t desc)
{
	return (uint64_t *)(uintptr_t)(desc & PTE_ADDR_MASK);
}

static uint64_t make_leaf(uint64_t pa, uint64_t attrs, unsigned level)
{
	uint64_t d = (pa & PTE_ADDR_MASK) | (attrs & PTE_ATTR_MASK) | PTE_AF | PTE_VALID;

	return level == 3 ? d | PTE_TABLE : d;
}

unsigned pgtable_start_level(unsigned ia_bits, bool stage2)
{
	unsigned max_root_bits = stage2 ? 9 + 4 : 9;
	unsigned level;

	for (level = 2; level > 0; level--)
		if (ia_bits <= level_shift(level) + max_root_bits)
			break;
	return level;
}

int pgtable_init(struct pgtable *pt, unsigned ia_bits, bool stage2,
		 pt_alloc_fn alloc, pt_free_fn free, void *ctx)
{
	unsigned max_root_bits = stage2 ? 9 + 4 : 9; /* up to 16 concatenated */
	unsigned level;

	if (ia_bits < 25 || ia_bits > 48 || !alloc)
		return PT_EINVAL;
	level = pgtable_start_level(ia_bits, stage2);
	if (ia_bits > level_shift(level) + max_root_bits)
		return PT_EINVAL;

	pt->ia_bits = ia_bits;
	pt->start_level = level;
	pt->root_pages = ia_bits - level_shift(level) > 9 ?
			 1u << (ia_bits - level_shift(level) - 9) : 1;
	pt->alloc = alloc;
	pt->free = free;
	pt->ctx = ctx;
	pt->root = alloc(ctx, pt->root_pages);
	return pt->root ? PT_OK : PT_ENOMEM;
}

/* True if no leaf maps any page of [va, end) below `table`. */
static bool range_free(const struct pgtable *pt, const uint64_t *table,
		       unsigned level, uint64_t va, uint64_t end)
{
	while (va < end) {
		uint64_t next = (va | (level_size(level) - 1)) + 1;
		uint64_t desc = table[level_index(pt, level, va)];

		if (next > end)
			next = end;
		if (is_leaf(desc, level))
			return false;
		if ((desc & PTE_VALID) &&
		    !range_free(pt, desc_table(desc), level + 1, va, next))
			return false;
		va = next;
	}
	return true;
}

static int map_level(struct pgtable *pt, uint64_t *table, unsigned level,
		     uint64_t *va, uint64_t end, uint64_t *pa, uint64_t attrs)
{
	while (*va < end) {
		uint64_t bsize = level_size(level);
		uint64_t next = (*va | (bsize - 1)) + 1;
		uint64_t *slot = &table[level_index(pt, level, *va)];
		int err;

		if (next > end)
			next = end;
		/*
		 * Blocks exist at levels 1 and 2, pages at level 3; a slot
		 * that already holds a table (the range is free, so it maps
		 * nothing here) is descended into, never overwritten.
		 */
		if (!(*slot & PTE_VALID) &&
		    (level == 3 || (level >= 1 && next - *va == bsize &&
				    !(*pa & (bsize - 1))))) {
			*slot = make_leaf(*pa, attrs, level);
			*pa += next - *va;
			*va = next;
			continue;
		}
		if (!(*slot & PTE_VALID)) {
			uint64_t *sub = pt->alloc(pt->ctx, 1);

			if (!sub)
				return PT_ENOMEM;
			*slot = (uint64_t)(uintptr_t)sub | PTE_TABLE | PTE_VALID;
		}
		err = map_level(pt, desc_table(*slot), level + 1, va, next, pa, attrs);
		if (err)
			return err;
	}
	return PT_OK;
}

static bool range_ok(const struct pgtable *pt, uint64_t va, uint64_t size)
{
	uint64_t limit = 1ull << pt->ia_bits;

	return size && !(va & (PAGE_SIZE - 1)) && !(size & (PAGE_SIZE - 1)) &&
	       va < limit && size <= limit - va;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t size,
		uint64_t attrs)
{
	uint64_t cur_va = va, cur_pa = pa;
	int err;

	if (!range_ok(pt, va, size) || (pa & (PAGE_SIZE - 1)) ||
	    pa > PTE_ADDR_MASK || size - 1 > (PTE_ADDR_MASK | 0xfff) - pa)
		return PT_EINVAL;
	if (!range_free(pt, pt->root, pt->start_level, va, va + size))
		return PT_EEXIST;
	err = map_level(pt, pt->root, pt->start_level, &cur_va, va + size,
			&cur_pa, attrs);
	/*
	 * Roll back: the range was free, so unmapping all of it removes
	 * exactly what was mapped and frees the tables that are now empty
	 * (including ones allocated before the first leaf was written).
	 */
	if (err)
		pgtable_unmap(pt, va, size);
	return err;
}

static bool table_empty(const uint64_t *table)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (table[i] & PTE_VALID)
			return false;
	return true;
}

/* Replaces the block in *slot by a table of the same mappings. */
static int split_block(struct pgtable *pt, uint64_t *slot, unsigned level)
{
	uint64_t *sub = pt->alloc(pt->ctx, 1);
	uint64_t pa = *slot & PTE_ADDR_MASK, attrs = *slot & PTE_ATTR_MASK;

	if (!sub)
		return PT_ENOMEM;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		sub[i] = make_leaf(pa + i * level_size(level + 1), attrs, level + 1);
	*slot = 0; /* break before make; the caller invalidates the TLB */
	*slot = (uint64_t)(uintptr_t)sub | PTE_TABLE | PTE_VALID;
	return PT_OK;
}

static int unmap_level(struct pgtable *pt, uint64_t *table, unsigned level,
		       uint64_t va, uint64_t end)
{
	while (va < end) {
		uint64_t bsize = level_size(level);
		uint64_t start = va & ~(bsize - 1), next = start + bsize;
		uint64_t *slot = &table[level_index(pt, level, va)];
		int err;

		if (next > end)
			next = end;
		if (!(*slot & PTE_VALID)) {
			va = next;
			continue;
		}
		if (is_leaf(*slot, level)) {
			if (va == start && next - va == bsize) {
				*slot = 0;
				va = next;
				continue;
			}
			err = split_block(pt, slot, level);
			if (err)
				return err;
		}
		err = unmap_level(pt, desc_table(*slot), level + 1, va, next);
		if (err)
			return err;
		if (table_empty(desc_table(*slot))) {
			uint64_t *sub = desc_table(*slot);

			*slot = 0;
			if (pt->free)
				pt->free(pt->ctx, sub, 1);
		}
		va = next;
	}
	return PT_OK;
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, uint64_t size)
{
	if (!range_ok(pt, va, size))
		return PT_EINVAL;
	return unmap_level(pt, pt->root, pt->start_level, va, va + size);
}

bool pgtable_lookup(const struct pgtable *pt, uint64_t va, uint64_t *pa,
		    uint64_t *attrs, unsigned *level_out)
{
	const uint64_t *table = pt->root;

	if (va >> pt->ia_bits)
		return false;
	for (unsigned level = pt->start_level; level <= 3; level++) {
		uint64_t desc = table[level_index(pt, level, va)];

		if (!(desc & PTE_VALID))
			return false;
		if (is_leaf(desc, level)) {
			*pa = (desc & PTE_ADDR_MASK & ~(level_size(level) - 1)) |
			      (va & (level_size(level) - 1));
			if (attrs)
				*attrs = desc & PTE_ATTR_MASK;
			if (level_out)
				*level_out = level;
			return true;
		}
		table = desc_table(desc);
	}
	return false;
}

static void destroy_level(struct pgtable *pt, const uint64_t *table, unsigned level)
{
	for (unsigned i = 0; i < level_entries(pt, level); i++) {
		uint64_t desc = table[i];

		if ((desc & PTE_VALID) && !is_leaf(desc, level)) {
			destroy_level(pt, desc_table(desc), level + 1);
			pt->free(pt->ctx, desc_table(desc), 1);
		}
	}
}

void pgtable_destroy(struct pgtable *pt)
{
	if (!pt->root || !pt->free)
		return;
	destroy_level(pt, pt->root, pt->start_level);
	pt->free(pt->ctx, pt->root, pt->root_pages);
	pt->root = NULL;
}
