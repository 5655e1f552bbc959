/*
 * "numbat,test-device": a scratch register bank for exercising the MMIO
 * path at every access width (layout in include/numbat/abi.h).
 */
#include <numbat/abi.h>

#include "core/pcpu.h"
#include "core/vgic.h"
#include "devices/vdev.h"
#include "lib/string.h"

_Static_assert(TESTDEV_SCRATCH_SIZE <= sizeof(((struct vdev *)0)->state),
	       "scratch must fit in the device state");

static struct vdev_read testdev_read(struct vdev *dev, uint64_t off, unsigned size)
{
	struct vdev_read r = { 0, true }; /* the rest reads as zero */

	if (off == TESTDEV_ID)
		r.value = TESTDEV_ID_VALUE;
	else if (off == TESTDEV_KICKS)
		r.value = __atomic_load_n(&pcpu_this()->kicks, __ATOMIC_RELAXED);
	else if (off == TESTDEV_SPURIOUS)
		r.value = __atomic_load_n(&pcpu_this()->spurious, __ATOMIC_RELAXED);
	else if (off + size <= TESTDEV_SCRATCH + TESTDEV_SCRATCH_SIZE)
		memcpy(&r.value, dev->state + off, size); /* little-endian */
	return r;
}

static bool testdev_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	if (off + size <= TESTDEV_SCRATCH + TESTDEV_SCRATCH_SIZE)
		memcpy(dev->state + off, &val, size);
	else if (off == TESTDEV_IRQ && dev->cfg->irq)
		vgic_set_level(dev->vm, dev->cfg->irq, val & 1);
	return true; /* the rest ignores writes */
}

static void testdev_reset(struct vdev *dev)
{
	memset(dev->state, 0, sizeof(dev->state));
}

const struct vdev_ops testdev_ops = {
	.compatible = "numbat,test-device",
	.read = testdev_read,
	.write = testdev_write,
	.reset = testdev_reset,
};
