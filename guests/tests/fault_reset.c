/*
 * Attack: flooding the console with numbat's reports by alternating
 * faults and resets. Each boot makes FAULTS loads outside its memory
 * (fault policy "inject": each is reported and comes back as an external
 * abort) and then asks for SYSTEM_RESET, until the counter (which keeps
 * running across resets) passes END_MS; then it powers off. numbat's
 * report limit must hold across the restarts.
 */
#include "numbat.h"

#define FAULTS   9
#define END_MS   5000
#define NOWHERE  0x10000000ul   /* no memory, no device */

int main(void)
{
	unsigned taken = 0;

	printf("fault-reset: boot\n");
	for (unsigned i = 0; i < FAULTS; i++) {
		struct exc_info x = CATCH_EXCEPTION((void)readl(NOWHERE));

		taken += x.taken;
	}
	if (taken != FAULTS)
		printf("fault-reset: %u of %d faults came back\n", taken, FAULTS);
	if (counter_read() < counter_ms(END_MS))
		psci_system_reset();
	printf("fault-reset: done at %lu ms\n",
	       (unsigned long)(counter_read() / counter_ms(1)));
	return 0;
}
