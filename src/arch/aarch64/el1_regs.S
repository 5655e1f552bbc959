/*
 * The EL1/EL0 system registers of a vCPU (struct arch_sysregs, arch.h),
 * moved between the registers and memory on every vCPU switch (arch.c,
 * arch_vcpu_put and arch_vcpu_load). In assembly so that the 25 registers
 * go to and from memory in pairs (STP/LDP): the struct's first 26 fields
 * are, in this order, the registers below, 8 bytes each from offset 0
 * (arch.c checks the offsets at compile time).
 */
	.text

/*
 * void arch_el1_save(struct arch_sysregs *s): reads the 25 registers into
 * *s, then disables the virtual timer (CNTV_CTL_EL0 = 0), whose interrupt
 * would otherwise fire for the vCPU loaded next.
 */
	.global arch_el1_save
arch_el1_save:
	mrs	x2, sctlr_el1
	mrs	x3, ttbr0_el1
	stp	x2, x3, [x0, #0]
	mrs	x2, ttbr1_el1
	mrs	x3, tcr_el1
	stp	x2, x3, [x0, #16]
	mrs	x2, mair_el1
	mrs	x3, amair_el1
	stp	x2, x3, [x0, #32]
	mrs	x2, vbar_el1
	mrs	x3, contextidr_el1
	stp	x2, x3, [x0, #48]
	mrs	x2, tpidr_el1
	mrs	x3, tpidr_el0
	stp	x2, x3, [x0, #64]
	mrs	x2, tpidrro_el0
	mrs	x3, sp_el0
	stp	x2, x3, [x0, #80]
	mrs	x2, sp_el1
	mrs	x3, elr_el1
	stp	x2, x3, [x0, #96]
	mrs	x2, spsr_el1
	mrs	x3, esr_el1
	stp	x2, x3, [x0, #112]
	mrs	x2, far_el1
	mrs	x3, afsr0_el1
	stp	x2, x3, [x0, #128]
	mrs	x2, afsr1_el1
	mrs	x3, par_el1
	stp	x2, x3, [x0, #144]
	mrs	x2, cpacr_el1
	mrs	x3, csselr_el1
	stp	x2, x3, [x0, #160]
	mrs	x2, cntkctl_el1
	mrs	x3, cntv_ctl_el0
	stp	x2, x3, [x0, #176]
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
	ldp	x2, x3, [x0, #0]
	msr	sctlr_el1, x2
	msr	ttbr0_el1, x3
	ldp	x2, x3, [x0, #16]
	msr	ttbr1_el1, x2
	msr	tcr_el1, x3
	ldp	x2, x3, [x0, #32]
	msr	mair_el1, x2
	msr	amair_el1, x3
	ldp	x2, x3, [x0, #48]
	msr	vbar_el1, x2
	msr	contextidr_el1, x3
	ldp	x2, x3, [x0, #64]
	msr	tpidr_el1, x2
	msr	tpidr_el0, x3
	ldp	x2, x3, [x0, #80]
	msr	tpidrro_el0, x2
	msr	sp_el0, x3
	ldp	x2, x3, [x0, #96]
	msr	sp_el1, x2
	msr	elr_el1, x3
	ldp	x2, x3, [x0, #112]
	msr	spsr_el1, x2
	msr	esr_el1, x3
	ldp	x2, x3, [x0, #128]
	msr	far_el1, x2
	msr	afsr0_el1, x3
	ldp	x2, x3, [x0, #144]
	msr	afsr1_el1, x2
	msr	par_el1, x3
	ldp	x2, x3, [x0, #160]
	msr	cpacr_el1, x2
	msr	csselr_el1, x3
	ldp	x2, x3, [x0, #176]
	msr	cntkctl_el1, x2
	ldp	x4, x5, [x0, #192]
	msr	cntv_cval_el0, x4
	msr	cntv_ctl_el0, x3
	msr	vmpidr_el2, x5
	ret
