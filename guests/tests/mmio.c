/*
 * Test guest: MMIO emulation through "numbat,test-device" at 0x09100000.
 * Every access width, byte lanes of the scratch register, zero- and
 * sign-extending loads into W and X registers, stores of the zero register,
 * acquire/release accesses, the ID register and the RAZ/WI offsets. Two VMs
 * running this image at once also check that each has its own device.
 */
#include "numbat.h"

#define DEV       0x09100000ul
#define SCRATCH   (DEV + TESTDEV_SCRATCH)

static uint64_t pattern(unsigned int off)
{
	return 0x0102030405060708ull * (off + 1) ^ 0xA5A5A5A55A5A5A5Aull;
}

static void scratch_clear(void)
{
	for (unsigned int off = 0; off < TESTDEV_SCRATCH_SIZE; off += 8)
		writeq(SCRATCH + off, 0);
}

TEST(mmio, id_register)
{
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
	writel(DEV + TESTDEV_ID, 0x12345678);
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
}

TEST(mmio, width64)
{
	static const unsigned int offs[] = { 0, 8, 16, 56 };

	for (size_t i = 0; i < 4; i++)
		writeq(SCRATCH + offs[i], pattern(offs[i]));
	for (size_t i = 0; i < 4; i++)
		EXPECT_EQ(readq(SCRATCH + offs[i]), pattern(offs[i]));
}

TEST(mmio, width32)
{
	static const unsigned int offs[] = { 0, 4, 12, 60 };

	for (size_t i = 0; i < 4; i++)
		writel(SCRATCH + offs[i], (uint32_t)pattern(offs[i]));
	for (size_t i = 0; i < 4; i++)
		EXPECT_EQ(readl(SCRATCH + offs[i]), (uint32_t)pattern(offs[i]));
}

TEST(mmio, width16)
{
	static const unsigned int offs[] = { 0, 2, 30, 62 };

	for (size_t i = 0; i < 4; i++)
		writew(SCRATCH + offs[i], (uint16_t)pattern(offs[i]));
	for (size_t i = 0; i < 4; i++)
		EXPECT_EQ(readw(SCRATCH + offs[i]), (uint16_t)pattern(offs[i]));
}

TEST(mmio, width8)
{
	static const unsigned int offs[] = { 0, 1, 33, 63 };

	for (size_t i = 0; i < 4; i++)
		writeb(SCRATCH + offs[i], (uint8_t)pattern(offs[i]));
	for (size_t i = 0; i < 4; i++)
		EXPECT_EQ(readb(SCRATCH + offs[i]), (uint8_t)pattern(offs[i]));
}

/* The scratch bytes behave like little-endian memory across widths. */
TEST(mmio, byte_lanes)
{
	writeq(SCRATCH, 0x8877665544332211ull);
	for (unsigned int i = 0; i < 8; i++)
		EXPECT_EQ(readb(SCRATCH + i), 0x11 * (i + 1));
	EXPECT_EQ(readw(SCRATCH + 2), 0x4433);
	EXPECT_EQ(readl(SCRATCH + 4), 0x88776655u);
	writeb(SCRATCH + 3, 0xAB);
	EXPECT_EQ(readq(SCRATCH), 0x88776655AB332211ull);
	writew(SCRATCH + 6, 0xCDEF);
	EXPECT_EQ(readq(SCRATCH), 0xCDEF6655AB332211ull);
	writel(SCRATCH, 0x01020304);
	EXPECT_EQ(readq(SCRATCH), 0xCDEF665501020304ull);
}

TEST(mmio, all_64_bytes)
{
	for (unsigned int i = 0; i < TESTDEV_SCRATCH_SIZE; i++)
		writeb(SCRATCH + i, (uint8_t)(0xC0 + i));
	for (unsigned int off = 0; off < TESTDEV_SCRATCH_SIZE; off += 8) {
		uint64_t expect = 0;
		for (unsigned int b = 0; b < 8; b++)
			expect |= (uint64_t)(0xC0 + off + b) << (8 * b);
		EXPECT_EQ(readq(SCRATCH + off), expect);
	}
}

/* A load into a W register clears bits 63:32 of the X register. */
#define LOAD_OVER_ONES(insn, addr) ({                                        \
	uint64_t v_;                                                         \
	__asm__ volatile("mov %0, #-1\n\t" insn " %w0, [%1]"                 \
			 : "=&r"(v_) : "r"(addr) : "memory");               \
	v_;                                                                  \
})

TEST(mmio, zero_extending_loads)
{
	writeq(SCRATCH, 0x8000800080008080ull);
	EXPECT_EQ(LOAD_OVER_ONES("ldrb", SCRATCH), 0x80);
	EXPECT_EQ(LOAD_OVER_ONES("ldrh", SCRATCH), 0x8080);
	EXPECT_EQ(LOAD_OVER_ONES("ldr", SCRATCH), 0x80008080u);
}

/* Sign-extending loads, the destination first filled with a pattern. */
#define SLOAD(insn, reg, addr) ({                                            \
	uint64_t v_;                                                         \
	__asm__ volatile("mov %0, #0x5555\n\t" insn " %" reg "0, [%1]"       \
			 : "=&r"(v_) : "r"(addr) : "memory");               \
	v_;                                                                  \
})

TEST(mmio, sign_extending_loads)
{
	writeq(SCRATCH, 0x8000000180017F80ull);  /* b0=80 b1=7f h1=8001 w1=80000001 */
	EXPECT_EQ(SLOAD("ldrsb", "x", SCRATCH), 0xFFFFFFFFFFFFFF80ull);
	EXPECT_EQ(SLOAD("ldrsb", "w", SCRATCH), 0x00000000FFFFFF80ull);
	EXPECT_EQ(SLOAD("ldrsb", "x", SCRATCH + 1), 0x7F);
	EXPECT_EQ(SLOAD("ldrsb", "w", SCRATCH + 1), 0x7F);
	EXPECT_EQ(SLOAD("ldrsh", "x", SCRATCH + 2), 0xFFFFFFFFFFFF8001ull);
	EXPECT_EQ(SLOAD("ldrsh", "w", SCRATCH + 2), 0x00000000FFFF8001ull);
	EXPECT_EQ(SLOAD("ldrsh", "x", SCRATCH), 0x7F80);
	EXPECT_EQ(SLOAD("ldrsw", "x", SCRATCH + 4), 0xFFFFFFFF80000001ull);
	EXPECT_EQ(SLOAD("ldrsw", "x", SCRATCH), 0xFFFFFFFF80017F80ull);
	writel(SCRATCH + 4, 0x7FFFFFFF);
	EXPECT_EQ(SLOAD("ldrsw", "x", SCRATCH + 4), 0x7FFFFFFF);
	/* The runtime's accessors agree. */
	EXPECT_EQ(ldrsb_x(SCRATCH), -128);
	EXPECT_EQ(ldrsh_w(SCRATCH + 2), (int32_t)0xFFFF8001);
	EXPECT_EQ(ldrsw_x(SCRATCH + 4), 0x7FFFFFFF);
}

/* Stores with Rt = 31 store zero (XZR/WZR), never SP. */
TEST(mmio, store_zero_register)
{
	for (unsigned int off = 0; off < 32; off += 8)
		writeq(SCRATCH + off, ~0ull);
	__asm__ volatile("str xzr, [%0]" : : "r"(SCRATCH) : "memory");
	__asm__ volatile("str wzr, [%0]" : : "r"(SCRATCH + 8) : "memory");
	__asm__ volatile("strh wzr, [%0]" : : "r"(SCRATCH + 16) : "memory");
	__asm__ volatile("strb wzr, [%0]" : : "r"(SCRATCH + 24) : "memory");
	EXPECT_EQ(readq(SCRATCH), 0);
	EXPECT_EQ(readq(SCRATCH + 8), 0xFFFFFFFF00000000ull);
	EXPECT_EQ(readq(SCRATCH + 16), 0xFFFFFFFFFFFF0000ull);
	EXPECT_EQ(readq(SCRATCH + 24), 0xFFFFFFFFFFFFFF00ull);
}

/* A narrow store takes only the low bits of the register. */
TEST(mmio, narrow_stores_truncate)
{
	uint64_t v = 0xDEADBEEF12345678ull;

	scratch_clear();
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(SCRATCH) : "memory");
	__asm__ volatile("strh %w0, [%1]" : : "r"(v), "r"(SCRATCH + 8) : "memory");
	__asm__ volatile("strb %w0, [%1]" : : "r"(v), "r"(SCRATCH + 16) : "memory");
	EXPECT_EQ(readq(SCRATCH), 0x12345678);
	EXPECT_EQ(readq(SCRATCH + 8), 0x5678);
	EXPECT_EQ(readq(SCRATCH + 16), 0x78);
}

/* Transfer registers at the top of the register file. */
TEST(mmio, high_registers)
{
	uint64_t v;

	writeq(SCRATCH, 0x1122334455667788ull);
	__asm__ volatile("ldr x30, [%1]\n\tmov %0, x30" : "=r"(v)
			 : "r"(SCRATCH) : "x30", "memory");
	EXPECT_EQ(v, 0x1122334455667788ull);
	__asm__ volatile("ldr x28, [%1]\n\tmov %0, x28" : "=r"(v)
			 : "r"(SCRATCH) : "x28", "memory");
	EXPECT_EQ(v, 0x1122334455667788ull);
	__asm__ volatile("mov x30, %0\n\tstr x30, [%1]" : : "r"(0xCAFEull),
			 "r"(SCRATCH + 8) : "x30", "memory");
	EXPECT_EQ(readq(SCRATCH + 8), 0xCAFE);
	__asm__ volatile("mov x0, %0\n\tstr x0, [%1]" : : "r"(0xBEEFull),
			 "r"(SCRATCH + 16) : "x0", "memory");
	EXPECT_EQ(readq(SCRATCH + 16), 0xBEEF);
}

/* Load-acquire / store-release report a valid syndrome and are emulated. */
TEST(mmio, acquire_release)
{
	uint64_t v;

	__asm__ volatile("stlr %0, [%1]" : : "r"(0x0123456789ABCDEFull),
			 "r"(SCRATCH) : "memory");
	__asm__ volatile("ldar %0, [%1]" : "=r"(v) : "r"(SCRATCH) : "memory");
	EXPECT_EQ(v, 0x0123456789ABCDEFull);
	__asm__ volatile("stlr %w0, [%1]" : : "r"(0x55AA55AAu), "r"(SCRATCH + 8)
			 : "memory");
	__asm__ volatile("ldar %w0, [%1]" : "=r"(v) : "r"(SCRATCH + 8) : "memory");
	EXPECT_EQ(v, 0x55AA55AAu);
	__asm__ volatile("ldarb %w0, [%1]" : "=r"(v) : "r"(SCRATCH + 1) : "memory");
	EXPECT_EQ(v, 0xCD);
	__asm__ volatile("ldarh %w0, [%1]" : "=r"(v) : "r"(SCRATCH + 2) : "memory");
	EXPECT_EQ(v, 0x89AB);
}

TEST(mmio, raz_wi)
{
	static const unsigned int offs[] = { 0x44, 0x48, 0x80, 0x100, 0x800, 0xff8 };

	scratch_clear();
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uintptr_t a = DEV + offs[i];

		EXPECT_EQ(readl(a), 0);
		EXPECT_EQ(readq(a), 0);
		writeq(a, ~0ull);
		writel(a, 0xFFFFFFFFu);
		writeb(a, 0xFF);
		EXPECT_EQ(readq(a), 0);
		EXPECT_EQ(readb(a), 0);
	}
	EXPECT_EQ(readb(DEV + 0xfff), 0);
	/* Nothing leaked into the scratch or the ID. */
	for (unsigned int off = 0; off < TESTDEV_SCRATCH_SIZE; off += 8)
		EXPECT_EQ(readq(SCRATCH + off), 0);
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
}

/* Each VM has its own device instance: a value written here stays while
 * another VM running this test writes its own. */
TEST(mmio, private_to_vm)
{
	uint64_t mine = 0x1111111111111111ull * (numbat_vm_id(NULL) + 1);
	int bad = 0;

	for (int i = 0; i < 200; i++) {
		writeq(SCRATCH + 48, mine + (uint64_t)i);
		numbat_yield();
		if (readq(SCRATCH + 48) != mine + (uint64_t)i)
			bad++;
	}
	EXPECT_EQ(bad, 0);
}

TEST(mmio, many_accesses)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < 2000; i++) {
		writeq(SCRATCH + 8 * (i & 7), i);
		sum += readq(SCRATCH + 8 * (i & 7));
	}
	EXPECT_EQ(sum, 1999ull * 2000 / 2);
}

/*
 * Accesses through x19-x29, which numbat's trap path leaves in the
 * registers when it resumes the same vCPU (vectors.S) and saves only for
 * a trap that names one of them or that reschedules: an MMIO store from
 * x20 and loads into x25 and w27, a trapped system register (the
 * emulated CNTP_CVAL_EL0) written from x22 and read into x24, and a yield
 * (which switches to the other VM when one shares the pCPU), all with
 * sentinels in x19-x28. callee_probe(scratch, out) stores x19-x28 to
 * out[0..9] afterwards.
 */
void callee_probe(uintptr_t scratch, uint64_t *out);
__asm__(".text\n"
	".global callee_probe\n"
	"callee_probe:\n"
	"	stp x29, x30, [sp, #-96]!\n"
	"	stp x19, x20, [sp, #16]\n"
	"	stp x21, x22, [sp, #32]\n"
	"	stp x23, x24, [sp, #48]\n"
	"	stp x25, x26, [sp, #64]\n"
	"	stp x27, x28, [sp, #80]\n"
	"	mov x9, x0\n"
	"	mov x10, x1\n"
	"	movz x19, #0x1919, lsl #16\n"
	"	movz x20, #0x2020, lsl #32\n"
	"	movz x21, #0x2121\n"
	"	movz x22, #0x2222, lsl #16\n"
	"	movz x23, #0x2323\n"
	"	movz x24, #0x2424\n"
	"	movz x25, #0x2525\n"
	"	movz x26, #0x2626\n"
	"	movz x27, #0x2727\n"
	"	movz x28, #0x2828\n"
	"	str x20, [x9]\n"
	"	ldr x25, [x9]\n"
	"	str x19, [x9, #8]\n"
	"	ldr w27, [x9, #8]\n"
	"	msr cntp_cval_el0, x22\n"
	"	mrs x24, cntp_cval_el0\n"
	"	movz x0, #0x0002\n"
	"	movk x0, #0xC600, lsl #16\n"   /* NUMBAT_HC_YIELD */
	"	hvc #0\n"
	"	stp x19, x20, [x10]\n"
	"	stp x21, x22, [x10, #16]\n"
	"	stp x23, x24, [x10, #32]\n"
	"	stp x25, x26, [x10, #48]\n"
	"	stp x27, x28, [x10, #64]\n"
	"	ldp x19, x20, [sp, #16]\n"
	"	ldp x21, x22, [sp, #32]\n"
	"	ldp x23, x24, [sp, #48]\n"
	"	ldp x25, x26, [sp, #64]\n"
	"	ldp x27, x28, [sp, #80]\n"
	"	ldp x29, x30, [sp], #96\n"
	"	ret\n");

TEST(mmio, callee_saved_registers)
{
	static const uint64_t want[10] = {
		0x19190000ull, 0x202000000000ull, 0x2121, 0x22220000ull, 0x2323,
		0x22220000ull, 0x202000000000ull, 0x2626, 0x19190000ull, 0x2828,
	};
	uint64_t out[10];
	int bad = 0;

	_Static_assert(NUMBAT_HC_YIELD == 0xC6000002u, "callee_probe's yield id");
	for (int round = 0; round < 50; round++) {
		memset(out, 0, sizeof(out));
		callee_probe(SCRATCH, out);
		for (int i = 0; i < 10; i++) {
			if (out[i] != want[i]) {
				if (bad < 5)
					printf("x%d = 0x%lx, expected 0x%lx\n", 19 + i,
					       (unsigned long)out[i], (unsigned long)want[i]);
				bad++;
			}
		}
	}
	EXPECT_EQ(bad, 0);
}
