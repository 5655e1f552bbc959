/*
 * State-leak probe: two VMs running this image share one pCPU. VM 0, the
 * reader, records what every EL1/EL0 system register it can read holds,
 * yields the pCPU for a while, and reads them all again. VM 1, the writer,
 * waits a little, then writes a distinctive value into every register
 * that it can write (an UNDEF is caught and skipped), and powers off.
 * Whatever the writer managed to write must not show in the reader's
 * second reading: the rule is that nothing a VM writes survives into
 * another VM. ESR/FAR/ELR/SPSR_EL1 are left out (the reader's own caught
 * UNDEFs change them); the debug registers have their own tests.
 */
#include "numbat.h"

struct probe_reg {
	const char *name;
	uint64_t (*read)(void);
	void (*write)(uint64_t v);
};

#define PROBE(name, enc)                                                      \
	static uint64_t rd_##name(void) { return sysreg_read(enc); }          \
	static void wr_##name(uint64_t v) { sysreg_write(enc, v); isb(); }
#define REG(name) { #name, rd_##name, wr_##name }

PROBE(tpidr_el0, s3_3_c13_c0_2)
PROBE(tpidrro_el0, s3_3_c13_c0_3)
PROBE(tpidr_el1, s3_0_c13_c0_4)
PROBE(tpidr2_el0, s3_3_c13_c0_5)
PROBE(contextidr_el1, s3_0_c13_c0_1)
PROBE(scxtnum_el0, s3_3_c13_c0_7)
PROBE(scxtnum_el1, s3_0_c13_c0_7)
PROBE(accdata_el1, s3_0_c13_c0_5)
PROBE(afsr0_el1, s3_0_c5_c1_0)
PROBE(afsr1_el1, s3_0_c5_c1_1)
PROBE(par_el1, s3_0_c7_c4_0)
PROBE(csselr_el1, s3_2_c0_c0_0)
PROBE(cntkctl_el1, s3_0_c14_c1_0)
PROBE(amair_el1, s3_0_c10_c3_0)
PROBE(cntv_cval_el0, s3_3_c14_c3_2)
PROBE(cntv_ctl_el0, s3_3_c14_c3_1)
PROBE(cntp_cval_el0, s3_3_c14_c2_2)
PROBE(disr_el1, s3_0_c12_c1_1)
PROBE(errselr_el1, s3_0_c5_c3_1)
PROBE(gcr_el1, s3_0_c1_c0_6)
PROBE(rgsr_el1, s3_0_c1_c0_5)
PROBE(tfsr_el1, s3_0_c5_c6_0)
PROBE(tfsre0_el1, s3_0_c5_c6_1)
PROBE(zcr_el1, s3_0_c1_c2_0)
PROBE(smcr_el1, s3_0_c1_c2_6)
PROBE(smpri_el1, s3_0_c1_c2_4)
PROBE(trfcr_el1, s3_0_c1_c2_1)
PROBE(mpam0_el1, s3_0_c10_c5_1)
PROBE(mpam1_el1, s3_0_c10_c5_0)
PROBE(lorsa_el1, s3_0_c10_c4_0)
PROBE(pmscr_el1, s3_0_c9_c9_0)
PROBE(pmuserenr_el0, s3_3_c9_c14_0)
PROBE(pmselr_el0, s3_3_c9_c12_5)
PROBE(apiakeylo_el1, s3_0_c2_c1_0)
PROBE(apiakeyhi_el1, s3_0_c2_c1_1)
PROBE(apibkeylo_el1, s3_0_c2_c1_2)
PROBE(apdakeylo_el1, s3_0_c2_c2_0)
PROBE(apdbkeylo_el1, s3_0_c2_c2_2)
PROBE(apgakeylo_el1, s3_0_c2_c3_0)
PROBE(amcr_el0, s3_3_c13_c2_0)
PROBE(amuserenr_el0, s3_3_c13_c2_3)
PROBE(amcntenset0_el0, s3_3_c13_c2_5)
PROBE(amcntenset1_el0, s3_3_c13_c3_1)
PROBE(amevtyper10_el0, s3_3_c13_c14_0)
PROBE(amevcntr10_el0, s3_3_c13_c12_0)
PROBE(icc_pmr_el1, s3_0_c4_c6_0)
PROBE(icc_bpr0_el1, s3_0_c12_c8_3)
PROBE(icc_bpr1_el1, s3_0_c12_c12_3)
PROBE(icc_ctlr_el1, s3_0_c12_c12_4)
PROBE(icc_igrpen0_el1, s3_0_c12_c12_6)
PROBE(icc_igrpen1_el1, s3_0_c12_c12_7)
PROBE(icc_ap0r0_el1, s3_0_c12_c8_4)
PROBE(icc_ap1r0_el1, s3_0_c12_c9_0)
PROBE(fpcr, s3_3_c4_c4_0)
PROBE(fpsr, s3_3_c4_c4_1)

static const struct probe_reg regs[] = {
	REG(tpidr_el0), REG(tpidrro_el0), REG(tpidr_el1), REG(tpidr2_el0),
	REG(contextidr_el1), REG(scxtnum_el0), REG(scxtnum_el1),
	REG(accdata_el1), REG(afsr0_el1), REG(afsr1_el1), REG(par_el1),
	REG(csselr_el1), REG(cntkctl_el1), REG(amair_el1), REG(cntv_cval_el0),
	REG(cntv_ctl_el0), REG(cntp_cval_el0), REG(disr_el1), REG(errselr_el1),
	REG(gcr_el1), REG(rgsr_el1), REG(tfsr_el1), REG(tfsre0_el1),
	REG(zcr_el1), REG(smcr_el1), REG(smpri_el1), REG(trfcr_el1),
	REG(mpam0_el1), REG(mpam1_el1), REG(lorsa_el1), REG(pmscr_el1),
	REG(pmuserenr_el0), REG(pmselr_el0), REG(apiakeylo_el1),
	REG(apiakeyhi_el1), REG(apibkeylo_el1), REG(apdakeylo_el1),
	REG(apdbkeylo_el1), REG(apgakeylo_el1), REG(amcr_el0),
	REG(amuserenr_el0), REG(amcntenset0_el0), REG(amcntenset1_el0),
	REG(amevtyper10_el0), REG(amevcntr10_el0), REG(icc_pmr_el1),
	REG(icc_bpr0_el1), REG(icc_bpr1_el1), REG(icc_ctlr_el1),
	REG(icc_igrpen0_el1), REG(icc_igrpen1_el1), REG(icc_ap0r0_el1),
	REG(icc_ap1r0_el1), REG(fpcr), REG(fpsr),
};

#define NREGS (sizeof(regs) / sizeof(regs[0]))

/* A value with bits set in every field, different for each register. */
#define PATTERN(i) (0xa5a5a5a5a5a5a5a5ull ^ ((uint64_t)(i) * 0x0101010101010101ull))

/* Reads register i; false if it is not readable (UNDEF caught). */
static bool probe_read(unsigned i, uint64_t *v)
{
	struct exc_info e = CATCH_EXCEPTION(*v = regs[i].read());

	return !e.taken;
}

static void writer(void)
{
	unsigned wrote = 0;

	delay_ms(50);           /* the reader takes its baseline first */
	printf("leak-probe: writer start\n");
	for (unsigned i = 0; i < NREGS; i++) {
		uint64_t v = 0;
		struct exc_info e = CATCH_EXCEPTION(regs[i].write(PATTERN(i)));

		if (e.taken || !probe_read(i, &v))
			continue;
		wrote++;
		printf("leak-probe: wrote %s = 0x%lx\n", regs[i].name, (unsigned long)v);
	}
	printf("leak-probe: writer wrote %u registers\n", wrote);
	psci_system_off();
}

static uint64_t baseline[NREGS];
static bool readable[NREGS];

/*
 * Reader side: every register it can read holds, after the writer ran on
 * this pCPU, what it held before.
 */
TEST(attack, state_leak_probe)
{
	unsigned changed = 0, n = 0;

	for (unsigned i = 0; i < NREGS; i++)
		readable[i] = probe_read(i, &baseline[i]);
	printf("leak-probe: reader baseline taken\n");
	delay_ms(300);          /* the writer runs in our yields */
	for (unsigned i = 0; i < NREGS; i++) {
		uint64_t v = 0;

		if (!readable[i] || !probe_read(i, &v))
			continue;
		n++;
		if (v != baseline[i]) {
			printf("leak-probe: %s changed: 0x%lx -> 0x%lx\n", regs[i].name,
			       (unsigned long)baseline[i], (unsigned long)v);
			changed++;
		}
	}
	printf("leak-probe: reader compared %u registers\n", n);
	EXPECT_GT(n, 10);
	EXPECT_EQ(changed, 0);
}

int main(void)
{
	if (numbat_vm_id(NULL) != 0)
		writer();
	return test_run_all();
}
