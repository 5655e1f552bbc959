/*
 * WFI of a vCPU alone on its pCPU, and of one that shares its pCPU
 * (tests/qemu/wfi-alone). vCPU 0 is the only vCPU pinned to pCPU 0 and
 * has no budget, so numbat lets its WFI run in hardware: it waits ROUNDS
 * times in WFI with IRQs masked and each time an SGI from vCPU 1 ends the
 * wait (a pending virtual interrupt ends WFI whatever PSTATE.I, Arm ARM
 * D1.6.2); numbat never blocks it (its wake-up count does not move).
 * vCPU 1 shares pCPU 1 with another VM (`victim`, busy): it sleeps in WFI
 * on its virtual timer between SGIs, and that WFI must still block it in
 * numbat (its wake-up count grows), or the victim would lose its share.
 * At the end vCPU 0 waits in WFI for good and vCPU 1 powers the VM off:
 * numbat must get vCPU 0 out of its hardware WFI to stop the VM.
 */
#include "numbat.h"

#define ROUNDS    200
#define SGI_WAKE  3
#define VTIMER    27
#define SLEEP_US  1000

static volatile unsigned waiting, sent, done, v1_counted, fired;
static volatile uint64_t v1_wakeups;

/* vCPU 1's interrupts: its virtual timer, masked once it fired. */
static void handler(void)
{
	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == VTIMER) {
			sysreg_write(cntv_ctl_el0, 3);  /* ENABLE | IMASK */
			fired = 1;
		}
		gic_eoi(id);
	}
}

/* WFI until the virtual timer, `us` ahead, fires; checked with IRQs masked. */
static void sleep_us(uint64_t us)
{
	irq_mask();
	fired = 0;
	sysreg_write(cntv_cval_el0, counter_read() + counter_freq() / 1000000 * us);
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	while (!fired) {
		__asm__ volatile("wfi");
		irq_unmask();
		irq_mask();
	}
	sysreg_write(cntv_ctl_el0, 0);
}

/* vCPU 1, on the shared pCPU: an SGI to vCPU 0 each time it waits. */
static void waker(void *arg)
{
	struct vcpu_stats s0 = { 0 }, s1 = { 0 };

	(void)arg;
	gic_init_cpu();
	gic_enable(VTIMER, 0x80);       /* its sleeps end on the timer */
	numbat_vcpu_stats(1, &s0);
	while (sent < ROUNDS) {
		sleep_us(SLEEP_US);
		if (waiting > sent) {
			sent++;
			gic_send_sgi(0, SGI_WAKE);
		}
	}
	numbat_vcpu_stats(1, &s1);
	v1_wakeups = s1.wakeups - s0.wakeups;
	v1_counted = 1;
	while (!done)
		sleep_us(SLEEP_US);
	sleep_us(20 * SLEEP_US);        /* vCPU 0 is in its last WFI by now */
	printf("wfi_alone: vcpu 1 powers the VM off\n");
	psci_system_off();
}

TEST(wfi, alone_woken_by_sgi_with_irqs_masked)
{
	struct vcpu_stats s0 = { 0 }, s1 = { 0 };
	unsigned taken = 0, spurious = 0;

	irq_handler = handler;
	gic_init();
	gic_enable(SGI_WAKE, 0x80);
	irq_mask();
	ASSERT_EQ(cpu_on(1, waker, NULL), PSCI_SUCCESS);
	ASSERT_EQ(numbat_vcpu_stats(0, &s0), 0);
	for (unsigned i = 0; i < ROUNDS; i++) {
		waiting = i + 1;
		for (;;) {
			unsigned id;

			__asm__ volatile("wfi");
			id = gic_ack();
			if (id == SGI_WAKE) {
				gic_eoi(id);
				taken++;
				break;
			}
			if (id < 1020)
				gic_eoi(id);
			spurious++;
		}
	}
	ASSERT_EQ(numbat_vcpu_stats(0, &s1), 0);
	printf("wfi_alone: vcpu 0 took %u SGIs in WFI (%u other wake-ups), "
	       "numbat wake-ups: vcpu 0 %lu\n", taken, spurious,
	       (unsigned long)(s1.wakeups - s0.wakeups));
	EXPECT_EQ(taken, ROUNDS);
	/* Alone on its pCPU: its WFI never blocked it in numbat. */
	EXPECT_EQ(s1.wakeups - s0.wakeups, 0);
}

TEST(wfi, sharing_vcpu_still_blocks)
{
	uint64_t end = counter_read() + counter_ms(5000);

	while (!v1_counted && counter_read() < end)
		__asm__ volatile("yield");
	ASSERT_TRUE(v1_counted);
	printf("wfi_alone: numbat wake-ups: vcpu 1 %lu\n", (unsigned long)v1_wakeups);
	/* It shares pCPU 1: each of its sleeps blocked it. */
	EXPECT_GE(v1_wakeups, ROUNDS);
}

int main(void)
{
	int failed = test_run_all();

	(void)failed;
	done = 1;
	/* The last wait: nothing will end it but the VM's power-off. */
	for (;;)
		__asm__ volatile("wfi");
}
