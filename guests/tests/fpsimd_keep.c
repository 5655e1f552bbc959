/*
 * numbat must leave a guest's FP/SIMD registers alone while it handles the
 * guest's traps and interrupts: only a vCPU switch saves and restores them
 * (arch_fpsimd_save/restore). The test fills V0-V31 with a pattern, sends
 * itself an SGI (a trapped ICC_SGI1R_EL1 write, then vgic_flush on the way
 * back in, which once called libgcc's __popcountdi2: CNT on V0), takes the
 * interrupt, and reads the registers back. The C here and the runtime are
 * built with -mgeneral-regs-only, so only numbat can change them.
 * With two VMs on one pCPU (the fpsimd-switch scenario) each also fills
 * V0-V31 and FPCR with values of its own VM and yields to the other between
 * filling and reading them back: numbat switches FP/SIMD with the vCPU
 * (lazily: the registers of a vCPU that has not touched them since it was
 * loaded may still hold another's, behind the CPTR_EL2.TFP trap), so each
 * must read back exactly what it wrote, never the other's values.
 */
#include "numbat.h"

#define ROUNDS   200u
#define SGI      3
#define CPACR_FPEN (3ul << 20)   /* no FP/SIMD trap at EL1 or EL0 */
#define FPCR_RW    (0xful << 22) /* AHP, DN, FZ, RMode: writable on every CPU */

static volatile unsigned taken;
static uint64_t want[64] __attribute__((aligned(16)));
static uint64_t got[64] __attribute__((aligned(16)));

static void handler(void)
{
	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == SGI)
			taken++;
		gic_eoi(id);
	}
}

static void simd_load(const uint64_t *p)
{
	__asm__ volatile(
		"ld1 {v0.2d-v3.2d}, [%0], #64\n"
		"ld1 {v4.2d-v7.2d}, [%0], #64\n"
		"ld1 {v8.2d-v11.2d}, [%0], #64\n"
		"ld1 {v12.2d-v15.2d}, [%0], #64\n"
		"ld1 {v16.2d-v19.2d}, [%0], #64\n"
		"ld1 {v20.2d-v23.2d}, [%0], #64\n"
		"ld1 {v24.2d-v27.2d}, [%0], #64\n"
		"ld1 {v28.2d-v31.2d}, [%0], #64\n"
		: "+r"(p) : : "memory");
}

static void simd_store(uint64_t *p)
{
	__asm__ volatile(
		"st1 {v0.2d-v3.2d}, [%0], #64\n"
		"st1 {v4.2d-v7.2d}, [%0], #64\n"
		"st1 {v8.2d-v11.2d}, [%0], #64\n"
		"st1 {v12.2d-v15.2d}, [%0], #64\n"
		"st1 {v16.2d-v19.2d}, [%0], #64\n"
		"st1 {v20.2d-v23.2d}, [%0], #64\n"
		"st1 {v24.2d-v27.2d}, [%0], #64\n"
		"st1 {v28.2d-v31.2d}, [%0], #64\n"
		: "+r"(p) : : "memory");
}

TEST(fpsimd, kept_across_interrupts)
{
	uint64_t cpacr = sysreg_read(cpacr_el1);
	unsigned bad = 0;

	sysreg_write(cpacr_el1, cpacr | CPACR_FPEN);
	__asm__ volatile("isb");
	irq_handler = handler;
	gic_init();
	gic_enable(SGI, 0x80);
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t end = counter_read() + counter_ms(100);
		unsigned before = taken;

		for (unsigned i = 0; i < 64; i++)
			want[i] = 0x0123456789abcdefull * (i + 1) ^ ((uint64_t)r << 48);
		simd_load(want);
		gic_send_sgi(this_vcpu(), SGI);
		irq_unmask();
		while (taken == before && counter_read() < end)
			;
		irq_mask();
		simd_store(got);
		EXPECT_NE(taken, before);
		for (unsigned i = 0; i < 64; i++)
			if (got[i] != want[i] && bad++ < 4)
				printf("fpsimd: round %u: v%u.d[%u] %lx, not %lx\n", r, i / 2, i % 2,
				       (unsigned long)got[i], (unsigned long)want[i]);
	}
	EXPECT_EQ(bad, 0);
	printf("fpsimd: %u rounds\n", ROUNDS);
}

TEST(fpsimd, kept_across_switches)
{
	uint64_t vm = numbat_vm_id(NULL), cpacr = sysreg_read(cpacr_el1), fpcr;
	unsigned bad = 0;

	sysreg_write(cpacr_el1, cpacr | CPACR_FPEN);
	__asm__ volatile("isb");
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t want_fpcr = ((vm + r) % 16) << 22;

		for (unsigned i = 0; i < 64; i++)
			want[i] = (0x0123456789abcdefull * (i + 1)) ^ (vm << 56) ^ ((uint64_t)r << 40);
		simd_load(want);
		__asm__ volatile("msr fpcr, %0" : : "r"(want_fpcr));
		/* The other VM runs here (and loads its own values). */
		for (unsigned y = 0; y < 1 + r % 3; y++)
			numbat_yield();
		__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
		simd_store(got);
		if ((fpcr & FPCR_RW) != want_fpcr && bad++ < 4)
			printf("fpsimd: switch round %u: fpcr %lx, not %lx\n", r,
			       (unsigned long)fpcr, (unsigned long)want_fpcr);
		for (unsigned i = 0; i < 64; i++)
			if (got[i] != want[i] && bad++ < 4)
				printf("fpsimd: switch round %u: v%u.d[%u] %lx, not %lx\n", r, i / 2,
				       i % 2, (unsigned long)got[i], (unsigned long)want[i]);
	}
	__asm__ volatile("msr fpcr, xzr");
	EXPECT_EQ(bad, 0);
	printf("fpsimd: %u switch rounds\n", ROUNDS);
}
