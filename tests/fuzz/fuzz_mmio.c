/*
 * libFuzzer harness: the data-abort syndrome decode (esr.h) and MMIO
 * dispatch (src/core/mmio.c) with any ESR, fault address and register
 * file, over a VM with a recording device and the real test device.
 * Invariants (Arm ARM D13.2.37): an access without a syndrome, outside
 * every device or past a window's end is a guest fault that changes no
 * register and reaches no device; otherwise exactly one device access of
 * 1, 2, 4 or 8 bytes inside its window, a write carries no bits beyond its
 * width, a load sets only its destination register (zero- or sign-
 * extended per SSE, 32 bits for a W register) and the PC moves by the
 * instruction's length.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "../host/fake_spinlock.h"

#include "core/vm.h"

/* The fault registers of the current trap, set per input. */
static uint64_t fuzz_far, fuzz_ipa;
#define arch_fault_va()  (fuzz_far)
#define arch_fault_ipa() (ipa_init(fuzz_ipa))

#include "core/mmio.c"
#include "devices/testdev.c"

static struct vm tvm;
static struct vm_config tcfg;
static struct device_config dcfg[2] = {
	{ .type = DEVICE_PL011, .ipa = 0x09000000, .size = 0x1000, .irq = 0 },
	{ .type = DEVICE_TEST, .ipa = 0x09100000, .size = 0x1000, .irq = 40 },
};
static unsigned faults, accesses, levels;
static struct { uint64_t off, val; unsigned size; bool write; } last;

/* A permission fault's IPA, from the guest's translation: here, the input's. */
bool arch_fault_ipa_slow(uint64_t esr, ipaddr_t *ipa)
{
	(void)esr;
	*ipa = ipa_init(fuzz_ipa);
	return true;
}

/*
 * A trap naming x19-x29 goes to the whole-frame path first (traps.c); on
 * that path it is handled like any other: the harness takes it at once.
 */
bool arch_trap_defer(uint64_t esr)
{
	(void)esr;
	return false;
}

/* The test device's kick counter reads the running pCPU's. */
static struct pcpu fuzz_pcpu;
struct pcpu *pcpu_this(void)
{
	return &fuzz_pcpu;
}

void vm_guest_fault(struct vcpu *vcpu, const char *what, bool instruction,
		    bool write, uint64_t far, uint64_t ipa)
{
	(void)vcpu; (void)what; (void)instruction; (void)write; (void)far; (void)ipa;
	faults++;
}

void vgic_set_level(struct vm *vm, unsigned intid, bool level)
{
	FUZZ_ASSERT(vm == &tvm && intid == 40);
	(void)level;
	levels++;
}

/* A device that records its accesses and answers with garbage. */
static struct vdev_read rec_read(struct vdev *dev, uint64_t off, unsigned size)
{
	(void)dev;
	accesses++;
	last.off = off; last.size = size; last.write = false;
	return (struct vdev_read){ 0xf00dfacecafebeefull * (off + 1), (off & 0x800) == 0 };
}

static bool rec_write(struct vdev *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	accesses++;
	last.off = off; last.size = size; last.write = true; last.val = val;
	return (off & 0x800) == 0;
}

static const struct vdev_ops rec_ops = {
	.compatible = "fuzz,recorder", .read = rec_read, .write = rec_write,
};

static void setup(void)
{
	memset(&tvm, 0, sizeof(tvm));
	tcfg.vcpu_count = 1;
	tvm.cfg = &tcfg;
	tvm.ndevs = 2;
	for (unsigned i = 0; i < 2; i++) {
		tvm.devs[i].ipa = dcfg[i].ipa;
		tvm.devs[i].size = dcfg[i].size;
		tvm.devs[i].cfg = &dcfg[i];
		tvm.devs[i].vm = &tvm;
	}
	tvm.devs[0].ops = &rec_ops;
	tvm.devs[1].ops = &testdev_ops;
	tvm.vcpus[0].vm = &tvm;
	tvm.vcpus[0].mmio_last = &tvm.devs[0]; /* as vm.c sets it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vcpu *v;
	struct arch_regs before;
	uint64_t esr = fuzz_take(&in, 8), sel = fuzz_take(&in, 1);
	struct dabt_info d;

	setup();
	v = &tvm.vcpus[0];
	/* Mostly addresses in or near the two windows, sometimes anywhere. */
	fuzz_ipa = fuzz_take(&in, 8);
	if (sel & 1)
		fuzz_ipa = dcfg[(sel >> 1) & 1].ipa - 0x10 + (fuzz_ipa % 0x1020);
	fuzz_far = (fuzz_take(&in, 8) & ~0xfffull) | (fuzz_ipa & 0xfff);
	if (sel & 4)
		esr |= 1ull << 24;   /* ISV */
	for (unsigned r = 0; r < 31; r++)
		v->regs.x[r] = fuzz_take(&in, 1) * 0x0101010101010101ull ^ r;
	v->regs.pc = 0x40001000;
	faults = accesses = 0;
	before = v->regs;
	d = esr_decode_dabt(esr);
	mmio_handle(v, esr);
	/* The test device's accesses are not counted: it is the real model. */
	if (vm_find_device(&tvm, ipa_init(fuzz_ipa)) != &tvm.devs[1])
		FUZZ_ASSERT(faults + (accesses ? 1 : 0) >= 1);
	FUZZ_ASSERT(accesses <= 1);
	if (faults) {
		FUZZ_ASSERT(faults == 1);
		FUZZ_ASSERT(v->regs.pc == before.pc);
		FUZZ_ASSERT(memcmp(v->regs.x, before.x, sizeof(before.x)) == 0);
		return 0;
	}
	FUZZ_ASSERT(d.valid);
	FUZZ_ASSERT(d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8);
	/* An A64 instruction is 4 bytes whatever the syndrome's IL says
	 * (arch_regs_skip); the guest here runs AArch64 (PSTATE 0). */
	FUZZ_ASSERT(v->regs.pc == before.pc + 4);
	if (vm_find_device(&tvm, ipa_init(fuzz_ipa)) == &tvm.devs[0]) {
		FUZZ_ASSERT(last.size == d.size && last.write == d.write);
		FUZZ_ASSERT(last.off + last.size <= 0x1000);
		if (d.write && d.size < 8)
			FUZZ_ASSERT((last.val >> (8 * d.size)) == 0);
	}
	for (unsigned r = 0; r < 31; r++) {
		if (!d.write && r == d.reg) {
			uint64_t got = v->regs.x[r];

			if (!d.reg64)
				FUZZ_ASSERT((got >> 32) == 0);
			if (!d.sign_extend && d.size < 8)
				FUZZ_ASSERT((got >> (8 * d.size)) == 0);
			continue;
		}
		FUZZ_ASSERT(v->regs.x[r] == before.x[r]);
	}
	return 0;
}
