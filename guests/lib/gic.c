/*
 * A minimal GIC driver for native guests: the virtual GIC numbat gives
 * every VM, at the default layout of docs/SYSTEM-DESCRIPTION.md. GICv3
 * uses the system-register CPU interface, GICv2 the memory-mapped one;
 * the version is read from the distributor's PIDR2.
 */
#include "numbat.h"

#define GICD             0x08000000ul
#define GICR             0x080a0000ul   /* vCPU n's frames at + n * 0x20000 */
#define GICC             0x08010000ul

#define GICD_CTLR        0x000
#define GICD_ISENABLER   0x100
#define GICD_ICENABLER   0x180
#define GICD_ISPENDR     0x200
#define GICD_IPRIORITYR  0x400
#define GICD_ICFGR       0xc00
#define GICD_ITARGETSR   0x800
#define GICD_ICFGR       0xc00          /* 2 bits per INTID; bit 1: edge */
#define GICD_PIDR2_V3    0xffe8
#define GICD_PIDR2_V2    0xfe8
#define GICR_WAKER       0x14
#define GICR_SGI         0x10000

#define GICC_CTLR        0x00
#define GICC_PMR         0x04
#define GICC_IAR         0x0c
#define GICC_EOIR        0x10

static unsigned version;

unsigned gic_version(void)
{
	/* A GICv2 distributor is 4 KiB: probe its PIDR2 first (RAZ on v3). */
	if (!version)
		version = ((readl(GICD + GICD_PIDR2_V2) >> 4) & 0xf) == 2 ? 2 : 3;
	return version;
}

/* Per-vCPU part: wake the redistributor, open the CPU interface. */
void gic_init_cpu(void)
{
	if (gic_version() == 3) {
		uintptr_t rd = GICR + this_vcpu() * 0x20000ul;

		writel(rd + GICR_WAKER, 0);
		while (readl(rd + GICR_WAKER) & 4)
			;
		sysreg_write(s3_0_c12_c12_5, 0x7);   /* ICC_SRE_EL1: SRE */
		isb();
		sysreg_write(s3_0_c4_c6_0, 0xff);    /* ICC_PMR_EL1 */
		sysreg_write(s3_0_c12_c12_7, 1);     /* ICC_IGRPEN1_EL1 */
		isb();
	} else {
		writel(GICC + GICC_PMR, 0xff);
		writel(GICC + GICC_CTLR, 1);
	}
}

void gic_init(void)
{
	writel(GICD + GICD_CTLR, gic_version() == 3 ? 0x12 : 1); /* ARE + G1 / enable */
	gic_init_cpu();
}

/* Enables `intid` at `priority`, routed to the calling vCPU. */
void gic_enable(unsigned intid, uint8_t priority)
{
	uintptr_t bank = GICD;

	if (gic_version() == 3 && intid < 32)
		bank = GICR + this_vcpu() * 0x20000ul + GICR_SGI;
	writeb(bank + GICD_IPRIORITYR + intid, priority);
	if (gic_version() == 2 && intid >= 32)
		writeb(GICD + GICD_ITARGETSR + intid, (uint8_t)(1u << this_vcpu()));
	else if (intid >= 32)
		writeq(GICD + 0x6000 + 8 * intid, this_vcpu());  /* GICD_IROUTER */
	writel(bank + GICD_ISENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

/*
 * Makes SPI `intid` edge-triggered (`edge`) or level-sensitive in
 * GICD_ICFGR (GICv3 spec 12.9.9; the SPI should be disabled meanwhile).
 */
void gic_set_edge(unsigned intid, bool edge)
{
	uintptr_t reg = GICD + GICD_ICFGR + (intid / 16) * 4;
	uint32_t bit = 2u << (2 * (intid % 16));
	uint32_t v = readl(reg);

	writel(reg, edge ? v | bit : v & ~bit);
}

/* The distributor-layout bank holding `intid` for the calling vCPU. */
static uintptr_t bank_of(unsigned intid)
{
	if (gic_version() == 3 && intid < 32)
		return GICR + this_vcpu() * 0x20000ul + GICR_SGI;
	return GICD;
}

/*
 * Makes SPI `intid` edge-triggered (GICD_ICFGR<n>: two bits per INTID,
 * the upper one set for edge; GICv3 section 12.9.9). Devices that pulse
 * their line (virtio-mmio, vIRQs) need it: a level-sensitive SPI ignores
 * pulses. Before enabling it.
 */
void gic_disable(unsigned intid)
{
	writel(bank_of(intid) + GICD_ICENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

bool gic_pending(unsigned intid)
{
	return (readl(bank_of(intid) + GICD_ISPENDR + (intid / 32) * 4) >> (intid % 32)) & 1;
}

unsigned gic_ack(void)
{
	if (gic_version() == 3) {
		uint64_t v = sysreg_read(s3_0_c12_c12_0);    /* ICC_IAR1_EL1 */

		return (unsigned)(v & 0xffffff);
	}
	return readl(GICC + GICC_IAR) & 0x3ff;
}

void gic_eoi(unsigned intid)
{
	if (gic_version() == 3)
		sysreg_write(s3_0_c12_c12_1, intid);         /* ICC_EOIR1_EL1 */
	else
		writel(GICC + GICC_EOIR, intid);
}

/* SGI `intid` to vCPU `target` of this VM. */
void gic_send_sgi(unsigned target, unsigned intid)
{
	if (gic_version() == 3) {
		sysreg_write(s3_0_c12_c11_5, ((uint64_t)intid << 24) | (1u << target));
		isb();
	} else {
		writel(GICD + 0xf00, ((1u << target) << 16) | intid);
	}
}
