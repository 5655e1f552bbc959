/*
 * A pending SPI must not be stranded in the list register of a vCPU that
 * goes off (what Linux CPU hot-unplug does): the test device's level SPI
 * is routed to vCPU 1, which keeps IRQs masked, so the interrupt waits in
 * its list register (ISR_EL1.I shows it). Then the SPI is retargeted to
 * vCPU 0 (GICD_IROUTER, or ITARGETSR on GICv2), by vCPU 1 itself (as Linux migrates interrupts
 * off a dying CPU) or by vCPU 0, and vCPU 1 calls CPU_OFF; or vCPU 1 goes
 * off first and the SPI is moved after. vCPU 0, IRQs unmasked, must take
 * it exactly once.
 */
#include "numbat.h"

#define DEV          0x09100000ul
#define DEV_IRQ      40           /* the description gives the device SPI 8 */
#define GICD         0x08000000ul
#define GICD_IROUTER 0x6000
#define GICD_ITARGETSR 0x800

enum mode {
	BY_HOLDER,      /* the holder moves it, then goes off */
	BY_OTHER,       /* vCPU 0 moves it while the holder spins masked */
	AFTER_OFF,      /* the holder goes off with it; vCPU 0 moves it after */
};

static volatile unsigned taken[2], stage;
static volatile enum mode mode;

static void handler(void)
{
	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == DEV_IRQ) {
			writel(DEV + TESTDEV_IRQ, 0);   /* the handler lowers the line */
			taken[this_vcpu() & 1]++;
		}
		gic_eoi(id);
	}
}

/* GICD_IROUTER (v3: affinity 0.0.0.vcpu) or GICD_ITARGETSR (v2: a CPU bit). */
static void route(unsigned vcpu)
{
	if (gic_version() == 3)
		writeq(GICD + GICD_IROUTER + 8 * DEV_IRQ, vcpu);
	else
		writeb(GICD + GICD_ITARGETSR + DEV_IRQ, (uint8_t)(1u << vcpu));
}

static bool wait_stage(unsigned want, uint64_t ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	while (stage < want && counter_read() < end)
		;
	return stage >= want;
}

/* vCPU 1: IRQs stay masked; it holds the SPI, then goes off. */
static void holder(void *arg)
{
	uint64_t end = counter_read() + counter_ms(1000);

	(void)arg;
	gic_init_cpu();
	stage = 1;
	while (!(sysreg_read(isr_el1) & (1u << 7)) && counter_read() < end)
		;                              /* ISR_EL1.I: in our list register */
	if (!(sysreg_read(isr_el1) & (1u << 7)))
		return;                        /* stage stays 1: the test fails */
	if (mode == BY_HOLDER)
		route(0);
	stage = 2;
	if (mode == BY_OTHER)
		wait_stage(3, 1000);
	/* Returning turns this vCPU off (CPU_OFF) with IRQs still masked. */
}

static void run(enum mode m)
{
	uint64_t end;

	taken[0] = taken[1] = 0;
	stage = 0;
	mode = m;
	route(1);
	ASSERT_EQ(cpu_on(1, holder, NULL), PSCI_SUCCESS);
	ASSERT_TRUE(wait_stage(1, 1000));
	writel(DEV + TESTDEV_IRQ, 1);          /* line high, routed to vCPU 1 */
	ASSERT_TRUE(wait_stage(2, 1000));
	if (m == BY_OTHER) {
		route(0);
		stage = 3;
	}
	end = counter_read() + counter_ms(1000);
	while (psci_affinity_info(1, 0) != PSCI_AFF_OFF && counter_read() < end)
		;
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
	if (m == AFTER_OFF)
		route(0);
	end = counter_read() + counter_ms(500);
	irq_unmask();
	while (!taken[0] && counter_read() < end)
		;
	irq_mask();
	EXPECT_EQ(taken[0], 1);
	EXPECT_EQ(taken[1], 0);
	writel(DEV + TESTDEV_IRQ, 0);
}

TEST(gic, setup)
{
	irq_handler = handler;
	gic_init();
	gic_enable(DEV_IRQ, 0x80);
}

/* Linux's hot-unplug order: the dying vCPU moves the SPI, then CPU_OFF. */
TEST(spi, retargeted_by_holder_then_cpu_off)
{
	run(BY_HOLDER);
}

/* Another vCPU moves it while the holder spins masked, then CPU_OFF. */
TEST(spi, retargeted_by_other_then_cpu_off)
{
	run(BY_OTHER);
}

/* The holder goes off still its target; moved afterwards, it is taken. */
TEST(spi, cpu_off_then_retargeted)
{
	run(AFTER_OFF);
}

int main(void)
{
	return test_run_all();
}
