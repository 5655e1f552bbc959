/*
 * A VM that sleeps briefly and often, in several patterns, each for 300 ms of
 * counter time: spin `run` microseconds, then arm the virtual timer
 * `sleep` microseconds ahead and WFI. Among them the one the scheduling
 * issue suspected could take a shared pCPU (spin 9 ms, sleep 20 us). After
 * each pattern it prints the share of the pCPU it got, measured by itself
 * (every counter jump of more than GAP_US while spinning, and every sleep,
 * is time it did not run):
 *   sched_sleep: pattern N run R us sleep S us share P permille
 */
#include "numbat.h"

#define GAP_US 50

static const struct { uint64_t run_us, sleep_us; } patterns[] = {
	{ 9000, 20 }, { 9900, 1 }, { 1000, 1 }, { 10000, 10 }, { 19000, 5 }, { 100, 100 },
	{ 5000, 2 },
};

static uint64_t us(uint64_t n)
{
	return counter_freq() / 1000000 * n;
}

int main(void)
{
	for (unsigned p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		uint64_t t0 = counter_read(), end = t0 + counter_ms(300), ran = 0;

		while (counter_read() < end) {
			uint64_t goal = us(patterns[p].run_us), got = 0, last = counter_read();

			/* Spin until it has run `run_us` (time away does not count). */
			while (got < goal) {
				uint64_t now = counter_read();

				if (now - last <= us(GAP_US))
					got += now - last;
				last = now;
			}
			ran += got;
			irq_mask();
			sysreg_write(cntv_cval_el0, counter_read() + us(patterns[p].sleep_us));
			sysreg_write(cntv_ctl_el0, 1);
			isb();
			__asm__ volatile("wfi");
			sysreg_write(cntv_ctl_el0, 0);
		}
		printf("sched_sleep: pattern %u run %lu us sleep %lu us share %lu permille\n", p,
		       patterns[p].run_us, patterns[p].sleep_us,
		       ran * 1000 / (counter_read() - t0));
	}
	return 0;
}
