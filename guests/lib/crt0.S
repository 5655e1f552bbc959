/*
 * Guest start-up: the first instruction of every guest image, the entry of
 * secondary vCPUs, the EL1 exception vector table and the jump buffer used
 * to leave a failed test.
 *
 * numbat enters vCPU 0 at the image's first byte in EL1h with the MMU and
 * caches off, DAIF masked, x0 = 0 and SP undefined. Each vCPU takes its
 * stack from guest_stacks by its MPIDR_EL1.Aff0.
 */

#define STACK_SIZE	0x4000		/* GUEST_STACK_SIZE in numbat.h */
#define MAX_VCPUS	8		/* GUEST_MAX_VCPUS */

/*
 * SCTLR_EL1 for the guest (Arm ARM D13.2.118): RES1 bits 29, 28, 23, 22,
 * 20 and 11; SA (3) and SA0 (4): SP alignment checks; I (12): instruction
 * cache. M (MMU), C (data cache) and A (alignment check) stay 0.
 */
#define SCTLR_RES1	((1 << 29) | (1 << 28) | (1 << 23) | (1 << 22) | \
			 (1 << 20) | (1 << 11))
#define SCTLR_INIT	(SCTLR_RES1 | (1 << 12) | (1 << 4) | (1 << 3))

/* Exception frame: x0..x30, ELR, SPSR, padding (struct exc_frame). */
#define FRAME_SIZE	(34 * 8)

/*
 * Per-vCPU set-up shared by both entries: SCTLR_EL1, VBAR_EL1 and SP from
 * MPIDR_EL1.Aff0. Clobbers x9, x10.
 */
.macro cpu_setup
	ldr	x9, =SCTLR_INIT
	msr	sctlr_el1, x9
	adr	x9, exception_vectors
	msr	vbar_el1, x9
	isb
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	cmp	x9, #MAX_VCPUS
	b.hs	cpu_park
	add	x9, x9, #1
	mov	x10, #STACK_SIZE
	mul	x9, x9, x10
	adr_l	x10, guest_stacks
	add	x9, x10, x9
	mov	sp, x9
.endm

.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0			/* boot state, kept until BSS is clear */
	mrs	x20, CurrentEL
	mrs	x21, daif
	mrs	x22, sctlr_el1
	cpu_setup

	adr_l	x9, __bss_start
	adr_l	x10, __bss_end
1:	cmp	x9, x10
	b.hs	2f
	str	xzr, [x9], #8
	b	1b
2:
	adr_l	x9, boot_state
	stp	x19, x20, [x9]
	stp	x21, x22, [x9, #16]
	mov	x29, #0
	mov	x30, #0
	bl	main
	bl	guest_exit		/* does not return */
	b	cpu_park

	.text
	.global secondary_entry
	.type secondary_entry, %function
/* PSCI CPU_ON target of cpu_on(): x0 = vCPU index (context id). */
secondary_entry:
	mov	x19, x0
	cpu_setup
	mov	x0, x19
	mov	x29, #0
	mov	x30, #0
	bl	secondary_main		/* does not return */
cpu_park:
	wfi
	b	cpu_park

/*
 * test_setjmp(buf): saves callee-saved registers, SP and LR; returns 0.
 * test_longjmp(buf, val): returns `val` from the matching test_setjmp.
 */
	.global test_setjmp
	.type test_setjmp, %function
test_setjmp:
	stp	x19, x20, [x0, #0]
	stp	x21, x22, [x0, #16]
	stp	x23, x24, [x0, #32]
	stp	x25, x26, [x0, #48]
	stp	x27, x28, [x0, #64]
	stp	x29, x30, [x0, #80]
	mov	x9, sp
	str	x9, [x0, #96]
	mov	x0, #0
	ret

	.global test_longjmp
	.type test_longjmp, %function
test_longjmp:
	ldp	x19, x20, [x0, #0]
	ldp	x21, x22, [x0, #16]
	ldp	x23, x24, [x0, #32]
	ldp	x25, x26, [x0, #48]
	ldp	x27, x28, [x0, #64]
	ldp	x29, x30, [x0, #80]
	ldr	x9, [x0, #96]
	mov	sp, x9
	mov	x0, x1
	ret

/*
 * Exception vectors (Arm ARM D1.10.2): 16 entries of 0x80 bytes; .org
 * makes an overlong entry fail to assemble. Each saves x0/x1 and passes
 * the entry's index to exception_common.
 */
.macro ventry index
	.org	exception_vectors + \index * 0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\index
	b	exception_common
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.global exception_vectors
exception_vectors:
	ventry	0
	ventry	1
	ventry	2
	ventry	3
	ventry	4
	ventry	5
	ventry	6
	ventry	7
	ventry	8
	ventry	9
	ventry	10
	ventry	11
	ventry	12
	ventry	13
	ventry	14
	ventry	15
	.org	exception_vectors + 0x800

/* Saves the rest of the frame, calls exception_handle(frame, index), and
 * returns to the (possibly changed) ELR/SPSR in the frame. */
exception_common:
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
	mrs	x9, elr_el1
	mrs	x10, spsr_el1
	stp	x30, x9, [sp, #240]
	str	x10, [sp, #256]
	mov	x0, sp
	bl	exception_handle
	ldp	x30, x9, [sp, #240]
	ldr	x10, [sp, #256]
	msr	elr_el1, x9
	msr	spsr_el1, x10
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #FRAME_SIZE
	eret

	.section .note.GNU-stack, "", %progbits
