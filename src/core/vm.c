/*
 * VM lifecycle. A VM is created once at boot from its configuration; it
 * runs, and may be stopped (SYSTEM_OFF, fault policy) or reset
 * (SYSTEM_RESET). Stops and resets complete when the last of its vCPUs
 * has left its pCPU, on whichever pCPU that is: no pCPU ever waits for
 * another. A (re)load is done in bounded steps in vCPU 0's turns on its
 * pCPU (vm_load_step), never all at once. numbat's reports about a VM
 * are rate limited across its restarts (vm_may_report). Lock order:
 * vm->lock, then vm->reports.lock, then the console's locks (console.c).
 */
#include "core/vm.h"

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/console.h"
#include "core/passthrough.h"
#include "core/panic.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vgic.h"
#include "core/virq.h"
#include "lib/string.h"

/*
 * Report rate limit per VM: a burst of VM_REPORT_BURST, then one report
 * per VM_REPORT_PERIOD_S, plus a line saying how many were suppressed.
 */
#define VM_REPORT_BURST    10
#define VM_REPORT_PERIOD_S 2     /* one more report allowed every 2 s */

/*
 * A reset's reload is done in steps, one step per turn of the VM's vCPU 0
 * on its pCPU: at most VM_LOAD_STEP bytes and about VM_LOAD_STEP_US of
 * time (pieces of VM_LOAD_PIECE bytes until either is used up). So a VM
 * of any size delays the other vCPUs of its pCPU by one step at most,
 * however slow the machine, and its reload is paid from its own turns.
 */
#define VM_LOAD_STEP     (2ull << 20)
#define VM_LOAD_PIECE    (256ull << 10)
#define VM_LOAD_STEP_US  1000

static uint64_t load_step_ticks;

struct vm vms[CONFIG_MAX_VMS];
unsigned vm_count;
bool vm_entry_stamp;

/* Checks that every vCPU's pCPU exists on this machine. */
static bool pcpus_present(const struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->vcpu_count; i++) {
		unsigned p = cfg->vcpu_pcpu[i];

		if (p >= CONFIG_MAX_PCPUS || !pcpus[p].present) {
			pr_info("vm %s not started: vCPU %u is pinned to pCPU %u, "
				"which this machine does not have (%u pCPUs)\n",
				cfg->name, i, p, pcpu_count);
			return false;
		}
	}
	return true;
}

/* Builds stage 2 and binds devices. Returns false (and says why) on failure. */
static bool vm_build(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t ipa_limit = 1ull << arch_ipa_bits();

	if (arch_stage2_init(&vm->s2, vm->id + 1)) {
		pr_info("vm %s not started: no memory for its stage-2 tables\n", cfg->name);
		return false;
	}
	for (unsigned i = 0; i < cfg->region_count; i++) {
		const struct region_config *r = &cfg->regions[i];

		if (r->ipa >= ipa_limit || r->size > ipa_limit - r->ipa ||
		    arch_stage2_map(&vm->s2, r->ipa, r->pa, r->size, r->flags)) {
			pr_info("vm %s not started: cannot map region 0x%lx+0x%lx "
				"(%u-bit IPA space)\n", cfg->name, r->ipa, r->size,
				arch_ipa_bits());
			return false;
		}
		/*
		 * A shared region is zeroed here, at boot, before any VM runs,
		 * by each VM that maps it; never again (load_piece skips it).
		 */
		if (r->flags & REGION_SHARED) {
			arch_zero(pa_to_ptr(pa_init(r->pa)), r->size);
			arch_dcache_clean(pa_to_ptr(pa_init(r->pa)), r->size);
		}
	}
	for (unsigned i = 0; i < cfg->device_count; i++) {
		if (!vdev_bind(&vm->devs[i], &cfg->devices[i], vm)) {
			pr_info("vm %s not started: unknown device type %u\n",
				cfg->name, cfg->devices[i].type);
			return false;
		}
		if (cfg->devices[i].type == DEVICE_PASSTHROUGH &&
		    !passthrough_attach(vm, &vm->devs[i]))
			return false;
	}
	vm->ndevs = cfg->device_count;
	if (!vgic_init_vm(vm)) {
		pr_info("vm %s not started: cannot set up its virtual GIC\n", cfg->name);
		return false;
	}
	return true;
}

/* Whether a device of `vm` has a timer (only those ever set vm->dev_timer_at). */
static bool has_dev_timer(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].ops->timer)
			return true;
	return false;
}

void vm_create_all(void)
{
	vm_count = numbat_system.vm_count;
	load_step_ticks = read_cntfrq_el0() / 1000000 * VM_LOAD_STEP_US;
	for (unsigned id = 0; id < vm_count; id++) {
		struct vm *vm = &vms[id];
		const struct vm_config *cfg = &numbat_system.vms[id];

		vm->cfg = cfg;
		vm->id = id;
		vm->state = VM_NONE;
		vm->reports.tokens = VM_REPORT_BURST;
		vm->reports.calm = true;
		vm->reports.refilled = arch_now();
		vm->dev_timer_at = UINT64_MAX;
		if (!pcpus_present(cfg) || !vm_build(vm))
			continue;
		virq_init_vm(id);
		for (unsigned i = 0; i < cfg->vcpu_count; i++) {
			struct vcpu *v = &vm->vcpus[i];
			struct pcpu *p = &pcpus[cfg->vcpu_pcpu[i]];

			v->vm = vm;
			v->index = i;
			v->pcpu = p;
			v->mmio_last = &vm->devs[0]; /* devices are fixed from here on */
			v->state = VCPU_OFF;
			v->dev_timer = i == 0 && has_dev_timer(vm);
			sched_init_vcpu(v, &cfg->sched[i]);
			p->vcpus[p->nvcpus++] = v;
		}
		vm->state = VM_OFF;
	}
}

enum { VM_LOAD_ZERO, VM_LOAD_COPY, VM_LOAD_DONE };

/*
 * Starts (re)loading `vm` from its configuration: memory zeroed, images
 * copied, devices reset, vCPU 0 at the entry point. The work is done by
 * vm_load_step on vCPU 0's pCPU, which is kicked; vCPU 0 is runnable
 * meanwhile so the scheduler gives it turns, but none before `not_before`
 * (a restart's back-off: vm_load_wait). Caller holds vm->lock and no vCPU
 * of the VM is loaded.
 */
static void vm_load_begin(struct vm *vm, uint64_t not_before)
{
	struct vcpu *boot = &vm->vcpus[0];

	vm->load = (struct vm_load){ .phase = VM_LOAD_ZERO, .not_before = not_before };
	__atomic_store_n(&vm->state, VM_LOADING, __ATOMIC_RELEASE);
	vcpu_set_state(boot, VCPU_RUNNABLE);
	arch_kick(boot->pcpu);
}

bool vm_load_wait(struct vm *vm, uint64_t now)
{
	struct vcpu *boot = &vm->vcpus[0];

	if (now >= vm->load.not_before)
		return false;
	spin_lock(&vm->lock);
	boot->wake_at = vm->load.not_before;
	vcpu_set_state(boot, VCPU_BLOCKED);
	spin_unlock(&vm->lock);
	return true;
}

/* The reload is complete: devices and vCPUs start afresh. vm->lock held. */
static void vm_load_finish(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct vcpu *boot = &vm->vcpus[0];

	for (unsigned i = 0; i < cfg->device_count; i++)
		if (vm->devs[i].ops->reset)
			vm->devs[i].ops->reset(&vm->devs[i]);
	vm->boots++;
	for (unsigned i = 0; i < cfg->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->state = VCPU_OFF;
		v->ptimer_ctl = v->ptimer_cval = 0;
		v->ptimer_level = false;
		v->tlb_key = (uint64_t)vm->boots << 32 | i;
	}
	vgic_reset_vm(vm);
	console_vm_reset(vm);
	vm->started_at = arch_now();
	boot->woken_at = UINT64_MAX; /* a back-off is no wake-up latency */
	vm->announce = vm_entry_stamp;
	arch_vcpu_reset(boot, cfg->entry_ipa, cfg->boot_x0);
	vcpu_set_state(boot, VCPU_RUNNABLE);
	__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_RELEASE);
	arch_kick(boot->pcpu);
}

/*
 * Does up to `budget` bytes of the current piece (a region to zero, a
 * blob to copy); returns the bytes done and moves to the next piece or
 * phase when this one is complete.
 */
static uint64_t load_piece(struct vm *vm, uint64_t budget)
{
	const struct vm_config *cfg = vm->cfg;
	struct vm_load *l = &vm->load;
	uint64_t size, n;
	uint8_t *dst;

	if (l->phase == VM_LOAD_ZERO && l->idx == cfg->region_count) {
		*l = (struct vm_load){ .phase = VM_LOAD_COPY };
		return 0;
	}
	if (l->phase == VM_LOAD_COPY && l->idx == cfg->blob_count) {
		l->phase = VM_LOAD_DONE;
		return 0;
	}
	if (l->phase == VM_LOAD_ZERO && (cfg->regions[l->idx].flags & REGION_SHARED)) {
		l->idx++;   /* other VMs use it: a reset does not clear it */
		return 0;
	}
	if (l->phase == VM_LOAD_ZERO) {
		size = cfg->regions[l->idx].size;
		dst = pa_to_ptr(pa_init(cfg->regions[l->idx].pa));
	} else {
		const struct blob_config *b = &cfg->blobs[l->idx];

		size = b->size;
		/* sysgen checked each blob fits in a region; this re-checks. */
		dst = vm_guest_ptr(vm, ipa_init(b->ipa), b->size, 0);
		CHECK(dst != NULL);
	}
	n = size - l->off < budget ? size - l->off : budget;
	if (l->phase == VM_LOAD_ZERO)
		arch_zero(dst + l->off, n);
	else
		arch_copy(dst + l->off, (const uint8_t *)cfg->blobs[l->idx].data + l->off, n);
	arch_dcache_clean(dst + l->off, n);
	l->off += n;
	if (l->off == size) {
		l->idx++;
		l->off = 0;
	}
	return n;
}

void vm_load_step(struct vm *vm)
{
	uint64_t budget = VM_LOAD_STEP, start = arch_now();

	while (budget && vm->load.phase != VM_LOAD_DONE &&
	       arch_now() - start < load_step_ticks) {
		uint64_t piece = budget < VM_LOAD_PIECE ? budget : VM_LOAD_PIECE;

		budget -= piece;
		while (piece && vm->load.phase != VM_LOAD_DONE)
			piece -= load_piece(vm, piece);
	}
	if (vm->load.phase != VM_LOAD_DONE)
		return;
	spin_lock(&vm->lock);
	vm_load_finish(vm);
	spin_unlock(&vm->lock);
}

void vm_start_all(void)
{
	unsigned started = 0;

	for (unsigned id = 0; id < vm_count; id++) {
		struct vm *vm = &vms[id];

		if (vm->state != VM_OFF)
			continue;
		spin_lock(&vm->lock);
		vm_load_begin(vm, 0);
		spin_unlock(&vm->lock);
		/* Before any VM runs there is nobody to share with: all at once. */
		while (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_LOADING)
			vm_load_step(vm);
		started++;
	}
	pr_info("%u of %u VMs started\n", started, vm_count);
	if (!started) {
		/* Nothing would ever run: say so (the reasons are above) and stop. */
		pr_info("no VM can run on this machine; powering off\n");
		console_power_off();
	}
}

static bool all_vms_off(void)
{
	for (unsigned id = 0; id < vm_count; id++) {
		enum vm_state s = __atomic_load_n(&vms[id].state, __ATOMIC_ACQUIRE);

		if (s != VM_OFF && s != VM_NONE)
			return false; /* VM_LOADING included: it will run */
	}
	return true;
}

/*
 * Finishes a stop or reset once no vCPU is loaded. Caller holds vm->lock.
 * The devices are reset at once: a link's peer must stop writing into this
 * VM's memory before it is zeroed and reloaded (or left off), so that
 * nothing survives into the next incarnation.
 */
static void vm_transition_done(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].ops->reset)
			vm->devs[i].ops->reset(&vm->devs[i]);
	if (vm->state == VM_RESETTING) {
		if (vm_may_report(vm))
			pr_info("vm %s: restarting\n", vm->cfg->name);
		vm_load_begin(vm, vm->load.not_before);
	} else if (vm->state == VM_STOPPING) {
		__atomic_store_n(&vm->state, VM_OFF, __ATOMIC_RELEASE);
		pr_info("vm %s is off\n", vm->cfg->name); /* once per start */
	}
}

/*
 * When every VM is off numbat has nothing left to do and powers the
 * machine off, unless the last stop was the operator's (the monitor may
 * start a VM again).
 */
static void power_off_if_done(const struct vm *vm)
{
	static bool powering_off;

	if (vm->last_stop == VM_WHY_OPERATOR)
		return;
	if (all_vms_off() && !__atomic_exchange_n(&powering_off, true, __ATOMIC_ACQ_REL)) {
		pr_info("all VMs are off; powering off\n");
		console_power_off();
	}
}

const char *vm_why_name(enum vm_why why)
{
	static const char *const names[] = {
		[VM_WHY_NONE] = "-", [VM_WHY_POWER_OFF] = "system-off",
		[VM_WHY_CPUS_OFF] = "cpus-off", [VM_WHY_RESET] = "system-reset",
		[VM_WHY_OPERATOR] = "operator", [VM_WHY_FAULT] = "fault",
		[VM_WHY_SERROR] = "serror", [VM_WHY_WATCHDOG] = "watchdog",
	};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "?";
}

/*
 * A crash under the restart policy "restart": a reset after a back-off
 * that doubles with each crash, while the limit allows; else a stop, said
 * once. Returns the state the VM goes to. vm->lock held.
 */
static enum vm_state crash_policy(struct vm *vm, const char *msg)
{
	const struct vm_config *cfg = vm->cfg;
	unsigned shift = vm->crashes < 16 ? vm->crashes : 16;
	uint64_t ms = (uint64_t)cfg->restart_backoff_ms << shift;

	if (cfg->restart_policy != RESTART_RESTART) {
		pr_info("vm %s %s\n", cfg->name, msg);
		return VM_STOPPING;
	}
	if (vm->crashes >= cfg->restart_limit) {
		pr_info("vm %s %s; it crashed %u times, its restart limit: it stays stopped\n",
			cfg->name, msg, vm->crashes + 1);
		return VM_STOPPING;
	}
	vm->crashes++;
	vm->load.not_before = arch_now() + read_cntfrq_el0() / 1000 * ms;
	if (vm_may_report(vm))
		pr_info("vm %s %s; restart %u of %u in %lu ms\n", cfg->name, msg,
			vm->crashes, cfg->restart_limit, ms);
	return VM_RESETTING;
}

/*
 * Takes every vCPU of a running `vm` off; `next` is VM_STOPPING or
 * VM_RESETTING, which a crash's restart policy may change.
 */
static void vm_request(struct vm *vm, enum vm_state next, enum vm_why why, const char *msg)
{
	bool done;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		/* Already on its way down: this vCPU just goes off too. */
		spin_unlock(&vm->lock);
		return;
	}
	vm->last_stop = why;
	vm->load.not_before = 0;
	if (why == VM_WHY_OPERATOR)
		vm->crashes = 0; /* the operator's restart starts the count afresh */
	if (why >= VM_WHY_FAULT)
		next = crash_policy(vm, msg);
	else if (next != VM_RESETTING || vm_may_report(vm))
		/* A stop happens once; resets can repeat, so they are rate limited. */
		pr_info("vm %s %s\n", vm->cfg->name, msg);
	vm->state = next;
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		vcpu_set_state(&vm->vcpus[i], VCPU_OFF);
	/*
	 * A pCPU loads a vCPU without this lock (sched.c, load()): it counts
	 * it in `loaded`, then reads its state. Here the states are set, then
	 * `loaded` read. With a full barrier on both sides one of the two sees
	 * the other's write: the loader backs out of an OFF vCPU, or it is
	 * counted and kicked here, and the last one out finishes the stop.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		if (__atomic_load_n(&vm->vcpus[i].loaded, __ATOMIC_RELAXED))
			arch_kick(vm->vcpus[i].pcpu);
	done = __atomic_load_n(&vm->loaded, __ATOMIC_RELAXED) == 0;
	if (done)
		vm_transition_done(vm);
	spin_unlock(&vm->lock);
	if (done)
		power_off_if_done(vm);
}

void vm_stop(struct vm *vm, enum vm_why why, const char *msg)
{
	vm_request(vm, VM_STOPPING, why, msg);
}

void vm_reset(struct vm *vm, enum vm_why why, const char *msg)
{
	vm_request(vm, VM_RESETTING, why, msg);
}

bool vm_start(struct vm *vm)
{
	bool ok;

	spin_lock(&vm->lock);
	ok = vm->state == VM_OFF;
	if (ok) {
		vm->crashes = 0;
		vm_load_begin(vm, 0);
	}
	spin_unlock(&vm->lock);
	return ok;
}

/* The last vCPU of `vm` left while it was being stopped or reset. */
void vm_last_out(struct vm *vm)
{
	bool check_off = false;

	spin_lock(&vm->lock);
	if (__atomic_load_n(&vm->loaded, __ATOMIC_RELAXED) == 0 &&
	    (vm->state == VM_STOPPING || vm->state == VM_RESETTING)) {
		check_off = vm->state == VM_STOPPING;
		vm_transition_done(vm);
	}
	spin_unlock(&vm->lock);
	if (check_off)
		power_off_if_done(vm);
}

void vm_dev_timer_set(struct vm *vm, uint64_t at)
{
	uint64_t old = __atomic_exchange_n(&vm->dev_timer_at, at, __ATOMIC_RELAXED);

	if (at < old)
		arch_kick(vm->vcpus[0].pcpu);
}

void vm_dev_timer(struct vm *vm, uint64_t now)
{
	if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
		__atomic_store_n(&vm->dev_timer_at, UINT64_MAX, __ATOMIC_RELAXED);
		return;
	}
	for (unsigned i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].ops->timer)
			vm->devs[i].ops->timer(&vm->devs[i], now);
}

void *vm_guest_ptr(const struct vm *vm, ipaddr_t ipa, uint64_t len, uint32_t need)
{
	uint64_t a = ipa_addr(ipa);

	for (unsigned i = 0; i < vm->cfg->region_count; i++) {
		const struct region_config *r = &vm->cfg->regions[i];

		if (a < r->ipa || a - r->ipa >= r->size || len > r->size - (a - r->ipa))
			continue;
		if ((r->flags & need) != need)
			return NULL;
		return pa_to_ptr(pa_init(r->pa + (a - r->ipa)));
	}
	return NULL;
}

bool vm_may_report(struct vm *vm)
{
	struct vm_reports *r = &vm->reports;
	uint64_t now = arch_now(), period = read_cntfrq_el0() * VM_REPORT_PERIOD_S;
	unsigned was_suppressed = 0;
	bool ok, notice = false;

	spin_lock(&r->lock);
	if (r->tokens < VM_REPORT_BURST && now - r->refilled >= period) {
		uint64_t add = (now - r->refilled) / period;

		r->tokens = add >= VM_REPORT_BURST - r->tokens ? VM_REPORT_BURST :
			    r->tokens + (unsigned)add;
		r->refilled += add * period;
	}
	if (r->tokens == VM_REPORT_BURST) {
		r->refilled = now; /* a full bucket does not save up */
		r->calm = true;
	}
	ok = r->tokens > 0;
	if (ok) {
		r->tokens--;
		was_suppressed = r->suppressed;
		r->suppressed = 0;
	} else if (r->suppressed++ == 0 && r->calm) {
		notice = true; /* once per flood, not once per refill */
		r->calm = false;
	}
	spin_unlock(&r->lock);
	if (notice)
		pr_info("vm %s: too many reports; suppressing them for a while\n",
			vm->cfg->name);
	if (was_suppressed)
		pr_info("vm %s: %u reports suppressed\n", vm->cfg->name, was_suppressed);
	return ok;
}

void vm_guest_fault(struct vcpu *vcpu, const char *what, bool instruction,
		    bool write, uint64_t far, uint64_t ipa)
{
	struct vm *vm = vcpu->vm;
	bool stop = vm->cfg->fault_policy == FAULT_STOP;

	if (stop || vm_may_report(vm))
		pr_info("vm %s vcpu %u: %s at pc 0x%lx, address 0x%lx (ipa 0x%lx): %s\n",
			vm->cfg->name, vcpu->index, what, vcpu->regs.pc, far, ipa,
			stop ? "stopping the VM" : "external abort injected");
	if (stop)
		vm_stop(vm, VM_WHY_FAULT, "stopped by its fault policy");
	else
		arch_inject_abort(vcpu, instruction, write, far);
}

void vm_guest_serror(struct vcpu *vcpu, const char *what)
{
	struct vm *vm = vcpu->vm;
	bool stop = vm->cfg->fault_policy == FAULT_STOP;

	if (stop || vm_may_report(vm))
		pr_info("vm %s vcpu %u: %s, pc 0x%lx: %s\n", vm->cfg->name, vcpu->index,
			what, vcpu->regs.pc, stop ? "stopping the VM" : "virtual SError injected");
	if (stop)
		vm_stop(vm, VM_WHY_SERROR, "stopped by its fault policy");
	else
		arch_inject_serror(vcpu);
}
