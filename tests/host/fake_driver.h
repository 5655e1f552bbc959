/*
 * A minimal virtio driver for host tests and fuzz harnesses: it lays out a
 * split virtqueue (virtio 1.2, 2.7) in a fake VM's RAM (fake_guest_mem.h)
 * and writes descriptors and ring entries as a guest driver would, or as a
 * hostile one would.
 */
#ifndef TESTS_FAKE_DRIVER_H
#define TESTS_FAKE_DRIVER_H

#include <stdint.h>
#include <string.h>

#include "fake_guest_mem.h"

#define DESC_F_NEXT     1
#define DESC_F_WRITE    2
#define DESC_F_INDIRECT 4

/* A queue of VM `v`: rings at ring_base (desc, +0x1000 avail, +0x2000 used). */
struct fq {
	unsigned v;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
};

static inline void fq_init(struct fq *f, struct virtq *q, unsigned v, uint64_t ring_base, uint16_t num)
{
	*f = (struct fq){ v, num, ring_base, ring_base + 0x1000, ring_base + 0x2000, 0 };
	memset(fake_at(v, ring_base), 0, 0x3000);
	*q = (struct virtq){ .desc = f->desc, .avail = f->avail, .used = f->used,
			     .num = num, .ready = true };
}

/* Descriptor i of the table at `table` (an IPA). */
static inline void fq_desc_at(struct fq *f, uint64_t table, unsigned i, uint64_t addr,
			      uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = fake_at(f->v, table + 16ull * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static inline void fq_desc(struct fq *f, unsigned i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	fq_desc_at(f, f->desc, i, addr, len, flags, next);
}

static inline uint16_t *fq_avail16(struct fq *f, unsigned i)
{
	return (uint16_t *)fake_at(f->v, f->avail) + i;
}

static inline uint16_t *fq_used16(struct fq *f, unsigned i)
{
	return (uint16_t *)fake_at(f->v, f->used) + i;
}

/* Used element i: id, len. */
static inline uint32_t *fq_used_elem(struct fq *f, unsigned i)
{
	return (uint32_t *)((uint8_t *)fake_at(f->v, f->used) + 4 + 8 * (i % f->num));
}

/* Makes chain `head` available. */
static inline void fq_add(struct fq *f, uint16_t head)
{
	*fq_avail16(f, 2 + (f->avail_idx % f->num)) = head;
	f->avail_idx++;
	*fq_avail16(f, 1) = f->avail_idx;
}

static inline uint16_t fq_used_idx(struct fq *f)
{
	return *fq_used16(f, 1);
}

/* used_event (in the avail ring) and avail_event (in the used ring). */
static inline uint16_t *fq_used_event(struct fq *f)
{
	return fq_avail16(f, 2 + f->num);
}

static inline uint16_t *fq_avail_event(struct fq *f)
{
	return (uint16_t *)((uint8_t *)fake_at(f->v, f->used) + 4 + 8 * f->num);
}

#endif
