/* Emulation of guest accesses that fault in stage 2 (mmio.c). */
#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include <stdint.h>

#include "core/addr.h"

struct vcpu;

/*
 * Emulates the data access described by `esr` at `ipa` (FAR `far`) on an
 * emulated device, or applies the VM's fault policy if numbat cannot.
 */
void mmio_handle(struct vcpu *vcpu, uint64_t esr, ipaddr_t ipa, uint64_t far);

#endif
