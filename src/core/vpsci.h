/* PSCI 1.1 for guests (vpsci.c). */
#ifndef CORE_VPSCI_H
#define CORE_VPSCI_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* True if `fn` is a PSCI function ID (SMC32 or SMC64 range). */
bool vpsci_is_psci(uint32_t fn);
/* Handles PSCI call `fn` from `vcpu`; results in x0. */
void vpsci_handle(struct vcpu *vcpu, uint32_t fn);

/*
 * Validates a CPU_ON/AFFINITY_INFO target MPIDR for a VM with `count`
 * vCPUs: only Aff0 may be non-zero and must name a vCPU. Returns the vCPU
 * index, or -1 (INVALID_PARAMETERS). Pure: host-tested.
 */
int vpsci_target_index(uint64_t mpidr, unsigned count);

#endif
