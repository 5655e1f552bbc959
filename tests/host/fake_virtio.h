/*
 * Host harness for the virtio-mmio transport and the device types
 * (src/devices/virtio_mmio.c, virtio_net.c, over src/core/virtq.c): two
 * fake VMs with one virtio device each, joined by a link, the fakes the
 * sources call (vgic_pulse, mmio_replay) and a driver that talks to the
 * registers. Shared by tests/host/test_virtio.c and the fuzz harness.
 *
 * Include after the lock stand-in and the sources.
 */
#ifndef TESTS_FAKE_VIRTIO_H
#define TESTS_FAKE_VIRTIO_H

#include "fake_driver.h"

#define FV_IRQ      40
#define FV_RXRING   (FAKE_RAM_IPA)
#define FV_TXRING   (FAKE_RAM_IPA + 0x4000)
#define FV_BUF      (FAKE_RAM_IPA + 0x10000)

struct vm vms[CONFIG_MAX_VMS];
unsigned vm_count = 2;
static struct link_config fv_links[1];
const struct system_config numbat_system = { .link_count = 1, .links = fv_links };
static struct vm_config fv_vmcfg[2];
static struct device_config fv_devcfg[2];

static unsigned fv_pulses[2];     /* vgic_pulse per VM */
static unsigned fv_replays;
/* The includer defines `static int fv_locks` and counts device locks held
 * in it with FAKE_LOCK_HOOK before including fake_spinlock.h. */

void vgic_pulse(struct vm *vm, unsigned intid)
{
	ck_assert_int_eq(fv_locks, 0);        /* never under a device lock */
	ck_assert_uint_eq(intid, FV_IRQ);
	fv_pulses[vm - vms]++;
}

void mmio_replay(void)
{
	fv_replays++;
}

static struct vdev *fv_dev(unsigned v)
{
	return &vms[v].devs[0];
}

static struct virtio_dev *fv_vd(unsigned v)
{
	return virtio_of(fv_dev(v));
}

/* Two VMs, one virtio-net device each (or `type`), linked when `link`. */
static void fv_setup(uint32_t type, bool link)
{
	memset(vms, 0, sizeof(vms));
	memset(fv_pulses, 0, sizeof(fv_pulses));
	fv_replays = 0;
	for (unsigned v = 0; v < 2; v++) {
		fv_devcfg[v] = (struct device_config){ .type = type, .ipa = 0xa000000,
						       .size = 0x1000, .irq = FV_IRQ,
						       .mac = { 0x52, 0x54, 0, 0, 0, (uint8_t)v } };
		fv_vmcfg[v].device_count = 1;
		vms[v].cfg = &fv_vmcfg[v];
		vms[v].id = v;
		vms[v].ndevs = 1;
		*fv_dev(v) = (struct vdev){ .ipa = 0xa000000, .size = 0x1000, .ops = &virtio_mmio_ops,
					    .cfg = &fv_devcfg[v], .vm = &vms[v] };
		fv_dev(v)->ops->reset(fv_dev(v));
		memset(fake_ram[v], 0, sizeof(fake_ram[v]));
	}
	fv_links[0] = (struct link_config){ .type = link ? LINK_NET : LINK_VIRQ,
					    .vm = { 0, 1 }, .dev = { 0, 0 } };
}

static uint32_t fv_read(unsigned v, uint64_t off)
{
	struct vdev_read r = fv_dev(v)->ops->read(fv_dev(v), off, 4);

	ck_assert(r.ok);
	return (uint32_t)r.value;
}

static void fv_write(unsigned v, uint64_t off, uint32_t val)
{
	ck_assert(fv_dev(v)->ops->write(fv_dev(v), off, 4, val));
}

/* Negotiates `features` (must include VERSION_1); true if FEATURES_OK stuck. */
static bool fv_negotiate(unsigned v, uint64_t features)
{
	fv_write(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE);
	fv_write(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fv_write(v, 0x024, 0);
	fv_write(v, 0x020, (uint32_t)features);
	fv_write(v, 0x024, 1);
	fv_write(v, 0x020, (uint32_t)(features >> 32));
	fv_write(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		 VIRTIO_STATUS_FEATURES_OK);
	return fv_read(v, 0x070) & VIRTIO_STATUS_FEATURES_OK;
}

/* Sets up queue `qi` of VM v's device at `ring` with `num` entries. */
static void fv_queue(unsigned v, unsigned qi, struct fq *f, uint64_t ring, uint16_t num)
{
	struct virtq dummy;

	fq_init(f, &dummy, v, ring, num);
	fv_write(v, 0x030, qi);
	fv_write(v, 0x038, num);
	fv_write(v, 0x080, (uint32_t)f->desc);
	fv_write(v, 0x084, (uint32_t)(f->desc >> 32));
	fv_write(v, 0x090, (uint32_t)f->avail);
	fv_write(v, 0x094, (uint32_t)(f->avail >> 32));
	fv_write(v, 0x0a0, (uint32_t)f->used);
	fv_write(v, 0x0a4, (uint32_t)(f->used >> 32));
	fv_write(v, 0x044, 1);
}

static void fv_driver_ok(unsigned v)
{
	fv_write(v, 0x070, fv_read(v, 0x070) | VIRTIO_STATUS_DRIVER_OK);
}

#endif
