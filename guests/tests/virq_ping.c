/*
 * vIRQ test, the sending side (tests/qemu/virq): VM "ping" has one virq
 * link, capability 0, raising SPI PONG_SPI in VM "pong" (guests/tests/
 * virq_pong.c), which raises SPI PING_SPI back here along its own link.
 */
#include "numbat.h"

#define PONG_SPI     5      /* the description's `interrupt` of ping2pong */
#define PING_SPI     6      /* ... and of pong2ping */
#define ROUNDS       100

static volatile unsigned answers;
static volatile bool disable_on_irq;

static void handler(void)
{
	unsigned id = gic_ack();

	if (id == 32 + PING_SPI) {
		answers++;
		if (disable_on_irq)
			gic_disable(id);
	}
	if (id < 1020)
		gic_eoi(id);
}

/* WFI until `answers` exceeds `n` or `ms` pass; returns whether it did. */
static bool wait_answer(unsigned n, uint64_t ms)
{
	uint64_t end = counter_read() + counter_ms(ms);

	while (answers <= n && counter_read() < end) {
		irq_mask();
		vtimer_arm_ms(1);
		if (answers <= n)
			__asm__ volatile("wfi");
		vtimer_disarm();
		irq_unmask();
	}
	return answers > n;
}

TEST(virq, undeclared_links_are_refused)
{
	EXPECT_EQ(numbat_virq_raise(1), SMCCC_INVALID_PARAMETER);
	EXPECT_EQ(numbat_virq_raise(2), SMCCC_INVALID_PARAMETER);
	/* Not truncated to 32 bits (that would be link 0). */
	EXPECT_EQ(numbat_virq_raise(1ull << 32), SMCCC_INVALID_PARAMETER);
	EXPECT_EQ(numbat_virq_raise(~0ull), SMCCC_INVALID_PARAMETER);
	EXPECT_EQ((int64_t)hvc_call(NUMBAT_HC_VIRQ_RAISE, 1, 0, 0).a0,
		  SMCCC_INVALID_PARAMETER);
}

/* Each raise reaches pong, whose answer reaches us, ROUNDS times over. */
TEST(virq, round_trips)
{
	unsigned i;

	for (i = 0; i < ROUNDS; i++) {
		unsigned before = answers;

		ASSERT_EQ(numbat_virq_raise(0), SMCCC_SUCCESS);
		if (!wait_answer(before, 1000))
			break;
	}
	EXPECT_EQ(i, ROUNDS);
}

/*
 * Raises 1000 times while this vCPU masks IRQs: pong answers each one it
 * takes, and all of its answers are one pending interrupt here, taken
 * once (the handler disables the SPI so later answers cannot add any).
 */
TEST(virq, a_burst_is_one_pending_interrupt)
{
	unsigned before;

	irq_mask();
	before = answers;
	disable_on_irq = true;
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(numbat_virq_raise(0), SMCCC_SUCCESS);
	delay_ms(50);              /* pong's answers are in */
	EXPECT_TRUE(gic_pending(32 + PING_SPI));
	irq_unmask();
	delay_ms(10);
	EXPECT_EQ(answers, before + 1);
	disable_on_irq = false;
	virq_listen(PING_SPI, 0x80);
}

int main(void)
{
	irq_handler = handler;
	gic_init();
	virq_listen(PING_SPI, 0x80);
	irq_unmask();
	/* Until pong listens, its SPI is level-sensitive and drops edges. */
	int raises = 0;

	while (raises < 100 && !answers) {
		numbat_virq_raise(0);
		raises++;
		wait_answer(0, 20);
	}
	printf("ping: pong answered after %d raise(s)\n", raises);
	return test_run_all();
}
