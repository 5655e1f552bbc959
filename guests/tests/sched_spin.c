/*
 * A busy VM for the scheduling scenarios. It spins for WINDOWS windows of
 * WINDOW_MS of counter time and after each prints the share of its pCPU it got:
 *   sched_spin: window N share P permille (numbat says Q) preempted K
 * P is measured by the guest itself: it reads the counter in a tight loop,
 * and every jump of more than GAP_US is time it did not run. Q is numbat's
 * own accounting (NUMBAT_HC_VCPU_STATS), printed to cross-check it.
 */
#include "numbat.h"

#define WINDOWS 10
#define WINDOW_MS 250
#define GAP_US  50

static uint64_t permille(uint64_t part, uint64_t whole)
{
	return whole ? part * 1000 / whole : 0;
}

/* Spins until `end`; returns the counter ticks it was not running. */
uint64_t spin_until(uint64_t end);
uint64_t spin_until(uint64_t end)
{
	uint64_t gap = counter_freq() / 1000000 * GAP_US, lost = 0, last = counter_read();

	while (last < end) {
		uint64_t now = counter_read();

		if (now - last > gap)
			lost += now - last;
		last = now;
	}
	return lost;
}

int main(void)
{
	for (int w = 0; w < WINDOWS; w++) {
		struct vcpu_stats s0 = { 0 }, s1 = { 0 };
		uint64_t t0, t1, lost;

		numbat_vcpu_stats(0, &s0);
		t0 = counter_read();
		lost = spin_until(t0 + counter_ms(WINDOW_MS));
		t1 = counter_read();
		numbat_vcpu_stats(0, &s1);
		printf("sched_spin: window %d share %lu permille (numbat says %lu) preempted %lu\n",
		       w, permille(t1 - t0 - lost, t1 - t0),
		       permille(s1.ran_ns - s0.ran_ns,
				(t1 - t0) * 1000000000ull / counter_freq()),
		       s1.preemptions - s0.preemptions);
	}
	return 0;
}
