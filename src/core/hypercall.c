/*
 * SMCCC calls from guests, over HVC or SMC (SMCCC 1.1, Arm DEN 0028):
 * numbat's own calls in the vendor hypervisor range, PSCI, and the SMCCC
 * version queries. Anything else answers NOT_SUPPORTED.
 */
#include "core/hypercall.h"

#include <numbat/abi.h>

#include "core/console.h"
#include "core/powerfail.h"
#include "core/sched.h"
#include "core/virq.h"
#include "core/vm.h"
#include "core/psci_decode.h"
#include "core/vpsci.h"

/* Out of line: its buffer would give every hypercall a large stack frame. */
static __attribute__((noinline)) int64_t guest_write(struct vcpu *vcpu, uint64_t ipa,
							   uint64_t len)
{
	char buf[NUMBAT_CONSOLE_WRITE_MAX];
	const void *src;

	if (len > NUMBAT_CONSOLE_WRITE_MAX)
		len = NUMBAT_CONSOLE_WRITE_MAX;
	if (len == 0)
		return 0;
	src = vm_guest_ptr(vcpu->vm, ipa_init(ipa), len, REGION_READ);
	if (!src)
		return SMCCC_INVALID_PARAMETER;
	/* Copy first: another vCPU may change the buffer while we print. */
	__builtin_memcpy(buf, src, len);
	console_vm_write(vcpu->vm, buf, len);
	return (int64_t)len;
}

/*
 * The calls that call further are out of line and called last (the
 * dispatch's tail calls), each storing its own result: `dispatch` then
 * needs no stack frame, and neither do the calls answered inside it.
 */
static __attribute__((noinline)) void hc_console_write(struct vcpu *vcpu)
{
	uint64_t *x = vcpu->regs.x;

	x[0] = (uint64_t)guest_write(vcpu, x[1], x[2]);
}

static __attribute__((noinline)) void hc_powerfail_done(struct vcpu *vcpu)
{
	vcpu->regs.x[0] = (uint64_t)powerfail_done(vcpu);
}

/* NUMBAT_HC_VCPU_STATS: a vCPU of the caller's own VM (abi.h). */
static __attribute__((noinline)) void hc_vcpu_stats(struct vcpu *vcpu, uint64_t *x)
{
	const struct vm *vm = vcpu->vm;
	const struct sched_stats *st;

	if (x[1] >= vm->cfg->vcpu_count || x[2] > 1) {
		x[0] = (uint64_t)SMCCC_INVALID_PARAMETER;
		return;
	}
	/* The caller's own run so far counts; another vCPU's may be stale. */
	if (x[1] == vcpu->index)
		sched_charge_current(vcpu);
	st = &vm->vcpus[x[1]].se.stats;
	x[0] = SMCCC_SUCCESS;
	if (x[2] == 0) {
		x[1] = arch_ticks_to_ns(__atomic_load_n(&st->ran, __ATOMIC_RELAXED));
		x[2] = __atomic_load_n(&st->preemptions, __ATOMIC_RELAXED);
		x[3] = arch_ticks_to_ns(__atomic_load_n(&st->worst_latency, __ATOMIC_RELAXED));
	} else {
		x[1] = __atomic_load_n(&st->wakeups, __ATOMIC_RELAXED);
		x[2] = __atomic_load_n(&st->throttled, __ATOMIC_RELAXED);
		x[3] = 0;
	}
}

/* PSCI, or anything else: NOT_SUPPORTED. */
static __attribute__((noinline)) void hc_other(struct vcpu *vcpu, uint32_t fn)
{
	if (psci_is_psci(fn))
		vpsci_handle(vcpu, fn);
	else
		vcpu->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
}

static __attribute__((noinline)) void hc_virq_raise(struct vcpu *vcpu)
{
	vcpu->regs.x[0] = (uint64_t)virq_raise(vcpu, vcpu->regs.x[1]);
}

/*
 * Every call but the cheapest; out of line, so that one needs no frame.
 * Neither does this: what calls further is a tail call.
 */
static __attribute__((noinline)) void dispatch(struct vcpu *vcpu, uint32_t fn)
{
	uint64_t *x = vcpu->regs.x;

	switch (fn) {
	case NUMBAT_HC_CONSOLE_WRITE:
		hc_console_write(vcpu);
		return;
	case NUMBAT_HC_YIELD:
		sched_yield(vcpu);
		x[0] = SMCCC_SUCCESS;
		return;
	case NUMBAT_HC_VCPU_STATS:
		hc_vcpu_stats(vcpu, x);
		return;
	case NUMBAT_HC_POWERFAIL_DONE:
		hc_powerfail_done(vcpu);
		return;
	case NUMBAT_HC_VM_ID:
		x[0] = vcpu->vm->id;
		x[1] = vcpu->index;
		return;
	case SMCCC_VERSION:
		x[0] = SMCCC_VERSION_1_1;
		return;
	case SMCCC_ARCH_FEATURES:
		/* No firmware workarounds are needed or offered. */
		x[0] = (uint32_t)x[1] == SMCCC_VERSION ? SMCCC_SUCCESS :
			(uint64_t)SMCCC_NOT_SUPPORTED;
		return;
	default:
		hc_other(vcpu, fn);
		return;
	}
}

void hypercall_dispatch(struct vcpu *vcpu, uint64_t esr)
{
	uint32_t fn = (uint32_t)vcpu->regs.x[0]; /* SMCCC: the function ID is w0 */

	(void)esr;
	vcpu->exits.hypercall++;
	/* The cheapest call answers without a stack frame. */
	if (fn == NUMBAT_HC_VERSION) {
		vcpu->regs.x[0] = NUMBAT_VERSION;
		return;
	}
	/* The signal between VMs, on every round trip: before the switch. */
	if (fn == NUMBAT_HC_VIRQ_RAISE) {
		hc_virq_raise(vcpu);
		return;
	}
	dispatch(vcpu, fn);
}
