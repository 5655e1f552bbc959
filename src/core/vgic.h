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

/* Sets the line of private interrupt `intid` (a PPI) of `vcpu`. */
void vgic_set_private_level(struct vcpu *vcpu, unsigned intid, bool level);

/* Makes edge-triggered private interrupt `intid` (an SGI) of `target` pending. */
void vgic_raise_sgi(struct vcpu *target, unsigned intid, unsigned source);

#endif
