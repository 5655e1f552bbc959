/*
 * The virtual GIC from a native guest: the EL1 virtual timer's interrupt,
 * SGIs to itself and to its other vCPU, priority order, more pending
 * interrupts than there are list registers, and a level-triggered SPI
 * from the test device (taken back when lowered early, delivered again
 * when still high after EOI), the vtimer as a level-sensitive line, and
 * GICv2 SPI target masks; the guest's FP/SIMD registers left intact
 * by numbat's general list-register flush. Works on GICv3 and GICv2 systems.
 */
#include "numbat.h"

#define DEV       0x09100000ul
#define DEV_IRQ   40          /* the description gives the device SPI 8 */
#define GICD      0x08000000ul
#define GICD_ITARGETSR 0x800
#define MAX_ID    64

static volatile unsigned seen[2][MAX_ID];
static volatile unsigned order[64], norder;
static volatile bool keep_level_once;

static void handler(void)
{
	unsigned cpu = this_vcpu() & 1;

	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == 27)
			sysreg_write(cntv_ctl_el0, 3);          /* ENABLE | IMASK */
		if (id == 30)
			sysreg_write(cntp_ctl_el0, 3);          /* emulated by numbat */
		if (id == DEV_IRQ) {
			if (keep_level_once)
				keep_level_once = false;       /* leave it high once */
			else
				writel(DEV + TESTDEV_IRQ, 0);
		}
		if (id < MAX_ID)
			seen[cpu][id]++;
		/* Not the vtimer: wait_for() arms it as a wake-up, and under a
		 * loaded host it can expire before what a test waits for. */
		if (norder < 64 && id != 27)
			order[norder++] = id;
		gic_eoi(id);
	}
}

static void reset_counts(void)
{
	for (unsigned i = 0; i < MAX_ID; i++)
		seen[0][i] = seen[1][i] = 0;
	norder = 0;
}

/*
 * Waits (WFI) until `*flag` reaches `want`, up to 100 ms, taking IRQs in
 * between. The timer is armed and WFI entered with IRQs masked (a pending
 * interrupt still ends WFI): armed while unmasked, it could fire and be
 * masked by the handler before the WFI, which would then never end.
 */
static bool wait_for(const volatile unsigned *flag, unsigned want)
{
	uint64_t end = counter_read() + counter_ms(100);

	while (*flag < want && counter_read() < end) {
		irq_mask();
		vtimer_arm_ms(1);       /* a wake-up even if nothing else comes */
		if (*flag < want)
			__asm__ volatile("wfi");
		irq_unmask();           /* take whatever is pending */
	}
	irq_mask();
	sysreg_write(cntv_ctl_el0, 0);
	return *flag >= want;
}

/* WFI until `*flag` reaches `want`: checked and entered with IRQs masked. */
static void wfi_until(const volatile unsigned *flag, unsigned want)
{
	while (*flag < want) {
		irq_mask();
		if (*flag < want)
			__asm__ volatile("wfi");
		irq_unmask();
	}
	irq_mask();
}

TEST(gic, setup)
{
	irq_handler = handler;
	gic_init();
	printf("vgic: GICv%u\n", gic_version());
	EXPECT_GE(gic_version(), 2);
	EXPECT_EQ(gic_ack(), 1023);                     /* nothing pending */
}

TEST(gic, vtimer_interrupt)
{
	reset_counts();
	gic_enable(27, 0xa0);
	sysreg_write(cntv_cval_el0, counter_read() + counter_ms(2));
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	wfi_until(&seen[0][27], 1);
	EXPECT_EQ(seen[0][27], 1);
	sysreg_write(cntv_ctl_el0, 0);
	/* Again: the physical interrupt was handed back on the guest's EOI. */
	sysreg_write(cntv_cval_el0, counter_read() + counter_ms(1));
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	wfi_until(&seen[0][27], 2);
	EXPECT_EQ(seen[0][27], 2);
	sysreg_write(cntv_ctl_el0, 0);
}

/* The EL1 physical timer: trapped and emulated by numbat, PPI 30. */
TEST(gic, physical_timer_interrupt)
{
	uint64_t now, ctl;

	reset_counts();
	gic_enable(30, 0xa0);
	now = sysreg_read(cntpct_el0);
	sysreg_write(cntp_cval_el0, now + counter_ms(2));
	EXPECT_EQ(sysreg_read(cntp_cval_el0), now + counter_ms(2));
	sysreg_write(cntp_ctl_el0, 1);
	ctl = sysreg_read(cntp_ctl_el0);
	EXPECT_EQ(ctl & 3, 1);                          /* enabled, not expired */
	EXPECT_LE((int32_t)sysreg_read(cntp_tval_el0), (int64_t)counter_ms(2));
	EXPECT_TRUE(wait_for(&seen[0][30], 1));
	EXPECT_EQ(seen[0][30], 1);
	ctl = sysreg_read(cntp_ctl_el0);
	EXPECT_EQ(ctl & 4, 4);                          /* ISTATUS: it expired */
	/* TVAL counts down from the value written. */
	sysreg_write(cntp_tval_el0, counter_ms(1));
	sysreg_write(cntp_ctl_el0, 1);
	EXPECT_TRUE(wait_for(&seen[0][30], 2));
	EXPECT_EQ(seen[0][30], 2);
	sysreg_write(cntp_ctl_el0, 0);
}

TEST(gic, sgi_to_self)
{
	reset_counts();
	gic_enable(3, 0x80);
	gic_send_sgi(this_vcpu(), 3);
	EXPECT_TRUE(wait_for(&seen[0][3], 1));
	EXPECT_EQ(seen[0][3], 1);
}

TEST(gic, priority_order)
{
	reset_counts();
	gic_enable(5, 0x80);
	gic_enable(6, 0x40);
	gic_send_sgi(this_vcpu(), 5);
	gic_send_sgi(this_vcpu(), 6);
	EXPECT_TRUE(wait_for(&seen[0][5], 1));
	EXPECT_EQ(norder, 2);
	EXPECT_EQ(order[0], 6);                         /* more urgent first */
	EXPECT_EQ(order[1], 5);
}

/* 16 SGIs pending at once: more than the list registers (4 on QEMU). */
TEST(gic, more_pending_than_list_registers)
{
	reset_counts();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, (uint8_t)(0x10 * (15 - i)));  /* SGI 15 most urgent */
	for (unsigned i = 0; i < 16; i++)
		gic_send_sgi(this_vcpu(), i);
	EXPECT_TRUE(wait_for(&norder, 16));
	EXPECT_EQ(norder, 16);
	for (unsigned i = 0; i < 16; i++) {
		EXPECT_EQ(seen[0][i], 1);
		EXPECT_EQ(order[i], 15 - i);
	}
}

/* V0-V31 as 32 16-byte values: written to the registers, read back. */
static void fpsimd_load(const uint8_t *in)
{
	__asm__ volatile(".arch_extension fp\n.arch_extension simd\n"
			 "ldp q0, q1, [%0, #0]\n ldp q2, q3, [%0, #32]\n"
			 "ldp q4, q5, [%0, #64]\n ldp q6, q7, [%0, #96]\n"
			 "ldp q8, q9, [%0, #128]\n ldp q10, q11, [%0, #160]\n"
			 "ldp q12, q13, [%0, #192]\n ldp q14, q15, [%0, #224]\n"
			 "ldp q16, q17, [%0, #256]\n ldp q18, q19, [%0, #288]\n"
			 "ldp q20, q21, [%0, #320]\n ldp q22, q23, [%0, #352]\n"
			 "ldp q24, q25, [%0, #384]\n ldp q26, q27, [%0, #416]\n"
			 "ldp q28, q29, [%0, #448]\n ldp q30, q31, [%0, #480]\n"
			 :: "r"(in) : "memory");
}

static void fpsimd_store(uint8_t *out)
{
	__asm__ volatile(".arch_extension fp\n.arch_extension simd\n"
			 "stp q0, q1, [%0, #0]\n stp q2, q3, [%0, #32]\n"
			 "stp q4, q5, [%0, #64]\n stp q6, q7, [%0, #96]\n"
			 "stp q8, q9, [%0, #128]\n stp q10, q11, [%0, #160]\n"
			 "stp q12, q13, [%0, #192]\n stp q14, q15, [%0, #224]\n"
			 "stp q16, q17, [%0, #256]\n stp q18, q19, [%0, #288]\n"
			 "stp q20, q21, [%0, #320]\n stp q22, q23, [%0, #352]\n"
			 "stp q24, q25, [%0, #384]\n stp q26, q27, [%0, #416]\n"
			 "stp q28, q29, [%0, #448]\n stp q30, q31, [%0, #480]\n"
			 :: "r"(out) : "memory");
}

/*
 * The guest's FP/SIMD registers stay live in the CPU while numbat handles
 * its traps, so numbat must not touch them: with 16 SGIs sent while IRQs
 * are masked, the list registers fill and numbat's general flush runs on
 * the traps that follow (it once counted free entries with libgcc's SIMD
 * popcount, overwriting V0). This guest's C uses no FP register, so V0-V31
 * hold the pattern across the sends unless numbat changes them.
 */
TEST(gic, fpsimd_survives_general_flush)
{
	static uint8_t want[512] __attribute__((aligned(16))), got[512] __attribute__((aligned(16)));
	unsigned bad = 0;

	reset_counts();
	sysreg_write(cpacr_el1, 3u << 20);             /* FPEN: no FP traps at EL0/EL1 */
	isb();
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(0xa5 ^ (i * 7));
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, (uint8_t)(0x10 * (15 - i)));
	irq_mask();
	fpsimd_load(want);
	for (unsigned round = 0; round < 4; round++)
		for (unsigned i = 0; i < 16; i++)
			gic_send_sgi(this_vcpu(), i);
	fpsimd_store(got);
	for (unsigned i = 0; i < sizeof(want); i++)
		bad += got[i] != want[i];
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(wait_for(&norder, 16));
}

/*
 * The same for the general registers a trap may keep live instead of
 * saving (x19-x29 stay in the CPU on numbat's fast path) and the
 * caller-saved ones it restores: each holds a pattern across 64 trapped
 * SGI writes (GICv3: ICC_SGI1R_EL1) that take the general flush.
 */
TEST(gic, general_registers_survive_sgi_traps)
{
	// cppcheck-suppress constVariable ; written by the asm below
	static uint64_t got[26];
	uint64_t sgi = (1ul << this_vcpu()), bad = 0;

	if (gic_version() != 3)
		return;                                 /* v2: SGIs are MMIO */
	reset_counts();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, (uint8_t)(0x10 * (15 - i)));
	irq_mask();
	__asm__ volatile(
		"mov x2, #0x1102\n mov x3, #0x1103\n mov x4, #0x1104\n mov x5, #0x1105\n"
		"mov x6, #0x1106\n mov x7, #0x1107\n mov x8, #0x1108\n mov x9, #0x1109\n"
		"mov x10, #0x1110\n mov x11, #0x1111\n mov x12, #0x1112\n mov x13, #0x1113\n"
		"mov x14, #0x1114\n mov x15, #0x1115\n mov x16, #0x1116\n mov x17, #0x1117\n"
		"mov x19, #0x1119\n mov x20, #0x1120\n mov x21, #0x1121\n mov x22, #0x1122\n"
		"mov x23, #0x1123\n mov x24, #0x1124\n mov x25, #0x1125\n mov x26, #0x1126\n"
		"mov x27, #0x1127\n mov x28, #0x1128\n"
		"mov x30, #64\n"
		"1: msr s3_0_c12_c11_5, %[sgi]\n isb\n"
		"add %[sgi], %[sgi], #0x800, lsl #12\n add %[sgi], %[sgi], #0x800, lsl #12\n and %[sgi], %[sgi], #0xfffffff\n"
		"subs x30, x30, #1\n b.ne 1b\n"
		"stp x2, x3, [%[out], #0]\n stp x4, x5, [%[out], #16]\n"
		"stp x6, x7, [%[out], #32]\n stp x8, x9, [%[out], #48]\n"
		"stp x10, x11, [%[out], #64]\n stp x12, x13, [%[out], #80]\n"
		"stp x14, x15, [%[out], #96]\n stp x16, x17, [%[out], #112]\n"
		"stp x19, x20, [%[out], #128]\n stp x21, x22, [%[out], #144]\n"
		"stp x23, x24, [%[out], #160]\n stp x25, x26, [%[out], #176]\n"
		"stp x27, x28, [%[out], #192]\n"
		: [sgi] "+r"(sgi)
		: [out] "r"(got)
		: "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
		  "x14", "x15", "x16", "x17", "x19", "x20", "x21", "x22", "x23", "x24", "x25",
		  "x26", "x27", "x28", "x30", "memory", "cc");
	for (unsigned i = 0; i < 26; i++) {
		unsigned r = i < 16 ? i + 2 : i + 3;

		bad += got[i] != 0x1100u + (r / 10) * 16 + r % 10;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_TRUE(wait_for(&norder, 16));
}

TEST(gic, level_spi)
{
	reset_counts();
	gic_enable(DEV_IRQ, 0x80);
	writel(DEV + TESTDEV_IRQ, 1);
	EXPECT_TRUE(wait_for(&seen[0][DEV_IRQ], 1));
	EXPECT_EQ(seen[0][DEV_IRQ], 1);
	/* Raised and lowered while masked: never delivered. */
	writel(DEV + TESTDEV_IRQ, 1);
	writel(DEV + TESTDEV_IRQ, 0);
	wait_for(&seen[0][DEV_IRQ], 2);
	EXPECT_EQ(seen[0][DEV_IRQ], 1);
	/* Still high after the EOI: delivered again. */
	keep_level_once = true;
	writel(DEV + TESTDEV_IRQ, 1);
	EXPECT_TRUE(wait_for(&seen[0][DEV_IRQ], 3));
	EXPECT_EQ(seen[0][DEV_IRQ], 3);
}

static volatile unsigned secondary_ready;

static void secondary(void *arg)
{
	(void)arg;
	gic_init_cpu();
	gic_enable(7, 0x80);
	secondary_ready = 1;
	wait_for(&seen[1][7], 1);
}

TEST(gic, sgi_to_other_vcpu)
{
	reset_counts();
	ASSERT_EQ(cpu_on(1, secondary, NULL), PSCI_SUCCESS);
	while (!secondary_ready)
		numbat_yield();
	gic_send_sgi(1, 7);
	for (unsigned i = 0; i < 100000 && !seen[1][7]; i++)
		numbat_yield();
	EXPECT_EQ(seen[1][7], 1);
	EXPECT_EQ(seen[0][7], 0);
}

/* Spins for `ms` milliseconds with IRQs unmasked: whatever comes is taken. */
static void spin_ms(unsigned ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	irq_unmask();
	while (counter_read() < end)
		;
	irq_mask();
}

/*
 * Fires the vtimer with its interrupt disabled at the GIC, then drops the
 * timer's output with `ctl` (0: disabled, 3: IMASK). A level-sensitive
 * line that dropped is no longer pending (IHI 0069 4.1.1 / IHI 0048B
 * 1.4.2; Arm ARM D11.2.4: the timer's output is ENABLE && ISTATUS &&
 * !IMASK): not reported by ISPENDR, not delivered when enabled.
 */
static void vtimer_dropped_while_disabled(uint64_t ctl)
{
	reset_counts();
	gic_disable(27);
	sysreg_write(cntv_cval_el0, counter_read());
	sysreg_write(cntv_ctl_el0, 1);                  /* expired: output high */
	isb();
	spin_ms(2);                                     /* numbat takes the PPI */
	EXPECT_EQ(sysreg_read(cntv_ctl_el0) & 4, 4);
	EXPECT_TRUE(gic_pending(27));
	sysreg_write(cntv_ctl_el0, ctl);                /* output low */
	isb();
	EXPECT_FALSE(gic_pending(27));
	gic_enable(27, 0xa0);
	spin_ms(2);
	EXPECT_EQ(seen[0][27], 0);
	EXPECT_FALSE(gic_pending(27));
	sysreg_write(cntv_ctl_el0, 0);
}

TEST(gic, vtimer_disabled_then_enabled_is_not_delivered)
{
	vtimer_dropped_while_disabled(0);
}

TEST(gic, vtimer_masked_then_enabled_is_not_delivered)
{
	vtimer_dropped_while_disabled(3);
}

/* After those, the vtimer still fires (its PPI was not left active). */
TEST(gic, vtimer_fires_after_withdrawal)
{
	reset_counts();
	gic_enable(27, 0xa0);
	sysreg_write(cntv_cval_el0, counter_read() + counter_ms(1));
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	wfi_until(&seen[0][27], 1);
	EXPECT_EQ(seen[0][27], 1);
	sysreg_write(cntv_ctl_el0, 0);
}

/* ---- GICv2 GICD_ITARGETSR: CPU masks (IHI 0048B 4.3.12) ---- */

static volatile unsigned stop_secondary;

static void secondary_spi(void *arg)
{
	(void)arg;
	gic_init_cpu();
	secondary_ready = 2;
	while (!stop_secondary)
		wait_for(&stop_secondary, 1);
}

/* Gives both vCPUs 5 ms to take what is pending. */
static void wait_both(void)
{
	uint64_t end = counter_read() + counter_ms(5);

	while (counter_read() < end) {
		spin_ms(1);
		numbat_yield();                         /* vCPU 1 may share the pCPU */
	}
}

TEST(gic, v2_itargetsr_masks)
{
	uintptr_t spi = GICD + GICD_ITARGETSR + 44;     /* SPIs 44-47 */

	if (gic_version() != 2)
		return;                                 /* GICD_IROUTER on v3 */
	/* Two vCPUs: bits of CPUs 2-7 are dropped, the rest read back. */
	writel(spi, 0x0103020f);
	EXPECT_EQ(readl(spi), 0x01030203);
	writeb(spi + 1, 0x1f);
	EXPECT_EQ(readb(spi + 1), 0x03);
	EXPECT_EQ(readl(spi), 0x01030303);
	writel(spi, 0);
	EXPECT_EQ(readl(spi), 0);
}

TEST(gic, v2_itargetsr_delivery)
{
	uintptr_t tgt = GICD + GICD_ITARGETSR + DEV_IRQ;

	if (gic_version() != 2)
		return;
	reset_counts();
	secondary_ready = 0;
	ASSERT_EQ(cpu_on(1, secondary_spi, NULL), PSCI_SUCCESS);
	while (secondary_ready != 2)
		numbat_yield();
	writel(GICD + 0x400 + DEV_IRQ, 0x80);          /* IPRIORITYR */
	writel(GICD + 0x100 + (DEV_IRQ / 32) * 4, 1u << (DEV_IRQ % 32));
	/* An empty mask: pending, forwarded to no CPU. */
	writeb(tgt, 0);
	writel(DEV + TESTDEV_IRQ, 1);                   /* the line goes high */
	wait_both();
	EXPECT_EQ(seen[0][DEV_IRQ] + seen[1][DEV_IRQ], 0);
	EXPECT_TRUE(gic_pending(DEV_IRQ));
	/* Naming vCPU 1 delivers it there (its handler lowers the line). */
	writeb(tgt, 0x02);
	wait_both();
	EXPECT_EQ(seen[1][DEV_IRQ], 1);
	EXPECT_EQ(seen[0][DEV_IRQ], 0);
	/* Both listed: taken once, by one of them. */
	writeb(tgt, 0x03);
	EXPECT_EQ(readb(tgt), 0x03);
	writel(DEV + TESTDEV_IRQ, 1);
	wait_both();
	EXPECT_EQ(seen[0][DEV_IRQ] + seen[1][DEV_IRQ], 2);
	writel(DEV + TESTDEV_IRQ, 0);
	writeb(tgt, 0x01);
	stop_secondary = 1;
}
