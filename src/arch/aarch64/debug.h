/*
 * Guest self-hosted debug (Arm ARM D2, "AArch64 Self-hosted Debug"): each
 * vCPU's breakpoint, watchpoint and debug control registers, switched
 * lazily. See debug.c for the rules.
 */
#ifndef ARCH_DEBUG_H
#define ARCH_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/esr.h"

#define DEBUG_MAX_BP 16 /* ID_AA64DFR0_EL1.BRPs and WRPs are 4-bit fields */

/* One vCPU's debug registers as its guest last wrote them. */
struct arch_debug {
	uint64_t bcr[DEBUG_MAX_BP], bvr[DEBUG_MAX_BP];
	uint64_t wcr[DEBUG_MAX_BP], wvr[DEBUG_MAX_BP];
	uint64_t mdscr;    /* MDSCR_EL1 */
	uint64_t mdccint;  /* MDCCINT_EL1 */
	bool oslk;         /* OSLSR_EL1.OSLK, emulated: the hardware's stays 0 */
	bool live;         /* in the hardware while loaded, MDCR_EL2.TDA clear */
};

struct vcpu;

/* Once per pCPU: unlock the hardware OS lock, leave no breakpoint armed. */
void debug_init_pcpu(void);
/* Architectural reset values (cold reset: OS lock locked). */
void debug_reset(struct arch_debug *d);
/* Context switch: called from arch_vcpu_load / arch_vcpu_put. */
void debug_load(struct vcpu *vcpu);
void debug_put(struct vcpu *vcpu);
/*
 * A trapped access to the op0 == 2 (debug) register space. Returns false
 * for an access the guest may not make (UNDEF); otherwise has done it,
 * with *retry set when the access must be executed again by the guest
 * (its debug registers were just handed to it).
 */
bool debug_sysreg(struct vcpu *vcpu, const struct sysreg_access *a, uint64_t *val,
		  bool *retry);
/* ID_AA64DFR0_EL1 as guests see it, from the hardware's value. */
uint64_t debug_guest_dfr0(uint64_t hw);

#endif
