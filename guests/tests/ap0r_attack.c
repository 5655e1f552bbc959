/*
 * Attacker for scenarios about a VM sharing a pCPU with another: in a
 * loop it sets the highest group-0 active priority in ICC_AP0R0_EL1
 * (which, with HCR_EL2.FMO set, lands untrapped in ICH_AP0R0_EL2), spins
 * a little and yields. If numbat left that register behind when it
 * switched to the other VM, the other VM's virtual running priority would
 * be 0 and none of its interrupts could ever be signalled.
 * It stops when its PL011 receives a byte (the scenario types one) or
 * after ATTACK_SECONDS of counter time, then powers its VM off.
 */
#include "numbat.h"

#define UART           0x09000000ul
#define UART_DR        0x00
#define UART_FR        0x18
#define FR_RXFE        (1u << 4)
#define ATTACK_SECONDS 600

int main(void)
{
	uint64_t end = counter_read() + counter_ms(ATTACK_SECONDS * 1000ull);
	unsigned long rounds = 0;

	printf("ap0r-attack: start\n");
	while (counter_read() < end) {
		sysreg_write(s3_0_c12_c8_4, 1);          /* ICC_AP0R0_EL1 */
		isb();
		for (volatile unsigned i = 0; i < 1000; i++)
			;
		numbat_yield();
		rounds++;
		if (!(readl(UART + UART_FR) & FR_RXFE)) {
			(void)readl(UART + UART_DR);
			break;
		}
	}
	printf("ap0r-attack: done after %lu rounds\n", rounds);
	return 0;
}
