/*
 * PSCI 1.1 for guests (Arm DEN 0022D): vCPU power states within one VM,
 * and SYSTEM_OFF/SYSTEM_RESET acting on that VM alone. Arguments are
 * validated first (psci_decode.c); the steps here only act.
 */
#include "core/vpsci.h"

#include <numbat/abi.h>

#include "arch/aarch64/sysreg.h"
#include "core/psci_decode.h"
#include "core/sched.h"
#include "core/vgic.h"
#include "core/vm.h"

static int64_t cpu_on(struct vcpu *vcpu, const struct psci_call *call)
{
	struct vm *vm = vcpu->vm;
	struct vcpu *target = &vm->vcpus[call->target];
	int64_t ret = PSCI_SUCCESS;

	if (!vm_guest_ptr(vm, ipa_init(call->entry), 4, REGION_EXEC))
		return PSCI_INVALID_ADDRESS;
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING)
		ret = PSCI_DENIED;
	else if (target->state != VCPU_OFF)
		ret = PSCI_ALREADY_ON;
	else if (__atomic_load_n(&target->loaded, __ATOMIC_ACQUIRE))
		ret = PSCI_ON_PENDING; /* still on its way off its pCPU */
	if (ret == PSCI_SUCCESS) {
		/* A PE reset: registers, its GIC CPU interface, its timers. */
		arch_vcpu_reset(target, call->entry, call->context);
		vgic_cpu_on_reset(target);
		target->ptimer_ctl = target->ptimer_cval = 0;
		target->ptimer_level = false;
		vcpu_set_state(target, VCPU_RUNNABLE);
		arch_kick(target->pcpu);
	}
	spin_unlock(&vm->lock);
	return ret;
}

static int64_t affinity_info(const struct vcpu *vcpu, const struct psci_call *call)
{
	const struct vcpu *target = &vcpu->vm->vcpus[call->target];

	/* A vCPU is OFF once it has also left its pCPU. */
	if (__atomic_load_n(&target->state, __ATOMIC_ACQUIRE) == VCPU_OFF &&
	    !__atomic_load_n(&target->loaded, __ATOMIC_ACQUIRE))
		return PSCI_AFF_OFF;
	return PSCI_AFF_ON;
}

static void cpu_off(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool last = true;

	spin_lock(&vm->lock);
	vcpu_set_state(vcpu, VCPU_OFF);
	for (unsigned i = 0; i < vm->cfg->vcpu_count; i++)
		if (vm->vcpus[i].state != VCPU_OFF)
			last = false;
	spin_unlock(&vm->lock);
	/* With every vCPU off nothing can turn one back on: the VM is off. */
	if (last)
		vm_stop(vm, VM_WHY_CPUS_OFF, "turned off its last vCPU");
}

static int64_t features(uint32_t id)
{
	struct psci_call unused;
	uint64_t none[4] = { 0 };

	/* Every function numbat decodes is implemented. */
	return psci_decode(id, none, 1, &unused) == PSCI_NOT_SUPPORTED ?
	       PSCI_NOT_SUPPORTED : PSCI_SUCCESS;
}

void vpsci_handle(struct vcpu *vcpu, uint32_t fn)
{
	struct psci_call call;
	int64_t ret = psci_decode(fn, vcpu->regs.x, vcpu->vm->cfg->vcpu_count, &call);

	if (ret != PSCI_SUCCESS) {
		vcpu->regs.x[0] = (uint64_t)ret;
		return;
	}
	switch (call.fn) {
	case PSCI_VERSION:
		ret = PSCI_VERSION_1_1;
		break;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		/* Every power state is treated as standby: WFI semantics. */
		sched_block(vcpu, read_cntv_ctl_el0(), read_cntv_cval_el0());
		break;
	case PSCI_CPU_OFF:
		cpu_off(vcpu);
		break;
	case PSCI_CPU_ON_64:
		ret = cpu_on(vcpu, &call);
		break;
	case PSCI_AFFINITY_INFO_64:
		ret = affinity_info(vcpu, &call);
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = PSCI_MIGRATE_NOT_PRESENT;
		break;
	case PSCI_SYSTEM_OFF:
		vm_stop(vcpu->vm, VM_WHY_POWER_OFF, "powered off");
		break;
	case PSCI_SYSTEM_RESET:
		vm_reset(vcpu->vm, VM_WHY_RESET, "requested a reset");
		break;
	case PSCI_FEATURES:
		ret = features(call.feature);
		break;
	}
	vcpu->regs.x[0] = (uint64_t)ret;
}
