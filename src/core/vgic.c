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

/* The vCPU an interrupt is delivered to (SPIs: their route). */
static struct vcpu *irq_owner(struct vm *vm, struct vcpu *vcpu, unsigned intid,
			      const struct vgic_irq *irq)
{
	if (intid < VGIC_NR_PRIVATE)
		return vcpu;
	return &vm->vcpus[irq->target < vm->cfg->vcpu_count ? irq->target : 0];
}

/*
 * After a change to `irq`: if its owner has something to do (deliver it,
 * retract it, update its list register), mark the owner dirty and get its
 * pCPU to flush; wake the owner if it waits in WFI. Called with
 * dist->lock held; takes vm->lock only after dropping it (see below).
 */
static void notify(struct vcpu *owner)
{
	owner->vgic.dirty = true;
}

/*
 * Gets the owner to look at its model: wakes it if it waits in WFI (a
 * wake-up reschedules its pCPU), else asks its pCPU for a flush only.
 * A vCPU about to block sees `dirty` (set before this) and does not.
 */
static void kick_owner(struct vcpu *owner)
{
	struct vm *vm = owner->vm;

	if (__atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) == VCPU_BLOCKED) {
		spin_lock(&vm->lock);
		sched_wake_locked(owner);
		spin_unlock(&vm->lock);
	}
	arch_kick_vgic(owner->pcpu);
}

static void place(struct vcpu *vcpu, struct vgic_lr *lr);

/*
 * The guest has finished with list register i (empty in hardware): the
 * model takes its interrupt back. Finishing means it was acknowledged,
 * which consumes a level interrupt's ISPENDR latch. `irq` is the one it
 * holds. dist->lock held.
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

/*
 * Whether the fast paths may retire finished entry i themselves: only an
 * SGI, PPI or the forwarded vtimer that is edge or HW. A level interrupt
 * (its EOI maintenance must not be overwritten: the line may still be
 * high) or an SPI (it may have been retargeted) is left to vgic_flush.
 */
static bool simple_retire(const struct vcpu *vcpu, unsigned i)
{
	unsigned intid = vcpu->vgic.lr_intid[i];
	const struct vgic_irq *irq = &vcpu->vgic.priv[intid < VGIC_NR_PRIVATE ? intid : 0];

	return intid < VGIC_NR_PRIVATE && (irq->edge || irq->hw);
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
	/* Entries the guest has finished with since the last flush. */
	for (uint32_t e = empty & vcpu->vgic.lr_used; e; e &= e - 1)
		if (!simple_retire(vcpu, (unsigned)__builtin_ctz(e)))
			return false;
	for (uint32_t e = empty & vcpu->vgic.lr_used; e; e &= e - 1) {
		unsigned k = (unsigned)__builtin_ctz(e);

		retire_lr(vcpu, k, &vcpu->vgic.priv[vcpu->vgic.lr_intid[k]]);
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
 * without the general path's bookkeeping.
 */
static bool try_direct_hw(struct vcpu *vcpu, struct vgic_irq *irq)
{
	struct vgic_cpu *c = &vcpu->vgic;
	uint32_t empty, stale;
	unsigned i;

	if (vcpu != pcpu_this()->current || c->dirty || c->waiting || !irq->enabled ||
	    vcpu->state != VCPU_RUNNABLE)
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
	owner = irq_owner(vm, &vm->vcpus[0], intid, irq);
	notify(owner);
	spin_unlock(&vm->vgic.lock);
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
	notify(vcpu);
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
	notify(target);
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
		vcpu->vgic.dirty = true;
	spin_unlock(&vcpu->vm->vgic.lock);
	if (!direct)
		kick_owner(vcpu);
}

void vgic_maintenance(struct vcpu *vcpu)
{
	vgic_hw->ack_maintenance();
	vcpu->vgic.dirty = true;
	vcpu->pcpu->resched = true;
}

/*
 * Folds the list registers' state back into the model. An SPI that was
 * retargeted while its old owner held it, and is still pending, is handed
 * to its new owner: *others gets that vCPU's bit (kicked after unlocking).
 * dist->lock held.
 */
static void sync_lrs(struct vcpu *vcpu, struct vgic_lr *lrs, unsigned nr, uint32_t *others)
{
	struct vm *vm = vcpu->vm;

	for (unsigned i = 0; i < nr; i++) {
		struct vgic_irq *irq;
		unsigned intid = vcpu->vgic.lr_intid[i];

		if (intid == VGIC_LR_FREE) {
			lrs[i].intid = VGIC_LR_FREE;
			continue;
		}
		vgic_hw->read_lr(i, &lrs[i]);
		lrs[i].intid = (uint16_t)intid;
		lrs[i].source = vcpu->vgic.lr_source[i];
		irq = vgic_get_irq(vm, vcpu, intid);
		irq->active = lrs[i].active;
		irq->lr_pending = lrs[i].pending;
		/* Acknowledged: a level interrupt's ISPENDR latch is consumed. */
		if (lrs[i].active && !lrs[i].pending && !irq->edge && !irq->hw)
			irq->latch = false;
		if (lrs[i].pending || lrs[i].active)
			continue;
		retire_lr(vcpu, i, irq);
		lrs[i].intid = VGIC_LR_FREE;
		if (intid >= VGIC_NR_PRIVATE && irq->target != vcpu->index &&
		    irq->target < vm->cfg->vcpu_count && vgic_irq_pending(irq)) {
			vm->vcpus[irq->target].vgic.dirty = true;
			*others |= 1u << irq->target;
		}
	}
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

/*
 * Brings a list register holding `irq` up to date with the model: a new
 * edge (from the same source, for a GICv2 SGI) while it is active makes
 * it pending again; ICPENDR, a dropped level or a disable takes back its
 * pending state. Other pending GICv2 sources ask for EOI maintenance.
 */
static void refresh_lr(struct vgic_irq *irq, struct vgic_lr *lr)
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
	} else if (lr->pending && !lr->active && more) {
		/* Another edge while still pending: one pending state holds both
		 * (IHI 0069 4.1.2), so it is not delivered twice. */
		if (own)
			irq->sgi_src &= (uint16_t)~own;
		else
			irq->latch = false;
	}
	if (own && (irq->sgi_src & (uint16_t)~own))
		lr->eoi_maint = true;
	if (!lr->pending && !lr->active) {
		irq->in_lr = false;
		lr->intid = VGIC_LR_FREE;
	}
	irq->lr_pending = lr->pending;
}

/*
 * An active interrupt is not signalled, pending or not, until it is
 * deactivated (IHI 0069 4.1.2; IHI 0048 3.2.4): one the guest made active
 * through ISACTIVER waits for ICACTIVER, whatever the running priority.
 */
static bool deliverable(const struct vgic_irq *irq)
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

/* Everything `vcpu` should be shown that no list register holds yet. */
static unsigned gather(struct vcpu *vcpu, struct vgic_candidate *c)
{
	struct vm *vm = vcpu->vm;
	unsigned n = 0;

	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		if (deliverable(&vcpu->vgic.priv[i]))
			c[n++] = candidate(i, &vcpu->vgic.priv[i]);
	if (!vm->vgic.enabled)
		return n;
	for (unsigned i = 0; i < CONFIG_MAX_SPIS; i++) {
		const struct vgic_irq *irq = &vm->vgic.spi[i];
		unsigned target = irq->target < vm->cfg->vcpu_count ? irq->target : 0;

		if (target == vcpu->index && deliverable(irq))
			c[n++] = candidate(VGIC_NR_PRIVATE + i, irq);
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
}

/*
 * Moves the pending state a new list register entry carries off the
 * model: an edge's latch, or one GICv2 SGI source. A level interrupt keeps
 * its line and ISPENDR latch until the guest acknowledges it; it asks for
 * EOI maintenance to be looked at again, as does a GICv2 SGI with more
 * sources pending.
 */
static void place(struct vcpu *vcpu, struct vgic_lr *lr)
{
	struct vgic_irq *irq = vgic_get_irq(vcpu->vm, vcpu, lr->intid);

	irq->in_lr = true;
	irq->lr_pending = true;
	irq->clear_req = false;
	irq->lr_vcpu = (uint8_t)vcpu->index;
	lr->hw = irq->hw;
	lr->pintid = irq->hw ? lr->intid : 0;
	lr->eoi_maint = !irq->edge && !irq->hw;
	if (v2_sgi(lr->intid)) {
		irq->sgi_src &= (uint16_t)~(1u << lr->source);
		lr->eoi_maint = irq->sgi_src != 0;
	} else if (irq->edge || irq->hw) {
		irq->latch = false;
	}
}

void vgic_flush(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	unsigned nr = vgic_hw->nr_lr;
	struct vgic_lr lrs[VGIC_MAX_LR];
	struct vgic_candidate c[VGIC_NR_PRIVATE + CONFIG_MAX_SPIS];
	struct vgic_plan plan;
	uint32_t others = 0;
	unsigned n;

	spin_lock(&vm->vgic.lock);
	vcpu->vgic.dirty = false;
	sync_lrs(vcpu, lrs, nr, &others);
	for (unsigned i = 0; i < nr; i++) {
		if (lrs[i].intid == VGIC_LR_FREE)
			continue;
		refresh_lr(vgic_get_irq(vm, vcpu, lrs[i].intid), &lrs[i]);
		/* Withdrawn (ICPENDR): if the plan gives this entry back to
		 * the same interrupt, it is a new placement. */
		if (lrs[i].intid == VGIC_LR_FREE)
			vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
	}
	n = gather(vcpu, c);
	vgic_lr_plan(lrs, nr, c, n, &plan);
	for (unsigned i = 0; i < plan.nr_evicted; i++)
		unplace(vcpu, plan.evicted[i], plan.evicted_source[i]);
	for (unsigned i = 0; i < nr; i++) {
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
	vgic_hw->set_underflow(plan.underflow);
	vcpu->vgic.waiting = plan.underflow;
	spin_unlock(&vm->vgic.lock);
	for (unsigned i = 0; others; i++, others >>= 1)
		if (others & 1)
			kick_owner(&vm->vcpus[i]);
}

bool vgic_vcpu_pending(struct vcpu *vcpu)
{
	if (vcpu->vgic.dirty)
		return true;
	for (unsigned i = 0; i < vgic_hw->nr_lr; i++) {
		struct vgic_lr lr;

		if (vcpu->vgic.lr_intid[i] == VGIC_LR_FREE)
			continue;
		vgic_hw->read_lr(i, &lr);
		if (lr.pending)
			return true;
	}
	return false;
}

/* Interrupt reset state (GICv3 and GICv2: disabled, level, priority 0). */
static void reset_irq(struct vgic_irq *irq, unsigned intid)
{
	*irq = (struct vgic_irq){ .edge = intid < 16 };
}

void vgic_reset_vcpu(struct vcpu *vcpu)
{
	memset(&vcpu->vgic, 0, sizeof(vcpu->vgic));
	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		reset_irq(&vcpu->vgic.priv[i], i);
	for (unsigned i = 0; i < VGIC_MAX_LR; i++)
		vcpu->vgic.lr_intid[i] = VGIC_LR_FREE;
	vcpu->vgic.sleeping = true;
	vgic_hw->reset_cpu(&vcpu->vgic);
}

void vgic_reset_vm(struct vm *vm)
{
	spin_lock(&vm->vgic.lock);
	vm->vgic.enabled = false;
	for (unsigned i = 0; i < CONFIG_MAX_SPIS; i++)
		reset_irq(&vm->vgic.spi[i], VGIC_NR_PRIVATE + i);
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
		memcpy(vm->devs[vm->ndevs - 1].state, &vm->vgic.typer, sizeof(vm->vgic.typer));
		add_window(vm, g->redist_ipa, 0x20000ull * vm->cfg->vcpu_count,
			   &vgic_redist_v3_ops);
		return true;
	}
	add_window(vm, g->dist_ipa, 0x1000, &vgic_dist_v2_ops);
	/* The guest's GICC is the hardware's virtual CPU interface. */
	return arch_stage2_map(&vm->s2, g->cpuif_ipa, vgic_v2_gicv_pa, 0x2000,
			       REGION_READ | REGION_WRITE | REGION_DEVICE) == 0;
}

/* GICv3 ICC_SGI1R_EL1 (and the v2 GICD_SGIR, decoded by its backend). */
void vgic_send_sgi(struct vcpu *from, unsigned intid, uint32_t targets, bool all_but_self)
{
	struct vm *vm = from->vm;

	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++) {
		bool hit = all_but_self ? i != from->index : (targets >> i) & 1;

		if (hit)
			vgic_raise_sgi(&vm->vcpus[i], intid, from->index);
	}
}
