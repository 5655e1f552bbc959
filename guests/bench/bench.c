/*
 * Benchmark guest: the cost of a null hypercall and of an emulated MMIO
 * read, in instructions, for scripts/bench.sh. Under QEMU -icount shift=0
 * every instruction (at any EL) advances virtual time by 1 ns, so the
 * counter measures instructions: ns = ticks * 1e9 / CNTFRQ_EL0.
 *
 * Prints "BENCH <name> <instructions per iteration beyond the empty loop>"
 * with one decimal, the best of ROUNDS runs of N iterations.
 */
#include "numbat.h"

#define N        100000ull
#define ROUNDS   3
#define TESTDEV  0x09100000ul

uint64_t bench_empty(uint64_t n);
uint64_t bench_hvc(uint64_t n);
uint64_t bench_mmio_read(uint64_t n, uintptr_t addr);

/* Converts counter ticks to ns (instructions under icount shift=0). */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks * 1000000000ull / counter_freq();
}

static uint64_t best_empty(void)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t = ticks_to_ns(bench_empty(N));
		if (t < best)
			best = t;
	}
	return best;
}

/* Prints `name` as tenths of an instruction per iteration above `base`. */
static void report(const char *name, uint64_t total_ns, uint64_t base_ns)
{
	uint64_t extra = total_ns > base_ns ? total_ns - base_ns : 0;
	uint64_t tenths = (extra * 10 + N / 2) / N;

	printf("BENCH %s %lu.%lu\n", name, (unsigned long)(tenths / 10),
	       (unsigned long)(tenths % 10));
}

/*
 * Interrupt path. The virtual timer fires exactly at a tick boundary
 * (CVAL), so a single counter read in the handler only says in which tick
 * the handler ran. The handler then counts how many calibrated polling
 * iterations remain until the next tick, which locates it within the tick.
 */
#define IRQ_ROUNDS 2000
#define VTIMER     27

static volatile uint64_t irq_cval, irq_tick, irq_rest, irq_ackeoi;
static volatile bool irq_done;

static uint64_t count_to_next_tick(uint64_t t0)
{
	uint64_t n = 0;

	while (counter_read() == t0)
		n++;
	return n;
}

static void timer_handler(void)
{
	uint64_t t0 = counter_read(), t1, t2;
	unsigned id;

	irq_tick = t0;
	irq_rest = count_to_next_tick(t0);
	/* Acknowledge + EOI, bracketed by counter reads (averaged below). */
	t1 = counter_read();
	id = gic_ack();
	sysreg_write(cntv_ctl_el0, 3);          /* ENABLE | IMASK */
	gic_eoi(id);
	t2 = counter_read();
	irq_ackeoi += t2 - t1;
	irq_done = true;
}

/* Polling iterations of count_to_next_tick() in one whole tick. */
static uint64_t calibrate(void)
{
	uint64_t t = counter_read();

	while (counter_read() == t)
		;
	return count_to_next_tick(counter_read());
}

static void bench_irq(void)
{
	uint64_t per_tick = calibrate(), ns_per_tick = 1000000000ull / counter_freq();
	uint64_t lat_sum = 0, empty = 0;

	irq_handler = timer_handler;
	gic_init();
	gic_enable(VTIMER, 0x80);
	for (int i = 0; i < 64; i++) {          /* cost of two counter reads */
		uint64_t a = counter_read(), b = counter_read();

		empty += b - a;
	}
	irq_ackeoi = 0;
	for (unsigned i = 0; i < IRQ_ROUNDS; i++) {
		irq_done = false;
		irq_cval = counter_read() + 20;
		sysreg_write(cntv_cval_el0, irq_cval);
		sysreg_write(cntv_ctl_el0, 1);
		irq_unmask();
		while (!irq_done)
			;
		irq_mask();
		/* Handler start, in 1/per_tick of a tick after CVAL. */
		lat_sum += (irq_tick - irq_cval + 1) * per_tick - irq_rest;
	}
	sysreg_write(cntv_ctl_el0, 0);
	irq_handler = NULL;
	printf("BENCH vtimer_to_handler %lu\n",
	       (unsigned long)(lat_sum * ns_per_tick / per_tick / IRQ_ROUNDS));
	/* ns per ack+EOI: averaged ticks minus the empty pair's. */
	printf("BENCH irq_ack_eoi %lu\n",
	       (unsigned long)((irq_ackeoi * ns_per_tick / IRQ_ROUNDS) -
			       empty * ns_per_tick / 64));
}

int main(void)
{
	uint64_t empty, hvc_ns = ~0ull, mmio_ns = ~0ull, gicd_ns = ~0ull;

	printf("bench: %lu iterations, best of %d, counter %lu Hz\n",
	       (unsigned long)N, ROUNDS, (unsigned long)counter_freq());
	if (readl(TESTDEV + TESTDEV_ID) != TESTDEV_ID_VALUE)
		printf("bench: test device missing at 0x%lx\n", TESTDEV);
	empty = best_empty();
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t h = ticks_to_ns(bench_hvc(N));
		uint64_t m = ticks_to_ns(bench_mmio_read(N, TESTDEV + TESTDEV_ID));

		uint64_t g = ticks_to_ns(bench_mmio_read(N, 0x08000004ul)); /* GICD_TYPER */

		if (g < gicd_ns)
			gicd_ns = g;
		if (h < hvc_ns)
			hvc_ns = h;
		if (m < mmio_ns)
			mmio_ns = m;
	}
	printf("bench: empty loop %lu ns for %lu iterations\n",
	       (unsigned long)empty, (unsigned long)N);
	report("hypercall", hvc_ns, empty);
	report("mmio_read", mmio_ns, empty);
	report("gicd_read", gicd_ns, empty);
	bench_irq();
	return 0;
}
