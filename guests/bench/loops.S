/*
 * The measured loops of the benchmark guest. Each takes the iteration
 * count in x0 (> 0) and returns the CNTVCT_EL0 ticks the loop took. The
 * loops differ only in the work in their body, so subtracting the empty
 * loop leaves the cost of that work.
 */
#include <numbat/abi.h>

.macro counter reg
	isb
	mrs	\reg, cntvct_el0
.endm

	.text
	.global bench_empty
	.type bench_empty, %function
bench_empty:
	counter	x9
1:	subs	x0, x0, #1
	b.ne	1b
	counter	x10
	sub	x0, x10, x9
	ret

/* N null hypercalls: NUMBAT_HC_VERSION. x19-x21 survive the call. */
	.global bench_hvc
	.type bench_hvc, %function
bench_hvc:
	stp	x19, x20, [sp, #-32]!
	str	x21, [sp, #16]
	mov	x19, x0
	mov	w21, #(NUMBAT_HC_VERSION & 0xffff)
	movk	w21, #(NUMBAT_HC_VERSION >> 16), lsl #16
	counter	x20
1:	mov	x0, x21
	hvc	#0
	subs	x19, x19, #1
	b.ne	1b
	counter	x10
	sub	x0, x10, x20
	ldr	x21, [sp, #16]
	ldp	x19, x20, [sp], #32
	ret

/* N emulated 32-bit reads of the test device at x1 (its ID register). */
	.global bench_mmio_read
	.type bench_mmio_read, %function
bench_mmio_read:
	counter	x9
1:	ldr	w2, [x1]
	subs	x0, x0, #1
	b.ne	1b
	counter	x10
	sub	x0, x10, x9
	ret

/* N emulated 64-bit reads at x1 (a GICD_IROUTER). */
	.global bench_mmio_read64
	.type bench_mmio_read64, %function
bench_mmio_read64:
	counter	x9
1:	ldr	x2, [x1]
	subs	x0, x0, #1
	b.ne	1b
	counter	x10
	sub	x0, x10, x9
	ret

	.section .note.GNU-stack, "", %progbits
