/*
 * Shared memory, VM "b" (tests/qemu/shared-memory, guests/tests/shm_a.c).
 * First boot: waits for a's message in a2b (read-only here), checks a
 * write to it faults, answers its checksum in b2a (read-write here) and
 * resets itself. Second boot (its boot count, kept in b2a, says so): the
 * message and the count survived the reset; it answers again.
 */
#include "numbat.h"
#include "shm_proto.h"

static volatile uint32_t *const a2b = (volatile uint32_t *)A2B;
static volatile uint32_t *const b2a = (volatile uint32_t *)B2A;

TEST(shm, read_only_mapping_faults_on_write)
{
	uint32_t before = a2b[SHM_MSG];
	struct exc_info x = EXPECT_EXCEPTION(ESR_EC_DABT_CUR, a2b[SHM_MSG] = ~before);

	EXPECT_EQ(x.far, A2B + 4 * SHM_MSG);
	EXPECT_EQ(a2b[SHM_MSG], before);
}

TEST(shm, reset_kept_both_regions)
{
	EXPECT_EQ(b2a[SHM_BOOTS], 2);
	EXPECT_EQ(a2b[SHM_SEQ], 1);
	EXPECT_EQ(b2a[SHM_DATA], shm_sum(a2b));
}

int main(void)
{
	uint64_t end = counter_read() + counter_ms(10000);
	uint32_t boots = ++b2a[SHM_BOOTS];

	printf("shm_b: boot %u\n", (unsigned)boots);
	while (a2b[SHM_SEQ] != 1 && counter_read() < end)
		numbat_yield();
	if (boots == 1) {
		b2a[SHM_DATA] = shm_sum(a2b);
		dsb_sy();
		b2a[SHM_SEQ] = 1;
		printf("shm_b: answered; requesting SYSTEM_RESET\n");
		psci_system_reset();
	}
	b2a[SHM_SEQ] = 2;
	return test_run_all();
}
