/*
 * Shared memory, VM "a" (tests/qemu/shared-memory, guests/tests/shm_b.c).
 * a2b (IPA A2B) is read-write here and read-only in b; b2a (IPA B2A) is
 * read-only here and read-write in b. a writes a message into a2b and
 * waits for b's answer in b2a: the checksum of the message. b resets
 * itself once after answering; the message it finds after its reset is
 * still the one a wrote (a reset does not zero a shared region).
 */
#include "numbat.h"
#include "shm_proto.h"

TEST(shm, read_only_mapping_faults_on_write)
{
	volatile uint32_t *b2a = (volatile uint32_t *)B2A;
	uint32_t before = b2a[SHM_DATA];
	struct exc_info x = EXPECT_EXCEPTION(ESR_EC_DABT_CUR, b2a[SHM_DATA] = 0xdeadbeef);

	EXPECT_EQ(x.far, B2A + 4 * SHM_DATA);
	EXPECT_EQ(b2a[SHM_DATA], before);
}

TEST(shm, message_crosses_and_answer_returns)
{
	volatile uint32_t *a2b = (volatile uint32_t *)A2B;
	volatile uint32_t *b2a = (volatile uint32_t *)B2A;
	uint64_t end = counter_read() + counter_ms(10000);

	shm_fill(a2b, SHM_SEED);
	dsb_sy();
	a2b[SHM_SEQ] = 1;
	while (b2a[SHM_SEQ] != 1 && counter_read() < end)
		numbat_yield();
	ASSERT_EQ(b2a[SHM_SEQ], 1);
	EXPECT_EQ(b2a[SHM_DATA], shm_sum(a2b));
}

TEST(shm, answer_after_the_peer_reset)
{
	volatile uint32_t *b2a = (volatile uint32_t *)B2A;
	uint64_t end = counter_read() + counter_ms(20000);

	while (b2a[SHM_SEQ] != 2 && counter_read() < end)
		numbat_yield();
	ASSERT_EQ(b2a[SHM_SEQ], 2);
	EXPECT_EQ(b2a[SHM_BOOTS], 2);
	EXPECT_EQ(b2a[SHM_DATA], shm_sum((volatile uint32_t *)A2B));
}

int main(void)
{
	return test_run_all();
}
