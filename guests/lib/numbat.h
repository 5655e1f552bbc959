/*
 * The guest runtime of numbat: what a program running at EL1 inside a numbat
 * VM links against. Hypercall and PSCI wrappers, console output, MMIO
 * accessors, the counter, secondary vCPU start-up and a small test framework
 * whose console lines tests/qemu/run.py turns into results.
 *
 * Guests run with the MMU and caches off, so a virtual address is the
 * intermediate physical address (IPA) and pointers can be passed to numbat
 * as they are.
 */
#ifndef NUMBAT_GUEST_H
#define NUMBAT_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <numbat/abi.h>

/* Limits of the runtime (numbat allows up to CONFIG_MAX_VCPUS per VM). */
#define GUEST_MAX_VCPUS   8
#define GUEST_STACK_SIZE  0x4000

/* ---------------------------------------------------------------------
 * System registers. One macro pair so every access has the same shape.
 */
#define sysreg_read(reg) ({                                         \
	uint64_t sysreg_v_;                                         \
	__asm__ volatile("mrs %0, " #reg : "=r"(sysreg_v_));        \
	sysreg_v_;                                                  \
})

#define sysreg_write(reg, val) do {                                 \
	uint64_t sysreg_v_ = (uint64_t)(val);                       \
	__asm__ volatile("msr " #reg ", %0" : : "r"(sysreg_v_));    \
} while (0)

static inline void isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

static inline void dsb_sy(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}

/* Index of the calling vCPU inside its VM (MPIDR_EL1.Aff0). */
static inline unsigned int this_vcpu(void)
{
	return (unsigned int)(sysreg_read(mpidr_el1) & 0xff);
}

/* ---------------------------------------------------------------------
 * SMCCC calls (Arm DEN 0028, v1.1): function ID in w0, arguments in
 * x1..x3, results in x0..x3; x4..x30 and SP are preserved by the callee.
 */
struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

#define SMCCC_CALL_(insn, fid, arg1, arg2, arg3) ({                           \
	register uint64_t r0_ __asm__("x0") = (uint64_t)(uint32_t)(fid);      \
	register uint64_t r1_ __asm__("x1") = (uint64_t)(arg1);               \
	register uint64_t r2_ __asm__("x2") = (uint64_t)(arg2);               \
	register uint64_t r3_ __asm__("x3") = (uint64_t)(arg3);               \
	__asm__ volatile(insn : "+r"(r0_), "+r"(r1_), "+r"(r2_), "+r"(r3_)    \
			 : : "memory");                                       \
	(struct smccc_res){ r0_, r1_, r2_, r3_ };                             \
})

/* Calls through HVC #0 (numbat) or SMC #0 (trapped by numbat). */
static inline struct smccc_res hvc_call(uint32_t fid, uint64_t a1, uint64_t a2,
					uint64_t a3)
{
	return SMCCC_CALL_("hvc #0", fid, a1, a2, a3);
}

static inline struct smccc_res smc_call(uint32_t fid, uint64_t a1, uint64_t a2,
					uint64_t a3)
{
	return SMCCC_CALL_("smc #0", fid, a1, a2, a3);
}

/* The same, returning only x0 as a signed value. */
static inline int64_t hvc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int64_t)hvc_call(fid, a1, a2, a3).a0;
}

static inline int64_t smc(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int64_t)smc_call(fid, a1, a2, a3).a0;
}

/* numbat's own hypercalls (abi.h). */
#define NUMBAT_VERSION_WORD \
	(((uint64_t)NUMBAT_VERSION_MAJOR << 16) + NUMBAT_VERSION_MINOR)

static inline uint64_t numbat_version(void)
{
	return (uint64_t)hvc(NUMBAT_HC_VERSION, 0, 0, 0);
}

static inline int64_t numbat_yield(void)
{
	return hvc(NUMBAT_HC_YIELD, 0, 0, 0);
}

/* VM id of the caller; *vcpu (if not NULL) gets the vCPU index numbat reports. */
static inline uint64_t numbat_vm_id(uint64_t *vcpu)
{
	struct smccc_res r = hvc_call(NUMBAT_HC_VM_ID, 0, 0, 0);

	if (vcpu)
		*vcpu = r.a1;
	return r.a0;
}

/*
 * Raises vIRQ `link`: the link-th `type = "virq"` link of the system
 * description whose `from` is this VM (from 0, in description order). The
 * receiver sees an edge on the link's SPI (it enables it with
 * virq_listen). -> SMCCC_SUCCESS, or SMCCC_INVALID_PARAMETER if this VM
 * has no such link.
 */
static inline int64_t numbat_virq_raise(uint64_t link)
{
	return hvc(NUMBAT_HC_VIRQ_RAISE, link, 0, 0);
}

/* ---------------------------------------------------------------------
 * PSCI 1.1 (Arm DEN 0022D) over HVC.
 */
/* Scheduling figures of vCPU `index` of this VM (abi.h NUMBAT_HC_VCPU_STATS). */
struct vcpu_stats {
	uint64_t ran_ns, preemptions, worst_latency_ns, wakeups, throttled;
};

static inline int64_t numbat_vcpu_stats(unsigned index, struct vcpu_stats *st)
{
	struct smccc_res a = hvc_call(NUMBAT_HC_VCPU_STATS, index, 0, 0);
	struct smccc_res b = hvc_call(NUMBAT_HC_VCPU_STATS, index, 1, 0);

	if ((int64_t)a.a0 || (int64_t)b.a0)
		return (int64_t)(a.a0 ? a.a0 : b.a0);
	*st = (struct vcpu_stats){ a.a1, a.a2, a.a3, b.a1, b.a2 };
	return 0;
}

static inline int64_t psci_version(void)
{
	return hvc(PSCI_VERSION, 0, 0, 0);
}

static inline int64_t psci_features(uint32_t fid)
{
	return hvc(PSCI_FEATURES, fid, 0, 0);
}

static inline int64_t psci_cpu_on(uint64_t target, uint64_t entry, uint64_t ctx)
{
	return hvc(PSCI_CPU_ON_64, target, entry, ctx);
}

static inline int64_t psci_affinity_info(uint64_t target, uint64_t level)
{
	return hvc(PSCI_AFFINITY_INFO_64, target, level, 0);
}

static inline int64_t psci_cpu_suspend(uint64_t state, uint64_t entry, uint64_t ctx)
{
	return hvc(PSCI_CPU_SUSPEND_64, state, entry, ctx);
}

/* These return only on failure. */
int64_t psci_cpu_off(void);
void psci_system_off(void) __attribute__((noreturn));
void psci_system_reset(void) __attribute__((noreturn));

/*
 * Starts vCPU `vcpu` of this VM running fn(arg) on its own stack, with the
 * exception vectors installed. When fn returns, the vCPU turns itself off
 * (PSCI CPU_OFF). Returns the PSCI result of CPU_ON.
 */
int64_t cpu_on(unsigned int vcpu, void (*fn)(void *), void *arg);

/* Entry point cpu_on() hands to numbat; x0 = vCPU index. */
void secondary_entry(void);

/* ---------------------------------------------------------------------
 * Console.
 */
/* Writes all len bytes; returns len, or numbat's negative error. */
int64_t console_write(const char *buf, size_t len);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);

/* Freestanding string functions (the compiler may also call these). */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* ---------------------------------------------------------------------
 * MMIO accessors: exactly one access of the given width, through a plain
 * register addressing mode so numbat sees a valid syndrome (ISV = 1).
 */
#define MMIO_READ_(name, type, insn, wreg)                                   \
static inline type name(uintptr_t addr)                                      \
{                                                                            \
	type v;                                                              \
	__asm__ volatile(insn " %" wreg "0, [%1]" : "=r"(v) : "r"(addr)      \
			 : "memory");                                        \
	return v;                                                            \
}

#define MMIO_WRITE_(name, type, insn, wreg)                                  \
static inline void name(uintptr_t addr, type v)                              \
{                                                                            \
	__asm__ volatile(insn " %" wreg "0, [%1]" : : "rZ"(v), "r"(addr)     \
			 : "memory");                                        \
}

MMIO_READ_(readb, uint8_t, "ldrb", "w")
MMIO_READ_(readw, uint16_t, "ldrh", "w")
MMIO_READ_(readl, uint32_t, "ldr", "w")
MMIO_READ_(readq, uint64_t, "ldr", "x")
MMIO_WRITE_(writeb, uint8_t, "strb", "w")
MMIO_WRITE_(writew, uint16_t, "strh", "w")
MMIO_WRITE_(writel, uint32_t, "str", "w")
MMIO_WRITE_(writeq, uint64_t, "str", "x")

/* Sign-extending loads, into a W register (32-bit result) or an X register. */
MMIO_READ_(ldrsb_w, int32_t, "ldrsb", "w")
MMIO_READ_(ldrsh_w, int32_t, "ldrsh", "w")
MMIO_READ_(ldrsb_x, int64_t, "ldrsb", "x")
MMIO_READ_(ldrsh_x, int64_t, "ldrsh", "x")
MMIO_READ_(ldrsw_x, int64_t, "ldrsw", "x")

/* ---------------------------------------------------------------------
 * Generic timer: the virtual counter.
 */
static inline uint64_t counter_read(void)
{
	isb();
	return sysreg_read(cntvct_el0);
}

static inline uint64_t counter_freq(void)
{
	return sysreg_read(cntfrq_el0);
}

/* Counter ticks in `ms` milliseconds. */
static inline uint64_t counter_ms(uint64_t ms)
{
	return counter_freq() / 1000 * ms;
}

/*
 * The EL1 virtual timer as a wake-up source for WFI / CPU_SUSPEND: armed,
 * its condition becomes true `ms` from now (the interrupt stays masked in
 * PSTATE, so it is never taken). CNTV_CTL_EL0: ENABLE = bit 0, IMASK = bit 1.
 */
static inline void vtimer_arm_ms(uint64_t ms)
{
	sysreg_write(cntv_cval_el0, counter_read() + counter_ms(ms));
	sysreg_write(cntv_ctl_el0, 1);
	isb();
}

static inline void vtimer_disarm(void)
{
	sysreg_write(cntv_ctl_el0, 0);
	isb();
}

/* Busy-waits (yielding to numbat) for `ms` milliseconds. */
void delay_ms(uint64_t ms);

/* ---------------------------------------------------------------------
 * Exceptions. The runtime installs a vector table on every vCPU it starts.
 * An exception nobody expects prints UNEXPECTED EXCEPTION and fails the
 * running test (or powers the VM off outside tests).
 */
#define ESR_EC(esr)        (((esr) >> 26) & 0x3f)
#define ESR_ISS(esr)       ((esr) & 0x1ffffff)
#define ESR_DFSC(esr)      ((esr) & 0x3f)
#define ESR_EC_UNKNOWN     0x00
#define ESR_EC_DABT_CUR    0x25
#define ESR_EC_IABT_CUR    0x21
#define DFSC_SEA           0x10 /* synchronous external abort */

struct exc_info {
	bool taken;
	uint64_t esr, elr, far;
};

/* The VM's virtual GIC (gic.c), at numbat's default layout. */
unsigned gic_version(void);
void gic_init(void);           /* distributor + this vCPU's interface */
void gic_init_cpu(void);       /* this vCPU's interface only */
void gic_enable(unsigned intid, uint8_t priority);
void gic_disable(unsigned intid);     /* ICENABLER */
bool gic_pending(unsigned intid);     /* ISPENDR, as this vCPU sees it */
unsigned gic_ack(void);        /* 1023: nothing pending */
void gic_eoi(unsigned intid);
void gic_send_sgi(unsigned target, unsigned intid);
void gic_set_edge(unsigned intid, bool edge);  /* GICD_ICFGR, SPIs */

/*
 * The receiving end of a vIRQ link: SPI `spi` of the description (INTID
 * 32 + spi) edge-triggered, enabled at `priority` and routed to the
 * calling vCPU. The distributor must be enabled (gic_init).
 */
static inline void virq_listen(unsigned spi, uint8_t priority)
{
	gic_set_edge(32 + spi, true);
	gic_enable(32 + spi, priority);
}

static inline void irq_unmask(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* xorshift64: a deterministic pseudo-random sequence for test guests. */
static inline uint64_t rand64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Called for IRQs taken at EL1 (with SP_EL1), if set; NULL reports them. */
extern void (*irq_handler)(void);
/*
 * Called first for synchronous exceptions taken at EL1 (with SP_EL1), if
 * set: returns true if it handled the exception (it may change the return
 * address and SPSR), false to fall through to the usual handling.
 */
extern bool (*sync_handler)(uint64_t esr, uint64_t *elr, uint64_t *spsr);

/* Arms the calling vCPU: the next synchronous exception is recorded and
 * execution resumes at ELR + 4 (after an instruction abort: at x30, so a
 * branch-and-link into unfetchable code comes back to its caller). */
void exc_expect(void);
/* Disarms and returns what was recorded since exc_expect(). */
struct exc_info exc_collect(void);

/* Runs `stmt` with an exception expected; evaluates to its struct exc_info. */
#define CATCH_EXCEPTION(stmt) ({ exc_expect(); stmt; exc_collect(); })

/* ---------------------------------------------------------------------
 * Tests. TEST(suite, name) { ... } registers a test; main() defaults to
 * test_run_all(). Output, one line each:
 *   [ RUN  ] suite.name / [ PASS ] suite.name / [ FAIL ] suite.name
 *   TESTS DONE passed=N failed=M
 * EXPECT_* report a failure and continue; ASSERT_* end the test. Both are
 * for the vCPU that runs test_run_all().
 */
struct test_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
	int line;
};

#define TEST(suite, name)                                                    \
	static void test_##suite##_##name(void);                             \
	static const struct test_case test_case_##suite##_##name             \
		__attribute__((used, section(".tests"), aligned(8))) =      \
		{ #suite, #name, test_##suite##_##name, __LINE__ };          \
	static void test_##suite##_##name(void)

int test_run_all(void);
void test_fail_cmp(const char *file, int line, const char *check,
		   const char *a_text, const char *b_text, int64_t a, int64_t b);
void test_fail_bool(const char *file, int line, const char *check,
		    const char *text);
void test_abort(void) __attribute__((noreturn));

#define TEST_CMP_(check, op, a, b, a_text, b_text, fatal) do {               \
	int64_t test_a_ = (int64_t)(a);                                      \
	int64_t test_b_ = (int64_t)(b);                                      \
	if (!(test_a_ op test_b_)) {                                         \
		test_fail_cmp(__FILE__, __LINE__, check, a_text, b_text,     \
			      test_a_, test_b_);                             \
		if (fatal)                                                   \
			test_abort();                                        \
	}                                                                    \
} while (0)

#define TEST_BOOL_(check, cond, text, fatal) do {                            \
	if (!(cond)) {                                                       \
		test_fail_bool(__FILE__, __LINE__, check, text);             \
		if (fatal)                                                   \
			test_abort();                                        \
	}                                                                    \
} while (0)

#define EXPECT_EQ(a, b)  TEST_CMP_("EXPECT_EQ", ==, a, b, #a, #b, 0)
#define EXPECT_NE(a, b)  TEST_CMP_("EXPECT_NE", !=, a, b, #a, #b, 0)
#define EXPECT_LT(a, b)  TEST_CMP_("EXPECT_LT", <, a, b, #a, #b, 0)
#define EXPECT_LE(a, b)  TEST_CMP_("EXPECT_LE", <=, a, b, #a, #b, 0)
#define EXPECT_GT(a, b)  TEST_CMP_("EXPECT_GT", >, a, b, #a, #b, 0)
#define EXPECT_GE(a, b)  TEST_CMP_("EXPECT_GE", >=, a, b, #a, #b, 0)
#define EXPECT_TRUE(c)   TEST_BOOL_("EXPECT_TRUE", (c), #c, 0)
#define EXPECT_FALSE(c)  TEST_BOOL_("EXPECT_FALSE", !(c), #c, 0)

#define ASSERT_EQ(a, b)  TEST_CMP_("ASSERT_EQ", ==, a, b, #a, #b, 1)
#define ASSERT_NE(a, b)  TEST_CMP_("ASSERT_NE", !=, a, b, #a, #b, 1)
#define ASSERT_LT(a, b)  TEST_CMP_("ASSERT_LT", <, a, b, #a, #b, 1)
#define ASSERT_LE(a, b)  TEST_CMP_("ASSERT_LE", <=, a, b, #a, #b, 1)
#define ASSERT_GT(a, b)  TEST_CMP_("ASSERT_GT", >, a, b, #a, #b, 1)
#define ASSERT_GE(a, b)  TEST_CMP_("ASSERT_GE", >=, a, b, #a, #b, 1)
#define ASSERT_TRUE(c)   TEST_BOOL_("ASSERT_TRUE", (c), #c, 1)
#define ASSERT_FALSE(c)  TEST_BOOL_("ASSERT_FALSE", !(c), #c, 1)

/*
 * Runs `stmt` expecting a synchronous exception with exception class `ec`:
 * fails the test if none was taken or the class differs. Evaluates to the
 * struct exc_info so the caller can check ELR/FAR/ISS further.
 */
#define EXPECT_EXCEPTION(ec, stmt) ({                                        \
	struct exc_info test_x_ = CATCH_EXCEPTION(stmt);                     \
	TEST_BOOL_("EXPECT_EXCEPTION", test_x_.taken, #stmt, 0);             \
	if (test_x_.taken)                                                   \
		EXPECT_EQ(ESR_EC(test_x_.esr), (ec));                        \
	test_x_;                                                             \
})

/* ---------------------------------------------------------------------
 * Boot state and program entry.
 */
struct boot_state {
	uint64_t x0;          /* x0 at the first instruction */
	uint64_t current_el;  /* CurrentEL */
	uint64_t daif;        /* DAIF */
	uint64_t sctlr;       /* SCTLR_EL1 before the runtime set it */
};

extern struct boot_state boot_state;

/* The program's main; the runtime's weak default runs all tests. When it
 * returns, vCPU 0 powers the VM off (PSCI SYSTEM_OFF). */
int main(void);

/* Image bounds from the linker script. */
extern char __image_start[], __image_end[];

#endif /* NUMBAT_GUEST_H */
