/*
 * The virtual GIC model (GIC architecture, Arm IHI 0069, and the GICv2
 * spec, IHI 0048): which interrupts of a VM are enabled, pending, active,
 * their priorities and targets, and the transfer of pending interrupts
 * into the list registers of the vCPU that should take them.
 *
 * Interrupts are raised from any pCPU (device models, SGIs from other
 * vCPUs, the physical vtimer): the model changes under dist->lock, the
 * target vCPU is marked dirty and its pCPU kicked. That pCPU flushes the
 * model into its list registers on its way back into the guest
 * (vgic_flush), so list registers are only touched by their own pCPU.
 *
 * Lock order: vm->lock, then dist->lock; never vm->lock inside dist->lock.
 */
#include "core/vgic.h"

#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vgic_lr.h"
#include "core/vm.h"
#include "lib/string.h"

const struct vgic_hw *vgic_hw;
uint64_t vgic_v2_gicv_pa;

struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *vcpu, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return vcpu ? &vcpu->vgic.priv[intid] : NULL;
	if (intid - VGIC_NR_PRIVATE < CONFIG_MAX_SPIS)
		return &vm->vgic.spi[intid - VGIC_NR_PRIVATE];
	return NULL;
}

/*
 * The vCPU an interrupt is delivered to (SPIs: their route); NULL for a
 * GICv2 SPI with no target (IHI 0048B 4.3.12: not forwarded to any CPU).
 */
static struct vcpu *irq_owner(struct vm *vm, struct vcpu *vcpu, unsigned intid,
			      const struct vgic_irq *irq)
{
	if (intid < VGIC_NR_PRIVATE)
		return vcpu;
	return irq->target < vm->cfg->vcpu_count ? &vm->vcpus[irq->target] : NULL;
}

static bool vcpu_on(const struct vcpu *v)
{
	return __atomic_load_n(&v->state, __ATOMIC_RELAXED) != VCPU_OFF;
}

/*
 * GICv2 1-of-N (IHI 0048B 1.4.2, 4.3.12): any one CPU of the mask may
 * take the interrupt. numbat picks the lowest-numbered listed vCPU that
 * is on (one that is off would not take it until it is started), else the
 * lowest listed; an empty mask targets nobody. A pending interrupt
 * already in a list register keeps its vCPU until the guest is done.
 */
void vgic_v2_route(struct vm *vm, struct vgic_irq *irq)
{
	unsigned first_on = VGIC_NO_TARGET;

	for (uint32_t m = irq->targets; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (i < vm->cfg->vcpu_count && vcpu_on(&vm->vcpus[i])) {
			first_on = i;
			break;
		}
	}
	if (first_on == VGIC_NO_TARGET && irq->targets)
		first_on = (unsigned)__builtin_ctz(irq->targets);
	irq->target = (uint8_t)first_on;
}

/*
 * After a change to `irq`: if its owner has something to do (deliver it,
 * retract it, update its list register), mark the owner dirty and get its
 * pCPU to flush; wake the owner if it waits in WFI. Called with
 * dist->lock held; takes vm->lock only after dropping it (see below).
 */
static void notify(struct vcpu *owner, unsigned intid)
{
	owner->vgic.dirty = true;
	vgic_mark(&owner->vgic, intid);
}

/* Hints `intid` to whoever it is delivered to now (see vgic_cpu.hint). */
static void mark_owner(struct vcpu *vcpu, unsigned intid, const struct vgic_irq *irq)
{
	struct vm *vm = vcpu->vm;

	if (intid < VGIC_NR_PRIVATE)
		vgic_mark(&vcpu->vgic, intid);
	else if (irq->target < vm->cfg->vcpu_count)
		vgic_mark(&vm->vcpus[irq->target].vgic, intid);
}

/*
 * Gets the owner to look at its model, if it can see anything: wakes it
 * if it waits in WFI (a wake-up reschedules its pCPU); if it is loaded
 * and running, asks its pCPU for a flush only. A runnable vCPU that is
 * not loaded flushes when it is loaded (sched.c), and an off one has
 * nothing to see: neither is worth interrupting a pCPU that another VM
 * may be using. A vCPU about to block sees `dirty` (set before this) and
 * does not.
 */
static __attribute__((noinline)) void kick_blocked(struct vcpu *owner)
{
	struct vm *vm = owner->vm;
	bool flush;

	spin_lock(&vm->lock);
	/* Woken meanwhile by someone else, and already running: flush. */
	flush = owner->state == VCPU_RUNNABLE && owner->loaded;
	sched_wake_locked(owner);
	spin_unlock(&vm->lock);
	if (flush)
		arch_kick_vgic(owner->pcpu);
}

/* The running owner's case needs no frame: a blocked one's is out of line. */
void vgic_kick(struct vcpu *owner)
{
	enum vcpu_state s;

	/*
	 * The caller's store to `dirty` before the loads of `state` and
	 * `loaded`; pairs with the fence in sched.c's load(), which stores
	 * `loaded` and then reads `dirty`: one of the two sides sees the other.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s = __atomic_load_n(&owner->state, __ATOMIC_ACQUIRE);
	if (s == VCPU_OFF)
		return;
	if (s == VCPU_RUNNABLE) {
		if (__atomic_load_n(&owner->loaded, __ATOMIC_ACQUIRE))
			arch_kick_vgic(owner->pcpu);
		return;
	}
	kick_blocked(owner);
}

static inline void kick_owner(struct vcpu *owner)
{
	vgic_kick(owner);
}

static void place(struct vcpu *vcpu, struct vgic_lr *lr);

/*
 * The guest has finished with list register i (empty in hardware): the
 * model takes its interrupt back. Finishing means it was acknowledged,
 * which consumes a level interrupt's ISPENDR latch. `irq` is the one it
 * holds. The flush hints it again (it may still be pending); the fast
 * paths retire only entries of a clean model, which have nothing left.
 * dist->lock held.
 */
static inline void retire_lr(struct vcpu *vcpu, unsigned i, struct vgic_irq *irq)
{
	if (!irq->edge && !irq->hw)
		irq->latch = false;
	irq->in_lr = false;
	irq->active = false;
	irq->lr_pending = false;
	irq->clear_req = false;
	vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
	vcpu->vgic.lr_used &= ~(1u << i);
}

/* vgic_get_irq for an INTID known to exist (one a list register holds). */
static inline struct vgic_irq *irq_of(const struct vcpu *vcpu, unsigned intid)
{
	return intid < VGIC_NR_PRIVATE ? (struct vgic_irq *)&vcpu->vgic.priv[intid]
				       : &vcpu->vm->vgic.spi[intid - VGIC_NR_PRIVATE];
}

/* The interrupt list register i of `vcpu` holds (one is). */
static inline struct vgic_irq *lr_irq(const struct vcpu *vcpu, unsigned i)
{
	return irq_of(vcpu, vcpu->vgic.lr_intid[i]);
}

/*
 * Whether the fast paths may retire finished entry i themselves: an edge
 * or HW interrupt, and for an SPI only while it is still routed to
 * `vcpu` (then retiring it and hinting it here is all sync_lrs would do).
 * A level interrupt (its EOI maintenance must not be overwritten: the
 * line may still be high) or a retargeted SPI is left to vgic_flush.
 */
static bool simple_retire(const struct vcpu *vcpu, unsigned i)
{
	const struct vgic_irq *irq = lr_irq(vcpu, i);

	return (irq->edge || irq->hw) &&
	       (vcpu->vgic.lr_intid[i] < VGIC_NR_PRIVATE || irq->target == vcpu->index);
}

/*
 * The fast path: `vcpu` is the one loaded on this pCPU, its model is
 * clean and nothing waits for a list register, so a newly pending
 * interrupt can go straight into an empty list register (the hardware
 * orders list registers by priority itself). dist->lock held. Returns
 * false to take the general path (flush on the way back in).
 */
static bool try_direct(struct vcpu *vcpu, unsigned intid, struct vgic_irq *irq)
{
	uint32_t empty;
	unsigned i;

	if (vcpu != pcpu_this()->current || vcpu->vgic.dirty || vcpu->vgic.waiting ||
	    !irq->enabled || (intid >= VGIC_NR_PRIVATE && !vcpu->vm->vgic.enabled) ||
	    vcpu->state != VCPU_RUNNABLE)
		return false;
	empty = vgic_hw->empty_lrs();
	/*
	 * Entries the guest has finished with since the last flush. Retired
	 * here they get no hint: one whose interrupt is pending again (which
	 * a clean model should never show: refresh_lr takes every new edge
	 * into the entry) is left to the flush, which hints it.
	 */
	for (uint32_t e = empty & vcpu->vgic.lr_used; e; e &= e - 1) {
		unsigned k = (unsigned)__builtin_ctz(e);

		if (!simple_retire(vcpu, k) || vgic_irq_pending(lr_irq(vcpu, k)))
			return false;
	}
	for (uint32_t e = empty & vcpu->vgic.lr_used; e; e &= e - 1) {
		unsigned k = (unsigned)__builtin_ctz(e);

		retire_lr(vcpu, k, lr_irq(vcpu, k));
	}
	if (!empty || irq->in_lr)
		return false;
	i = (unsigned)__builtin_ctz(empty);
	vcpu->vgic.lr_used |= 1u << i;
	struct vgic_lr lr = {
		.intid = (uint16_t)intid, .priority = irq->priority, .pending = true,
		.source = irq->sgi_src ? (uint8_t)__builtin_ctz(irq->sgi_src) : 0,
	};
	place(vcpu, &lr);
	vcpu->vgic.lr_intid[i] = lr.intid;
	vcpu->vgic.lr_source[i] = lr.source;
	vgic_hw->write_lr(i, &lr);
	return true;
}

/*
 * try_direct for the forwarded vtimer, the most frequent interrupt: the
 * commonest case (its own previous entry finished, an empty list register)
 * without the general path's bookkeeping. `vcpu` is the one loaded on
 * this pCPU (the only caller is vgic_vtimer_fire). dist->lock held.
 */
static bool try_direct_hw(struct vcpu *vcpu, struct vgic_irq *irq)
{
	struct vgic_cpu *c = &vcpu->vgic;
	uint32_t empty, stale;
	unsigned i;

	/* `vcpu` is this pCPU's current one: vgic_vtimer_fire's contract. */
	if (c->dirty || c->waiting || !irq->enabled || vcpu->state != VCPU_RUNNABLE)
		return false;
	empty = vgic_hw->empty_lrs();
	stale = empty & c->lr_used;
	if (!empty || (stale & (stale - 1)))
		return false; /* none free, or more than one to retire: general path */
	if (stale) {
		i = (unsigned)__builtin_ctz(stale);
		if (c->lr_intid[i] != VGIC_PPI_VTIMER)
			return false;
		retire_lr(vcpu, i, irq); /* its own finished entry, reused below */
	} else if (irq->in_lr) {
		return false;
	} else {
		i = (unsigned)__builtin_ctz(empty);
	}
	c->lr_intid[i] = VGIC_PPI_VTIMER;
	c->lr_source[i] = 0;
	c->lr_used |= 1u << i;
	irq->in_lr = true;
	irq->lr_pending = true;
	irq->lr_vcpu = (uint8_t)vcpu->index;
	irq->latch = false;
	vcpu->exits.virqs++;
	vgic_hw->write_lr_hw(i, VGIC_PPI_VTIMER, irq->priority);
	return true;
}

void vgic_set_level(struct vm *vm, unsigned intid, bool level)
{
	struct vgic_irq *irq = vgic_get_irq(vm, &vm->vcpus[0], intid);
	struct vcpu *owner;

	if (!irq)
		return;
	spin_lock(&vm->vgic.lock);
	if (irq->level == level) {
		spin_unlock(&vm->vgic.lock);
		return;
	}
	if (irq->edge && level)
		irq->latch = true; /* a rising edge of an edge-triggered line */
	irq->level = level;
	/* 1-of-N: a vCPU turned off since the last write loses its turn. */
	if (level && (irq->targets & (irq->targets - 1)) && !irq->in_lr)
		vgic_v2_route(vm, irq);
	owner = irq_owner(vm, &vm->vcpus[0], intid, irq);
	if (owner)
		notify(owner, intid);
	spin_unlock(&vm->vgic.lock);
	if (owner)
		kick_owner(owner);
}

/*
 * Edge SPI `irq` (`intid`) of `vm` was just latched pending: a 1-of-N
 * GICv2 SPI not in a list register picks its target, and the owner is
 * marked. Returns the owner to kick once the lock is dropped (NULL if
 * none). While a list register holds the SPI, the owner is that list
 * register's vCPU, even if the SPI was retargeted meanwhile: an active
 * interrupt is not signalled again before it is deactivated (IHI 0069
 * 4.1.2), and that vCPU's flush takes the edge into the entry
 * (refresh_lr), as KVM keeps an active interrupt's new pending state on
 * the vCPU that has it active, or hands a pending-only one to the new
 * target (sync_lrs). Told nothing, a vCPU waiting in WFI in hardware
 * might never flush, and the edge would wait for it. vgic.lock held.
 */
static inline __attribute__((always_inline)) struct vcpu *spi_latched(struct vm *vm, unsigned intid,
									 struct vgic_irq *irq)
{
	struct vcpu *owner;

	if (irq->in_lr) {
		owner = irq->lr_vcpu < vm->cfg->vcpu_count ? &vm->vcpus[irq->lr_vcpu] : NULL;
	} else {
		if (irq->targets & (irq->targets - 1))
			vgic_v2_route(vm, irq);
		owner = irq_owner(vm, &vm->vcpus[0], intid, irq);
	}
	if (owner)
		notify(owner, intid);
	return owner;
}

void vgic_pulse(struct vm *vm, unsigned intid)
{
	struct vgic_irq *irq = vgic_get_irq(vm, &vm->vcpus[0], intid);
	struct vcpu *owner;

	if (!irq || intid < VGIC_NR_PRIVATE)
		return;
	spin_lock(&vm->vgic.lock);
	/* A level-sensitive input sees the line low again: nothing pending. */
	if (!irq->edge || irq->latch) {
		spin_unlock(&vm->vgic.lock);
		return;
	}
	irq->latch = true;
	owner = spi_latched(vm, intid, irq);
	spin_unlock(&vm->vgic.lock);
	if (owner)
		kick_owner(owner);
}

void vgic_set_private_level(struct vcpu *vcpu, unsigned intid, bool level)
{
	struct vm *vm = vcpu->vm;
	struct vgic_irq *irq = vgic_get_irq(vm, vcpu, intid);

	if (!irq || intid < 16)
		return;
	spin_lock(&vm->vgic.lock);
	if (irq->edge && level && !irq->level)
		irq->latch = true;
	irq->level = level;
	notify(vcpu, intid);
	spin_unlock(&vm->vgic.lock);
	kick_owner(vcpu);
}

void vgic_raise_sgi(struct vcpu *target, unsigned intid, unsigned source)
{
	struct vm *vm = target->vm;
	struct vgic_irq *irq = &target->vgic.priv[intid & 15];

	spin_lock(&vm->vgic.lock);
	if (vgic_hw->sgi_sources)
		irq->sgi_src |= (uint16_t)(1u << (source & 7));
	else
		irq->latch = true;
	notify(target, intid & 15);
	spin_unlock(&vm->vgic.lock);
	kick_owner(target);
}

/*
 * The physical vtimer PPI fired on this pCPU, which runs `vcpu`: the
 * hardware keeps it active until the guest deactivates the virtual one
 * (list register HW bit), so it cannot fire again meanwhile.
 */
void vgic_vtimer_fire(struct vcpu *vcpu)
{
	struct vgic_irq *irq = &vcpu->vgic.priv[VGIC_PPI_VTIMER];
	bool direct;

	spin_lock(&vcpu->vm->vgic.lock);
	irq->hw = true;
	irq->latch = true;
	direct = try_direct_hw(vcpu, irq) || try_direct(vcpu, VGIC_PPI_VTIMER, irq);
	if (!direct)
		notify(vcpu, VGIC_PPI_VTIMER);
	spin_unlock(&vcpu->vm->vgic.lock);
	if (!direct)
		kick_owner(vcpu);
}

void vgic_forward_spi(struct vm *vm, unsigned intid, unsigned pintid)
{
	struct vgic_irq *irq = vgic_get_irq(vm, &vm->vcpus[0], intid);
	struct vcpu *owner;

	if (!irq || intid < VGIC_NR_PRIVATE)
		return;
	spin_lock(&vm->vgic.lock);
	irq->hw = true;
	irq->pintid = (uint16_t)pintid;
	irq->latch = true;
	owner = spi_latched(vm, intid, irq);
	spin_unlock(&vm->vgic.lock);
	if (owner)
		kick_owner(owner);
}

void vgic_maintenance(struct vcpu *vcpu)
{
	vgic_hw->ack_maintenance();
	vcpu->vgic.dirty = true;
	vcpu->pcpu->resched = true;
}

static void restore_pending(struct vgic_irq *irq, const struct vgic_lr *lr);

/*
 * Takes SPI `irq`, pending and not active in list register i of `vcpu`,
 * back into the model, unseen by the guest; if it is still pending and
 * another vCPU is its target now, that vCPU gets its bit in *others (to
 * be marked and kicked after unlocking). A pending, not active interrupt
 * has not been acknowledged anywhere, so it may go to whichever CPU its
 * routing names when it is forwarded again (IHI 0069H, 4.4 and 12.9.22
 * GICD_IROUTER<n>; KVM's vgic_prune_ap_list does the same). The caller
 * clears the hardware list register. dist->lock held.
 */
static void withdraw_spi(struct vcpu *vcpu, unsigned i, struct vgic_irq *irq,
			 const struct vgic_lr *lr, uint32_t *others)
{
	struct vm *vm = vcpu->vm;
	unsigned t = irq->target; /* VGIC_NO_TARGET (or beyond): nobody, as irq_owner */

	if (!irq->clear_req)
		restore_pending(irq, lr);
	irq->in_lr = false;
	irq->lr_pending = false;
	irq->clear_req = false;
	vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
	vcpu->vgic.lr_used &= ~(1u << i);
	if (t != vcpu->index && t < vm->cfg->vcpu_count && vgic_irq_pending(irq)) {
		notify(&vm->vcpus[t], lr->intid);
		*others |= 1u << t;
	}
}

/*
 * Folds the list registers' state back into the model. An SPI that was
 * retargeted while its old owner held it, and is still pending, is handed
 * to its new owner: *others gets that vCPU's bit (kicked after unlocking).
 * Only entries in use are looked at (lrs[] is left alone for the others),
 * and those the hardware reports empty are not read. Returns the entries
 * that still need clearing in hardware (finished EOI maintenance ones,
 * which the hardware does not count as empty, and withdrawn SPIs).
 * dist->lock held.
 */
static uint32_t sync_lrs(struct vcpu *vcpu, struct vgic_lr *lrs, uint32_t *others)
{
	struct vm *vm = vcpu->vm;
	uint32_t empty = vcpu->vgic.lr_used ? vgic_hw->empty_lrs() : 0, stale = 0;

	for (uint32_t m = vcpu->vgic.lr_used; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);
		struct vgic_irq *irq;
		unsigned intid = vcpu->vgic.lr_intid[i];

		if ((empty >> i) & 1)
			lrs[i] = (struct vgic_lr){ 0 };
		else
			vgic_hw->read_lr(i, &lrs[i]);
		lrs[i].intid = (uint16_t)intid;
		lrs[i].source = vcpu->vgic.lr_source[i];
		irq = vgic_get_irq(vm, vcpu, intid);
		irq->active = lrs[i].active;
		irq->lr_pending = lrs[i].pending;
		/* Acknowledged: a level interrupt's ISPENDR latch is consumed. */
		if (lrs[i].active && !lrs[i].pending && !irq->edge && !irq->hw)
			irq->latch = false;
		/* Retargeted before the guest took it: to its new target. */
		if (intid >= VGIC_NR_PRIVATE && lrs[i].pending && !lrs[i].active &&
		    irq->target != vcpu->index) {
			withdraw_spi(vcpu, i, irq, &lrs[i], others);
			lrs[i].intid = VGIC_LR_FREE;
			stale |= 1u << i; /* to be emptied in hardware */
			continue;
		}
		if (lrs[i].pending || lrs[i].active)
			continue;
		if (lrs[i].eoi_maint)
			stale |= 1u << i;
		retire_lr(vcpu, i, irq);
		mark_owner(vcpu, intid, irq); /* may still be pending */
		lrs[i].intid = VGIC_LR_FREE;
		if (intid >= VGIC_NR_PRIVATE && irq->target != vcpu->index &&
		    irq->target < vm->cfg->vcpu_count && vgic_irq_pending(irq)) {
			notify(&vm->vcpus[irq->target], intid);
			*others |= 1u << irq->target;
		}
	}
	return stale;
}

static bool v2_sgi(unsigned intid)
{
	return vgic_hw->sgi_sources && intid < 16;
}

/* Puts back the pending state a list register entry took from the model. */
static void restore_pending(struct vgic_irq *irq, const struct vgic_lr *lr)
{
	if (v2_sgi(lr->intid))
		irq->sgi_src |= (uint16_t)(1u << lr->source);
	else if (irq->edge || irq->hw)
		irq->latch = true;
	/* A level interrupt's pending state stays in its line and latch. */
}

bool vgic_vtimer_high(struct vcpu *vcpu, const struct vgic_irq *irq)
{
	if (irq != &vcpu->vgic.priv[VGIC_PPI_VTIMER] || !irq->hw)
		return true;
	return arch_vtimer_line(vcpu) != ARCH_LINE_LOW;
}

/*
 * The forwarded vtimer is level-sensitive: numbat saw its output high
 * (the PPI fired) and kept it pending while the guest had it disabled or
 * masked by priority. If the output has dropped since (timer disabled,
 * IMASK set, CVAL moved on), the interrupt is no longer pending (IHI 0069
 * 4.1.1, IHI 0048B 1.4.2) and numbat's hold on the physical PPI ends, so
 * the timer can fire again. The emulated physical timer (ptimer.c) gets
 * the same from vgic_set_private_level. dist->lock held.
 */
static inline __attribute__((always_inline)) void vtimer_resample(struct vcpu *vcpu)
{
	struct vgic_irq *irq = &vcpu->vgic.priv[VGIC_PPI_VTIMER];

	if (!irq->hw || !irq->latch || irq->in_lr || vgic_vtimer_high(vcpu, irq))
		return;
	irq->latch = false;
	arch_vtimer_release(vcpu);
}

/*
 * Brings a list register holding `irq` up to date with the model: a new
 * edge (from the same source, for a GICv2 SGI) while it is active makes
 * it pending again; ICPENDR, a dropped level or a disable takes back its
 * pending state, as does the forwarded vtimer's output dropping. Other
 * pending GICv2 sources ask for EOI maintenance.
 */
static void refresh_lr(struct vcpu *vcpu, struct vgic_irq *irq, struct vgic_lr *lr)
{
	uint16_t own = v2_sgi(lr->intid) ? (uint16_t)(1u << lr->source) : 0;
	bool more = own ? (irq->sgi_src & own) != 0 : irq->latch && (irq->edge || irq->hw);

	if (irq->clear_req) {
		irq->clear_req = false;
		lr->pending = false;
	} else if (lr->active && !lr->pending && more) {
		lr->pending = true;
		if (own)
			irq->sgi_src &= (uint16_t)~own;
		else
			irq->latch = false;
	} else if (lr->pending && !lr->active && !irq->hw &&
		   (!irq->enabled || (!irq->edge && !irq->level && !irq->latch))) {
		if (!irq->enabled)
			restore_pending(irq, lr);
		lr->pending = false; /* withdrawn before the guest saw it */
	} else if (lr->pending && !lr->active && irq->hw && !vgic_vtimer_high(vcpu, irq)) {
		lr->pending = false; /* the timer's output dropped first */
		irq->latch = false;
		arch_vtimer_release(vcpu);
	} else if (lr->pending && more) {
		/*
		 * Another edge while still pending, active or not: one pending
		 * state holds both (IHI 0069 4.1.2; IHI 0048B 3.2.4), so it is
		 * not delivered twice. Left latched, the model would hold a
		 * pending state beside the entry's with no hint to deliver it
		 * (gather drops hints of interrupts in list registers): a
		 * third delivery after the EOI, or, once a fast path retired
		 * the finished entry, a latch that nothing delivers and that
		 * swallows every later edge (vgic_pulse).
		 */
		if (own)
			irq->sgi_src &= (uint16_t)~own;
		else
			irq->latch = false;
	}
	if (own && (irq->sgi_src & (uint16_t)~own))
		lr->eoi_maint = true;
	if (!lr->pending && !lr->active) {
		irq->in_lr = false;
		mark_owner(vcpu, lr->intid, irq);
		lr->intid = VGIC_LR_FREE;
	}
	irq->lr_pending = lr->pending;
}

/*
 * An active interrupt is not signalled, pending or not, until it is
 * deactivated (IHI 0069 4.1.2; IHI 0048 3.2.4): one the guest made active
 * through ISACTIVER waits for ICACTIVER, whatever the running priority.
 */
static inline __attribute__((always_inline)) bool deliverable(const struct vgic_irq *irq)
{
	return irq->enabled && !irq->in_lr && !irq->active && vgic_irq_pending(irq);
}

static struct vgic_candidate candidate(unsigned intid, const struct vgic_irq *irq)
{
	return (struct vgic_candidate){
		.intid = (uint16_t)intid, .priority = irq->priority,
		.source = irq->sgi_src ? (uint8_t)__builtin_ctz(irq->sgi_src) : 0,
	};
}

/*
 * Everything `vcpu` should be shown that no list register holds yet,
 * among the INTIDs hinted since the last flush (vgic_cpu.hint): a hinted
 * interrupt that is not deliverable here loses its hint (whatever makes
 * it deliverable again hints it again); one that is keeps it until a list
 * register holds it. Ascending INTIDs, as the plan's tie-break wants.
 * Returns how many there are; only the first `max` are stored in c[].
 * Calling it again gives the same answer (it only drops hints that are
 * not deliverable).
 */
static unsigned gather(struct vcpu *vcpu, struct vgic_candidate *c, unsigned max)
{
	struct vm *vm = vcpu->vm;
	unsigned n = 0;

	for (unsigned w = 0; w < VGIC_HINT_WORDS; w++) {
		uint32_t keep = 0;
		const struct vgic_irq *word; /* INTID 32 * w; hints exist only for real ones */

		if (!vcpu->vgic.hint[w])
			continue;
		if (w > 0 && !vm->vgic.enabled)
			break; /* SPIs keep their hints until the distributor is on */
		word = w ? &vm->vgic.spi[32 * w - VGIC_NR_PRIVATE] : vcpu->vgic.priv;
		for (uint32_t m = vcpu->vgic.hint[w]; m; m &= m - 1) {
			unsigned bit = (unsigned)__builtin_ctz(m);
			const struct vgic_irq *irq = &word[bit];

			if (!deliverable(irq) || (w && irq->target != vcpu->index))
				continue;
			keep |= m & -m;
			if (n < max)
				c[n] = candidate(32 * w + bit, irq);
			n++;
		}
		vcpu->vgic.hint[w] = keep;
	}
	return n;
}

/* Returns an evicted list register's pending interrupt to the model. */
static void unplace(struct vcpu *vcpu, uint16_t intid, uint8_t source)
{
	struct vgic_irq *irq = vgic_get_irq(vcpu->vm, vcpu, intid);
	struct vgic_lr lr = { .intid = intid, .source = source };

	irq->in_lr = false;
	irq->lr_pending = false;
	restore_pending(irq, &lr);
	mark_owner(vcpu, intid, irq);
}

/*
 * Moves the pending state a new list register entry carries off the
 * model: an edge's latch, or one GICv2 SGI source. A level interrupt keeps
 * its line and ISPENDR latch until the guest acknowledges it; it asks for
 * EOI maintenance to be looked at again, as does a GICv2 SGI with more
 * sources pending.
 */
static inline __attribute__((always_inline)) void place_irq(struct vcpu *vcpu,
								  struct vgic_irq *irq,
								  struct vgic_lr *lr)
{
	irq->in_lr = true;
	irq->lr_pending = true;
	irq->clear_req = false;
	irq->lr_vcpu = (uint8_t)vcpu->index;
	vcpu->exits.virqs++;
	lr->hw = irq->hw;
	lr->pintid = irq->hw ? (irq->pintid ? irq->pintid : lr->intid) : 0;
	lr->eoi_maint = !irq->edge && !irq->hw;
	if (v2_sgi(lr->intid)) {
		irq->sgi_src &= (uint16_t)~(1u << lr->source);
		lr->eoi_maint = irq->sgi_src != 0;
	} else if (irq->edge || irq->hw) {
		irq->latch = false;
	}
}

static void place(struct vcpu *vcpu, struct vgic_lr *lr)
{
	place_irq(vcpu, irq_of(vcpu, lr->intid), lr);
}

/*
 * Candidates that all fit in the `free` list registers need no plan: no
 * eviction, and no order (the hardware presents list registers by
 * priority itself). Returns the list registers filled.
 */
static uint32_t fill_free(struct vgic_lr *lrs, uint32_t free, const struct vgic_candidate *c,
			  unsigned n)
{
	uint32_t filled = 0;

	for (unsigned k = 0; k < n; k++, free &= free - 1) {
		unsigned i = (unsigned)__builtin_ctz(free);

		lrs[i] = (struct vgic_lr){ .intid = c[k].intid, .priority = c[k].priority,
					   .source = c[k].source, .pending = true };
		filled |= 1u << i;
	}
	return filled;
}

/*
 * Brings the entries in use up to date (refresh_lr); returns those that
 * changed, and clears from *live those that were freed.
 */
static uint32_t refresh_lrs(struct vcpu *vcpu, struct vgic_lr *lrs, uint32_t *live)
{
	uint32_t changed = 0;

	for (uint32_t m = *live; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);
		struct vgic_lr before = lrs[i];

		refresh_lr(vcpu, vgic_get_irq(vcpu->vm, vcpu, lrs[i].intid), &lrs[i]);
		if (lrs[i].intid == VGIC_LR_FREE) {
			*live &= ~(1u << i);
			/* Withdrawn (ICPENDR): if this entry is given back to the
			 * same interrupt, that is a new placement (commit_lrs). */
			vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
		}
		if (lrs[i].intid != before.intid || lrs[i].pending != before.pending ||
		    lrs[i].eoi_maint != before.eoi_maint)
			changed |= 1u << i;
	}
	return changed;
}

/* The general case: vgic_lr_plan over every list register. Returns underflow. */
static bool plan_lrs(struct vcpu *vcpu, struct vgic_lr *lrs, unsigned nr, uint32_t live,
		     struct vgic_candidate *c, unsigned n)
{
	struct vgic_plan plan;

	for (unsigned i = 0; i < nr; i++)
		if (!((live >> i) & 1))
			lrs[i].intid = VGIC_LR_FREE;
	vgic_lr_plan(lrs, nr, c, n, &plan);
	for (unsigned i = 0; i < plan.nr_evicted; i++)
		unplace(vcpu, plan.evicted[i], plan.evicted_source[i]);
	return plan.underflow;
}

/* Writes the list registers in `write` and records what each holds. */
static void commit_lrs(struct vcpu *vcpu, struct vgic_lr *lrs, uint32_t write)
{
	for (; write; write &= write - 1) {
		unsigned i = (unsigned)__builtin_ctz(write);

		if (lrs[i].intid != VGIC_LR_FREE && lrs[i].pending && !lrs[i].active &&
		    (vcpu->vgic.lr_intid[i] != lrs[i].intid ||
		     vcpu->vgic.lr_source[i] != lrs[i].source))
			place(vcpu, &lrs[i]);
		vcpu->vgic.lr_intid[i] = lrs[i].intid;
		vcpu->vgic.lr_source[i] = lrs[i].source;
		if (lrs[i].intid == VGIC_LR_FREE)
			vcpu->vgic.lr_used &= ~(1u << i);
		else
			vcpu->vgic.lr_used |= 1u << i;
		vgic_hw->write_lr(i, &lrs[i]);
	}
}

/* Puts deliverable interrupt `irq` (`intid`) into free list register i. */
static inline __attribute__((always_inline)) void put_lr(struct vcpu *vcpu, unsigned i,
							 unsigned intid, struct vgic_irq *irq)
{
	struct vgic_cpu *c = &vcpu->vgic;
	struct vgic_lr lr = {
		.intid = (uint16_t)intid, .priority = irq->priority,
		.source = irq->sgi_src ? (uint8_t)__builtin_ctz(irq->sgi_src) : 0,
		.pending = true,
	};

	place_irq(vcpu, irq, &lr);
	c->lr_intid[i] = lr.intid;
	c->lr_source[i] = lr.source;
	c->lr_used |= 1u << i;
	vgic_hw->write_lr(i, &lr);
}

/* Whether any INTID is hinted to `c` (one test for the whole bitmap). */
static inline bool hinted(const struct vgic_cpu *c)
{
	uint32_t any = 0;

	for (unsigned w = 0; w < VGIC_HINT_WORDS; w++)
		any |= c->hint[w];
	return any != 0;
}

/*
 * gather and place in one pass, for flush_simple: each hinted interrupt
 * deliverable to `vcpu` goes into one of the `free` list registers, in
 * ascending INTID order (the hardware presents list registers by
 * priority itself), and loses its hint. Returns false if they do not all
 * fit: those placed stay placed (pending entries, which the general path
 * reads back and may evict for more urgent ones), the rest keep their
 * hints. dist->lock held.
 */
static bool place_hinted(struct vcpu *vcpu, uint32_t free)
{
	struct vgic_cpu *c = &vcpu->vgic;
	struct vm *vm = vcpu->vm;

	for (unsigned w = 0; w < VGIC_HINT_WORDS; w++) {
		uint32_t m = c->hint[w];
		struct vgic_irq *word; /* INTID 32 * w; hints exist only for real ones */

		if (!m)
			continue;
		if (w > 0 && !vm->vgic.enabled)
			break; /* SPIs keep their hints until the distributor is on */
		word = w ? &vm->vgic.spi[32 * w - VGIC_NR_PRIVATE] : c->priv;
		for (; m; m &= m - 1) {
			unsigned bit = (unsigned)__builtin_ctz(m), i;
			struct vgic_irq *irq = &word[bit];

			if (!deliverable(irq) || (w && irq->target != vcpu->index))
				continue;
			if (!free) {
				c->hint[w] = m; /* the rest are looked at again */
				return false;
			}
			i = (unsigned)__builtin_ctz(free);
			free &= free - 1;
			put_lr(vcpu, i, 32 * w + bit, irq);
		}
		c->hint[w] = 0; /* placed, or not deliverable here */
	}
	return true;
}

/*
 * The flush of the common case, without the general path's bookkeeping:
 * nothing waits for a list register, every entry in use is one the guest
 * has finished (empty in hardware) that the fast paths may retire
 * (simple_retire: an edge or HW one, an SPI still routed here), and the
 * interrupts to deliver all fit in the list registers then free, each
 * simply placed in one (what fill_free and commit_lrs would do). Returns
 * false when that is not the case, leaving a state the general path
 * takes as it is (finished entries retired, as sync_lrs would, and some
 * interrupts placed in free list registers, as fill_free would).
 * dist->lock held.
 */
static bool flush_simple(struct vcpu *vcpu)
{
	struct vgic_cpu *c = &vcpu->vgic;
	uint32_t used = c->lr_used;

	if (c->waiting || (used && (used & ~vgic_hw->empty_lrs())))
		return false;
	for (; used; used &= used - 1) {
		unsigned i = (unsigned)__builtin_ctz(used), intid = c->lr_intid[i];
		struct vgic_irq *irq = irq_of(vcpu, intid);

		if (!(irq->edge || irq->hw) ||
		    (intid >= VGIC_NR_PRIVATE && irq->target != vcpu->index))
			return false; /* simple_retire's test; the rest stay */
		retire_lr(vcpu, i, irq);
		/*
		 * Pending again (the next IPI, the next vIRQ): straight back
		 * into the entry it just left, as place_hinted would put it,
		 * with its hint, if any, no longer needed. Else it may be
		 * pending again later: hinted, place_hinted looks. Not the
		 * forwarded vtimer, whose output vtimer_resample looks at first.
		 */
		if (intid != VGIC_PPI_VTIMER && deliverable(irq) &&
		    (intid < VGIC_NR_PRIVATE || vcpu->vm->vgic.enabled)) {
			c->hint[intid / 32] &= ~(1u << (intid % 32));
			put_lr(vcpu, i, intid, irq);
		} else {
			vgic_mark(c, intid);
		}
	}
	vtimer_resample(vcpu);
	if (!hinted(c))
		return true; /* the common case: what was pending is back in place */
	return place_hinted(vcpu, ((1u << vgic_hw->nr_lr) - 1) & ~c->lr_used);
}

/*
 * The number of set bits in a list-register mask. Not __builtin_popcount:
 * with -mgeneral-regs-only GCC calls libgcc's __popcountdi2, which uses
 * the SIMD CNT instruction and so overwrote the running guest's V0 (the
 * guest's FP/SIMD registers stay live in the CPU while numbat runs:
 * arch.c). scripts/check-no-fp.sh keeps any such helper out of the image.
 */
static unsigned lr_count(uint32_t mask)
{
	unsigned n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/*
 * The general flush. Only list registers that change are written: one
 * that lr_intid says is free is invalid in hardware already (finished,
 * cleared when withdrawn, or zeroed with the vCPU's saved state at reset).
 * Returns the vCPUs (bits) to kick once dist->lock is dropped. dist->lock
 * held.
 */
static __attribute__((noinline)) uint32_t flush_general(struct vcpu *vcpu)
{
	unsigned nr = vgic_hw->nr_lr, n;
	uint32_t all = (1u << nr) - 1, others = 0, write, live;
	struct vgic_lr lrs[VGIC_MAX_LR];
	struct vgic_candidate c[VGIC_NR_PRIVATE + CONFIG_MAX_SPIS];
	bool underflow = false;

	write = sync_lrs(vcpu, lrs, &others); /* finished entries to clear */
	live = vcpu->vgic.lr_used;
	write |= refresh_lrs(vcpu, lrs, &live);
	vtimer_resample(vcpu);
	n = gather(vcpu, c, VGIC_NR_PRIVATE + CONFIG_MAX_SPIS);
	if (n <= lr_count(all & ~live)) {
		write |= fill_free(lrs, all & ~live, c, n);
	} else {
		underflow = plan_lrs(vcpu, lrs, nr, live, c, n);
		write = all;
	}
	commit_lrs(vcpu, lrs, write);
	if (underflow || vcpu->vgic.waiting)
		vgic_hw->set_underflow(underflow);
	vcpu->vgic.waiting = underflow;
	return others;
}

/*
 * A vCPU that waits in hardware (vcpu->wfx_hw, sched.c) traps WFI again
 * while numbat holds the physical vtimer PPI for a virtual one that no
 * list register holds (the guest disabled it, say): the held PPI cannot
 * signal, so a WFI in hardware would not end at the timer's next
 * deadline, where a trapped one does (sched_block looks at the timer
 * itself, as it always has; a WFI may end early, Arm ARM D1.6.2). Once
 * the hold ends (vtimer_resample, or a list register takes it) WFI runs
 * in hardware again. `vcpu` is loaded here; dist->lock held.
 */
static void wfx_follow_vtimer(struct vcpu *vcpu)
{
	const struct vgic_irq *t = &vcpu->vgic.priv[VGIC_PPI_VTIMER];
	bool held = t->hw && t->latch && !t->in_lr;

	if (held != vcpu->wfx_held) {
		vcpu->wfx_held = held;
		arch_wfx_trap(held);
	}
}

void vgic_flush(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	uint32_t others = 0;

	spin_lock(&vm->vgic.lock);
	vcpu->vgic.dirty = false;
	if (!flush_simple(vcpu))
		others = flush_general(vcpu);
	if (vcpu->wfx_hw)
		wfx_follow_vtimer(vcpu);
	spin_unlock(&vm->vgic.lock);
	for (unsigned i = 0; others; i++, others >>= 1)
		if (others & 1)
			kick_owner(&vm->vcpus[i]);
}

bool vgic_vcpu_pending(struct vcpu *vcpu)
{
	if (vcpu->vgic.dirty)
		return true;
	/* Entries the guest has finished are empty in hardware: skip them. */
	for (uint32_t m = vcpu->vgic.lr_used & ~vgic_hw->empty_lrs(); m; m &= m - 1) {
		struct vgic_lr lr;

		vgic_hw->read_lr((unsigned)__builtin_ctz(m), &lr);
		if (lr.pending)
			return true;
	}
	return false;
}

/*
 * `vcpu` goes off (CPU_OFF, its VM stopping or resetting) and is still
 * loaded on this pCPU. The SPIs pending (not active) in its list
 * registers go back to the model: on a GIC they wait in the distributor,
 * not in a CPU interface that is off, so their target (or a new one, if
 * they are retargeted later) takes them. Left in a list register they
 * would be stranded: nothing flushes an off vCPU. Active SPIs stay, as
 * their active state would on a powered-down CPU; SGIs and PPIs are the
 * vCPU's own and stay with it.
 */
void vgic_vcpu_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	uint32_t others = 0;

	spin_lock(&vm->vgic.lock);
	for (unsigned i = 0; i < vgic_hw->nr_lr; i++) {
		unsigned intid = vcpu->vgic.lr_intid[i];
		struct vgic_lr lr;

		if (intid == VGIC_LR_FREE || intid < VGIC_NR_PRIVATE)
			continue;
		vgic_hw->read_lr(i, &lr);
		if (lr.active)
			continue;
		lr.intid = (uint16_t)intid;
		lr.source = 0;
		withdraw_spi(vcpu, i, vgic_get_irq(vm, vcpu, intid), &lr, &others);
		lr.intid = VGIC_LR_FREE;
		vgic_hw->write_lr(i, &lr);
	}
	spin_unlock(&vm->vgic.lock);
	for (unsigned i = 0; others; i++, others >>= 1)
		if (others & 1)
			kick_owner(&vm->vcpus[i]);
}

/*
 * Interrupt reset state (GICv3 and GICv2: disabled, level, priority 0).
 * A GICv2 SPI targets no CPU (GICD_ITARGETSRn, n >= 8, reset to zero:
 * IHI 0048B table 4-1); a GICv3 SPI is routed to vCPU 0.
 */
static void reset_irq(struct vgic_irq *irq, unsigned intid)
{
	bool v2_spi = intid >= VGIC_NR_PRIVATE && vgic_hw->version == 2;

	*irq = (struct vgic_irq){ .edge = intid < 16,
				  .target = v2_spi ? VGIC_NO_TARGET : 0 };
}

void vgic_reset_vcpu(struct vcpu *vcpu)
{
	memset(&vcpu->vgic, 0, sizeof(vcpu->vgic));
	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		reset_irq(&vcpu->vgic.priv[i], i);
	vcpu->vgic.edge_bits = 0xffff; /* SGIs */
	for (unsigned i = 0; i < VGIC_MAX_LR; i++)
		vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
	vcpu->vgic.sleeping = true;
	vgic_hw->reset_cpu(&vcpu->vgic);
}

/*
 * GICv3 (IHI 0069 11.1, 12.1.4) and GICv2 (IHI 0048B 4.3): a PE reset
 * resets its CPU interface (priority mask, binary points, enables, active
 * priorities: ICH_VMCR/APR state); the registers of its SGIs and PPIs are
 * UNKNOWN or reset after it, and what its previous run left pending or
 * active must not reach the new one, so they take their reset values
 * (disabled, inactive, not pending, priority 0, as at VM reset).
 */
void vgic_cpu_on_reset(struct vcpu *vcpu)
{
	struct vgic_cpu *c = &vcpu->vgic;

	spin_lock(&vcpu->vm->vgic.lock);
	for (unsigned i = 0; i < VGIC_MAX_LR; i++) {
		if (c->lr_intid[i] == VGIC_LR_FREE || c->lr_intid[i] >= VGIC_NR_PRIVATE)
			continue;
		c->lr_intid[i] = VGIC_LR_FREE;
		c->lr_saved[i] = 0;
		c->lr_used &= ~(1u << i);
	}
	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		reset_irq(&c->priv[i], i);
	c->enabled_bits = 0;            /* the word copies follow the reset */
	c->edge_bits = 0xffff;          /* SGIs */
	c->hint[0] = 0;                 /* nothing private is deliverable */
	c->hw_active = false;
	c->sleeping = true;
	vgic_hw->reset_cpu(c);
	spin_unlock(&vcpu->vm->vgic.lock);
}

void vgic_reset_vm(struct vm *vm)
{
	spin_lock(&vm->vgic.lock);
	vm->vgic.enabled = false;
	for (unsigned i = 0; i < CONFIG_MAX_SPIS; i++)
		reset_irq(&vm->vgic.spi[i], VGIC_NR_PRIVATE + i);
	memset(vm->vgic.enabled_bits, 0, sizeof(vm->vgic.enabled_bits));
	memset(vm->vgic.edge_bits, 0, sizeof(vm->vgic.edge_bits));
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		vgic_reset_vcpu(&vm->vcpus[i]);
	spin_unlock(&vm->vgic.lock);
}

extern const struct vdev_ops vgic_dist_v3_ops, vgic_redist_v3_ops, vgic_dist_v2_ops;

static void add_window(struct vm *vm, uint64_t ipa, uint64_t size, const struct vdev_ops *ops)
{
	vm->devs[vm->ndevs++] = (struct vdev){ .ipa = ipa, .size = size, .ops = ops, .vm = vm };
}

bool vgic_init_vm(struct vm *vm)
{
	const struct vgic_config *g = &vm->cfg->vgic;

	if (!vgic_hw)
		return false;
	vm->vgic.typer = vgic_typer(vm, vgic_hw->version);
	if (vgic_hw->version == 3) {
		add_window(vm, g->dist_ipa, 0x10000, &vgic_dist_v3_ops);
		add_window(vm, g->redist_ipa, 0x20000ull * vm->cfg->vcpu_count,
			   &vgic_redist_v3_ops);
		return true;
	}
	add_window(vm, g->dist_ipa, 0x1000, &vgic_dist_v2_ops);
	/* The guest's GICC is the hardware's virtual CPU interface. */
	return arch_stage2_map(&vm->s2, g->cpuif_ipa, vgic_v2_gicv_pa, 0x2000,
			       REGION_READ | REGION_WRITE | REGION_DEVICE) == 0;
}

/* vgic_send_sgi to two or more vCPUs (bits of `targets`, all of the VM). */
static __attribute__((noinline)) void send_sgi_many(struct vcpu *from, unsigned intid,
						    uint32_t targets)
{
	for (; targets; targets &= targets - 1)
		vgic_raise_sgi(&from->vm->vcpus[__builtin_ctz(targets)], intid, from->index);
}

/* GICv3 ICC_SGI1R_EL1 (and the v2 GICD_SGIR, decoded by its backend). */
void vgic_send_sgi(struct vcpu *from, unsigned intid, uint32_t targets, bool all_but_self)
{
	struct vm *vm = from->vm;
	uint32_t all = (1u << vm->cfg->vcpu_count) - 1; /* at most CONFIG_MAX_VCPUS */

	if (all_but_self)
		targets = all & ~(1u << from->index);
	targets &= all;
	if (targets & (targets - 1))
		send_sgi_many(from, intid, targets);
	else if (targets) /* the common one target: a tail call, no frame */
		vgic_raise_sgi(&vm->vcpus[__builtin_ctz(targets)], intid, from->index);
}
