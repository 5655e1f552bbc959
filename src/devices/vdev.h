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
struct vm;

/* A read's result; ok = false has the access treated as an external abort. */
struct vdev_read {
	uint64_t value;
	uint64_t ok;    /* a full register: returned in x1 without repacking */
};

struct vdev_ops {
	const char *compatible;
	struct vdev_read (*read)(struct vdev *dev, uint64_t off, unsigned size);
	/* Returns false to have the access treated as an external abort. */
	bool (*write)(struct vdev *dev, uint64_t off, unsigned size, uint64_t val);
	void (*reset)(struct vdev *dev);
	/*
	 * Optional: a byte from numbat's console for the device's receiver
	 * (console devices). Any pCPU; returns false if the byte was dropped.
	 */
	bool (*input)(struct vdev *dev, uint8_t c);
	/*
	 * Optional: the VM's device timer (vm_dev_timer_set) is due at `now`.
	 * Runs on the pCPU of the VM's vCPU 0, in its scheduler, no lock held.
	 */
	void (*timer)(struct vdev *dev, uint64_t now);
};

#define VDEV_STATE_SIZE 640

struct vdev {
	uint64_t ipa, size;             /* the window, copied from cfg */
	const struct vdev_ops *ops;
	const struct device_config *cfg;
	struct vm *vm;                  /* the VM the device belongs to */
	/* Accesses trapped, per vCPU index; each written by that vCPU's pCPU only. */
	uint64_t exits[CONFIG_MAX_VCPUS];
	uint8_t state[VDEV_STATE_SIZE] __attribute__((aligned(8))); /* model's own */
};

/* Binds `dev` of `vm` to the model for cfg->type; false if there is none. */
bool vdev_bind(struct vdev *dev, const struct device_config *cfg, struct vm *vm);

#endif
