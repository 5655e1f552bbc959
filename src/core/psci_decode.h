/*
 * Decoding and validation of a guest's PSCI call, separated from acting
 * on it (vpsci.c): pure, host-tested.
 */
#ifndef CORE_PSCI_DECODE_H
#define CORE_PSCI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

struct psci_call {
	uint32_t fn;       /* function ID; CPU_ON and AFFINITY_INFO merged to SMC64 */
	unsigned target;   /* vCPU index (CPU_ON, AFFINITY_INFO) */
	uint64_t entry;    /* CPU_ON entry IPA */
	uint64_t context;  /* CPU_ON context id, x0 at entry */
	uint32_t feature;  /* PSCI_FEATURES query */
};

/* True if `fn` is in a PSCI function ID range (SMC32 or SMC64). */
bool psci_is_psci(uint32_t fn);

/*
 * Validates PSCI call `fn` with arguments x[1..3] for a VM of `vcpu_count`
 * vCPUs and fills `call`. SMC32 calls use the low 32 bits of arguments.
 * Returns PSCI_SUCCESS, PSCI_INVALID_PARAMETERS (bad target MPIDR or
 * affinity level), PSCI_INVALID_ADDRESS (misaligned entry) or
 * PSCI_NOT_SUPPORTED (unknown function).
 */
int psci_decode(uint32_t fn, const uint64_t x[4], unsigned vcpu_count,
		struct psci_call *call);

#endif
