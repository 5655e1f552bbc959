/*
 * GICv2 SGI pending state by source CPU (IHI 0048B 4.3.14, 4.3.15):
 * GICD_SPENDSGIR sets and GICD_CPENDSGIR clears the pending state of an
 * SGI of the writing vCPU from the named source CPUs; the interrupt is
 * then acknowledged with that source in GICC_IAR bits 12:10. Runs on a
 * GICv2 machine, in a VM with two vCPUs (sources 0 and 1 exist).
 */
#include "numbat.h"

#define GICD            0x08000000ul
#define GICD_CPENDSGIR  0xf10
#define GICD_SPENDSGIR  0xf20
#define GICC            0x08010000ul
#define GICC_IAR        0x0c
#define GICC_EOIR       0x10
#define SGI             6

static volatile uint32_t iars[8];
static volatile unsigned niar;

static void on_irq(void)
{
	uint32_t iar = readl(GICC + GICC_IAR);

	if ((iar & 0x3ff) >= 1020)
		return;
	if (niar < 8)
		iars[niar++] = iar;
	writel(GICC + GICC_EOIR, iar);
}

/* Takes what is pending for up to `ms` milliseconds. */
static void take_irqs(unsigned ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	irq_unmask();
	while (counter_read() < end)
		numbat_yield();
	irq_mask();
}

/* The byte of GICD_{S,C}PENDSGIR<n> for SGI `sgi`: one bit per source. */
static uint8_t pend_byte(unsigned sgi)
{
	return readb(GICD + GICD_SPENDSGIR + sgi);
}

TEST(gicv2, spendsgir_sets_pending_by_source)
{
	irq_handler = on_irq;
	gic_init();
	ASSERT_EQ(gic_version(), 2);
	gic_enable(SGI, 0x80);
	niar = 0;
	writeb(GICD + GICD_SPENDSGIR + SGI, 0x2);            /* from vCPU 1 */
	EXPECT_EQ(pend_byte(SGI), 0x2);
	EXPECT_EQ(readb(GICD + GICD_CPENDSGIR + SGI), 0x2);  /* same state */
	writel(GICD + GICD_SPENDSGIR + (SGI & ~3u), 0x1u << (8 * (SGI & 3))); /* and vCPU 0 */
	EXPECT_EQ(pend_byte(SGI), 0x3);
	take_irqs(20);
	ASSERT_EQ(niar, 2);
	/* One acknowledge per source, each naming it. */
	EXPECT_EQ(iars[0] & 0x3ff, SGI);
	EXPECT_EQ(iars[1] & 0x3ff, SGI);
	EXPECT_EQ(((iars[0] >> 10) & 7) | ((iars[1] >> 10) & 7), 1);
	EXPECT_NE((iars[0] >> 10) & 7, (iars[1] >> 10) & 7);
	EXPECT_EQ(pend_byte(SGI), 0);
}

TEST(gicv2, cpendsgir_clears_one_source)
{
	niar = 0;
	writeb(GICD + GICD_SPENDSGIR + SGI, 0x3);
	EXPECT_EQ(pend_byte(SGI), 0x3);
	writeb(GICD + GICD_CPENDSGIR + SGI, 0x1);
	EXPECT_EQ(pend_byte(SGI), 0x2);
	take_irqs(20);
	ASSERT_EQ(niar, 1);
	EXPECT_EQ(iars[0], (1u << 10) | SGI);
	/* Bits for CPUs the VM does not have are ignored. */
	writeb(GICD + GICD_SPENDSGIR + SGI, 0xfc);
	EXPECT_EQ(pend_byte(SGI), 0);
}
