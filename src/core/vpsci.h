/* PSCI 1.1 for guests (vpsci.c); argument checks are in psci_decode.c. */
#ifndef CORE_VPSCI_H
#define CORE_VPSCI_H

#include <stdint.h>

struct vcpu;

/* Handles PSCI call `fn` from `vcpu`; results in x0. */
void vpsci_handle(struct vcpu *vcpu, uint32_t fn);

#endif
