/*
 * vIRQ round trip benchmark (scripts/bench.sh, bench/virq-2pcpu.dts and
 * bench/virq-1pcpu.dts): VM 0 (ping) raises its virq link 0, SPI PONG_SPI
 * in VM 1 (pong), and waits in WFI; pong, waiting in WFI too, takes the
 * interrupt and its handler raises its link 0, SPI PING_SPI in ping, whose
 * handler counts it; at the end, ping's link 1 (SPI STOP_SPI) powers pong
 * off. Both wait in WFI for the reason given in
 * guests/bench/bench.c (a spinning vCPU would measure QEMU's time slice
 * under -icount). Ping prints
 *   BENCH virq_round_trip <instructions per round trip>
 * (ns under -icount shift=0), every instruction both pCPUs run for it.
 */
#include "numbat.h"

#define PONG_SPI   5
#define PING_SPI   6
#define STOP_SPI   7          /* ping's link 1: pong powers off */
#define ROUNDS     2000

static volatile unsigned got;

static void handler(void)
{
	unsigned id = gic_ack();

	if (id == 32 + PONG_SPI)
		numbat_virq_raise(0);
	else if (id == 32 + STOP_SPI)
		psci_system_off();
	got++;
	if (id < 1020)
		gic_eoi(id);
}

/* WFI with IRQs masked (a pending one still ends it), then take it. */
static void wfi_take(void)
{
	__asm__ volatile("wfi");
	irq_unmask();
	irq_mask();
}

static void pong(void)
{
	virq_listen(PONG_SPI, 0x80);
	virq_listen(STOP_SPI, 0x80);
	for (;;)
		wfi_take();
}

static void ping(void)
{
	uint64_t t0, t1;
	unsigned i;

	virq_listen(PING_SPI, 0x80);
	/* Until pong listens, its SPI drops edges: raise until it answers. */
	while (!got) {
		numbat_virq_raise(0);
		vtimer_arm_ms(1);
		wfi_take();
		vtimer_disarm();
	}
	got = 0;
	t0 = counter_read();
	for (i = 0; i < ROUNDS; i++) {
		numbat_virq_raise(0);
		while (got <= i)
			wfi_take();
	}
	t1 = counter_read();
	printf("BENCH virq_round_trip %lu\n",
	       (unsigned long)((t1 - t0) * 1000000000ull / counter_freq() / ROUNDS));
	numbat_virq_raise(1);
	psci_system_off();
}

int main(void)
{
	irq_handler = handler;
	irq_mask();
	gic_init();
	gic_disable(27);            /* the vtimer only ends WFI, never taken */
	if (numbat_vm_id(NULL) == 0)
		ping();
	pong();
	return 0;
}
