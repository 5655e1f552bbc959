/*
 * Page allocator for translation tables: a bump pointer plus a free list
 * of single pages. Lock: mm_lock (a leaf lock).
 */
#include "core/mm.h"

#include "arch/aarch64/pgtable.h"
#include "core/spinlock.h"
#include "lib/string.h"

static spinlock_t mm_lock = SPINLOCK_INIT;
static uint64_t mm_next, mm_end;   /* protected by mm_lock */
static uint64_t *mm_free_list;     /* protected by mm_lock */
static bool mm_locking;            /* false until the MMU is on */

void mm_init(uint64_t base, uint64_t end)
{
	mm_next = (base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	mm_end = end & ~(PAGE_SIZE - 1);
	mm_free_list = NULL;
}

void mm_enable_locking(void)
{
	mm_locking = true;
}

static uint64_t *take(unsigned pages)
{
	uint64_t bytes = (uint64_t)pages * PAGE_SIZE;
	uint64_t at = (mm_next + bytes - 1) & ~(bytes - 1);

	if (pages == 1 && mm_free_list) {
		uint64_t *p = mm_free_list;

		mm_free_list = (uint64_t *)p[0];
		return p;
	}
	if (at > mm_end || mm_end - at < bytes)
		return NULL;
	mm_next = at + bytes;
	return (uint64_t *)(uintptr_t)at;
}

uint64_t *mm_alloc_table(void *ctx, unsigned pages)
{
	uint64_t *p;

	(void)ctx;
	if (!pages || (pages & (pages - 1)))
		return NULL;
	if (mm_locking)
		spin_lock(&mm_lock);
	p = take(pages);
	if (mm_locking)
		spin_unlock(&mm_lock);
	if (p)
		memset(p, 0, pages * PAGE_SIZE);
	return p;
}

void mm_free_table(void *ctx, uint64_t *table, unsigned pages)
{
	(void)ctx;
	if (mm_locking)
		spin_lock(&mm_lock);
	for (unsigned i = 0; i < pages; i++) {
		uint64_t *p = table + i * PT_ENTRIES;

		p[0] = (uint64_t)(uintptr_t)mm_free_list;
		mm_free_list = p;
	}
	if (mm_locking)
		spin_unlock(&mm_lock);
}
