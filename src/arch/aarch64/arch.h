/*
 * The interface between numbat's portable core and the AArch64 layer:
 * vCPU register state, guest entry, exception injection, stage-2, IPIs,
 * the hypervisor timer and firmware calls. Everything named arch_*.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/sysreg.h"
#include "core/addr.h"

struct vcpu;
struct vm;
struct pcpu;

/* Guest general-purpose state, saved on every trap (vectors.S). */
struct arch_regs {
	uint64_t x[31];
	uint64_t pc;     /* ELR_EL2 */
	uint64_t pstate; /* SPSR_EL2 */
};

/* SPSR_EL2.SS: the guest's software step state (Arm ARM D2, "Software Step exceptions"). */
#define ARCH_PSTATE_SS (1ull << 21)

/*
 * Steps the vCPU over the instruction that trapped with syndrome `esr`,
 * with the effect executing it would have had on PSTATE: BTYPE becomes 0
 * after any instruction other than a branch that sets it (Arm ARM D8.4.1,
 * FEAT_BTI), and SS is cleared, as for any stepped instruction that
 * completes (Arm ARM D2, "Software Step exceptions"), so a guest stepping
 * it takes its step exception right after. Every A64 instruction is 4
 * bytes; in AArch32, ESR_EL2.IL (bit 25) tells a 16-bit T32 one, and the
 * PSTATE bits are IT[7:2], left alone.
 */
static inline void arch_regs_skip(struct arch_regs *r, uint64_t esr)
{
	if (__builtin_expect(!(r->pstate & (1u << 4)), 1)) { /* PSR_MODE32 */
		r->pc += 4;
		r->pstate &= ~((3ull << 10) | ARCH_PSTATE_SS); /* PSR_BTYPE, SS */
	} else {
		r->pc += (esr & (1u << 25)) ? 4 : 2;           /* IL */
		r->pstate &= ~ARCH_PSTATE_SS;
	}
}

/* EL1/EL0 system registers: switched only when another vCPU is loaded. */
/* The first 26 fields, in this order, are what el1_regs.S moves in pairs. */
struct arch_sysregs {
	uint64_t sctlr_el1, ttbr0_el1, ttbr1_el1, tcr_el1, mair_el1, amair_el1;
	uint64_t vbar_el1, contextidr_el1, tpidr_el1, tpidr_el0, tpidrro_el0;
	uint64_t sp_el0, sp_el1, elr_el1, spsr_el1, esr_el1, far_el1;
	uint64_t afsr0_el1, afsr1_el1, par_el1, cpacr_el1, csselr_el1;
	uint64_t cntkctl_el1, cntv_ctl_el0, cntv_cval_el0;
	uint64_t vmpidr_el2;
	uint64_t tpidr2_el0;    /* FEAT_SME only */
	uint64_t vdisr_el2;     /* FEAT_RAS only: the guest's DISR_EL1 */
	bool vserror;           /* a virtual SError pending (HCR_EL2.VSE) */
};

/*
 * FP/SIMD state (numbat uses none): saved when its vCPU leaves a pCPU if
 * it had the registers, and restored on the vCPU's first FP/SIMD access
 * after a load unless the registers still hold it (arch.c). `resets`
 * counts arch_vcpu_reset()s, which replace the saved state.
 */
struct arch_fpsimd {
	__uint128_t q[32];
	uint64_t fpsr, fpcr;   /* fpsimd.S: at offset 512 */
	uint64_t resets;
} __attribute__((aligned(16)));

/* A trapped FP/SIMD access of the loaded `vcpu`: gives it its registers. */
void arch_fpsimd_trap(struct vcpu *vcpu, uint64_t esr);

/* A VM's stage-2 address space. */
struct arch_stage2 {
	struct pgtable pt;
	uint64_t vttbr;  /* VMID and root table, ready for VTTBR_EL2 */
};

/* One-time setup of the boot pCPU's EL2 state and of every other pCPU. */
void arch_init_primary(void);
void arch_init_secondary(void);
/* Bits of input address numbat gives every VM's stage 2 (clamped PARange). */
unsigned arch_ipa_bits(void);
/* The current pCPU's MPIDR affinity fields. */
uint64_t arch_mpidr(void);

/* vCPU state. */
void arch_vcpu_reset(struct vcpu *vcpu, uint64_t entry, uint64_t x0);
void arch_vcpu_load(struct vcpu *vcpu);
void arch_vcpu_put(struct vcpu *vcpu);
/*
 * arch_vcpu_put(prev), then arch_vcpu_load(next), in one call (the
 * scheduler's switch from one vCPU straight to another).
 */
void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next);
/* Enters `vcpu` (already loaded) on a fresh stack. Does not return. */
void arch_vcpu_enter(struct vcpu *vcpu) __attribute__((noreturn));

/*
 * Emulates the trapped MSR/MRS in `esr` for `vcpu` (sysreg_emul.c);
 * false if the guest may not make it (the caller injects UNDEF). The
 * caller tries sysreg_sgi1r first: a GICv3 ICC_SGI1R_EL1 write, every IPI
 * a guest sends, is emulated there (true) without this one's frame.
 */
bool sysreg_emulate(struct vcpu *vcpu, uint64_t esr);
bool sysreg_sgi1r(struct vcpu *vcpu, uint64_t esr);

/*
 * Whether guest register r (0-30; 31 is XZR) is one of x19-x29, which a
 * trap's fast path leaves in the registers (vectors.S): a handler whose
 * instruction names one calls arch_trap_defer before anything else.
 */
static inline bool arch_reg_unsaved(unsigned r)
{
	return r - 19 <= 29 - 19;
}
/*
 * Hands the trap being handled (syndrome `esr`) to the whole-frame path;
 * true if it did (the caller returns, having done nothing), false when
 * that path is already running it.
 */
bool arch_trap_defer(uint64_t esr);

/* Exception injection into the current (loaded) vCPU: Arm ARM D1.10. */
void arch_inject_undef(struct vcpu *vcpu);
/* `write` sets ESR.WnR of an injected data abort. */
void arch_inject_abort(struct vcpu *vcpu, bool instruction, bool write, uint64_t far);
/* A virtual SError (asynchronous abort) for the loaded vCPU. */
void arch_inject_serror(struct vcpu *vcpu);

/* Stage 2. */
int arch_stage2_init(struct arch_stage2 *s2, unsigned vmid);
int arch_stage2_map(struct arch_stage2 *s2, uint64_t ipa, uint64_t pa,
		    uint64_t size, uint32_t region_flags);

/* What an unexpected exception at EL2 leaves on the stack (vectors.S). */
struct exc_frame {
	uint64_t x[31];
	uint64_t sp, elr, spsr, esr, far;
};

/* Inter-processor kick, the EL2 timer (deadlines in counter ticks), idle. */
extern unsigned arch_timer_intid, arch_maint_intid, arch_uart_intid;
void arch_kick(const struct pcpu *target);
/* Gets `target` to flush its loaded vCPU's virtual interrupts. */
void arch_kick_vgic(const struct pcpu *target);
#ifdef NUMBAT_HOST_TEST
uint64_t arch_now(void);
#else
/* The physical counter, read in program order (ISB first); inline: every reschedule reads it. */
static inline uint64_t arch_now(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v) : : "memory");
	return v;
}
#endif
/* Counter ticks to nanoseconds. */
uint64_t arch_ticks_to_ns(uint64_t ticks);

/*
 * The EL1 virtual timer's output for `vcpu` (Arm ARM D11.2.4: high while
 * ENABLE && ISTATUS && !IMASK), as far as this pCPU can tell: its
 * registers are live here or saved; a vCPU of another pCPU is unknown.
 */
enum arch_line { ARCH_LINE_LOW, ARCH_LINE_HIGH, ARCH_LINE_UNKNOWN };
enum arch_line arch_vtimer_line(const struct vcpu *vcpu);
/*
 * The forwarded vtimer PPI numbat left active for `vcpu` is no longer
 * owed to the guest: deactivate it (or its saved state), so the timer
 * can signal again. Only for a vCPU whose line arch_vtimer_line knew.
 */
void arch_vtimer_release(struct vcpu *vcpu);
/*
 * numbat's timer (CNTHP, EL2's physical timer): inline, every switch arms
 * it. The caller's next context synchronisation (the ERET into a guest,
 * or arch_idle's ISB before it waits) makes the new settings take effect.
 */
static inline void arch_timer_arm(uint64_t deadline)
{
	write_cnthp_cval_el2(deadline);
	write_cnthp_ctl_el2(CNT_CTL_ENABLE);
}

static inline void arch_timer_disarm(void)
{
	write_cnthp_ctl_el2(0);
}
void arch_idle(void);
/*
 * Whether the guests of this pCPU trap WFI and WFE (HCR_EL2.TWI, TWE);
 * they do unless told otherwise (sched_start).
 */
void arch_wfx_trap(bool trap);
/* Takes the physical interrupts pending now, between two pieces of work. */
void arch_irq_window(void);

/* The faulting VA (FAR_EL2) and IPA (HPFAR_EL2) of the current trap. */
static inline uint64_t arch_fault_va(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, far_el2" : "=r"(v));
	return v;
}

static inline ipaddr_t arch_fault_ipa(void)
{
	uint64_t hpfar;

	__asm__ volatile("mrs %0, hpfar_el2" : "=r"(hpfar));
	/* HPFAR_EL2.FIPA holds IPA[47:12] at bits 43:4 (D13.2.51). */
	return ipa_init(((hpfar & 0xfffffffffff0ull) << 8) | (arch_fault_va() & 0xfff));
}

/*
 * The IPA of the current stage-2 abort with syndrome `esr`, wherever
 * HPFAR_EL2 does not hold it (a permission fault): the guest's own
 * translation of FAR_EL2, redone with AT. False if that fails (the guest
 * changed its page tables since).
 */
bool arch_fault_ipa_slow(uint64_t esr, ipaddr_t *ipa);

/*
 * Zeroes n bytes at p (cacheable memory), a cache line per instruction
 * where the CPU allows DC ZVA and p and n are multiples of its block.
 */
void arch_zero(void *p, uint64_t n);
/*
 * Copies n bytes, 64 a round, any alignment: MMU on, Normal memory,
 * ranges that do not overlap (copy.S).
 */
void arch_copy(void *dst, const void *src, uint64_t n);
/* Makes [p, p + len) visible to a guest running with its caches off. */
void arch_dcache_clean(const void *p, uint64_t len);

/* Firmware (PSCI over SMC to the platform). */
int arch_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx);
void arch_system_off(void) __attribute__((noreturn));
void arch_halt(void) __attribute__((noreturn));

#endif
