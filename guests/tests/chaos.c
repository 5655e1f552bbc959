/*
 * A misbehaving guest: thousands of random hypercalls (HVC and SMC, random
 * function IDs and arguments), random loads and stores of every width to
 * random addresses outside its own RAM, loads/stores numbat cannot decode,
 * random system-register reads and undefined instructions. numbat must
 * answer each with an error, an emulated access or an injected exception,
 * and keep serving this VM and the others. Deterministic: the generator is
 * seeded with a constant.
 */
#include "numbat.h"

#define OWN_RAM_BASE 0x40000000ul
#define OWN_RAM_END  0x41000000ul
#define DEV          0x09100000ul
#define ROUNDS       3000u

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return rand64(&rng_state);
}

/* Calls numbat must survive and the caller must too: not OFF/RESET/SUSPEND. */
static bool harmless(uint32_t fid)
{
	uint32_t f = fid & ~0x40000000u;

	return f != PSCI_SYSTEM_OFF && f != PSCI_SYSTEM_RESET && f != PSCI_CPU_OFF &&
	       f != (PSCI_CPU_SUSPEND_32 & ~0x40000000u) && f != 0x84000012u &&
	       f != 0x84000015u; /* SYSTEM_RESET2, SYSTEM_SUSPEND if ever added */
}

static uint32_t random_fid(void)
{
	switch (rnd() % 4) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return 0xC6000000u | (uint32_t)(rnd() % 16);  /* numbat's range */
	case 2:
		return 0x84000000u | (uint32_t)(rnd() % 32);  /* PSCI, SMC32 */
	default:
		return 0xC4000000u | (uint32_t)(rnd() % 32);  /* PSCI, SMC64 */
	}
}

TEST(chaos, random_calls)
{
	unsigned calls = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint32_t fid = random_fid();
		uint64_t a1 = rnd(), a2 = rnd() % 4 ? rnd() : rnd() % 512, a3 = rnd();

		if (!harmless(fid))
			continue;
		if (rnd() & 1)
			hvc_call(fid, a1, a2, a3);
		else
			smc_call(fid, a1, a2, a3);
		calls++;
	}
	printf("chaos: %u random calls answered\n", calls);
	EXPECT_GT(calls, ROUNDS / 2);
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}

/* An address outside this VM's RAM: anywhere, near the device, or in it. */
static uintptr_t random_addr(void)
{
	uintptr_t a;

	do {
		switch (rnd() % 4) {
		case 0:
			a = rnd();                                   /* any 64-bit */
			break;
		case 1:
			a = rnd() & ((1ull << 40) - 1);               /* any IPA */
			break;
		case 2:
			a = DEV - 0x1000 + rnd() % 0x3000;            /* around it */
			break;
		default:
			a = DEV + rnd() % TESTDEV_SIZE;               /* inside it */
			break;
		}
	} while (a >= OWN_RAM_BASE && a < OWN_RAM_END);
	return a;
}

static void random_access(uintptr_t a, unsigned kind)
{
	uint64_t v = rnd(), w;

	switch (kind) {
	case 0: (void)readb(a); break;
	case 1: (void)readw(a & ~1ul); break;
	case 2: (void)readl(a & ~3ul); break;
	case 3: (void)readq(a & ~7ul); break;
	case 4: writeb(a, (uint8_t)v); break;
	case 5: writew(a & ~1ul, (uint16_t)v); break;
	case 6: writel(a & ~3ul, (uint32_t)v); break;
	case 7: writeq(a & ~7ul, v); break;
	case 8: (void)ldrsh_x(a & ~1ul); break;
	case 9: /* no syndrome: a load pair */
		__asm__ volatile("ldp %0, %1, [%2]" : "=&r"(v), "=&r"(w)
				 : "r"(a & ~15ul) : "memory");
		break;
	default: /* no syndrome: post-indexed writeback */
		__asm__ volatile("ldr %0, [%1], #8" : "=&r"(v), "+r"(a) : : "memory");
		break;
	}
}

TEST(chaos, random_accesses)
{
	unsigned aborts = 0, emulated = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uintptr_t a = random_addr();
		struct exc_info x = CATCH_EXCEPTION(random_access(a, rnd() % 11));

		if (x.taken) {
			aborts++;
			/* Only numbat's external abort or the CPU's own alignment
			 * fault (MMU off: device memory) may come back. */
			if (ESR_EC(x.esr) != ESR_EC_DABT_CUR) {
				EXPECT_EQ(ESR_EC(x.esr), ESR_EC_DABT_CUR);
				break;
			}
		} else {
			emulated++;
		}
	}
	printf("chaos: %u aborts, %u emulated accesses\n", aborts, emulated);
	EXPECT_GT(aborts, 0);
	EXPECT_GT(emulated, 0);
	EXPECT_EQ(readl(DEV + TESTDEV_ID), TESTDEV_ID_VALUE);
}

/* Executes the one instruction `insn` from a scratch buffer. */
static uint32_t code_buf[2] __attribute__((aligned(8)));

static void exec_insn(uint32_t insn)
{
	code_buf[0] = insn;
	code_buf[1] = 0xd65f03c0; /* ret */
	dsb_sy();
	__asm__ volatile("ic iallu\n dsb sy\n isb" ::: "memory");
	((void (*)(void))(uintptr_t)code_buf)();
}

TEST(chaos, random_sysreg_reads)
{
	unsigned undef = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		/* MRS x9, <op0=2|3, op1, CRn, CRm, op2>: reads only. */
		uint32_t enc = (uint32_t)(rnd() & 0xffffu) << 5;
		uint32_t op0 = 2 + (uint32_t)(rnd() & 1);
		struct exc_info x = CATCH_EXCEPTION(
			exec_insn(0xd5300000u | ((op0 - 2) << 19) | enc | 9));

		if (x.taken) {
			undef++;
			if (ESR_EC(x.esr) != ESR_EC_UNKNOWN) {
				EXPECT_EQ(ESR_EC(x.esr), ESR_EC_UNKNOWN);
				break;
			}
		}
	}
	printf("chaos: %u of %u register reads were undefined\n", undef, ROUNDS);
	EXPECT_GT(undef, 0);
}

TEST(chaos, undefined_instructions)
{
	for (unsigned i = 0; i < 100; i++) {
		/* UDF #imm16: the permanently undefined encoding 0x0000xxxx. */
		struct exc_info x = CATCH_EXCEPTION(exec_insn((uint32_t)(rnd() & 0xffff)));

		EXPECT_TRUE(x.taken);
		EXPECT_EQ(ESR_EC(x.esr), ESR_EC_UNKNOWN);
	}
}
