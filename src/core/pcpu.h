/*
 * Per-physical-CPU data. TPIDR_EL2 points at the running pCPU's struct;
 * the first two fields are read by the trap entry code.
 */
#ifndef CORE_PCPU_H
#define CORE_PCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/sched_policy.h"
#include "core/spinlock.h"
#include <numbat/config.h>

#define PCPU_STACK_SIZE 0x4000

struct vcpu;

struct pcpu {
	struct vcpu *current;    /* loaded vCPU or NULL; first (asm) */
	uint64_t stack_top;      /* second (asm) */
	unsigned id;             /* index in the boot device tree's /cpus */
	uint64_t mpidr;          /* affinity fields */
	bool present;            /* in the boot device tree */
	volatile bool online;
	/*
	 * The two reasons a trap does not simply resume its vCPU, read
	 * together (`leave`) on the way back (traps.c): resched, set by kicks
	 * and the slice timer; deferred, a trap handed to the full-frame path
	 * before it was handled, whose ESR is deferred_esr.
	 */
	union {
		struct {
			volatile bool resched;
			bool deferred;
		};
		volatile uint16_t leave;
	};
	unsigned nvcpus;         /* vCPUs pinned here (set at boot, then fixed) */
	struct vcpu *vcpus[CONFIG_MAX_VMS * CONFIG_MAX_VCPUS];
	struct sched_queue rq;   /* round-robin order; this pCPU's only */
	uint64_t kicks;          /* SGIs 0 and 2 received (the test device reads it) */
	uint64_t spurious;       /* acknowledges that found no interrupt (likewise) */
	/*
	 * The vtimer PPI may be active here for the loaded vCPU: numbat took
	 * it (traps.c) or reloaded its active state (arch.c) since the last
	 * put. Clear: it cannot be, and the put need not read the GIC.
	 */
	bool vtimer_held;
	/*
	 * HCR_EL2.VSE may be set: numbat set it for the loaded vCPU (an
	 * injected virtual SError, or one reloaded) since the load. Only
	 * numbat sets it (the hardware clears it when the guest takes the
	 * SError), so clear means the put need not read HCR_EL2.
	 */
	bool vse_set;
	/*
	 * The debug registers are clear and trapped (MDCR_EL2.TDA) here:
	 * loading a vCPU that does not use them has nothing to do (debug.c).
	 */
	bool debug_quiet;
	/*
	 * FP/SIMD (arch.c): fp_trap, CPTR_EL2.TFP is set (the loaded vCPU
	 * has not had its registers yet); fp_regs, the vCPU (at its
	 * fp.resets of fp_resets) whose state the registers hold, equal to
	 * its saved copy unless it is loaded with fp_trap clear.
	 */
	bool fp_trap;
	const struct vcpu *fp_regs;
	uint64_t fp_resets;
	uint64_t deferred_esr;
	/*
	 * Per VM, the vCPU whose translations this pCPU's TLB and I-cache
	 * last held, as its vcpu->tlb_key (the VM's boot count, at least 1
	 * once it ran, << 32 | the vCPU's index, set at each reload): another
	 * vCPU of the same VM, or a new incarnation after a reset, gets them
	 * invalidated (arch.c).
	 */
	uint64_t last_ran[CONFIG_MAX_VMS];
};

extern struct pcpu pcpus[CONFIG_MAX_PCPUS];
extern unsigned pcpu_count;

#ifdef NUMBAT_HOST_TEST
/* Host unit tests (tests/host/host.mk) say which pCPU is "running". */
struct pcpu *pcpu_this(void);
#else
static inline struct pcpu *pcpu_this(void)
{
	struct pcpu *p;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(p));
	return p;
}
#endif

#endif
