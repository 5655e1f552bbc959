/*
 * The victim of the hostile-guest suite: shares a pCPU with attackers and
 * must not notice them beyond sharing the CPU. Until a 'q' arrives on its
 * PL011 (the scenario types it once every attacker is done; at most
 * VICTIM_MAX_MS, at least VICTIM_MIN_MS of counter time) it spins, measuring how much of the time it ran (gaps between two
 * counter reads shorter than GAP_OWN count as its own) and the longest time
 * it was away, while its virtual timer interrupts it every TICK_MS. It
 * also marks pages of its RAM (attack_s2 scans its own RAM for the mark)
 * and fills its test device's scratch register. Then it checks that it got
 * its share, was never away long, kept receiving its timer, saw no
 * interrupt it did not enable, and that its memory and device kept what it
 * wrote.
 */
#include "numbat.h"

#define TESTDEV      0x09100000ul
#define UART         0x09000000ul
#define UART_DR      0x00
#define UART_FR      0x18
#define FR_RXFE      (1u << 4)
#define VICTIM_MIN_MS 2000
#define VICTIM_MAX_MS 60000
#define POLL_MS      5          /* the UART is looked at this often */
#define TICK_MS      10
#define GAP_OWN_US   500        /* a shorter gap is time the victim ran */
#define MAX_AWAY_MS  1000       /* longest acceptable absence (TCG, a loaded host) */
#define MIN_SHARE_PCT 5         /* of the pCPU: starvation, not fairness (TCG on a shared host) */
#define VTIMER_INTID 27
#define MARK_PAGES   256

/* attack_s2.c recomputes this word to look for it in its own RAM. */
#define VICTIM_MARK  (0x47584552584c5030ull ^ 0x1111111111111111ull)

static volatile uint64_t ticks, foreign, last_foreign;
static uint64_t own, total, away_max;
static uint64_t mark_base;

static void handler(void)
{
	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == VTIMER_INTID) {
			ticks++;
			sysreg_write(cntv_cval_el0, counter_read() + counter_ms(TICK_MS));
		} else {
			foreign++;
			last_foreign = id;
		}
		gic_eoi(id);
	}
}

static uint64_t scratch_word(unsigned i)
{
	return 0x0f1e2d3c4b5a6978ull * (i + 3);
}

static void setup(void)
{
	mark_base = ((uintptr_t)__image_end + 0xfffff) & ~0xffffful;
	for (unsigned p = 0; p < MARK_PAGES; p++)
		for (unsigned w = 0; w < 4096 / 8; w += 64)
			((volatile uint64_t *)(mark_base + p * 4096ul))[w] = VICTIM_MARK;
	for (unsigned i = 0; i < TESTDEV_SCRATCH_SIZE / 8; i++)
		writeq(TESTDEV + 8 * i, scratch_word(i));
	irq_handler = handler;
	gic_init();
	gic_enable(VTIMER_INTID, 0x80);
	vtimer_arm_ms(TICK_MS);
	irq_unmask();
}

/* True once a 'q' was typed to this VM. */
static bool told_to_stop(void)
{
	while (!(readl(UART + UART_FR) & FR_RXFE))
		if ((readl(UART + UART_DR) & 0xff) == 'q')
			return true;
	return false;
}

static void run(void)
{
	uint64_t start = counter_read(), prev = start, poll = start;
	uint64_t own_gap = counter_freq() / 1000000 * GAP_OWN_US;
	bool stop = false, quit = false;

	while (!stop && prev - start < counter_ms(VICTIM_MAX_MS)) {
		uint64_t now = counter_read();
		uint64_t gap = now - prev;

		if (gap < own_gap)
			own += gap;
		else if (gap > away_max)
			away_max = gap;
		prev = now;
		if (now - poll > counter_ms(POLL_MS)) {
			poll = now;
			quit = quit || told_to_stop();
			stop = quit && now - start >= counter_ms(VICTIM_MIN_MS);
			prev = counter_read();   /* the poll's traps are not an absence */
		}
	}
	total = prev - start;
	irq_mask();
	vtimer_disarm();
}

TEST(victim, got_its_share)
{
	uint64_t pct = own * 100 / total;

	printf("victim: ran %lu%% of %lu ms\n", (unsigned long)pct,
	       (unsigned long)(total / counter_ms(1)));
	EXPECT_GE(pct, MIN_SHARE_PCT);
}

TEST(victim, never_away_long)
{
	uint64_t ms = away_max / counter_ms(1);

	printf("victim: longest absence %lu ms\n", (unsigned long)ms);
	EXPECT_LT(ms, MAX_AWAY_MS);
}

TEST(victim, timer_kept_ticking)
{
	printf("victim: %lu timer interrupts\n", (unsigned long)ticks);
	EXPECT_GE(ticks, total / counter_ms(TICK_MS) / 10);
}

TEST(victim, no_foreign_interrupts)
{
	if (foreign)
		printf("victim: %lu foreign interrupts, last %lu\n",
		       (unsigned long)foreign, (unsigned long)last_foreign);
	EXPECT_EQ(foreign, 0);
}

TEST(victim, memory_and_device_kept)
{
	unsigned bad = 0;

	for (unsigned p = 0; p < MARK_PAGES; p++)
		for (unsigned w = 0; w < 4096 / 8; w += 64)
			bad += ((volatile uint64_t *)(mark_base + p * 4096ul))[w] != VICTIM_MARK;
	EXPECT_EQ(bad, 0);
	for (unsigned i = 0; i < TESTDEV_SCRATCH_SIZE / 8; i++)
		EXPECT_EQ(readq(TESTDEV + 8 * i), scratch_word(i));
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}

int main(void)
{
	printf("victim: start\n");
	setup();
	run();
	printf("victim: done\n");
	return test_run_all();
}
