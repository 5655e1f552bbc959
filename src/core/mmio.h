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

/*
 * Called by a device model during a write it has only partly done (a
 * virtio notification with more work queued): the current vCPU does not
 * step over the store, so it re-executes it after taking its interrupts,
 * and the device continues then. The work is charged to the guest.
 */
void mmio_replay(void);

#endif
