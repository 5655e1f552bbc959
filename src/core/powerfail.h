/*
 * The power-fail warning: the platform's power-fail input (plat.h,
 * plat_powerkey_*) tells numbat the supply is failing; numbat raises the
 * description's vIRQ in the server VM (the disk server), which drains its
 * buffers and answers NUMBAT_HC_POWERFAIL_DONE; numbat then powers the
 * machine off, or when the drain-time budget has run out in any case.
 */
#ifndef CORE_POWERFAIL_H
#define CORE_POWERFAIL_H

#include <stdbool.h>
#include <stdint.h>

struct bootinfo;
struct vcpu;

/* Boot pCPU, after the GIC and the VMs are set up: takes the input if the
 * description has a power-fail node and the machine a power button. */
void powerfail_init(const struct bootinfo *bi);

/* The physical INTID numbat takes the warning on; 0 if none. */
extern unsigned powerfail_intid;

/* The warning's interrupt fired (any pCPU; the caller EOIs it after). */
void powerfail_irq(void);

/* NUMBAT_HC_POWERFAIL_DONE from `vcpu`: returns an SMCCC error, or powers off. */
int64_t powerfail_done(struct vcpu *vcpu);

/* The end of the drain budget once warned, else UINT64_MAX (powerfail.c). */
extern uint64_t powerfail_deadline;
uint64_t powerfail_poll_warned(uint64_t now, uint64_t next);

/*
 * Scheduler hook, every pCPU: powers off if the drain budget ran out by
 * `now`; else the earlier of `next` and the budget's end. Inline: every
 * reschedule asks, and almost always there is no warning.
 */
static inline uint64_t powerfail_poll(uint64_t now, uint64_t next)
{
	if (__atomic_load_n(&powerfail_deadline, __ATOMIC_ACQUIRE) == UINT64_MAX)
		return next;
	return powerfail_poll_warned(now, next);
}

#endif
