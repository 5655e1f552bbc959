/*
 * GICv3 physical driver (Arm IHI 0069): distributor with affinity routing,
 * one redistributor per pCPU found by its affinity, and the system
 * register CPU interface. Every interrupt numbat uses is Group 1.
 */
#include "arch/aarch64/gic.h"

#include <stddef.h>

#include "arch/aarch64/sysreg.h"
#include "core/bootinfo.h"

#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IGROUPR     0x0080
#define GICD_ICENABLER   0x0180
#define GICD_CTLR_RWP    BIT(31)
#define GICD_CTLR_ARE    BIT(4)
#define GICD_CTLR_GRP1   BIT(1)

#define GICR_FRAME       0x20000  /* RD + SGI frames */
#define GICR_WAKER       0x0014
#define GICR_TYPER       0x0008
#define GICR_TYPER_VLPIS BIT(1)
#define GICR_TYPER_LAST  BIT(4)
#define GICR_WAKER_SLEEP BIT(1)
#define GICR_WAKER_ASLEEP BIT(2)
#define GICR_SGI         0x10000
#define GICR_IGROUPR0    0x0080
#define GICR_ISENABLER0  0x0100
#define GICR_ICENABLER0  0x0180
#define GICR_IPRIORITYR  0x0400

#define ICC_SRE_SRE      BIT(0)
#define ICC_SRE_DFB      BIT(1)
#define ICC_SRE_DIB      BIT(2)
#define ICC_SRE_ENABLE   BIT(3)

#define PRIO_NUMBAT      0x80

#define POLL_LIMIT       1000000

static uintptr_t gicd, gicr, gicr_end;

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline uint64_t rd64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

static bool poll_clear(uintptr_t reg, uint32_t mask)
{
	for (unsigned i = 0; i < POLL_LIMIT; i++)
		if (!(rd32(reg) & mask))
			return true;
	return false;
}

const char *gic_init(const struct bootinfo *bi)
{
	unsigned lines;

	if (bi->gic_version != 3)
		return bi->gic_version ? "GICv2 is not supported yet" : "no GIC in the device tree";
	gicd = bi->gicd_base;
	gicr = bi->gicr_base;
	gicr_end = bi->gicr_base + bi->gicr_size;
	wr32(gicd + GICD_CTLR, 0);
	if (!poll_clear(gicd + GICD_CTLR, GICD_CTLR_RWP))
		return "GIC distributor does not respond";
	/* Every SPI disabled and Group 1 until someone needs it. */
	lines = 32 * ((rd32(gicd + GICD_TYPER) & 0x1f) + 1);
	for (unsigned i = 32; i < lines; i += 32) {
		wr32(gicd + GICD_ICENABLER + i / 8, 0xffffffff);
		wr32(gicd + GICD_IGROUPR + i / 8, 0xffffffff);
	}
	wr32(gicd + GICD_CTLR, GICD_CTLR_ARE);
	poll_clear(gicd + GICD_CTLR, GICD_CTLR_RWP);
	wr32(gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
	if (!poll_clear(gicd + GICD_CTLR, GICD_CTLR_RWP))
		return "GIC distributor does not respond";
	return NULL;
}

/* The redistributor whose affinity is `mpidr`, within the DT's region. */
static uintptr_t find_redist(uint64_t mpidr)
{
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	for (uintptr_t r = gicr; r + GICR_FRAME <= gicr_end;) {
		uint64_t typer = rd64(r + GICR_TYPER);

		if ((uint32_t)(typer >> 32) == aff)
			return r;
		if (typer & GICR_TYPER_LAST)
			break;
		r += (typer & GICR_TYPER_VLPIS) ? 2 * GICR_FRAME : GICR_FRAME;
	}
	return 0;
}

const char *gic_init_cpu(uint64_t mpidr, unsigned timer_intid)
{
	uintptr_t rd = find_redist(mpidr), sgi;

	if (!rd)
		return "no GIC redistributor for this CPU";
	wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	if (!poll_clear(rd + GICR_WAKER, GICR_WAKER_ASLEEP))
		return "GIC redistributor does not wake up";
	sgi = rd + GICR_SGI;
	wr32(sgi + GICR_ICENABLER0, 0xffffffff);
	wr32(sgi + GICR_IGROUPR0, 0xffffffff);
	wr8(sgi + GICR_IPRIORITYR + SGI_KICK, PRIO_NUMBAT);
	wr8(sgi + GICR_IPRIORITYR + SGI_PANIC, PRIO_NUMBAT - 0x10);
	wr8(sgi + GICR_IPRIORITYR + timer_intid, PRIO_NUMBAT);
	wr32(sgi + GICR_ISENABLER0, BIT(SGI_KICK) | BIT(SGI_PANIC) | BIT(timer_intid));

	write_icc_sre_el2(ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE);
	isb();
	write_icc_pmr_el1(0xff);
	write_icc_bpr1_el1(0);
	write_icc_ctlr_el1(0);       /* EOImode 0: EOI also deactivates */
	write_icc_igrpen1_el1(1);
	isb();
	return NULL;
}

void gic_send_sgi(uint64_t target, unsigned sgi)
{
	uint64_t v = FIELD((target >> 32) & 0xff, 48) | FIELD((target >> 16) & 0xff, 32) |
		     FIELD(sgi & 0xf, 24) | FIELD((target >> 8) & 0xff, 16) |
		     BIT(target & 0xf);

	/* Aff0 above 15 needs the range selector (RS, bits 47:44). */
	v |= FIELD((target & 0xff) >> 4, 44);
	dsb_ishst();
	write_icc_sgi1r_el1(v);
	isb();
}

unsigned gic_ack(void)
{
	return (unsigned)read_icc_iar1_el1() & 0xffffff;
}

void gic_eoi(unsigned intid)
{
	write_icc_eoir1_el1(intid);
	isb();
}
