/*
 * vCPU state transitions, checked in one place.
 */
#include "core/vcpu.h"

/*
 * Allowed: OFF -> RUNNABLE (CPU_ON, VM start), RUNNABLE <-> BLOCKED (WFI
 * and wake-up), anything -> OFF (CPU_OFF, VM stop/reset), and staying put.
 */
bool vcpu_set_state(struct vcpu *vcpu, enum vcpu_state next)
{
	if (vcpu->state == VCPU_OFF && next == VCPU_BLOCKED)
		return false;
	__atomic_store_n(&vcpu->state, next, __ATOMIC_RELEASE);
	return true;
}
