/*
 * numbat's own memory: the part of its hypervisor region after the image,
 * handed out in pages for translation tables. Nothing a guest does
 * allocates memory, so exhaustion can only happen at boot.
 */
#ifndef CORE_MM_H
#define CORE_MM_H

#include <stdint.h>

/* Hands [base, end) to the allocator. */
void mm_init(uint64_t base, uint64_t end);
/* `pages` zeroed pages aligned to their total size (power of two), or NULL. */
uint64_t *mm_alloc_table(void *ctx, unsigned pages);
void mm_free_table(void *ctx, uint64_t *table, unsigned pages);
/* Exclusives need the MMU on; until then only the boot pCPU allocates. */
void mm_enable_locking(void);

#endif
