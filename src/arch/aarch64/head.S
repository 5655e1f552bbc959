/*
 * numbat's entry points: the arm64 Image header (so QEMU and U-Boot's booti
 * pass the device tree in x0), the boot pCPU's entry and the entry of every
 * other pCPU started with PSCI CPU_ON. Arm ARM D1.2 for the EL2 state.
 */
#include "asm-offsets.h"

#define STACK_SIZE 0x4000

/* SCTLR_EL2 RES1 bits with the MMU, caches and alignment checks off. */
#define SCTLR_EL2_BOOT 0x30c50830

	.section .text.head, "ax"
	.global _start
_start:
	/* Image header, Linux Documentation/arch/arm64/booting.rst. */
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	(PLAT_LOAD_ADDR & 0x1fffff)	/* text_offset from 2 MiB base */
	.quad	__image_size			/* image_size, bss included */
	.quad	0x2				/* flags: LE, 4 KiB pages, 2 MiB-aligned base */
	.quad	0, 0, 0				/* res2..res4 */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* res5 */

primary_entry:
	msr	daifset, #0xf
	mov	x19, x0				/* boot device tree */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	1f				/* not at EL2: nothing we can do */
	adr	x1, _start
	ldr	x2, =_start
	cmp	x1, x2
	b.ne	1f				/* not loaded where linked */
	ldr	x1, =SCTLR_EL2_BOOT
	msr	sctlr_el2, x1
	isb

	/* Zero .bss (stacks included: nothing is on them yet). */
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
0:	cmp	x1, x2
	b.hs	0f
	stp	xzr, xzr, [x1], #16
	b	0b
0:
	mov	x0, #0
	bl	setup_cpu_regs
	mov	x0, x19
	bl	boot_primary
1:	wfe
	b	1b

/* x0 = pCPU index, the context id the boot pCPU passed to CPU_ON. */
	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf
	ldr	x1, =SCTLR_EL2_BOOT
	msr	sctlr_el2, x1
	isb
	mov	x19, x0
	bl	setup_cpu_regs
	mov	x0, x19
	bl	boot_secondary
1:	wfe
	b	1b

/* Stack, TPIDR_EL2 and VBAR_EL2 for pCPU x0. Clobbers x1-x3. */
setup_cpu_regs:
	ldr	x1, =pcpus
	mov	x2, #PCPU_SIZE
	madd	x1, x0, x2, x1
	msr	tpidr_el2, x1
	ldr	x2, =pcpu_stacks
	add	x3, x0, #1
	lsl	x3, x3, #14			/* STACK_SIZE */
	add	x2, x2, x3
	mov	sp, x2
	str	x2, [x1, #PCPU_STACK_TOP]
	ldr	x1, =el2_vectors
	msr	vbar_el2, x1
	isb
	ret
	.ltorg
