/*
 * The table of device models a system description can name.
 */
#include "devices/vdev.h"

#include "lib/string.h"

extern const struct vdev_ops testdev_ops;
extern const struct vdev_ops pl011_ops;
extern const struct vdev_ops sp805_ops;
extern const struct vdev_ops passthrough_ops;
extern const struct vdev_ops virtio_mmio_ops;

static const struct {
	enum device_type type;
	const struct vdev_ops *ops;
} models[] = {
	{ DEVICE_TEST, &testdev_ops },
	{ DEVICE_PL011, &pl011_ops },
	{ DEVICE_SP805, &sp805_ops },
	{ DEVICE_PASSTHROUGH, &passthrough_ops },
	{ DEVICE_VIRTIO_NET, &virtio_mmio_ops },
	{ DEVICE_VIRTIO_VSOCK, &virtio_mmio_ops },
	{ DEVICE_VIRTIO_BLK, &virtio_mmio_ops },
	{ DEVICE_BLK_SERVER, &virtio_mmio_ops },
};

bool vdev_bind(struct vdev *dev, const struct device_config *cfg, struct vm *vm)
{
	for (unsigned i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (models[i].type == cfg->type) {
			dev->cfg = cfg;
			dev->vm = vm;
			dev->ipa = cfg->ipa;
			dev->size = cfg->size;
			dev->ops = models[i].ops;
			memset(dev->state, 0, sizeof(dev->state));
			return true;
		}
	}
	return false;
}
