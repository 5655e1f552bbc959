/*
 * A small driver-side virtio-mmio (version 2) driver for native partitions:
 * the guest end of the virtio devices numbat gives a VM (virtio 1.2,
 * section 4.2 for the transport, section 2.7 for split virtqueues). The
 * device drivers of guests/lib (vsock.c, vnet.c) and any other (virtio-blk)
 * sit on top of it.
 *
 * Use:
 *   struct virtio_dev dev;
 *   static uint8_t ring[VIRTIO_RING_BYTES(16)] __attribute__((aligned(4096)));
 *   virtio_probe(&dev, base, intid, VIRTIO_ID_...);      reset, ACK, DRIVER
 *   virtio_negotiate(&dev, wanted_features);              FEATURES_OK
 *   virtio_queue_setup(&dev, &q, 0, 16, ring);            each queue
 *   virtio_driver_ok(&dev);                               DRIVER_OK
 *   virtio_post(&q, bufs, nout, nin, token); virtio_kick(&q);
 *   virtio_wait(ms); virtio_interrupt_ack(&dev);
 *   while ((token = virtio_reap(&q, &written))) ...
 *
 * The ring memory is the caller's (in the partition's own RAM, never
 * shared with anything but the device). Buffers are guest-physical
 * addresses; native guests run with the MMU off, so a pointer is one.
 * Single-threaded: one vCPU drives a device (no locking here).
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

/* Device IDs (virtio 1.2, section 5). */
#define VIRTIO_ID_NET          1
#define VIRTIO_ID_BLOCK        2
#define VIRTIO_ID_VSOCK        19

/* Device-independent feature bits (virtio 1.2, section 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_FEATURE(bit)    (1ull << (bit))

/* Device status bits (virtio 1.2, section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE  1u
#define VIRTIO_STATUS_DRIVER       2u
#define VIRTIO_STATUS_DRIVER_OK    4u
#define VIRTIO_STATUS_FEATURES_OK  8u
#define VIRTIO_STATUS_NEEDS_RESET  64u
#define VIRTIO_STATUS_FAILED       128u

/* Largest queue this driver sets up (the device may offer more). */
#define VIRTIO_QUEUE_MAX       64

/* Errors (negative returns). */
#define VIRTIO_ENODEV   (-1)   /* no virtio-mmio v2 device of that type */
#define VIRTIO_EFEATURE (-2)   /* the device refused the features */
#define VIRTIO_EQUEUE   (-3)   /* no such queue, or it is in use */
#define VIRTIO_EFULL    (-4)   /* not enough free descriptors */
#define VIRTIO_EINVAL   (-5)   /* bad argument */

/*
 * Bytes of ring memory for a queue of `num` entries: the descriptor table
 * (16 bytes each), the available ring (with used_event) and the used ring
 * (with avail_event), each placed at its alignment (section 2.7), rounded
 * up to 16 bytes so that an array of rings keeps each one aligned. Give it
 * 16-byte aligned.
 */
#define VIRTIO_AVAIL_OFF(num)  (16u * (num))
#define VIRTIO_USED_OFF(num)   ((VIRTIO_AVAIL_OFF(num) + 6u + 2u * (num) + 3u) & ~3u)
#define VIRTIO_RING_BYTES(num) ((VIRTIO_USED_OFF(num) + 6u + 8u * (num) + 15u) & ~15u)

struct virtio_dev {
	uintptr_t base;       /* the virtio-mmio register window */
	unsigned intid;       /* its SPI */
	uint32_t device_id;
	uint64_t features;    /* negotiated */
};

/* One buffer of a chain to post. */
struct virtio_buf {
	void *addr;
	uint32_t len;
};

struct virtq_ring_desc;
struct virtq_ring_avail;
struct virtq_ring_used;

/* One split virtqueue, driver side. */
struct virtio_queue {
	struct virtio_dev *dev;
	uint16_t index;       /* QueueSel value */
	uint16_t num;         /* entries, a power of two */
	volatile struct virtq_ring_desc *desc;
	volatile struct virtq_ring_avail *avail;
	volatile struct virtq_ring_used *used;
	uint16_t free_head;   /* first free descriptor (free list via .next) */
	uint16_t num_free;
	uint16_t avail_idx;   /* our copy of avail->idx */
	uint16_t kicked_idx;  /* avail_idx at the last notification */
	uint16_t last_used;   /* next used entry to reap */
	bool event_idx;       /* VIRTIO_F_EVENT_IDX negotiated */
	bool broken;          /* the device returned what was not posted */
	void *token[VIRTIO_QUEUE_MAX];   /* per head: what the caller posted */
	uint16_t chain_len[VIRTIO_QUEUE_MAX];
};

/*
 * Finds a virtio-mmio version 2 device of type `device_id` at `base`
 * (magic "virt", Version 2, DeviceID), resets it and sets ACKNOWLEDGE and
 * DRIVER. Returns 0 or VIRTIO_ENODEV (DeviceID 0 is an empty slot).
 */
int virtio_probe(struct virtio_dev *dev, uintptr_t base, unsigned intid,
		 uint32_t device_id);

/*
 * Accepts the features in `wanted` that the device offers, plus
 * VIRTIO_F_VERSION_1, which it must offer; sets FEATURES_OK and checks
 * the device kept it (section 3.1.1). Returns 0, or VIRTIO_EFEATURE with
 * the device marked FAILED.
 */
int virtio_negotiate(struct virtio_dev *dev, uint64_t wanted);

/*
 * Sets up queue `index` with `num` entries (a power of two, at most
 * VIRTIO_QUEUE_MAX and QueueNumMax) in `ring` (VIRTIO_RING_BYTES(num)
 * bytes, 16-byte aligned, zeroed here) and marks it ready. Between
 * virtio_negotiate and virtio_driver_ok. Returns 0 or VIRTIO_EQUEUE /
 * VIRTIO_EINVAL.
 */
int virtio_queue_setup(struct virtio_dev *dev, struct virtio_queue *q,
		       unsigned index, unsigned num, void *ring);

/* Sets DRIVER_OK: the device is live. Enables its SPI at the GIC. */
void virtio_driver_ok(struct virtio_dev *dev);

/* Writes 0 to Status: the device forgets the queues and the features. */
void virtio_reset(struct virtio_dev *dev);

/* The device's Status register; NEEDS_RESET says it gave up on us. */
uint32_t virtio_status(struct virtio_dev *dev);

/* Device-specific configuration space (offset from 0x100). */
uint32_t virtio_config_read32(struct virtio_dev *dev, unsigned off);
uint64_t virtio_config_read64(struct virtio_dev *dev, unsigned off);
uint8_t virtio_config_read8(struct virtio_dev *dev, unsigned off);

/*
 * Makes a chain available: `nout` device-readable buffers, then `nin`
 * device-writable ones. `token` (not NULL) comes back from virtio_reap
 * when the device is done with it. Does not notify (virtio_kick).
 * Returns 0 or VIRTIO_EFULL / VIRTIO_EINVAL.
 */
int virtio_post(struct virtio_queue *q, const struct virtio_buf *bufs,
		unsigned nout, unsigned nin, void *token);

/*
 * Notifies the device of what was posted since the last kick, unless it
 * said it does not want to hear (used ring flag or avail_event).
 */
void virtio_kick(struct virtio_queue *q);

/*
 * Takes the next chain the device returned: its token, with the bytes the
 * device wrote in *written (if not NULL). NULL if there is none. A used
 * entry naming a head that is not outstanding marks the queue broken:
 * NULL from then on, and virtio_queue_broken() says so.
 */
void *virtio_reap(struct virtio_queue *q, uint32_t *written);

/* Whether the device returned something that was not posted. */
bool virtio_queue_broken(const struct virtio_queue *q);

/* Descriptors free for virtio_post. */
static inline unsigned virtio_queue_free(const struct virtio_queue *q)
{
	return q->num_free;
}

/* Reads and acknowledges InterruptStatus (bit 0: used buffer, 1: config). */
uint32_t virtio_interrupt_ack(struct virtio_dev *dev);

/*
 * Waits with WFI (IRQs masked in PSTATE, so nothing is taken) until an
 * interrupt is pending or `timeout_ms` passed (0: no limit), then
 * acknowledges and ends it at the GIC. Returns the INTID, or 1023 if
 * none was pending. The caller then asks its devices what happened.
 */
unsigned virtio_wait(uint64_t timeout_ms);

#endif /* GUEST_VIRTIO_H */
