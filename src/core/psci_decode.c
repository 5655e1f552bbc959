/*
 * PSCI 1.1 argument validation (Arm DEN 0022D, chapter 5).
 */
#include "core/psci_decode.h"

#include <numbat/abi.h>

#define SMC64 0x40000000u

bool psci_is_psci(uint32_t fn)
{
	return (fn & ~(SMC64 | 0x1fu)) == 0x84000000u;
}

/* numbat's vCPUs differ in Aff0 only: MPIDR = vCPU index. */
static int target_index(uint64_t mpidr, unsigned count, unsigned *index)
{
	if ((mpidr & ~0xffull) || mpidr >= count)
		return PSCI_INVALID_PARAMETERS;
	*index = (unsigned)mpidr;
	return PSCI_SUCCESS;
}

int psci_decode(uint32_t fn, const uint64_t x[4], unsigned vcpu_count,
		struct psci_call *call)
{
	uint64_t a1 = x[1], a2 = x[2], a3 = x[3];

	if (!psci_is_psci(fn))
		return PSCI_NOT_SUPPORTED;
	if (!(fn & SMC64)) {
		a1 = (uint32_t)a1;
		a2 = (uint32_t)a2;
		a3 = (uint32_t)a3;
	}
	*call = (struct psci_call){ .fn = fn };
	switch (fn) {
	case PSCI_VERSION: case PSCI_CPU_OFF: case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
	case PSCI_CPU_SUSPEND_32: case PSCI_CPU_SUSPEND_64:
		return PSCI_SUCCESS;
	case PSCI_FEATURES:
		call->feature = (uint32_t)a1;
		return PSCI_SUCCESS;
	case PSCI_CPU_ON_32: case PSCI_CPU_ON_64:
		call->fn = PSCI_CPU_ON_64;
		call->entry = a2;
		call->context = a3;
		if (target_index(a1, vcpu_count, &call->target))
			return PSCI_INVALID_PARAMETERS;
		return (a2 & 3) ? PSCI_INVALID_ADDRESS : PSCI_SUCCESS;
	case PSCI_AFFINITY_INFO_32: case PSCI_AFFINITY_INFO_64:
		call->fn = PSCI_AFFINITY_INFO_64;
		/* Only affinity level 0 is described: vCPUs have no clusters. */
		if (a2 != 0)
			return PSCI_INVALID_PARAMETERS;
		return target_index(a1, vcpu_count, &call->target);
	default:
		return PSCI_NOT_SUPPORTED;
	}
}
