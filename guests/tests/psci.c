/*
 * Test guest for a VM with 2 vCPUs: PSCI VERSION/FEATURES/MIGRATE_INFO_TYPE,
 * CPU_ON of the second vCPU (it proves it runs by writing shared memory and
 * printing), the error codes of wrong CPU_ON calls, AFFINITY_INFO before and
 * after, CPU_OFF, restarting the vCPU with a context id, CPU_SUSPEND.
 * Expects 16 MiB of RAM at 0x40000000 and the test device at 0x09100000.
 */
#include "numbat.h"

#define RAM_BASE  0x40000000ul
#define RAM_SIZE  0x01000000ul
#define WAIT_MS   2000

/* Shared with the secondary vCPU; caches are off, so plain volatile. */
static volatile uint64_t sec_arg_seen;
static volatile uint64_t sec_vcpu_seen;
static volatile uint64_t sec_mpidr_seen;
static volatile bool sec_release;

/* Written by ctx_entry (assembly below): x0 at entry and MPIDR_EL1. */
volatile uint64_t ctx_seen[2];
void ctx_entry(void);

/*
 * A CPU_ON entry point that needs no stack: records x0 (the context id) and
 * MPIDR_EL1 in ctx_seen, then calls CPU_OFF. ctx_seen[0] is what the other
 * vCPU polls, so it is written last (an stp of both is not single-copy
 * atomic: the poller could see the id before the MPIDR).
 */
__asm__(".text\n"
	".global ctx_entry\n"
	"ctx_entry:\n"
	"	adrp x1, ctx_seen\n"
	"	add x1, x1, :lo12:ctx_seen\n"
	"	mrs x2, mpidr_el1\n"
	"	str x2, [x1, #8]\n"
	"	dmb sy\n"
	"	str x0, [x1]\n"
	"	dsb sy\n"
	"	mov w0, #0x0002\n"
	"	movk w0, #0x8400, lsl #16\n"   /* PSCI_CPU_OFF */
	"	hvc #0\n"
	"1:	wfi\n"
	"	b 1b\n");

/* Polls until AFFINITY_INFO(target) == state or WAIT_MS pass. */
static int64_t wait_affinity(uint64_t target, int64_t state)
{
	uint64_t end = counter_read() + counter_ms(WAIT_MS);
	int64_t r;

	do {
		r = psci_affinity_info(target, 0);
		if (r == state)
			break;
		numbat_yield();
	} while (counter_read() < end);
	return r;
}

static bool wait_value(const volatile uint64_t *p, uint64_t value)
{
	uint64_t end = counter_read() + counter_ms(WAIT_MS);

	while (*p != value) {
		if (counter_read() >= end)
			return false;
		numbat_yield();
	}
	__asm__ volatile("dmb sy" ::: "memory"); /* what was written before it */
	return true;
}

static void secondary_work(void *arg)
{
	uint64_t vcpu = 99;

	numbat_vm_id(&vcpu);
	sec_vcpu_seen = vcpu;
	sec_mpidr_seen = sysreg_read(mpidr_el1);
	printf("secondary: running on vcpu %u, arg 0x%lx\n", this_vcpu(),
	       (unsigned long)(uint64_t)arg);
	sec_arg_seen = (uint64_t)arg;
	while (!sec_release)
		numbat_yield();
	printf("secondary: released, turning off\n");
}

TEST(psci, version)
{
	EXPECT_EQ(psci_version(), PSCI_VERSION_1_1);
	EXPECT_EQ(smc(PSCI_VERSION, 0, 0, 0), PSCI_VERSION_1_1);
}

TEST(psci, features)
{
	static const uint32_t supported[] = {
		PSCI_VERSION, PSCI_CPU_OFF, PSCI_CPU_ON_64,
		PSCI_AFFINITY_INFO_64, PSCI_MIGRATE_INFO_TYPE,
		PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, PSCI_FEATURES,
	};

	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++) {
		int64_t r = psci_features(supported[i]);
		if (r != PSCI_SUCCESS)
			printf("FEATURES(0x%08x) = %ld\n", supported[i], (long)r);
		EXPECT_EQ(r, PSCI_SUCCESS);
	}
	/* CPU_SUSPEND answers with its feature flags. */
	EXPECT_GE(psci_features(PSCI_CPU_SUSPEND_64), 0);
	EXPECT_EQ(psci_features(0x8400001Fu), PSCI_NOT_SUPPORTED);
	EXPECT_EQ(psci_features(0xC6000FFFu), PSCI_NOT_SUPPORTED);
	EXPECT_EQ(smc(PSCI_FEATURES, PSCI_CPU_ON_64, 0, 0), PSCI_SUCCESS);
}

TEST(psci, migrate_info_type)
{
	EXPECT_EQ(hvc(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), PSCI_MIGRATE_NOT_PRESENT);
}

TEST(psci, affinity_info_initial)
{
	EXPECT_EQ(psci_affinity_info(0, 0), PSCI_AFF_ON);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}

TEST(psci, cpu_on_nonexistent_vcpu)
{
	EXPECT_EQ(psci_cpu_on(2, (uint64_t)ctx_entry, 0), PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_cpu_on(7, (uint64_t)ctx_entry, 0), PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_cpu_on(0x100, (uint64_t)ctx_entry, 0),   /* Aff1 = 1 */
		  PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_cpu_on(0x101, (uint64_t)ctx_entry, 0),
		  PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_affinity_info(2, 0), PSCI_INVALID_PARAMETERS);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}

TEST(psci, cpu_on_invalid_address)
{
	static const uint64_t bad[] = {
		0x0, 0x09100000ul, RAM_BASE - 4, RAM_BASE + RAM_SIZE,
		0x80000000ul, 0xFFFFFFFFFFFFFFF0ull,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t r = psci_cpu_on(1, bad[i], 0);
		if (r != PSCI_INVALID_ADDRESS)
			printf("entry 0x%lx: CPU_ON returned %ld\n",
			       (unsigned long)bad[i], (long)r);
		EXPECT_EQ(r, PSCI_INVALID_ADDRESS);
	}
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_OFF);
}

TEST(psci, cpu_on_secondary)
{
	sec_release = false;
	sec_arg_seen = 0;
	ASSERT_EQ(cpu_on(1, secondary_work, (void *)0x5EED5EEDul), PSCI_SUCCESS);
	ASSERT_TRUE(wait_value(&sec_arg_seen, 0x5EED5EEDul));
	printf("primary: secondary wrote 0x%lx\n", (unsigned long)sec_arg_seen);
	EXPECT_EQ(sec_vcpu_seen, 1);
	EXPECT_EQ(sec_mpidr_seen & 0xffffff, 1);
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_ON);
	EXPECT_EQ(psci_affinity_info(0, 0), PSCI_AFF_ON);
}

TEST(psci, cpu_on_already_on)
{
	EXPECT_EQ(psci_affinity_info(1, 0), PSCI_AFF_ON);
	EXPECT_EQ(psci_cpu_on(1, (uint64_t)ctx_entry, 0), PSCI_ALREADY_ON);
	EXPECT_EQ(psci_cpu_on(0, (uint64_t)ctx_entry, 0), PSCI_ALREADY_ON);
}

TEST(psci, cpu_off_secondary)
{
	sec_release = true;
	EXPECT_EQ(wait_affinity(1, PSCI_AFF_OFF), PSCI_AFF_OFF);
	EXPECT_EQ(psci_affinity_info(0, 0), PSCI_AFF_ON);
}

TEST(psci, cpu_on_context_id)
{
	for (int round = 0; round < 3; round++) {
		uint64_t ctx = 0xFEEDFACE00000000ull + (uint64_t)round;

		ctx_seen[0] = ctx_seen[1] = 0;
		ASSERT_EQ(psci_cpu_on(1, (uint64_t)ctx_entry, ctx), PSCI_SUCCESS);
		ASSERT_TRUE(wait_value(&ctx_seen[0], ctx));
		EXPECT_EQ(ctx_seen[1] & 0xffffff, 1);
		EXPECT_EQ(wait_affinity(1, PSCI_AFF_OFF), PSCI_AFF_OFF);
	}
}

TEST(psci, cpu_on_again_with_stack)
{
	sec_release = true;
	sec_arg_seen = 0;
	ASSERT_EQ(cpu_on(1, secondary_work, (void *)0xA6A10001ul), PSCI_SUCCESS);
	EXPECT_TRUE(wait_value(&sec_arg_seen, 0xA6A10001ul));
	EXPECT_EQ(wait_affinity(1, PSCI_AFF_OFF), PSCI_AFF_OFF);
}

/*
 * CPU_SUSPEND (standby) behaves like WFI and returns SUCCESS: with the
 * virtual timer as the wake-up event, once it is due. Last in the file:
 * a suspend that never returns ends the run by timeout.
 */
TEST(psci, cpu_suspend)
{
	uint64_t start = counter_read();
	int64_t r;

	vtimer_arm_ms(5);
	r = psci_cpu_suspend(0, (uint64_t)ctx_entry, 0);
	vtimer_disarm();
	printf("CPU_SUSPEND returned %ld after %lu us\n", (long)r,
	       (unsigned long)((counter_read() - start) * 1000000 / counter_freq()));
	EXPECT_EQ(r, PSCI_SUCCESS);
}
