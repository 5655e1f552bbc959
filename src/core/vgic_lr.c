/*
 * List-register allocation (see vgic_lr.h). GIC architecture: a lower
 * priority value is more urgent; the hardware presents the most urgent
 * pending list register to the guest, so what must never happen is a
 * more urgent interrupt waiting in memory while a less urgent one sits
 * pending in a list register.
 */
#include "core/vgic_lr.h"

static bool more_urgent(const struct vgic_candidate *a, const struct vgic_candidate *b)
{
	return a->priority < b->priority ||
	       (a->priority == b->priority && a->intid < b->intid);
}

static void sort_candidates(struct vgic_candidate *c, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct vgic_candidate x = c[i];
		unsigned j = i;

		for (; j > 0 && more_urgent(&x, &c[j - 1]); j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

/* The free list register, or else the least urgent pending-only one. */
static int pick_slot(const struct vgic_lr *lrs, unsigned nr_lr, uint8_t priority)
{
	int victim = -1;

	for (unsigned i = 0; i < nr_lr; i++) {
		if (lrs[i].intid == VGIC_LR_FREE)
			return (int)i;
		if (lrs[i].active || !lrs[i].pending || lrs[i].priority <= priority)
			continue;
		if (victim < 0 || lrs[i].priority > lrs[victim].priority)
			victim = (int)i;
	}
	return victim;
}

void vgic_lr_plan(struct vgic_lr *lrs, unsigned nr_lr, struct vgic_candidate *c,
		  unsigned n, struct vgic_plan *plan)
{
	plan->placed = 0;
	plan->nr_evicted = 0;
	plan->underflow = false;
	sort_candidates(c, n);
	for (unsigned k = 0; k < n; k++) {
		int slot = pick_slot(lrs, nr_lr, c[k].priority);

		if (slot < 0) {
			plan->underflow = true; /* the rest are no more urgent */
			break;
		}
		if (lrs[slot].intid != VGIC_LR_FREE) {
			plan->evicted[plan->nr_evicted] = lrs[slot].intid;
			plan->evicted_source[plan->nr_evicted++] = lrs[slot].source;
		}
		lrs[slot] = (struct vgic_lr){
			.intid = c[k].intid, .priority = c[k].priority,
			.source = c[k].source, .pending = true,
		};
		plan->placed++;
	}
	/*
	 * An evicted interrupt waits in memory: ask to hear when list
	 * registers drain (they are all full now, so this cannot livelock).
	 */
	if (plan->nr_evicted)
		plan->underflow = true;
}
