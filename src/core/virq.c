/*
 * vIRQs (issue 9, item 1): asynchronous signals between VMs. The system
 * description declares each one as a link (struct link_config, LINK_VIRQ:
 * vm[0] may raise SPI irq in vm[1]); the links are the only capabilities
 * there are. A sender names a link by its index among its own virq links
 * in description order, so it can neither name nor probe anyone else's.
 *
 * The receiver sees an edge on an SPI (vgic_pulse): pending once however
 * often it is raised before the receiver takes it, so a sender raising in
 * a tight loop costs the receiver at most one interrupt per time it
 * deactivates one. What the receiver does with the SPI (its enable,
 * priority, target, trigger mode) is its own business: an SPI it left
 * level-sensitive or disabled simply does not fire, as with a device.
 * Nothing here takes a lock of the sender's VM or waits for the receiver.
 */
#include "core/virq.h"

#include <numbat/abi.h>
#include <numbat/config.h>

#include "core/vgic.h"
#include "core/vm.h"

/*
 * Per VM, the indices in numbat_system.links of the virq links it sends
 * on, in description order: a raise finds its link without walking the
 * system's links. Written by virq_init_vm at boot, read-only after.
 */
static uint8_t out_links[CONFIG_MAX_VMS][CONFIG_MAX_LINKS];
static uint8_t out_count[CONFIG_MAX_VMS];
_Static_assert(CONFIG_MAX_LINKS <= 256, "link indices are bytes");

void virq_init_vm(unsigned vm_id)
{
	for (unsigned i = 0; i < numbat_system.link_count && i < CONFIG_MAX_LINKS; i++) {
		const struct link_config *l = &numbat_system.links[i];

		if (l->type == LINK_VIRQ && l->vm[0] == vm_id)
			out_links[vm_id][out_count[vm_id]++] = (uint8_t)i;
	}
}

/* The link with index `cap` among the virq links `vm_id` sends on, or NULL. */
static const struct link_config *virq_link(unsigned vm_id, uint64_t cap)
{
	if (cap >= out_count[vm_id])
		return NULL;
	return &numbat_system.links[out_links[vm_id][cap]];
}

int64_t virq_raise(const struct vcpu *vcpu, uint64_t cap)
{
	const struct link_config *l = virq_link(vcpu->vm->id, cap);
	struct vm *to;

	if (!l)
		return SMCCC_INVALID_PARAMETER;
	/* sysgen checked vm[1] (an existing, other VM) and irq (a free SPI). */
	to = &vms[l->vm[1]];
	if (to->state != VM_NONE)   /* fixed once numbat has booted */
		vgic_pulse(to, l->irq);
	return SMCCC_SUCCESS;
}
