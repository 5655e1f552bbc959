/*
 * The neighbour in attack-kick-offline (kick_attack.c floods a vCPU that
 * is off and pinned to this VM's pCPU): counts, through the test device,
 * the kicks (numbat's SGIs 0 and 2) its pCPU receives over a window
 * inside the attack. Nothing on this pCPU has anything to see, so the
 * count must stay at (about) zero.
 */
#include "numbat.h"

#define DEV          0x09100000ul
#define SETTLE_MS    300
#define WINDOW_MS    1500

static uint64_t start;

static void spin_until(uint64_t t)
{
	while (counter_read() < t)
		;
}

/* Alone on pCPU 1: the kicks it takes while the attack runs. */
TEST(attack, offline_vcpu_kicks_do_not_reach_neighbour)
{
	uint64_t k0, k1;

	spin_until(start + counter_ms(SETTLE_MS));
	k0 = readq(DEV + TESTDEV_KICKS);
	spin_until(start + counter_ms(SETTLE_MS + WINDOW_MS));
	k1 = readq(DEV + TESTDEV_KICKS);
	printf("victim: %lu kicks in %d ms\n", (unsigned long)(k1 - k0), WINDOW_MS);
	EXPECT_LE(k1 - k0, 2);
}

int main(void)
{
	start = counter_read();
	return test_run_all();
}
