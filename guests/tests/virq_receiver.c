/*
 * vIRQ receiver under a flood (tests/qemu/virq-flood, guests/tests/
 * virq_flood.c raises SPI FLOOD_SPI here in a tight loop). A boot is the
 * second if the flooder raises RESET_SEEN_SPI, which it does once this
 * VM's first boot told it (link 0) that it is about to reset. The first
 * boot counts the interrupts of a window, then masks IRQs for MASK_MS:
 * the SPI is pending (one state holds every raise meanwhile). Then it
 * resets itself with SYSTEM_RESET while the flood goes on. The second boot checks that
 * nothing is pending before it configures the SPI (it is level-sensitive
 * out of reset, so the raises meanwhile were dropped) and that the raises
 * reach it again once it listens. Then it raises link 0 again, which
 * stops the flooder.
 */
#include "numbat.h"

#define FLOOD_SPI       7
#define INTID           (32 + FLOOD_SPI)
#define RESET_SEEN_SPI  9
#define WINDOW_MS       200
#define MASK_MS         100

static volatile unsigned taken, spurious, others;

static void handler(void)
{
	unsigned id = gic_ack();

	if (id == INTID)
		taken++;
	else if (id >= 1020)
		spurious++;
	else
		others++;
	if (id < 1020)
		gic_eoi(id);
}

static void spin_until(uint64_t t)
{
	while (counter_read() < t)
		;
}

/* Interrupts taken in a window of WINDOW_MS from now. */
static unsigned count_window(void)
{
	unsigned before = taken;

	irq_unmask();
	spin_until(counter_read() + counter_ms(WINDOW_MS));
	irq_mask();
	return taken - before;
}

static void first_boot(void)
{
	bool pending;

	printf("receiver: first boot\n");
	gic_init();
	virq_listen(FLOOD_SPI, 0x80);
	while (!gic_pending(INTID))         /* the flood has begun */
		spin_until(counter_read() + counter_ms(1));
	printf("receiver: %u interrupts in %d ms\n", count_window(), WINDOW_MS);
	spin_until(counter_read() + counter_ms(MASK_MS));
	pending = gic_pending(INTID);
	printf("receiver: masked %d ms: pending %d, spurious %u, others %u\n", MASK_MS,
	       pending, spurious, others);
	printf("receiver: requesting SYSTEM_RESET\n");
	numbat_virq_raise(0);
	while (!gic_pending(32 + RESET_SEEN_SPI))  /* the flooder knows */
		spin_until(counter_read() + counter_ms(1));
	psci_system_reset();
}

TEST(virq, raises_during_reset_left_nothing_pending)
{
	gic_init();
	EXPECT_FALSE(gic_pending(INTID));
}

TEST(virq, raises_reach_the_receiver_after_its_reset)
{
	virq_listen(FLOOD_SPI, 0x80);
	EXPECT_GT(count_window(), 0);
}

int main(void)
{
	int rc;

	irq_handler = handler;
	irq_mask();
	gic_set_edge(32 + RESET_SEEN_SPI, true);
	spin_until(counter_read() + counter_ms(50));
	if (!gic_pending(32 + RESET_SEEN_SPI))
		first_boot();
	printf("receiver: second boot\n");
	rc = test_run_all();
	numbat_virq_raise(0);      /* the flooder may stop */
	return rc;
}
