/*
 * vIRQ test, a VM with no virq link (tests/qemu/virq): it can raise
 * nothing, and the SPIs the links raise in ping and pong never fire here
 * although it enables the same INTIDs for the whole run of the others.
 */
#include "numbat.h"

#define WATCH_MS     1500

static volatile unsigned stray;

static void handler(void)
{
	unsigned id = gic_ack();

	if (id < 1020) {
		stray++;
		gic_eoi(id);
	}
}

TEST(virq, no_link_no_raise)
{
	EXPECT_EQ(numbat_virq_raise(0), SMCCC_INVALID_PARAMETER);
	EXPECT_EQ(numbat_virq_raise(1), SMCCC_INVALID_PARAMETER);
}

TEST(virq, others_links_do_not_reach_here)
{
	irq_handler = handler;
	gic_init();
	virq_listen(5, 0x80);
	virq_listen(6, 0x80);
	irq_unmask();
	delay_ms(WATCH_MS);
	irq_mask();
	EXPECT_EQ(stray, 0);
}

int main(void)
{
	return test_run_all();
}
