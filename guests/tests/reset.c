/*
 * Test guest for PSCI SYSTEM_RESET: the VM resets itself exactly once.
 *
 * Nothing in the VM survives a reset (memory is reloaded from the image and
 * devices start afresh), so the decision uses the virtual counter, which
 * keeps running across a VM's reset: a boot that sees CNTVCT_EL0 below
 * RESET_AT_MS is the first one. It changes state the reset must undo, waits
 * (yielding) until the counter passes RESET_AT_MS and calls SYSTEM_RESET;
 * the next boot sees a later counter value and runs the tests. So the
 * console shows "reset: boot" exactly twice, unless numbat takes longer than
 * RESET_AT_MS to start the VM the first time.
 */
#include "numbat.h"

#define RESET_AT_MS  1000
#define DEV          0x09100000ul
#define MAGIC        0x5E5E7E57ull

static volatile uint64_t data_word = 0x1111;
static uint64_t boot_counter;

static unsigned long counter_to_ms(uint64_t ticks)
{
	return (unsigned long)(ticks / (counter_freq() / 1000));
}

int main(void)
{
	uint64_t threshold = counter_ms(RESET_AT_MS);

	boot_counter = counter_read();
	if (boot_counter < threshold) {
		printf("reset: boot at %lu ms (first)\n", counter_to_ms(boot_counter));
		data_word = 0x2222;
		writeq(DEV + TESTDEV_SCRATCH, MAGIC);
		while (counter_read() < threshold)
			numbat_yield();
		printf("reset: requesting SYSTEM_RESET\n");
		psci_system_reset();
	}
	printf("reset: boot at %lu ms (second)\n", counter_to_ms(boot_counter));
	return test_run_all();
}

TEST(reset, counter_kept_running)
{
	EXPECT_GE(boot_counter, counter_ms(RESET_AT_MS));
}

TEST(reset, memory_reloaded)
{
	EXPECT_EQ(data_word, 0x1111);
}

TEST(reset, device_state_reset)
{
	EXPECT_EQ(readq(DEV + TESTDEV_SCRATCH), 0);
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
}

TEST(reset, boot_state)
{
	EXPECT_EQ(boot_state.x0, 0);
	EXPECT_EQ((boot_state.current_el >> 2) & 3, 1);
	EXPECT_EQ(boot_state.daif & 0x3c0, 0x3c0);
	EXPECT_EQ(boot_state.sctlr & 1, 0);
}
