/*
 * A virtual CPU: its register state and its scheduling state. Every state
 * change goes through vcpu_set_state(), which checks the transition.
 */
#ifndef CORE_VCPU_H
#define CORE_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/debug.h"
#include "core/sched_policy.h"
#include "core/vgic_types.h"

struct vm;
struct pcpu;

enum vcpu_state {
	VCPU_OFF,       /* not started, CPU_OFF, or its VM is stopped */
	VCPU_RUNNABLE,  /* wants its pCPU */
	VCPU_BLOCKED,   /* waiting in WFI (or CPU_SUSPEND) for a wake-up */
};

/*
 * Why a vCPU left the guest, by class, for the monitor's stats; MMIO
 * accesses are counted per device (vdev.exits). Plain increments on the
 * trap paths by the vCPU's own pCPU: no lock, no atomic; another pCPU
 * reading them may see a count one behind. Kept across VM restarts.
 */
struct vcpu_exits {
	uint64_t hypercall;   /* HVC and SMC */
	uint64_t sysreg;      /* trapped system register accesses */
	uint64_t wfx;         /* WFI, WFE */
	uint64_t irq;         /* physical interrupts taken while it ran */
	uint64_t other;       /* aborts outside any device, undefined instructions */
	uint64_t injected;    /* exceptions numbat injected: undef, abort, SError */
	uint64_t virqs;       /* virtual interrupts put in a list register for it */
};

struct vcpu {
	struct arch_regs regs;      /* first: the trap entry saves here */
	struct vcpu_exits exits;    /* near the start: short offsets on trap paths */
	struct arch_sysregs sys;
	struct arch_fpsimd fp;
	struct arch_debug debug;   /* self-hosted debug registers (debug.c) */
	struct vm *vm;
	struct pcpu *pcpu;          /* the pCPU this vCPU is pinned to */
	struct vdev *mmio_last;     /* device of its last MMIO access: tried first */
	bool mmio_replay;           /* the device wants the store again (mmio_replay) */
	unsigned index;             /* within its VM; its MPIDR Aff0 */
	enum vcpu_state state;      /* protected by vm->lock */
	bool loaded;                /* state live on pcpu; atomic (vm.c, vm_request) */
	bool wfx_hw;                /* alone on its pCPU, no budget: WFI/WFE not trapped */
	bool wfx_held;              /* ...but trapped while its vtimer is held (vgic.c) */
	bool dev_timer;             /* vCPU 0 of a VM with a timed device: its pCPU serves it */
	uint64_t wake_at;           /* counter deadline while BLOCKED, or ~0 */
	uint64_t woken_at;          /* when it last became runnable, not yet run, or ~0 */
	struct sched_entity se;     /* priority, slice, budget, statistics: its pCPU's */
	uint64_t ptimer_ctl, ptimer_cval; /* emulated EL1 physical timer */
	bool ptimer_level;
	struct vgic_cpu vgic;       /* banked interrupts, list registers */
	/* Last: the fields above keep the offsets the trap paths were tuned for. */
	uint64_t tlb_key;           /* its VM's boot count << 32 | index (pcpu->last_ran) */
};

/*
 * Moves `vcpu` to `next`. Caller holds vcpu->vm->lock. Returns false,
 * changing nothing, for a transition that is not allowed (OFF -> BLOCKED).
 */
bool vcpu_set_state(struct vcpu *vcpu, enum vcpu_state next);

/* Guest register access by number, with 31 meaning XZR. */
static inline uint64_t vcpu_get_reg(const struct vcpu *vcpu, unsigned r)
{
	return r < 31 ? vcpu->regs.x[r] : 0;
}

static inline void vcpu_set_reg(struct vcpu *vcpu, unsigned r, uint64_t v)
{
	if (r < 31)
		vcpu->regs.x[r] = v;
}

/*
 * Completes the trapped instruction (syndrome `esr`) that numbat emulated:
 * the guest goes on after it, with PSTATE as the instruction would have
 * left it (arch_regs_skip: BTYPE and the software-step state cleared).
 */
static inline void vcpu_skip_insn(struct vcpu *vcpu, uint64_t esr)
{
	arch_regs_skip(&vcpu->regs, esr);
}

#endif
