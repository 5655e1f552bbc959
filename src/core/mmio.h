/* Emulation of guest accesses that fault in stage 2 (mmio.c). */
#ifndef CORE_MMIO_H
#define CORE_MMIO_H

#include <stdint.h>

#include "core/addr.h"

struct vcpu;

/*
 * Emulates the data abort described by `esr` (a stage-2 fault of the
 * current vCPU) on an emulated device, or applies the VM's fault policy if
 * numbat cannot.
 */
void mmio_handle(struct vcpu *vcpu, uint64_t esr);

#endif
