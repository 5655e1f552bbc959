/*
 * virtio devices on the virtio-mmio (version 2) transport
 * (devices/virtio_mmio.c, virtio 1.2 section 4.2.2). The transport owns
 * the registers, feature negotiation, the device status and the queues;
 * a device type (net, vsock, block) supplies a struct virtio_ops and keeps
 * its own state in virtio_dev.priv.
 *
 * A virtio device lives in its struct vdev's state[] (see virtio_of).
 *
 * Locking: each device has one lock, `lock`, protecting everything in its
 * struct virtio_dev (registers, queues, priv). The transport takes it
 * around every register access and calls the ops with it held, except
 * notify, which is called with no lock held and takes what it needs. A
 * device that moves data between two devices (a link) needs both locks:
 * it takes them with virtio_lock_pair, which orders them by address (the
 * global order: lower struct virtio_dev address first), so two transfers
 * in opposite directions cannot deadlock; with the locks held it checks
 * virtio_running and the queue's `ready` again (a reset may have come in
 * between). Interrupts are raised with no device lock held
 * (virtio_signal_flush): vgic_pulse takes the vGIC's locks, which come
 * after every device lock.
 *
 * Lock order: vm->lock, then device locks (by address), then the vGIC's.
 */
#ifndef DEVICES_VIRTIO_H
#define DEVICES_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "core/virtq.h"
#include "devices/vdev.h"

/* Device IDs (virtio 1.2 section 5). */
#define VIRTIO_ID_NET    1
#define VIRTIO_ID_BLOCK  2
#define VIRTIO_ID_VSOCK  19

/* Reserved feature bits (virtio 1.2 section 6). */
#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32

/* Device status bits (virtio 1.2 section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        1u
#define VIRTIO_STATUS_DRIVER             2u
#define VIRTIO_STATUS_DRIVER_OK          4u
#define VIRTIO_STATUS_FEATURES_OK        8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* InterruptStatus bits (4.2.2). */
#define VIRTIO_INT_USED    1u
#define VIRTIO_INT_CONFIG  2u

#define VIRTIO_MAX_QUEUES  3     /* vsock: rx, tx, event */
#define VIRTIO_PRIV_SIZE   192   /* bytes a device type may keep */

struct virtio_dev;

/* What a device type supplies. Every op is called with the device's lock held. */
struct virtio_ops {
	uint32_t device_id;          /* VIRTIO_ID_* */
	unsigned queues;             /* queues it has, <= VIRTIO_MAX_QUEUES */
	/* Device features offered (VERSION_1 is added by the transport). */
	uint64_t (*features)(struct virtio_dev *vd);
	/*
	 * Reads `size` (1, 2, 4) bytes of the device configuration space at
	 * `off` into *val; false if there is nothing there (reads as 0).
	 */
	bool (*config_read)(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t *val);
	/*
	 * The driver notified queue `q` (it was ready and the device
	 * DRIVER_OK when it did; called with NO lock held: the op takes
	 * vd->lock or virtio_lock_pair and checks again). Returns true if work remains: the transport then has the guest
	 * replay its notifying store (it takes its interrupts first), so no
	 * single notification does unbounded work.
	 */
	bool (*notify)(struct virtio_dev *vd, unsigned q);
	/* The device went to DRIVER_OK (optional). */
	void (*driver_ok)(struct virtio_dev *vd);
	/*
	 * The device was reset (status 0 written, the VM stopped or
	 * restarted), after the transport cleared its own state; priv is
	 * not cleared: the op resets it (optional).
	 */
	void (*reset)(struct virtio_dev *vd);
	/* Called once when the device is bound, to set up priv (optional). */
	void (*init)(struct virtio_dev *vd);
};

struct virtio_dev {
	spinlock_t lock;             /* protects everything below */
	const struct virtio_ops *ops;
	struct vdev *vdev;           /* the MMIO device, its VM and config */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;    /* as written; valid from FEATURES_OK on */
	uint32_t interrupt_status;
	uint32_t config_generation;
	bool irq_pending;            /* pulse the SPI at virtio_signal_flush */
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint8_t priv[VIRTIO_PRIV_SIZE] __attribute__((aligned(8)));
};

_Static_assert(sizeof(struct virtio_dev) <= VDEV_STATE_SIZE, "virtio state fits in struct vdev");

static inline struct virtio_dev *virtio_of(struct vdev *dev)
{
	return (struct virtio_dev *)dev->state;
}

static inline struct vm *virtio_vm(const struct virtio_dev *vd)
{
	return vd->vdev->vm;
}

/* Whether the driver set DRIVER_OK and the device does not need a reset. */
static inline bool virtio_running(const struct virtio_dev *vd)
{
	return (vd->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET |
			      VIRTIO_STATUS_FAILED)) == VIRTIO_STATUS_DRIVER_OK;
}

static inline bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit)
{
	return (vd->driver_features >> bit) & 1;
}

/*
 * The driver broke the rules (a bad chain, a ring outside its memory):
 * DEVICE_NEEDS_RESET is set, the configuration-change interrupt raised
 * (4.2.2: "the device MUST send a configuration change notification"),
 * and the device does nothing more until reset. Caller holds vd->lock.
 */
void virtio_needs_reset(struct virtio_dev *vd);

/*
 * Marks used buffers on queue `q` for the driver: if the queue's
 * interrupt suppression lets it through, InterruptStatus.USED is set and
 * an interrupt is due at the next virtio_signal_flush. Caller holds
 * vd->lock.
 */
void virtio_used(struct virtio_dev *vd, unsigned q);

/*
 * Raises the interrupts due on `vd` (virtio_used, virtio_needs_reset).
 * Caller holds no device lock.
 */
void virtio_signal_flush(struct virtio_dev *vd);

/*
 * The other end of `vd`'s data link of type `link_type` (enum link_type
 * in numbat/config.h), or NULL if the description gives it none or the
 * peer's VM was not created. Fixed after boot, so no lock is needed.
 */
struct virtio_dev *virtio_link_peer(struct virtio_dev *vd, unsigned link_type);

/*
 * End `end` (0 or 1) of data link `l`: the virtio device it names, or
 * NULL if that VM was not created or the device is not a virtio one.
 */
struct virtio_dev *virtio_link_end(const struct link_config *l, unsigned end);

/*
 * The receive queue `q` of `dst` had no room for a packet: asks for the
 * driver's next notification (2.7.10) and returns whether buffers came in
 * meanwhile (then the caller retries). Caller holds dst->lock.
 */
bool virtio_rx_wait(struct virtio_dev *dst, unsigned q);

/* Takes the locks of `a` and `b` (a may equal b) in the global order. */
void virtio_lock_pair(struct virtio_dev *a, struct virtio_dev *b);
void virtio_unlock_pair(struct virtio_dev *a, struct virtio_dev *b);

/* The device types (devices/virtio_<type>.c). */
extern const struct virtio_ops virtio_net_ops;
extern const struct virtio_ops virtio_blk_ops, virtio_blksrv_ops;  /* virtio_blk.c */
extern const struct virtio_ops virtio_vsock_ops;

#endif
