/*
 * The EL1 physical timer, emulated per vCPU (guest accesses trap because
 * CNTHCTL_EL2.EL1PCEN is 0): its interrupt is PPI 30 through the vGIC,
 * its deadline is kept by numbat's own timer.
 */
#ifndef CORE_PTIMER_H
#define CORE_PTIMER_H

#include <stdint.h>

struct vcpu;

enum ptimer_reg { PTIMER_CTL, PTIMER_CVAL, PTIMER_TVAL };

uint64_t ptimer_read(struct vcpu *vcpu, enum ptimer_reg reg);
void ptimer_write(struct vcpu *vcpu, enum ptimer_reg reg, uint64_t val);
/* Raises or lowers PPI 30 for the time `now`; returns the next deadline. */
uint64_t ptimer_update(struct vcpu *vcpu, uint64_t now);

#endif
