/*
 * A small virtio-blk driver for native partitions (virtio 1.2, 5.2) over
 * virtio-mmio version 2 (4.2), with one split virtqueue (2.7). It drives
 * a real disk given to the partition by pass-through: the device DMAs to
 * the addresses the driver writes in its descriptors, so the partition
 * must be identity-mapped (its IPAs are physical addresses) and its
 * buffers must stay put until the request completes.
 *
 * Requests are asynchronous: vblk_submit queues one, vblk_poll collects
 * the completed ones (call it on the device's interrupt or in a loop);
 * the device completes requests in any order, the caller orders what it
 * needs by waiting. Guests run with their MMU off, so memory is not
 * cached and DMA needs no cache maintenance; a barrier orders ring
 * writes before the notification.
 */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#define VBLK_SECTOR      512u
#define VBLK_QUEUE_SIZE  64u   /* descriptors; 3 per request */
#define VBLK_MAX_REQS    (VBLK_QUEUE_SIZE / 3)

/* Request types (virtio 1.2, 5.2.6). */
#define VBLK_T_IN        0u
#define VBLK_T_OUT       1u
#define VBLK_T_FLUSH     4u

/* Status the device writes (5.2.6); VBLK_PENDING until it has. */
#define VBLK_S_OK        0u
#define VBLK_S_IOERR     1u
#define VBLK_S_UNSUPP    2u
#define VBLK_PENDING     0xffu

struct vblk_req {
	/* Filled by the caller. */
	uint32_t type;
	uint64_t sector;
	void *buf;                  /* IN: filled; OUT: written; FLUSH: NULL */
	uint32_t len;               /* a multiple of VBLK_SECTOR */
	/* Written by the driver and the device. */
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	volatile uint8_t status;    /* VBLK_PENDING, then VBLK_S_* */
	bool done;
	void *cookie;               /* the caller's */
};

struct vblk {
	uintptr_t base;             /* the device's registers */
	uint64_t capacity;          /* in sectors */
	bool has_flush;             /* VIRTIO_BLK_F_FLUSH negotiated */
	uint32_t size_max;          /* bytes a data descriptor may carry, 0: no limit given */
	uint16_t num;               /* queue size in use */
	uint16_t free_head, nfree;  /* free descriptor list */
	uint16_t last_used;
	struct vblk_req *inflight[VBLK_QUEUE_SIZE]; /* by head descriptor */
	/* The rings, in the partition's own memory (static, identity-mapped). */
	struct vblk_desc {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
	} desc[VBLK_QUEUE_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[VBLK_QUEUE_SIZE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct { uint32_t id, len; } ring[VBLK_QUEUE_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
};

/*
 * Resets and initialises the virtio-blk device at `base` (version 2,
 * DeviceID 2), negotiating VIRTIO_F_VERSION_1 and, if offered,
 * VIRTIO_BLK_F_FLUSH and VIRTIO_BLK_F_SIZE_MAX (requests carry one data
 * descriptor, so seg_max, at least 1, never limits them). Returns 0 or a negative step number on failure.
 */
int vblk_init(struct vblk *d, uintptr_t base);

/* Queues `r`; false if the queue is full (poll, then retry). */
bool vblk_submit(struct vblk *d, struct vblk_req *r);

/*
 * Collects completed requests (r->done set, r->status final) and
 * acknowledges the device's interrupt. Returns how many completed.
 */
unsigned vblk_poll(struct vblk *d);

/* Submits `r` and polls until it is done; returns its status. */
uint8_t vblk_sync(struct vblk *d, struct vblk_req *r);

/* Requests in flight. */
static inline unsigned vblk_inflight(const struct vblk *d)
{
	return (unsigned)(d->num - d->nfree) / 3;
}

#endif
