/*
 * The scheduler: each pCPU runs the vCPUs pinned to it by the policy of
 * sched_policy.h (priorities, round robin by slice among equals, budgets),
 * and idles when none may run.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <stdint.h>

#include "core/pcpu.h"
#include "core/vcpu.h"

struct vcpu;

/*
 * The vCPU to enter at the end of a trap on this pCPU: `vcpu` itself on
 * the fast path, otherwise the scheduler's choice (possibly after idling).
 */
/* Picks and loads the next vCPU; idles until there is one. */
struct vcpu *sched_reschedule(void);

static inline struct vcpu *sched_return(struct vcpu *vcpu)
{
	/*
	 * A plain single load (volatile: GCC gives a relaxed atomic load its
	 * own address computation) is enough: whoever changes the state also
	 * kicks this pCPU.
	 */
	if (__builtin_expect(*(volatile const enum vcpu_state *)&vcpu->state ==
			     VCPU_RUNNABLE && !pcpu_this()->resched, 1))
		return vcpu;
	return sched_reschedule();
}
/* Charges the running `vcpu` (on this pCPU) for its time so far. */
void sched_charge_current(struct vcpu *vcpu);
/* Sets up `vcpu`'s priority, slice and budget from its description. */
void sched_init_vcpu(struct vcpu *vcpu, const struct sched_config *cfg);
/* Enters the scheduler for the first time on this pCPU. */
void sched_start(void) __attribute__((noreturn));
/*
 * WFE and the yield hypercall: give the pCPU to another runnable vCPU, if
 * any. Inline (it is short, and both callers are trap handlers).
 */
static inline void sched_yield(struct vcpu *vcpu)
{
	struct pcpu *p = vcpu->pcpu;

	/*
	 * Only worth a pass through the scheduler if someone else waits; then
	 * the rest of the slice goes too, so that an equal waiting behind it
	 * runs (a spinning SMP guest lets its lock holder in).
	 */
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *other = p->vcpus[i];

		if (other != vcpu &&
		    __atomic_load_n(&other->state, __ATOMIC_ACQUIRE) == VCPU_RUNNABLE) {
			vcpu->se.slice_left = 0;
			p->resched = true;
			break;
		}
	}
}
/* WFI: block until woken, or until the vCPU's virtual timer would fire. */
void sched_block(struct vcpu *vcpu, uint64_t cntv_ctl, uint64_t cntv_cval);
/* Makes `vcpu` runnable if it is blocked (caller holds vm->lock). */
bool sched_wake_locked(struct vcpu *vcpu);

#endif
