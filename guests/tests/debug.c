/*
 * Test guest: self-hosted debug at EL1 (Arm ARM D2). The vCPU's OS lock
 * resets locked and unlocks through OSLAR_EL1; with MDSCR_EL1.MDE and KDE
 * set and PSTATE.D clear, a hardware breakpoint (ESR EC 0x31), a
 * watchpoint (EC 0x35) and software step (EC 0x33) are taken at EL1 from
 * EL1, one step per instruction even over instructions numbat emulates
 * (an ID register read, a trapped SMC) and over an HVC;
 * PSTATE.D, KDE or the OS lock each keep them from being taken.
 */
#include "numbat.h"

#define EC_BKPT_CUR   0x31
#define EC_STEP_CUR   0x33
#define EC_WATCH_CUR  0x35
#define MDSCR_SS      (1ull << 0)
#define MDSCR_KDE     (1ull << 13)
#define MDSCR_MDE     (1ull << 15)
#define PSR_SS        (1ull << 21)
/* DBGBCR: E, PMC = 0b01 (EL1), BAS = 0b1111, unlinked address match. */
#define BCR_EL1_EXEC  (1ull | (1ull << 1) | (0xfull << 5))
/* DBGWCR: E, PAC = 0b01 (EL1), LSC = 0b10 (stores), BAS = all 8 bytes. */
#define WCR_EL1_STORE (1ull | (1ull << 1) | (2ull << 3) | (0xffull << 5))

static volatile uint64_t watched __attribute__((aligned(8)));

/* The breakpoint target: one instruction the handler can step over. */
void bp_target(void);
__asm__(".global bp_target\n.balign 4\nbp_target:\n\tnop\n\tret\n");

static void debug_enable(uint64_t mdscr)
{
	sysreg_write(mdscr_el1, mdscr);
	__asm__ volatile("msr daifclr, #8" : : : "memory"); /* PSTATE.D = 0 */
	isb();
}

static void debug_off(void)
{
	__asm__ volatile("msr daifset, #8" : : : "memory");
	sysreg_write(mdscr_el1, 0);
	sysreg_write(dbgbcr0_el1, 0);
	sysreg_write(dbgwcr0_el1, 0);
	isb();
}

static void unlock_os(void)
{
	sysreg_write(oslar_el1, 0);
	isb();
}

TEST(debug, id_aa64dfr0_advertises_breakpoints)
{
	uint64_t dfr0 = sysreg_read(id_aa64dfr0_el1);

	printf("ID_AA64DFR0_EL1 0x%lx\n", (unsigned long)dfr0);
	EXPECT_GE(dfr0 & 0xf, 6);                  /* DebugVer: Armv8 debug */
	EXPECT_GE((dfr0 >> 12) & 0xf, 1);          /* BRPs: at least 2 */
	EXPECT_GE((dfr0 >> 20) & 0xf, 1);          /* WRPs: at least 2 */
	EXPECT_EQ((dfr0 >> 8) & 0xf, 0);           /* no PMU */
	EXPECT_EQ((dfr0 >> 4) & 0xf, 0);           /* no trace */
	EXPECT_EQ((dfr0 >> 32) & 0xf, 0);          /* no SPE */
	EXPECT_EQ((dfr0 >> 36) & 0xf, 0xf);        /* no OS Double Lock */
}

TEST(debug, os_lock_resets_locked)
{
	EXPECT_EQ(sysreg_read(oslsr_el1), 0xa);    /* OSLM 0b10, OSLK 1 */
	unlock_os();
	EXPECT_EQ(sysreg_read(oslsr_el1), 0x8);
	EXPECT_EQ(sysreg_read(osdlr_el1), 0);
	sysreg_write(osdlr_el1, 1);                /* no double lock: WI */
	EXPECT_EQ(sysreg_read(osdlr_el1), 0);
}

TEST(debug, registers_read_back)
{
	unsigned brps = (unsigned)((sysreg_read(id_aa64dfr0_el1) >> 12) & 0xf) + 1;

	unlock_os();
	EXPECT_EQ(sysreg_read(mdscr_el1), 0);
	sysreg_write(dbgbvr0_el1, 0x40001230ull);
	sysreg_write(dbgbvr1_el1, 0x40004560ull);
	sysreg_write(dbgwvr1_el1, 0x40007890ull);
	sysreg_write(mdscr_el1, MDSCR_KDE);
	isb();
	EXPECT_EQ(sysreg_read(dbgbvr0_el1), 0x40001230ull);
	EXPECT_EQ(sysreg_read(dbgbvr1_el1), 0x40004560ull);
	EXPECT_EQ(sysreg_read(dbgwvr1_el1), 0x40007890ull);
	EXPECT_EQ(sysreg_read(mdscr_el1) & MDSCR_KDE, MDSCR_KDE);
	EXPECT_GE(brps, 2);
	/* Survives numbat's traps and a yield. */
	numbat_yield();
	EXPECT_EQ(sysreg_read(dbgbvr1_el1), 0x40004560ull);
	sysreg_write(dbgbvr0_el1, 0);
	sysreg_write(dbgbvr1_el1, 0);
	sysreg_write(dbgwvr1_el1, 0);
	sysreg_write(mdscr_el1, 0);
}

TEST(debug, hardware_breakpoint)
{
	struct exc_info x;

	unlock_os();
	sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
	sysreg_write(dbgbcr0_el1, BCR_EL1_EXEC);
	debug_enable(MDSCR_MDE | MDSCR_KDE);
	x = EXPECT_EXCEPTION(EC_BKPT_CUR, bp_target());
	EXPECT_EQ(x.elr, (uint64_t)(uintptr_t)bp_target);
	/* PSTATE.D masks it (D2.10.? "debug exceptions at the debug target EL"). */
	__asm__ volatile("msr daifset, #8" : : : "memory");
	isb();
	x = CATCH_EXCEPTION(bp_target());
	EXPECT_FALSE(x.taken);
	/* So does KDE clear (no EL1 -> EL1 debug exceptions). */
	debug_enable(MDSCR_MDE);
	x = CATCH_EXCEPTION(bp_target());
	EXPECT_FALSE(x.taken);
	/* And the OS lock. */
	debug_enable(MDSCR_MDE | MDSCR_KDE);
	sysreg_write(oslar_el1, 1);
	isb();
	x = CATCH_EXCEPTION(bp_target());
	EXPECT_FALSE(x.taken);
	EXPECT_EQ(sysreg_read(dbgbcr0_el1) & 1, 1); /* still armed, in memory */
	unlock_os();
	EXPECT_EXCEPTION(EC_BKPT_CUR, bp_target());
	debug_off();
}

TEST(debug, watchpoint)
{
	struct exc_info x;

	unlock_os();
	watched = 1;
	sysreg_write(dbgwvr0_el1, (uint64_t)(uintptr_t)&watched);
	sysreg_write(dbgwcr0_el1, WCR_EL1_STORE);
	debug_enable(MDSCR_MDE | MDSCR_KDE);
	EXPECT_EQ(watched, 1);                     /* loads do not match */
	x = EXPECT_EXCEPTION(EC_WATCH_CUR, watched = 2);
	EXPECT_EQ(x.far, (uint64_t)(uintptr_t)&watched);
	EXPECT_EQ((x.esr >> 6) & 1, 1);            /* WnR */
	EXPECT_EQ(watched, 1);                     /* the store did not happen */
	debug_off();
	watched = 3;
	EXPECT_EQ(watched, 3);
}

static volatile unsigned steps;
static volatile uint64_t step_elr[16];
static uint64_t step_end;

/* Software step exceptions: record, step again until step_end. */
// cppcheck-suppress constParameter ; the sync_handler signature
static bool on_step(uint64_t esr, uint64_t *elr, uint64_t *spsr)
{
	if (ESR_EC(esr) != EC_STEP_CUR)
		return false;
	if (steps < 16)
		step_elr[steps] = *elr;
	steps++;
	if (*elr == step_end || steps >= 16) {
		uint64_t mdscr = sysreg_read(mdscr_el1);

		*spsr &= ~PSR_SS;
		sysreg_write(mdscr_el1, mdscr & ~MDSCR_SS);
	} else {
		*spsr |= PSR_SS;                   /* active-not-pending again */
	}
	return true;
}

/*
 * Steps through the STEPPED instructions starting at `start` (an ERET with
 * SPSR_EL1.SS set, D clear): three adds, a read of an ID register numbat
 * emulates (HCR_EL2.TID3), PSCI_VERSION over a trapped SMC (HCR_EL2.TSC),
 * numbat's version hypercall (HVC) and a nop. Each is one step.
 */
#define STEPPED 11
static uint64_t run_stepped(void)
{
	uint64_t start, end, n = 0, daif = sysreg_read(daif);

	__asm__ volatile("adr %0, 1f\n\tadr %1, 2f" : "=r"(start), "=r"(end));
	step_end = end;
	steps = 0;
	sync_handler = on_step;
	/* PSTATE.D stays set until the ERET, or the step would start here. */
	sysreg_write(mdscr_el1, MDSCR_KDE | MDSCR_SS);
	isb();
	__asm__ volatile(
		"msr elr_el1, %1\n\t"
		"msr spsr_el1, %2\n\t"
		"eret\n"
		"1:\tadd %0, %0, #1\n\t"
		"add %0, %0, #1\n\t"
		"add %0, %0, #1\n\t"
		"mrs x9, id_aa64pfr0_el1\n\t"
		"movz w0, #0x0000\n\t"          /* PSCI_VERSION */
		"movk w0, #0x8400, lsl #16\n\t"
		"smc #0\n\t"
		"movz w0, #0x0000\n\t"          /* NUMBAT_HC_VERSION */
		"movk w0, #0xc600, lsl #16\n\t"
		"hvc #0\n\t"
		"nop\n"
		"2:"
		: "+r"(n)
		: "r"(start), "r"(0x5ull | PSR_SS | (daif & 0x1c0)) /* EL1h, D clear */
		: "x0", "x1", "x2", "x3", "x9", "memory");
	sync_handler = NULL;
	debug_off();
	return start;
}

TEST(debug, single_step)
{
	uint64_t start;

	unlock_os();
	start = run_stepped();
	EXPECT_EQ(steps, STEPPED);
	for (unsigned i = 0; i < STEPPED && i < steps; i++)
		EXPECT_EQ(step_elr[i], start + 4 * (i + 1));
}

/* What a VM switch leaves behind: the breakpoint is still armed after yields. */
TEST(debug, survives_context_switch)
{
	int fired = 0;

	unlock_os();
	sysreg_write(dbgbvr0_el1, (uint64_t)(uintptr_t)bp_target);
	sysreg_write(dbgbcr0_el1, BCR_EL1_EXEC);
	debug_enable(MDSCR_MDE | MDSCR_KDE);
	for (int i = 0; i < 20; i++) {
		numbat_yield();
		fired += CATCH_EXCEPTION(bp_target()).taken;
	}
	EXPECT_EQ(fired, 20);
	debug_off();
}
