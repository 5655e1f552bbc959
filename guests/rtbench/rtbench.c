/*
 * Wake-up latency benchmark (scripts/bench-sched.sh): a high-priority
 * partition arms its virtual timer every 1 ms for PERIODS periods and
 * measures, each time, the virtual counter at its interrupt handler's
 * first statement minus the deadline. Under -icount shift=0 one
 * nanosecond is one instruction, so the figures are the instructions
 * from the timer's deadline to the handler (numbat's timer interrupt, the
 * reschedule or the preemption of whatever ran, the world switch, the
 * injection, the guest's vector and register save). Prints
 *   BENCH wakeup_min|wakeup_median|wakeup_max <ns> periods <n>
 * and powers its VM off (numbat then powers off once every VM is off, or
 * the bench script stops QEMU).
 */
#include "numbat.h"

#define PERIODS     10000
#define PERIOD_US   1000
#define VTIMER_PPI  27

static uint64_t period, deadline;
static volatile unsigned done;
static uint32_t late[PERIODS];

static void handler(void)
{
	uint64_t now = counter_read();
	unsigned id = gic_ack();

	if (id == VTIMER_PPI && done < PERIODS) {
		late[done++] = (uint32_t)(now - deadline);
		deadline += period;
		if (deadline <= now)            /* never expected: skip ahead */
			deadline = now + period;
		sysreg_write(cntv_cval_el0, done < PERIODS ? deadline : ~0ull);
		isb();
	}
	if (id < 1020)
		gic_eoi(id);
}

/* Shell sort: the figures are few and the guest has no libc. */
static void sort(uint32_t *a, unsigned n)
{
	for (unsigned gap = n / 2; gap; gap /= 2)
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint32_t t = a[j];

				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

static uint64_t ns(uint64_t ticks)
{
	return ticks * 1000000000ull / counter_freq();
}

int main(void)
{
	period = counter_freq() / 1000000 * PERIOD_US;
	irq_handler = handler;
	gic_init();
	gic_enable(VTIMER_PPI, 0x80);
	deadline = counter_read() + period;
	sysreg_write(cntv_cval_el0, deadline);
	sysreg_write(cntv_ctl_el0, 1);
	isb();
	irq_unmask();
	while (done < PERIODS)
		__asm__ volatile("wfi");
	irq_mask();
	sysreg_write(cntv_ctl_el0, 0);
	sort(late, PERIODS);
	printf("BENCH wakeup_min %lu periods %d\n", ns(late[0]), PERIODS);
	printf("BENCH wakeup_median %lu periods %d\n", ns(late[PERIODS / 2]), PERIODS);
	printf("BENCH wakeup_max %lu periods %d\n", ns(late[PERIODS - 1]), PERIODS);
	return 0;
}
