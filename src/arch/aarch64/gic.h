/*
 * numbat's driver for the physical GIC: it owns SGIs (kicks between
 * pCPUs and the panic stop), its timer, the vGIC maintenance interrupt,
 * the console UART, and forwards the vtimer PPI. GICv3 (gicv3.c) and
 * GICv2 (gicv2.c) behind one set of operations.
 */
#ifndef ARCH_GIC_H
#define ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

struct bootinfo;

#define SGI_KICK      0   /* reschedule */
#define SGI_PANIC     1   /* stop and dump */
#define SGI_VGIC      2   /* the loaded vCPU has new virtual interrupts */
#define INTID_SPURIOUS 1023

/*
 * What gic_ack() returns is the acknowledge value: the INTID in bits 9:0
 * (numbat enables none above 1019) and, for a GICv2 SGI, the source CPU
 * in bits 12:10, which the priority drop (EOIR) and the deactivation (DIR)
 * of that SGI must repeat (IHI 0048B 4.4.5, 4.4.15). gic_drop(),
 * gic_deactivate() and gic_eoi() take that value.
 */
#define GIC_IAR_INTID(iar) ((iar) & 0x3ffu)

struct gic_ops {
	const char *(*init)(const struct bootinfo *bi);
	const char *(*init_cpu)(uint64_t mpidr, uint32_t ppis);
	void (*enable_spi)(unsigned intid, uint64_t mpidr);
	void (*send_sgi)(unsigned pcpu, unsigned sgi);  /* to pcpus[pcpu] */
	unsigned (*ack)(void);
	void (*drop)(unsigned intid);
	void (*deactivate)(unsigned intid);
	void (*eoi)(unsigned intid);    /* drop, then deactivate */
	bool (*ppi_active)(unsigned intid);
	void (*ppi_set_active)(unsigned intid, bool active);
	/* Distributor-wide, from any pCPU (SPIs only): */
	void (*spi_set_edge)(unsigned intid, bool edge);
	void (*spi_disable)(unsigned intid);
	void (*spi_deactivate)(unsigned intid);
};

extern const struct gic_ops gicv3_ops, gicv2_ops;
extern const struct gic_ops *gic_ops;

/*
 * Picks the driver for the boot device tree's GIC and sets up the
 * distributor on the boot pCPU. Returns NULL or an error message.
 */
const char *gic_init(const struct bootinfo *bi);

/*
 * Redistributor (v3) or banked registers (v2) and CPU interface of the
 * calling pCPU, with the PPIs numbat takes on every pCPU enabled (`ppis`,
 * a bit per INTID 16-31).
 */
static inline const char *gic_init_cpu(uint64_t mpidr, uint32_t ppis)
{
	return gic_ops->init_cpu(mpidr, ppis);
}

/* Enables SPI `intid`, delivered to the pCPU with affinity `mpidr`. */
static inline void gic_enable_spi(unsigned intid, uint64_t mpidr)
{
	gic_ops->enable_spi(intid, mpidr);
}

/* Sends SGI `sgi` to pcpus[pcpu]. */
static inline void gic_send_sgi(unsigned pcpu, unsigned sgi)
{
	gic_ops->send_sgi(pcpu, sgi);
}

static inline unsigned gic_ack(void)
{
	return gic_ops->ack();
}

/*
 * numbat runs the CPU interface with EOImode 1: gic_eoi drops priority and
 * deactivates; a forwarded interrupt only gets the priority drop
 * (gic_drop) and is deactivated by the guest through a list register.
 */
static inline void gic_drop(unsigned iar)
{
	gic_ops->drop(iar);
}

static inline void gic_deactivate(unsigned iar)
{
	gic_ops->deactivate(iar);
}

static inline void gic_eoi(unsigned iar)
{
	gic_ops->eoi(iar);
}

/* Active state of a PPI of this pCPU (saved and restored per vCPU). */
static inline bool gic_ppi_active(unsigned intid)
{
	return gic_ops->ppi_active(intid);
}

static inline void gic_ppi_set_active(unsigned intid, bool active)
{
	gic_ops->ppi_set_active(intid, active);
}

/*
 * An SPI's trigger (GICD_ICFGR<n>, IHI 0069 12.9.9, IHI 0048B 4.3.13:
 * Int_config bit 1 of each pair, 1 = edge); set before it is enabled.
 */
static inline void gic_spi_set_edge(unsigned intid, bool edge)
{
	gic_ops->spi_set_edge(intid, edge);
}

static inline void gic_spi_disable(unsigned intid)
{
	gic_ops->spi_disable(intid);
}

/*
 * Ends the active state of an SPI numbat forwarded (GICD_ICACTIVER<n>)
 * whoever acknowledged it: for a VM that went down holding it.
 */
static inline void gic_spi_deactivate(unsigned intid)
{
	gic_ops->spi_deactivate(intid);
}

#endif
