/*
 * Device pass-through: physical virtio-mmio slots given to VMs.
 *
 * Probing (virtio 1.2, 4.2.2): a slot is a device if MagicValue reads
 * 0x74726976 ("virt"), Version is 1 (legacy) or 2, and DeviceID is not 0
 * (QEMU virt's empty slots read DeviceID 0). Nothing about the slot is
 * guessed from its address: the description names a DeviceID and which
 * match, numbat finds it.
 *
 * The slot's registers are not mapped into the owner's stage 2: QEMU's
 * slots are 0x200 bytes, eight to a 4 KiB page, and a page mapping would
 * hand the owner its neighbours. numbat forwards each access instead
 * (devices/passthrough.c). The data path is the device's DMA, straight to
 * the owner's memory, which sysgen placed at PA = IPA (identity-map):
 * without an SMMU the owner is trusted with DMA (docs/RAPILOG.md).
 *
 * Interrupts: the slot's SPI is routed to the pCPU of the owner's vCPU 0.
 * When it fires numbat drops its priority, leaves it active and makes the
 * owner's SPI pending, hardware-linked (vgic_forward_spi): the owner's
 * EOI deactivates it. Until then it cannot fire again, so a storm from
 * the device costs at most one exception per interrupt the owner
 * finished, on the owner's pCPU.
 *
 * Locking: the slot table is written at boot only; slot->vm is set once
 * by passthrough_attach before any vCPU runs.
 */
#include "core/passthrough.h"

#include "core/bootinfo.h"
#include "core/console.h"
#include "core/pcpu.h"
#include "core/vgic.h"
#include "core/vm.h"
#include "arch/aarch64/gic.h"
#include "devices/vdev.h"

#define VIRTIO_MMIO_MAGIC       0x000
#define VIRTIO_MMIO_VERSION     0x004
#define VIRTIO_MMIO_DEVICE_ID   0x008
#define VIRTIO_MMIO_STATUS      0x070
#define VIRTIO_MAGIC_VALUE      0x74726976u  /* "virt", little-endian */

struct probed {
	struct passthrough_slot slot;
	uint32_t device_id;             /* 0: empty or not a virtio device */
};

static struct probed slots[BOOTINFO_MAX_VIRTIO];
static unsigned slot_count;

static uint32_t rd32(uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

static void wr32(uint64_t pa, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)pa = v;
}

static bool needed(void)
{
	for (unsigned v = 0; v < numbat_system.vm_count; v++)
		for (unsigned i = 0; i < numbat_system.vms[v].device_count; i++)
			if (numbat_system.vms[v].devices[i].type == DEVICE_PASSTHROUGH)
				return true;
	return false;
}

unsigned passthrough_ranges(const struct bootinfo *bi, uint64_t *base, uint64_t *size,
			    unsigned max)
{
	unsigned n = 0;

	if (!needed())
		return 0;
	/* Slots share pages (eight to a page on QEMU virt): each page once. */
	for (unsigned i = 0; i < bi->virtio_count; i++) {
		const struct bootinfo_virtio *v = &bi->virtio[i];

		for (uint64_t pg = v->base & ~0xfffull; pg < v->base + v->size; pg += 0x1000) {
			unsigned k = 0;

			while (k < n && base[k] != pg)
				k++;
			if (k == n && n < max) {
				base[n] = pg;
				size[n++] = 0x1000;
			}
		}
	}
	return n;
}

/* Sorts the slots by address: "the n-th block device" means the same on every boot. */
static void sort_slots(void)
{
	for (unsigned i = 1; i < slot_count; i++)
		for (unsigned j = i; j > 0 && slots[j].slot.pa < slots[j - 1].slot.pa; j--) {
			struct probed t = slots[j];

			slots[j] = slots[j - 1];
			slots[j - 1] = t;
		}
}

/* Whether [base, base+size) touches a device numbat keeps: console UART, GIC. */
static bool numbat_owns(const struct bootinfo *bi, uint64_t base, uint64_t size)
{
	const uint64_t own[][2] = {
		{ bi->uart_base & ~0xfffull, 0x1000 }, { bi->gicd_base, bi->gicd_size },
		{ bi->gicr_base, bi->gicr_size }, { bi->gicc_base, bi->gicc_size },
		{ bi->gich_base, bi->gich_size }, { bi->gicv_base, bi->gicv_size },
		{ bi->gpio_base, bi->gpio_base ? 0x1000 : 0 },
	};

	for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i][1] && base < own[i][0] + own[i][1] && own[i][0] < base + size)
			return true;
	return false;
}

void passthrough_probe(const struct bootinfo *bi)
{
	if (!needed())
		return;
	for (unsigned i = 0; i < bi->virtio_count; i++) {
		const struct bootinfo_virtio *v = &bi->virtio[i];
		struct probed *p;
		uint32_t version;

		if (numbat_owns(bi, v->base, v->size)) {
			pr_info("virtio-mmio node at 0x%lx overlaps numbat's devices: ignored\n",
				v->base);
			continue;
		}
		p = &slots[slot_count++];

		p->slot = (struct passthrough_slot){ .pa = v->base, .size = v->size,
						     .pintid = v->intid, .edge = v->edge };
		if (rd32(v->base + VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC_VALUE)
			continue;
		version = rd32(v->base + VIRTIO_MMIO_VERSION);
		if (version == 1 || version == 2)
			p->device_id = rd32(v->base + VIRTIO_MMIO_DEVICE_ID);
		if (p->device_id)
			pr_info("virtio-mmio slot 0x%lx (INTID %u): device %u, version %u\n",
				v->base, v->intid, p->device_id, version);
	}
	sort_slots();
}

/* An SPI numbat keeps for itself cannot be handed out (the tree could lie). */
static bool intid_usable(unsigned intid)
{
	return intid >= 32 && intid < 1020 && intid != arch_uart_intid;
}

bool passthrough_attach(struct vm *vm, struct vdev *dev)
{
	const struct device_config *cfg = dev->cfg;
	unsigned seen = 0;

	for (unsigned i = 0; i < slot_count; i++) {
		struct probed *p = &slots[i];

		if (p->device_id != cfg->virtio_id || seen++ != cfg->slot_index)
			continue;
		if (p->slot.vm || !intid_usable(p->slot.pintid)) {
			pr_info("vm %s not started: virtio-mmio slot 0x%lx is not free\n",
				vm->cfg->name, p->slot.pa);
			return false;
		}
		p->slot.vm = vm;
		p->slot.vintid = cfg->irq;
		*(struct passthrough_slot **)dev->state = &p->slot;
		wr32(p->slot.pa + VIRTIO_MMIO_STATUS, 0); /* reset: no DMA before it runs */
		gic_spi_disable(p->slot.pintid);
		gic_spi_set_edge(p->slot.pintid, p->slot.edge);
		gic_spi_deactivate(p->slot.pintid);
		gic_enable_spi(p->slot.pintid, pcpus[vm->cfg->vcpu_pcpu[0]].mpidr);
		pr_info("vm %s gets virtio-mmio slot 0x%lx (device %u) at IPA 0x%lx, "
			"INTID %u -> %u\n", vm->cfg->name, p->slot.pa, p->device_id,
			cfg->ipa, p->slot.pintid, cfg->irq);
		return true;
	}
	pr_info("vm %s not started: no virtio-mmio slot with device %u (match %u) "
		"on this machine\n", vm->cfg->name, cfg->virtio_id, cfg->slot_index);
	return false;
}

int passthrough_irq(unsigned intid)
{
	for (unsigned i = 0; i < slot_count; i++) {
		struct passthrough_slot *s = &slots[i].slot;

		if (s->pintid != intid || !s->vm)
			continue;
		if (__atomic_load_n(&s->vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING)
			return 1;
		vgic_forward_spi(s->vm, s->vintid, intid);
		return 0;
	}
	return -1;
}

void passthrough_reset(const struct passthrough_slot *s)
{
	wr32(s->pa + VIRTIO_MMIO_STATUS, 0);
	gic_spi_deactivate(s->pintid);
}
