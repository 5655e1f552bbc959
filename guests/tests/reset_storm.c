/*
 * Attack: a restart loop. The VM asks for PSCI SYSTEM_RESET as soon as it
 * starts, again and again, until the counter (which keeps running across
 * its resets) passes STORM_END_MS; then it powers off. Each reset makes
 * numbat zero and reload all the VM's memory (give it a lot), which must
 * neither stall the vCPUs sharing its pCPU nor flood the console.
 */
#include "numbat.h"

#ifndef STORM_END_MS
#define STORM_END_MS 5000
#endif

int main(void)
{
	if (counter_read() < counter_ms(STORM_END_MS))
		psci_system_reset();
	printf("storm: done at %lu ms\n",
	       (unsigned long)(counter_read() / counter_ms(1)));
	return 0;
}
