/*
 * Test guest: one VM's debug state never reaches another VM on the same
 * pCPU. Both VMs run this image (same addresses), interleaving on yields.
 * VM 0 arms a breakpoint on iso_target, a watchpoint on `watched` and
 * enables MDSCR_EL1.MDE/KDE, and checks they keep firing across switches.
 * VM 1 first never touches a debug register (numbat must clear the
 * hardware for it), with PSTATE.D clear it calls iso_target and stores to
 * `watched` between yields and must take nothing; then it reads its own
 * debug registers (the reset values), enables MDE/KDE itself with no
 * breakpoint of its own, and still takes nothing.
 */
#include "numbat.h"

#define ROUNDS        100
#define MDSCR_KDE     (1ull << 13)
#define MDSCR_MDE     (1ull << 15)
#define BCR_EL1_EXEC  (1ull | (1ull << 1) | (0xfull << 5))
#define WCR_EL1_STORE (1ull | (1ull << 1) | (2ull << 3) | (0xffull << 5))

static volatile uint64_t watched __attribute__((aligned(8)));

void iso_target(void);
__asm__(".global iso_target\n.balign 4\niso_target:\n\tnop\n\tret\n");

static void debugger(void)
{
	int bp = 0, wp = 0, kept = 0;

	sysreg_write(oslar_el1, 0);
	sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)iso_target);
	sysreg_write(dbgbcr0_el1, BCR_EL1_EXEC);
	sysreg_write(dbgwvr0_el1, (uint64_t)(uintptr_t)&watched);
	sysreg_write(dbgwcr0_el1, WCR_EL1_STORE);
	sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
	__asm__ volatile("msr daifclr, #8" : : : "memory");
	isb();
	for (int i = 0; i < ROUNDS; i++) {
		numbat_yield();
		bp += CATCH_EXCEPTION(iso_target()).taken;
		wp += CATCH_EXCEPTION(watched = (uint64_t)i).taken;
		kept += sysreg_read(dbgbcr0_el1) == BCR_EL1_EXEC &&
			sysreg_read(mdscr_el1) == (MDSCR_MDE | MDSCR_KDE);
	}
	EXPECT_EQ(bp, ROUNDS);
	EXPECT_EQ(wp, ROUNDS);
	EXPECT_EQ(kept, ROUNDS);
}

/* Calls the breakpointed function and stores to the watched word. */
static int victim_round(uint64_t i)
{
	int taken = 0;

	numbat_yield();
	taken += CATCH_EXCEPTION(iso_target()).taken;
	taken += CATCH_EXCEPTION(watched = i).taken;
	return taken;
}

static void victim(void)
{
	int taken = 0;

	/* Never touches a debug register; only unmasks debug exceptions. */
	__asm__ volatile("msr daifclr, #8" : : : "memory");
	isb();
	for (int i = 0; i < ROUNDS; i++)
		taken += victim_round((uint64_t)i);
	EXPECT_EQ(taken, 0);
	EXPECT_EQ(watched, ROUNDS - 1);

	/* Its own registers: the reset values, whatever VM 0 wrote. */
	EXPECT_EQ(sysreg_read(oslsr_el1), 0xa);
	EXPECT_EQ(sysreg_read(mdscr_el1), 0);
	EXPECT_EQ(sysreg_read(dbgbcr0_el1), 0);
	EXPECT_EQ(sysreg_read(dbgbvr0_el1), 0);
	EXPECT_EQ(sysreg_read(dbgwcr0_el1), 0);
	EXPECT_EQ(sysreg_read(dbgwvr0_el1), 0);
	sysreg_write(oslar_el1, 0);
	sysreg_write(mdscr_el1, MDSCR_MDE | MDSCR_KDE);
	isb();
	taken = 0;
	for (int i = 0; i < ROUNDS; i++) {
		taken += victim_round((uint64_t)i);
		EXPECT_EQ(sysreg_read(dbgbcr0_el1), 0);
	}
	EXPECT_EQ(taken, 0);
	__asm__ volatile("msr daifset, #8" : : : "memory");
	sysreg_write(mdscr_el1, 0);
}

TEST(debug_iso, same_pcpu)
{
	uint64_t id = numbat_vm_id(NULL);

	printf("vm id %ld\n", (long)id);
	if (id == 0)
		debugger();
	else
		victim();
}
