/*
 * Test guest: instructions numbat does not emulate come back as an
 * Undefined exception (ESR_EL1.EC = 0, ELR_EL1 = the instruction): an
 * undefined encoding, IMPLEMENTATION DEFINED and EL2/EL3 system registers.
 * SMC reaches numbat: PSCI works over it and unknown function IDs return
 * SMCCC_NOT_SUPPORTED.
 */
#include "numbat.h"

/* Runs the one instruction `insn` (an asm string) expecting EC 0 at it. */
#define EXPECT_UNDEF(insn) do {                                              \
	uint64_t pc_ = 0;                                                    \
	struct exc_info x_ = CATCH_EXCEPTION(                                \
		__asm__ volatile("adr %0, 1f\n1:\t" insn : "=&r"(pc_)       \
				 : : "x0", "memory"));                       \
	printf("%s: taken %d esr 0x%lx elr 0x%lx\n", insn, x_.taken,        \
	       (unsigned long)x_.esr, (unsigned long)x_.elr);                \
	EXPECT_TRUE(x_.taken);                                               \
	if (x_.taken) {                                                      \
		EXPECT_EQ(ESR_EC(x_.esr), ESR_EC_UNKNOWN);                   \
		EXPECT_EQ((x_.esr >> 25) & 1, 1);                            \
		EXPECT_EQ(x_.elr, pc_);                                      \
	}                                                                    \
} while (0)

TEST(traps, udf)
{
	EXPECT_UNDEF(".inst 0x00000000");
	EXPECT_UNDEF("udf #0x1234");
}

TEST(traps, execution_continues_after_undef)
{
	volatile int before = 1, after = 0;
	struct exc_info x = CATCH_EXCEPTION(__asm__ volatile(".inst 0" : : : "memory"));

	after = before + 1;
	EXPECT_TRUE(x.taken);
	EXPECT_EQ(after, 2);
}

/*
 * Unallocated IMPLEMENTATION DEFINED encodings. (Registers the CPU model
 * does implement, such as Cortex-A72 CPUACTLR_EL1, cannot be tested: QEMU
 * 7.2 does not implement the HCR_EL2.TIDCP trap, so EL1 reaches them.)
 */
TEST(traps, impdef_sysreg_unallocated)
{
	EXPECT_UNDEF("mrs x0, s3_0_c15_c0_0");
	EXPECT_UNDEF("msr s3_0_c15_c0_0, x0");
	EXPECT_UNDEF("mrs x0, s3_4_c15_c0_0");
}

TEST(traps, el2_el3_sysregs)
{
	EXPECT_UNDEF("mrs x0, s3_4_c1_c1_0");      /* HCR_EL2 */
	EXPECT_UNDEF("msr s3_4_c1_c1_0, xzr");
	EXPECT_UNDEF("mrs x0, s3_4_c12_c0_0");     /* VBAR_EL2 */
	EXPECT_UNDEF("mrs x0, s3_6_c1_c1_0");      /* SCR_EL3 */
}

TEST(traps, smc_psci)
{
	EXPECT_EQ(smc(PSCI_VERSION, 0, 0, 0), PSCI_VERSION_1_1);
	EXPECT_EQ(smc(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), PSCI_MIGRATE_NOT_PRESENT);
	EXPECT_EQ(smc(PSCI_AFFINITY_INFO_64, 0, 0, 0), PSCI_AFF_ON);
}

TEST(traps, smc_unknown_function)
{
	static const uint32_t ids[] = {
		0xC2000000u, 0x82000001u, 0xC4000100u, 0x8400001Fu,
		0xB2000000u, 0x00000001u, 0xFFFFFFFFu,
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct smccc_res r = { 0 };
		struct exc_info x = CATCH_EXCEPTION(r = smc_call(ids[i], 0, 0, 0));

		if (x.taken || (int64_t)r.a0 != SMCCC_NOT_SUPPORTED)
			printf("smc 0x%08x: exception %d esr 0x%lx, x0 %ld\n",
			       ids[i], x.taken, (unsigned long)x.esr,
			       (long)r.a0);
		EXPECT_FALSE(x.taken);
		EXPECT_EQ((int64_t)r.a0, SMCCC_NOT_SUPPORTED);
	}
}

/*
 * WFI with the virtual timer as wake-up event completes (numbat traps WFI
 * and blocks the vCPU until the timer is due). Last: a WFI that never
 * completes ends the run by timeout.
 */
TEST(traps, wfi_wakes_on_timer)
{
	uint64_t start = counter_read();

	vtimer_arm_ms(5);
	__asm__ volatile("wfi" : : : "memory");
	vtimer_disarm();
	printf("wfi returned after %lu us\n",
	       (unsigned long)((counter_read() - start) * 1000000 / counter_freq()));
	EXPECT_GE(counter_read() - start, 1);
}
