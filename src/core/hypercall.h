/* SMCCC dispatch of HVC and SMC calls from guests (hypercall.c). */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

struct vcpu;

/* Runs the call in the vCPU's x0..x7 and writes its results to x0..x3. */
void hypercall_dispatch(struct vcpu *vcpu);

#endif
