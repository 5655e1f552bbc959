/* SMCCC dispatch of HVC and SMC calls from guests (hypercall.c). */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

struct vcpu;

#include <stdint.h>

/*
 * Runs the call in the vCPU's x0..x7 and writes its results to x0..x3.
 * `esr` is the trap's syndrome (unused: the conduit's immediate is not
 * part of SMCCC's function identification).
 */
void hypercall_dispatch(struct vcpu *vcpu, uint64_t esr);

#endif
