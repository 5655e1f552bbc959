/*
 * Test guest for a VM with fault-policy "inject": accesses numbat cannot
 * emulate (no memory or device at the IPA, or no instruction syndrome) come
 * back as a synchronous external abort: ESR_EL1.EC = 0x25, DFSC = 0x10,
 * FAR_EL1 = the address, ELR_EL1 = the instruction. The VM carries on.
 * Expects 16 MiB of RAM at 0x40000000, a read-only page at 0x42000000 and
 * the test device at 0x09100000.
 */
#include "numbat.h"

#define DEV       0x09100000ul
#define RO_PAGE   0x42000000ul

/* Loads/stores at `addr` with an exception expected; *pc = the instruction. */
static struct exc_info load_at(uintptr_t addr, uint64_t *pc)
{
	uint64_t v = 0, at = 0;
	struct exc_info x = CATCH_EXCEPTION(
		__asm__ volatile("adr %1, 1f\n1:\tldr %0, [%2]"
				 : "=&r"(v), "=&r"(at) : "r"(addr) : "memory"));
	(void)v;
	*pc = at;
	return x;
}

static struct exc_info store_at(uintptr_t addr, uint64_t *pc)
{
	uint64_t at = 0;
	struct exc_info x = CATCH_EXCEPTION(
		__asm__ volatile("adr %0, 1f\n1:\tstr %1, [%2]"
				 : "=&r"(at) : "r"(0x5555ull), "r"(addr)
				 : "memory"));
	*pc = at;
	return x;
}

/* Checks that `x` is the external abort numbat injects for `addr` at `pc`. */
static void expect_sea(const char *what, struct exc_info x, uint64_t addr,
		       uint64_t pc)
{
	printf("%s 0x%lx: taken %d esr 0x%lx far 0x%lx\n", what,
	       (unsigned long)addr, x.taken, (unsigned long)x.esr,
	       (unsigned long)x.far);
	EXPECT_TRUE(x.taken);
	if (!x.taken)
		return;
	EXPECT_EQ(ESR_EC(x.esr), ESR_EC_DABT_CUR);
	EXPECT_EQ(ESR_DFSC(x.esr), DFSC_SEA);
	EXPECT_EQ((x.esr >> 25) & 1, 1);          /* IL: 32-bit instruction */
	EXPECT_EQ(x.far, addr);
	EXPECT_EQ(x.elr, pc);
}

static const uint64_t unmapped[] = {
	0x50000000ul,            /* platform RAM, not this VM's */
	0x41000000ul,            /* just past this VM's RAM */
	0x41fff000ul,            /* between RAM and the read-only page */
	0x3ffff000ul,            /* just below it */
	0x00000000ul,
	0x09000000ul,            /* the UART: not given to this VM */
	0x0a000000ul,            /* QEMU's virtio-mmio window */
	DEV + 0x1000,            /* just past the test device */
	DEV - 0x8,
	0x0000008000000000ull,
	0x000000fffffff000ull,
};

TEST(fault, load_unmapped)
{
	for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
		uint64_t pc;
		struct exc_info x = load_at(unmapped[i], &pc);

		expect_sea("load", x, unmapped[i], pc);
	}
}

TEST(fault, store_unmapped)
{
	for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
		uint64_t pc;
		struct exc_info x = store_at(unmapped[i], &pc);

		expect_sea("store", x, unmapped[i], pc);
	}
}

TEST(fault, narrow_accesses)
{
	uint64_t pc = 0, v = 0;
	struct exc_info x = CATCH_EXCEPTION(
		__asm__ volatile("adr %1, 1f\n1:\tldrb %w0, [%2]"
				 : "=&r"(v), "=&r"(pc) : "r"(0x50000003ul)
				 : "memory"));
	(void)v;
	expect_sea("ldrb", x, 0x50000003ul, pc);
	x = CATCH_EXCEPTION(
		__asm__ volatile("adr %0, 1f\n1:\tstrh wzr, [%1]"
				 : "=&r"(pc) : "r"(0x50000006ul) : "memory"));
	expect_sea("strh", x, 0x50000006ul, pc);
}

/* Load/store pair and writeback forms have no instruction syndrome. */
TEST(fault, no_syndrome_pair)
{
	uint64_t pc = 0, a = 0, b = 0;
	struct exc_info x = CATCH_EXCEPTION(
		__asm__ volatile("adr %2, 1f\n1:\tldp %0, %1, [%3]"
				 : "=&r"(a), "=&r"(b), "=&r"(pc) : "r"(DEV)
				 : "memory"));
	(void)a;
	(void)b;
	expect_sea("ldp", x, DEV, pc);
	x = CATCH_EXCEPTION(
		__asm__ volatile("adr %0, 1f\n1:\tstp xzr, xzr, [%1]"
				 : "=&r"(pc) : "r"(DEV + 16) : "memory"));
	expect_sea("stp", x, DEV + 16, pc);
}

TEST(fault, no_syndrome_writeback)
{
	uint64_t pc = 0, v = 0, base = DEV;
	struct exc_info x = CATCH_EXCEPTION(
		__asm__ volatile("adr %1, 1f\n1:\tldr %0, [%2], #8"
				 : "=&r"(v), "=&r"(pc), "+r"(base) : : "memory"));
	(void)v;
	expect_sea("ldr post-index", x, DEV, pc);
	EXPECT_EQ(base, DEV);   /* the instruction did not complete */
}

TEST(fault, read_only_region)
{
	uint64_t pc, v = 1;
	struct exc_info x = CATCH_EXCEPTION(v = readq(RO_PAGE));

	EXPECT_FALSE(x.taken);
	EXPECT_EQ(v, 0);
	x = store_at(RO_PAGE + 8, &pc);
	expect_sea("store to read-only", x, RO_PAGE + 8, pc);
	EXPECT_EQ(readq(RO_PAGE + 8), 0);
}

TEST(fault, vm_carries_on)
{
	static volatile uint64_t word = 1;

	word += 41;
	EXPECT_EQ(word, 42);
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
	writeq(DEV, 0x77);
	EXPECT_EQ(readq(DEV), 0x77);
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}
