/*
 * GICv2 virtualization extensions (IHI 0048B, chapter 5): list registers
 * and control in the memory-mapped GICH frame (each pCPU sees its own),
 * the guest's CPU interface being the GICV frame mapped into its stage 2.
 */
#include "arch/aarch64/sysreg.h"
#include "core/vgic.h"

#define GICH_HCR         0x000
#define GICH_VTR         0x004
#define GICH_VMCR        0x008
#define GICH_EISR0       0x020
#define GICH_ELRSR0      0x030
#define GICH_APR         0x0f0
#define GICH_LR0         0x100
#define GICH_HCR_EN      BIT(0)
#define GICH_HCR_UIE     BIT(1)

#define LR_VID_MASK      0x3ffu
#define LR_PID_SHIFT     10
#define LR_CPUID_SHIFT   10
#define LR_EOI           BIT(19)
#define LR_PRIO_SHIFT    23
#define LR_PENDING       BIT(28)
#define LR_ACTIVE        BIT(29)
#define LR_HW            BIT(31)

static uintptr_t gich;

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

static uint32_t encode(const struct vgic_lr *lr)
{
	uint32_t v;

	if (lr->intid == VGIC_LR_FREE || (!lr->pending && !lr->active))
		return 0;
	/* Five priority bits (IHI 0048B 5.3.8); Group 0, as the guest uses. */
	v = (lr->intid & LR_VID_MASK) | ((uint32_t)(lr->priority >> 3) << LR_PRIO_SHIFT);
	if (lr->pending)
		v |= LR_PENDING;
	if (lr->active)
		v |= LR_ACTIVE;
	if (lr->hw)
		v |= LR_HW | ((uint32_t)(lr->pintid & 0x3ff) << LR_PID_SHIFT);
	else if (lr->intid < 16)
		v |= (uint32_t)(lr->source & 7) << LR_CPUID_SHIFT;
	if (!lr->hw && lr->eoi_maint)
		v |= LR_EOI;
	return v;
}

static void v2_read_lr(unsigned i, struct vgic_lr *lr)
{
	uint32_t v = rd32(gich + GICH_LR0 + 4 * i);

	lr->intid = (uint16_t)(v & LR_VID_MASK);
	lr->priority = (uint8_t)(((v >> LR_PRIO_SHIFT) & 0x1f) << 3);
	lr->pending = (v & LR_PENDING) != 0;
	lr->active = (v & LR_ACTIVE) != 0;
	lr->hw = (v & LR_HW) != 0;
	lr->pintid = lr->hw ? (uint16_t)((v >> LR_PID_SHIFT) & 0x3ff) : 0;
	lr->source = lr->hw ? 0 : (uint8_t)((v >> LR_CPUID_SHIFT) & 7);
	lr->eoi_maint = !lr->hw && (v & LR_EOI);
}

static void v2_write_lr(unsigned i, const struct vgic_lr *lr)
{
	wr32(gich + GICH_LR0 + 4 * i, encode(lr));
}

static void v2_write_lr_hw(unsigned i, unsigned intid, uint8_t priority)
{
	wr32(gich + GICH_LR0 + 4 * i, (intid & LR_VID_MASK) | ((intid & 0x3ff) << LR_PID_SHIFT) |
				      LR_HW | LR_PENDING |
				      ((uint32_t)(priority >> 3) << LR_PRIO_SHIFT));
}

static void v2_set_underflow(bool on)
{
	uint32_t hcr = rd32(gich + GICH_HCR);

	wr32(gich + GICH_HCR, on ? hcr | GICH_HCR_UIE : hcr & ~(uint32_t)GICH_HCR_UIE);
}

static void v2_ack_maintenance(void)
{
	uint32_t eisr = rd32(gich + GICH_EISR0);

	v2_set_underflow(false);
	for (unsigned i = 0; i < vgic_hw->nr_lr; i++)
		if ((eisr >> i) & 1)
			wr32(gich + GICH_LR0 + 4 * i, 0);
}

static uint32_t v2_empty_lrs(void)
{
	return rd32(gich + GICH_ELRSR0) & ((1u << vgic_hw->nr_lr) - 1);
}

static void v2_reset_cpu(struct vgic_cpu *c)
{
	c->hcr = GICH_HCR_EN;
	c->vmcr = 0;
	c->apr[0] = 0;
}

/*
 * As on GICv3 (vgic_hw_v3.c): only the list registers the model uses or
 * the hardware does not report empty (GICH_ELRSR0) are saved, emptied and
 * put back.
 */
/* At boot the list registers and active priorities are UNKNOWN. */
static void v2_clear_cpu(void)
{
	/* Every implemented one, also those beyond the VGIC_MAX_LR numbat uses. */
	unsigned n = (rd32(gich + GICH_VTR) & 0x3f) + 1;

	wr32(gich + GICH_HCR, 0);
	for (unsigned i = 0; i < n; i++)
		wr32(gich + GICH_LR0 + 4 * i, 0);
	wr32(gich + GICH_APR, 0);
}

static void v2_save(struct vgic_cpu *c)
{
	uint32_t live;

	c->hcr = rd32(gich + GICH_HCR);
	wr32(gich + GICH_HCR, 0);
	live = (c->lr_used | ~v2_empty_lrs()) & ((1u << vgic_hw->nr_lr) - 1);
	c->lr_live = live; /* restore reads lr_saved[] of these (and lr_used) only */
	for (; live; live &= live - 1) {
		unsigned i = (unsigned)__builtin_ctz(live);

		c->lr_saved[i] = rd32(gich + GICH_LR0 + 4 * i);
		wr32(gich + GICH_LR0 + 4 * i, 0);
	}
	c->vmcr = rd32(gich + GICH_VMCR);
	c->apr[0] = rd32(gich + GICH_APR);
}

static void v2_restore(const struct vgic_cpu *c)
{
	for (uint32_t live = c->lr_live | c->lr_used; live; live &= live - 1) {
		unsigned i = (unsigned)__builtin_ctz(live);

		wr32(gich + GICH_LR0 + 4 * i, (uint32_t)c->lr_saved[i]);
	}
	wr32(gich + GICH_VMCR, (uint32_t)c->vmcr);
	wr32(gich + GICH_APR, (uint32_t)c->apr[0]);
	wr32(gich + GICH_HCR, (uint32_t)c->hcr);
}

static void v2_switch(struct vgic_cpu *prev, const struct vgic_cpu *next)
{
	v2_save(prev);
	v2_restore(next);
}

static struct vgic_hw v2 = {
	.version = 2,
	.sgi_sources = true,
	.read_lr = v2_read_lr,
	.write_lr = v2_write_lr,
	.write_lr_hw = v2_write_lr_hw,
	.set_underflow = v2_set_underflow,
	.empty_lrs = v2_empty_lrs,
	.ack_maintenance = v2_ack_maintenance,
	.reset_cpu = v2_reset_cpu,
	.save = v2_save,
	.clear_cpu = v2_clear_cpu,
	.restore = v2_restore,
	.switch_cpu = v2_switch,
};

const struct vgic_hw *vgic_hw_v2_probe(uint64_t gich_pa, uint64_t gicv_pa)
{
	gich = gich_pa;
	vgic_v2_gicv_pa = gicv_pa;
	v2.nr_lr = (rd32(gich + GICH_VTR) & 0x3f) + 1;
	if (v2.nr_lr > VGIC_MAX_LR)
		v2.nr_lr = VGIC_MAX_LR;
	return &v2;
}
