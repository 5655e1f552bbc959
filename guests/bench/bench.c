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

int main(void)
{
	uint64_t empty, hvc_ns = ~0ull, mmio_ns = ~0ull;

	printf("bench: %lu iterations, best of %d, counter %lu Hz\n",
	       (unsigned long)N, ROUNDS, (unsigned long)counter_freq());
	if (readl(TESTDEV + TESTDEV_ID) != TESTDEV_ID_VALUE)
		printf("bench: test device missing at 0x%lx\n", TESTDEV);
	empty = best_empty();
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t h = ticks_to_ns(bench_hvc(N));
		uint64_t m = ticks_to_ns(bench_mmio_read(N, TESTDEV + TESTDEV_ID));

		if (h < hvc_ns)
			hvc_ns = h;
		if (m < mmio_ns)
			mmio_ns = m;
	}
	printf("bench: empty loop %lu ns for %lu iterations\n",
	       (unsigned long)empty, (unsigned long)N);
	report("hypercall", hvc_ns, empty);
	report("mmio_read", mmio_ns, empty);
	return 0;
}
