/*
 * Hostile guest, stage-2 escape attempts: loads, stores and instruction
 * fetches at every edge of every region and device window this VM was
 * given, just outside each, at device windows it was not given, at the
 * GIC's frames numbat must not map, at IPAs up to and past the IPA size
 * limit; and a scan of its own RAM for anything another VM or numbat
 * wrote. Every refused access must come back as the synchronous external
 * abort numbat injects (fault-policy "inject"), and nothing may be
 * reachable that the description does not grant.
 *
 * Expects the layout of the tests/qemu/attack-native system: RAM 16 MiB rwx at
 * 0x40000000, a read-only page at 0x42000000, 64 KiB rw (not executable)
 * at 0x43000000, the test device at 0x09100000, a PL011 at 0x09000000,
 * the vGIC at numbat's default addresses.
 */
#include "attack.h"

#define RAM          0x40000000ul
#define RAM_END      0x41000000ul
#define RO           0x42000000ul
#define RO_END       0x42001000ul
#define RW           0x43000000ul
#define RW_END       0x43010000ul
#define TESTDEV      0x09100000ul
#define UART         0x09000000ul
#define GICD         0x08000000ul
#define GICR         0x080a0000ul
#define GICR_FRAME   0x20000ul
#define GICC         0x08010000ul   /* GICv2: the GICV frame, 8 KiB */
#define QEMU_GICH    0x08030000ul   /* GICv2 hypervisor interface */
#define QEMU_GICV    0x08040000ul   /* where the GICV frame really is */
#define INSN_RET     0xd65f03c0u
#define IFSC_SEA     0x10

/* A load and a store at `a`, both refused with an external abort. */
static void expect_refused(uintptr_t a, unsigned width)
{
	EXPECT_SEA(probe_load(a, width), a, false);
	EXPECT_SEA(probe_store(a, width, 0x5a5a5a5a5a5a5a5aull), a, true);
}

TEST(attack_s2, ram_edges)
{
	EXPECT_OK(probe_load(RAM_END - 8, 8), RAM_END - 8);
	EXPECT_OK(probe_store(RAM_END - 8, 8, 0x1122334455667788ull), RAM_END - 8);
	EXPECT_EQ(readq(RAM_END - 8), 0x1122334455667788ull);
	EXPECT_OK(probe_load(RAM_END - 1, 1), RAM_END - 1);
	EXPECT_OK(probe_load(RAM, 4), RAM);
	expect_refused(RAM_END, 8);
	expect_refused(RAM_END, 1);
	expect_refused(RAM - 8, 8);
	expect_refused(RAM - 1, 1);
}

/* Readable, never writable: the store is refused and changes nothing. */
TEST(attack_s2, read_only_edges)
{
	struct probe p = probe_load(RO, 8);

	EXPECT_OK(p, RO);
	EXPECT_EQ(p.value, 0);
	EXPECT_OK(probe_load(RO_END - 8, 8), RO_END - 8);
	for (unsigned w = 1; w <= 8; w *= 2) {
		EXPECT_SEA(probe_store(RO, w, ~0ull), RO, true);
		EXPECT_SEA(probe_store(RO_END - w, w, ~0ull), RO_END - w, true);
	}
	EXPECT_EQ(readq(RO), 0);
	EXPECT_EQ(readq(RO_END - 8), 0);
	expect_refused(RO - 8, 8);
	expect_refused(RO_END, 8);
}

TEST(attack_s2, rw_edges)
{
	EXPECT_OK(probe_store(RW, 8, 0xabcdull), RW);
	EXPECT_OK(probe_store(RW_END - 8, 8, 0xef01ull), RW_END - 8);
	EXPECT_EQ(readq(RW), 0xabcd);
	EXPECT_EQ(readq(RW_END - 8), 0xef01);
	expect_refused(RW - 8, 8);
	expect_refused(RW_END, 8);
	expect_refused(RW_END, 2);
}

static void put_ret(uintptr_t a)
{
	*(volatile uint32_t *)a = INSN_RET;
	__asm__ volatile("dsb ish\n\tic iallu\n\tdsb ish\n\tisb" ::: "memory");
}

/* An instruction fetch numbat refuses: an instruction abort at `a`. */
static void expect_iabt(uintptr_t a)
{
	struct exc_info x = probe_exec(a);

	EXPECT_TRUE(x.taken);
	if (!x.taken) {
		printf("fetch from 0x%lx not refused\n", (unsigned long)a);
		return;
	}
	EXPECT_EQ(ESR_EC(x.esr), ESR_EC_IABT_CUR);
	EXPECT_EQ(ESR_DFSC(x.esr), IFSC_SEA);
	EXPECT_EQ(x.far, a);
	EXPECT_EQ(x.elr, a);
}

/* rwx RAM executes; rw and r regions and every device window do not. */
TEST(attack_s2, fetch_from_xn_and_devices)
{
	static uint32_t code[4] __attribute__((aligned(16)));

	put_ret((uintptr_t)code);
	EXPECT_FALSE(probe_exec((uintptr_t)code).taken);   /* the control */
	put_ret(RW);
	expect_iabt(RW);
	expect_iabt(RW_END - 4);
	expect_iabt(RO);
	expect_iabt(TESTDEV);
	expect_iabt(UART);
	expect_iabt(GICD);
	expect_iabt(GICD + 0x100);
	expect_iabt(0x0a000000ul);
	expect_iabt(RAM_END);
	expect_iabt(0x000000fffffff000ull);
}

/* QEMU virt's devices this VM was not given, numbat's own UART included. */
TEST(attack_s2, devices_not_granted)
{
	static const uint64_t windows[] = {
		0x00000000ul,      /* flash 0 */
		0x04000000ul,      /* flash 1 */
		0x08080000ul,      /* GICv3 ITS */
		0x09010000ul,      /* PL031 RTC */
		0x09020000ul,      /* fw_cfg */
		0x09030000ul,      /* PL061 GPIO */
		0x09040000ul,      /* secure UART */
		0x0a000000ul,      /* virtio-mmio */
		0x0a003e00ul,
		0x0c000000ul,      /* platform bus */
		0x10000000ul,      /* PCIe MMIO */
		0x3eff0000ul,      /* PCIe PIO */
		0x3f000000ul,      /* PCIe ECAM */
		0x4010000000ull,   /* high PCIe ECAM */
		0x8000000000ull,   /* high PCIe MMIO */
	};

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		expect_refused(windows[i], 4);
		expect_refused(windows[i], 8);
	}
}

/* The last bytes of each emulated window answer, the next ones do not. */
TEST(attack_s2, device_window_edges)
{
	EXPECT_OK(probe_load(TESTDEV + 0xff8, 8), TESTDEV + 0xff8);
	EXPECT_OK(probe_store(TESTDEV + 0xff8, 8, ~0ull), TESTDEV + 0xff8);
	expect_refused(TESTDEV + 0x1000, 8);
	expect_refused(TESTDEV + 0x1000, 1);
	expect_refused(TESTDEV - 8, 8);
	expect_refused(TESTDEV - 1, 1);
	EXPECT_OK(probe_load(UART + 0xffc, 4), UART + 0xffc);
	expect_refused(UART + 0x1000, 4);
	expect_refused(UART - 4, 4);
}

/*
 * GICv3: the distributor is 64 KiB, the redistributors 128 KiB per vCPU
 * and nothing else. GICv2: a 4 KiB distributor and, at the CPU interface's
 * IPA, the 8 KiB GICV frame; the hypervisor interface (GICH) and the
 * physical addresses of GICV and GICC beyond it are never mapped.
 */
TEST(attack_s2, gic_frames)
{
	if (gic_version() == 3) {
		uint64_t vcpus = 1;

		/* The last redistributor says so in GICR_TYPER.Last (bit 4). */
		while (vcpus < GUEST_MAX_VCPUS &&
		       !(readq(GICR + (vcpus - 1) * GICR_FRAME + 8) & (1u << 4)))
			vcpus++;
		EXPECT_OK(probe_load(GICD + 0xfffc, 4), GICD + 0xfffc);
		expect_refused(GICD + 0x10000, 4);
		expect_refused(GICD - 4, 4);
		expect_refused(GICR - 4, 4);
		EXPECT_OK(probe_load(GICR + vcpus * GICR_FRAME - 4, 4),
			  GICR + vcpus * GICR_FRAME - 4);
		expect_refused(GICR + vcpus * GICR_FRAME, 4);
		expect_refused(GICR + vcpus * GICR_FRAME, 8);
		/* GICv3 on QEMU has no memory-mapped CPU interface at all. */
		expect_refused(GICC, 4);
		expect_refused(QEMU_GICH, 4);
		expect_refused(QEMU_GICV, 4);
		return;
	}
	EXPECT_OK(probe_load(GICD + 0xffc, 4), GICD + 0xffc);
	expect_refused(GICD + 0x1000, 4);
	expect_refused(GICD + 0x10000 - 4, 4);
	/* GICC_IIDR of the virtual CPU interface: a real GIC answers. */
	EXPECT_NE(readl(GICC + 0xfc), 0);
	EXPECT_OK(probe_load(GICC + 0x1000, 4), GICC + 0x1000);  /* GICC_DIR */
	expect_refused(GICC + 0x2000, 4);
	expect_refused(GICC - 4, 4);
	expect_refused(QEMU_GICH, 4);
	expect_refused(QEMU_GICH + 0x100, 4);     /* GICH_LR0 */
	expect_refused(QEMU_GICV, 4);
	expect_refused(QEMU_GICV + 0x1000, 4);
}

/*
 * IPAs past the last region up to the IPA size numbat uses (40 bits) and
 * beyond it, while still within the CPU's physical address range: every
 * one a stage-2 fault, refused with the injected abort and FAR intact.
 */
TEST(attack_s2, high_ipas)
{
	uint64_t parange = sysreg_read(id_aa64mmfr0_el1) & 0xf;
	static const unsigned bits_of[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned pa_bits = parange < 7 ? bits_of[parange] : 48;

	printf("guest sees PARange %u bits\n", pa_bits);
	EXPECT_GE(pa_bits, 40);
	for (unsigned b = 32; b <= 40 && b < pa_bits + 1; b++) {
		uint64_t top = 1ull << b;

		if (top - 8 >= RAM && top - 8 < RW_END)
			continue;
		expect_refused(top - 8, 8);
		expect_refused(top - 1, 1);
	}
	for (unsigned b = 40; b < pa_bits; b++)
		expect_refused(1ull << b, 8);
	/*
	 * Past the 40 bits numbat's stage 2 translates but within the 44 bits
	 * of the Cortex-A72's real address range: a stage-2 fault, refused.
	 * Past that: the CPU's own stage-1 Address size fault (level 0,
	 * DFSC 0), taken at EL1 without numbat (Arm ARM D8.3, MMU off).
	 */
	for (unsigned b = 40; b < 44; b++) {
		struct probe p = probe_load(1ull << b, 8);

		printf("load at 2^%u: taken %d esr 0x%lx far 0x%lx\n", b, p.x.taken,
		       (unsigned long)p.x.esr, (unsigned long)p.x.far);
		EXPECT_SEA(p, 1ull << b, false);
	}
	for (unsigned b = 44; b < 64; b += 4) {
		struct probe p = probe_store((1ull << b) + 8, 8, 0);

		printf("store at 2^%u+8: taken %d esr 0x%lx far 0x%lx\n", b, p.x.taken,
		       (unsigned long)p.x.esr, (unsigned long)p.x.far);
		EXPECT_TRUE(p.x.taken);
		EXPECT_EQ(ESR_EC(p.x.esr), ESR_EC_DABT_CUR);
		EXPECT_EQ(ESR_DFSC(p.x.esr), 0);   /* Address size, level 0 */
		EXPECT_EQ(p.x.far, (1ull << b) + 8);
	}
}

/*
 * Nothing another VM wrote is in this VM's RAM: the victim fills pages
 * with VICTIM_MARK; numbat's image starts with the arm64 Image magic.
 * Neither word may appear anywhere past this image. Both are built at
 * run time so this program does not contain them itself.
 */
TEST(attack_s2, ram_holds_nothing_foreign)
{
	volatile uint64_t k = 0x1111111111111111ull;
	uint64_t mark = 0x47584552584c5030ull ^ k;   /* victim.c's VICTIM_MARK */
	uint32_t magic = 0x644d5240u | (uint32_t)(k & 1); /* "ARM\x64" */
	unsigned found = 0;

	delay_ms(100);   /* the victim writes its marks at its start */
	for (uintptr_t a = ((uintptr_t)__image_end + 4095) & ~4095ul; a < RAM_END; a += 8) {
		uint64_t w = *(volatile uint64_t *)a;

		if (w == mark || (uint32_t)w == magic || (uint32_t)(w >> 32) == magic) {
			if (found++ < 4)
				printf("foreign word 0x%lx at 0x%lx\n", (unsigned long)w,
				       (unsigned long)a);
		}
	}
	EXPECT_EQ(found, 0);
}

/* After all this the VM still works: memory, device, hypercalls. */
TEST(attack_s2, vm_carries_on)
{
	writeq(TESTDEV, 0x77);
	EXPECT_EQ(readq(TESTDEV), 0x77);
	EXPECT_EQ(readl(TESTDEV + TESTDEV_ID), TESTDEV_ID_VALUE);
	EXPECT_EQ(numbat_version(), NUMBAT_VERSION_WORD);
}
