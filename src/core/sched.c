/*
 * Per-pCPU scheduling of pinned vCPUs. A pCPU only ever loads vCPUs pinned
 * to it, so the run list is fixed at boot and needs no lock; vCPU states
 * are written under their VM's lock and read here without it (a stale
 * read is corrected by the kick that follows every change). What runs is
 * sched_policy.c's choice; its entities (vcpu->se) are touched only by
 * their own pCPU, and a waker on another pCPU hands over the wake-up time
 * through vcpu->woken_at.
 * The turns of a VM being reloaded after a reset (VM_LOADING) go to one
 * bounded step of its reload each (vm_load_step), charged to its vCPU 0,
 * with pending interrupts taken after it, so the other vCPUs of the pCPU
 * run between steps.
 */
#include "core/powerfail.h"
#include "core/sched.h"

#include <stddef.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/pcpu.h"
#include "core/console.h"
#include "core/ptimer.h"
#include "core/vgic.h"
#include "core/vm.h"

#define NO_DEADLINE UINT64_MAX
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static enum vcpu_state state_of(const struct vcpu *v)
{
	return __atomic_load_n(&v->state, __ATOMIC_ACQUIRE);
}

static bool vm_loading(const struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_LOADING;
}

/*
 * Makes a blocked `vcpu` runnable as of `at` and kicks its pCPU; caller
 * holds vm->lock. Returns whether it was blocked.
 */
static bool wake_locked_at(struct vcpu *vcpu, uint64_t at)
{
	if (vcpu->state != VCPU_BLOCKED)
		return false;
	__atomic_store_n(&vcpu->woken_at, at, __ATOMIC_RELAXED);
	vcpu_set_state(vcpu, VCPU_RUNNABLE);
	arch_kick(vcpu->pcpu);
	return true;
}

/*
 * Serves the device timer of `vm` (whose vCPU 0 is pinned here) if it is
 * due (a watchdog); returns the earlier of `next` and its next deadline.
 */
static uint64_t dev_timer(struct vm *vm, uint64_t now, uint64_t next)
{
	uint64_t at = __atomic_load_n(&vm->dev_timer_at, __ATOMIC_RELAXED);

	if (at <= now) {
		vm_dev_timer(vm, now);
		at = __atomic_load_n(&vm->dev_timer_at, __ATOMIC_RELAXED);
	}
	return at < next ? at : next;
}

/*
 * One pass over the vCPUs pinned here: serves the device timers of the
 * VMs whose vCPU 0 is pinned here (those with a timed device: vm.c),
 * wakes the blocked vCPUs whose timer deadline has passed, and puts the
 * runnable ones to the policy's pick as it goes (sched_policy_consider;
 * no list of them, no second loop).
 * Returns the choice (NULL if none may run now); *deadline: the earliest
 * of the other blocked vCPUs' deadlines, the device timers and the
 * policy's next event (slice or budget end, a throttled vCPU's refill).
 */
static inline __attribute__((always_inline)) struct vcpu *pick(struct pcpu *p, uint64_t now,
							      uint64_t *deadline)
{
	struct sched_entity *throttled[CONFIG_MAX_VMS * CONFIG_MAX_VCPUS];
	struct sched_pick pk = { .best = NULL, .equal = false };
	uint64_t next = powerfail_poll(now, NO_DEADLINE), event;
	unsigned n = 0, count = p->nvcpus;

	for (unsigned i = 0; i < count; i++) {
		struct vcpu *v = p->vcpus[i];
		enum vcpu_state st;

		/* Its VM's device timer first: a watchdog may stop the VM. */
		if (v->dev_timer)
			next = dev_timer(v->vm, now, next);
		st = state_of(v);
		if (st == VCPU_BLOCKED && v->wake_at != NO_DEADLINE) {
			if (v->wake_at > now) {
				if (v->wake_at < next)
					next = v->wake_at;
				continue;
			}
			/* Its latency counts from the deadline it waited for. */
			spin_lock(&v->vm->lock);
			wake_locked_at(v, v->wake_at);
			spin_unlock(&v->vm->lock);
			st = state_of(v);
		}
		if (st == VCPU_RUNNABLE && !sched_policy_consider(&p->rq, &pk, &v->se, now))
			throttled[n++] = &v->se;
	}
	event = sched_policy_pick_event(pk, throttled, n, now);
	*deadline = event < next ? event : next;
	return pk.best ? container_of(pk.best, struct vcpu, se) : NULL;
}

/* Takes `v`, whose state was read as `st`, off this pCPU. */
static void unload(struct pcpu *p, struct vcpu *v, enum vcpu_state st)
{
	if (st == VCPU_OFF)
		vgic_vcpu_off(v);
	arch_vcpu_put(v);
	p->current = NULL;
	vm_vcpu_unloaded(v);
}

/*
 * Counts `v` as loaded unless its state changed since it was picked (then
 * false). No lock: `v` is counted as loaded first, then its state is read
 * (vm_request, which sets states and then reads the count, describes the
 * pairing); one that is no longer runnable backs out through
 * vm_vcpu_unloaded.
 */
static inline __attribute__((always_inline)) bool counted(struct vcpu *v)
{
	__atomic_store_n(&v->loaded, true, __ATOMIC_RELAXED);
	__atomic_add_fetch(&v->vm->loaded, 1, __ATOMIC_RELAXED);
	/*
	 * `loaded` before the reads of the state and (by the caller) of
	 * `dirty`; pairs with the fences in vm_request and in vgic_kick,
	 * which a vCPU that is not loaded does not kick.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (state_of(v) != VCPU_RUNNABLE) {
		vm_vcpu_unloaded(v);
		return false;
	}
	return true;
}

static bool load(struct pcpu *p, struct vcpu *v)
{
	if (!counted(v))
		return false;
	arch_vcpu_load(v);
	p->current = v;
	return true;
}

/*
 * From `prev` (its state read as `st`) straight to `next` in one world
 * switch, if `next` may still be loaded (counted first, so a VM with both
 * never shows zero loaded vCPUs in between); false, with `prev` still
 * loaded, if not.
 */
static bool switch_to(struct pcpu *p, struct vcpu *prev, enum vcpu_state st, struct vcpu *next)
{
	if (!counted(next))
		return false;
	if (st == VCPU_OFF)
		vgic_vcpu_off(prev);
	arch_vcpu_switch(prev, next);
	p->current = next;
	vm_vcpu_unloaded(prev);
	return true;
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

/*
 * Charges the vCPU that ran on this pCPU until now, and notes whether it
 * is being taken off while it still wanted to run.
 */
static void account_prev(struct vcpu *prev, uint64_t now)
{
	if (prev)
		sched_policy_charge(&prev->se, now);
}

/* `next` is about to run at `now`: its wake-up latency, if it was woken. */
static void account_next(struct vcpu *next, uint64_t now)
{
	uint64_t woken = __atomic_load_n(&next->woken_at, __ATOMIC_ACQUIRE);

	/* Only a waker stores a time; the exchange is for the rare case of two. */
	if (woken != NO_DEADLINE) {
		woken = __atomic_exchange_n(&next->woken_at, NO_DEADLINE, __ATOMIC_ACQ_REL);
		sched_policy_woken(&next->se, woken);
	}
	sched_policy_run(&next->se, now);
}

/* Arms numbat's timer for the earliest of the deadlines that concern `next`. */
static void arm_timer(struct vcpu *next, uint64_t deadline)
{
	/* The emulated physical timer, if the guest uses it at all. */
	if (next->ptimer_ctl || next->ptimer_level) {
		uint64_t pt = ptimer_update(next, arch_now());

		if (pt < deadline)
			deadline = pt;
	}
	if (deadline != NO_DEADLINE)
		arch_timer_arm(deadline);
	else
		arch_timer_disarm();
}

struct vcpu *sched_reschedule(void)
{
	struct pcpu *p = pcpu_this();
	struct vcpu *prev = p->current, *next;
	uint64_t deadline, now = arch_now();

	account_prev(prev, now);
	for (;;) {
		p->resched = false;
		next = pick(p, now, &deadline);
		if (next && next == prev)
			break;
		if (next && vm_loading(next->vm)) {
			/* vCPU 0's turn goes to its VM's reload: one bounded step, its time. */
			if (prev && state_of(prev) == VCPU_OFF) {
				unload(p, prev, VCPU_OFF);
				prev = NULL;
			}
			if (vm_load_wait(next->vm, now)) {
				now = arch_now();
				continue;
			}
			sched_policy_run(&next->se, now);
			vm_load_step(next->vm);
			sched_policy_charge(&next->se, arch_now());
			arch_irq_window();
			now = arch_now();
			continue;
		}
		if (prev) {
			enum vcpu_state st = state_of(prev);

			/*
			 * Only a blocked vCPU stays loaded while the pCPU idles
			 * (its wake-up then needs no load). An OFF one never
			 * does: stops and resets wait for it. Nor does a runnable
			 * one the policy did not pick (throttled): its virtual CPU
			 * interface can hold a pending interrupt, and QEMU ends
			 * numbat's WFI at once while one is signalled, at every
			 * turn of this loop until the refill.
			 */
			if (next || st != VCPU_BLOCKED) {
				if (next && st == VCPU_RUNNABLE)
					prev->se.stats.preemptions++;
				if (next && switch_to(p, prev, st, next))
					break;
				unload(p, prev, st);
				prev = NULL;
			}
		}
		if (next && load(p, next))
			break;
		/* Lost a race, or finishing a reset made a vCPU here runnable. */
		if (next || p->resched) {
			now = arch_now();
			continue;
		}
		if (deadline != NO_DEADLINE)
			arch_timer_arm(deadline);
		arch_idle();
		now = arch_now();
	}
	account_next(next, arch_now());
	arm_timer(next, deadline);
	if (next->vgic.dirty)
		vgic_flush(next);
	if (__builtin_expect(next->vm->announce, 0) && next->index == 0)
		announce_entry(next->vm);
	return next;
}

void sched_charge_current(struct vcpu *vcpu)
{
	sched_policy_charge(&vcpu->se, arch_now());
}

/* µs to counter ticks, exact: 62.5 MHz (QEMU virt) or 19.2 MHz is no whole ticks a µs. */
static uint64_t us_ticks(uint64_t us)
{
	return us * read_cntfrq_el0() / 1000000;
}

/* Each vCPU's scheduling entity, from its VM's description. */
void sched_init_vcpu(struct vcpu *vcpu, const struct sched_config *cfg)
{
	sched_policy_init(&vcpu->se, cfg->priority, us_ticks(cfg->slice_us),
			  us_ticks(cfg->budget_us), us_ticks(cfg->period_us), arch_now());
	vcpu->woken_at = NO_DEADLINE;
}

/*
 * A vCPU alone on this pCPU and without a budget waits for its interrupts
 * in hardware: WFI and WFE do not trap while it runs (as KVM does for a
 * vCPU that is its CPU's only task). Its WFI ends on a virtual interrupt
 * in a list register or on any physical one, which numbat takes at EL2
 * whatever the guest's PSTATE.I (HCR_EL2.IMO), so a wake-up is the
 * sender's kick and a flush, without the scheduler's block, idle and wake
 * passes. Everyone else's WFI blocks them (sched_block), so that the
 * others of their pCPU run meanwhile. Pinning is fixed at boot, so this
 * is decided once per pCPU (vgic.c traps WFI again for a while when the
 * vtimer could not wake such a wait: wfx_follow_vtimer).
 */
void sched_start(void)
{
	struct pcpu *p = pcpu_this();

	if (p->nvcpus && sched_policy_keeps_pcpu(&p->vcpus[0]->se, p->nvcpus)) {
		p->vcpus[0]->wfx_hw = true;
		arch_wfx_trap(false);
	}
	arch_vcpu_enter(sched_reschedule());
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
	return wake_locked_at(vcpu, arch_now());
}
