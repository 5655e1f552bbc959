/*
 * The scheduling policy of one pCPU, as pure functions over scheduling
 * entities (one per vCPU) and a clock passed in: fixed priorities,
 * round-robin by time slice among equals, and an optional budget per
 * period enforced as a sporadic server (the seL4 MCS idea). No locks, no
 * hardware: sched.c feeds it the runnable vCPUs and the counter, and the
 * host unit tests feed it a fake clock.
 *
 * Times are counter ticks. A vCPU's time is charged for what it actually
 * ran (sched_policy_charge), across blocks and wake-ups: waking up never
 * hands out a fresh slice or budget.
 */
#ifndef CORE_SCHED_POLICY_H
#define CORE_SCHED_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_NEVER     UINT64_MAX
/* Replenishments a budgeted entity tracks; more are merged (later). */
#define SCHED_REFILLS   8

struct sched_refill {
	uint64_t at;      /* counter value from which `amount` may be used */
	uint64_t amount;  /* ticks */
};

/* Per-vCPU figures for the operator and for tests. */
struct sched_stats {
	uint64_t ran;            /* ticks run in total */
	uint64_t preemptions;    /* taken off while still runnable */
	uint64_t wakeups;        /* blocked -> runnable transitions */
	uint64_t worst_latency;  /* ticks from wake-up (or deadline) to running */
	uint64_t throttled;      /* times it ran out of budget */
};

struct sched_entity {
	/* Configuration (sched_policy_init). */
	unsigned prio;           /* higher runs first */
	uint64_t slice;          /* round-robin slice among equal priorities */
	uint64_t budget;         /* per period; 0: not budgeted */
	uint64_t period;
	uint64_t min_run;        /* budget / SCHED_REFILLS: the least it is let run on */
	/* State; protected by running only on the owning pCPU. */
	uint64_t slice_left;
	uint64_t seq;            /* round-robin position: lowest goes first */
	uint64_t run_start;      /* when it was last put on, or last charged */
	uint64_t ready_since;    /* wake-up time not yet served, or SCHED_NEVER */
	struct sched_refill refill[SCHED_REFILLS]; /* ring: the head is current */
	unsigned head, count;
	struct sched_stats stats;
};

/* The round-robin order of one pCPU. */
struct sched_queue {
	uint64_t seq;
};

/* Sets `se` up with full slice and budget available from `now`. */
void sched_policy_init(struct sched_entity *se, unsigned prio, uint64_t slice,
		       uint64_t budget, uint64_t period, uint64_t now);

/*
 * The entity to run among the `n` runnable ones in `ready` (NULL if none
 * may run: all are out of budget, or n is 0). Entities whose slice ran out
 * go to the back of their priority's round robin with a fresh slice.
 * *next_event is set to when the decision must be revisited: the chosen
 * one's slice end (if an equal-priority entity waits) or budget end, or
 * the refill of a throttled entity that would then preempt it (the first
 * refill of any throttled one when nothing runs); SCHED_NEVER if none.
 * The same pick one entity at a time (sched.c's pass over its run list):
 * sched_policy_consider for each, then sched_policy_pick_event.
 */
struct sched_entity *sched_policy_pick(struct sched_queue *q, struct sched_entity *const *ready,
				       unsigned n, uint64_t now, uint64_t *next_event);

/* A pick in progress: the best entity so far, and whether an equal of it waits. */
struct sched_pick {
	struct sched_entity *best;
	bool equal;
};

uint64_t sched_policy_budget_left(struct sched_entity *se, uint64_t now);

/*
 * Puts the runnable `e` to the pick `pk` at `now` (a slice that ran out
 * first goes to the back with a fresh one). Returns false, leaving `pk` as
 * it was, if `e` is throttled (out of budget): the caller then gives it
 * to sched_policy_pick_event. Inline: every reschedule runs it for each
 * runnable vCPU.
 */
static inline bool sched_policy_consider(struct sched_queue *q, struct sched_pick *pk,
					 struct sched_entity *e, uint64_t now)
{
	struct sched_entity *best = pk->best;

	if (!e->slice_left) {
		e->seq = ++q->seq;  /* to the back, with a fresh slice */
		e->slice_left = e->slice;
	}
	if (e->budget && !sched_policy_budget_left(e, now))
		return false;
	if (!best || e->prio > best->prio) {
		pk->best = e;
		pk->equal = false;
	} else if (e->prio == best->prio) {
		pk->equal = true;
		if (e->seq < best->seq)
			pk->best = e;
	}
	return true;
}

/* sched_policy_pick_event where budgets are involved (sched_policy.c). */
uint64_t sched_policy_pick_event_budgets(struct sched_pick pk,
					 struct sched_entity *const *throttled, unsigned n,
					 uint64_t now);

/*
 * When the finished pick `pk` must be revisited (sched_policy_pick's
 * *next_event); `throttled` holds the `n` entities sched_policy_consider
 * refused (it may hold others too: they are skipped).
 */
static inline uint64_t sched_policy_pick_event(struct sched_pick pk,
					       struct sched_entity *const *throttled, unsigned n,
					       uint64_t now)
{
	if (__builtin_expect(n || (pk.best && pk.best->budget), 0))
		return sched_policy_pick_event_budgets(pk, throttled, n, now);
	return pk.equal ? now + pk.best->slice_left : SCHED_NEVER;
}

/* Budget `se` may use at `now` (UINT64_MAX when it is not budgeted). */
static inline uint64_t sched_policy_available(struct sched_entity *se, uint64_t now)
{
	return se->budget ? sched_policy_budget_left(se, now) : UINT64_MAX;
}

/* `se` starts (or goes on) running at `now`: records its wake-up latency. */
static inline void sched_policy_run(struct sched_entity *se, uint64_t now)
{
	se->run_start = now;
	if (se->ready_since != SCHED_NEVER) {
		uint64_t lat = now > se->ready_since ? now - se->ready_since : 0;

		if (lat > se->stats.worst_latency)
			se->stats.worst_latency = lat;
		se->ready_since = SCHED_NEVER;
	}
}

/* The budgeted part of sched_policy_charge (sched_policy.c). */
void sched_policy_consume(struct sched_entity *se, uint64_t used, uint64_t start, uint64_t now);

/*
 * Charges `se` for the time since it was put on (or last charged) up to
 * `now`: its slice, its budget (scheduling the replenishment one period
 * after that run began), and its statistics. Inline (every reschedule
 * charges); the budget's bookkeeping is out of line.
 */
static inline void sched_policy_charge(struct sched_entity *se, uint64_t now)
{
	uint64_t used = now > se->run_start ? now - se->run_start : 0;
	uint64_t start = se->run_start;

	se->run_start = now;
	if (!used)
		return;
	se->stats.ran += used;
	se->slice_left = used >= se->slice_left ? 0 : se->slice_left - used;
	if (se->budget)
		sched_policy_consume(se, used, start, now);
}

/* `se` became runnable at `at` (a deadline, or now): latency runs from then. */
void sched_policy_woken(struct sched_entity *se, uint64_t at);

/*
 * Whether `se`, one of the `n` entities of its pCPU, may keep the pCPU
 * while it waits for an interrupt (its WFI and WFE run in hardware rather
 * than blocking it here): only when it is alone there, so no other entity
 * ever needs the pCPU it holds, and not budgeted, since its waits would
 * then count against its budget as run time. A waiting entity that shares
 * its pCPU, or has a budget, must block so the others get their share.
 */
static inline bool sched_policy_keeps_pcpu(const struct sched_entity *se, unsigned n)
{
	return n == 1 && !se->budget;
}

/* Whether a newly runnable `woken` should take the pCPU from `running`. */
static inline bool sched_policy_preempts(const struct sched_entity *woken,
					 const struct sched_entity *running)
{
	return !running || woken->prio > running->prio;
}

#endif
