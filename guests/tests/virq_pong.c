/*
 * vIRQ test, the answering side (tests/qemu/virq, guests/tests/
 * virq_ping.c): each interrupt on PONG_SPI is answered by raising this
 * VM's virq link 0 (to ping). Prints how many it answered and powers off
 * once nothing came for QUIET_MS after the first.
 */
#include "numbat.h"

#define PONG_SPI     5
#define QUIET_MS     1500

static volatile unsigned taken;
static volatile int64_t bad;

static void handler(void)
{
	unsigned id = gic_ack();

	if (id == 32 + PONG_SPI) {
		int64_t rc = numbat_virq_raise(0);

		taken++;
		if (rc != SMCCC_SUCCESS)
			bad = rc;
	}
	if (id < 1020)
		gic_eoi(id);
}

int main(void)
{
	uint64_t last = 0;
	unsigned seen = 0;

	irq_handler = handler;
	gic_init();
	virq_listen(PONG_SPI, 0x80);
	/* pong has one link: capability 1 is nobody's. */
	printf("pong: raise(1) -> %ld\n", (long)numbat_virq_raise(1));
	irq_unmask();
	for (;;) {
		irq_mask();
		vtimer_arm_ms(10);
		__asm__ volatile("wfi");
		vtimer_disarm();
		irq_unmask();
		if (taken != seen) {
			seen = taken;
			last = counter_read();
		} else if (seen && counter_read() - last > counter_ms(QUIET_MS)) {
			break;
		}
	}
	printf("pong: answered %u, errors %ld\n", seen, (long)bad);
	return 0;
}
