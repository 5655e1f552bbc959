/*
 * Attack: interrupting another VM's pCPU through a vCPU that is off.
 *
 * VM 0 ("atk") has two vCPUs; vCPU 1 is pinned to pCPU 1 and never
 * started. For ATTACK_MS vCPU 0 floods it: SGIs (ICC_SGI1R_EL1), GICD_CTLR
 * rewrites and ISPENDR of an SPI routed to vCPU 1. VM 1 ("vic") runs alone
 * on pCPU 1 and reads, through the test device, how many kicks (numbat's
 * SGIs 0 and 2) its pCPU received over a window inside the attack. An off
 * vCPU has nothing to see, so the count must stay at (about) zero
 * (kick_victim.c).
 */
#include "numbat.h"

#define GICD         0x08000000ul
#define GICD_CTLR    0x000
#define GICD_ISENABLER 0x100
#define GICD_ISPENDR 0x200
#define GICD_IROUTER 0x6000
#define SPI          40
#define ATTACK_MS    2500

static uint64_t start;

/* vCPU 0: the flood. */
TEST(attack, offline_vcpu_flood)
{
	uint64_t end = start + counter_ms(ATTACK_MS), n = 0;

	gic_init();
	writeq(GICD + GICD_IROUTER + 8 * SPI, 1);      /* to the off vCPU 1 */
	writel(GICD + GICD_ISENABLER + 4, 1u << (SPI - 32));
	while (counter_read() < end) {
		gic_send_sgi(1, 5);
		writel(GICD + GICD_CTLR, 0x10);            /* group 1 off */
		writel(GICD + GICD_CTLR, 0x12);            /* and on again */
		writel(GICD + GICD_ISPENDR + 4, 1u << (SPI - 32));
		n++;
	}
	printf("attack: %lu rounds\n", (unsigned long)n);
	EXPECT_GT(n, 1000);
}

int main(void)
{
	start = counter_read();
	return test_run_all();
}
