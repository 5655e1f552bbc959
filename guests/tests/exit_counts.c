/*
 * Guest for the monitor's exit counters: makes exactly EXIT_HVCS
 * hypercalls (EXIT_HVCS - 1 NUMBAT_HC_VERSION calls and the one console
 * write that says it is done) and EXIT_MMIO accesses to its test device
 * (reads and writes), then waits in WFI for good. The scenario reads the
 * counters through numbat's monitor and expects these numbers exactly.
 */
#include "numbat.h"

#define TESTDEV      0x09100000ul
#define EXIT_HVCS    1234
#define EXIT_READS   400
#define EXIT_WRITES  167

int main(void)
{
	uint64_t sum = 0;

	for (int i = 0; i < EXIT_HVCS - 1; i++)
		sum += numbat_version();
	for (int i = 0; i < EXIT_READS; i++)
		sum += readl(TESTDEV + TESTDEV_ID);
	for (int i = 0; i < EXIT_WRITES; i++)
		writeq(TESTDEV + TESTDEV_SCRATCH, sum + (uint64_t)i);
	printf("exit-counts: done, %d hypercalls and %d MMIO accesses\n", EXIT_HVCS,
	       EXIT_READS + EXIT_WRITES);
	for (;;)
		__asm__ volatile("wfi" ::: "memory");
}
