/*
 * A budgeted vCPU alone on its pCPU that spins (tests/qemu/sched-budget-
 * period): its budget throttles it once a period, so the times it resumes
 * after a gap are a period apart. Prints the mean of PERIODS intervals
 * and the mean run between gaps, in µs of the counter:
 *   budget_period: period P us run R us over N periods
 * which must match the description's period-us and budget-us.
 */
#include "numbat.h"

#define PERIODS  100
#define GAP_US   1000

int main(void)
{
	uint64_t freq = counter_freq(), gap = freq * GAP_US / 1000000;
	uint64_t last = counter_read(), first = 0, run = 0, start = 0;
	unsigned resumes = 0;

	while (resumes <= PERIODS) {
		uint64_t now = counter_read();

		if (now - last > gap) {          /* throttled from last to now */
			if (resumes)
				run += last - start;
			else
				first = now;
			resumes++;
			start = now;
		}
		last = now;
	}
	printf("budget_period: period %lu us run %lu us over %d periods\n",
	       (unsigned long)((start - first) * 1000000 / freq / PERIODS),
	       (unsigned long)(run * 1000000 / freq / PERIODS), PERIODS);
	return 0;
}
