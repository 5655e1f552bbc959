/*
 * Exception Syndrome Register decoding (Arm ARM D13.2.37). Pure functions,
 * also built on the host for unit tests.
 */
#ifndef ARCH_ESR_H
#define ARCH_ESR_H

#include <stdbool.h>
#include <stdint.h>

#define ESR_EC_SHIFT      26
#define ESR_EC_WIDTH      6
#define ESR_IL            (1ull << 25)
#define ESR_ISS_MASK      0x1ffffffull

/* Exception classes numbat handles by name. */
enum esr_ec {
	EC_UNKNOWN      = 0x00,
	EC_WFX          = 0x01,
	EC_SIMD_FP      = 0x07,
	EC_PAC          = 0x09,
	EC_ILLEGAL      = 0x0e,
	EC_SVC64        = 0x15,
	EC_HVC64        = 0x16,
	EC_SMC64        = 0x17,
	EC_SYSREG       = 0x18,
	EC_SVE          = 0x19,
	EC_IABT_LOW     = 0x20,
	EC_IABT_CUR     = 0x21,
	EC_PC_ALIGN     = 0x22,
	EC_DABT_LOW     = 0x24,
	EC_DABT_CUR     = 0x25,
	EC_SP_ALIGN     = 0x26,
	EC_SERROR       = 0x2f,
	EC_BRK64        = 0x3c,
	EC_MAX          = 0x3f,
};

static inline unsigned esr_ec(uint64_t esr)
{
	return (esr >> ESR_EC_SHIFT) & ((1u << ESR_EC_WIDTH) - 1);
}

/* Length of the trapped instruction: 4, or 2 for a 16-bit T32 one. */
static inline unsigned esr_insn_len(uint64_t esr)
{
	return 2u + ((esr >> 24) & 2); /* IL is bit 25 */
}

/* Trapped MSR/MRS (EC 0x18): the general-purpose register, ISS.Rt (9:5). */
static inline unsigned esr_sysreg_rt(uint64_t esr)
{
	return (unsigned)(esr >> 5) & 0x1f;
}

/* WFI/WFE: ISS.TI bit 0 (0 = WFI, 1 = WFE; WFIT and WFET alike). */
static inline bool esr_wfx_is_wfe(uint64_t esr)
{
	return (esr & 1) != 0;
}

/*
 * WFIT/WFET (FEAT_WFxT; ISS.TI = 0b10/0b11): true if the instruction has
 * a timeout, with the number of the register holding it (a CNTVCT_EL0
 * value) in *reg: ISS.RV (bit 2) says RN (bits 9:5) is valid.
 */
static inline bool esr_wfx_timeout_reg(uint64_t esr, unsigned *reg)
{
	*reg = (unsigned)(esr >> 5) & 0x1f;
	return (esr & 2) && (esr & 4);
}

/*
 * A stage-2 data abort taken from a lower EL, decoded (ISS for EC 0x24,
 * D13.2.37 "ISS encoding for an exception from a Data Abort").
 */
struct dabt_info {
	bool valid;        /* ISV: the fields below describe the access */
	bool write;        /* WnR */
	bool sign_extend;  /* SSE */
	bool reg64;        /* SF: destination is an X register */
	bool s1ptw;        /* fault on a stage-1 table walk */
	unsigned size;     /* bytes: 1, 2, 4 or 8 (SAS) */
	unsigned reg;      /* SRT: 0..30, 31 = XZR */
	unsigned dfsc;     /* fault status code */
};

#define DFSC_TYPE_MASK     0x3c
#define DFSC_TRANSLATION   0x04 /* translation fault, any level */
#define DFSC_ACCESS        0x08
#define DFSC_PERMISSION    0x0c
#define DFSC_SYNC_EXT      0x10 /* synchronous external abort */

/*
 * Whether HPFAR_EL2 holds the faulting IPA of a stage-2 abort with this
 * syndrome (D13.2.55): for translation, access flag and address size
 * faults, and for any fault on a stage-1 table walk (S1PTW, bit 7); for a
 * permission fault it is UNKNOWN. Same ISS layout for data and
 * instruction aborts. numbat maps no device, so an access to an emulated
 * one is always a translation fault.
 */
static inline bool esr_abort_hpfar_valid(uint64_t esr)
{
	return (esr & DFSC_TYPE_MASK) != DFSC_PERMISSION || (esr & (1u << 7));
}

/* Inline: it is on the MMIO emulation path. */
static inline struct dabt_info esr_decode_dabt(uint64_t esr)
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

	/* A fault on a stage-1 table walk is never an emulated access. */
	if (d.s1ptw)
		d.valid = false;
	return d;
}

/*
 * A trapped MSR/MRS (EC 0x18, ISS D13.2.37): the register encoding as
 * op0:op1:CRn:CRm:op2, the GPR and the direction.
 */
struct sysreg_access {
	unsigned op0, op1, crn, crm, op2;
	unsigned reg;  /* Rt, 31 = XZR */
	bool read;     /* MRS */
};

struct sysreg_access esr_decode_sysreg(uint64_t esr);

/* The IPA of a stage-2 fault from HPFAR_EL2 (page) and FAR_EL2 (offset). */
static inline uint64_t fault_ipa(uint64_t hpfar, uint64_t far)
{
	return ((hpfar & 0xfffffffffff0ull) << 8) | (far & 0xfff);
}

/*
 * The value a load of `size` bytes writes to its destination register,
 * given the raw little-endian data: sign or zero extension to 64 bits,
 * truncated to 32 bits for a W destination (which also zeroes the top).
 */
static inline uint64_t dabt_load_value(const struct dabt_info *d, uint64_t data)
{
	/* 64 - 8 * size, taken modulo 64 as the shift instructions do. */
	unsigned shift = (0u - d->size * 8) & 63;
	uint64_t v = data << shift;

	if (__builtin_expect(!d->sign_extend, 1))
		v >>= shift;
	else
		v = (uint64_t)((int64_t)v >> shift);
	return d->reg64 ? v : (uint32_t)v;
}

#endif /* ARCH_ESR_H */
