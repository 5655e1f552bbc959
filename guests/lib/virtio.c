/*
 * Driver side of virtio-mmio version 2 and split virtqueues for native
 * partitions (virtio.h). Register offsets: virtio 1.2, section 4.2.2;
 * ring layout and the order of writes: section 2.7.13.
 */
#include "numbat.h"
#include "virtio.h"

/* virtio-mmio registers (section 4.2.2). */
#define VIRTIO_MMIO_MAGIC          0x000
#define VIRTIO_MMIO_VERSION        0x004
#define VIRTIO_MMIO_DEVICE_ID      0x008
#define VIRTIO_MMIO_DEV_FEATURES   0x010
#define VIRTIO_MMIO_DEV_FEAT_SEL   0x014
#define VIRTIO_MMIO_DRV_FEATURES   0x020
#define VIRTIO_MMIO_DRV_FEAT_SEL   0x024
#define VIRTIO_MMIO_QUEUE_SEL      0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX  0x034
#define VIRTIO_MMIO_QUEUE_NUM      0x038
#define VIRTIO_MMIO_QUEUE_READY    0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY   0x050
#define VIRTIO_MMIO_INT_STATUS     0x060
#define VIRTIO_MMIO_INT_ACK        0x064
#define VIRTIO_MMIO_STATUS         0x070
#define VIRTIO_MMIO_QUEUE_DESC     0x080   /* low, high at + 4 */
#define VIRTIO_MMIO_QUEUE_DRIVER   0x090
#define VIRTIO_MMIO_QUEUE_DEVICE   0x0a0
#define VIRTIO_MMIO_CONFIG         0x100

#define VIRTIO_MMIO_MAGIC_VALUE    0x74726976u  /* "virt" */

/* Descriptor flags and ring flags (section 2.7.5, 2.7.6, 2.7.8). */
#define VIRTQ_DESC_F_NEXT          1u
#define VIRTQ_DESC_F_WRITE         2u
#define VIRTQ_USED_F_NO_NOTIFY     1u

struct virtq_ring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_ring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];      /* num entries, then used_event */
};

struct virtq_ring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_ring_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_ring_used_elem ring[];  /* num entries, then avail_event */
};

_Static_assert(sizeof(struct virtq_ring_desc) == 16, "descriptor layout");
_Static_assert(sizeof(struct virtq_ring_used_elem) == 8, "used element layout");

/*
 * Barriers between the driver and the device (a CPU in another context
 * reading our memory): stores before the index that publishes them,
 * the index before reading what the device published (section 2.7.13).
 */
static inline void virtio_wmb(void) { __asm__ volatile("dmb ishst" ::: "memory"); }
static inline void virtio_rmb(void) { __asm__ volatile("dmb ishld" ::: "memory"); }
static inline void virtio_mb(void) { __asm__ volatile("dmb ish" ::: "memory"); }

static inline uint32_t mmio_rd(struct virtio_dev *dev, unsigned off)
{
	return readl(dev->base + off);
}

static inline void mmio_wr(struct virtio_dev *dev, unsigned off, uint32_t v)
{
	writel(dev->base + off, v);
}

static void mmio_wr64(struct virtio_dev *dev, unsigned off, uint64_t v)
{
	mmio_wr(dev, off, (uint32_t)v);
	mmio_wr(dev, off + 4, (uint32_t)(v >> 32));
}

int virtio_probe(struct virtio_dev *dev, uintptr_t base, unsigned intid,
		 uint32_t device_id)
{
	*dev = (struct virtio_dev){ .base = base, .intid = intid };
	if (mmio_rd(dev, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE ||
	    mmio_rd(dev, VIRTIO_MMIO_VERSION) != 2 ||
	    mmio_rd(dev, VIRTIO_MMIO_DEVICE_ID) != device_id || device_id == 0)
		return VIRTIO_ENODEV;
	dev->device_id = device_id;
	virtio_reset(dev);
	mmio_wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_wr(dev, VIRTIO_MMIO_STATUS,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	return 0;
}

int virtio_negotiate(struct virtio_dev *dev, uint64_t wanted)
{
	uint64_t offered;
	uint32_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	mmio_wr(dev, VIRTIO_MMIO_DEV_FEAT_SEL, 0);
	offered = mmio_rd(dev, VIRTIO_MMIO_DEV_FEATURES);
	mmio_wr(dev, VIRTIO_MMIO_DEV_FEAT_SEL, 1);
	offered |= (uint64_t)mmio_rd(dev, VIRTIO_MMIO_DEV_FEATURES) << 32;
	if (!(offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1)))
		goto fail;
	dev->features = (offered & wanted) | VIRTIO_FEATURE(VIRTIO_F_VERSION_1);
	mmio_wr(dev, VIRTIO_MMIO_DRV_FEAT_SEL, 0);
	mmio_wr(dev, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)dev->features);
	mmio_wr(dev, VIRTIO_MMIO_DRV_FEAT_SEL, 1);
	mmio_wr(dev, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(dev->features >> 32));
	status |= VIRTIO_STATUS_FEATURES_OK;
	mmio_wr(dev, VIRTIO_MMIO_STATUS, status);
	if (mmio_rd(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)
		return 0;
fail:
	mmio_wr(dev, VIRTIO_MMIO_STATUS, status | VIRTIO_STATUS_FAILED);
	return VIRTIO_EFEATURE;
}

int virtio_queue_setup(struct virtio_dev *dev, struct virtio_queue *q,
		       unsigned index, unsigned num, void *ring)
{
	uintptr_t r = (uintptr_t)ring;

	if (num == 0 || num > VIRTIO_QUEUE_MAX || (num & (num - 1)) || (r & 15))
		return VIRTIO_EINVAL;
	mmio_wr(dev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (mmio_rd(dev, VIRTIO_MMIO_QUEUE_READY) ||
	    mmio_rd(dev, VIRTIO_MMIO_QUEUE_NUM_MAX) < num)
		return VIRTIO_EQUEUE;
	memset(ring, 0, VIRTIO_RING_BYTES(num));
	memset(q, 0, sizeof(*q));
	q->dev = dev;
	q->index = (uint16_t)index;
	q->num = (uint16_t)num;
	q->desc = (volatile struct virtq_ring_desc *)r;
	q->avail = (volatile struct virtq_ring_avail *)(r + VIRTIO_AVAIL_OFF(num));
	q->used = (volatile struct virtq_ring_used *)(r + VIRTIO_USED_OFF(num));
	q->event_idx = dev->features & VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX);
	q->num_free = (uint16_t)num;
	q->avail->flags = 0;  /* interrupts wanted (without EVENT_IDX) */
	for (unsigned i = 0; i < num; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	mmio_wr(dev, VIRTIO_MMIO_QUEUE_NUM, num);
	mmio_wr64(dev, VIRTIO_MMIO_QUEUE_DESC, r);
	mmio_wr64(dev, VIRTIO_MMIO_QUEUE_DRIVER, (uintptr_t)q->avail);
	mmio_wr64(dev, VIRTIO_MMIO_QUEUE_DEVICE, (uintptr_t)q->used);
	mmio_wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

void virtio_driver_ok(struct virtio_dev *dev)
{
	gic_set_edge(dev->intid, true);   /* virtio-mmio SPIs are edge-triggered */
	gic_enable(dev->intid, 0x80);
	mmio_wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
		VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		VIRTIO_STATUS_DRIVER_OK);
}

void virtio_reset(struct virtio_dev *dev)
{
	mmio_wr(dev, VIRTIO_MMIO_STATUS, 0);
	/* Section 4.2.3.1: wait until the reset is done (Status reads 0). */
	while (mmio_rd(dev, VIRTIO_MMIO_STATUS) != 0)
		;
}

uint32_t virtio_status(struct virtio_dev *dev)
{
	return mmio_rd(dev, VIRTIO_MMIO_STATUS);
}

uint8_t virtio_config_read8(struct virtio_dev *dev, unsigned off)
{
	return readb(dev->base + VIRTIO_MMIO_CONFIG + off);
}

uint32_t virtio_config_read32(struct virtio_dev *dev, unsigned off)
{
	return readl(dev->base + VIRTIO_MMIO_CONFIG + off);
}

/* A 64-bit field read as two halves, retried if the generation moved. */
uint64_t virtio_config_read64(struct virtio_dev *dev, unsigned off)
{
	uint32_t gen, lo, hi;

	do {
		gen = mmio_rd(dev, 0x0fc);    /* ConfigGeneration */
		lo = virtio_config_read32(dev, off);
		hi = virtio_config_read32(dev, off + 4);
	} while (gen != mmio_rd(dev, 0x0fc));
	return ((uint64_t)hi << 32) | lo;
}

int virtio_post(struct virtio_queue *q, const struct virtio_buf *bufs,
		unsigned nout, unsigned nin, void *token)
{
	unsigned n = nout + nin;
	uint16_t head = q->free_head, d = head, last = head;

	if (n == 0 || !token)
		return VIRTIO_EINVAL;
	if (n > q->num_free)
		return VIRTIO_EFULL;
	for (unsigned i = 0; i < n; i++) {
		last = d;
		q->desc[d].addr = (uintptr_t)bufs[i].addr;
		q->desc[d].len = bufs[i].len;
		q->desc[d].flags = (uint16_t)((i >= nout ? VIRTQ_DESC_F_WRITE : 0) |
					      (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		d = q->desc[d].next;
	}
	q->free_head = d;
	q->desc[last].next = 0;
	q->num_free = (uint16_t)(q->num_free - n);
	q->token[head] = token;
	q->chain_len[head] = (uint16_t)n;
	q->avail->ring[q->avail_idx & (q->num - 1)] = head;
	virtio_wmb();          /* the chain and its entry before the index */
	q->avail_idx++;
	q->avail->idx = q->avail_idx;
	return 0;
}

void virtio_kick(struct virtio_queue *q)
{
	uint16_t old = q->kicked_idx, now = q->avail_idx;
	bool notify;

	virtio_mb();           /* avail->idx before reading the device's wish */
	if (q->event_idx) {
		/* avail_event follows the used ring's entries. */
		uint16_t ev = *(volatile uint16_t *)((uintptr_t)q->used +
						     4 + 8u * q->num);

		/* Section 2.7.10: notify if ev lies in [old, now). */
		notify = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		notify = !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
	}
	q->kicked_idx = now;
	if (notify) {
		__asm__ volatile("dsb st" ::: "memory");
		mmio_wr(q->dev, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
	}
}

void *virtio_reap(struct virtio_queue *q, uint32_t *written)
{
	uint32_t id, len;
	uint16_t d, n;
	void *token;

	if (q->broken || q->last_used == q->used->idx)
		return NULL;
	virtio_rmb();          /* the index before the entry it covers */
	id = q->used->ring[q->last_used & (q->num - 1)].id;
	len = q->used->ring[q->last_used & (q->num - 1)].len;
	if (id >= q->num || !q->token[id]) {
		q->broken = true;
		return NULL;
	}
	q->last_used++;
	token = q->token[id];
	q->token[id] = NULL;
	/* Back on the free list: walk our own record of the chain. */
	n = q->chain_len[id];
	d = (uint16_t)id;
	for (unsigned i = 1; i < n; i++)
		d = q->desc[d].next;
	q->desc[d].next = q->free_head;
	q->free_head = (uint16_t)id;
	q->num_free = (uint16_t)(q->num_free + n);
	if (q->event_idx) {    /* used_event: interrupt us for the next one */
		q->avail->ring[q->num] = q->last_used;
		virtio_mb();   /* before the caller re-reads used->idx */
	}
	if (written)
		*written = len;
	return token;
}

bool virtio_queue_broken(const struct virtio_queue *q)
{
	return q->broken;
}

uint32_t virtio_interrupt_ack(struct virtio_dev *dev)
{
	uint32_t s = mmio_rd(dev, VIRTIO_MMIO_INT_STATUS);

	if (s)
		mmio_wr(dev, VIRTIO_MMIO_INT_ACK, s);
	return s;
}

unsigned virtio_wait(uint64_t timeout_ms)
{
	unsigned intid;

	irq_mask();
	if (timeout_ms)
		vtimer_arm_ms(timeout_ms);
	__asm__ volatile("wfi" ::: "memory");
	if (timeout_ms)
		vtimer_disarm();
	intid = gic_ack();
	if (intid < 1020)
		gic_eoi(intid);
	return intid;
}
