/*
 * The virtual GIC's state: per interrupt, per vCPU (banked SGIs/PPIs and
 * the list registers it owns) and per VM (SPIs, distributor). Protected
 * by vgic_dist.lock, except the list registers themselves, which only the
 * vCPU's own pCPU touches.
 */
#ifndef CORE_VGIC_TYPES_H
#define CORE_VGIC_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include <numbat/config.h>

#define VGIC_MAX_LR   16
#define VGIC_LR_FREE  0xffff
#define VGIC_NO_TARGET 0xff  /* an SPI whose GICv2 target mask is empty */

struct vgic_irq {
	uint8_t priority;  /* as the guest wrote it; lower is more urgent */
	uint8_t target;    /* SPIs: vCPU it is delivered to; VGIC_NO_TARGET: none */
	uint8_t targets;   /* GICv2 SPIs: GICD_ITARGETSR's CPU mask, as stored */
	uint8_t lr_vcpu;   /* while in a list register: whose */
	/* Side by side: placing and retiring write them in one or two stores. */
	bool in_lr;        /* held in a list register of lr_vcpu */
	bool lr_pending;   /* pending in its list register, as last seen */
	bool clear_req;    /* ICPENDR written while in a list register */
	bool active;       /* active, as last seen */
	bool enabled;
	bool edge;         /* edge-triggered (else level-sensitive) */
	bool latch;        /* pending from an edge or a write to ISPENDR */
	bool level;        /* line level of a level-sensitive interrupt */
	bool hw;           /* linked to a physical INTID (vtimer, passthrough SPIs) */
	uint16_t sgi_src;  /* GICv2 SGIs: pending sources, one bit each */
	uint16_t pintid;   /* hw: the physical INTID, when not the same (passthrough) */
};

/* Pending as the GIC architecture defines it. */
static inline bool vgic_irq_pending(const struct vgic_irq *irq)
{
	return irq->latch || irq->sgi_src || (!irq->edge && irq->level);
}

/* A list register, decoded (the backends encode it for v2 or v3). */
struct vgic_lr {
	uint16_t intid;
	uint16_t pintid;   /* physical INTID when hw */
	uint8_t priority;
	uint8_t source;    /* GICv2 SGI: source vCPU */
	bool pending, active;
	bool hw;
	bool eoi_maint;    /* maintenance interrupt on EOI (level, not hw) */
};

#define VGIC_NR_IRQS  (32 + CONFIG_MAX_SPIS)
#define VGIC_HINT_WORDS ((VGIC_NR_IRQS + 31) / 32)

struct vgic_cpu {
	struct vgic_irq priv[32];       /* SGIs 0-15, PPIs 16-31 */
	/*
	 * INTIDs that may have become deliverable to this vCPU since its last
	 * flush (a bit each): set by every change that can make one pending,
	 * enabled, routed here or free of its list register (vgic_mark);
	 * the flush looks at these only and clears the bits of those that
	 * are not deliverable.
	 */
	uint32_t hint[VGIC_HINT_WORDS];
	/* Copies of the SGIs' and PPIs' enabled and edge flags, a bit each,
	 * so GICD/GICR ISENABLER and ICFGR read in one go (vgic_regs.c). */
	uint32_t enabled_bits, edge_bits;
	uint16_t lr_intid[VGIC_MAX_LR]; /* what each list register holds */
	uint8_t lr_source[VGIC_MAX_LR];
	uint64_t lr_saved[VGIC_MAX_LR]; /* encoded, while the vCPU is not loaded */
	uint32_t lr_live;               /* the entries of lr_saved the backend put back */
	/*
	 * Backend state, saved with the vCPU: control, VMCR, and the active
	 * priorities of both groups (GICv3 ICH_AP0R<n>/ICH_AP1R<n>, GICv2
	 * GICH_APR in ap1r[0]). Every one the guest can write is here: a stale
	 * active priority would mask the next vCPU's interrupts.
	 */
	uint64_t hcr, vmcr, ap0r[4], apr[4];
	bool dirty;                     /* the model changed: flush on entry */
	bool waiting;                   /* pending interrupts did not fit */
	uint32_t lr_used;               /* list registers lr_intid says are taken */
	bool sleeping;                  /* GICR_WAKER.ProcessorSleep */
	bool hw_active;                 /* vtimer PPI active when put away */
};

struct vgic_dist {
	spinlock_t lock;                /* a leaf lock, except vm->lock after */
	bool enabled;                   /* GICD_CTLR: group 1 enabled */
	uint32_t typer;                 /* GICD_TYPER, fixed at creation */
	struct vgic_irq spi[CONFIG_MAX_SPIS];
	/* The SPIs' enabled and edge flags, a bit each (as vgic_cpu's). */
	uint32_t enabled_bits[CONFIG_MAX_SPIS / 32], edge_bits[CONFIG_MAX_SPIS / 32];
};

/* `intid` may have become deliverable to the vCPU owning `c`. dist->lock held. */
static inline void vgic_mark(struct vgic_cpu *c, unsigned intid)
{
	if (intid < VGIC_NR_IRQS)
		c->hint[intid / 32] |= 1u << (intid % 32);
}

#endif
