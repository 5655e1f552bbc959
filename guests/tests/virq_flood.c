/*
 * vIRQ flooder (tests/qemu/virq-flood, guests/tests/virq_receiver.c):
 * sleeps until FLOOD_FROM_MS (the victim beside it measures its loops
 * alone), then raises its virq link 0 (SPI FLOOD_SPI in the receiver) in
 * a tight loop. The receiver raises DONE_SPI here when its first boot is
 * done and again when its second is: after the first, every raise also
 * goes along link 1 (RESET_SEEN_SPI in the receiver, which tells its
 * second boot that it is the second); after the second, it stops and
 * prints how many raises there were and how many numbat refused (none
 * should be: the links stay declared through the receiver's reset).
 */
#include "numbat.h"

#define FLOOD_FROM_MS  1500
#define DONE_SPI       8
#define GIVE_UP_MS     60000

int main(void)
{
	uint64_t from = counter_ms(FLOOD_FROM_MS), end;
	unsigned long raises = 0, refused = 0;
	unsigned done = 0;

	irq_mask();
	gic_set_edge(32 + DONE_SPI, true); /* polled in ISPENDR, never taken */
	while (counter_read() < from) {     /* WFI: the victim runs alone */
		sysreg_write(cntv_cval_el0, from);
		sysreg_write(cntv_ctl_el0, 1);
		isb();
		__asm__ volatile("wfi");
	}
	vtimer_disarm();
	end = counter_read() + counter_ms(GIVE_UP_MS);
	while (done < 2 && counter_read() < end) {
		if (numbat_virq_raise(0) != SMCCC_SUCCESS)
			refused++;
		if (done && numbat_virq_raise(1) != SMCCC_SUCCESS)
			refused++;
		if (++raises % 256 == 0 && gic_pending(32 + DONE_SPI)) {
			gic_clear_pending(32 + DONE_SPI);
			done++;
		}
	}
	printf("flood: %lu raises, refused %lu, receiver done %u\n", raises, refused, done);
	return 0;
}
