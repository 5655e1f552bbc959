/*
 * vCPU switch benchmark (scripts/bench-sched.sh): two VMs running this on
 * one pCPU yield to each other ITERATIONS times; every yield switches to
 * the other VM, so one iteration of one VM's loop is two switches (each
 * with its trap, the reschedule and the world switch). Prints
 *   BENCH vcpu_switch <ns per switch>
 * which under -icount shift=0 is instructions.
 */
#include "numbat.h"

#ifndef ITERATIONS
#define ITERATIONS 20000
#endif

int main(void)
{
	uint64_t t0, t1;

	/* Let the other VM start, so that every yield below switches. */
	for (int i = 0; i < 100; i++)
		numbat_yield();
	t0 = counter_read();
	for (int i = 0; i < ITERATIONS; i++)
		numbat_yield();
	t1 = counter_read();
	printf("BENCH vcpu_switch %lu\n",
	       (uint64_t)((t1 - t0) * 1000000000ull / counter_freq() / (2 * ITERATIONS)));
	return 0;
}
