/*
 * List-register allocation: which pending interrupts go into which list
 * registers, and which pending-only entries make way for more urgent
 * ones. Pure: host-tested (tests/host/test_vgic_lr.c).
 */
#ifndef CORE_VGIC_LR_H
#define CORE_VGIC_LR_H

#include <stdbool.h>

#include "core/vgic_types.h"

/* An interrupt that wants a list register. */
struct vgic_candidate {
	uint16_t intid;
	uint8_t priority;
	uint8_t source;
};

struct vgic_plan {
	unsigned placed;        /* candidates placed, in order */
	bool underflow;         /* some did not fit: ask for underflow maintenance */
	uint16_t evicted[VGIC_MAX_LR]; /* intids taken out of list registers */
	uint8_t evicted_source[VGIC_MAX_LR];
	unsigned nr_evicted;
};

/*
 * Sorts `c[0..n)` by priority (most urgent first; ties by INTID) and
 * assigns them to the `nr_lr` list registers in `lrs`: first to free ones
 * (intid VGIC_LR_FREE), then by evicting the least urgent pending-only
 * entry that is less urgent than the candidate. Active entries are never
 * evicted. Updates `lrs` in place (placed candidates become pending
 * entries) and fills `plan`; underflow is requested when a candidate did
 * not fit or an entry was evicted.
 */
void vgic_lr_plan(struct vgic_lr *lrs, unsigned nr_lr, struct vgic_candidate *c,
		  unsigned n, struct vgic_plan *plan);

#endif
