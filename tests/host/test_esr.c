/*
 * Host tests of ESR_EL2 syndrome decoding (src/arch/aarch64/esr.c): EC and
 * IL, data-abort ISS fields, the value a trapped load writes back, trapped
 * MSR/MRS fields and the fault IPA. Syndromes are built here from the
 * Arm ARM field layout (D13.2.37), independently of esr.h's constants.
 */
#include <stdint.h>

#include "check_main.h"
#include "esr.h"

/* ESR_ELx: EC [31:26], IL [25], ISS [24:0]. */
static uint64_t make_esr(unsigned ec, bool il, uint32_t iss)
{
	return ((uint64_t)ec << 26) | ((uint64_t)il << 25) | (iss & 0x1ffffff);
}

/* Data-abort ISS fields (ISS encoding for an exception from a Data Abort). */
struct dabt_fields {
	unsigned isv, sas, sse, srt, sf, ar, s1ptw, wnr, dfsc;
};

static uint32_t dabt_iss(struct dabt_fields f)
{
	return (f.isv << 24) | (f.sas << 22) | (f.sse << 21) | (f.srt << 16) |
	       (f.sf << 15) | (f.ar << 14) | (f.s1ptw << 7) | (f.wnr << 6) | f.dfsc;
}

/* An EC 0x24 (data abort from a lower EL) syndrome, 32-bit instruction. */
static uint64_t dabt_esr(struct dabt_fields f)
{
	return make_esr(0x24, true, dabt_iss(f));
}

/* MSR/MRS ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Dir [0]. */
static uint64_t sysreg_esr(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
			   unsigned op2, unsigned rt, bool read)
{
	return make_esr(0x18, true, (op0 << 20) | (op2 << 17) | (op1 << 14) |
				    (crn << 10) | (rt << 5) | (crm << 1) | read);
}

START_TEST(ec_and_il)
{
	static const unsigned ecs[] = { 0x00, 0x01, 0x07, 0x0e, 0x15, 0x16, 0x17,
					0x18, 0x20, 0x24, 0x25, 0x2f, 0x3c, 0x3f };

	for (size_t i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		uint64_t e = make_esr(ecs[i], true, 0x1ffffff);

		ck_assert_uint_eq(esr_ec(e), ecs[i]);
		ck_assert_uint_eq(esr_ec(make_esr(ecs[i], false, 0)), ecs[i]);
		/* ISS2 and the RES0 top half must not leak into EC. */
		ck_assert_uint_eq(esr_ec(e | 0xffffffff00000000ull), ecs[i]);
	}
	ck_assert_uint_eq(esr_ec(make_esr(0x24, true, 0)), EC_DABT_LOW);
	ck_assert_uint_eq(esr_ec(make_esr(0x16, true, 0)), EC_HVC64);
	ck_assert_uint_eq(esr_ec(make_esr(0x18, true, 0)), EC_SYSREG);
	ck_assert_uint_eq(esr_insn_len(make_esr(0x24, true, 0)), 4);
	ck_assert_uint_eq(esr_insn_len(make_esr(0x24, false, 0x1ffffff)), 2);
	ck_assert_uint_eq(esr_insn_len(make_esr(0x3f, false, 0) | 0xffffffff00000000ull), 2);
}
END_TEST

START_TEST(wfx_kind)
{
	/* ISS.TI [1:0]: 0b00 WFI, 0b01 WFE, 0b10 WFIT, 0b11 WFET. */
	ck_assert(!esr_wfx_is_wfe(make_esr(0x01, true, 0)));
	ck_assert(esr_wfx_is_wfe(make_esr(0x01, true, 1)));
	ck_assert(!esr_wfx_is_wfe(make_esr(0x01, true, 2)));
	ck_assert(esr_wfx_is_wfe(make_esr(0x01, true, 3)));
}
END_TEST

/* WFIT/WFET name their timeout register when RV is set (FEAT_WFxT). */
START_TEST(wfxt_timeout_register)
{
	unsigned reg;

	for (unsigned r = 0; r < 32; r++) {
		ck_assert(esr_wfx_timeout_reg(make_esr(0x01, true, (r << 5) | 4 | 2), &reg));
		ck_assert_uint_eq(reg, r);
		ck_assert(esr_wfx_timeout_reg(make_esr(0x01, true, (r << 5) | 4 | 3), &reg));
		ck_assert_uint_eq(reg, r);
	}
	ck_assert(!esr_wfx_timeout_reg(make_esr(0x01, true, (5 << 5) | 2), &reg)); /* RV 0 */
	ck_assert(!esr_wfx_timeout_reg(make_esr(0x01, true, 0), &reg));           /* WFI */
	ck_assert(!esr_wfx_timeout_reg(make_esr(0x01, true, 1), &reg));           /* WFE */
}
END_TEST

START_TEST(dabt_fields_decoded)
{
	struct dabt_info d = esr_decode_dabt(dabt_esr((struct dabt_fields){
		.isv = 1, .sas = 2, .sse = 1, .srt = 17, .sf = 1, .wnr = 1, .dfsc = 0x06 }));

	ck_assert(d.valid);
	ck_assert_uint_eq(d.size, 4);
	ck_assert(d.sign_extend);
	ck_assert_uint_eq(d.reg, 17);
	ck_assert(d.reg64);
	ck_assert(d.write);
	ck_assert(!d.s1ptw);
	ck_assert_uint_eq(d.dfsc, 0x06);

	/* Everything clear except ISV. */
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1 }));
	ck_assert(d.valid);
	ck_assert_uint_eq(d.size, 1);
	ck_assert(!d.sign_extend);
	ck_assert_uint_eq(d.reg, 0);
	ck_assert(!d.reg64);
	ck_assert(!d.write);
	ck_assert(!d.s1ptw);
	ck_assert_uint_eq(d.dfsc, 0);

	/* ISV clear: not decodable. */
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .sas = 3, .srt = 5, .wnr = 1,
							  .dfsc = 0x07 }));
	ck_assert(!d.valid);
	ck_assert(d.write);
	ck_assert_uint_eq(d.dfsc, 0x07);
}
END_TEST

START_TEST(dabt_sas_sizes)
{
	static const unsigned size[4] = { 1, 2, 4, 8 };

	for (unsigned sas = 0; sas < 4; sas++) {
		struct dabt_info d = esr_decode_dabt(dabt_esr((struct dabt_fields){
			.isv = 1, .sas = sas, .srt = 3, .sf = 1 }));

		ck_assert_uint_eq(d.size, size[sas]);
		ck_assert_uint_eq(d.reg, 3);
		ck_assert(!d.sign_extend);
	}
}
END_TEST

START_TEST(dabt_srt_all_registers)
{
	for (unsigned r = 0; r < 32; r++) {
		/* Neighbouring fields all set, to catch a field that is too wide. */
		struct dabt_info d = esr_decode_dabt(dabt_esr((struct dabt_fields){
			.isv = 1, .sas = 3, .sse = 1, .srt = r, .sf = 1, .ar = 1, .dfsc = 0x3f }));

		ck_assert_uint_eq(d.reg, r);
		ck_assert_uint_eq(d.size, 8);
		ck_assert(d.sign_extend && d.reg64 && d.valid);
		d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1, .srt = r }));
		ck_assert_uint_eq(d.reg, r);
		ck_assert(!d.sign_extend && !d.reg64);
		ck_assert_uint_eq(d.size, 1);
	}
	ck_assert_uint_eq(esr_decode_dabt(dabt_esr((struct dabt_fields){
		.isv = 1, .srt = 31 })).reg, 31);
}
END_TEST

START_TEST(dabt_single_bits)
{
	struct dabt_info d;

	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1, .sse = 1 }));
	ck_assert(d.sign_extend && !d.reg64 && !d.write);
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1, .sf = 1 }));
	ck_assert(!d.sign_extend && d.reg64 && !d.write);
	ck_assert_uint_eq(d.reg, 0);
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1, .wnr = 1 }));
	ck_assert(!d.sign_extend && !d.reg64 && d.write);
	ck_assert_uint_eq(d.dfsc, 0);
	/* AR, FnV, EA, CM (bits 14, 10, 9, 8) change none of the decoded fields. */
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1 }) |
			    (1u << 14) | (1u << 10) | (1u << 9) | (1u << 8));
	ck_assert(d.valid && !d.write && !d.sign_extend && !d.reg64 && !d.s1ptw);
	ck_assert_uint_eq(d.size, 1);
	ck_assert_uint_eq(d.reg, 0);
	ck_assert_uint_eq(d.dfsc, 0);
	/* DFSC is the low six bits. */
	for (unsigned fsc = 0; fsc < 64; fsc++) {
		d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .isv = 1, .wnr = 1, .dfsc = fsc }));
		ck_assert_uint_eq(d.dfsc, fsc);
		ck_assert(d.write);
	}
	/* Translation fault level 2, permission fault level 3. */
	ck_assert_uint_eq(esr_decode_dabt(dabt_esr((struct dabt_fields){ .dfsc = 0x06 })).dfsc &
			  DFSC_TYPE_MASK, DFSC_TRANSLATION);
	ck_assert_uint_eq(esr_decode_dabt(dabt_esr((struct dabt_fields){ .dfsc = 0x0f })).dfsc &
			  DFSC_TYPE_MASK, DFSC_PERMISSION);
}
END_TEST

START_TEST(dabt_s1ptw_not_emulated)
{
	struct dabt_info d = esr_decode_dabt(dabt_esr((struct dabt_fields){
		.isv = 1, .sas = 2, .srt = 4, .s1ptw = 1, .wnr = 1, .dfsc = 0x07 }));

	ck_assert(d.s1ptw);
	ck_assert(!d.valid);
	ck_assert_uint_eq(d.dfsc, 0x07);
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){ .s1ptw = 1 }));
	ck_assert(d.s1ptw && !d.valid);
}
END_TEST

/*
 * HPFAR_EL2 holds the IPA for every stage-2 abort but a permission fault
 * that is not on a stage-1 walk (D13.2.55): such a fault must never be
 * looked up as a device access.
 */
START_TEST(hpfar_valid_except_permission)
{
	for (unsigned fsc = 0; fsc < 64; fsc++) {
		bool perm = (fsc & DFSC_TYPE_MASK) == DFSC_PERMISSION;
		uint64_t esr = dabt_esr((struct dabt_fields){ .isv = 1, .dfsc = fsc });

		ck_assert_int_eq(esr_abort_hpfar_valid(esr), !perm);
		/* On a stage-1 walk HPFAR is the table's IPA, whatever the fault. */
		esr = dabt_esr((struct dabt_fields){ .isv = 1, .s1ptw = 1, .dfsc = fsc });
		ck_assert(esr_abort_hpfar_valid(esr));
	}
	/* An instruction abort (EC 0x20) has the same layout. */
	ck_assert(!esr_abort_hpfar_valid(make_esr(0x20, true, 0x0f)));
	ck_assert(esr_abort_hpfar_valid(make_esr(0x20, true, 0x07)));
}
END_TEST

/* dabt_load_value for a load of `size` bytes, signed or not, into X or W. */
static uint64_t load(unsigned size, bool sse, bool sf, uint64_t data)
{
	struct dabt_info d = { .valid = true, .size = size, .sign_extend = sse, .reg64 = sf };

	return dabt_load_value(&d, data);
}

START_TEST(load_extension)
{
	/* Byte. */
	ck_assert_uint_eq(load(1, false, true, 0x80), 0x80);
	ck_assert_uint_eq(load(1, false, false, 0x80), 0x80);
	ck_assert_uint_eq(load(1, true, true, 0x80), 0xffffffffffffff80ull);
	ck_assert_uint_eq(load(1, true, false, 0x80), 0x00000000ffffff80ull);
	ck_assert_uint_eq(load(1, true, true, 0x7f), 0x7f);
	ck_assert_uint_eq(load(1, true, true, 0xdeadbeefcafe1280ull), 0xffffffffffffff80ull);
	ck_assert_uint_eq(load(1, false, true, 0xdeadbeefcafe12ffull), 0xff);
	/* Halfword. */
	ck_assert_uint_eq(load(2, false, true, 0x8000), 0x8000);
	ck_assert_uint_eq(load(2, true, true, 0x8000), 0xffffffffffff8000ull);
	ck_assert_uint_eq(load(2, true, false, 0x8000), 0x00000000ffff8000ull);
	ck_assert_uint_eq(load(2, true, true, 0x7fff), 0x7fff);
	ck_assert_uint_eq(load(2, false, false, 0x123458000ull), 0x8000);
	/* Word. */
	ck_assert_uint_eq(load(4, false, true, 0x80000000), 0x80000000);
	ck_assert_uint_eq(load(4, true, true, 0x80000000), 0xffffffff80000000ull);
	ck_assert_uint_eq(load(4, true, false, 0x80000000), 0x80000000);
	ck_assert_uint_eq(load(4, true, true, 0x7fffffff), 0x7fffffff);
	ck_assert_uint_eq(load(4, false, true, 0xffffffff12345678ull), 0x12345678);
	ck_assert_uint_eq(load(4, false, false, 0xffffffff87654321ull), 0x87654321);
	/* Doubleword: unchanged. */
	ck_assert_uint_eq(load(8, false, true, 0x8000000000000001ull), 0x8000000000000001ull);
	ck_assert_uint_eq(load(8, true, true, 0x8000000000000001ull), 0x8000000000000001ull);
	ck_assert_uint_eq(load(8, false, true, 0), 0);
}
END_TEST

/* Decode then load, end to end: LDRSB w5 with data 0xf0. */
START_TEST(load_via_decode)
{
	struct dabt_info d = esr_decode_dabt(dabt_esr((struct dabt_fields){
		.isv = 1, .sas = 0, .sse = 1, .srt = 5, .sf = 0, .dfsc = 0x05 }));

	ck_assert_uint_eq(dabt_load_value(&d, 0xf0), 0xfffffff0);
	d = esr_decode_dabt(dabt_esr((struct dabt_fields){
		.isv = 1, .sas = 1, .sse = 1, .srt = 5, .sf = 1 }));
	ck_assert_uint_eq(dabt_load_value(&d, 0xfffe), 0xfffffffffffffffeull);
}
END_TEST

START_TEST(sysreg_fields)
{
	struct sysreg_access a;

	/* MRS x3, S3_4_C15_C0_0 */
	a = esr_decode_sysreg(sysreg_esr(3, 4, 15, 0, 0, 3, true));
	ck_assert_uint_eq(a.op0, 3);
	ck_assert_uint_eq(a.op1, 4);
	ck_assert_uint_eq(a.crn, 15);
	ck_assert_uint_eq(a.crm, 0);
	ck_assert_uint_eq(a.op2, 0);
	ck_assert_uint_eq(a.reg, 3);
	ck_assert(a.read);

	/* MSR ICC_SGI1R_EL1 (S3_0_C12_C11_5), x7 */
	a = esr_decode_sysreg(sysreg_esr(3, 0, 12, 11, 5, 7, false));
	ck_assert_uint_eq(a.op0, 3);
	ck_assert_uint_eq(a.op1, 0);
	ck_assert_uint_eq(a.crn, 12);
	ck_assert_uint_eq(a.crm, 11);
	ck_assert_uint_eq(a.op2, 5);
	ck_assert_uint_eq(a.reg, 7);
	ck_assert(!a.read);

	/* MSR MDSCR_EL1 (S2_0_C0_C2_2), xzr */
	a = esr_decode_sysreg(sysreg_esr(2, 0, 0, 2, 2, 31, false));
	ck_assert_uint_eq(a.op0, 2);
	ck_assert_uint_eq(a.op1, 0);
	ck_assert_uint_eq(a.crn, 0);
	ck_assert_uint_eq(a.crm, 2);
	ck_assert_uint_eq(a.op2, 2);
	ck_assert_uint_eq(a.reg, 31);
	ck_assert(!a.read);

	/* Every field at its maximum, then each alone: no field bleeds into another. */
	a = esr_decode_sysreg(sysreg_esr(3, 7, 15, 15, 7, 31, true));
	ck_assert(a.op0 == 3 && a.op1 == 7 && a.crn == 15 && a.crm == 15 && a.op2 == 7 &&
		  a.reg == 31 && a.read);
	a = esr_decode_sysreg(sysreg_esr(0, 7, 0, 0, 0, 0, false));
	ck_assert(a.op0 == 0 && a.op1 == 7 && a.crn == 0 && a.crm == 0 && a.op2 == 0 &&
		  a.reg == 0 && !a.read);
	a = esr_decode_sysreg(sysreg_esr(0, 0, 0, 0, 7, 0, false));
	ck_assert(a.op0 == 0 && a.op1 == 0 && a.op2 == 7 && a.crn == 0);
	a = esr_decode_sysreg(sysreg_esr(0, 0, 0, 15, 0, 0, false));
	ck_assert(a.crm == 15 && a.reg == 0 && !a.read && a.crn == 0);
	a = esr_decode_sysreg(sysreg_esr(0, 0, 15, 0, 0, 0, false));
	ck_assert(a.crn == 15 && a.op1 == 0 && a.reg == 0);
	a = esr_decode_sysreg(sysreg_esr(0, 0, 0, 0, 0, 31, false));
	ck_assert(a.reg == 31 && a.crn == 0 && a.crm == 0);
	/* ISS [24:22] is RES0 for this EC; it must not widen Op0. */
	a = esr_decode_sysreg(sysreg_esr(1, 0, 0, 0, 0, 0, false) | (7u << 22));
	ck_assert_uint_eq(a.op0, 1);
}
END_TEST

START_TEST(fault_ipa_combines)
{
	/* HPFAR_EL2.FIPA [43:4] holds IPA[51:12]; NS is bit 63. */
	static const uint64_t ipas[] = { 0x0, 0x09000000, 0x40001abc, 0xfffffffffffull,
					 0xabcdef012345ull };

	for (size_t i = 0; i < sizeof(ipas) / sizeof(ipas[0]); i++) {
		uint64_t ipa = ipas[i];
		uint64_t hpfar = (ipa >> 12) << 4;
		uint64_t far = 0xffff800012345000ull | (ipa & 0xfff);

		ck_assert_uint_eq(fault_ipa(hpfar, far), ipa);
		/* NS and the low RES0 bits of HPFAR are ignored. */
		ck_assert_uint_eq(fault_ipa(hpfar | (1ull << 63) | 0xf, far), ipa);
	}
	ck_assert_uint_eq(fault_ipa(0x90000, 0x123), 0x09000123);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("esr");

	HOST_TEST(s, ec_and_il);
	HOST_TEST(s, wfx_kind);
	HOST_TEST(s, wfxt_timeout_register);
	HOST_TEST(s, dabt_fields_decoded);
	HOST_TEST(s, dabt_sas_sizes);
	HOST_TEST(s, dabt_srt_all_registers);
	HOST_TEST(s, dabt_single_bits);
	HOST_TEST(s, dabt_s1ptw_not_emulated);
	HOST_TEST(s, hpfar_valid_except_permission);
	HOST_TEST(s, load_extension);
	HOST_TEST(s, load_via_decode);
	HOST_TEST(s, sysreg_fields);
	HOST_TEST(s, fault_ipa_combines);
}
