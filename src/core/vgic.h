/*
 * The virtual GIC: one portable model of a VM's interrupt state (vgic.c)
 * with a backend per GIC architecture version for the list registers and
 * the register layout guests see (arch/aarch64/vgic_v3.c, vgic_v2.c).
 *
 * Device models and the core raise interrupts through this API from any
 * pCPU; list registers are only ever written by the pCPU the target vCPU
 * runs on, on its way back into the guest.
 */
#ifndef CORE_VGIC_H
#define CORE_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vgic_types.h"

struct vm;
struct vcpu;

#define VGIC_NR_PRIVATE   32   /* SGIs 0-15, PPIs 16-31, per vCPU */
#define VGIC_PPI_VTIMER   27   /* EL1 virtual timer */
#define VGIC_PPI_PTIMER   30   /* EL1 physical timer (emulated) */

/*
 * Sets the line of level-sensitive interrupt `intid` (an SPI of `vm`, or a
 * PPI of vCPU 0) high or low. Lowering it takes back a pending interrupt
 * the guest has not acknowledged yet.
 */
void vgic_set_level(struct vm *vm, unsigned intid, bool level);

/*
 * A rising and a falling edge on the line of SPI `intid` of `vm`, as from
 * an edge-triggered device (virtio-mmio, a vIRQ): pending if the guest
 * configured it edge-triggered (GICD_ICFGR), nothing if level-sensitive.
 * An interrupt already pending stays one pending interrupt, so a sender
 * in a tight loop costs the receiver at most one.
 */
void vgic_pulse(struct vm *vm, unsigned intid);

/* Sets the line of private interrupt `intid` (a PPI) of `vcpu`. */
void vgic_set_private_level(struct vcpu *vcpu, unsigned intid, bool level);

/*
 * After marking `owner` dirty: gets it to flush if it is loaded, wakes it
 * if it is blocked; an off or not-loaded vCPU is left alone.
 */
void vgic_kick(struct vcpu *owner);

/* Makes edge-triggered private interrupt `intid` (an SGI) of `target` pending. */
void vgic_raise_sgi(struct vcpu *target, unsigned intid, unsigned source);

/*
 * What differs between GIC versions in the CPU interface: list register
 * access and the hypervisor control registers (arch/aarch64/vgic_hw_*.c).
 * Only ever used for the vCPU loaded on the calling pCPU.
 */
struct vgic_hw {
	unsigned version;      /* 2 or 3 */
	unsigned nr_lr;        /* list registers implemented */
	bool sgi_sources;      /* GICv2: SGIs carry their source vCPU */
	void (*read_lr)(unsigned i, struct vgic_lr *lr);
	void (*write_lr)(unsigned i, const struct vgic_lr *lr);
	void (*set_underflow)(bool on);
	/* A pending entry for hardware interrupt `intid` (vINTID = pINTID). */
	void (*write_lr_hw)(unsigned i, unsigned intid, uint8_t priority);
	/* List registers that are empty in hardware, a bit each. */
	uint32_t (*empty_lrs)(void);
	/*
	 * Clears what keeps the maintenance interrupt asserted (underflow
	 * enable, EOI-maintenance list registers the guest has finished).
	 */
	void (*ack_maintenance)(void);
	void (*reset_cpu)(struct vgic_cpu *c);
	/*
	 * Saves the loaded vCPU's interface and leaves every list register
	 * empty; restore fills only those the vCPU uses (the pCPU's list
	 * registers are empty between the two, and after clear_cpu at boot).
	 */
	void (*save)(struct vgic_cpu *c);
	void (*restore)(const struct vgic_cpu *c);
	/* save(prev), then restore(next): a switch from one vCPU to another. */
	void (*switch_cpu)(struct vgic_cpu *prev, const struct vgic_cpu *next);
	/* This pCPU's virtual interface at boot: list registers and priorities empty. */
	void (*clear_cpu)(void);
};

extern const struct vgic_hw *vgic_hw;
extern uint64_t vgic_v2_gicv_pa;

/* The backends (arch): probed on the boot pCPU. */
const struct vgic_hw *vgic_hw_v3(void);
const struct vgic_hw *vgic_hw_v2_probe(uint64_t gich_pa, uint64_t gicv_pa); /* GICv2: the GICV frame, from the boot tree */

/* GICD_TYPER of `vm`'s distributor (devices/vgic_regs.c). */
uint32_t vgic_typer(const struct vm *vm, unsigned version);

/* Sets up the VM's distributor (and redistributors or CPU interface). */
bool vgic_init_vm(struct vm *vm);
/* Power-on state for the whole VM; caller holds vm->lock, no vCPU loaded. */
void vgic_reset_vm(struct vm *vm);
void vgic_reset_vcpu(struct vcpu *vcpu);
/*
 * The PE behind `vcpu` comes out of reset (PSCI CPU_ON): its CPU interface
 * and its SGIs and PPIs go back to their reset state, and list registers
 * holding them are emptied. Caller holds vm->lock; `vcpu` is OFF and not
 * loaded. Interrupts not its own (SPIs) it may still hold are left alone.
 */
void vgic_cpu_on_reset(struct vcpu *vcpu);

/* The interrupt `intid` as `vcpu` sees it (private ones are banked). */
struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *vcpu, unsigned intid);

/*
 * GICv2 1-of-N delivery: sets SPI `irq`'s target from its CPU mask
 * (`targets`, already masked to the VM's vCPUs). dist->lock held.
 */
void vgic_v2_route(struct vm *vm, struct vgic_irq *irq);

/* On the vCPU's own pCPU, before entering it: list registers from the model. */
void vgic_flush(struct vcpu *vcpu);
/* On its pCPU, before unloading a vCPU that is off: SPIs back to the model. */
void vgic_vcpu_off(struct vcpu *vcpu);
/* True if `vcpu` has an interrupt to take (WFI must not block). */
bool vgic_vcpu_pending(struct vcpu *vcpu);

/*
 * Physical interrupts numbat forwards or handles for the loaded vCPU:
 * `vcpu` must be this pCPU's current one.
 */
void vgic_vtimer_fire(struct vcpu *vcpu);
/*
 * False if `irq` is `vcpu`'s forwarded vtimer and its output is known to
 * have dropped (pending state then no longer holds); true otherwise.
 */
bool vgic_vtimer_high(struct vcpu *vcpu, const struct vgic_irq *irq);
void vgic_maintenance(struct vcpu *vcpu);

/*
 * Physical SPI `pintid`, given to `vm` as its SPI `intid`, fired: numbat
 * dropped its priority and left it active. The virtual SPI becomes
 * pending (one pending state however it is configured: the physical
 * line cannot fire again before the guest is done) and goes into a list
 * register with the HW bit and pINTID = `pintid`, so the guest's EOI
 * deactivates the physical interrupt (IHI 0069 4.2.1; IHI 0048B 5.2.1).
 * Any pCPU.
 */
void vgic_forward_spi(struct vm *vm, unsigned intid, unsigned pintid);

/* SGIs a vCPU sends: to the vCPUs in `targets`, or to all but itself. */
void vgic_send_sgi(struct vcpu *from, unsigned intid, uint32_t targets, bool all_but_self);

#endif
