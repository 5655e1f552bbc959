/*
 * PSTATE around what numbat does to a vCPU's instruction stream: the
 * exceptions it injects (PSTATE.PAN from SCTLR_EL1.SPAN, Arm ARM D1.10.1)
 * and the instructions it emulates and steps over (PSTATE.BTYPE). Run on
 * -cpu max (FEAT_PAN, FEAT_BTI). The tests take the exceptions on their
 * own vector table, which records PSTATE.PAN as the handler sees it,
 * SPSR_EL1 and ESR_EL1, and resumes after the faulting instruction.
 */
#include "numbat.h"

#define SCTLR_SPAN     (1ull << 23)
#define PSTATE_PAN     (1ull << 22)
#define SPSR_BTYPE(s)  (((s) >> 10) & 3)
#define OUTSIDE        0x1000ul    /* no memory or device of this VM there */
#define READ_ONLY      0x41000000ul /* a region with access = "r" */

struct capture {
	uint64_t pan, spsr, esr, count;
	uint64_t resume;        /* if not 0: where to return, else ELR + 4 */
};

volatile struct capture cap;

/* Sixteen identical entries: record, step over, return. */
__asm__(
	".pushsection .text.entry_vectors, \"ax\"\n"
	".balign 2048\n"
	"entry_vectors:\n"
	".rept 16\n"
	".balign 128\n"
	"stp x0, x1, [sp, #-16]!\n"
	"adrp x1, cap\n"
	"add x1, x1, :lo12:cap\n"
	"mrs x0, s3_0_c4_c2_3\n"           /* PAN */
	"str x0, [x1]\n"
	"mrs x0, spsr_el1\n"
	"str x0, [x1, #8]\n"
	"mrs x0, esr_el1\n"
	"str x0, [x1, #16]\n"
	"ldr x0, [x1, #24]\n"
	"add x0, x0, #1\n"
	"str x0, [x1, #24]\n"
	"ldr x0, [x1, #32]\n"
	"cbnz x0, 1f\n"
	"mrs x0, elr_el1\n"
	"add x0, x0, #4\n"
	"1: msr elr_el1, x0\n"
	"ldp x0, x1, [sp], #16\n"
	"eret\n"
	".endr\n"
	".popsection\n");
extern char entry_vectors[];

static uint64_t saved_vbar;

static void own_vectors(void)
{
	saved_vbar = sysreg_read(vbar_el1);
	cap.count = 0;
	cap.resume = 0;
	sysreg_write(vbar_el1, (uint64_t)entry_vectors);
	isb();
}

static void runtime_vectors(void)
{
	sysreg_write(vbar_el1, saved_vbar);
	isb();
}

static void set_span(bool span, bool pan)
{
	uint64_t sctlr = sysreg_read(sctlr_el1);

	sysreg_write(sctlr_el1, span ? sctlr | SCTLR_SPAN : sctlr & ~SCTLR_SPAN);
	sysreg_write(s3_0_c4_c2_3, pan ? PSTATE_PAN : 0);
	isb();
}

static void outside_load(void)
{
	__asm__ volatile("ldr x9, [%0]" : : "r"(OUTSIDE) : "x9", "memory");
}

static void refused_msr(void)
{
	/*
	 * A pointer-authentication key (APIAKeyLo_EL1): trapped while
	 * HCR_EL2.APK is 0, and refused by numbat with an UNDEF.
	 */
	__asm__ volatile("msr s3_0_c2_c1_0, xzr" ::: "memory");
}

TEST(arch, cpu_has_pan_and_bti)
{
	EXPECT_NE((sysreg_read(id_aa64mmfr1_el1) >> 20) & 0xf, 0);  /* PAN */
	EXPECT_NE(sysreg_read(id_aa64pfr1_el1) & 0xf, 0);           /* BT */
}

/* SPAN = 0: the injected abort is taken with PSTATE.PAN set. */
TEST(arch, injected_abort_sets_pan)
{
	own_vectors();
	set_span(false, false);
	outside_load();
	set_span(true, false);
	runtime_vectors();
	EXPECT_EQ(cap.count, 1);
	EXPECT_EQ((cap.esr >> 26) & 0x3f, 0x25);       /* data abort, current EL */
	EXPECT_EQ(cap.pan & PSTATE_PAN, PSTATE_PAN);
	EXPECT_EQ(cap.spsr & PSTATE_PAN, 0);
}

/* The injected UNDEF of a refused register write, likewise. */
TEST(arch, injected_undef_sets_pan)
{
	own_vectors();
	set_span(false, false);
	refused_msr();
	set_span(true, false);
	runtime_vectors();
	EXPECT_EQ(cap.count, 1);
	EXPECT_EQ((cap.esr >> 26) & 0x3f, 0);           /* unknown reason */
	EXPECT_EQ(cap.pan & PSTATE_PAN, PSTATE_PAN);
}

/* SPAN = 1: PAN is left as it was, 0 here and 1 there. */
TEST(arch, injected_abort_keeps_pan_with_span)
{
	own_vectors();
	set_span(true, false);
	outside_load();
	EXPECT_EQ(cap.pan & PSTATE_PAN, 0);
	set_span(true, true);
	outside_load();
	set_span(true, false);
	runtime_vectors();
	EXPECT_EQ(cap.count, 2);
	EXPECT_EQ(cap.pan & PSTATE_PAN, PSTATE_PAN);
}

/*
 * A BLR sets PSTATE.BTYPE for its target; the target is a register read
 * numbat emulates and steps over (ID_AA64PFR0_EL1, TID3), so the next
 * instruction (BRK) must see BTYPE 0 in its SPSR, as after any executed
 * non-branch instruction.
 */
TEST(arch, emulated_insn_clears_btype)
{
	own_vectors();
	__asm__ volatile(
		"adr x10, 1f\n"
		"blr x10\n"
		"b 2f\n"
		"1: mrs x11, s3_0_c0_c4_0\n"
		"brk #0\n"
		"2:\n" ::: "x10", "x11", "x30", "memory");
	runtime_vectors();
	EXPECT_EQ(cap.count, 1);
	EXPECT_EQ((cap.esr >> 26) & 0x3f, 0x3c);        /* BRK */
	EXPECT_EQ(SPSR_BTYPE(cap.spsr), 0);
}

/*
 * The control: the same with an executed NOP as the BLR's target, so that
 * the test above sees what the CPU itself does.
 */
TEST(arch, executed_insn_clears_btype)
{
	own_vectors();
	__asm__ volatile(
		"adr x10, 1f\n"
		"blr x10\n"
		"b 2f\n"
		"1: nop\n"
		"brk #0\n"
		"2:\n" ::: "x10", "x30", "memory");
	runtime_vectors();
	EXPECT_EQ(cap.count, 1);
	EXPECT_EQ(SPSR_BTYPE(cap.spsr), 0);
}

/*
 * Stage-2 permission faults, where HPFAR_EL2 is UNKNOWN and numbat finds
 * the IPA by translating FAR again: a store to a read-only region and a
 * branch into it (not executable) are aborts injected into the guest, and
 * numbat's report names the IPA (checked by the scenario's expect).
 */
TEST(arch, permission_faults_injected)
{
	uint32_t v = readl(READ_ONLY + 0x10);          /* reading is allowed */
	struct exc_info e = CATCH_EXCEPTION(writel(READ_ONLY + 0x10, v + 1));

	EXPECT_TRUE(e.taken);
	EXPECT_EQ(ESR_EC(e.esr), ESR_EC_DABT_CUR);
	EXPECT_EQ(ESR_DFSC(e.esr), DFSC_SEA);
	EXPECT_EQ(e.far, READ_ONLY + 0x10);
	EXPECT_EQ(readl(READ_ONLY + 0x10), v);
	own_vectors();
	__asm__ volatile("adr x9, 1f\n"
			 "str x9, [%1]\n"          /* the handler resumes at 1: */
			 "br %0\n"
			 "1:\n" : : "r"(READ_ONLY + 0x20), "r"(&cap.resume) : "x9", "memory");
	runtime_vectors();
	EXPECT_EQ(cap.count, 1);
	EXPECT_EQ((cap.esr >> 26) & 0x3f, 0x21);       /* instruction abort, current EL */
}
