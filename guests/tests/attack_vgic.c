/*
 * Hostile guest, vGIC abuse (GICv3 or GICv2, two vCPUs): priorities,
 * routing to vCPUs that do not exist, SGI floods to itself, its other vCPU,
 * all, and targets that do not exist, more pending interrupts than list
 * registers (every SPI line, granted to a device or not), active-state
 * games (ISACTIVER/ICACTIVER, EOI without acknowledge), distributor
 * enable flapping, and its active priorities left set for a while. Each
 * checks what the GIC architecture (IHI 0069) says this VM must see; the
 * victims sharing its pCPUs check that none of it reaches them.
 */
#include "attack.h"

#define GICD          0x08000000ul
#define GICR          0x080a0000ul
#define GICC          0x08010000ul
#define TESTDEV       0x09100000ul
#define DEV_IRQ       40            /* the test device's SPI 8 */
#define ISENABLER     0x100
#define ICENABLER     0x180
#define ISPENDR       0x200
#define ICPENDR       0x280
#define ISACTIVER     0x300
#define ICACTIVER     0x380
#define IPRIORITYR    0x400
#define MAX_IDS       1024

static volatile unsigned seen[2][MAX_IDS];
static volatile unsigned order[MAX_IDS], norder;
static volatile bool stop_helper, helper_ready;

static void handler(void)
{
	unsigned cpu = this_vcpu() & 1;

	for (;;) {
		unsigned id = gic_ack();

		if (id >= 1020)
			break;
		if (id == DEV_IRQ)
			writel(TESTDEV + TESTDEV_IRQ, 0);
		seen[cpu][id]++;
		if (cpu == 0 && norder < MAX_IDS)
			order[norder++] = id;
		gic_eoi(id);
	}
}

static void clear_seen(void)
{
	for (unsigned i = 0; i < MAX_IDS; i++)
		seen[0][i] = seen[1][i] = 0;
	norder = 0;
}

/* The register bank of this vCPU's SGIs and PPIs. */
static uintptr_t priv_bank(void)
{
	return gic_version() == 3 ? GICR + this_vcpu() * 0x20000ul + 0x10000 : GICD;
}

static unsigned nr_lines(void)
{
	return ((readl(GICD + 4) & 0x1f) + 1) * 32;
}

/* Takes what is pending: IRQs unmasked for a moment, WFI-free. */
static void drain(void)
{
	irq_unmask();
	for (volatile int i = 0; i < 20000; i++)
		;
	irq_mask();
}

static void helper(void *arg)
{
	(void)arg;
	gic_init_cpu();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, 0x80);
	helper_ready = true;
	while (!stop_helper) {
		irq_mask();
		if (!stop_helper)
			__asm__ volatile("wfi");
		irq_unmask();
	}
	irq_mask();
}

/* Yields until *count > 0 or a second has passed (the other vCPU shares
 * its pCPU with busy VMs). */
static void wait_seen(const volatile unsigned *count)
{
	for (uint64_t end = counter_read() + counter_ms(1000); !*count &&
	     counter_read() < end;)
		numbat_yield();
}

/* ICC_SGI1R_EL1 (v3) or GICD_SGIR (v2) with raw, possibly wild, fields. */
static void sgi_raw_v3(uint64_t v)
{
	sysreg_write(s3_0_c12_c11_5, v);
	isb();
}

TEST(attack_vgic, setup_helper_vcpu)
{
	irq_handler = handler;
	gic_init();
	for (unsigned i = 0; i < 16; i++)
		gic_enable(i, 0x80);
	ASSERT_EQ(cpu_on(1, helper, NULL), PSCI_SUCCESS);
	uint64_t start = counter_read();

	while (!helper_ready && counter_read() - start < counter_ms(5000))
		numbat_yield();
	printf("helper vcpu ready after %lu ms\n",
	       (unsigned long)((counter_read() - start) / counter_ms(1)));
	ASSERT_TRUE(helper_ready);
}

/* Implemented priority bits: what 0xff reads back as; writes obey it. */
TEST(attack_vgic, priorities)
{
	uintptr_t bank = priv_bank();
	uint8_t mask;

	writeb(GICD + IPRIORITYR + DEV_IRQ, 0xff);
	mask = readb(GICD + IPRIORITYR + DEV_IRQ);
	EXPECT_GE(mask, 0xf0);
	for (unsigned v = 0; v < 256; v += 7) {
		writeb(GICD + IPRIORITYR + DEV_IRQ, (uint8_t)v);
		EXPECT_EQ(readb(GICD + IPRIORITYR + DEV_IRQ), v & mask);
	}
	writel(bank + IPRIORITYR + 4, 0xffffffffu);
	EXPECT_EQ(readl(bank + IPRIORITYR + 4), 0x01010101u * mask);
	/* Priority order holds with wild values: 3 before 2 before 1. */
	writeb(bank + IPRIORITYR + 1, 0xf0);
	writeb(bank + IPRIORITYR + 2, 0x80);
	writeb(bank + IPRIORITYR + 3, 0x00);
	clear_seen();
	irq_mask();
	for (unsigned i = 1; i <= 3; i++)
		gic_send_sgi(this_vcpu(), i);
	drain();
	EXPECT_EQ(norder, 3);
	EXPECT_EQ(order[0], 3);
	EXPECT_EQ(order[1], 2);
	EXPECT_EQ(order[2], 1);
	for (unsigned i = 0; i < 16; i++)
		writeb(bank + IPRIORITYR + i, 0x80);
	writeb(GICD + IPRIORITYR + DEV_IRQ, 0x80);
}

/* A route to a vCPU that does not exist delivers to vCPU 0, never nowhere. */
TEST(attack_vgic, route_to_missing_vcpus)
{
	static const uint64_t v3_routes[] = { 5, 0xff, 0x100, 1ull << 31, 1ull << 32, ~0ull };
	static const uint8_t v2_targets[] = { 0xfc, 0x80, 0x04 };
	unsigned n = gic_version() == 3 ? 6 : 3;

	writeb(GICD + IPRIORITYR + DEV_IRQ, 0x80);
	writel(GICD + ISENABLER + 4, 1u << (DEV_IRQ - 32));
	for (unsigned i = 0; i < n; i++) {
		if (gic_version() == 3) {
			writeq(GICD + 0x6000 + 8 * DEV_IRQ, v3_routes[i]);
			EXPECT_EQ(readq(GICD + 0x6000 + 8 * DEV_IRQ), 0);
		} else {
			/* GICv2: target bits of CPU interfaces that do not exist
			 * are RAZ/WI (IHI 0048B 4.3.12); none left targets nobody. */
			writeb(GICD + 0x800 + DEV_IRQ, v2_targets[i]);
			EXPECT_EQ(readb(GICD + 0x800 + DEV_IRQ), 0);
		}
		clear_seen();
		irq_mask();
		writel(TESTDEV + TESTDEV_IRQ, 1);
		drain();
		if (gic_version() == 3) {
			EXPECT_EQ(seen[0][DEV_IRQ], 1);
		} else {
			/* Pending in the distributor, delivered to nobody. */
			EXPECT_EQ(seen[0][DEV_IRQ], 0);
			writel(TESTDEV + TESTDEV_IRQ, 0);
			writel(GICD + 0x280 + 4, 1u << (DEV_IRQ - 32)); /* ICPENDR1 */
		}
		EXPECT_EQ(seen[1][DEV_IRQ], 0);
	}
	writel(GICD + ICENABLER + 4, 1u << (DEV_IRQ - 32));
}

/* Floods: self, the other vCPU, everyone else, targets that do not exist. */
TEST(attack_vgic, sgi_floods)
{
	const unsigned n = 200;
	uint64_t t0 = counter_read();

	clear_seen();
	for (unsigned i = 0; i < n; i++) {
		gic_send_sgi(0, 4);
		if ((i & 31) == 0)
			drain();
	}
	drain();
	printf("sgi_floods: %u to self in %lu ms\n", n,
	       (unsigned long)((counter_read() - t0) / counter_ms(1)));
	t0 = counter_read();
	for (unsigned i = 0; i < n; i++)
		gic_send_sgi(1, 5);
	wait_seen(&seen[1][5]);
	printf("sgi_floods: self %u, other %u of %u in %lu ms\n", seen[0][4], seen[1][5], n,
	       (unsigned long)((counter_read() - t0) / counter_ms(1)));
	t0 = counter_read();
	EXPECT_GT(seen[0][4], 0);
	EXPECT_LE(seen[0][4], n);
	EXPECT_GT(seen[1][5], 0);
	EXPECT_LE(seen[1][5], n);
	EXPECT_EQ(seen[0][5] + seen[1][4], 0);
	/* Targets that do not exist: nobody gets anything. */
	clear_seen();
	for (unsigned i = 0; i < n; i++) {
		if (gic_version() == 3) {
			sgi_raw_v3((6ull << 24) | 0xfffc);                    /* vCPUs 2-15 */
			sgi_raw_v3((6ull << 24) | (1ull << 16) | 3);          /* Aff1 = 1 */
			sgi_raw_v3((6ull << 24) | (1ull << 32) | 3);          /* Aff2 = 1 */
			sgi_raw_v3((6ull << 24) | (1ull << 48) | 3);          /* Aff3 = 1 */
			sgi_raw_v3((6ull << 24) | (1ull << 44) | 3);          /* RS = 1 */
		} else {
			writel(GICD + 0xf00, (0xfcu << 16) | 6);
			writel(GICD + 0xf00, (3u << 24) | 6);                 /* filter 3 */
		}
	}
	drain();
	delay_ms(20);
	printf("sgi_floods: %u to nobody in %lu ms\n", 5 * n,
	       (unsigned long)((counter_read() - t0) / counter_ms(1)));
	EXPECT_EQ(seen[0][6] + seen[1][6], 0);
	/* IRM = 1 (v3) / filter 1 (v2): every vCPU but the sender. */
	clear_seen();
	if (gic_version() == 3)
		sgi_raw_v3((7ull << 24) | (1ull << 40));
	else
		writel(GICD + 0xf00, (1u << 24) | 7);
	drain();
	wait_seen(&seen[1][7]);
	delay_ms(20);
	EXPECT_EQ(seen[0][7], 0);
	EXPECT_EQ(seen[1][7], 1);
}

/*
 * Every line the VM has, pending at once: far more than list registers.
 * Each is delivered exactly once, most urgent first.
 */
TEST(attack_vgic, lr_overflow_every_line)
{
	unsigned lines = nr_lines(), expect = 0;
	uintptr_t bank = priv_bank();

	irq_mask();
	/* A word per four interrupts: every vGIC write costs a trap. */
	for (unsigned id = 0; id < lines; id += 4) {
		uint32_t w = 0;

		for (unsigned k = 0; k < 4; k++)
			w |= (uint32_t)(((id + k) * 37) & 0xf0) << (8 * k);
		if (id >= 32 || id < 16)
			writel((id < 32 ? bank : GICD) + IPRIORITYR + id, w);
		if (id >= 32 && gic_version() == 2)
			writel(GICD + 0x800 + id, 0x01010101u);
	}
	/* GICv3: SPIs route to vCPU 0 already (setup and route tests). */
	for (unsigned w = 1; w < lines / 32; w++) {
		writel(GICD + ISENABLER + 4 * w, ~0u);
		writel(GICD + ISPENDR + 4 * w, ~0u);
	}
	writel(bank + ISPENDR, 0xffff);   /* SGIs: ISPENDR0 is WI for them on v2 */
	clear_seen();
	for (unsigned id = 0; id < 16; id++)
		gic_send_sgi(this_vcpu(), id);
	expect = lines - 32 + 16;
	drain();
	drain();
	printf("lr_overflow: %u of %u delivered\n", norder, expect);
	EXPECT_EQ(norder, expect);
	for (unsigned id = 0; id < lines; id++) {
		if (id >= 16 && id < 32)
			continue;
		if (seen[0][id] != 1)
			printf("intid %u delivered %u times\n", id, seen[0][id]);
		EXPECT_EQ(seen[0][id], 1);
	}
	unsigned inversions = 0;
	for (unsigned i = 1; i < norder; i++) {
		unsigned a = order[i - 1], b = order[i];
		uint8_t pa = readb((a < 32 ? bank : GICD) + IPRIORITYR + a);
		uint8_t pb = readb((b < 32 ? bank : GICD) + IPRIORITYR + b);

		inversions += pa > pb;
	}
	EXPECT_EQ(inversions, 0);
	for (unsigned w = 1; w < lines / 32; w++)
		writel(GICD + ICENABLER + 4 * w, ~0u);
	for (unsigned id = 0; id < 16; id++)
		writeb(bank + IPRIORITYR + id, 0x80);
}

/* An active interrupt is not signalled again until it is deactivated. */
TEST(attack_vgic, active_state_games)
{
	uintptr_t bank = priv_bank();

	irq_mask();
	clear_seen();
	writel(bank + ISACTIVER, 1u << 9);
	EXPECT_EQ(readl(bank + ISACTIVER) & (1u << 9), 1u << 9);
	gic_send_sgi(this_vcpu(), 9);
	drain();
	EXPECT_EQ(seen[0][9], 0);
	writel(bank + ICACTIVER, 1u << 9);
	drain();
	EXPECT_EQ(seen[0][9], 1);
	EXPECT_EQ(readl(bank + ISACTIVER) & (1u << 9), 0);
	/* Clearing what is not active, EOI of what was never acknowledged. */
	writel(bank + ICACTIVER, 0xffff);
	for (unsigned id = 0; id < 16; id++)
		gic_eoi(id);
	gic_eoi(1023);
	gic_eoi(DEV_IRQ);
	clear_seen();
	gic_send_sgi(this_vcpu(), 10);
	drain();
	EXPECT_EQ(seen[0][10], 1);
	/* ICPENDR withdraws a pending SGI before it is taken. */
	clear_seen();
	gic_send_sgi(this_vcpu(), 11);
	writel(bank + ICPENDR, 1u << 11);
	drain();
	EXPECT_EQ(seen[0][11], 0);
}

/* Pending is a state, not a count: two sends before the ack are one. */
TEST(attack_vgic, sgi_pending_twice_is_once)
{
	irq_mask();
	clear_seen();
	gic_send_sgi(this_vcpu(), 14);
	gic_send_sgi(this_vcpu(), 14);
	gic_send_sgi(this_vcpu(), 14);
	drain();
	writeb(priv_bank() + IPRIORITYR + 15, 0x80);   /* any flush */
	drain();
	EXPECT_EQ(seen[0][14], 1);
	/* The same for an edge-triggered SPI set pending twice (ISPENDR). */
	const unsigned spi = 50;
	uintptr_t cfg = GICD + 0xc00 + (spi / 16) * 4;

	writel(cfg, readl(cfg) | (2u << (2 * (spi % 16))));
	writeb(GICD + IPRIORITYR + spi, 0x80);
	if (gic_version() == 2)
		writeb(GICD + 0x800 + spi, 1);
	else
		writeq(GICD + 0x6000 + 8 * spi, 0);
	writel(GICD + ISENABLER + 4 * (spi / 32), 1u << (spi % 32));
	clear_seen();
	writel(GICD + ISPENDR + 4 * (spi / 32), 1u << (spi % 32));
	writel(GICD + ISPENDR + 4 * (spi / 32), 1u << (spi % 32));
	drain();
	writeb(GICD + IPRIORITYR + spi + 1, 0x80);      /* any flush */
	drain();
	EXPECT_EQ(seen[0][spi], 1);
	writel(GICD + ICENABLER + 4 * (spi / 32), 1u << (spi % 32));
}

/*
 * GICv3: GICR_ISPENDR0 sets an SGI pending like any private interrupt
 * (IHI 0069 12.11.28); GICv2 sets SGIs pending only through
 * GICD_SPENDSGIR, its ISPENDR0 SGI bits are write-ignored (IHI 0048 4.3.7).
 */
TEST(attack_vgic, ispendr_of_sgis)
{
	uintptr_t bank = priv_bank();

	irq_mask();
	clear_seen();
	writel(bank + ISPENDR, 1u << 13);
	drain();
	EXPECT_EQ(seen[0][13], gic_version() == 3 ? 1 : 0);
}

/* Enable flapping: nothing lost, nothing delivered while disabled. */
TEST(attack_vgic, distributor_enable_flapping)
{
	uint32_t on = gic_version() == 3 ? 0x12 : 1;

	for (unsigned i = 0; i < 20; i++) {
		writel(GICD, 0);
		writel(GICD, on);
	}
	clear_seen();
	writel(GICD, 0);
	writeb(GICD + IPRIORITYR + DEV_IRQ, 0x80);
	writel(GICD + ISENABLER + 4, 1u << (DEV_IRQ - 32));
	writel(TESTDEV + TESTDEV_IRQ, 1);
	drain();
	EXPECT_EQ(seen[0][DEV_IRQ], 0);
	writel(GICD, on);
	drain();
	EXPECT_EQ(seen[0][DEV_IRQ], 1);
	writel(GICD + ICENABLER + 4, 1u << (DEV_IRQ - 32));
}

/*
 * Every active-priority bit set for 200 ms: this VM's own interrupts are
 * masked meanwhile, nobody else's; cleared, its interrupts come again.
 */
TEST(attack_vgic, active_priorities_left_set)
{
	clear_seen();
	if (gic_version() == 3)
		sysreg_write(s3_0_c12_c9_0, 0xffffffffu);   /* ICC_AP1R0_EL1 */
	else
		writel(GICC + 0xd0, 0xffffffffu);           /* GICC_APR0 */
	isb();
	gic_send_sgi(this_vcpu(), 12);
	irq_unmask();
	delay_ms(200);
	irq_mask();
	EXPECT_EQ(seen[0][12], 0);
	if (gic_version() == 3)
		sysreg_write(s3_0_c12_c9_0, 0);
	else
		writel(GICC + 0xd0, 0);
	isb();
	drain();
	EXPECT_EQ(seen[0][12], 1);
}

TEST(attack_vgic, stop_helper_vcpu)
{
	stop_helper = true;
	gic_send_sgi(1, 0);
	for (uint64_t end = counter_read() + counter_ms(1000);
	     psci_affinity_info(1, 0) != PSCI_AFF_OFF && counter_read() < end;)
		numbat_yield();
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}
