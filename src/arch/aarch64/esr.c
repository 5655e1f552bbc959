/*
 * ESR syndrome decoding. No hardware access: host-testable.
 */
#include "esr.h"

struct dabt_info esr_decode_dabt(uint64_t esr)
{
	struct dabt_info d = {
		.valid = (esr >> 24) & 1,
		.size = 1u << ((esr >> 22) & 3),
		.sign_extend = (esr >> 21) & 1,
		.reg = (esr >> 16) & 0x1f,
		.reg64 = (esr >> 15) & 1,
		.s1ptw = (esr >> 7) & 1,
		.write = (esr >> 6) & 1,
		.dfsc = esr & 0x3f,
	};

	/*
	 * A fault on a stage-1 walk is reported as a write when the walk
	 * would have updated a descriptor; it is never an emulated access.
	 */
	if (d.s1ptw)
		d.valid = false;
	return d;
}

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

uint64_t dabt_load_value(const struct dabt_info *d, uint64_t data)
{
	unsigned bits = d->size * 8;
	uint64_t v = data;

	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (d->sign_extend && (v & (1ull << (bits - 1))))
			v |= ~0ull << bits;
	}
	if (!d->reg64)
		v &= 0xffffffffull;
	return v;
}
