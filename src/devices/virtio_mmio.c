/*
 * The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2), for
 * the virtio devices a system description gives a VM ("virtio,net",
 * "virtio,vsock", "virtio,block"). The transport keeps the registers, the
 * feature negotiation and status machine (2.1, 3.1) and the queues' setup;
 * the device type (struct virtio_ops, devices/virtio.h) moves the data.
 *
 * Registers (table 4.1) are 32 bits wide; the driver "MUST only use 32 bit
 * wide and aligned reads and writes" to them (4.2.2.2). The spec leaves
 * the device's answer to other accesses open: here they read as zero and
 * writes are ignored, as are reads of write-only registers, writes to
 * read-only ones and offsets that hold no register. The configuration
 * space at 0x100 takes 1, 2 and 4-byte naturally aligned accesses
 * (4.2.2.2); it is read-only for every device type numbat has.
 *
 * Status (2.1.1, 3.1.1): writing 0 resets the device. Otherwise bits are
 * only ever added: a clear the driver attempts is ignored (2.1.2: it "MUST
 * NOT clear a device status bit"), and DEVICE_NEEDS_RESET is the device's
 * alone. FEATURES_OK sticks only if the driver accepted VERSION_1 and
 * nothing that was not offered (3.1.1 step 6: the driver re-reads it).
 * DRIVER_OK counts only after FEATURES_OK. A queue may be made ready only
 * after FEATURES_OK, with a size that is a power of two no larger than
 * QueueNumMax and rings inside the VM's memory; anything else sets
 * DEVICE_NEEDS_RESET. A notification for a queue that is not ready, or
 * before DRIVER_OK, is ignored (2.1.2: the device "MUST NOT consume
 * buffers ... before DRIVER_OK").
 *
 * Interrupts are edges on the device's SPI (vgic_pulse): one per event
 * that sets a bit in InterruptStatus.
 *
 * Locking: see devices/virtio.h. Register accesses take the device's
 * lock; QueueNotify drops it before calling the device type.
 */
#include "devices/virtio.h"

#include "core/mmio.h"
#include "core/vgic.h"
#include "core/vm.h"
#include "lib/string.h"

/* Register offsets (4.2.2, table 4.1). */
#define VIRTIO_MMIO_MAGIC_VALUE        0x000
#define VIRTIO_MMIO_VERSION            0x004
#define VIRTIO_MMIO_DEVICE_ID          0x008
#define VIRTIO_MMIO_VENDOR_ID          0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES    0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES    0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL          0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX      0x034
#define VIRTIO_MMIO_QUEUE_NUM          0x038
#define VIRTIO_MMIO_QUEUE_READY        0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY       0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS   0x060
#define VIRTIO_MMIO_INTERRUPT_ACK      0x064
#define VIRTIO_MMIO_STATUS             0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW     0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH    0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW   0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH  0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH  0x0a4
#define VIRTIO_MMIO_SHM_SEL            0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW        0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH       0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW       0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH      0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION  0x0fc
#define VIRTIO_MMIO_CONFIG             0x100

#define VIRTIO_MMIO_MAGIC    0x74726976u   /* "virt" */
#define VIRTIO_MMIO_VENDOR   0x626d756eu   /* "numb" */

#define STATUS_DRIVER_BITS   (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			      VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
			      VIRTIO_STATUS_FAILED)

extern const struct vdev_ops virtio_mmio_ops;

/* The device types, by the description's device type. */
static const struct {
	enum device_type type;
	const struct virtio_ops *ops;
} virtio_types[] = {
	{ DEVICE_VIRTIO_NET, &virtio_net_ops },
	{ DEVICE_VIRTIO_BLK, &virtio_blk_ops },
	{ DEVICE_BLK_SERVER, &virtio_blksrv_ops },
	{ DEVICE_VIRTIO_VSOCK, &virtio_vsock_ops },
};

static const struct virtio_ops *type_ops(uint32_t type)
{
	for (unsigned i = 0; i < sizeof(virtio_types) / sizeof(virtio_types[0]); i++)
		if (virtio_types[i].type == type)
			return virtio_types[i].ops;
	return NULL;
}

static uint64_t offered(struct virtio_dev *vd)
{
	return vd->ops->features(vd) | (1ull << VIRTIO_F_VERSION_1);
}

static struct virtq *selected(struct virtio_dev *vd)
{
	return vd->queue_sel < vd->ops->queues ? &vd->vq[vd->queue_sel] : NULL;
}

void virtio_needs_reset(struct virtio_dev *vd)
{
	if (vd->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	vd->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	vd->interrupt_status |= VIRTIO_INT_CONFIG;
	__atomic_store_n(&vd->irq_pending, true, __ATOMIC_RELAXED);
}

void virtio_used(struct virtio_dev *vd, unsigned q)
{
	if (virtq_should_signal(virtio_vm(vd), &vd->vq[q])) {
		vd->interrupt_status |= VIRTIO_INT_USED;
		__atomic_store_n(&vd->irq_pending, true, __ATOMIC_RELAXED);
	}
}

bool virtio_rx_wait(struct virtio_dev *dst, unsigned qi)
{
	struct virtq *q = &dst->vq[qi];
	uint16_t start = q->last_avail;
	struct virtq_chain c;
	bool more;

	/* Skip what is there (too little for the packet): notify beyond it. */
	while (virtq_pop(virtio_vm(dst), q, &c) == VIRTQ_CHAIN)
		;
	virtq_want_notify(virtio_vm(dst), q, true);
	more = virtq_has_avail(virtio_vm(dst), q);
	q->last_avail = start;
	return more;
}

void virtio_signal_flush(struct virtio_dev *vd)
{
	if (__atomic_exchange_n(&vd->irq_pending, false, __ATOMIC_RELAXED) &&
	    vd->vdev->cfg->irq)
		vgic_pulse(virtio_vm(vd), vd->vdev->cfg->irq);
}

/* Transport state back to its reset values (2.4), then the type's. Lock held. */
static void virtio_reset_locked(struct virtio_dev *vd)
{
	vd->status = 0;
	vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = 0;
	vd->driver_features = 0;
	vd->interrupt_status = 0;
	__atomic_store_n(&vd->irq_pending, false, __ATOMIC_RELAXED);
	memset(vd->vq, 0, sizeof(vd->vq));
	if (vd->ops->reset)
		vd->ops->reset(vd);
}

/* A status write (2.1, 3.1.1); lock held. */
static void status_write(struct virtio_dev *vd, uint32_t val)
{
	uint32_t add = val & STATUS_DRIVER_BITS & ~vd->status;
	uint64_t f = vd->driver_features;

	if (val == 0) {
		virtio_reset_locked(vd);
		return;
	}
	if ((add & VIRTIO_STATUS_FEATURES_OK) &&
	    ((f & ~offered(vd)) || !((f >> VIRTIO_F_VERSION_1) & 1)))
		add &= ~VIRTIO_STATUS_FEATURES_OK;   /* read back clear: refused */
	if ((add & VIRTIO_STATUS_DRIVER_OK) &&
	    !((vd->status | add) & VIRTIO_STATUS_FEATURES_OK))
		add &= ~VIRTIO_STATUS_DRIVER_OK;
	vd->status |= add;
	if ((add & VIRTIO_STATUS_DRIVER_OK) && vd->ops->driver_ok)
		vd->ops->driver_ok(vd);
}

/* QueueReady written with `val`; lock held. */
static void queue_ready_write(struct virtio_dev *vd, struct virtq *q, uint32_t val)
{
	if (!(val & 1)) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	if (!(vd->status & VIRTIO_STATUS_FEATURES_OK))
		return;   /* queues are set up after FEATURES_OK (3.1.1 step 7) */
	q->event_idx = virtio_has_feature(vd, VIRTIO_F_EVENT_IDX);
	q->indirect = virtio_has_feature(vd, VIRTIO_F_INDIRECT_DESC);
	q->last_avail = q->used_idx = q->signalled = 0;
	if (!virtq_valid(virtio_vm(vd), q)) {
		virtio_needs_reset(vd);
		return;
	}
	q->ready = true;
}

static void set_low(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_high(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | ((uint64_t)v << 32);
}

/* A write to a queue address or size register; lock held. */
static void queue_reg_write(struct virtio_dev *vd, uint64_t off, uint32_t val)
{
	struct virtq *q = selected(vd);

	if (!q || q->ready)
		return;   /* 4.2.2.2: not while the queue is ready */
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:       q->num = val > 0xffff ? 0 : (uint16_t)val; break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:  set_low(&q->desc, val); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: set_high(&q->desc, val); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:  set_low(&q->avail, val); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: set_high(&q->avail, val); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:  set_low(&q->used, val); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: set_high(&q->used, val); break;
	}
}

/* A 32-bit register write other than QueueNotify; lock held. */
static void reg_write(struct virtio_dev *vd, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: vd->dev_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: vd->drv_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vd->status & VIRTIO_STATUS_FEATURES_OK)
			break;   /* fixed once accepted */
		if (vd->drv_features_sel == 0)
			set_low(&vd->driver_features, val);
		else if (vd->drv_features_sel == 1)
			set_high(&vd->driver_features, val);
		break;
	case VIRTIO_MMIO_QUEUE_SEL: vd->queue_sel = val; break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (selected(vd))
			queue_ready_write(vd, selected(vd), val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK: vd->interrupt_status &= ~val; break;
	case VIRTIO_MMIO_STATUS: status_write(vd, val); break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW ... VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW ... VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW ... VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		queue_reg_write(vd, off, val);
		break;
	}
}

/* A 32-bit register read; lock held. */
static uint32_t reg_read(struct virtio_dev *vd, uint64_t off)
{
	struct virtq *q = selected(vd);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:     return 2;
	case VIRTIO_MMIO_DEVICE_ID:   return vd->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:   return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return vd->dev_features_sel < 2 ? (uint32_t)(offered(vd) >> (32 * vd->dev_features_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:   return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return vd->interrupt_status;
	case VIRTIO_MMIO_STATUS:        return vd->status;
	/* No shared memory regions: the length of a missing one is -1 (4.2.2). */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH: return 0xffffffffu;
	case VIRTIO_MMIO_CONFIG_GENERATION: return vd->config_generation;
	default: return 0;
	}
}

static struct vdev_read virtio_mmio_read(struct vdev *dev, uint64_t off, unsigned size)
{
	struct virtio_dev *vd = virtio_of(dev);
	uint32_t val = 0;

	spin_lock(&vd->lock);
	if (!vd->ops) {
		/* not yet reset (cannot happen while the VM runs): reads as zero */
	} else if (off >= VIRTIO_MMIO_CONFIG) {
		if ((off & (size - 1)) == 0 && size <= 4 && vd->ops->config_read &&
		    !vd->ops->config_read(vd, (uint32_t)(off - VIRTIO_MMIO_CONFIG), size, &val))
			val = 0;
	} else if (size == 4 && (off & 3) == 0) {
		val = reg_read(vd, off);
	}
	spin_unlock(&vd->lock);
	return (struct vdev_read){ val, true };
}

/*
 * QueueNotify (4.2.2) for queue `idx`: the device type works with no
 * lock held; if it has more to do, the guest replays its store.
 */
static void queue_notify(struct virtio_dev *vd, uint32_t idx)
{
	bool go;

	spin_lock(&vd->lock);
	go = idx < vd->ops->queues && vd->vq[idx].ready && virtio_running(vd);
	spin_unlock(&vd->lock);
	if (go && vd->ops->notify(vd, idx))
		mmio_replay();
	virtio_signal_flush(vd);
}

static bool virtio_mmio_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_dev *vd = virtio_of(dev);

	if (!vd->ops || off >= VIRTIO_MMIO_CONFIG || size != 4 || (off & 3))
		return true;   /* the configuration space is read-only: ignored */
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY) {
		queue_notify(vd, (uint32_t)val);
		return true;
	}
	spin_lock(&vd->lock);
	reg_write(vd, off, (uint32_t)val);
	spin_unlock(&vd->lock);
	virtio_signal_flush(vd);
	return true;
}

/*
 * A reset of the whole VM (its start, stop or restart; vm->lock held):
 * binds the device type on first use, then resets the device. From here
 * on no transfer touches the VM's memory until its driver sets DRIVER_OK
 * again.
 */
static void virtio_mmio_reset(struct vdev *dev)
{
	struct virtio_dev *vd = virtio_of(dev);

	spin_lock(&vd->lock);
	if (!vd->ops) {
		vd->vdev = dev;
		vd->ops = type_ops(dev->cfg->type);
		if (vd->ops && vd->ops->init)
			vd->ops->init(vd);
	}
	if (vd->ops)
		virtio_reset_locked(vd);
	spin_unlock(&vd->lock);
}

struct virtio_dev *virtio_link_end(const struct link_config *l, unsigned end)
{
	struct vm *vm;
	struct vdev *dev;

	if (end > 1 || l->vm[end] >= vm_count)
		return NULL;
	vm = &vms[l->vm[end]];
	if (l->dev[end] >= vm->ndevs)
		return NULL;
	dev = &vm->devs[l->dev[end]];
	if (dev->ops != &virtio_mmio_ops || !virtio_of(dev)->ops)
		return NULL;
	return virtio_of(dev);
}

struct virtio_dev *virtio_link_peer(struct virtio_dev *vd, unsigned link_type)
{
	const struct vdev *dev = vd->vdev;
	unsigned dev_idx = (unsigned)(dev - dev->vm->devs), vm_idx = dev->vm->id;

	for (unsigned i = 0; i < numbat_system.link_count; i++) {
		const struct link_config *l = &numbat_system.links[i];

		if (l->type != link_type)
			continue;
		for (unsigned end = 0; end < 2; end++)
			if (l->vm[end] == vm_idx && l->dev[end] == dev_idx)
				return virtio_link_end(l, !end);
	}
	return NULL;
}

void virtio_lock_pair(struct virtio_dev *a, struct virtio_dev *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

void virtio_unlock_pair(struct virtio_dev *a, struct virtio_dev *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

const struct vdev_ops virtio_mmio_ops = {
	.compatible = "virtio,mmio",
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
	.reset = virtio_mmio_reset,
};
