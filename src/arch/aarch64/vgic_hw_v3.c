/*
 * GICv3 CPU interface virtualization (IHI 0069, chapter 12): list
 * registers and the ICH_* control registers, accessed as system registers
 * on the pCPU that runs the vCPU.
 */
#include "arch/aarch64/sysreg.h"
#include "core/vgic.h"

#include <stddef.h>

#define ICH_HCR_EN        BIT(0)
#define ICH_HCR_UIE       BIT(1)

#define LR_VINTID_MASK    0xffffffffull
#define LR_PINTID_SHIFT   32
#define LR_EOI            BIT(41)
#define LR_PRIO_SHIFT     48
#define LR_GROUP1         BIT(60)
#define LR_HW             BIT(61)
#define LR_STATE_PENDING  BIT(62)
#define LR_STATE_ACTIVE   BIT(63)

/* ICH_LR<n>_EL2 needs the register number in the instruction. */
#define LR_CASE(n)                                                          \
	case n:                                                             \
		if (write)                                                  \
			__asm__ volatile("msr ich_lr" #n "_el2, %0" : : "r"(v)); \
		else                                                        \
			__asm__ volatile("mrs %0, ich_lr" #n "_el2" : "=r"(v)); \
		break;

static uint64_t lr_access(unsigned i, bool write, uint64_t v)
{
	switch (i) {
	LR_CASE(0) LR_CASE(1) LR_CASE(2) LR_CASE(3)
	LR_CASE(4) LR_CASE(5) LR_CASE(6) LR_CASE(7)
	LR_CASE(8) LR_CASE(9) LR_CASE(10) LR_CASE(11)
	LR_CASE(12) LR_CASE(13) LR_CASE(14) LR_CASE(15)
	}
	return v;
}

/*
 * ICH_AP0R<n>_EL2 and ICH_AP1R<n>_EL2 (IHI 0069 12.4.1, 12.4.2): register
 * `i` of group 0 for i < 4, of group 1 for 4 <= i < 8. With HCR_EL2.FMO and
 * IMO set the guest's ICC_AP0R<n>_EL1/ICC_AP1R<n>_EL1 accesses land in them
 * untrapped, so every implemented one is switched with the vCPU.
 */
#define APR_CASE(n, grp, m)                                                 \
	case n:                                                             \
		if (write)                                                  \
			__asm__ volatile("msr ich_ap" #grp "r" #m "_el2, %0" : : "r"(v)); \
		else                                                        \
			__asm__ volatile("mrs %0, ich_ap" #grp "r" #m "_el2" : "=r"(v)); \
		break;

static uint64_t apr_access(unsigned i, bool write, uint64_t v)
{
	switch (i) {
	APR_CASE(0, 0, 0) APR_CASE(1, 0, 1) APR_CASE(2, 0, 2) APR_CASE(3, 0, 3)
	APR_CASE(4, 1, 0) APR_CASE(5, 1, 1) APR_CASE(6, 1, 2) APR_CASE(7, 1, 3)
	}
	return v;
}

static inline uint64_t read_ich_hcr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, ich_hcr_el2" : "=r"(v));
	return v;
}

static inline void write_ich_hcr(uint64_t v)
{
	__asm__ volatile("msr ich_hcr_el2, %0" : : "r"(v));
}

static unsigned nr_apr;
static uint32_t lr_mask; /* the implemented list registers, one bit each */

static uint64_t vgic_v3_encode_lr(const struct vgic_lr *lr)
{
	uint64_t v;

	if (lr->intid == VGIC_LR_FREE || (!lr->pending && !lr->active))
		return 0;
	v = lr->intid | ((uint64_t)lr->priority << LR_PRIO_SHIFT) | LR_GROUP1;
	if (lr->pending)
		v |= LR_STATE_PENDING;
	if (lr->active)
		v |= LR_STATE_ACTIVE;
	if (lr->hw)
		v |= LR_HW | ((uint64_t)lr->pintid << LR_PINTID_SHIFT);
	else if (lr->eoi_maint)
		v |= LR_EOI;
	return v;
}

static void vgic_v3_decode_lr(uint64_t v, struct vgic_lr *lr)
{
	lr->intid = (uint16_t)(v & LR_VINTID_MASK);
	lr->priority = (uint8_t)(v >> LR_PRIO_SHIFT);
	lr->pending = (v & LR_STATE_PENDING) != 0;
	lr->active = (v & LR_STATE_ACTIVE) != 0;
	lr->hw = (v & LR_HW) != 0;
	lr->pintid = lr->hw ? (uint16_t)((v >> LR_PINTID_SHIFT) & 0x1fff) : 0;
	lr->eoi_maint = !lr->hw && (v & LR_EOI);
}

static void v3_read_lr(unsigned i, struct vgic_lr *lr)
{
	vgic_v3_decode_lr(lr_access(i, false, 0), lr);
}

static void v3_write_lr(unsigned i, const struct vgic_lr *lr)
{
	lr_access(i, true, vgic_v3_encode_lr(lr));
}

static void v3_write_lr_hw(unsigned i, unsigned intid, uint8_t priority)
{
	lr_access(i, true, intid | ((uint64_t)intid << LR_PINTID_SHIFT) | LR_HW | LR_GROUP1 |
			   LR_STATE_PENDING | ((uint64_t)priority << LR_PRIO_SHIFT));
}

static void v3_set_underflow(bool on)
{
	uint64_t hcr = read_ich_hcr();

	write_ich_hcr(on ? hcr | ICH_HCR_UIE : hcr & ~ICH_HCR_UIE);
}

static void v3_ack_maintenance(void)
{
	uint64_t eisr;

	v3_set_underflow(false);
	__asm__ volatile("mrs %0, ich_eisr_el2" : "=r"(eisr));
	/* Finished EOI-maintenance entries: empty them (the model resyncs). */
	for (unsigned i = 0; i < vgic_hw->nr_lr; i++)
		if ((eisr >> i) & 1)
			lr_access(i, true, 0);
}

static uint32_t v3_empty_lrs(void)
{
	uint64_t elrsr;

	__asm__ volatile("mrs %0, ich_elrsr_el2" : "=r"(elrsr));
	return (uint32_t)elrsr & lr_mask;
}

/* A CPU interface reset: no active priorities in either group (12.4.1). */
static void v3_reset_cpu(struct vgic_cpu *c)
{
	c->hcr = ICH_HCR_EN;
	c->vmcr = 0;
	for (unsigned i = 0; i < 4; i++)
		c->ap0r[i] = c->apr[i] = 0;
}

/*
 * The list registers that hold something: those the model placed an
 * interrupt in, and any the hardware does not report empty (ICH_ELRSR_EL2
 * is clear for a valid entry and for a finished one still asking for EOI
 * maintenance, 12.4.6). Only these are saved, emptied and put back: a
 * vCPU switch costs what the vCPUs use, not the number implemented.
 */
static uint32_t v3_live_lrs(const struct vgic_cpu *c)
{
	uint64_t elrsr;

	__asm__ volatile("mrs %0, ich_elrsr_el2" : "=r"(elrsr));
	return (c->lr_used | ~(uint32_t)elrsr) & lr_mask;
}

/* The list registers of `c` (then emptied) and ICH_VMCR_EL2. */
static inline __attribute__((always_inline)) void v3_save_lrs(struct vgic_cpu *c)
{
	uint32_t live;

	live = v3_live_lrs(c);
	c->lr_live = live; /* restore reads lr_saved[] of these (and lr_used) only */
	for (; live; live &= live - 1) {
		unsigned i = (unsigned)__builtin_ctz(live);

		c->lr_saved[i] = lr_access(i, false, 0);
		lr_access(i, true, 0); /* nothing of it may reach the next vCPU */
	}
	__asm__ volatile("mrs %0, ich_vmcr_el2" : "=r"(c->vmcr));
}

/* The active priorities (ICH_AP0Rn_EL2, ICH_AP1Rn_EL2) of `c`. */
static inline __attribute__((always_inline)) void v3_save_aprs(struct vgic_cpu *c)
{
	if (nr_apr == 1) { /* 5 bits of preemption: the common case */
		__asm__ volatile("mrs %0, ich_ap0r0_el2" : "=r"(c->ap0r[0]));
		__asm__ volatile("mrs %0, ich_ap1r0_el2" : "=r"(c->apr[0]));
		return;
	}
	for (unsigned i = 0; i < nr_apr; i++) {
		c->ap0r[i] = apr_access(i, false, 0);
		c->apr[i] = apr_access(4 + i, false, 0);
	}
}

static void v3_save(struct vgic_cpu *c)
{
	c->hcr = read_ich_hcr();
	write_ich_hcr(0); /* no maintenance interrupts while it is away */
	v3_save_lrs(c);
	v3_save_aprs(c);
}

/* Every list register is empty: save (or clear_cpu) left it so. */
static inline __attribute__((always_inline)) void v3_restore_lrs(const struct vgic_cpu *c)
{
	for (uint32_t live = c->lr_live | c->lr_used; live; live &= live - 1) {
		unsigned i = (unsigned)__builtin_ctz(live);

		lr_access(i, true, c->lr_saved[i]);
	}
	__asm__ volatile("msr ich_vmcr_el2, %0" : : "r"(c->vmcr));
}

static inline __attribute__((always_inline)) void v3_restore_aprs(const struct vgic_cpu *c)
{
	if (nr_apr == 1) {
		__asm__ volatile("msr ich_ap0r0_el2, %0" : : "r"(c->ap0r[0]));
		__asm__ volatile("msr ich_ap1r0_el2, %0" : : "r"(c->apr[0]));
		return;
	}
	for (unsigned i = 0; i < nr_apr; i++) {
		apr_access(i, true, c->ap0r[i]);
		apr_access(4 + i, true, c->apr[i]);
	}
}

static void v3_restore(const struct vgic_cpu *c)
{
	v3_restore_lrs(c);
	v3_restore_aprs(c);
	write_ich_hcr(c->hcr);
}

/*
 * v3_save(prev), v3_restore(next) in one call, without emptying
 * ICH_HCR_EL2 in between: next's value replaces prev's before numbat
 * unmasks interrupts (a maintenance interrupt prev's settings raise while
 * its list registers empty is a level that falls again, never taken).
 * The number of priority registers is tested once.
 */
static void v3_switch(struct vgic_cpu *prev, const struct vgic_cpu *next)
{
	prev->hcr = read_ich_hcr();
	v3_save_lrs(prev);
	v3_restore_lrs(next);
	if (nr_apr == 1) {
		__asm__ volatile("mrs %0, ich_ap0r0_el2" : "=r"(prev->ap0r[0]));
		__asm__ volatile("mrs %0, ich_ap1r0_el2" : "=r"(prev->apr[0]));
		__asm__ volatile("msr ich_ap0r0_el2, %0" : : "r"(next->ap0r[0]));
		__asm__ volatile("msr ich_ap1r0_el2, %0" : : "r"(next->apr[0]));
	} else {
		v3_save_aprs(prev);
		v3_restore_aprs(next);
	}
	write_ich_hcr(next->hcr);
}

/* At boot the list registers and active priorities are UNKNOWN (12.4). */
static void v3_clear_cpu(void)
{
	write_ich_hcr(0);
	for (unsigned i = 0; i < vgic_hw->nr_lr; i++)
		lr_access(i, true, 0);
	for (unsigned i = 0; i < nr_apr; i++) {
		apr_access(i, true, 0);
		apr_access(4 + i, true, 0);
	}
}

static struct vgic_hw v3 = {
	.version = 3,
	.read_lr = v3_read_lr,
	.write_lr = v3_write_lr,
	.write_lr_hw = v3_write_lr_hw,
	.set_underflow = v3_set_underflow,
	.empty_lrs = v3_empty_lrs,
	.ack_maintenance = v3_ack_maintenance,
	.reset_cpu = v3_reset_cpu,
	.save = v3_save,
	.restore = v3_restore,
	.switch_cpu = v3_switch,
	.clear_cpu = v3_clear_cpu,
};

/*
 * Reads ICH_VTR_EL2 on the boot pCPU: the list registers, and from PREbits
 * (bits 28:26, preemption bits minus one) how many active-priority
 * registers each group has: 1 for 5 bits, 2 for 6, 4 for 7 (12.4.1).
 */
static const struct vgic_hw *vgic_hw_v3_probe(void)
{
	uint64_t vtr;
	unsigned prebits;

	__asm__ volatile("mrs %0, ich_vtr_el2" : "=r"(vtr));
	v3.nr_lr = (unsigned)(vtr & 0x1f) + 1;
	if (v3.nr_lr > VGIC_MAX_LR)
		v3.nr_lr = VGIC_MAX_LR;
	lr_mask = (uint32_t)((1ull << v3.nr_lr) - 1);
	prebits = (unsigned)EXTRACT(vtr, 26, 3) + 1;
	nr_apr = prebits >= 7 ? 4 : prebits == 6 ? 2 : 1;
	return &v3;
}

const struct vgic_hw *vgic_hw_v3(void)
{
	return vgic_hw_v3_probe();
}
