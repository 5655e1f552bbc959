/*
 * ESR syndrome decoding. No hardware access: host-testable.
 */
#include "esr.h"

struct sysreg_access esr_decode_sysreg(uint64_t esr)
{
	return (struct sysreg_access){
		.op0 = (esr >> 20) & 3,
		.op2 = (esr >> 17) & 7,
		.op1 = (esr >> 14) & 7,
		.crn = (esr >> 10) & 0xf,
		.reg = (esr >> 5) & 0x1f,
		.crm = (esr >> 1) & 0xf,
		.read = esr & 1,
	};
}
