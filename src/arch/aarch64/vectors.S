/*
 * EL2 exception vectors (Arm ARM D1.10.2). A trap from a guest saves the
 * registers the C calling convention lets a callee clobber (x0-x18, x30),
 * ELR_EL2 and SPSR_EL2 straight into the current vCPU and calls a C
 * handler with the vCPU. `.org` makes an entry that outgrows its 128
 * bytes fail to assemble.
 *
 * The guest's x19-x29 are callee-saved (AAPCS64): every C function gives
 * them back as it found them, so while a trap is handled they stay in the
 * registers, and `vcpu->regs.x[19..29]` are stale. When the handler
 * returns, guest_leave resumes the vCPU that trapped, putting back only
 * what was saved, if it is still runnable and nothing asks for more
 * (pcpu->leave: a reschedule, or a trap the handler deferred because its
 * instruction names one of x19-x29, traps.c). Otherwise it saves x19-x29
 * and calls handle_guest_full, which finishes with the whole frame (the
 * deferred trap, then the scheduler, which may switch, reset or report),
 * or without a deferred trap the scheduler directly; either returns the
 * vCPU to enter with guest_exit.
 */
#include "asm-offsets.h"

/* Save x0-x18, x30, ELR_EL2 and SPSR_EL2 of the guest into pcpu->current. */
.macro save_guest
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #PCPU_CURRENT]
	stp	x2, x3, [x0, #16]
	stp	x4, x5, [x0, #32]
	stp	x6, x7, [x0, #48]
	stp	x8, x9, [x0, #64]
	stp	x10, x11, [x0, #80]
	stp	x12, x13, [x0, #96]
	stp	x14, x15, [x0, #112]
	stp	x16, x17, [x0, #128]
	str	x18, [x0, #144]
	str	x30, [x0, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0]
	mrs	x1, elr_el2
	mrs	x2, spsr_el2
	stp	x1, x2, [x0, #VCPU_PC]
.endm

.macro guest_vector handler
	.balign 0x80
	save_guest
	bl	\handler
	b	guest_leave
.endm

.macro el2_vector handler
	.balign 0x80
	b	\handler
.endm

	.section .text.vectors, "ax"
	.balign 0x800
	.global el2_vectors
el2_vectors:
	/* Current EL with SP_EL0: numbat never runs on SP_EL0. */
	el2_vector el2_bad_exception
	el2_vector el2_bad_exception
	el2_vector el2_bad_exception
	el2_vector el2_bad_exception
	/* Current EL with SP_EL2. */
	el2_vector el2_bad_exception
	el2_vector el2_irq
	el2_vector el2_bad_exception
	el2_vector el2_serror
	/* Lower EL, AArch64. */
	guest_vector handle_guest_sync
	guest_vector handle_guest_irq
	guest_vector handle_guest_irq
	guest_vector handle_guest_serror
	/* Lower EL, AArch32 (EL0 of a guest). */
	guest_vector handle_guest_sync
	guest_vector handle_guest_irq
	guest_vector handle_guest_irq
	guest_vector handle_guest_serror
	.org el2_vectors + 0x800

/*
 * After the handler: the vCPU that trapped (still pcpu->current: only the
 * scheduler changes it) simply resumes if it is still runnable and
 * neither a reschedule nor a deferred trap waits (pcpu->leave, see
 * pcpu.h); otherwise the whole frame is needed. x19-x29 hold the guest's
 * values again (the C code gave them back).
 */
guest_leave:
	mrs	x1, tpidr_el2
	ldr	x0, [x1, #PCPU_CURRENT]
	ldrh	w2, [x1, #PCPU_LEAVE]
	ldr	w3, [x0, #VCPU_STATE]
	cmp	w3, #VCPU_STATE_RUNNABLE
	ccmp	w2, #0, #0, eq			/* not runnable: NE */
	b.eq	guest_resume
	stp	x19, x20, [x0, #152]
	stp	x21, x22, [x0, #168]
	stp	x23, x24, [x0, #184]
	stp	x25, x26, [x0, #200]
	stp	x27, x28, [x0, #216]
	str	x29, [x0, #232]
	tst	w2, #0xff00			/* pcpu->deferred (little-endian) */
	b.ne	1f
	bl	sched_reschedule		/* no deferred trap: just switch */
	b	guest_exit
1:	bl	handle_guest_full
	b	guest_exit

/*
 * x0 = the vCPU that trapped, resumed: its x19-x29 were never saved and are
 * still in the registers.
 */
guest_resume:
	ldp	x1, x2, [x0, #VCPU_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldr	x18, [x0, #144]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0]
	eret
	dsb	nsh				/* no straight-line speculation */
	isb

/* x0 = vCPU to enter, all of whose registers are in memory; it is loaded
 * and pcpu->current points at it. */
	.global guest_exit
guest_exit:
	ldp	x1, x2, [x0, #VCPU_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0]
	eret
	dsb	nsh				/* no straight-line speculation */
	isb

/* Enters vCPU x0 on this pCPU's empty stack. */
	.global arch_vcpu_enter
arch_vcpu_enter:
	mrs	x1, tpidr_el2
	ldr	x2, [x1, #PCPU_STACK_TOP]
	mov	sp, x2
	b	guest_exit

/*
 * An IRQ while numbat itself runs (only where arch_irq_window unmasks them:
 * the idle loop, and between the steps of a VM's reload): save what C may
 * clobber, handle, return.
 */
el2_irq:
	sub	sp, sp, #(24 * 8)
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x30, x0, [sp, #160]
	str	x1, [sp, #176]
	bl	arch_irq_handle
	ldr	x1, [sp, #176]
	ldp	x30, x0, [sp, #160]
	msr	spsr_el2, x1
	msr	elr_el2, x0
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	add	sp, sp, #(24 * 8)
	eret
	dsb	nsh
	isb

/*
 * bool arch_serror_drain(void): takes, at EL2, every SError pending on this
 * pCPU, and says whether there was one. numbat runs with SErrors masked
 * (PSTATE.A, set on every exception entry), so one caused by a guest's
 * access that did not arrive while the guest ran stays pending; before
 * another vCPU runs here it is drained and charged to the one leaving
 * (arch_vcpu_put). `dsb sy` completes the outstanding accesses, ESB
 * (FEAT_RAS; a NOP before it) synchronises errors with SErrors unmasked
 * so they are taken rather than deferred to DISR_EL1, and the ISB is the
 * context synchronisation at which a pending SError is taken (Arm ARM
 * D1.3.6, "Synchronization of errors"). el2_serror resumes at
 * serror_window_end with x0 = 1.
 */
	.global arch_serror_drain
arch_serror_drain:
	mov	x0, #0
	dsb	sy
	msr	daifclr, #4
serror_window:
	hint	#16				/* esb */
	isb
serror_window_end:
	msr	daifset, #4
	ret

/*
 * An SError taken at EL2: inside arch_serror_drain's window it is the one
 * being drained; anywhere else numbat had SErrors masked, so it cannot
 * happen, and is treated as a numbat bug.
 */
el2_serror:
	stp	x1, x2, [sp, #-16]!
	mrs	x1, elr_el2
	adr	x2, serror_window
	cmp	x1, x2
	b.lo	1f
	adr	x2, serror_window_end
	cmp	x1, x2
	b.hi	1f
	msr	elr_el2, x2
	mov	x0, #1
	ldp	x1, x2, [sp], #16
	eret
	dsb	nsh
	isb
1:	ldp	x1, x2, [sp], #16
	b	el2_bad_exception

/*
 * Anything else taken at EL2 is a numbat bug: build a frame (x0-x30, sp,
 * ELR, SPSR, ESR, FAR) and panic with it.
 */
el2_bad_exception:
	sub	sp, sp, #(36 * 8)
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x0, sp, #(36 * 8)
	stp	x30, x0, [sp, #240]
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x0, x1, [sp, #256]
	mrs	x0, esr_el2
	mrs	x1, far_el2
	stp	x0, x1, [sp, #272]
	mov	x0, sp
	bl	el2_exception
1:	wfe
	b	1b
