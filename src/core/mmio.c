/*
 * Stage-2 data aborts: accesses to emulated devices are decoded from the
 * syndrome (ISV, SAS, SSE, SRT, SF, WnR; Arm ARM D13.2.37) and performed
 * on the device model; anything else is a guest fault.
 */
#include "core/mmio.h"

#include "arch/aarch64/esr.h"
#include "core/vm.h"

void mmio_handle(struct vcpu *vcpu, uint64_t esr, ipaddr_t ipa, uint64_t far)
{
	struct dabt_info d = esr_decode_dabt(esr);
	struct vdev *dev = vm_find_device(vcpu->vm, ipa);
	uint64_t off, val;
	bool ok;

	if (!dev) {
		vm_guest_fault(vcpu, "access outside its memory", false, d.write, far, ipa_addr(ipa));
		return;
	}
	off = ipa_addr(ipa) - dev->cfg->ipa;
	/* No syndrome (e.g. a load pair or writeback) or beyond the window. */
	if (!d.valid || d.size > dev->cfg->size - off) {
		vm_guest_fault(vcpu, "device access numbat cannot emulate", false, d.write, far,
			       ipa_addr(ipa));
		return;
	}
	if (d.write) {
		val = vcpu_get_reg(vcpu, d.reg);
		if (d.size < 8)
			val &= (1ull << (d.size * 8)) - 1;
		ok = dev->ops->write(dev, off, d.size, val);
	} else {
		ok = dev->ops->read(dev, off, d.size, &val);
		if (ok)
			vcpu_set_reg(vcpu, d.reg, dabt_load_value(&d, val));
	}
	if (!ok) {
		vm_guest_fault(vcpu, "device refused the access", false, d.write, far,
			       ipa_addr(ipa));
		return;
	}
	vcpu->regs.pc += esr_insn_len(esr);
}
