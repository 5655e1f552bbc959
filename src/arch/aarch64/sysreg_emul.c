/*
 * Trapped system-register accesses (EC 0x18, Arm ARM D13.2.37): the ones a
 * guest may make are emulated here, every other one is an undefined
 * instruction for the guest.
 *
 * - ID registers (HCR_EL2.TID3): the hardware's values, minus features
 *   numbat does not give guests (SVE, SME, pointer authentication, PMU,
 *   trace, MTE, AMU, MPAM, RAS, LORegions, the OS Double Lock) and with the
 *   PA size of the IPA space.
 * - Debug registers (op0 == 2, MDCR_EL2 traps): debug.c, which hands a
 *   vCPU its breakpoints and watchpoints on first use and emulates the OS
 *   lock.
 * - PMU, ACTLR, LORegion and RAS error registers (MDCR_EL2 and HCR_EL2
 *   traps): read as zero, writes ignored: the guest sees no counters, no
 *   error records, and cannot touch state shared with numbat or other VMs.
 * - GICv3 SGI generation (ICC_SGI1R_EL1 and friends): the vGIC.
 * - The EL1 physical timer (CNTHCTL_EL2.EL1PCEN = 0): core/ptimer.c.
 */
#include "arch/aarch64/debug.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg.h"
#include "core/ptimer.h"
#include "core/vgic.h"
#include "core/vm.h"

#define KEY(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))

#define ICC_SGI1R_EL1    KEY(3, 0, 12, 11, 5)
#define ICC_ASGI1R_EL1   KEY(3, 0, 12, 11, 6)
#define ICC_SGI0R_EL1    KEY(3, 0, 12, 11, 7)
#define ACTLR_EL1        KEY(3, 0, 1, 0, 1)
#define CNTP_TVAL_EL0    KEY(3, 3, 14, 2, 0)
#define CNTP_CTL_EL0     KEY(3, 3, 14, 2, 1)
#define CNTP_CVAL_EL0    KEY(3, 3, 14, 2, 2)

/* The ID register space: op0 3, op1 0, CRn 0, CRm 1-7 (D19.2). */
#define ID_CASE(crm, op2) \
	case KEY(3, 0, 0, crm, op2): \
		__asm__ volatile("mrs %0, s3_0_c0_c" #crm "_" #op2 : "=r"(v)); break;
#define ID_ROW(crm) ID_CASE(crm, 0) ID_CASE(crm, 1) ID_CASE(crm, 2) ID_CASE(crm, 3) \
		    ID_CASE(crm, 4) ID_CASE(crm, 5) ID_CASE(crm, 6) ID_CASE(crm, 7)

static uint64_t read_id(unsigned key)
{
	uint64_t v = 0;

	switch (key) {
	ID_ROW(1) ID_ROW(2) ID_ROW(3) ID_ROW(4) ID_ROW(5) ID_ROW(6) ID_ROW(7)
	}
	return v;
}

static uint64_t clear_fields(uint64_t v, const uint8_t *shifts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		v &= ~(0xfull << shifts[i]);
	return v;
}

/* The ID register as the guest sees it. */
static uint64_t guest_id(unsigned key)
{
	static const uint8_t pfr0[] = { 28, 32, 40, 44 };        /* RAS SVE MPAM AMU */
	static const uint8_t pfr1[] = { 8, 16, 24, 28, 32, 36 }; /* MTE MPAM_frac SME RNDR_trap CSV2_frac NMI */
	static const uint8_t isar1[] = { 4, 8, 24, 28 };         /* APA API GPA GPI */
	static const uint8_t isar2[] = { 8, 12 };                /* GPA3 APA3 */
	static const uint8_t mmfr1[] = { 16 };                   /* LO */
	uint64_t v = read_id(key);

	switch (key) {
	case KEY(3, 0, 0, 4, 0): return clear_fields(v, pfr0, sizeof(pfr0));
	case KEY(3, 0, 0, 4, 1): return clear_fields(v, pfr1, sizeof(pfr1));
	case KEY(3, 0, 0, 4, 4): return 0;                       /* ZFR0: no SVE */
	case KEY(3, 0, 0, 4, 5): return 0;                       /* SMFR0: no SME */
	case KEY(3, 0, 0, 5, 0): return debug_guest_dfr0(v);      /* debug.c */
	case KEY(3, 0, 0, 6, 1): return clear_fields(v, isar1, sizeof(isar1));
	case KEY(3, 0, 0, 6, 2): return clear_fields(v, isar2, sizeof(isar2));
	case KEY(3, 0, 0, 7, 1): return clear_fields(v, mmfr1, sizeof(mmfr1));
	case KEY(3, 0, 0, 7, 0): {                               /* MMFR0.PARange */
		static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
		unsigned pa = (unsigned)(v & 0xf);

		while (pa > 0 && (pa >= 7 || bits[pa] > arch_ipa_bits()))
			pa--;
		return (v & ~0xfull) | pa;
	}
	default:
		return v;
	}
}

/* Registers that read as zero and ignore writes for guests. */
static bool raz_wi(const struct sysreg_access *a, unsigned key)
{
	if (a->op0 == 3 && a->op1 == 3 && ((a->crn == 9 && a->crm >= 12) ||
					   (a->crn == 14 && a->crm >= 8)))
		return true;                                   /* PMU */
	if (key == KEY(3, 0, 9, 14, 1) || key == KEY(3, 0, 9, 14, 2))
		return true;                                   /* PMINTEN{SET,CLR}_EL1 */
	if (a->op0 == 3 && a->op1 == 0 && a->crn == 10 && a->crm == 4)
		return true;                                   /* LORegions */
	if (a->op0 == 3 && a->op1 == 0 && a->crn == 5 && a->crm >= 3 && a->crm <= 5)
		return true;                                   /* RAS error records */
	return key == ACTLR_EL1 || key == ICC_ASGI1R_EL1 || key == ICC_SGI0R_EL1;
}

/* ICC_SGI1R_EL1 (IHI 0069 12.2.22): numbat's vCPU n has affinity 0.0.0.n. */
static void sgi1r(struct vcpu *vcpu, uint64_t v)
{
	unsigned intid = (unsigned)EXTRACT(v, 24, 4);

	if (v & BIT(40)) {
		vgic_send_sgi(vcpu, intid, 0, true);
		return;
	}
	/* Aff1 23:16, Aff2 39:32, RS 47:44, Aff3 55:48 */
	if (v & (0xffull << 16 | 0xffull << 32 | 0xfull << 44 | 0xffull << 48))
		return; /* no vCPU lives at that affinity */
	vgic_send_sgi(vcpu, intid, (uint32_t)(v & 0xffff), false);
}

/*
 * MSR ICC_SGI1R_EL1 as its ESR ISS reads (D13.2.37: Op0 21:20, Op2 19:17,
 * Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, Direction 0), Rt masked out.
 */
#define ISS_SYSREG_MASK  0x3ffc1full
#define ISS_MSR_SGI1R    ((3ull << 20) | (5ull << 17) | (12ull << 10) | (11ull << 1))

/* Every IPI a GICv3 guest sends (see sysreg_emulate's contract, arch.h). */
bool sysreg_sgi1r(struct vcpu *vcpu, uint64_t esr)
{
	uint64_t v;

	if ((esr & ISS_SYSREG_MASK) != ISS_MSR_SGI1R || !vgic_hw || vgic_hw->version != 3)
		return false;
	v = vcpu_get_reg(vcpu, (unsigned)(esr >> 5) & 0x1f);
	vcpu_skip_insn(vcpu, esr); /* BTYPE and a single step, as any other */
	sgi1r(vcpu, v);
	return true;
}

bool sysreg_emulate(struct vcpu *vcpu, uint64_t esr)
{
	struct sysreg_access a;
	unsigned key;
	uint64_t val;

	a = esr_decode_sysreg(esr);
	key = KEY(a.op0, a.op1, a.crn, a.crm, a.op2);
	val = a.read ? 0 : vcpu_get_reg(vcpu, a.reg);

	if (a.op0 == 3 && a.op1 == 0 && a.crn == 0 && a.crm >= 1 && a.crm <= 7) {
		if (!a.read)
			return false;                          /* ID registers are RO */
		val = guest_id(key);
	} else if (a.op0 == 2) {
		bool retry;

		if (!debug_sysreg(vcpu, &a, &val, &retry))
			return false;
		if (retry)
			return true;                           /* now on the hardware */
	} else if (raz_wi(&a, key)) {
		val = 0;
	} else if (key == CNTP_CTL_EL0 || key == CNTP_CVAL_EL0 || key == CNTP_TVAL_EL0) {
		enum ptimer_reg r = key == CNTP_CTL_EL0 ? PTIMER_CTL :
				    key == CNTP_CVAL_EL0 ? PTIMER_CVAL : PTIMER_TVAL;

		if (a.read)
			val = ptimer_read(vcpu, r);
		else
			ptimer_write(vcpu, r, val);
	} else {
		return false;
	}
	if (a.read)
		vcpu_set_reg(vcpu, a.reg, val);
	vcpu_skip_insn(vcpu, esr);
	return true;
}
