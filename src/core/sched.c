/*
 * Per-pCPU scheduling of pinned vCPUs. A pCPU only ever loads vCPUs pinned
 * to it, so the run list is fixed at boot and needs no lock; vCPU states
 * are written under their VM's lock and read here without it (a stale
 * read is corrected by the kick that follows every change).
 */
#include "core/sched.h"

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/pcpu.h"
#include "core/console.h"
#include "core/ptimer.h"
#include "core/vgic.h"
#include "core/vm.h"

#define NO_DEADLINE UINT64_MAX

static uint64_t slice_ticks;

static enum vcpu_state state_of(const struct vcpu *v)
{
	return __atomic_load_n(&v->state, __ATOMIC_ACQUIRE);
}

/* Wakes blocked vCPUs whose timer deadline has passed; returns the next. */
static uint64_t wake_expired(struct pcpu *p, uint64_t now)
{
	uint64_t next = NO_DEADLINE;

	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = p->vcpus[i];

		if (state_of(v) != VCPU_BLOCKED || v->wake_at == NO_DEADLINE)
			continue;
		if (v->wake_at <= now) {
			spin_lock(&v->vm->lock);
			sched_wake_locked(v);
			spin_unlock(&v->vm->lock);
		} else if (v->wake_at < next) {
			next = v->wake_at;
		}
	}
	return next;
}

/* Round-robin: the first runnable vCPU after the cursor. */
static struct vcpu *pick(struct pcpu *p, unsigned *runnable)
{
	struct vcpu *found = NULL;

	*runnable = 0;
	for (unsigned i = 1; i <= p->nvcpus; i++) {
		unsigned idx = (p->rr + i) % p->nvcpus;
		struct vcpu *v = p->vcpus[idx];

		if (state_of(v) != VCPU_RUNNABLE)
			continue;
		(*runnable)++;
		if (!found) {
			found = v;
			p->rr = idx;
		}
	}
	return found;
}

static void unload(struct pcpu *p, struct vcpu *v)
{
	arch_vcpu_put(v);
	p->current = NULL;
	vm_vcpu_unloaded(v);
}

/* Loads `v` unless its state changed since it was picked. */
static bool load(struct pcpu *p, struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool ok;

	spin_lock(&vm->lock);
	ok = v->state == VCPU_RUNNABLE;
	if (ok) {
		v->loaded = true;
		vm->loaded++;
	}
	spin_unlock(&vm->lock);
	if (ok) {
		arch_vcpu_load(v);
		p->current = v;
	}
	return ok;
}

/*
 * The first entry of a (re)started VM, with the counter value, when the
 * boot option numbat.entry-stamp asks for it (scripts/bench.sh). One
 * message, so it cannot interleave with another pCPU's; the cost of
 * printing it falls inside what the boot benchmark measures (a few
 * thousand instructions of the ~900 million).
 */
static void announce_entry(struct vm *vm)
{
	vm->announce = false;
	pr_info("vm %s vcpu 0 entered at counter %lu\n", vm->cfg->name, arch_now());
}

struct vcpu *sched_reschedule(void)
{
	struct pcpu *p = pcpu_this();
	struct vcpu *prev = p->current, *next;
	unsigned runnable;
	uint64_t deadline;

	for (;;) {
		p->resched = false;
		deadline = wake_expired(p, arch_now());
		next = pick(p, &runnable);
		if (next && next == prev)
			break;
		if (prev) {
			/* An OFF vCPU never stays loaded: stops and resets wait for it. */
			if (next || state_of(prev) == VCPU_OFF) {
				unload(p, prev);
				prev = NULL;
			}
		}
		if (next && load(p, next))
			break;
		/* Lost a race, or finishing a reset made a vCPU here runnable. */
		if (next || p->resched)
			continue;
		if (deadline != NO_DEADLINE)
			arch_timer_arm(deadline);
		arch_idle();
	}
	/* The emulated physical timer, if the guest uses it at all. */
	if (next->ptimer_ctl || next->ptimer_level) {
		uint64_t pt = ptimer_update(next, arch_now());

		if (pt < deadline)
			deadline = pt;
	}
	if (runnable > 1 && deadline > arch_now() + slice_ticks)
		deadline = arch_now() + slice_ticks;
	if (deadline != NO_DEADLINE)
		arch_timer_arm(deadline);
	else
		arch_timer_disarm();
	if (next->vgic.dirty)
		vgic_flush(next);
	if (__builtin_expect(next->vm->announce, 0) && next->index == 0)
		announce_entry(next->vm);
	return next;
}

void sched_start(void)
{
	slice_ticks = read_cntfrq_el0() / 1000000 * SCHED_SLICE_US;
	arch_vcpu_enter(sched_reschedule());
}

void sched_yield(struct vcpu *vcpu)
{
	struct pcpu *p = vcpu->pcpu;

	/* Only worth a pass through the scheduler if someone else waits. */
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i] != vcpu && state_of(p->vcpus[i]) == VCPU_RUNNABLE)
			p->resched = true;
}

void sched_block(struct vcpu *vcpu, uint64_t cntv_ctl, uint64_t cntv_cval)
{
	struct vm *vm = vcpu->vm;
	bool timer = (cntv_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE;

	uint64_t now = arch_now(), pt;

	/* Virtual time is physical time: numbat runs every VM with CNTVOFF 0. */
	if ((timer && cntv_cval <= now) || vgic_vcpu_pending(vcpu))
		return; /* an interrupt is due: WFI completes */
	pt = vcpu->ptimer_ctl || vcpu->ptimer_level ? ptimer_update(vcpu, now) : NO_DEADLINE;
	vcpu->wake_at = timer ? cntv_cval : NO_DEADLINE;
	if (pt < vcpu->wake_at)
		vcpu->wake_at = pt;
	spin_lock(&vm->lock);
	if (vcpu->state == VCPU_RUNNABLE)
		vcpu_set_state(vcpu, VCPU_BLOCKED);
	spin_unlock(&vm->lock);
	/*
	 * An interrupt raised between the check above and BLOCKED becoming
	 * visible was only flagged (its injector saw us runnable): take it.
	 * The unlock's release orders our state store before this load.
	 */
	if (__atomic_load_n(&vcpu->vgic.dirty, __ATOMIC_ACQUIRE)) {
		spin_lock(&vm->lock);
		sched_wake_locked(vcpu);
		spin_unlock(&vm->lock);
	}
}

bool sched_wake_locked(struct vcpu *vcpu)
{
	if (vcpu->state != VCPU_BLOCKED)
		return false;
	vcpu_set_state(vcpu, VCPU_RUNNABLE);
	arch_kick(vcpu->pcpu);
	return true;
}
