/*
 * GICv3 physical driver (Arm IHI 0069): distributor with affinity routing,
 * one redistributor per pCPU found by its affinity, and the system
 * register CPU interface. Every interrupt numbat uses is Group 1.
 */
#include "arch/aarch64/gic.h"

#include <stddef.h>

#include "arch/aarch64/sysreg.h"
#include "core/bootinfo.h"
#include "core/pcpu.h"

#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IGROUPR     0x0080
#define GICD_ISENABLER   0x0100
#define GICD_ICENABLER   0x0180
#define GICD_ICACTIVER   0x0380
#define GICD_ICFGR       0x0c00
#define GICD_IPRIORITYR  0x0400
#define GICD_IROUTER     0x6000
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
#define GICR_ISACTIVER0  0x0300
#define GICR_ICACTIVER0  0x0380
#define GICR_IPRIORITYR  0x0400

#define ICC_SRE_SRE      BIT(0)
#define ICC_SRE_DFB      BIT(1)
#define ICC_SRE_DIB      BIT(2)
#define ICC_SRE_ENABLE   BIT(3)

#define PRIO_NUMBAT      0x80

#define POLL_LIMIT       1000000

static uintptr_t gicd, gicr, gicr_end;
static uintptr_t cpu_rd[CONFIG_MAX_PCPUS]; /* each pCPU's redistributor */

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

/*
 * ICC_SGI1R_EL1 (IHI 0069 12.2.22) naming pcpus[i] alone, INTID 0:
 * Aff3.Aff2.Aff1, RS and the target list bit, computed once at boot
 * (v3_init) for every pCPU of the boot device tree.
 */
static uint64_t sgi_target[CONFIG_MAX_PCPUS];

static uint64_t sgi1r_target(uint64_t mpidr)
{
	/* Aff0 above 15 needs the range selector (RS, bits 47:44). */
	return FIELD((mpidr >> 32) & 0xff, 48) | FIELD((mpidr >> 16) & 0xff, 32) |
	       FIELD((mpidr >> 8) & 0xff, 16) | FIELD((mpidr & 0xff) >> 4, 44) |
	       BIT(mpidr & 0xf);
}

static const char *v3_init(const struct bootinfo *bi)
{
	unsigned lines;

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
	for (unsigned i = 0; i < pcpu_count && i < CONFIG_MAX_PCPUS; i++)
		sgi_target[i] = sgi1r_target(pcpus[i].mpidr);
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

static const char *v3_init_cpu(uint64_t mpidr, uint32_t ppis)
{
	uintptr_t rd = find_redist(mpidr), sgi;

	if (!rd)
		return "no GIC redistributor for this CPU";
	cpu_rd[pcpu_this()->id] = rd;
	wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	if (!poll_clear(rd + GICR_WAKER, GICR_WAKER_ASLEEP))
		return "GIC redistributor does not wake up";
	sgi = rd + GICR_SGI;
	wr32(sgi + GICR_ICENABLER0, 0xffffffff);
	wr32(sgi + GICR_IGROUPR0, 0xffffffff);
	for (unsigned i = 0; i < 32; i++)
		wr8(sgi + GICR_IPRIORITYR + i, PRIO_NUMBAT);
	wr8(sgi + GICR_IPRIORITYR + SGI_PANIC, PRIO_NUMBAT - 0x10);
	wr32(sgi + GICR_ICACTIVER0, 0xffffffff);
	wr32(sgi + GICR_ISENABLER0, BIT(SGI_KICK) | BIT(SGI_PANIC) | BIT(SGI_VGIC) |
	     (ppis & 0xffff0000u));

	write_icc_sre_el2(ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE);
	isb();
	write_icc_pmr_el1(0xff);
	write_icc_bpr1_el1(0);
	write_icc_ctlr_el1(BIT(1));  /* EOImode 1: drop and deactivate apart */
	write_icc_igrpen1_el1(1);
	isb();
	return NULL;
}

static void v3_send_sgi(unsigned pcpu, unsigned sgi)
{
	dsb_ishst();
	write_icc_sgi1r_el1(sgi_target[pcpu] | FIELD(sgi & 0xf, 24));
	isb();
}

static unsigned v3_ack(void)
{
	return (unsigned)read_icc_iar1_el1() & 0xffffff;
}

static void v3_drop(unsigned intid)
{
	write_icc_eoir1_el1(intid);
	isb();
}

static void v3_deactivate(unsigned intid)
{
	__asm__ volatile("msr icc_dir_el1, %0" : : "r"((uint64_t)intid));
	isb();
}

/* v3_drop then v3_deactivate, in one call (numbat's own interrupts). */
static void v3_eoi(unsigned intid)
{
	write_icc_eoir1_el1(intid);
	isb();
	__asm__ volatile("msr icc_dir_el1, %0" : : "r"((uint64_t)intid));
	isb();
}

static void v3_enable_spi(unsigned intid, uint64_t mpidr)
{
	uint64_t aff = ((mpidr >> 32) & 0xff) << 32 | (mpidr & 0xffffff);

	wr8(gicd + GICD_IPRIORITYR + intid, PRIO_NUMBAT);
	*(volatile uint64_t *)(gicd + GICD_IROUTER + 8 * intid) = aff;
	wr32(gicd + GICD_ISENABLER + (intid / 32) * 4, BIT(intid % 32));
}

static bool v3_ppi_active(unsigned intid)
{
	return (rd32(cpu_rd[pcpu_this()->id] + GICR_SGI + GICR_ISACTIVER0) >> intid) & 1;
}

static void v3_ppi_set_active(unsigned intid, bool active)
{
	uintptr_t sgi = cpu_rd[pcpu_this()->id] + GICR_SGI;

	wr32(sgi + (active ? GICR_ISACTIVER0 : GICR_ICACTIVER0), (uint32_t)BIT(intid));
}

static void v3_spi_set_edge(unsigned intid, bool edge)
{
	uintptr_t reg = gicd + GICD_ICFGR + (intid / 16) * 4;
	uint32_t bit = BIT(2 * (intid % 16) + 1);

	wr32(reg, edge ? rd32(reg) | bit : rd32(reg) & ~bit);
}

static void v3_spi_disable(unsigned intid)
{
	wr32(gicd + GICD_ICENABLER + (intid / 32) * 4, BIT(intid % 32));
}

static void v3_spi_deactivate(unsigned intid)
{
	wr32(gicd + GICD_ICACTIVER + (intid / 32) * 4, BIT(intid % 32));
}

const struct gic_ops gicv3_ops = {
	.init = v3_init,
	.init_cpu = v3_init_cpu,
	.enable_spi = v3_enable_spi,
	.send_sgi = v3_send_sgi,
	.ack = v3_ack,
	.drop = v3_drop,
	.deactivate = v3_deactivate,
	.eoi = v3_eoi,
	.ppi_active = v3_ppi_active,
	.ppi_set_active = v3_ppi_set_active,
	.spi_set_edge = v3_spi_set_edge,
	.spi_disable = v3_spi_disable,
	.spi_deactivate = v3_spi_deactivate,
};
