/*
 * Emulated EL1 physical timer (Arm ARM D11.2.4): CTL (ENABLE, IMASK,
 * ISTATUS), CVAL and TVAL, with CNTPCT as the time base. The interrupt
 * line is level-sensitive: high while enabled, unmasked and expired.
 */
#include "core/ptimer.h"

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/pcpu.h"
#include "core/vgic.h"
#include "core/vm.h"

static bool expired(const struct vcpu *v, uint64_t now)
{
	return (v->ptimer_ctl & CNT_CTL_ENABLE) && v->ptimer_cval <= now;
}

uint64_t ptimer_update(struct vcpu *vcpu, uint64_t now)
{
	bool level = expired(vcpu, now) && !(vcpu->ptimer_ctl & CNT_CTL_IMASK);

	if (level != vcpu->ptimer_level) {
		vcpu->ptimer_level = level;
		vgic_set_private_level(vcpu, VGIC_PPI_PTIMER, level);
	}
	if ((vcpu->ptimer_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) == CNT_CTL_ENABLE &&
	    !expired(vcpu, now))
		return vcpu->ptimer_cval;
	return UINT64_MAX;
}

uint64_t ptimer_read(struct vcpu *vcpu, enum ptimer_reg reg)
{
	uint64_t now = arch_now();

	switch (reg) {
	case PTIMER_CTL:
		return (vcpu->ptimer_ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) |
		       (expired(vcpu, now) ? CNT_CTL_ISTATUS : 0);
	case PTIMER_CVAL:
		return vcpu->ptimer_cval;
	default:
		return (uint32_t)(vcpu->ptimer_cval - now);
	}
}

void ptimer_write(struct vcpu *vcpu, enum ptimer_reg reg, uint64_t val)
{
	uint64_t now = arch_now();

	if (reg == PTIMER_CTL)
		vcpu->ptimer_ctl = val & (CNT_CTL_ENABLE | CNT_CTL_IMASK);
	else if (reg == PTIMER_CVAL)
		vcpu->ptimer_cval = val;
	else
		vcpu->ptimer_cval = now + (uint64_t)(int64_t)(int32_t)val;
	ptimer_update(vcpu, now);
	vcpu->pcpu->resched = true; /* re-arm numbat's timer for the deadline */
}
