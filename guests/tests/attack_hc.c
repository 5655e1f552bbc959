/*
 * Hostile guest, hypercall and PSCI abuse: numbat's own calls with wild
 * pointers, lengths and ranges that overflow; unknown function IDs in
 * every SMCCC owner range, both calling conventions, fast and yielding,
 * over HVC and SMC; PSCI CPU_ON with bad targets, entry points and
 * contexts, of an already-on vCPU; AFFINITY_INFO with wild values; SMC32
 * calls with garbage in the upper halves. Each gets the error code the
 * SMCCC (Arm DEN 0028) and PSCI (Arm DEN 0022D) specify. Last, main()
 * has vCPU 1 call SYSTEM_OFF: the whole VM must go off, vCPU 0 included.
 * Two vCPUs; the memory layout of attack_s2.c.
 */
#include "attack.h"

#define RAM          0x40000000ul
#define RAM_END      0x41000000ul
#define RO           0x42000000ul
#define RW           0x43000000ul
#define TESTDEV      0x09100000ul
#define GICD         0x08000000ul

static int64_t conduit_call(bool use_smc, uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return use_smc ? smc(fid, a1, a2, a3) : hvc(fid, a1, a2, a3);
}

static void put_text(uintptr_t at, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*(volatile char *)(at + i) = s[i];
}

TEST(attack_hc, console_write_wild_pointers)
{
	static const uint64_t bad[] = {
		0, RAM - 8, RAM_END, TESTDEV, GICD, 0x0a000000ul, 1ull << 40,
		~0ull, ~0ull - 7, 0x8000000000000000ull,
	};

	for (unsigned c = 0; c < 2; c++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			EXPECT_EQ(conduit_call(c, NUMBAT_HC_CONSOLE_WRITE, bad[i], 8, 0),
				  SMCCC_INVALID_PARAMETER);
			EXPECT_EQ(conduit_call(c, NUMBAT_HC_CONSOLE_WRITE, bad[i], ~0ull, 0),
				  SMCCC_INVALID_PARAMETER);
			/* Nothing to write: nothing is checked or done. */
			EXPECT_EQ(conduit_call(c, NUMBAT_HC_CONSOLE_WRITE, bad[i], 0, 0), 0);
		}
}

/* A range must lie wholly in one readable region: edges and overflows. */
TEST(attack_hc, console_write_ranges)
{
	put_text(RAM_END - 8, "edge-ok\n", 8);
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RAM_END - 8, 8, 0), 8);
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RAM_END - 8, 9, 0), SMCCC_INVALID_PARAMETER);
	/* A huge length is clamped to NUMBAT_CONSOLE_WRITE_MAX first. */
	for (unsigned i = 0; i < NUMBAT_CONSOLE_WRITE_MAX; i++)
		*(volatile char *)(RAM_END - NUMBAT_CONSOLE_WRITE_MAX + i) =
			i == NUMBAT_CONSOLE_WRITE_MAX - 1 ? '\n' : 'c';
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RAM_END - NUMBAT_CONSOLE_WRITE_MAX, ~0ull, 0),
		  NUMBAT_CONSOLE_WRITE_MAX);
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RAM_END - 100, ~0ull, 0),
		  SMCCC_INVALID_PARAMETER);
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RAM_END - 100, 1ull << 63, 0),
		  SMCCC_INVALID_PARAMETER);
	/* The rw (not executable) region is readable by numbat too. */
	put_text(RW, "rw-ok-2\n", 8);
	EXPECT_EQ(smc(NUMBAT_HC_CONSOLE_WRITE, RW, 8, 0), 8);
	/* A range from one region into the next is refused. */
	EXPECT_EQ(hvc(NUMBAT_HC_CONSOLE_WRITE, RO + 0x1000 - 4, 8, 0), SMCCC_INVALID_PARAMETER);
}

/* Is `fid` one numbat implements (or PSCI, checked separately)? */
static bool known_fid(uint32_t fid)
{
	return fid == SMCCC_VERSION || fid == SMCCC_ARCH_FEATURES ||
	       (fid >= NUMBAT_HC_VERSION && fid <= NUMBAT_HC_VIRQ_RAISE) ||
	       (fid & 0xbfffffe0u) == 0x84000000u;
}

/* Every owner (0-63), SMC32/SMC64, fast/yielding, HVC/SMC. */
TEST(attack_hc, unknown_ids_every_range)
{
	static const uint32_t funcs[] = { 0, 1, 4, 0x20, 0xff00, 0xffff };
	unsigned calls = 0;

	for (uint32_t top = 0; top < 4; top++)
		for (uint32_t owner = 0; owner < 64; owner++)
			for (size_t f = 0; f < sizeof(funcs) / sizeof(funcs[0]); f++) {
				uint32_t fid = (top << 30) | (owner << 24) | funcs[f];

				if (known_fid(fid))
					continue;
				EXPECT_EQ(hvc(fid, ~0ull, ~0ull, ~0ull), SMCCC_NOT_SUPPORTED);
				EXPECT_EQ(smc(fid, 0, 0, 0), SMCCC_NOT_SUPPORTED);
				calls += 2;
			}
	printf("%u unknown calls refused\n", calls);
	/* numbat's neighbours and PSCI's unimplemented numbers. */
	static const uint32_t near[] = {
		NUMBAT_HC_VIRQ_RAISE + 1, 0xC600ffffu, 0x86000000u, 0x86000001u,
		0x84000005u, 0x84000007u, 0x8400000Bu, 0x8400001Fu,
		0xC4000008u, 0xC4000009u, 0xC4000002u, 0xC400000Au,
		0x80000002u, 0x80008000u, 0x8000ffffu,
	};
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		EXPECT_EQ(hvc(near[i], 0, 0, 0), SMCCC_NOT_SUPPORTED);
		EXPECT_EQ(smc(near[i], 0, 0, 0), SMCCC_NOT_SUPPORTED);
	}
	/* A VM without virq links can name none, whatever it passes. */
	for (int i = 0; i < 64; i++)
		EXPECT_EQ(hvc(NUMBAT_HC_VIRQ_RAISE, i == 63 ? ~0ull : (uint64_t)i << i, ~0ull,
			      ~0ull), SMCCC_INVALID_PARAMETER);
	EXPECT_EQ(hvc(SMCCC_ARCH_FEATURES, ~0ull, 0, 0), SMCCC_NOT_SUPPORTED);
	EXPECT_EQ(hvc(SMCCC_ARCH_FEATURES, 0xffffffff00000000ull | SMCCC_VERSION, 0, 0),
		  SMCCC_SUCCESS);
	EXPECT_EQ(psci_features(~0u), PSCI_NOT_SUPPORTED);
	EXPECT_EQ(psci_features(0xC4000008u), PSCI_NOT_SUPPORTED);
}

/* SMCCC: the function ID is w0; bits 63:32 of x0 are ignored. */
TEST(attack_hc, function_id_upper_bits)
{
	register uint64_t x0 __asm__("x0") = 0xdeadbeef00000000ull | NUMBAT_HC_VERSION;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	EXPECT_EQ(x0, NUMBAT_VERSION_WORD);
}

TEST(attack_hc, cpu_on_bad_targets)
{
	static const uint64_t bad[] = {
		2, 3, 0xff, 0x100, 0x101, 1ull << 16, 1ull << 32, 1ull << 40,
		0x80000000ull, ~0ull, 0x8000000000000001ull,
	};

	for (unsigned c = 0; c < 2; c++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			EXPECT_EQ(conduit_call(c, PSCI_CPU_ON_64, bad[i], RAM, 0),
				  PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}

TEST(attack_hc, cpu_on_bad_entries)
{
	static const uint64_t bad[] = {
		0, RAM - 4, RAM_END, RAM + 2, RAM + 1, RO, RW, RW + 0x100, TESTDEV,
		GICD, 1ull << 40, ~0ull - 3, 0x8000000040000000ull,
	};

	for (unsigned c = 0; c < 2; c++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			EXPECT_EQ(conduit_call(c, PSCI_CPU_ON_64, 1, bad[i], 0),
				  PSCI_INVALID_ADDRESS);
			EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
		}
	/* SMC32: only the low halves count, so this entry is misaligned... */
	EXPECT_EQ(hvc(PSCI_CPU_ON_32, 1, 0xffffffff00000002ull | RAM, 0), PSCI_INVALID_ADDRESS);
	/* ... and this one outside RAM. */
	EXPECT_EQ(hvc(PSCI_CPU_ON_32, 1, 0x100000000ull, 0), PSCI_INVALID_ADDRESS);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}

/* vCPU 1's entry: publishes x0 (the context id) and turns itself off. */
static volatile uint64_t ctx_seen;
void ctx_entry(void);
__asm__(".text\n.balign 4\n.global ctx_entry\nctx_entry:\n"
	"\tadrp x1, ctx_seen\n\tadd x1, x1, :lo12:ctx_seen\n"
	"\tstr x0, [x1]\n\tdsb sy\n"
	"\tmovz w0, #0x0002\n\tmovk w0, #0x8400, lsl #16\n\thvc #0\n"
	"1:\twfi\n\tb 1b\n");

static bool wait_off(unsigned vcpu)
{
	uint64_t end = counter_read() + counter_ms(1000);

	while (psci_affinity_info(vcpu, 0) != PSCI_AFF_OFF)
		if (counter_read() > end)
			return false;
	return true;
}

/* The context id arrives in x0 as it was, whatever its value. */
TEST(attack_hc, cpu_on_wild_context)
{
	static const uint64_t ctx[] = { ~0ull, 0x8000000000000000ull, 0x1234 };

	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++) {
		ctx_seen = 0;
		ASSERT_EQ(psci_cpu_on(1, (uintptr_t)ctx_entry, ctx[i]), PSCI_SUCCESS);
		ASSERT_TRUE(wait_off(1));
		EXPECT_EQ(ctx_seen, ctx[i]);
	}
}

static volatile bool spin_release;

static void spin_fn(void *arg)
{
	(void)arg;
	while (!spin_release)
		numbat_yield();
}

TEST(attack_hc, cpu_on_already_on)
{
	EXPECT_EQ(psci_cpu_on(0, RAM, 0), PSCI_ALREADY_ON);   /* itself */
	EXPECT_EQ(smc(PSCI_CPU_ON_64, 0, RAM, 0), PSCI_ALREADY_ON);
	spin_release = false;
	ASSERT_EQ(cpu_on(1, spin_fn, NULL), PSCI_SUCCESS);
	EXPECT_EQ(psci_cpu_on(1, RAM, 0), PSCI_ALREADY_ON);
	EXPECT_EQ(psci_cpu_on(1, (uintptr_t)ctx_entry, 7), PSCI_ALREADY_ON);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_ON);
	spin_release = true;
	EXPECT_TRUE(wait_off(1));
	EXPECT_NE(ctx_seen, 7);   /* the refused CPU_ON never ran */
}

TEST(attack_hc, affinity_info_wild)
{
	static const uint64_t bad_target[] = { 2, 0xff, 0x100, 1ull << 32, ~0ull };
	static const uint64_t bad_level[] = { 1, 2, 3, 4, ~0ull, 1ull << 32 };

	EXPECT_EQ(psci_affinity_info(0, 0), PSCI_AFF_ON);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
	for (size_t i = 0; i < sizeof(bad_target) / sizeof(bad_target[0]); i++) {
		EXPECT_EQ(psci_affinity_info(bad_target[i], 0), PSCI_INVALID_PARAMETERS);
		EXPECT_EQ(smc(PSCI_AFFINITY_INFO_64, bad_target[i], 0, 0),
			  PSCI_INVALID_PARAMETERS);
	}
	for (size_t i = 0; i < sizeof(bad_level) / sizeof(bad_level[0]); i++)
		EXPECT_EQ(psci_affinity_info(0, bad_level[i]), PSCI_INVALID_PARAMETERS);
	/* SMC32: upper halves are ignored (DEN 0028 section 2.6). */
	EXPECT_EQ(hvc(PSCI_AFFINITY_INFO_32, 0xffffffff00000000ull, 0xffffffff00000000ull, 0),
		  PSCI_AFF_ON);
	EXPECT_EQ(hvc(PSCI_AFFINITY_INFO_32, 0xffffffff00000001ull, 0, 0), PSCI_AFF_OFF);
}

/* The calls without pointers ignore wild arguments. */
TEST(attack_hc, simple_calls_ignore_garbage)
{
	uint64_t vcpu = 99;

	for (unsigned c = 0; c < 2; c++) {
		EXPECT_EQ(conduit_call(c, NUMBAT_HC_VERSION, ~0ull, ~0ull, ~0ull),
			  NUMBAT_VERSION_WORD);
		EXPECT_EQ(conduit_call(c, NUMBAT_HC_YIELD, ~0ull, 1, 2), SMCCC_SUCCESS);
		EXPECT_EQ(conduit_call(c, PSCI_VERSION, ~0ull, ~0ull, ~0ull), PSCI_VERSION_1_1);
		EXPECT_EQ(conduit_call(c, PSCI_MIGRATE_INFO_TYPE, ~0ull, 0, 0),
			  PSCI_MIGRATE_NOT_PRESENT);
		EXPECT_EQ(conduit_call(c, SMCCC_VERSION, ~0ull, 0, 0), SMCCC_VERSION_1_1);
	}
	(void)numbat_vm_id(&vcpu);
	EXPECT_EQ(vcpu, 0);
}

/* vCPU 1 powers the whole VM off while vCPU 0 keeps printing. */
static void system_off_fn(void *arg)
{
	(void)arg;
	delay_ms(20);
	hvc(PSCI_SYSTEM_OFF, ~0ull, ~0ull, ~0ull);
	printf("attack_hc: SYSTEM_OFF returned\n");
}

int main(void)
{
	int failed = test_run_all();

	printf("attack_hc: vcpu 1 calls SYSTEM_OFF\n");
	cpu_on(1, system_off_fn, NULL);
	for (unsigned i = 0; i < 100; i++)
		delay_ms(10);
	printf("attack_hc: vcpu 0 survived SYSTEM_OFF\n");
	return failed;
}
