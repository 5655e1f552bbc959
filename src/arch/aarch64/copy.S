/*
 * arch_copy: bulk copies for numbat with its MMU on, between Normal
 * cacheable mappings (guest memory, numbat's heap): the channels' one copy
 * between two VMs (core/virtq.c) and VM image loads. SCTLR_EL2.A is clear
 * once the MMU is on, so unaligned LDP/STP are allowed (Arm ARM B2.5.2);
 * the C memcpy (lib/string.c) stays for code that may run before that.
 * General registers only: a guest's FP/SIMD state is live in the CPU.
 *
 * void arch_copy(void *dst, const void *src, uint64_t n)
 * The ranges must not overlap.
 */
/* 64 bytes from [x1] to [x0], both advanced; x5-x12 clobbered. */
.macro copy64
	ldp	x5, x6, [x1], #16
	ldp	x7, x8, [x1], #16
	ldp	x9, x10, [x1], #16
	ldp	x11, x12, [x1], #16
	stp	x5, x6, [x0], #16
	stp	x7, x8, [x0], #16
	stp	x9, x10, [x0], #16
	stp	x11, x12, [x0], #16
.endm

	.text
	.global arch_copy
	.type	arch_copy, %function
arch_copy:
	lsr	x4, x2, #7			/* 128-byte rounds: 18 instructions, */
	cbz	x4, 6f				/* 9 per 64 bytes */
1:	copy64
	copy64
	subs	x4, x4, #1
	b.ne	1b
6:	tbz	x2, #6, 2f			/* one 64-byte round left? */
	copy64
2:	and	x2, x2, #63
3:	cmp	x2, #8
	b.lo	4f
	ldr	x3, [x1], #8
	sub	x2, x2, #8
	str	x3, [x0], #8
	b	3b
4:	cbz	x2, 5f
	ldrb	w3, [x1], #1
	sub	x2, x2, #1
	strb	w3, [x0], #1
	b	4b
5:	ret
	.size	arch_copy, . - arch_copy
