/*
 * The EL1/EL0 system registers of a vCPU (struct arch_sysregs, arch.h),
 * moved between the registers and memory on every vCPU switch (arch.c,
 * arch_vcpu_put and arch_vcpu_load). In assembly so that the 25 registers
 * go to and from memory in pairs (STP/LDP): the struct's first 26 fields
 * are, in this order, the registers below, 8 bytes each from offset 0
 * (arch.c checks the offsets at compile time).
 */
	.text

/* Two registers to *(x0 + off), and back. */
.macro save2 a, b, off
	mrs	x2, \a
	mrs	x3, \b
	stp	x2, x3, [x0, #\off]
.endm

.macro restore2 a, b, off
	ldp	x2, x3, [x0, #\off]
	msr	\a, x2
	msr	\b, x3
.endm

/*
 * void arch_el1_save(struct arch_sysregs *s): reads the 25 registers into
 * *s, then disables the virtual timer (CNTV_CTL_EL0 = 0), whose interrupt
 * would otherwise fire for the vCPU loaded next.
 */
	.global arch_el1_save
arch_el1_save:
	save2	sctlr_el1, ttbr0_el1, 0
	save2	ttbr1_el1, tcr_el1, 16
	save2	mair_el1, amair_el1, 32
	save2	vbar_el1, contextidr_el1, 48
	save2	tpidr_el1, tpidr_el0, 64
	save2	tpidrro_el0, sp_el0, 80
	save2	sp_el1, elr_el1, 96
	save2	spsr_el1, esr_el1, 112
	save2	far_el1, afsr0_el1, 128
	save2	afsr1_el1, par_el1, 144
	save2	cpacr_el1, csselr_el1, 160
	save2	cntkctl_el1, cntv_ctl_el0, 176
	mrs	x2, cntv_cval_el0
	str	x2, [x0, #192]
	msr	cntv_ctl_el0, xzr
	ret

/*
 * void arch_el1_restore(const struct arch_sysregs *s): writes the 25
 * registers from *s (the virtual timer's compare value before its
 * control) and VMPIDR_EL2 (field 26, offset 200). The caller's ISB before
 * the ERET synchronises them.
 */
	.global arch_el1_restore
arch_el1_restore:
	restore2 sctlr_el1, ttbr0_el1, 0
	restore2 ttbr1_el1, tcr_el1, 16
	restore2 mair_el1, amair_el1, 32
	restore2 vbar_el1, contextidr_el1, 48
	restore2 tpidr_el1, tpidr_el0, 64
	restore2 tpidrro_el0, sp_el0, 80
	restore2 sp_el1, elr_el1, 96
	restore2 spsr_el1, esr_el1, 112
	restore2 far_el1, afsr0_el1, 128
	restore2 afsr1_el1, par_el1, 144
	restore2 cpacr_el1, csselr_el1, 160
	ldp	x2, x3, [x0, #176]		/* CNTKCTL, CNTV_CTL */
	msr	cntkctl_el1, x2
	ldp	x4, x5, [x0, #192]		/* CNTV_CVAL, VMPIDR_EL2 */
	msr	cntv_cval_el0, x4
	msr	cntv_ctl_el0, x3
	msr	vmpidr_el2, x5
	ret
