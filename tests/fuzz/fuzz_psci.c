/*
 * libFuzzer harness: PSCI argument decoding (src/core/psci_decode.c) with
 * any function ID, arguments and vCPU count. Invariants (Arm DEN 0022D,
 * DEN 0028): a call outside the PSCI ranges is NOT_SUPPORTED; a decoded
 * CPU_ON/AFFINITY_INFO names an existing vCPU; a CPU_ON entry that
 * passes is 4-byte aligned; an SMC32 call decodes the same whatever bits
 * 63:32 of its arguments hold.
 */
#include <stdint.h>
#include <string.h>

#include <numbat/abi.h>

#include "core/psci_decode.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint32_t fn = (uint32_t)fuzz_take(&in, 4);
	unsigned count = (unsigned)fuzz_take(&in, 1) % 9;   /* 0..8 vCPUs */
	uint64_t x[4] = { fn, fuzz_take(&in, 8), fuzz_take(&in, 8), fuzz_take(&in, 8) };
	struct psci_call call, call32;
	int rc;

	/* Bias towards the PSCI ranges: most random IDs are not PSCI. */
	if (fn & 0x100)
		fn = (fn & 0x4000001fu) | 0x84000000u;
	x[0] = fn;
	memset(&call, 0xa5, sizeof(call));
	rc = psci_decode(fn, x, count, &call);
	FUZZ_ASSERT(rc == PSCI_SUCCESS || rc == PSCI_NOT_SUPPORTED ||
		    rc == PSCI_INVALID_PARAMETERS || rc == PSCI_INVALID_ADDRESS);
	if (!psci_is_psci(fn)) {
		FUZZ_ASSERT(rc == PSCI_NOT_SUPPORTED);
		return 0;
	}
	if (rc == PSCI_SUCCESS && call.fn == PSCI_CPU_ON_64) {
		FUZZ_ASSERT(call.target < count);
		FUZZ_ASSERT((call.entry & 3) == 0);
	}
	if (rc == PSCI_SUCCESS && call.fn == PSCI_AFFINITY_INFO_64)
		FUZZ_ASSERT(call.target < count);
	if (!(fn & 0x40000000u)) {
		uint64_t y[4] = { fn, x[1] ^ 0xdead000000000000ull, x[2] ^ ~0xffffffffull,
				  x[3] | 0xffffffff00000000ull };

		memset(&call32, 0xa5, sizeof(call32));
		FUZZ_ASSERT(psci_decode(fn, y, count, &call32) == rc);
		if (rc == PSCI_SUCCESS)
			FUZZ_ASSERT(call32.fn == call.fn && call32.target == call.target &&
				    call32.entry == call.entry &&
				    call32.context == call.context &&
				    call32.feature == call.feature);
	}
	return 0;
}
