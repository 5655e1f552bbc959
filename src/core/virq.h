/*
 * vIRQs: a VM raises an SPI in another VM along a `type = "virq"` link of
 * the system description (NUMBAT_HC_VIRQ_RAISE, include/numbat/abi.h).
 */
#ifndef CORE_VIRQ_H
#define CORE_VIRQ_H

#include <stdint.h>

struct vcpu;

/*
 * NUMBAT_HC_VIRQ_RAISE from `vcpu`: raises the virq link whose capability
 * index in the caller's VM is `cap`. Returns SMCCC_SUCCESS, or
 * SMCCC_INVALID_PARAMETER if the VM has no such link.
 */
int64_t virq_raise(const struct vcpu *vcpu, uint64_t cap);
/* Notes the virq links VM `vm_id` sends on (at boot, before it runs). */
void virq_init_vm(unsigned vm_id);

#endif
