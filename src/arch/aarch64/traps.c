/*
 * Trap dispatch: every exception a guest causes arrives here from
 * vectors.S, is decoded by its ESR exception class and handed to the core.
 * Each handler returns the vCPU this pCPU runs next.
 */
#include "arch/aarch64/arch.h"

#include <stddef.h>

#include "arch/aarch64/esr.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/sysreg.h"
#include "core/passthrough.h"
#include "core/powerfail.h"
#include "core/hypercall.h"
#include "core/mmio.h"
#include "core/panic.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/console.h"
#include "core/vgic.h"
#include "core/vm.h"

void handle_guest_sync(struct vcpu *vcpu);
void handle_guest_irq(struct vcpu *vcpu);
void handle_guest_serror(struct vcpu *vcpu);
struct vcpu *handle_guest_full(struct vcpu *vcpu);
void el2_exception(const struct exc_frame *frame);
void arch_irq_handle(void);

typedef void (*trap_fn)(struct vcpu *vcpu, uint64_t esr);

/* A trapped SMC returns to the SMC itself (D1.10.2): step over it. */
static void trap_smc(struct vcpu *vcpu, uint64_t esr)
{
	vcpu_skip_insn(vcpu, esr);
	hypercall_dispatch(vcpu, esr);
}

/*
 * WFI blocks the vCPU until an interrupt or its virtual timer is due; WFE
 * (and WFET, which may end early anyway) yields. WFIT ends at the latest
 * when CNTVCT_EL0 reaches its register's value, the earlier of that and
 * the timer is the wake-up deadline.
 */
static void trap_wfx(struct vcpu *vcpu, uint64_t esr)
{
	uint64_t ctl, cval;
	unsigned rt;

	if (esr_wfx_timeout_reg(esr, &rt) && arch_reg_unsaved(rt) && arch_trap_defer(esr))
		return;
	vcpu->exits.wfx++;
	vcpu_skip_insn(vcpu, esr);
	if (esr_wfx_is_wfe(esr)) {
		sched_yield(vcpu);
		return;
	}
	ctl = read_cntv_ctl_el0();
	cval = read_cntv_cval_el0();
	if (esr_wfx_timeout_reg(esr, &rt)) {
		uint64_t timeout = vcpu_get_reg(vcpu, rt);

		if ((ctl & (CNT_CTL_ENABLE | CNT_CTL_IMASK)) != CNT_CTL_ENABLE || timeout < cval) {
			ctl = CNT_CTL_ENABLE;
			cval = timeout;
		}
	}
	sched_block(vcpu, ctl, cval);
}

/*
 * An instruction fetch stage 2 refused: outside the VM's memory
 * (translation fault) or from a region it may not execute (permission
 * fault, where the IPA comes from the guest's translation).
 */
static void trap_iabt(struct vcpu *vcpu, uint64_t esr)
{
	bool perm = !esr_abort_hpfar_valid(esr);
	ipaddr_t ipa;

	vcpu->exits.other++;
	if (!arch_fault_ipa_slow(esr, &ipa))
		return; /* its page tables changed meanwhile: fetch again */
	vm_guest_fault(vcpu, perm ? "instruction fetch its memory does not permit" :
		       "instruction fetch outside its memory", true, false,
		       arch_fault_va(), ipa_addr(ipa));
}

/*
 * Everything else a guest can raise here (unknown or trapped system
 * registers, SVE/SME, pointer authentication, illegal state) is an
 * undefined instruction from the guest's point of view.
 */
static void trap_undef(struct vcpu *vcpu, uint64_t esr)
{
	(void)esr;
	vcpu->exits.other++;
	arch_inject_undef(vcpu);
}

static void trap_sysreg(struct vcpu *vcpu, uint64_t esr)
{
	if (arch_reg_unsaved(esr_sysreg_rt(esr)) && arch_trap_defer(esr))
		return;
	vcpu->exits.sysreg++;
	if (!sysreg_sgi1r(vcpu, esr) && !sysreg_emulate(vcpu, esr))
		arch_inject_undef(vcpu);
}

/* Every class not named here is an undefined instruction for the guest. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const trap_fn trap_table[EC_MAX + 1] = {
	[0 ... EC_MAX] = trap_undef,
	[EC_WFX] = trap_wfx,
	[EC_HVC64] = hypercall_dispatch,
	[EC_SMC64] = trap_smc,
	[EC_DABT_LOW] = mmio_handle,
	[EC_IABT_LOW] = trap_iabt,
	[EC_SYSREG] = trap_sysreg,
	[EC_SIMD_FP] = arch_fpsimd_trap,
};
#pragma GCC diagnostic pop

/*
 * The entry points below run with the partial frame of vectors.S: the
 * guest's x19-x29 are still in the registers, not in vcpu->regs. When they
 * return, vectors.S resumes the vCPU as it is if it is still runnable and
 * nothing asks for the scheduler or the whole frame (guest_leave);
 * otherwise it saves x19-x29 and calls handle_guest_full. The handlers of
 * trap_table touch the frame only through the register the trapped
 * instruction names (hypercalls: x0-x7), so one whose instruction names
 * x19-x29 defers the trap (arch_trap_defer) before doing any of it; the
 * scheduler (a switch, a reset, a report) only ever runs with the whole
 * frame.
 */

bool arch_trap_defer(uint64_t esr)
{
	struct pcpu *p = pcpu_this();

	if (p->deferred)
		return false; /* handle_guest_full running it: the frame is whole */
	p->deferred_esr = esr;
	p->deferred = true;
	return true;
}

void handle_guest_sync(struct vcpu *vcpu)
{
	uint64_t esr = read_esr_el2();

	trap_table[esr_ec(esr)](vcpu, esr);
}

void handle_guest_irq(struct vcpu *vcpu)
{
	vcpu->exits.irq++;
	arch_irq_handle();
	/* New virtual interrupts, and no reason to reschedule: just flush. */
	if (vcpu->vgic.dirty && !pcpu_this()->resched)
		vgic_flush(vcpu);
}

/*
 * A physical SError while a guest ran: numbat cannot tell whose it is, but
 * the running guest is the likely cause (an asynchronous abort on its own
 * access; one left by the previous vCPU was drained when it left, see
 * arch_vcpu_put), so its VM's fault policy applies and everyone else goes
 * on.
 */
void handle_guest_serror(struct vcpu *vcpu)
{
	vm_guest_serror(vcpu, "SError while it ran");
}

/*
 * With the whole frame in vcpu->regs: the deferred trap, if there is one,
 * then the vCPU to enter (the scheduler's choice if `vcpu` may not go on).
 * guest_leave calls sched_reschedule itself when no trap was deferred
 * (it tests the second byte of pcpu->leave).
 */
_Static_assert(offsetof(struct pcpu, deferred) == offsetof(struct pcpu, leave) + 1,
	       "vectors.S: pcpu->deferred is bits 8-15 of pcpu->leave");
static __attribute__((noinline)) struct vcpu *run_deferred(struct pcpu *p, struct vcpu *vcpu)
{
	trap_table[esr_ec(p->deferred_esr)](vcpu, p->deferred_esr);
	p->deferred = false;
	return sched_return(vcpu);
}

struct vcpu *handle_guest_full(struct vcpu *vcpu)
{
	struct pcpu *p = pcpu_this();

	if (__builtin_expect(p->deferred, 0))
		return run_deferred(p, vcpu);
	return sched_reschedule();
}

void el2_exception(const struct exc_frame *frame)
{
	panic_exception("unexpected exception at EL2", frame);
}

/*
 * Physical interrupts: numbat's own (kicks, its timer, vGIC maintenance,
 * the console UART, the panic stop) and the vtimer it forwards. One per
 * exception: another pending one is taken again right after the ERET.
 */
void arch_irq_handle(void)
{
	struct pcpu *self = pcpu_this();

	do {
		unsigned iar = gic_ack(), intid = GIC_IAR_INTID(iar);

		if (intid >= INTID_SPURIOUS) {
			self->spurious++; /* only this pCPU writes it */
			break;
		}
		if (intid == VGIC_PPI_VTIMER) {
			/* Deactivated by the guest, through the list register. */
			gic_drop(iar);
			if (self->current) {
				self->vtimer_held = true;
				vgic_vtimer_fire(self->current);
			} else
				gic_deactivate(iar);
			continue;
		}
		if (intid < 16) {
			/* numbat's own SGIs (gic.h): the kicks, then the panic stop. */
			gic_eoi(iar);
			if (intid == SGI_PANIC)
				panic_secondary();
			if (intid == SGI_VGIC) {
				self->kicks++; /* only this pCPU writes it */
				break; /* handle_guest_irq flushes */
			}
			if (intid == SGI_KICK)
				self->kicks++;
			self->resched = true;
			break;
		}
		if (intid == arch_uart_intid) {
			console_uart_irq(); /* drained first: the line is level */
			gic_eoi(iar);
			continue;
		}
		if (intid == powerfail_intid) { /* 0 (none) is an SGI, handled above */
			powerfail_irq(); /* clears the GPIO's level output first */
			gic_eoi(iar);
			continue;
		}
		if (intid >= 32) {
			/* A passthrough SPI stays active until its owner's EOI. */
			int r = passthrough_irq(intid);

			if (r >= 0) {
				gic_drop(iar);
				if (r)
					gic_deactivate(iar);
				continue;
			}
		}
		gic_eoi(iar);
		if (intid == arch_maint_intid) {
			if (self->current)
				vgic_maintenance(self->current);
			continue;
		}
		if (intid == arch_timer_intid)
			write_cnthp_ctl_el2(0);
		self->resched = true;
	} while (0);
}

void arch_kick_vgic(const struct pcpu *target)
{
	if (target == pcpu_this())
		pcpu_this()->resched = true;
	else
		gic_send_sgi(target->id, SGI_VGIC);
}

void arch_kick(const struct pcpu *target)
{
	if (target == pcpu_this())
		pcpu_this()->resched = true;
	else
		gic_send_sgi(target->id, SGI_KICK);
}


uint64_t arch_ticks_to_ns(uint64_t ticks)
{
	uint64_t freq = read_cntfrq_el0();

	/* Split so that ticks * 10^9 cannot overflow. */
	return ticks / freq * 1000000000ull + ticks % freq * 1000000000ull / freq;
}

/* Lets pending physical interrupts be taken, then masks them again. */
void arch_irq_window(void)
{
	irq_enable();
	isb();
	irq_disable();
}

/*
 * Waits for an interrupt with IRQs masked (a pending one still ends WFI,
 * Arm ARM D1.6.2 "Wait For Interrupt"), so no wake-up is lost between the
 * caller's check and the WFI, then handles the interrupt that ended it
 * straight away: acknowledging it at the CPU interface does not need
 * PSTATE.I clear, so it is not taken as an exception (no el2_irq frame).
 * One per call, as per exception: the caller's loop comes back here, and
 * WFI ends at once while another is pending. The ISB first: numbat's
 * timer, just armed, is set before the wait (arch_timer_arm).
 */
void arch_idle(void)
{
	isb();
	wfi();
	arch_irq_handle();
}
