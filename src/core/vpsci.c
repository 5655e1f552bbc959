/*
 * PSCI 1.1 for guests (Arm DEN 0022D): vCPU power states within one VM,
 * and SYSTEM_OFF/SYSTEM_RESET acting on that VM alone.
 */
#include "core/vpsci.h"

#include <numbat/abi.h>

#include "arch/aarch64/sysreg.h"
#include "core/sched.h"
#include "core/vm.h"

bool vpsci_is_psci(uint32_t fn)
{
	return (fn & ~0x4000001fu) == 0x84000000u; /* 0x84000000-1f, 0xC4000000-1f */
}

int vpsci_target_index(uint64_t mpidr, unsigned count)
{
	if (mpidr & ~0xffull)
		return -1; /* numbat's vCPUs differ in Aff0 only */
	return mpidr < count ? (int)mpidr : -1;
}

/* Arguments of an SMC32 call are 32 bits wide (SMCCC 2.6). */
static uint64_t arg(const struct vcpu *vcpu, uint32_t fn, unsigned i)
{
	uint64_t v = vcpu->regs.x[i];

	return (fn & 0x40000000u) ? v : (uint32_t)v;
}

static int64_t cpu_on(struct vcpu *vcpu, uint32_t fn)
{
	struct vm *vm = vcpu->vm;
	int idx = vpsci_target_index(arg(vcpu, fn, 1), vm->cfg->vcpu_count);
	uint64_t entry = arg(vcpu, fn, 2), ctx = arg(vcpu, fn, 3);
	struct vcpu *target;
	int64_t ret = PSCI_SUCCESS;

	if (idx < 0)
		return PSCI_INVALID_PARAMETERS;
	if ((entry & 3) || !vm_guest_ptr(vm, ipa_init(entry), 4, REGION_EXEC))
		return PSCI_INVALID_ADDRESS;
	target = &vm->vcpus[idx];
	spin_lock(&vm->lock);
	if (vm->state != VM_RUNNING)
		ret = PSCI_DENIED;
	else if (target->state != VCPU_OFF)
		ret = PSCI_ALREADY_ON;
	else if (target->loaded)
		ret = PSCI_ON_PENDING; /* still on its way off */
	if (ret == PSCI_SUCCESS) {
		arch_vcpu_reset(target, entry, ctx);
		vcpu_set_state(target, VCPU_RUNNABLE);
		arch_kick(target->pcpu);
	}
	spin_unlock(&vm->lock);
	return ret;
}

static int64_t affinity_info(struct vcpu *vcpu, uint32_t fn)
{
	struct vm *vm = vcpu->vm;
	int idx = vpsci_target_index(arg(vcpu, fn, 1), vm->cfg->vcpu_count);
	const struct vcpu *target;

	if (idx < 0 || arg(vcpu, fn, 2) != 0)
		return PSCI_INVALID_PARAMETERS;
	target = &vm->vcpus[idx];
	/* A vCPU is OFF once it has left its pCPU too. */
	if (__atomic_load_n(&target->state, __ATOMIC_ACQUIRE) == VCPU_OFF &&
	    !__atomic_load_n(&target->loaded, __ATOMIC_ACQUIRE))
		return PSCI_AFF_OFF;
	return PSCI_AFF_ON;
}

static int64_t cpu_off(struct vcpu *vcpu)
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
		vm_stop(vm, "turned off its last vCPU");
	return PSCI_SUCCESS; /* not seen: the vCPU does not return */
}

static int64_t features(uint32_t id)
{
	switch (id) {
	case PSCI_VERSION: case PSCI_CPU_SUSPEND_32: case PSCI_CPU_SUSPEND_64:
	case PSCI_CPU_OFF: case PSCI_CPU_ON_32: case PSCI_CPU_ON_64:
	case PSCI_AFFINITY_INFO_32: case PSCI_AFFINITY_INFO_64:
	case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF: case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return PSCI_SUCCESS;
	default:
		return PSCI_NOT_SUPPORTED;
	}
}

void vpsci_handle(struct vcpu *vcpu, uint32_t fn)
{
	int64_t ret;

	switch (fn) {
	case PSCI_VERSION:
		ret = PSCI_VERSION_1_1;
		break;
	case PSCI_CPU_SUSPEND_32:
	case PSCI_CPU_SUSPEND_64:
		/* Every power state is treated as standby: WFI semantics. */
		sched_block(vcpu, read_cntv_ctl_el0(), read_cntv_cval_el0());
		ret = PSCI_SUCCESS;
		break;
	case PSCI_CPU_OFF:
		ret = cpu_off(vcpu);
		break;
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		ret = cpu_on(vcpu, fn);
		break;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		ret = affinity_info(vcpu, fn);
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = PSCI_MIGRATE_NOT_PRESENT;
		break;
	case PSCI_SYSTEM_OFF:
		vm_stop(vcpu->vm, "powered off");
		ret = PSCI_SUCCESS;
		break;
	case PSCI_SYSTEM_RESET:
		vm_reset(vcpu->vm);
		ret = PSCI_SUCCESS;
		break;
	case PSCI_FEATURES:
		ret = features((uint32_t)vcpu->regs.x[1]);
		break;
	default:
		ret = PSCI_NOT_SUPPORTED;
		break;
	}
	vcpu->regs.x[0] = (uint64_t)ret;
}
