/*
 * GICv2 physical driver (Arm IHI 0048B; GIC-400 and QEMU's gic-version=2):
 * memory-mapped distributor and CPU interface, no security extensions
 * assumed (all interrupts Group 0, signalled as IRQ). SGIs and SPIs are
 * targeted by CPU interface number, which each pCPU learns from its
 * banked GICD_ITARGETSR0 (on a uniprocessor GIC, where those read as
 * zero, it is CPU interface 0).
 */
#include "arch/aarch64/gic.h"

#include <stddef.h>

#include "arch/aarch64/sysreg.h"
#include "core/bootinfo.h"
#include "core/pcpu.h"

#define GICD_CTLR        0x000
#define GICD_TYPER       0x004
#define GICD_TYPER_CPUS(t) ((((t) >> 5) & 7) + 1)  /* CPUNumber + 1 */
#define GICD_ISENABLER   0x100
#define GICD_ICENABLER   0x180
#define GICD_ISACTIVER   0x300
#define GICD_ICACTIVER   0x380
#define GICD_ICFGR       0x0c00
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00

#define GICC_CTLR        0x0000
#define GICC_PMR         0x0004
#define GICC_BPR         0x0008
#define GICC_IAR         0x000c
#define GICC_EOIR        0x0010
#define GICC_DIR         0x1000
#define GICC_CTLR_ENABLE BIT(0)
#define GICC_CTLR_EOIMODE BIT(9)

#define PRIO_NUMBAT      0x80

static uintptr_t gicd, gicc;
static uint8_t cpu_mask[CONFIG_MAX_PCPUS]; /* GIC CPU interface bit per pCPU */
/*
 * SPIs routed to a pCPU whose CPU interface number was not known yet (it
 * had not started): 1 + its index, applied by its init_cpu. Boot only.
 */
static uint8_t spi_waits_for[1020];

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

static const char *v2_init(const struct bootinfo *bi)
{
	unsigned lines;

	if (bi->gicc_size < 0x2000)
		return "the GICv2 CPU interface is smaller than 8 KiB (no GICC_DIR)";
	gicd = bi->gicd_base;
	gicc = bi->gicc_base;
	wr32(gicd + GICD_CTLR, 0);
	lines = 32 * ((rd32(gicd + GICD_TYPER) & 0x1f) + 1);
	for (unsigned i = 32; i < lines; i += 32)
		wr32(gicd + GICD_ICENABLER + i / 8, 0xffffffff);
	wr32(gicd + GICD_CTLR, 1);
	return NULL;
}

/*
 * This CPU interface's own bit. ITARGETSR0..7 read as it (IHI 0048B
 * 4.3.12), except on a uniprocessor GIC (GICD_TYPER.CPUNumber 0), where
 * every ITARGETSR is RAZ/WI and all interrupts go to CPU interface 0.
 */
static uint8_t own_cpu_mask(void)
{
	uint8_t mask = (uint8_t)rd32(gicd + GICD_ITARGETSR);

	if (!mask && GICD_TYPER_CPUS(rd32(gicd + GICD_TYPER)) == 1)
		mask = 1;
	return mask;
}

static const char *v2_init_cpu(uint64_t mpidr, uint32_t ppis)
{
	(void)mpidr;
	cpu_mask[pcpu_this()->id] = own_cpu_mask();
	if (!cpu_mask[pcpu_this()->id])
		return "GICD_ITARGETSR0 reads as zero on a multiprocessor GIC: "
		       "no CPU interface number";
	wr32(gicd + GICD_ICENABLER, 0xffffffff);
	wr32(gicd + GICD_ICACTIVER, 0xffffffff);
	for (unsigned i = 0; i < 32; i++)
		wr8(gicd + GICD_IPRIORITYR + i, PRIO_NUMBAT);
	wr8(gicd + GICD_IPRIORITYR + SGI_PANIC, PRIO_NUMBAT - 0x10);
	wr32(gicd + GICD_ISENABLER, BIT(SGI_KICK) | BIT(SGI_PANIC) | BIT(SGI_VGIC) |
	     (ppis & 0xffff0000u));
	wr32(gicc + GICC_PMR, 0xff);
	wr32(gicc + GICC_BPR, 0);
	wr32(gicc + GICC_CTLR, GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE);
	for (unsigned i = 32; i < sizeof(spi_waits_for); i++)
		if (spi_waits_for[i] == pcpu_this()->id + 1)
			wr8(gicd + GICD_ITARGETSR + i, cpu_mask[pcpu_this()->id]);
	return NULL;
}

static void v2_enable_spi(unsigned intid, uint64_t mpidr)
{
	for (unsigned i = 0; i < pcpu_count; i++) {
		if (pcpus[i].mpidr != mpidr)
			continue;
		wr8(gicd + GICD_ITARGETSR + intid, cpu_mask[i]);
		if (!cpu_mask[i] && intid < sizeof(spi_waits_for))
			spi_waits_for[intid] = (uint8_t)(i + 1);   /* not started yet */
	}
	wr8(gicd + GICD_IPRIORITYR + intid, PRIO_NUMBAT);
	wr32(gicd + GICD_ISENABLER + (intid / 32) * 4, BIT(intid % 32));
}

static void v2_send_sgi(unsigned pcpu, unsigned sgi)
{
	dsb_ishst();
	wr32(gicd + GICD_SGIR, ((uint32_t)cpu_mask[pcpu] << 16) | (sgi & 15));
}

/* INTID and, for an SGI, its source CPU (bits 12:10): see gic.h. */
static unsigned v2_ack(void)
{
	return rd32(gicc + GICC_IAR) & 0x1fff;
}

static void v2_drop(unsigned intid)
{
	wr32(gicc + GICC_EOIR, intid);
}

static void v2_deactivate(unsigned intid)
{
	wr32(gicc + GICC_DIR, intid);
}

static void v2_eoi(unsigned intid)
{
	wr32(gicc + GICC_EOIR, intid);
	wr32(gicc + GICC_DIR, intid);
}

static bool v2_ppi_active(unsigned intid)
{
	return (rd32(gicd + GICD_ISACTIVER) >> intid) & 1;
}

static void v2_ppi_set_active(unsigned intid, bool active)
{
	wr32(gicd + (active ? GICD_ISACTIVER : GICD_ICACTIVER), (uint32_t)BIT(intid));
}

static void v2_spi_set_edge(unsigned intid, bool edge)
{
	uintptr_t reg = gicd + GICD_ICFGR + (intid / 16) * 4;
	uint32_t bit = BIT(2 * (intid % 16) + 1);

	wr32(reg, edge ? rd32(reg) | bit : rd32(reg) & ~bit);
}

static void v2_spi_disable(unsigned intid)
{
	wr32(gicd + GICD_ICENABLER + (intid / 32) * 4, BIT(intid % 32));
}

static void v2_spi_deactivate(unsigned intid)
{
	wr32(gicd + GICD_ICACTIVER + (intid / 32) * 4, BIT(intid % 32));
}

const struct gic_ops gicv2_ops = {
	.init = v2_init,
	.init_cpu = v2_init_cpu,
	.enable_spi = v2_enable_spi,
	.send_sgi = v2_send_sgi,
	.ack = v2_ack,
	.drop = v2_drop,
	.deactivate = v2_deactivate,
	.eoi = v2_eoi,
	.ppi_active = v2_ppi_active,
	.ppi_set_active = v2_ppi_set_active,
	.spi_set_edge = v2_spi_set_edge,
	.spi_disable = v2_spi_disable,
	.spi_deactivate = v2_spi_deactivate,
};
