/*
 * A budgeted vCPU throttled with an interrupt pending in its list
 * registers, alone on its pCPU (tests/qemu/sched-throttle-idle). With IRQs
 * masked it arms its virtual timer in the past, so numbat forwards the
 * timer and it stays pending for good, and it spins: its budget throttles
 * it, and while it is throttled the pCPU has nothing to run and must wait
 * for numbat's timer. Were the throttled vCPU left loaded, its virtual CPU
 * interface would keep signalling that interrupt, which ends numbat's WFI
 * at once (QEMU), over and over: numbat would spin at EL2 instead of
 * idling. Each such wake-up finds no physical interrupt, and the test
 * device counts those for the pCPU (TESTDEV_SPURIOUS).
 */
#include "numbat.h"

#define DEV        0x09100000ul
#define VTIMER     27
#define WINDOW_MS  500

int main(void)
{
	uint64_t s0, s1, end;

	irq_mask();
	gic_init();
	gic_enable(VTIMER, 0x80);
	sysreg_write(cntv_cval_el0, 0);
	sysreg_write(cntv_ctl_el0, 1);   /* ENABLE: its condition holds from now on */
	isb();
	s0 = readq(DEV + TESTDEV_SPURIOUS);
	end = counter_read() + counter_ms(WINDOW_MS);
	while (counter_read() < end)
		;
	s1 = readq(DEV + TESTDEV_SPURIOUS);
	printf("throttle_pending: %lu empty wake-ups in %d ms, its timer pending\n",
	       (unsigned long)(s1 - s0), WINDOW_MS);
	for (;;)
		__asm__ volatile("" ::: "memory");
}
