/*
 * Victim for the attack scenarios: a VM that shares its pCPU with a
 * hostile one (tests/qemu/attack-*) and checks that what the other VM did
 * cannot be seen from here.
 */
#include "numbat.h"

#define VTIMER_PPI  27
#define ROUNDS      10

static volatile unsigned vtimer_irqs;

static void on_irq(void)
{
	unsigned id = gic_ack();

	if (id == VTIMER_PPI) {
		vtimer_irqs++;
		sysreg_write(cntv_ctl_el0, 0);
	}
	if (id < 1020)
		gic_eoi(id);
}

/*
 * The other VM keeps setting a group-0 active priority (ICC_AP0R0_EL1)
 * and yields: every one of this VM's timer interrupts must still arrive,
 * each within 300 ms, while it yields the pCPU to the attacker.
 */
TEST(attack, ap0r_stale_priority)
{
	irq_handler = on_irq;
	gic_init();
	gic_enable(VTIMER_PPI, 0x80);
	irq_unmask();
	for (unsigned i = 0; i < ROUNDS; i++) {
		unsigned before = vtimer_irqs;
		uint64_t end = counter_read() + counter_ms(300);

		vtimer_arm_ms(2);
		while (vtimer_irqs == before && counter_read() < end)
			numbat_yield();
	}
	irq_mask();
	vtimer_disarm();
	EXPECT_EQ(vtimer_irqs, ROUNDS);
}
