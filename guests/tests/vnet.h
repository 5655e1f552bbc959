/*
 * A bare virtio-mmio driver for the virtio-net test guests
 * (virtio_attack.c, virtio_peer.c): a device at VNET_BASE, split queues in
 * a fixed area of the guest's memory, one descriptor per buffer. It is
 * deliberately raw (registers and ring fields by hand) so that the attack
 * guest can also break every rule; the documented native endpoint library
 * lives in guests/lib.
 */
#ifndef GUESTS_TESTS_VNET_H
#define GUESTS_TESTS_VNET_H

#include "numbat.h"

#define VNET_BASE      0x0a000000ul
#define VNET_RINGS     0x40800000ul      /* 2 queues x 16 KiB */
#define VNET_BUFS      0x40880000ul      /* 2 KiB buffers */
#define VNET_NUM       16
#define VNET_HDR       12

/* Registers (virtio 1.2, 4.2.2). */
#define R_MAGIC        0x000
#define R_VERSION      0x004
#define R_DEVICE_ID    0x008
#define R_DEV_FEAT     0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_DRIVER_LO    0x090
#define R_DRIVER_HI    0x094
#define R_DEVICE_LO    0x0a0
#define R_DEVICE_HI    0x0a4

#define S_ACK          1u
#define S_DRIVER       2u
#define S_DRIVER_OK    4u
#define S_FEATURES_OK  8u
#define S_NEEDS_RESET  64u

#define D_NEXT         1u
#define D_WRITE        2u
#define D_INDIRECT     4u

#define VNET_RXQ       0
#define VNET_TXQ       1

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vq {
	volatile struct vdesc *desc;
	volatile uint16_t *avail;            /* flags, idx, ring[], used_event */
	volatile uint32_t *used;             /* flags|idx, then id, len pairs */
	uint16_t avail_idx, used_seen;
};

static struct vq vnet_q[2];

static inline uint32_t vnet_rd(unsigned off) { return readl(VNET_BASE + off); }
static inline void vnet_wr(unsigned off, uint32_t v) { writel(VNET_BASE + off, v); }

static inline uint16_t vq_used_idx(struct vq *q)
{
	return (uint16_t)(q->used[0] >> 16);
}

/* Ring area of queue qi (desc, then avail at +4 KiB, used at +8 KiB). */
static inline uintptr_t vq_area(unsigned qi)
{
	return VNET_RINGS + qi * 0x4000ul;
}

/* Programs queue qi with `num` entries; returns QueueReady as read back. */
static inline uint32_t vnet_queue(unsigned qi, uint32_t num)
{
	struct vq *q = &vnet_q[qi];
	uintptr_t a = vq_area(qi);

	memset((void *)a, 0, 0x4000);
	q->desc = (volatile struct vdesc *)a;
	q->avail = (volatile uint16_t *)(a + 0x1000);
	q->used = (volatile uint32_t *)(a + 0x2000);
	q->avail_idx = q->used_seen = 0;
	vnet_wr(R_QUEUE_SEL, qi);
	vnet_wr(R_QUEUE_NUM, num);
	vnet_wr(R_DESC_LO, (uint32_t)a);
	vnet_wr(R_DESC_HI, 0);
	vnet_wr(R_DRIVER_LO, (uint32_t)(a + 0x1000));
	vnet_wr(R_DRIVER_HI, 0);
	vnet_wr(R_DEVICE_LO, (uint32_t)(a + 0x2000));
	vnet_wr(R_DEVICE_HI, 0);
	vnet_wr(R_QUEUE_READY, 1);
	return vnet_rd(R_QUEUE_READY);
}

/* Reset, then features (VERSION_1 plus `low`), queues of `num`; DRIVER_OK if ok. */
static inline bool vnet_up(uint32_t low, uint32_t num, bool driver_ok)
{
	vnet_wr(R_STATUS, 0);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER);
	vnet_wr(R_DRV_FEAT_SEL, 0);
	vnet_wr(R_DRV_FEAT, low);
	vnet_wr(R_DRV_FEAT_SEL, 1);
	vnet_wr(R_DRV_FEAT, 1);                      /* VERSION_1 */
	vnet_wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(vnet_rd(R_STATUS) & S_FEATURES_OK))
		return false;
	if (!vnet_queue(VNET_RXQ, num) || !vnet_queue(VNET_TXQ, num))
		return false;
	if (driver_ok)
		vnet_wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return true;
}

/* Descriptor i of queue qi. */
static inline void vq_desc(unsigned qi, unsigned i, uint64_t addr, uint32_t len,
			   uint16_t flags, uint16_t next)
{
	volatile struct vdesc *d = &vnet_q[qi].desc[i];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Makes chain `head` of queue qi available (no notification). */
static inline void vq_add(unsigned qi, uint16_t head)
{
	struct vq *q = &vnet_q[qi];

	q->avail[2 + q->avail_idx % VNET_NUM] = head;
	dsb_sy();
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	dsb_sy();
}

static inline void vq_notify(unsigned qi)
{
	vnet_wr(R_QUEUE_NOTIFY, qi);
}

/* Buffer n (2 KiB each). */
static inline uint8_t *vnet_buf(unsigned n)
{
	return (uint8_t *)(VNET_BUFS + n * 0x800ul);
}

/* Sends `text` as a frame from TX slot `slot` (one descriptor). */
static inline void vnet_send(unsigned slot, const char *text)
{
	uint8_t *b = vnet_buf(slot);
	size_t n = strlen(text);

	memset(b, 0, VNET_HDR);
	memcpy(b + VNET_HDR, text, n);
	vq_desc(VNET_TXQ, slot, (uintptr_t)b, (uint32_t)(VNET_HDR + n), 0, 0);
	vq_add(VNET_TXQ, (uint16_t)slot);
	vq_notify(VNET_TXQ);
}

/* Posts receive buffer `slot` (buffer 8 + slot). */
static inline void vnet_post(unsigned slot)
{
	vq_desc(VNET_RXQ, slot, (uintptr_t)vnet_buf(8 + slot), 0x800, D_WRITE, 0);
	vq_add(VNET_RXQ, (uint16_t)slot);
}

/* Waits up to `ms` for queue qi's used index to reach `idx`. */
static inline bool vq_wait_used(unsigned qi, uint16_t idx, unsigned ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	while ((uint16_t)(vq_used_idx(&vnet_q[qi]) - idx) > 0x8000) {
		if (counter_read() > end)
			return false;
	}
	return true;
}

/* Waits for `c` on the VM's PL011 (at 0x09000000): the scenario's cue. */
static inline void wait_key(char c)
{
	for (;;) {
		while (readl(0x09000000ul + 0x18) & (1u << 4))   /* FR.RXFE */
			;
		if ((char)(readl(0x09000000ul) & 0xff) == c)
			return;
	}
}

#endif
