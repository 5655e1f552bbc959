/*
 * Physical devices given to one VM (DEVICE_PASSTHROUGH in the system
 * description): numbat finds each at boot by probing the machine's
 * virtio-mmio slots, forwards the owner's register accesses to it
 * (devices/passthrough.c) and its interrupt to the owner only, as a
 * hardware-linked virtual SPI. See docs/RAPILOG.md.
 */
#ifndef CORE_PASSTHROUGH_H
#define CORE_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

struct bootinfo;
struct vdev;
struct vm;

/* A slot given to a VM: what the device model and the interrupt path use. */
struct passthrough_slot {
	uint64_t pa, size;          /* its registers */
	unsigned pintid;            /* its physical SPI */
	bool edge;
	struct vm *vm;              /* the owner; NULL while not attached */
	unsigned vintid;            /* the owner's SPI */
};

/*
 * Probes every virtio-mmio slot of the boot tree (magic, version,
 * DeviceID) and reports what it finds. Boot pCPU, MMU on, before
 * vm_create_all.
 */
void passthrough_probe(const struct bootinfo *bi);

/*
 * Gives `dev` (a DEVICE_PASSTHROUGH of `vm`) the slot its description
 * names: the slot_index'th one, in address order, whose DeviceID is
 * virtio_id and that no VM has yet. Routes the slot's SPI to the pCPU
 * of the VM's vCPU 0. false (and a report) if there is none.
 */
bool passthrough_attach(struct vm *vm, struct vdev *dev);

/*
 * Physical SPI `intid` was acknowledged and its priority dropped: returns
 * -1 if it is not a passthrough SPI; 0 if it went to its owner (who
 * deactivates it through the list register); 1 if the owner is not
 * running and the caller deactivates it.
 */
int passthrough_irq(unsigned intid);

/*
 * The owner went down (stopped or being reset) or restarts: the device is
 * reset (a virtio device stops its DMA: virtio 1.2, 2.4) and its SPI
 * deactivated, so what the VM left behind does not reach its next run.
 */
void passthrough_reset(const struct passthrough_slot *s);

/* The MMIO ranges numbat maps for itself to probe and forward (pages). */
unsigned passthrough_ranges(const struct bootinfo *bi, uint64_t *base, uint64_t *size,
			    unsigned max);

#endif
