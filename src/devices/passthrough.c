/*
 * A passed-through virtio-mmio slot's registers, as its owner sees them:
 * each access numbat trapped is done on the physical slot at the same
 * offset and width (core/passthrough.c explains why the slot is not
 * mapped). Accesses of 1, 2 or 4 bytes inside the slot go through; an
 * 8-byte access (virtio-mmio has no 64-bit registers: virtio 1.2, 4.2.2)
 * or one past the slot is an external abort for the owner.
 */
#include "core/passthrough.h"
#include "devices/vdev.h"

static const struct passthrough_slot *slot_of(const struct vdev *dev)
{
	return *(struct passthrough_slot *const *)dev->state;
}

static bool in_slot(const struct passthrough_slot *s, uint64_t off, unsigned size)
{
	return s && size <= 4 && off < s->size && size <= s->size - off;
}

static struct vdev_read pt_read(struct vdev *dev, uint64_t off, unsigned size)
{
	const struct passthrough_slot *s = slot_of(dev);
	uintptr_t a;

	if (!in_slot(s, off, size))
		return (struct vdev_read){ 0, false };
	a = (uintptr_t)(s->pa + off);
	if (size == 1)
		return (struct vdev_read){ *(volatile uint8_t *)a, true };
	if (size == 2)
		return (struct vdev_read){ *(volatile uint16_t *)a, true };
	return (struct vdev_read){ *(volatile uint32_t *)a, true };
}

static bool pt_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	const struct passthrough_slot *s = slot_of(dev);
	uintptr_t a;

	if (!in_slot(s, off, size))
		return false;
	a = (uintptr_t)(s->pa + off);
	if (size == 1)
		*(volatile uint8_t *)a = (uint8_t)val;
	else if (size == 2)
		*(volatile uint16_t *)a = (uint16_t)val;
	else
		*(volatile uint32_t *)a = (uint32_t)val;
	return true;
}

/* The VM stops or restarts. */
static void pt_reset(struct vdev *dev)
{
	if (slot_of(dev))
		passthrough_reset(slot_of(dev));
}

/* The slot pointer in dev->state is set once by passthrough_attach and kept. */
const struct vdev_ops passthrough_ops = {
	.compatible = "numbat,passthrough",
	.read = pt_read,
	.write = pt_write,
	.reset = pt_reset,
};
