/*
 * Hostile guest for sharing a pCPU with Linux: until a 'q' arrives on its
 * PL011 (at most STORM_MAX_MS), it cycles through an SGI storm to itself,
 * a level-interrupt storm (the test device's line held high and EOId
 * without being cleared, so it is redelivered after every EOI), random
 * MMIO of every width over its emulated devices, a fault loop (accesses
 * outside its memory, undefined instructions, fetches from a device) and
 * random hypercalls. It prints "storm: round N" now and then, so a
 * scenario can check it was still storming while Linux answered. Then its
 * tests check that every storm did what the architecture says: every
 * SGI and level-interrupt round was delivered, every fault came back as
 * the exception it should. Layout of attack_s2.c.
 */
#include "attack.h"

#define TESTDEV       0x09100000ul
#define UART          0x09000000ul
#define GICD          0x08000000ul
#define UART_DR       0x00
#define UART_FR       0x18
#define FR_RXFE       (1u << 4)
#define DEV_IRQ       40
#define SGI_STORM     3
#define STORM_MAX_MS  240000
#define LEVEL_ROUND_MS 20
#define REPORT_MS     2000

static uint64_t rng = 0x2545f4914f6cdd1dull;
static volatile uint64_t sgi_taken, level_taken;
static uint64_t rounds, sgi_sent, level_rounds, level_rounds_seen;
static uint64_t faults, faults_sea, undefs, undefs_seen, fetches, fetches_seen;
static uint64_t mmio_done, mmio_bad;
static volatile uint64_t level_end;

static void handler(void)
{
	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == SGI_STORM)
			sgi_taken++;
		if (id == DEV_IRQ) {
			level_taken++;
			/* Only this handler runs while the line is high (as on
			 * hardware): it ends the storm when its time is up. */
			if (counter_read() >= level_end)
				writel(TESTDEV + TESTDEV_IRQ, 0);
		}
		gic_eoi(id);   /* the level line stays high: straight back */
	}
}

static bool told_to_stop(void)
{
	while (!(readl(UART + UART_FR) & FR_RXFE))
		if ((readl(UART + UART_DR) & 0xff) == 'q')
			return true;
	return false;
}

static void sgi_storm(void)
{
	for (unsigned i = 0; i < 64; i++) {
		gic_send_sgi(this_vcpu(), SGI_STORM);
		sgi_sent++;
	}
}

static void level_storm(void)
{
	uint64_t before = level_taken;

	level_end = counter_read() + counter_ms(LEVEL_ROUND_MS);
	writel(TESTDEV + TESTDEV_IRQ, 1);
	while (counter_read() < level_end)
		;
	writel(TESTDEV + TESTDEV_IRQ, 0);
	level_rounds++;
	level_rounds_seen += level_taken > before;
}

static void mmio_storm(void)
{
	static const uintptr_t base[] = { TESTDEV, UART + 0x20, GICD + 0x400 };

	for (unsigned i = 0; i < 64; i++) {
		uint64_t r = rand64(&rng);
		unsigned w = 1u << (r % 4);
		uintptr_t a = (base[(r >> 8) % 3] + ((r >> 16) % 0x100)) & ~(uintptr_t)(w - 1);
		struct probe p = probe_load(a, w);

		mmio_done++;
		if (p.x.taken ? ESR_DFSC(p.x.esr) != DFSC_SEA :
		    (w < 8 && (p.value >> (8 * w))))
			mmio_bad++;
	}
}

static void fault_loop(void)
{
	for (unsigned i = 0; i < 32; i++) {
		uintptr_t a = 0x50000000ul + (rand64(&rng) & 0xffff8ul);
		struct probe p = probe_load(a, 8);
		struct exc_info x;

		faults++;
		faults_sea += p.x.taken && ESR_DFSC(p.x.esr) == DFSC_SEA && p.x.far == a;
		x = CATCH_EXCEPTION(__asm__ volatile(".inst 0x00001234"));
		undefs++;
		undefs_seen += x.taken && ESR_EC(x.esr) == ESR_EC_UNKNOWN;
		if (i % 8 == 0) {
			x = probe_exec(TESTDEV);
			fetches++;
			fetches_seen += x.taken && ESR_EC(x.esr) == ESR_EC_IABT_CUR;
		}
	}
}

static void hypercall_garbage(void)
{
	for (unsigned i = 0; i < 16; i++) {
		uint32_t fid = (uint32_t)rand64(&rng);

		/* Not the PSCI calls that would end or reset this VM. */
		if ((fid & 0xbfffffe0u) == 0x84000000u)
			continue;
		(void)hvc(fid, rand64(&rng), rand64(&rng), rand64(&rng));
	}
}

TEST(attack_storm, sgi_storm_delivered)
{
	printf("storm: %lu SGIs sent, %lu taken\n", (unsigned long)sgi_sent,
	       (unsigned long)sgi_taken);
	EXPECT_GT(sgi_taken, 0);
	EXPECT_LE(sgi_taken, sgi_sent);
}

TEST(attack_storm, level_storm_redelivered)
{
	printf("storm: %lu level rounds, %lu with the line taken, %lu deliveries\n",
	       (unsigned long)level_rounds, (unsigned long)level_rounds_seen,
	       (unsigned long)level_taken);
	EXPECT_EQ(level_rounds_seen, level_rounds);
	EXPECT_GT(level_taken, 2 * level_rounds);   /* redelivered after EOI */
}

TEST(attack_storm, every_fault_came_back)
{
	printf("storm: %lu faults, %lu undefs, %lu fetches\n", (unsigned long)faults,
	       (unsigned long)undefs, (unsigned long)fetches);
	EXPECT_EQ(faults_sea, faults);
	EXPECT_EQ(undefs_seen, undefs);
	EXPECT_EQ(fetches_seen, fetches);
}

TEST(attack_storm, mmio_answers_within_width)
{
	printf("storm: %lu MMIO accesses\n", (unsigned long)mmio_done);
	EXPECT_GT(mmio_done, 0);
	EXPECT_EQ(mmio_bad, 0);
}

int main(void)
{
	uint64_t start = counter_read(), report = start;

	irq_handler = handler;
	gic_init();
	gic_enable(SGI_STORM, 0x80);
	gic_enable(DEV_IRQ, 0x80);
	irq_unmask();
	printf("storm: start\n");
	while (counter_read() - start < counter_ms(STORM_MAX_MS)) {
		sgi_storm();
		level_storm();
		mmio_storm();
		fault_loop();
		hypercall_garbage();
		rounds++;
		if (counter_read() - report > counter_ms(REPORT_MS)) {
			report = counter_read();
			printf("storm: round %lu\n", (unsigned long)rounds);
		}
		if (told_to_stop())
			break;
	}
	irq_mask();
	printf("storm: done after %lu rounds\n", (unsigned long)rounds);
	return test_run_all();
}
