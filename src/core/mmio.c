/*
 * Stage-2 data aborts: accesses to emulated devices are decoded from the
 * syndrome (ISV, SAS, SSE, SRT, SF, WnR; Arm ARM D13.2.37) and performed
 * on the device model; anything else is a guest fault. The common case is
 * kept free of calls other than the model's own.
 */
#include "core/mmio.h"

#include "arch/aarch64/esr.h"
#include "core/pcpu.h"
#include "core/vm.h"

#define ESR_ISV    (1ull << 24)
#define ESR_S1PTW  (1ull << 7)
#define ESR_WNR    (1ull << 6)

/*
 * Every access the fast path does not complete. A stage-2 permission
 * fault is an access its memory regions do not allow, never a device one
 * (numbat maps none); HPFAR_EL2 is UNKNOWN for it (so the device lookup
 * may have matched anything), and the IPA comes from the guest's own
 * translation; if that fails the guest's tables changed under it, and the
 * access is simply retried.
 */
static __attribute__((noinline, cold)) void
mmio_fault(struct vcpu *vcpu, const char *what, uint64_t esr, ipaddr_t ipa)
{
	vcpu->exits.other++;
	if (!esr_abort_hpfar_valid(esr)) {
		if (!arch_fault_ipa_slow(esr, &ipa))
			return;
		what = "access its memory does not permit";
	}
	vm_guest_fault(vcpu, what, false, (esr & ESR_WNR) != 0, arch_fault_va(), ipa_addr(ipa));
}

/*
 * The device covering `ipa`: the one this vCPU touched last first (a
 * driver's accesses come in runs on one device: a distributor being set
 * up, a UART being polled), else a search. NULL if none.
 */
static inline struct vdev *find_device(struct vcpu *vcpu, ipaddr_t ipa)
{
	struct vdev *dev = vcpu->mmio_last;

	if (__builtin_expect(ipa_addr(ipa) - dev->ipa < dev->size, 1))
		return dev;
	dev = vm_find_device(vcpu->vm, ipa);
	if (dev)
		vcpu->mmio_last = dev;
	return dev;
}

void mmio_replay(void)
{
	pcpu_this()->current->mmio_replay = true;
}

void mmio_handle(struct vcpu *vcpu, uint64_t esr)
{
	ipaddr_t ipa = arch_fault_ipa(); /* UNKNOWN for a permission fault: see mmio_fault */
	struct vdev *dev = find_device(vcpu, ipa);
	struct dabt_info d;
	uint64_t off;

	if (__builtin_expect(!dev, 0)) {
		mmio_fault(vcpu, "access outside its memory", esr, ipa);
		return;
	}
	dev->exits[vcpu->index]++;
	d = esr_decode_dabt(esr);
	off = ipa_addr(ipa) - dev->ipa;
	/* No syndrome (e.g. a load pair or writeback), beyond the window, or
	 * a permission fault (whose IPA is UNKNOWN). */
	if (__builtin_expect(!d.valid || (esr & DFSC_TYPE_MASK) == DFSC_PERMISSION ||
			     d.size > dev->size - off, 0)) {
		mmio_fault(vcpu, "device access numbat cannot emulate", esr, ipa);
		return;
	}
	if (d.write) {
		uint64_t val = vcpu_get_reg(vcpu, d.reg);

		if (d.size < 8)
			val &= (1ull << (d.size * 8)) - 1;
		if (!dev->ops->write(dev, off, d.size, val)) {
			mmio_fault(vcpu, "device refused the access", esr, ipa);
			return;
		}
		if (__builtin_expect(vcpu->mmio_replay, 0)) {
			vcpu->mmio_replay = false;   /* the store runs again */
			return;
		}
	} else {
		struct vdev_read r = dev->ops->read(dev, off, d.size);
		uint64_t value = r.value; /* scalars: GCC would spill the pair */

		if (__builtin_expect(!r.ok, 0)) {
			mmio_fault(vcpu, "device refused the access", esr, ipa);
			return;
		}
		vcpu_set_reg(vcpu, d.reg, dabt_load_value(&d, value));
	}
	vcpu_skip_insn(vcpu, esr);
}
