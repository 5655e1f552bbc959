/*
 * Test guest for the virtual SP805 watchdog at 0x09110000 (SPI 40, INTID
 * 72), as the ARM SP805 TRM (DDI 0270B) describes it: PrimeCell IDs,
 * reset values, the lock, the count down, the interrupt on the first zero
 * and its clear, a stopped counter holding its value. Then it keeps the
 * watchdog petted for a while, and finally stops petting and hangs with
 * its interrupts masked: numbat must reset it (its restart policy).
 */
#include "numbat.h"

#define WDT         0x09110000ul
#define WDT_LOAD    (WDT + 0x000)
#define WDT_VALUE   (WDT + 0x004)
#define WDT_CONTROL (WDT + 0x008)
#define WDT_INTCLR  (WDT + 0x00c)
#define WDT_RIS     (WDT + 0x010)
#define WDT_MIS     (WDT + 0x014)
#define WDT_LOCK    (WDT + 0xc00)
#define WDT_ITCR    (WDT + 0xf00)
#define INTEN       1u
#define RESEN       2u
#define UNLOCK      0x1acce551u
#define HZ          24000000u     /* the clock numbat gives it */
#define WDT_INTID   72u
#define GICD_ISPENDR(n) (0x08000000ul + 0x200 + 4 * (n))

static bool line_pending(void)
{
	return (readl(GICD_ISPENDR(WDT_INTID / 32)) >> (WDT_INTID % 32)) & 1;
}

TEST(sp805, primecell_ids)
{
	static const uint32_t ids[8] = { 0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	for (unsigned i = 0; i < 8; i++)
		EXPECT_EQ(readl(WDT + 0xfe0 + 4 * i), ids[i]);
}

TEST(sp805, reset_values)
{
	EXPECT_EQ(readl(WDT_LOAD), 0xffffffffu);
	EXPECT_EQ(readl(WDT_VALUE), 0xffffffffu);
	EXPECT_EQ(readl(WDT_CONTROL), 0);
	EXPECT_EQ(readl(WDT_RIS), 0);
	EXPECT_EQ(readl(WDT_LOCK), 0);
	EXPECT_EQ(readl(WDT_ITCR), 0);
}

TEST(sp805, lock_ignores_writes)
{
	writel(WDT_LOCK, 1);
	EXPECT_EQ(readl(WDT_LOCK), 1);
	writel(WDT_LOAD, 1234);
	writel(WDT_CONTROL, INTEN);
	EXPECT_EQ(readl(WDT_LOAD), 0xffffffffu);
	EXPECT_EQ(readl(WDT_CONTROL), 0);
	writel(WDT_LOCK, UNLOCK);
	EXPECT_EQ(readl(WDT_LOCK), 0);
	writel(WDT_LOAD, 1234);
	EXPECT_EQ(readl(WDT_LOAD), 1234);
}

TEST(sp805, counts_down_then_interrupts)
{
	uint32_t v0, v1;

	writel(WDT_LOAD, HZ / 10 - 1);     /* 100 ms to zero */
	writel(WDT_CONTROL, INTEN);
	v0 = readl(WDT_VALUE);
	delay_ms(20);
	v1 = readl(WDT_VALUE);
	EXPECT_LE(v0, HZ / 10 - 1);
	EXPECT_LT(v1, v0);
	EXPECT_GE(v0 - v1, HZ / 50);       /* at least the 20 ms that passed */
	EXPECT_EQ(readl(WDT_RIS), 0);
	EXPECT_FALSE(line_pending());
	delay_ms(100);
	EXPECT_EQ(readl(WDT_RIS), 1);      /* the first zero: interrupt ... */
	EXPECT_EQ(readl(WDT_MIS), 1);
	EXPECT_TRUE(line_pending());       /* ... on its SPI */
	EXPECT_GT(readl(WDT_VALUE), 0);    /* ... and the count goes on */
	writel(WDT_INTCLR, 0);
	EXPECT_EQ(readl(WDT_RIS), 0);
	EXPECT_FALSE(line_pending());
	EXPECT_GE(readl(WDT_VALUE), HZ / 20); /* reloaded by the clear */
}

TEST(sp805, stopped_counter_holds)
{
	uint32_t v;

	writel(WDT_CONTROL, 0);
	v = readl(WDT_VALUE);
	delay_ms(20);
	EXPECT_EQ(readl(WDT_VALUE), v);
	EXPECT_EQ(readl(WDT_MIS), 0);
}

int main(void)
{
	uint64_t until;

	test_run_all();
	/* Linux's sp805_wdt: unlock, load, clear, enable with reset, lock. */
	writel(WDT_LOCK, UNLOCK);
	writel(WDT_LOAD, HZ / 20 - 1);     /* 50 ms per zero: reset after 100 */
	writel(WDT_INTCLR, 0);
	writel(WDT_CONTROL, INTEN | RESEN);
	writel(WDT_LOCK, 0);
	until = counter_read() + counter_ms(400);
	while (counter_read() < until) {
		writel(WDT_LOCK, UNLOCK);
		writel(WDT_INTCLR, 0);       /* pet */
		writel(WDT_LOCK, 0);
		delay_ms(10);
	}
	printf("sp805: petted for 400 ms, still alive; now hanging\n");
	irq_mask();
	for (;;)
		__asm__ volatile("" ::: "memory");
}
