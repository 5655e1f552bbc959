/*
 * Emulated MMIO devices. A device model implements read and write for
 * naturally sized accesses (1, 2, 4 or 8 bytes) at an offset inside its
 * window; the core has already checked the access lies inside it.
 */
#ifndef DEVICES_VDEV_H
#define DEVICES_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <numbat/config.h>

struct vdev;

struct vdev_ops {
	const char *compatible;
	/* Returns false to have the access treated as an external abort. */
	bool (*read)(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val);
	bool (*write)(struct vdev *dev, uint64_t off, unsigned size, uint64_t val);
	void (*reset)(struct vdev *dev);
};

struct vdev {
	const struct device_config *cfg;
	const struct vdev_ops *ops;
	uint8_t state[64] __attribute__((aligned(8))); /* model's own state */
};

/* Binds `dev` to the model for cfg->type; false if there is none. */
bool vdev_bind(struct vdev *dev, const struct device_config *cfg);

#endif
