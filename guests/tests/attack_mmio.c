/*
 * Hostile guest, MMIO of every width and alignment to every emulated
 * register: the test device, the PL011, the vGIC distributor and this
 * vCPU's redistributor (GICv3) or the GICv2 distributor. Accesses the
 * model accepts must complete with a value no wider than the access;
 * those it refuses (a PL011 register is 32 bits) come back as the injected
 * external abort; forms without an instruction syndrome (load/store pair,
 * writeback) are refused; misaligned accesses are Alignment faults the CPU
 * raises at EL1 (the MMU is off, so all data accesses are Device memory,
 * Arm ARM B2.5.2) without numbat. Then thousands of random accesses, and
 * the devices still answer as before. Layout of attack_s2.c.
 */
#include "attack.h"

#define TESTDEV      0x09100000ul
#define UART         0x09000000ul
#define GICD         0x08000000ul
#define GICR         0x080a0000ul
#define UART_FR      0x18
#define UART_CR      0x30

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t width_mask(unsigned w)
{
	return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
}

/* A completed load's register holds nothing beyond the access width. */
static void expect_narrow(struct probe p, uintptr_t a, unsigned w)
{
	EXPECT_OK(p, a);
	if (p.value & ~width_mask(w))
		printf("load of %u bytes at 0x%lx gave 0x%lx\n", w, (unsigned long)a,
		       (unsigned long)p.value);
	EXPECT_EQ(p.value & ~width_mask(w), 0);
}

TEST(attack_mmio, testdev_every_offset_width)
{
	for (uintptr_t off = 0; off < 0x60; off++)
		for (unsigned w = 1; w <= 8; w *= 2) {
			if (off % w)
				continue;
			expect_narrow(probe_load(TESTDEV + off, w), TESTDEV + off, w);
			if (off < TESTDEV_SCRATCH_SIZE && off + w <= TESTDEV_SCRATCH_SIZE) {
				uint64_t v = rand64(&rng) & width_mask(w);

				EXPECT_OK(probe_store(TESTDEV + off, w, v), TESTDEV + off);
				EXPECT_EQ(probe_load(TESTDEV + off, w).value, v);
			} else if (off != TESTDEV_IRQ) {
				EXPECT_OK(probe_store(TESTDEV + off, w, ~0ull), TESTDEV + off);
			}
		}
	EXPECT_EQ(readl(TESTDEV + TESTDEV_ID), TESTDEV_ID_VALUE);
}

/* PL011 registers: 8, 16 or 32 bits at the register's offset; not 64. */
TEST(attack_mmio, pl011_every_register_width)
{
	static const unsigned regs[] = {
		0x00, 0x04, 0x18, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x3c,
		0x40, 0x44, 0x48, 0x4c, 0x80, 0xfdc, 0xfe0, 0xfe4, 0xfe8, 0xfec,
		0xff0, 0xff4, 0xff8, 0xffc,
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uintptr_t a = UART + regs[i];

		for (unsigned w = 1; w <= 4; w *= 2)
			if (regs[i] != 0)   /* DR: a read pops the receive FIFO */
				expect_narrow(probe_load(a, w), a, w);
		if (regs[i] % 8 == 0) {
			EXPECT_SEA(probe_load(a, 8), a, false);
			EXPECT_SEA(probe_store(a, 8, 0), a, true);
		}
		/* Inside a register: the model refuses byte and halfword lanes. */
		EXPECT_SEA(probe_load(a + 1, 1), a + 1, false);
		EXPECT_SEA(probe_load(a + 2, 2), a + 2, false);
		EXPECT_SEA(probe_store(a + 3, 1, 0), a + 3, true);
	}
	/* The PrimeCell identification still reads as a PL011 (0x00341011). */
	EXPECT_EQ(readl(UART + 0xfe0), 0x11);
	EXPECT_EQ(readl(UART + 0xfe4), 0x10);
	EXPECT_EQ(readl(UART + 0xff0), 0x0d);
	EXPECT_EQ(readl(UART + 0xffc), 0xb1);
}

/* Every distributor offset at every width reads without an abort. */
static void gic_window_reads(uintptr_t base, uintptr_t len, uintptr_t step)
{
	unsigned bad = 0;

	for (uintptr_t off = 0; off < len; off += step)
		for (unsigned w = 1; w <= 8; w *= 2) {
			struct probe p = probe_load(base + off, w);

			if (p.x.taken || (p.value & ~width_mask(w))) {
				if (bad++ < 4)
					printf("0x%lx/%u: taken %d value 0x%lx\n",
					       (unsigned long)(base + off), w, p.x.taken,
					       (unsigned long)p.value);
			}
		}
	EXPECT_EQ(bad, 0);
}

TEST(attack_mmio, gic_every_register_width)
{
	if (gic_version() == 3) {
		gic_window_reads(GICD, 0x1000, 8);
		gic_window_reads(GICD + 0x6000, 0x400, 8);     /* IROUTER */
		gic_window_reads(GICD + 0xffc0, 0x40, 8);      /* ID registers */
		gic_window_reads(GICR, 0x100, 8);
		gic_window_reads(GICR + 0x10000, 0x1000, 8);   /* SGI frame */
		gic_window_reads(GICR + 0xffc0, 0x40, 8);
		EXPECT_EQ(readl(GICD + 0xffe8), 0x3b);
		EXPECT_EQ(readl(GICR + 0xffe8), 0x3b);
	} else {
		gic_window_reads(GICD, 0x1000, 8);
		EXPECT_EQ(readl(GICD + 0xfe8), 0x2b);
	}
}

/*
 * Misaligned accesses. With the MMU off every data access is to Device
 * memory, where a misaligned one is an Alignment fault at EL1 (Arm ARM
 * B2.5.2) that numbat never sees; QEMU 7.2 does not raise it and passes
 * the access to stage 2 instead. Either way the outcome must be one of:
 * that Alignment fault, numbat's injected external abort, or a completed
 * access whose value fits its width.
 */
TEST(attack_mmio, misaligned)
{
	static const uintptr_t bases[] = { TESTDEV, UART, GICD, GICR + 0x10000 };
	unsigned fault = 0, sea = 0, done = 0;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		for (unsigned w = 2; w <= 8; w *= 2)
			for (unsigned off = 1; off < w; off++) {
				struct probe p = probe_load(bases[i] + 0x400 * (i == 0 ? 0 : 1) + off, w);
				struct probe q = probe_store(bases[i] + 0x10 + off, w, 0);

				for (unsigned k = 0; k < 2; k++) {
					struct probe r = k ? q : p;

					if (!r.x.taken) {
						done++;
						if (!k)
							EXPECT_EQ(r.value & ~width_mask(w), 0);
						continue;
					}
					EXPECT_EQ(ESR_EC(r.x.esr), ESR_EC_DABT_CUR);
					if (ESR_DFSC(r.x.esr) == DFSC_ALIGNMENT)
						fault++;
					else if (ESR_DFSC(r.x.esr) == DFSC_SEA)
						sea++;
					else
						EXPECT_EQ(ESR_DFSC(r.x.esr), DFSC_SEA);
				}
			}
	printf("misaligned: %u alignment faults, %u refused, %u done\n", fault, sea, done);
	EXPECT_EQ(fault + sea + done, 4 * 2 * (1 + 3 + 7));
}

/* Load/store pair and writeback forms: no syndrome, refused. */
TEST(attack_mmio, no_syndrome_forms_refused)
{
	static const uintptr_t bases[] = { TESTDEV, UART, GICD, GICR };

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		uint64_t pc = 0, base = bases[i], v = 0;
		struct exc_info x;

		EXPECT_SEA(probe_ldp(bases[i]), bases[i], false);
		x = CATCH_EXCEPTION(__asm__ volatile(
			"adr %0, 1f\n1:\tstp xzr, xzr, [%1]" : "=&r"(pc) : "r"(bases[i])
			: "memory"));
		EXPECT_TRUE(x.taken);
		EXPECT_EQ(x.far, bases[i]);
		EXPECT_EQ(x.elr, pc);
		x = CATCH_EXCEPTION(__asm__ volatile(
			"adr %1, 1f\n1:\tldr %w0, [%2, #4]!" : "=&r"(v), "=&r"(pc), "+r"(base)
			: : "memory"));
		EXPECT_TRUE(x.taken);
		EXPECT_EQ(ESR_DFSC(x.esr), DFSC_SEA);
		EXPECT_EQ(base, bases[i]);   /* the writeback did not happen */
	}
}

/* Acquire/release forms have a syndrome and work like plain accesses. */
TEST(attack_mmio, acquire_release)
{
	uint64_t v = 0;

	__asm__ volatile("stlr %1, [%0]" : : "r"(TESTDEV + 8), "r"(0x1234ull) : "memory");
	__asm__ volatile("ldar %0, [%1]" : "=r"(v) : "r"(TESTDEV + 8) : "memory");
	EXPECT_EQ(v, 0x1234);
	__asm__ volatile("ldarb %w0, [%1]" : "=r"(v) : "r"(UART + 0xfe0) : "memory");
	EXPECT_EQ(v, 0x11);
}

/* Random offsets, widths and values everywhere; writes too. */
TEST(attack_mmio, random_storm)
{
	static const struct { uintptr_t base, len; } win[] = {
		{ TESTDEV, 0x1000 }, { UART + 4, 0xffc }, { GICD, 0x10000 },
		{ GICR, 0x20000 },
	};
	unsigned refused = 0, done = 0;
	unsigned n = gic_version() == 3 ? 4 : 3;

	for (unsigned i = 0; i < 6000; i++) {
		uint64_t r = rand64(&rng);
		unsigned k = (unsigned)(r % n), w = 1u << ((r >> 8) % 4);
		uintptr_t a = (win[k].base + ((r >> 16) % win[k].len)) & ~(uintptr_t)(w - 1);
		struct probe p;

		if (k == 1 && ((a & 0xfff) == UART_CR || (a & 0xfff) < 4))
			continue;   /* keep the UART enabled; DR pops input */
		if ((r >> 40) & 1)
			p = probe_store(a, w, rand64(&rng));
		else
			p = probe_load(a, w);
		if (p.x.taken) {
			refused++;
			EXPECT_EQ(ESR_DFSC(p.x.esr), DFSC_SEA);
		} else if (!((r >> 40) & 1)) {
			EXPECT_EQ(p.value & ~width_mask(w), 0);
		}
		done++;
	}
	printf("random_storm: %u accesses, %u refused\n", done, refused);
	EXPECT_GT(done, 5000);
	/* The devices still answer. */
	EXPECT_EQ(readl(TESTDEV + TESTDEV_ID), TESTDEV_ID_VALUE);
	EXPECT_EQ(readl(UART + 0xfe0), 0x11);
	EXPECT_EQ(readl(GICD + (gic_version() == 3 ? 0xffe8 : 0xfe8)),
		  gic_version() == 3 ? 0x3b : 0x2b);
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}
