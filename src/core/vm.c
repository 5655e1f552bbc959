/*
 * VM lifecycle. A VM is created once at boot from its configuration; it
 * runs, and may be stopped (SYSTEM_OFF, fault policy) or reset
 * (SYSTEM_RESET). Stops and resets complete when the last of its vCPUs
 * has left its pCPU, on whichever pCPU that is: no pCPU ever waits for
 * another. Lock order: vm->lock, then the console's locks (console.c).
 */
#include "core/vm.h"

#include "arch/aarch64/arch.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vgic.h"
#include "lib/string.h"

#define FAULT_REPORTS_MAX 8

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
	}
	for (unsigned i = 0; i < cfg->device_count; i++) {
		if (!vdev_bind(&vm->devs[i], &cfg->devices[i], vm)) {
			pr_info("vm %s not started: unknown device type %u\n",
				cfg->name, cfg->devices[i].type);
			return false;
		}
	}
	vm->ndevs = cfg->device_count;
	if (!vgic_init_vm(vm)) {
		pr_info("vm %s not started: cannot set up its virtual GIC\n", cfg->name);
		return false;
	}
	return true;
}

void vm_create_all(void)
{
	vm_count = numbat_system.vm_count;
	for (unsigned id = 0; id < vm_count; id++) {
		struct vm *vm = &vms[id];
		const struct vm_config *cfg = &numbat_system.vms[id];

		vm->cfg = cfg;
		vm->id = id;
		vm->state = VM_NONE;
		if (!pcpus_present(cfg) || !vm_build(vm))
			continue;
		for (unsigned i = 0; i < cfg->vcpu_count; i++) {
			struct vcpu *v = &vm->vcpus[i];
			struct pcpu *p = &pcpus[cfg->vcpu_pcpu[i]];

			v->vm = vm;
			v->index = i;
			v->pcpu = p;
			v->mmio_last = &vm->devs[0]; /* devices are fixed from here on */
			v->state = VCPU_OFF;
			p->vcpus[p->nvcpus++] = v;
		}
		vm->state = VM_OFF;
	}
}

/*
 * (Re)loads `vm` from its configuration: memory zeroed, image copied,
 * devices reset, vCPU 0 at the entry point and runnable. Caller holds
 * vm->lock and no vCPU of the VM is loaded.
 */
static void vm_load(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct vcpu *boot = &vm->vcpus[0];

	for (unsigned i = 0; i < cfg->region_count; i++) {
		void *p = pa_to_ptr(pa_init(cfg->regions[i].pa));

		memset(p, 0, cfg->regions[i].size);
		arch_dcache_clean(p, cfg->regions[i].size);
	}
	for (unsigned i = 0; i < cfg->blob_count; i++) {
		const struct blob_config *b = &cfg->blobs[i];
		/* sysgen checked each blob fits in a region; this re-checks. */
		void *dst = vm_guest_ptr(vm, ipa_init(b->ipa), b->size, 0);

		CHECK(dst != NULL);
		memcpy(dst, b->data, b->size);
		arch_dcache_clean(dst, b->size);
	}
	for (unsigned i = 0; i < cfg->device_count; i++)
		if (vm->devs[i].ops->reset)
			vm->devs[i].ops->reset(&vm->devs[i]);
	for (unsigned i = 0; i < cfg->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->state = VCPU_OFF;
		v->ptimer_ctl = v->ptimer_cval = 0;
		v->ptimer_level = false;
	}
	vgic_reset_vm(vm);
	console_vm_reset(vm);
	vm->fault_reports = 0;
	vm->boots++;
	vm->announce = vm_entry_stamp;
	arch_vcpu_reset(boot, cfg->entry_ipa, cfg->boot_x0);
	vcpu_set_state(boot, VCPU_RUNNABLE);
	vm->state = VM_RUNNING;
	arch_kick(boot->pcpu);
}

void vm_start_all(void)
{
	unsigned started = 0;

	for (unsigned id = 0; id < vm_count; id++) {
		struct vm *vm = &vms[id];

		if (vm->state != VM_OFF)
			continue;
		spin_lock(&vm->lock);
		vm_load(vm);
		spin_unlock(&vm->lock);
		started++;
	}
	pr_info("%u of %u VMs started\n", started, vm_count);
	if (!started) {
		/* Nothing would ever run: say so (the reasons are above) and stop. */
		pr_info("no VM can run on this machine; powering off\n");
		arch_system_off();
	}
}

static bool all_vms_off(void)
{
	for (unsigned id = 0; id < vm_count; id++) {
		enum vm_state s = __atomic_load_n(&vms[id].state, __ATOMIC_ACQUIRE);

		if (s != VM_OFF && s != VM_NONE)
			return false;
	}
	return true;
}

/* Finishes a stop or reset once no vCPU is loaded. Caller holds vm->lock. */
static void vm_transition_done(struct vm *vm)
{
	if (vm->state == VM_RESETTING) {
		pr_info("vm %s: restarting\n", vm->cfg->name);
		vm_load(vm);
	} else if (vm->state == VM_STOPPING) {
		__atomic_store_n(&vm->state, VM_OFF, __ATOMIC_RELEASE);
	}
}

static void power_off_if_done(void)
{
	static bool powering_off;

	if (all_vms_off() && !__atomic_exchange_n(&powering_off, true, __ATOMIC_ACQ_REL)) {
		pr_info("all VMs are off; powering off\n");
		arch_system_off();
	}
}

/* Takes every vCPU of `vm` off; `next` is VM_STOPPING or VM_RESETTING. */
static void vm_request(struct vm *vm, enum vm_state next, const char *why)
{
	bool done;

	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING) {
		/* Already on its way down: this vCPU just goes off too. */
		spin_unlock(&vm->lock);
		return;
	}
	pr_info("vm %s %s\n", vm->cfg->name, why);
	vm->state = next;
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpus[i];

		vcpu_set_state(v, VCPU_OFF);
		if (v->loaded)
			arch_kick(v->pcpu);
	}
	done = vm->loaded == 0;
	if (done)
		vm_transition_done(vm);
	spin_unlock(&vm->lock);
	if (done)
		power_off_if_done();
}

void vm_stop(struct vm *vm, const char *why)
{
	vm_request(vm, VM_STOPPING, why);
}

void vm_reset(struct vm *vm)
{
	vm_request(vm, VM_RESETTING, "requested a reset");
}

void vm_vcpu_unloaded(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool check_off = false;

	spin_lock(&vm->lock);
	CHECK(vcpu->loaded && vm->loaded > 0);
	vcpu->loaded = false;
	vm->loaded--;
	if (vm->loaded == 0 && (vm->state == VM_STOPPING || vm->state == VM_RESETTING)) {
		check_off = vm->state == VM_STOPPING;
		vm_transition_done(vm);
	}
	spin_unlock(&vm->lock);
	if (check_off)
		power_off_if_done();
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

void vm_guest_fault(struct vcpu *vcpu, const char *what, bool instruction,
		    bool write, uint64_t far, uint64_t ipa)
{
	struct vm *vm = vcpu->vm;
	bool stop = vm->cfg->fault_policy == FAULT_STOP;
	unsigned n = __atomic_fetch_add(&vm->fault_reports, 1, __ATOMIC_RELAXED);

	if (n < FAULT_REPORTS_MAX || stop)
		pr_info("vm %s vcpu %u: %s at pc 0x%lx, address 0x%lx (ipa 0x%lx): %s\n",
			vm->cfg->name, vcpu->index, what, vcpu->regs.pc, far, ipa,
			stop ? "stopping the VM" : "external abort injected");
	else if (n == FAULT_REPORTS_MAX)
		pr_info("vm %s: further fault reports suppressed until it restarts\n",
			vm->cfg->name);
	if (stop)
		vm_stop(vm, "stopped by its fault policy");
	else
		arch_inject_abort(vcpu, instruction, write, far);
}
