/*
 * The device side of a virtio split virtqueue (virtio 1.2, section 2.7),
 * for the devices through which numbat moves buffers between VMs
 * (virtio-net, virtio-vsock, virtio-blk). numbat is the device for both
 * ends of a link: it takes a chain the sender made available, copies its
 * bytes straight into a chain the receiver made available, and returns
 * both. No buffer of numbat's own holds the data.
 *
 * Everything in a ring comes from a guest and may change under numbat's
 * feet: each index and descriptor is read once, checked, and only then
 * used. Every buffer must lie inside the VM's own memory (vm_guest_ptr),
 * with the rights the direction needs. A driver that breaks the rules
 * gets VIRTQ_BROKEN and its device goes to DEVICE_NEEDS_RESET; nothing
 * happens to the peer beyond losing what that driver would have sent.
 *
 * Locking: a queue belongs to its device; callers hold the device's lock.
 */
#ifndef CORE_VIRTQ_H
#define CORE_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define VIRTQ_NUM_MAX   256  /* QueueNumMax: the largest queue numbat takes */
#define VIRTQ_SEGS_MAX  64   /* buffers numbat follows in one chain */

/* Where the rings of a queue were mapped, for these register values. */
struct virtq_map_cache {
	uint64_t desc_ipa, avail_ipa, used_ipa;
	uint16_t num;
	const void *desc, *avail;
	void *used;                 /* NULL: nothing mapped yet */
};

/* The queue's registers as the driver set them, and numbat's place in it. */
struct virtq {
	uint64_t desc, avail, used; /* QueueDesc, QueueDriver, QueueDevice IPAs */
	uint16_t num;               /* QueueNum: a power of two, <= VIRTQ_NUM_MAX */
	uint16_t last_avail;        /* free running: the next available entry */
	uint16_t used_idx;          /* free running: the next used entry */
	uint16_t signalled;         /* used_idx when the driver was last signalled */
	bool ready;                 /* QueueReady */
	bool event_idx;             /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;              /* VIRTIO_F_INDIRECT_DESC negotiated */
	struct virtq_map_cache map; /* virtq.c's: the rings last mapped */
};

/* One buffer of a chain, mapped for numbat (inside the VM's memory). */
struct virtq_seg {
	uint8_t *p;
	uint32_t len;
};

/* A chain taken from the available ring: readable buffers, then writable. */
struct virtq_chain {
	uint16_t head;              /* what goes back in the used ring */
	uint16_t nout, nin;         /* seg[0, nout) readable, then nin writable */
	uint32_t out_len, in_len;   /* bytes in each part */
	struct virtq_seg seg[VIRTQ_SEGS_MAX];
};

enum virtq_result {
	VIRTQ_BROKEN = -1,          /* the driver broke the rules: needs reset */
	VIRTQ_EMPTY = 0,            /* nothing available */
	VIRTQ_CHAIN = 1,            /* *chain filled */
};

/*
 * Whether q's size is a power of two no larger than VIRTQ_NUM_MAX and its
 * three rings are aligned (2.7) and inside the VM's memory with the
 * rights they need: the transport checks it when the driver sets
 * QueueReady.
 */
bool virtq_valid(const struct vm *vm, const struct virtq *q);

/*
 * Takes the next available chain of `q` (a queue of `vm`) and maps it
 * into `chain`. A descriptor outside the VM's memory, a chain longer
 * than the queue or than VIRTQ_SEGS_MAX, a readable buffer after a
 * writable one, an indirect table without VIRTIO_F_INDIRECT_DESC, or an
 * index past the ring is VIRTQ_BROKEN.
 */
enum virtq_result virtq_pop(struct vm *vm, struct virtq *q, struct virtq_chain *chain);

/*
 * Maps again the chain at `head` that virtq_pop returned earlier and the
 * device has not pushed yet (a request it answers later). The driver may
 * have changed the descriptors meanwhile: the same checks apply.
 * VIRTQ_BROKEN if they fail.
 */
enum virtq_result virtq_chain_at(struct vm *vm, struct virtq *q, uint16_t head,
				 struct virtq_chain *chain);

/* Gives back the chain virtq_pop returned last: the peer has no room yet. */
void virtq_unpop(struct virtq *q);

/* Whether the driver has made chains available that were not popped. */
bool virtq_has_avail(struct vm *vm, struct virtq *q);

/*
 * Returns chain `head` to the driver, `written` bytes of it written.
 * false if the used ring is outside the VM's memory (VIRTQ_BROKEN).
 */
bool virtq_push(struct vm *vm, struct virtq *q, uint16_t head, uint32_t written);

/*
 * After one or more virtq_push: whether the driver asked to be
 * interrupted (used_event with VIRTIO_F_EVENT_IDX, else the avail ring's
 * NO_INTERRUPT flag). Records the signal when it says yes.
 */
bool virtq_should_signal(struct vm *vm, struct virtq *q);

/*
 * Whether the driver should notify numbat when it makes the next chain
 * available (avail_event with VIRTIO_F_EVENT_IDX, else the used ring's
 * NO_NOTIFY flag). A device that waits for buffers wants it.
 */
void virtq_want_notify(struct vm *vm, struct virtq *q, bool want);

/*
 * Copies up to `len` bytes from the readable part of `src`, starting
 * `soff` bytes in, to the writable part of `dst`, starting `doff` bytes
 * in. Returns the bytes copied (less when either part ends).
 */
uint32_t virtq_copy(struct virtq_chain *dst, uint32_t doff,
		    const struct virtq_chain *src, uint32_t soff, uint32_t len);

/* Reads up to `len` bytes of src's readable part at `soff` into buf. */
uint32_t virtq_read(const struct virtq_chain *src, uint32_t soff, void *buf, uint32_t len);

/* Writes up to `len` bytes of buf into dst's writable part at `doff`. */
uint32_t virtq_write(struct virtq_chain *dst, uint32_t doff, const void *buf, uint32_t len);

#endif
