/*
 * A real-time native partition: a periodic task at 1 kHz driven by the EL1
 * virtual timer's interrupt. Every period it measures its lateness, the
 * time from the deadline to its interrupt handler's first C statement, and
 * it reports now and then (after 0.5, 1 and 1.5 s, every 2 s until 30 s,
 * then every 30 s):
 *   rt: periods N lateness max X us median Y us missed M (ever: worst Z us, missed T)
 * X, Y and M are over the periods since the last report. A period is
 * missed when the handler runs after the next deadline. The
 * system description gives it a high priority (and a budget) on a pCPU it
 * shares with a Linux VM: its lateness is what numbat's scheduling costs.
 */
#include "numbat.h"

#define PERIOD_US    1000
#define VTIMER_PPI   27
#define HIST_US      2048      /* lateness histogram, 1 us buckets; last = more */

static uint64_t period, deadline, freq;
static volatile uint64_t periods, missed, worst, window_max, window_missed;
static uint32_t hist[HIST_US];

static void record(uint64_t late_ticks)
{
	uint64_t late_us = late_ticks * 1000000 / freq;

	hist[late_us < HIST_US ? late_us : HIST_US - 1]++;
	if (late_us > window_max)
		window_max = late_us;
	if (late_us > worst)
		worst = late_us;
}

static void handler(void)
{
	uint64_t now = counter_read();
	unsigned id = gic_ack();

	if (id == VTIMER_PPI) {
		record(now - deadline);
		periods++;
		deadline += period;
		if (deadline <= now) {          /* later deadlines passed too */
			uint64_t skipped = (now - deadline) / period + 1;

			missed += skipped;
			window_missed += skipped;
			deadline += skipped * period;
		}
		sysreg_write(cntv_cval_el0, deadline);
		isb();
	}
	if (id < 1020)
		gic_eoi(id);
}

static uint64_t median_us(void)
{
	uint64_t n = 0, total = 0;

	for (unsigned i = 0; i < HIST_US; i++)
		total += hist[i];
	for (unsigned i = 0; i < HIST_US; i++) {
		n += hist[i];
		if (n * 2 >= total)
			return i;
	}
	return 0;
}

static void report(void)
{
	irq_mask();
	printf("rt: periods %lu lateness max %lu us median %lu us missed %lu "
	       "(ever: worst %lu us, missed %lu)\n",
	       periods, window_max, median_us(), window_missed, worst, missed);
	window_max = 0;
	window_missed = 0;
	memset(hist, 0, sizeof(hist));
	irq_unmask();
}

int main(void)
{
	uint64_t next_report;
	unsigned reports = 0;

	freq = counter_freq();
	period = freq * PERIOD_US / 1000000; /* exact: 62.5 MHz is no whole ticks a us */
	irq_handler = handler;
	gic_init();
	gic_enable(VTIMER_PPI, 0x80);
	printf("rt: periodic task at %d Hz\n", 1000000 / PERIOD_US);
	deadline = counter_read() + period;
	sysreg_write(cntv_cval_el0, deadline);
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	next_report = 500;
	irq_unmask();
	for (;;) {
		__asm__ volatile("wfi");
		if (periods >= next_report) {
			report();
			reports++;
			next_report += reports < 3 ? 500 : periods < 30000 ? 2000 : 30000;
		}
	}
}
