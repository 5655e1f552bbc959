/*
 * The register interface a VM's virtual GIC presents: the GICv3
 * distributor (affinity routing only) and redistributors (IHI 0069,
 * chapters 12-13), or the GICv2 distributor (IHI 0048, chapter 4). The
 * CPU interface is not emulated: it is the hardware's virtual interface
 * (system registers for v3, the GICV frame mapped into the VM for v2).
 * Registers with one bit, two bits or a byte per interrupt are shared by
 * all three register maps.
 */
#include "core/pcpu.h"
#include "core/vgic.h"
#include "core/vm.h"

#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IIDR        0x0008
#define GICD_BITS_START  0x0080   /* IGROUPR .. ICACTIVER */
#define GICD_BITS_END    0x0400
#define GICD_IPRIORITYR  0x0400
#define GICD_ITARGETSR   0x0800
#define GICD_ICFGR       0x0c00
#define GICD_ICFGR_END   0x0d00
#define GICD_SGIR        0x0f00
#define GICD_CPENDSGIR   0x0f10
#define GICD_SPENDSGIR   0x0f20
#define GICD_IROUTER     0x6000
#define GICD_PIDR2_V3    0xffe8
#define GICD_PIDR2_V2    0x0fe8

#define GICR_FRAMES      0x20000  /* RD_base + SGI_base per vCPU */
#define GICR_SGI_BASE    0x10000
#define GICR_CTLR        0x0000
#define GICR_TYPER       0x0008
#define GICR_WAKER       0x0014
#define GICR_PIDR2       0xffe8
#define GICR_TYPER_LAST  (1ull << 4)
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_ASLEEP (1u << 2)

#define CTLR_ENABLE_G0   (1u << 0)
#define CTLR_ENABLE_G1   (1u << 1)
#define CTLR_ARE         (1u << 4)
#define CTLR_DS          (1u << 6)

#define NR_IRQS          (VGIC_NR_PRIVATE + CONFIG_MAX_SPIS)

/* Marks the owners of everything this access touched and kicks them. */
static void kick_dirty(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		if (vm->vcpus[i].vgic.dirty)
			vgic_kick(&vm->vcpus[i]);
}

static void touched(struct vm *vm, struct vcpu *vcpu, unsigned intid,
		    const struct vgic_irq *irq)
{
	if (intid < VGIC_NR_PRIVATE) {
		vcpu->vgic.dirty = true;
		vgic_mark(&vcpu->vgic, intid);
	} else if (irq->target < vm->cfg->vcpu_count) {
		vm->vcpus[irq->target].vgic.dirty = true;
		vgic_mark(&vm->vcpus[irq->target].vgic, intid);
	}
	if (irq->in_lr && irq->lr_vcpu < vm->cfg->vcpu_count)
		vm->vcpus[irq->lr_vcpu].vgic.dirty = true;
}

/*
 * GICD_CTLR's group enable: a change can deliver or withdraw SPIs on any
 * vCPU, so every vCPU looks (kick_dirty); rewriting the same value is not
 * news and interrupts nobody.
 */
static void ctlr_enable(struct vm *vm, bool on)
{
	if (vm->vgic.enabled == on)
		return;
	vm->vgic.enabled = on;
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		vm->vcpus[i].vgic.dirty = true;
}

/*
 * The copy of the enabled (or edge) flags of interrupts first..first+31,
 * `first` a multiple of 32 below NR_IRQS: banked for SGIs and PPIs.
 */
static uint32_t *flag_word(struct vm *vm, struct vcpu *vcpu, unsigned first, bool edge)
{
	if (first < VGIC_NR_PRIVATE)
		return edge ? &vcpu->vgic.edge_bits : &vcpu->vgic.enabled_bits;
	first = (first - VGIC_NR_PRIVATE) / 32;
	return edge ? &vm->vgic.edge_bits[first] : &vm->vgic.enabled_bits[first];
}

/* The interrupts first.. of a word that exist, a bit each. */
static uint32_t existing(unsigned first)
{
	return NR_IRQS - first >= 32 ? 0xffffffffu : (1u << (NR_IRQS - first)) - 1;
}

/*
 * IGROUPR, IS/ICENABLER, IS/ICPENDR, IS/ICACTIVER: 32 interrupts a word
 * (`first` a multiple of 32). Group and enable come from bitmaps; pending
 * and active state is put together per interrupt.
 */
static __attribute__((noinline)) uint32_t bits_read(struct vm *vm, struct vcpu *vcpu,
						     unsigned family, unsigned first)
{
	const struct vgic_irq *irq;
	uint32_t v = 0;
	unsigned n;

	if (first >= NR_IRQS)
		return 0;
	if (family == 0x080)
		return existing(first);                         /* all group 1 */
	if (family == 0x100 || family == 0x180)
		return *flag_word(vm, vcpu, first, false);
	irq = first < VGIC_NR_PRIVATE ? vcpu->vgic.priv : &vm->vgic.spi[first - VGIC_NR_PRIVATE];
	n = NR_IRQS - first < 32 ? NR_IRQS - first : 32;
	if (family >= 0x300) {                                  /* IS/ICACTIVER */
		for (unsigned b = 0; b < n; b++)
			v |= (uint32_t)irq[b].active << b;
		return v;
	}
	for (unsigned b = 0; b < n; b++)                        /* IS/ICPENDR */
		if (vgic_irq_pending(&irq[b]) ||
		    (irq[b].in_lr && irq[b].lr_pending && !irq[b].clear_req))
			v |= 1u << b;
	/* The forwarded vtimer: pending no longer once its output dropped. */
	if (first == 0 && ((v >> VGIC_PPI_VTIMER) & 1) &&
	    !vgic_vtimer_high(vcpu, &irq[VGIC_PPI_VTIMER]))
		v &= ~(1u << VGIC_PPI_VTIMER);
	return v;
}

static void bits_write(struct vm *vm, struct vcpu *vcpu, unsigned family,
		       unsigned first, uint32_t v)
{
	if (first >= NR_IRQS)
		return;
	v &= existing(first);
	if (family == 0x100)
		*flag_word(vm, vcpu, first, false) |= v;
	else if (family == 0x180)
		*flag_word(vm, vcpu, first, false) &= ~v;
	for (unsigned b = 0; b < 32; b++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vcpu, first + b);

		if (!irq || !((v >> b) & 1))
			continue;
		switch (family) {
		case 0x100: irq->enabled = true; break;
		case 0x180: irq->enabled = false; break;
		case 0x200: /* GICv2 SGIs: only through SPENDSGIR (IHI 0048 4.3.7) */
			if (first + b >= 16 || !vgic_hw->sgi_sources)
				irq->latch = true;
			break;
		case 0x280:
			irq->latch = false;
			irq->sgi_src = 0;
			irq->clear_req = irq->in_lr; /* its list register too */
			break;
		case 0x300: irq->active = true; break;
		case 0x380: irq->active = false; break;
		default: continue; /* IGROUPR: group 1 only */
		}
		touched(vm, vcpu, first + b, irq);
	}
}

/* IPRIORITYR (byte per interrupt) and ICFGR (two bits per interrupt). */
static uint64_t prio_read(struct vm *vm, struct vcpu *vcpu, unsigned first, unsigned size)
{
	uint64_t v = 0;

	/* Within one word of existing interrupts: straight from the array. */
	if ((first & 3) + size <= 4 && first + size <= NR_IRQS) {
		const struct vgic_irq *irq = first < VGIC_NR_PRIVATE ? &vcpu->vgic.priv[first]
					    : &vm->vgic.spi[first - VGIC_NR_PRIVATE];

		for (unsigned i = 0; i < size; i++)
			v |= (uint64_t)irq[i].priority << (8 * i);
		return v;
	}

	for (unsigned i = 0; i < size; i++) {
		const struct vgic_irq *irq = vgic_get_irq(vm, vcpu, first + i);

		if (irq)
			v |= (uint64_t)irq->priority << (8 * i);
	}
	return v;
}

static void prio_write(struct vm *vm, struct vcpu *vcpu, unsigned first, unsigned size,
		       uint64_t v)
{
	for (unsigned i = 0; i < size; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vcpu, first + i);

		if (irq) {
			irq->priority = (uint8_t)(v >> (8 * i));
			touched(vm, vcpu, first + i, irq);
		}
	}
}

/* ICFGR: bit 2i+1 of the word is interrupt first+i's edge flag. */
static inline uint32_t cfg_read(struct vm *vm, struct vcpu *vcpu, unsigned first)
{
	uint32_t x;

	if (first >= NR_IRQS)
		return 0;
	x = (*flag_word(vm, vcpu, first & ~31u, true) >> (first & 16)) & 0xffff;
	x = (x | (x << 8)) & 0x00ff00ffu;   /* bit i to bit 2i */
	x = (x | (x << 4)) & 0x0f0f0f0fu;
	x = (x | (x << 2)) & 0x33333333u;
	x = (x | (x << 1)) & 0x55555555u;
	return x << 1;
}

static void cfg_write(struct vm *vm, struct vcpu *vcpu, unsigned first, uint32_t v)
{
	for (unsigned i = 0; i < 16; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vcpu, first + i);

		if (irq && first + i >= 16) { /* SGIs are always edge */
			uint32_t *w = flag_word(vm, vcpu, (first + i) & ~31u, true);
			uint32_t bit = 1u << ((first + i) % 32);

			irq->edge = (v >> (2 * i + 1)) & 1;
			*w = irq->edge ? *w | bit : *w & ~bit;
			touched(vm, vcpu, first + i, irq); /* a high level line pends */
		}
	}
}

/*
 * The registers of the one-bit/byte/two-bit families at `off` for
 * interrupts from `base` up (0 for a GICv2 distributor or a redistributor
 * frame, 32 for a GICv3 distributor whose private word is RAZ/WI).
 * Returns false if `off` is not in one of the families.
 */
static bool banks_access(struct vm *vm, struct vcpu *vcpu, uint64_t off, unsigned size,
			 uint64_t *val, bool write, unsigned lowest)
{
	unsigned first;

	if (off >= GICD_BITS_START && off < GICD_BITS_END) {
		first = (unsigned)((off & 0x7f) / 4) * 32;
		if (first < lowest || size != 4)
			return true; /* RAZ/WI */
		if (write)
			bits_write(vm, vcpu, (unsigned)(off & ~0x7full), first, (uint32_t)*val);
		else
			*val = bits_read(vm, vcpu, (unsigned)(off & ~0x7full), first);
		return true;
	}
	if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + NR_IRQS) {
		first = (unsigned)(off - GICD_IPRIORITYR);
		if (first < lowest || size > 4)
			return true;
		if (write)
			prio_write(vm, vcpu, first, size, *val);
		else
			*val = prio_read(vm, vcpu, first, size);
		return true;
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR_END) {
		first = (unsigned)((off - GICD_ICFGR) / 4) * 16;
		if (first < lowest || size != 4)
			return true;
		if (write)
			cfg_write(vm, vcpu, first, (uint32_t)*val);
		else
			*val = cfg_read(vm, vcpu, first);
		return true;
	}
	return false;
}

/*
 * banks_access for a read, inline on the distributor's read path: enable
 * bits and priorities straight from the model, the rest through the
 * shared helpers. Returns the value (0: RAZ).
 */
static inline uint64_t banks_read(struct vm *vm, struct vcpu *vcpu, uint64_t off,
				  unsigned size, unsigned lowest)
{
	unsigned first;

	if (off < GICD_BITS_END) {
		unsigned family = (unsigned)(off & ~0x7full);

		first = (unsigned)((off & 0x7f) / 4) * 32;
		if (first < lowest || size != 4 || first >= NR_IRQS)
			return 0;
		if (family == 0x100 || family == 0x180)
			return *flag_word(vm, vcpu, first, false);
		return bits_read(vm, vcpu, family, first);
	}
	if (off < GICD_IPRIORITYR + NR_IRQS) {
		first = (unsigned)(off - GICD_IPRIORITYR);
		if (first < lowest || size > 4)
			return 0;
		if (size == 4 && !(first & 3) && first + 4 <= NR_IRQS) {  /* a whole word */
			const struct vgic_irq *irq = first < VGIC_NR_PRIVATE ?
				&vcpu->vgic.priv[first] : &vm->vgic.spi[first - VGIC_NR_PRIVATE];

			return irq[0].priority | (uint32_t)irq[1].priority << 8 |
			       (uint32_t)irq[2].priority << 16 | (uint32_t)irq[3].priority << 24;
		}
		return prio_read(vm, vcpu, first, size);
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR_END) {
		first = (unsigned)((off - GICD_ICFGR) / 4) * 16;
		return first < lowest || size != 4 ? 0 : cfg_read(vm, vcpu, first);
	}
	return 0;
}

/* Runs one emulated access under the distributor lock, then kicks. */
typedef void (*reg_fn)(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val,
		       bool write);

static void locked(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val,
		   bool write, reg_fn fn)
{
	struct vm *vm = dev->vm;

	spin_lock(&vm->vgic.lock);
	fn(dev, off, size, val, write);
	spin_unlock(&vm->vgic.lock);
	if (write)
		kick_dirty(vm);
}

static uint32_t typer_common(const struct vm *vm)
{
	unsigned cpus = vm->cfg->vcpu_count > 8 ? 8 : vm->cfg->vcpu_count;

	return (NR_IRQS / 32 - 1) | ((cpus - 1) << 5);
}

/* ---- GICv3 distributor ---- */

static void dist_v3(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val, bool write)
{
	struct vm *vm = dev->vm;
	struct vcpu *self = pcpu_this()->current;

	if (off < GICD_BITS_START) {            /* CTLR, TYPER, IIDR, ... */
		if (off == GICD_CTLR && write) {
			ctlr_enable(vm, (*val & CTLR_ENABLE_G1) != 0);
		} else if (off == GICD_CTLR) {
			*val = CTLR_ARE | CTLR_DS | (vm->vgic.enabled ? CTLR_ENABLE_G1 : 0);
		} else if (off == GICD_TYPER && !write) {
			*val = vm->vgic.typer;
		}
		return;                         /* the rest (IIDR...): RAZ/WI */
	}
	if (off < GICD_IROUTER) {
		banks_access(vm, self, off, size, val, write, VGIC_NR_PRIVATE);
		return;
	}
	if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIVATE && off < GICD_IROUTER + 8 * NR_IRQS) {
		struct vgic_irq *irq = vgic_get_irq(vm, self, (unsigned)(off - GICD_IROUTER) / 8);

		if ((off & 7) == 0 && write) {
			/* vCPU n has affinity 0.0.0.n; 1-of-N and strays go to vCPU 0. */
			unsigned t = (unsigned)(*val & 0xff);
			bool other = (*val & (1ull << 31)) || (*val & 0xff00ffff00ull) ||
				     t >= vm->cfg->vcpu_count;

			irq->target = other ? 0 : (uint8_t)t;
			touched(vm, self, (unsigned)(off - GICD_IROUTER) / 8, irq);
		} else if ((off & 7) == 0) {
			*val = irq->target;
		}
	} else if (off == GICD_PIDR2_V3 && !write) {
		*val = 0x3b;                    /* ArchRev 3 */
	}
	/* Everything else: RAZ/WI. */
}

/* ---- GICv3 redistributors: one RD + SGI frame pair per vCPU ---- */

static void redist_v3(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val, bool write)
{
	struct vm *vm = dev->vm;
	unsigned idx = (unsigned)(off / GICR_FRAMES);
	struct vcpu *v;
	uint64_t typer;

	if (idx >= vm->cfg->vcpu_count)
		return;
	v = &vm->vcpus[idx];
	off %= GICR_FRAMES;
	if (off >= GICR_SGI_BASE) {
		banks_access(vm, v, off - GICR_SGI_BASE, size, val, write, 0);
		return;
	}
	typer = ((uint64_t)idx << 32) | ((uint64_t)idx << 8) |
		(idx + 1 == vm->cfg->vcpu_count ? GICR_TYPER_LAST : 0);
	if (write) {
		if (off == GICR_WAKER)
			v->vgic.sleeping = (*val & GICR_WAKER_SLEEP) != 0;
		return;
	}
	if (off == GICR_TYPER)
		*val = size == 8 ? typer : (uint32_t)typer;
	else if (off == GICR_TYPER + 4)
		*val = typer >> 32;
	else if (off == GICR_WAKER)
		*val = v->vgic.sleeping ? GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP : 0;
	else if (off == GICR_PIDR2)
		*val = 0x3b;
}

/* ---- GICv2 distributor: private words banked per accessing vCPU ---- */

static void sgir_v2(struct vcpu *self, uint32_t v)
{
	unsigned filter = (v >> 24) & 3;

	if (filter == 2)
		vgic_raise_sgi(self, v & 15, self->index);
	else if (filter < 2)
		vgic_send_sgi(self, v & 15, (v >> 16) & 0xff, filter == 1);
}

/*
 * GICD_ITARGETSR (IHI 0048B 4.3.12), a byte per interrupt: SGIs and PPIs
 * read as the accessing vCPU's own bit and ignore writes; an SPI stores
 * its CPU mask, without the bits of vCPUs the VM does not have, and is
 * delivered to one of them (vgic_v2_route).
 */
static void targets_v2(struct vm *vm, struct vcpu *self, uint64_t off, unsigned size,
		       uint64_t *val, bool write)
{
	unsigned first = (unsigned)(off - GICD_ITARGETSR);
	unsigned cpus = vm->cfg->vcpu_count > 8 ? 8 : vm->cfg->vcpu_count;
	uint8_t exists = (uint8_t)((1u << cpus) - 1);

	if (!write)
		*val = 0;
	for (unsigned i = 0; i < size; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, self, first + i);

		if (!irq)
			continue;
		if (first + i < VGIC_NR_PRIVATE && !write)
			*val |= (uint64_t)(1u << self->index) << (8 * i);
		else if (!write)
			*val |= (uint64_t)irq->targets << (8 * i);
		else if (first + i >= VGIC_NR_PRIVATE) {
			touched(vm, self, first + i, irq); /* the old target too */
			irq->targets = (uint8_t)(*val >> (8 * i)) & exists;
			/* Held in a list register of a vCPU still listed: stays. */
			if (!irq->in_lr || irq->target >= 8 ||
			    !((irq->targets >> irq->target) & 1))
				vgic_v2_route(vm, irq);
			touched(vm, self, first + i, irq);
		}
	}
}

/*
 * The sources an SGI of `self` (the vCPU loaded on this pCPU, whose
 * access this is) is pending from: in the model, and in the list
 * registers that hold it, read live (the guest acknowledges without a
 * trap).
 */
static uint8_t sgi_pending_sources(const struct vcpu *self, unsigned sgi)
{
	const struct vgic_irq *irq = &self->vgic.priv[sgi];
	unsigned bits = irq->sgi_src;

	for (uint32_t used = self->vgic.lr_used; irq->in_lr && used; used &= used - 1) {
		unsigned l = (unsigned)__builtin_ctz(used);
		struct vgic_lr lr;

		if (self->vgic.lr_intid[l] != sgi)
			continue;
		vgic_hw->read_lr(l, &lr);
		if (lr.intid == sgi && lr.pending && !irq->clear_req)
			bits |= 1u << lr.source;
	}
	return (uint8_t)bits;
}

/*
 * GICD_CPENDSGIR<n>/GICD_SPENDSGIR<n> writes (IHI 0048B 4.3.14, 4.3.15):
 * byte `first + i` is SGI first + i of the writing vCPU, bit c of it the
 * SGI's pending state from source CPU c; a 1 clears or sets it (bits for
 * CPUs the VM does not have are ignored). A cleared SGI its list register
 * holds pending from that source is taken back there too.
 */
static void pend_sgis_v2(struct vm *vm, struct vcpu *self, unsigned first, unsigned size,
			 uint64_t val, bool set)
{
	uint16_t cpus = (uint16_t)((1u << vm->cfg->vcpu_count) - 1);

	for (unsigned i = 0; i < size && first + i < 16; i++) {
		struct vgic_irq *irq = &self->vgic.priv[first + i];
		uint16_t bits = (uint16_t)((val >> (8 * i)) & 0xff) & cpus;

		if (!bits)
			continue;
		if (set) {
			irq->sgi_src |= bits;
		} else {
			irq->sgi_src &= (uint16_t)~bits;
			for (unsigned l = 0; l < VGIC_MAX_LR; l++)
				if (irq->in_lr && self->vgic.lr_intid[l] == first + i &&
				    ((bits >> self->vgic.lr_source[l]) & 1))
					irq->clear_req = true;
		}
		touched(vm, self, first + i, irq);
	}
}

static void dist_v2(struct vdev *dev, uint64_t off, unsigned size, uint64_t *val, bool write)
{
	struct vm *vm = dev->vm;
	struct vcpu *self = pcpu_this()->current;

	if (banks_access(vm, self, off, size, val, write, 0))
		return;
	if (off == GICD_CTLR) {
		if (write)
			ctlr_enable(vm, (*val & CTLR_ENABLE_G0) != 0);
		else
			*val = vm->vgic.enabled ? CTLR_ENABLE_G0 : 0;
	} else if (off == GICD_TYPER && !write) {
		*val = vm->vgic.typer;
	} else if (off >= GICD_ITARGETSR && off < GICD_ITARGETSR + NR_IRQS && size <= 4) {
		targets_v2(vm, self, off, size, val, write);
	} else if (off == GICD_SGIR && write && size == 4) {
		spin_unlock(&vm->vgic.lock); /* raising takes the lock itself */
		sgir_v2(self, (uint32_t)*val);
		spin_lock(&vm->vgic.lock);
	} else if (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + 16 && !write) {
		unsigned first = (unsigned)(off & 15);

		*val = 0;
		for (unsigned i = 0; i < size && first + i < 16; i++)
			*val |= (uint64_t)sgi_pending_sources(self, first + i) << (8 * i);
	} else if (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + 16 && write) {
		pend_sgis_v2(vm, self, (unsigned)(off & 15), size, *val, off >= GICD_SPENDSGIR);
	} else if (off == GICD_PIDR2_V2 && !write) {
		*val = 0x2b; /* ArchRev 2 */
	}
}

/*
 * Reads change nothing, so they take no lock: a guest reading state that
 * another vCPU is changing gets the old or the new value of each field,
 * as on hardware.
 */
static struct vdev_read read_with(struct vdev *dev, uint64_t off, unsigned size, reg_fn fn)
{
	uint64_t v = 0;

	fn(dev, off, size, &v, false);
	return (struct vdev_read){ v, true };
}

/*
 * GICv3 distributor reads: the same decode as dist_v3, read side only, so
 * the common path has no write cases to carry. No lock (see read_with).
 */
static struct vdev_read dist_v3_read(struct vdev *d, uint64_t off, unsigned size)
{
	struct vm *vm = d->vm;
	struct vcpu *self = pcpu_this()->current;
	uint64_t v = 0;

	if (off < GICD_BITS_START) {
		if (off == GICD_CTLR)
			v = CTLR_ARE | CTLR_DS | (vm->vgic.enabled ? CTLR_ENABLE_G1 : 0);
		else if (off == GICD_TYPER)
			v = vm->vgic.typer;
	} else if (off < GICD_IROUTER) {
		v = banks_read(vm, self, off, size, VGIC_NR_PRIVATE);
	} else if (off >= GICD_IROUTER + 8 * VGIC_NR_PRIVATE && off < GICD_IROUTER + 8 * NR_IRQS) {
		if ((off & 7) == 0)
			v = vm->vgic.spi[(off - GICD_IROUTER) / 8 - VGIC_NR_PRIVATE].target;
	} else if (off == GICD_PIDR2_V3) {
		v = 0x3b;
	}
	return (struct vdev_read){ v, true };
}
static struct vdev_read redist_v3_read(struct vdev *d, uint64_t o, unsigned s) { return read_with(d, o, s, redist_v3); }
static struct vdev_read dist_v2_read(struct vdev *d, uint64_t o, unsigned s) { return read_with(d, o, s, dist_v2); }

static bool dist_v3_write(struct vdev *d, uint64_t o, unsigned s, uint64_t v)
{
	locked(d, o, s, &v, true, dist_v3);
	return true;
}

static bool redist_v3_write(struct vdev *d, uint64_t o, unsigned s, uint64_t v)
{
	locked(d, o, s, &v, true, redist_v3);
	return true;
}

static bool dist_v2_write(struct vdev *d, uint64_t o, unsigned s, uint64_t v)
{
	locked(d, o, s, &v, true, dist_v2);
	return true;
}

/* GICD_TYPER for a VM: its interrupt lines, and for v3 IDbits and No1N. */
uint32_t vgic_typer(const struct vm *vm, unsigned version)
{
	return typer_common(vm) | (version == 3 ? (9u << 19) /* IDbits: 10 */ |
						  (1u << 25) /* No1N */ : 0);
}

const struct vdev_ops vgic_dist_v3_ops = {
	.compatible = "arm,gic-v3 distributor",
	.read = dist_v3_read, .write = dist_v3_write,
};
const struct vdev_ops vgic_redist_v3_ops = {
	.compatible = "arm,gic-v3 redistributors",
	.read = redist_v3_read, .write = redist_v3_write,
};
const struct vdev_ops vgic_dist_v2_ops = {
	.compatible = "arm,cortex-a15-gic distributor",
	.read = dist_v2_read, .write = dist_v2_write,
};
