/*
 * PSCI CPU_ON is a PE reset (Arm DEN 0022D 5.6; IHI 0069 12.1.4): the
 * vCPU it starts must not inherit what its previous run left in its timers
 * or in its GIC CPU interface and SGIs/PPIs. vCPU 1 runs once and leaves
 * everything it can dirty, powers off, is started again and reports what
 * it finds; vCPU 0 checks. GICv3 (system-register CPU interface).
 */
#include "numbat.h"

#define GICR_SGI_BASE   (0x080a0000ul + 0x20000ul + 0x10000ul)  /* vCPU 1 */
#define GICR_ISENABLER0 0x100
#define GICR_ISPENDR0   0x200
#define GICR_ISACTIVER0 0x300
#define GICR_IPRIORITYR 0x400
#define SGI_ACTIVE      3
#define SGI_PENDING     4
#define PPI_PTIMER      30
#define WAIT_MS         2000

struct seen {
	uint64_t cntp_ctl, cntp_cval, enabled, pending, active, prio, pmr, ap1r0, rpr;
	uint64_t done;
};

static volatile struct seen seen;

static void dirty(void *arg)
{
	(void)arg;
	gic_init_cpu();
	gic_enable(SGI_ACTIVE, 0x40);
	gic_enable(SGI_PENDING, 0x50);
	gic_enable(PPI_PTIMER, 0x60);
	/* The emulated physical timer, armed far away. */
	sysreg_write(cntp_cval_el0, counter_read() + counter_ms(100000));
	sysreg_write(cntp_ctl_el0, 1);
	/* SGI 3 taken and never finished (active, an active priority). */
	gic_send_sgi(1, SGI_ACTIVE);
	for (uint64_t end = counter_read() + counter_ms(100);
	     gic_ack() != SGI_ACTIVE && counter_read() < end;)
		;
	sysreg_write(s3_0_c4_c6_0, 0x48);   /* ICC_PMR_EL1: SGI 4 stays pending */
	isb();
	gic_send_sgi(1, SGI_PENDING);
	seen.done = 1;
}

static void report(void *arg)
{
	uintptr_t sgi = GICR_SGI_BASE;

	(void)arg;
	seen.cntp_ctl = sysreg_read(cntp_ctl_el0);
	seen.cntp_cval = sysreg_read(cntp_cval_el0);
	seen.enabled = readl(sgi + GICR_ISENABLER0);
	seen.pending = readl(sgi + GICR_ISPENDR0);
	seen.active = readl(sgi + GICR_ISACTIVER0);
	seen.prio = readl(sgi + GICR_IPRIORITYR + SGI_ACTIVE / 4 * 4);
	seen.pmr = sysreg_read(s3_0_c4_c6_0);
	seen.ap1r0 = sysreg_read(s3_0_c12_c9_0);
	seen.rpr = sysreg_read(s3_0_c12_c11_3);      /* ICC_RPR_EL1 */
	dsb_sy();
	seen.done = 2;
}

static bool wait_done(uint64_t want)
{
	uint64_t end = counter_read() + counter_ms(WAIT_MS);

	while (seen.done != want && counter_read() < end)
		numbat_yield();
	return seen.done == want;
}

static bool wait_off(void)
{
	uint64_t end = counter_read() + counter_ms(WAIT_MS);

	while (psci_affinity_info(1, 0) != PSCI_AFF_OFF && counter_read() < end)
		numbat_yield();
	return psci_affinity_info(1, 0) == PSCI_AFF_OFF;
}

TEST(psci, cpu_on_resets_timer_and_gic_cpu_state)
{
	gic_init();
	ASSERT_EQ(gic_version(), 3);
	ASSERT_EQ(cpu_on(1, dirty, NULL), PSCI_SUCCESS);
	ASSERT_TRUE(wait_done(1));
	ASSERT_TRUE(wait_off());
	ASSERT_EQ(cpu_on(1, report, NULL), PSCI_SUCCESS);
	ASSERT_TRUE(wait_done(2));
	ASSERT_TRUE(wait_off());
	EXPECT_EQ(seen.cntp_ctl & 1, 0);       /* timer disabled */
	EXPECT_EQ(seen.enabled, 0);            /* SGIs and PPIs disabled */
	EXPECT_EQ(seen.pending, 0);
	EXPECT_EQ(seen.active, 0);
	EXPECT_EQ(seen.prio, 0);
	EXPECT_EQ(seen.pmr, 0);                /* ICC_PMR_EL1 reset value */
	EXPECT_EQ(seen.ap1r0, 0);
	EXPECT_EQ(seen.rpr & 0xff, 0xff);      /* idle: nothing active */
}
