/*
 * Test guest: the state numbat boots a VM in, numbat's own hypercalls
 * (VERSION, VM_ID, YIELD, CONSOLE_WRITE with good and bad arguments),
 * unknown function IDs, and the SMCCC v1.1 rule that a call preserves
 * x4..x30 and SP. Expects 16 MiB of RAM at 0x40000000.
 */
#include "numbat.h"

#define RAM_BASE  0x40000000ul
#define RAM_SIZE  0x01000000ul

TEST(boot, entry_state)
{
	EXPECT_EQ(boot_state.x0, 0);
	EXPECT_EQ((boot_state.current_el >> 2) & 3, 1);     /* EL1 */
	EXPECT_EQ(boot_state.daif & 0x3c0, 0x3c0);          /* D, A, I, F */
	EXPECT_EQ(boot_state.sctlr & 1, 0);                 /* MMU off */
	EXPECT_EQ(boot_state.sctlr & (1 << 2), 0);          /* D-cache off */
	EXPECT_EQ(sysreg_read(spsel), 1);                   /* EL1h */
}

TEST(boot, mpidr_is_vcpu_index)
{
	EXPECT_EQ(sysreg_read(mpidr_el1) & 0xffffff, 0);
}

TEST(hypercall, version)
{
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}

TEST(hypercall, vm_id)
{
	uint64_t vcpu = 99;
	uint64_t id = numbat_vm_id(&vcpu);

	printf("vm id %lu vcpu %lu\n", (unsigned long)id, (unsigned long)vcpu);
	EXPECT_LT(id, 16);
	EXPECT_EQ(vcpu, 0);
	EXPECT_EQ(numbat_vm_id(NULL), id);
}

TEST(hypercall, yield)
{
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(numbat_yield(), SMCCC_SUCCESS);
}

TEST(hypercall, smccc_version)
{
	EXPECT_EQ(hvc(SMCCC_VERSION, 0, 0, 0), SMCCC_VERSION_1_1);
}

TEST(hypercall, unknown_ids)
{
	static const uint32_t ids[] = {
		0xC6000005u, 0xC600FFFFu, 0xC6FFFFFFu, /* vendor hyp, unused */
		0x86000000u,                           /* SMC32 version of it */
		0xC5000000u, 0xC7000000u, 0xC3000000u, /* other owners */
		0x8400001Fu, 0x84000100u,              /* PSCI, unassigned */
		0x00000000u, 0x12345678u,              /* yielding calls */
		0xFFFFFFFFu, 0xBF00FF00u,
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int64_t r = hvc(ids[i], 1, 2, 3);
		if (r != SMCCC_NOT_SUPPORTED)
			printf("function id 0x%08x returned %ld\n", ids[i],
			       (long)r);
		EXPECT_EQ(r, SMCCC_NOT_SUPPORTED);
	}
}

/* SMCCC: the function ID is W0; the upper half of X0 is ignored. */
TEST(hypercall, function_id_is_w0)
{
	register uint64_t x0 __asm__("x0") = 0xFFFFFFFF00000000ull |
					      NUMBAT_HC_VERSION;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	EXPECT_EQ(x0, NUMBAT_VERSION_WORD);
}

static int64_t raw_console_write(uint64_t ipa, uint64_t len)
{
	return hvc(NUMBAT_HC_CONSOLE_WRITE, ipa, len, 0);
}

TEST(console, write)
{
	static const char msg[] = "console: direct write\n";

	EXPECT_EQ(raw_console_write((uint64_t)msg, sizeof(msg) - 1),
		  sizeof(msg) - 1);
	EXPECT_EQ(raw_console_write((uint64_t)msg, 0), 0);
}

TEST(console, write_outside_memory)
{
	static const uint64_t bad[] = {
		0x0, 0x1000, 0x09100000ul /* a device, not RAM */,
		RAM_BASE - 0x1000, RAM_BASE + RAM_SIZE, 0x80000000ul,
		0x0000008000000000ull, 0xFFFFFFFFFFFFF000ull,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t r = raw_console_write(bad[i], 8);
		if (r != SMCCC_INVALID_PARAMETER)
			printf("buffer 0x%lx: returned %ld\n",
			       (unsigned long)bad[i], (long)r);
		EXPECT_EQ(r, SMCCC_INVALID_PARAMETER);
	}
}

/* A buffer that runs off the end of RAM: numbat may print the part inside
 * or refuse, but must not consume bytes beyond RAM or fail otherwise. */
TEST(console, write_straddling_end_of_ram)
{
	volatile char *tail = (volatile char *)(RAM_BASE + RAM_SIZE - 8);
	int64_t r;

	for (int i = 0; i < 7; i++)
		tail[i] = (char)('a' + i);
	tail[7] = '\n';
	r = raw_console_write((uint64_t)tail, 64);
	printf("\nstraddling write returned %ld\n", (long)r);
	EXPECT_TRUE(r == SMCCC_INVALID_PARAMETER || (r > 0 && r <= 8));
}

TEST(console, write_huge_length)
{
	static char line[300];
	int64_t r;

	memset(line, 'x', sizeof(line));
	line[NUMBAT_CONSOLE_WRITE_MAX - 1] = '\n';
	r = raw_console_write((uint64_t)line, 1ull << 40);
	printf("\nhuge write returned %ld\n", (long)r);
	EXPECT_GT(r, 0);
	EXPECT_LE(r, NUMBAT_CONSOLE_WRITE_MAX);

	/* Lengths that overflow IPA + length. */
	r = raw_console_write((uint64_t)line, ~0ull);
	printf("\nwrite of length ~0 returned %ld\n", (long)r);
	EXPECT_TRUE(r == SMCCC_INVALID_PARAMETER ||
		    (r > 0 && r <= NUMBAT_CONSOLE_WRITE_MAX));
	r = raw_console_write(RAM_BASE + RAM_SIZE - 16, ~0ull - 8);
	printf("\nwrite near the end of RAM of length ~0-8 returned %ld\n",
	       (long)r);
	EXPECT_TRUE(r == SMCCC_INVALID_PARAMETER ||
		    (r > 0 && r <= 16));
}

TEST(console, printf_formats)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%d %u %x %lx %s %c %p %05d %-3d| %08x",
		 -42, 42u, 0xbeefu, 0x123456789abcul, "str", 'c',
		 (void *)0x1000, 42, 7, 0xabcu);
	EXPECT_EQ(strcmp(buf, "-42 42 beef 123456789abc str c 0x1000 00042 7  "
			      "| 00000abc"), 0);
	printf("%s\n", buf);
}

/*
 * regs_across_hvc/smc(in, out, fid): loads x4..x30 from in[4..30], makes
 * the call with w0 = fid, stores x4..x30 to out[4..30], SP before the call
 * to out[31] and after it to out[32].
 */
void regs_across_hvc(const uint64_t *in, uint64_t *out, uint64_t fid);
void regs_across_smc(const uint64_t *in, uint64_t *out, uint64_t fid);

#define REGS_ACROSS(name, insn)                                          \
__asm__(".text\n"                                                        \
	".global " #name "\n"                                            \
	#name ":\n"                                                      \
	"	stp x29, x30, [sp, #-96]!\n"                             \
	"	stp x19, x20, [sp, #16]\n"                               \
	"	stp x21, x22, [sp, #32]\n"                               \
	"	stp x23, x24, [sp, #48]\n"                               \
	"	stp x25, x26, [sp, #64]\n"                               \
	"	stp x27, x28, [sp, #80]\n"                               \
	"	stp x1, x2, [sp, #-16]!\n"                               \
	"	mov x9, sp\n"                                            \
	"	str x9, [x1, #248]\n"                                    \
	"	ldp x4, x5, [x0, #32]\n"                                 \
	"	ldp x6, x7, [x0, #48]\n"                                 \
	"	ldp x8, x9, [x0, #64]\n"                                 \
	"	ldp x10, x11, [x0, #80]\n"                               \
	"	ldp x12, x13, [x0, #96]\n"                               \
	"	ldp x14, x15, [x0, #112]\n"                              \
	"	ldp x16, x17, [x0, #128]\n"                              \
	"	ldp x18, x19, [x0, #144]\n"                              \
	"	ldp x20, x21, [x0, #160]\n"                              \
	"	ldp x22, x23, [x0, #176]\n"                              \
	"	ldp x24, x25, [x0, #192]\n"                              \
	"	ldp x26, x27, [x0, #208]\n"                              \
	"	ldp x28, x29, [x0, #224]\n"                              \
	"	ldr x30, [x0, #240]\n"                                   \
	"	ldr x0, [sp, #8]\n"                                      \
	"	mov x1, #0\n"                                            \
	"	mov x2, #0\n"                                            \
	"	mov x3, #0\n"                                            \
	"	" insn "\n"                                              \
	"	ldr x1, [sp]\n"                                          \
	"	stp x4, x5, [x1, #32]\n"                                 \
	"	stp x6, x7, [x1, #48]\n"                                 \
	"	stp x8, x9, [x1, #64]\n"                                 \
	"	stp x10, x11, [x1, #80]\n"                               \
	"	stp x12, x13, [x1, #96]\n"                               \
	"	stp x14, x15, [x1, #112]\n"                              \
	"	stp x16, x17, [x1, #128]\n"                              \
	"	stp x18, x19, [x1, #144]\n"                              \
	"	stp x20, x21, [x1, #160]\n"                              \
	"	stp x22, x23, [x1, #176]\n"                              \
	"	stp x24, x25, [x1, #192]\n"                              \
	"	stp x26, x27, [x1, #208]\n"                              \
	"	stp x28, x29, [x1, #224]\n"                              \
	"	str x30, [x1, #240]\n"                                   \
	"	mov x9, sp\n"                                            \
	"	str x9, [x1, #256]\n"                                    \
	"	add sp, sp, #16\n"                                       \
	"	ldp x19, x20, [sp, #16]\n"                               \
	"	ldp x21, x22, [sp, #32]\n"                               \
	"	ldp x23, x24, [sp, #48]\n"                               \
	"	ldp x25, x26, [sp, #64]\n"                               \
	"	ldp x27, x28, [sp, #80]\n"                               \
	"	ldp x29, x30, [sp], #96\n"                               \
	"	ret\n");

REGS_ACROSS(regs_across_hvc, "hvc #0")
REGS_ACROSS(regs_across_smc, "smc #0")

static void check_preserved(const char *what, bool smc_conduit, uint32_t fid)
{
	uint64_t in[31], out[33];
	int bad = 0;

	for (int i = 0; i < 31; i++)
		in[i] = 0x5A5A000000000000ull | ((uint64_t)i << 32) | (0x1111u * i);
	memset(out, 0, sizeof(out));
	if (smc_conduit)
		regs_across_smc(in, out, fid);
	else
		regs_across_hvc(in, out, fid);
	for (int i = 4; i < 31; i++) {
		if (out[i] != in[i]) {
			printf("%s: x%d = 0x%lx, expected 0x%lx\n", what, i,
			       (unsigned long)out[i], (unsigned long)in[i]);
			bad++;
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(out[32], out[31]);
}

TEST(smccc, hvc_preserves_registers)
{
	check_preserved("hvc VERSION", false, NUMBAT_HC_VERSION);
	check_preserved("hvc VM_ID", false, NUMBAT_HC_VM_ID);
	check_preserved("hvc PSCI_VERSION", false, PSCI_VERSION);
	check_preserved("hvc unknown", false, 0xC600FFFFu);
}

TEST(smccc, smc_preserves_registers)
{
	check_preserved("smc PSCI_VERSION", true, PSCI_VERSION);
	check_preserved("smc unknown", true, 0xC200FFFFu);
}
