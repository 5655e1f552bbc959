/*
 * Benchmark guest: the cost of a null hypercall, of emulated MMIO reads
 * (the test device; the registers of the distributor and of the PL011
 * model a guest reads at run time), of the vtimer interrupt path and of
 * an IPI round trip between two vCPUs, in instructions, for
 * scripts/bench.sh. Under QEMU -icount shift=0
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
#define UART     0x09000000ul
#define GICD     0x08000000ul
#define N_REG    20000ull    /* iterations per register (deterministic) */

uint64_t bench_empty(uint64_t n);
uint64_t bench_hvc(uint64_t n);
uint64_t bench_mmio_read(uint64_t n, uintptr_t addr);
uint64_t bench_mmio_read64(uint64_t n, uintptr_t addr);

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

/*
 * Registers read at run time: of the distributor, what Linux's GIC driver
 * reads (enable, priority, configuration, routing, pending and active
 * state of SPIs, identification); of the PL011, what its driver reads in
 * its interrupt handler and polling paths (DR with the receive FIFO
 * empty). Each is timed alone; bench.sh prints each and the median.
 */
struct reg {
	const char *name;
	uint32_t off;
	uint8_t size;
	uint8_t gic;          /* 0: any, 2 or 3: that GIC version only */
};

static const struct reg gicd_regs[] = {
	{ "ISENABLER1", 0x104, 4, 0 }, { "ICENABLER1", 0x184, 4, 0 },
	{ "IPRIORITYR8", 0x420, 4, 0 }, { "ICFGR2", 0xc08, 4, 0 },
	{ "IROUTER32", 0x6100, 8, 3 }, { "ITARGETSR8", 0x820, 4, 2 },
	{ "ISPENDR1", 0x204, 4, 0 }, { "ISACTIVER1", 0x304, 4, 0 },
	{ "IIDR", 0x008, 4, 0 }, { "TYPER", 0x004, 4, 0 },
};

static const struct reg uart_regs[] = {
	{ "FR", 0x18, 4, 0 }, { "CR", 0x30, 4, 0 }, { "IMSC", 0x38, 4, 0 },
	{ "RIS", 0x3c, 4, 0 }, { "MIS", 0x40, 4, 0 }, { "DR", 0x00, 4, 0 },
};

static uint64_t median_tenths(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)           /* insertion sort */
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2] + 1) / 2;
}

/* Times each register of `regs` at `base`; prints them and their median. */
static void bench_regs(const char *what, uintptr_t base, const struct reg *regs,
		       unsigned nregs, uint64_t empty_per_n)
{
	uint64_t tenths[16];
	unsigned n = 0;

	for (unsigned i = 0; i < nregs; i++) {
		uintptr_t a = base + regs[i].off;
		uint64_t t, extra;

		if (regs[i].gic && regs[i].gic != gic_version())
			continue;
		t = ticks_to_ns(regs[i].size == 8 ? bench_mmio_read64(N_REG, a)
						  : bench_mmio_read(N_REG, a));
		extra = t > empty_per_n ? t - empty_per_n : 0;
		tenths[n] = (extra * 10 + N_REG / 2) / N_REG;
		printf("BENCH %s_%s %lu.%lu\n", what, regs[i].name,
		       (unsigned long)(tenths[n] / 10), (unsigned long)(tenths[n] % 10));
		n++;
	}
	tenths[0] = median_tenths(tenths, n);
	printf("BENCH %s_median %lu.%lu\n", what, (unsigned long)(tenths[0] / 10),
	       (unsigned long)(tenths[0] % 10));
}

/*
 * IPI round trip between vCPU 0 and vCPU 1 (on two pCPUs): vCPU 0 sends
 * SGI 1 to vCPU 1 (ICC_SGI1R_EL1 on GICv3, GICD_SGIR on v2) and waits in
 * WFI; vCPU 1, waiting in WFI too, takes it and its handler sends SGI 2
 * back; vCPU 0's handler counts it. icount runs both pCPUs in one thread
 * on one clock, so a round trip's time is every instruction both pCPUs
 * run for it. Both wait in WFI because under icount a pCPU that spins
 * keeps QEMU's round-robin until its next timer deadline: a spinning
 * vCPU would measure QEMU's time slice, not numbat.
 */
#define IPI_ROUNDS 2000
#define SGI_PING   1
#define SGI_PONG   2

static volatile unsigned pongs, ipi_ready, ipi_stop;

static void ipi_handler(void)
{
	unsigned id = gic_ack();

	if (id == SGI_PING)
		gic_send_sgi(0, SGI_PONG);
	else if (id == SGI_PONG)
		pongs++;
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

static void ipi_secondary(void *arg)
{
	(void)arg;
	gic_init_cpu();
	gic_enable(SGI_PING, 0x80);
	irq_mask();
	ipi_ready = 1;
	while (!ipi_stop)
		wfi_take();
}

static void bench_ipi(void)
{
	uint64_t t0, t1;

	irq_handler = ipi_handler;
	gic_enable(SGI_PONG, 0x80);
	if (cpu_on(1, ipi_secondary, NULL) != PSCI_SUCCESS) {
		printf("bench: no second vCPU for the IPI round trip\n");
		return;
	}
	irq_mask();
	gic_disable(VTIMER);
	while (!ipi_ready) {    /* WFI, woken by numbat at the timer deadline */
		vtimer_arm_ms(1);
		if (!ipi_ready)
			__asm__ volatile("wfi");
		vtimer_disarm();
	}
	pongs = 0;
	t0 = counter_read();
	for (unsigned i = 0; i < IPI_ROUNDS; i++) {
		gic_send_sgi(1, SGI_PING);
		while (pongs <= i)
			wfi_take();
	}
	t1 = counter_read();
	ipi_stop = 1;
	gic_send_sgi(1, SGI_PING);
	irq_handler = NULL;
	printf("BENCH ipi_round_trip %lu\n", (unsigned long)(ticks_to_ns(t1 - t0) / IPI_ROUNDS));
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
	empty = empty * N_REG / N;
	bench_regs("gicd", GICD, gicd_regs, sizeof(gicd_regs) / sizeof(gicd_regs[0]), empty);
	bench_regs("uart", UART, uart_regs, sizeof(uart_regs) / sizeof(uart_regs[0]), empty);
	bench_ipi();
	return 0;
}
