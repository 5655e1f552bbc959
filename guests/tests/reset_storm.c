/*
 * Attack: a restart loop. From STORM_START_MS on (the counter keeps
 * running across the VM's resets) the VM asks for PSCI SYSTEM_RESET as
 * soon as it starts, again and again, until STORM_END_MS; then it powers
 * off. Before STORM_START_MS it sleeps in WFI, so a neighbour can measure
 * its pCPU alone first. Each reset makes numbat zero and reload all the
 * VM's memory (give it a lot), which must neither stall the vCPUs sharing
 * its pCPU nor flood the console.
 */
#include "numbat.h"

#ifndef STORM_START_MS
#define STORM_START_MS 1500
#endif
#ifndef STORM_END_MS
#define STORM_END_MS   3500
#endif

int main(void)
{
	uint64_t start = counter_ms(STORM_START_MS);

	while (counter_read() < start) {
		sysreg_write(cntv_cval_el0, start);
		sysreg_write(cntv_ctl_el0, 1);   /* enabled, IRQ masked: a wake-up */
		isb();
		__asm__ volatile("wfi");
	}
	sysreg_write(cntv_ctl_el0, 0);
	if (counter_read() < counter_ms(STORM_END_MS))
		psci_system_reset();
	printf("storm: done at %lu ms\n",
	       (unsigned long)(counter_read() / counter_ms(1)));
	return 0;
}
