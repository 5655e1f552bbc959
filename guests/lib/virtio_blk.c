/*
 * virtio-blk driver for native partitions: see virtio_blk.h. Register
 * layout: virtio 1.2, 4.2.2 (MMIO device register layout); feature bits
 * 6 (VIRTIO_F_VERSION_1 = 32) and 5.2.3 (VIRTIO_BLK_F_SIZE_MAX = 1,
 * VIRTIO_BLK_F_FLUSH = 9).
 */
#include "virtio_blk.h"

#include "numbat.h"

#define VM_MAGIC            0x000
#define VM_VERSION          0x004
#define VM_DEVICE_ID        0x008
#define VM_DEV_FEATURES     0x010
#define VM_DEV_FEATURES_SEL 0x014
#define VM_DRV_FEATURES     0x020
#define VM_DRV_FEATURES_SEL 0x024
#define VM_QUEUE_SEL        0x030
#define VM_QUEUE_NUM_MAX    0x034
#define VM_QUEUE_NUM        0x038
#define VM_QUEUE_READY      0x044
#define VM_QUEUE_NOTIFY     0x050
#define VM_INT_STATUS       0x060
#define VM_INT_ACK          0x064
#define VM_STATUS           0x070
#define VM_QUEUE_DESC_LO    0x080
#define VM_QUEUE_DESC_HI    0x084
#define VM_QUEUE_AVAIL_LO   0x090
#define VM_QUEUE_AVAIL_HI   0x094
#define VM_QUEUE_USED_LO    0x0a0
#define VM_QUEUE_USED_HI    0x0a4
#define VM_CONFIG           0x100   /* virtio_blk_config: capacity first */
#define VM_CONFIG_SIZE_MAX  0x108   /* its size_max (5.2.4) */

#define S_ACKNOWLEDGE       1u
#define S_DRIVER            2u
#define S_DRIVER_OK         4u
#define S_FEATURES_OK       8u

#define F_BLK_SIZE_MAX      1u
#define F_BLK_FLUSH         9u
#define F_VERSION_1         32u

#define DESC_F_NEXT         1u
#define DESC_F_WRITE        2u

#define VIRTIO_MAGIC        0x74726976u
#define VIRTIO_ID_BLOCK     2u

static void wr(struct vblk *d, unsigned off, uint32_t v)
{
	writel(d->base + off, v);
}

static uint32_t rd(struct vblk *d, unsigned off)
{
	return readl(d->base + off);
}

static uint64_t features(struct vblk *d)
{
	wr(d, VM_DEV_FEATURES_SEL, 0);
	uint64_t lo = rd(d, VM_DEV_FEATURES);
	wr(d, VM_DEV_FEATURES_SEL, 1);
	return lo | (uint64_t)rd(d, VM_DEV_FEATURES) << 32;
}

static void set_addr(struct vblk *d, unsigned lo, const void *p)
{
	wr(d, lo, (uint32_t)(uintptr_t)p);
	wr(d, lo + 4, (uint32_t)((uint64_t)(uintptr_t)p >> 32));
}

/* The queue: every descriptor on the free list, rings empty, addresses given. */
static int setup_queue(struct vblk *d)
{
	uint32_t max;

	wr(d, VM_QUEUE_SEL, 0);
	if (rd(d, VM_QUEUE_READY))
		return -6;
	max = rd(d, VM_QUEUE_NUM_MAX);
	if (max == 0)
		return -7;
	d->num = (uint16_t)(max < VBLK_QUEUE_SIZE ? max : VBLK_QUEUE_SIZE);
	for (uint16_t i = 0; i < d->num; i++)
		d->desc[i].next = (uint16_t)(i + 1);
	d->free_head = 0;
	d->nfree = d->num;
	d->last_used = 0;
	memset(&d->avail, 0, sizeof(d->avail));
	memset(&d->used, 0, sizeof(d->used));
	wr(d, VM_QUEUE_NUM, d->num);
	set_addr(d, VM_QUEUE_DESC_LO, d->desc);
	set_addr(d, VM_QUEUE_AVAIL_LO, &d->avail);
	set_addr(d, VM_QUEUE_USED_LO, &d->used);
	wr(d, VM_QUEUE_READY, 1);
	return 0;
}

int vblk_init(struct vblk *d, uintptr_t base)
{
	uint64_t have, want;
	int rc;

	d->base = base;
	if (rd(d, VM_MAGIC) != VIRTIO_MAGIC || rd(d, VM_VERSION) != 2)
		return -1;
	if (rd(d, VM_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return -2;
	wr(d, VM_STATUS, 0);
	wr(d, VM_STATUS, S_ACKNOWLEDGE);
	wr(d, VM_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	have = features(d);
	if (!(have & (1ull << F_VERSION_1)))
		return -3;
	want = (1ull << F_VERSION_1) | (have & ((1ull << F_BLK_FLUSH) | (1ull << F_BLK_SIZE_MAX)));
	wr(d, VM_DRV_FEATURES_SEL, 0);
	wr(d, VM_DRV_FEATURES, (uint32_t)want);
	wr(d, VM_DRV_FEATURES_SEL, 1);
	wr(d, VM_DRV_FEATURES, (uint32_t)(want >> 32));
	wr(d, VM_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	if (!(rd(d, VM_STATUS) & S_FEATURES_OK))
		return -4;
	d->has_flush = (want >> F_BLK_FLUSH) & 1;
	d->capacity = rd(d, VM_CONFIG) | (uint64_t)rd(d, VM_CONFIG + 4) << 32;
	d->size_max = (want >> F_BLK_SIZE_MAX) & 1 ? rd(d, VM_CONFIG_SIZE_MAX) : 0;
	rc = setup_queue(d);
	if (rc)
		return rc;
	wr(d, VM_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}

static uint16_t take_desc(struct vblk *d)
{
	uint16_t i = d->free_head;

	d->free_head = d->desc[i].next;
	d->nfree--;
	return i;
}

static void fill(struct vblk_desc *e, const volatile void *p, uint32_t len, uint16_t flags)
{
	e->addr = (uint64_t)(uintptr_t)p;
	e->len = len;
	e->flags = flags;
}

bool vblk_submit(struct vblk *d, struct vblk_req *r)
{
	unsigned need = r->type == VBLK_T_FLUSH ? 2 : 3;
	uint16_t head, data, st;

	if (d->nfree < need)
		return false;
	r->hdr.type = r->type;
	r->hdr.reserved = 0;
	r->hdr.sector = r->sector;
	r->status = VBLK_PENDING;
	r->done = false;
	head = take_desc(d);
	fill(&d->desc[head], &r->hdr, sizeof(r->hdr), DESC_F_NEXT);
	if (need == 3) {
		data = take_desc(d);
		d->desc[head].next = data;
		fill(&d->desc[data], r->buf, r->len,
		     DESC_F_NEXT | (r->type == VBLK_T_IN ? DESC_F_WRITE : 0));
	} else {
		data = head;
	}
	st = take_desc(d);
	d->desc[data].next = st;
	fill(&d->desc[st], &r->status, 1, DESC_F_WRITE);
	d->inflight[head] = r;
	d->avail.ring[d->avail.idx % d->num] = head;
	dsb_sy();                       /* the entry before the index */
	d->avail.idx++;
	dsb_sy();                       /* the index before the notification */
	wr(d, VM_QUEUE_NOTIFY, 0);
	return true;
}

/* Puts chain `head` back on the free list. */
static void free_chain(struct vblk *d, uint16_t head)
{
	uint16_t i = head, n = 1;

	while (d->desc[i].flags & DESC_F_NEXT) {
		i = d->desc[i].next;
		n++;
	}
	d->desc[i].next = d->free_head;
	d->free_head = head;
	d->nfree = (uint16_t)(d->nfree + n);
}

unsigned vblk_poll(struct vblk *d)
{
	unsigned n = 0;
	uint32_t isr = rd(d, VM_INT_STATUS);

	if (isr)
		wr(d, VM_INT_ACK, isr);
	dsb_sy();
	while (d->last_used != *(volatile uint16_t *)&d->used.idx) {
		uint32_t id = d->used.ring[d->last_used % d->num].id;
		struct vblk_req *r = id < d->num ? d->inflight[id] : NULL;

		d->last_used++;
		if (!r)
			continue;               /* a broken device: ignore the entry */
		d->inflight[id] = NULL;
		free_chain(d, (uint16_t)id);
		r->done = true;
		n++;
	}
	return n;
}

uint8_t vblk_sync(struct vblk *d, struct vblk_req *r)
{
	while (!vblk_submit(d, r))
		vblk_poll(d);
	while (!r->done)
		vblk_poll(d);
	return r->status;
}
