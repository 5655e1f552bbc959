/*
 * The scheduling policy of one pCPU (sched_policy.h): fixed priorities,
 * round-robin among equals, budgets as sporadic servers. Pure: no locks,
 * no clock of its own; host-tested in tests/host/test_sched_policy.c.
 *
 * Budgets. A budgeted entity holds its budget as a sorted ring of
 * replenishments {at, amount} whose amounts always add up to the budget.
 * Time it runs is taken from the head (which must be due), and the same
 * amount comes back one period after the run began: in any window of one
 * period it can never run for more than its budget, however it splits its
 * runs (Sprunt, Sha and Lehoczky's sporadic server; seL4 MCS refills).
 *
 * Fragments. Preempted often, such an entity leaves many small
 * replenishments, and each one due would let it on for a moment: a
 * reschedule and a world switch for a few ticks of work, and, when a
 * fragment is shorter than the reschedule itself, the budget timer expired
 * before the entity runs at all, over and over, while the entities below
 * it never get the pCPU. So it may run only when at least min_run (a
 * SCHED_REFILLS-th of its budget) is due; until then it is throttled, and
 * its smaller due replenishments wait to be merged with later ones
 * (seL4 MCS's minimum budget). Waiting longer never breaks the bound.
 */
#include "core/sched_policy.h"

#include <stddef.h>

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static struct sched_refill *refill_at(struct sched_entity *se, unsigned i)
{
	return &se->refill[(se->head + i) % SCHED_REFILLS];
}

void sched_policy_init(struct sched_entity *se, unsigned prio, uint64_t slice,
		       uint64_t budget, uint64_t period, uint64_t now)
{
	*se = (struct sched_entity){
		.prio = prio,
		.slice = slice ? slice : 1,
		.slice_left = slice ? slice : 1,
		.budget = (budget && period && budget <= period) ? budget : 0,
		.period = period,
		.min_run = (budget && period && budget <= period) ? (budget + SCHED_REFILLS - 1) / SCHED_REFILLS : 0,
		.run_start = now,
		.ready_since = SCHED_NEVER,
	};
	if (se->budget) {
		se->refill[0] = (struct sched_refill){ .at = now, .amount = se->budget };
		se->count = 1;
	}
}

/* Folds the replenishments due at `now` into one head. */
static void refills_merge(struct sched_entity *se, uint64_t now)
{
	while (se->count > 1 && refill_at(se, 0)->at <= now && refill_at(se, 1)->at <= now) {
		struct sched_refill *h = refill_at(se, 0), *n = refill_at(se, 1);

		n->amount += h->amount;
		n->at = h->at;
		se->head = (se->head + 1) % SCHED_REFILLS;
		se->count--;
	}
}

/*
 * sched_policy_available for a budgeted entity: what is due at `now`, or 0
 * while that is less than min_run (it is throttled).
 */
uint64_t sched_policy_budget_left(struct sched_entity *se, uint64_t now)
{
	const struct sched_refill *h;

	refills_merge(se, now);
	h = refill_at(se, 0);
	return h->at <= now && h->amount >= se->min_run ? h->amount : 0;
}

/*
 * When a throttled entity may run again: the time of the replenishment
 * that brings what is due up to min_run (the amounts add up to the budget,
 * which is at least min_run, so there is one).
 */
static uint64_t refill_ready_at(struct sched_entity *se)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < se->count; i++) {
		sum += refill_at(se, i)->amount;
		if (sum >= se->min_run)
			return refill_at(se, i)->at;
	}
	return refill_at(se, se->count - 1)->at;
}

/* Queues `amount` to come back at `at`, keeping the ring sorted and bounded. */
static void refill_push(struct sched_entity *se, uint64_t at, uint64_t amount)
{
	struct sched_refill *tail = se->count ? refill_at(se, se->count - 1) : NULL;

	if (tail && (se->count == SCHED_REFILLS || tail->at >= at)) {
		/* No room (or out of order): later is the safe side. */
		tail->at = max_u64(tail->at, at);
		tail->amount += amount;
		return;
	}
	*refill_at(se, se->count) = (struct sched_refill){ .at = at, .amount = amount };
	se->count++;
}

/* Takes up to `want` from the head replenishment (dropped once empty). */
static uint64_t head_take(struct sched_entity *se, uint64_t want)
{
	struct sched_refill *h = refill_at(se, 0);
	uint64_t take = min_u64(want, h->amount);

	h->amount -= take;
	if (!h->amount) {
		se->head = (se->head + 1) % SCHED_REFILLS;
		se->count--;
	}
	return take;
}

/*
 * A run went on past what was due: numbat's timer came late (an interrupt
 * masked at EL2, or under an emulator a pCPU that did not run at all for a
 * while). The excess is borrowed from the replenishments to come, which
 * then come back one period later than they would have; an excess of k
 * whole budgets leaves nothing due for k periods from now. Forgiving it
 * instead hands a vCPU whose timer is late its budget back at once, period
 * after period, and starves the vCPUs below it (seen under -icount:
 * `rt` ran 97% of pCPU 2 with a 30% budget, linux1 the rest).
 */
static void charge_overrun(struct sched_entity *se, uint64_t over, uint64_t now)
{
	if (over >= se->budget) {
		se->head = 0;
		se->count = 1;
		se->refill[0] = (struct sched_refill){ .at = now + over / se->budget * se->period,
						       .amount = se->budget };
		return;
	}
	while (over) {
		uint64_t at = refill_at(se, 0)->at + se->period;
		uint64_t take = head_take(se, over);

		over -= take;
		refill_push(se, at, take);
	}
}

/*
 * Takes `used` ticks of a run that began at `start` from the budget: from
 * what was due (after refills_merge, the head alone), to come back one
 * period after the run began; the rest, if the run overran that, as debt.
 * Each refill is taken from once: one pushed back here can already be due
 * (a run longer than a period) and must not pay for the same run again.
 */
void sched_policy_consume(struct sched_entity *se, uint64_t used, uint64_t start, uint64_t now)
{
	refills_merge(se, now);
	if (se->count && refill_at(se, 0)->at <= now) {
		uint64_t take = head_take(se, used);

		used -= take;
		refill_push(se, start + se->period, take);
	}
	if (used)
		charge_overrun(se, used, now);
	if (sched_policy_available(se, now) == 0)
		se->stats.throttled++;
}

void sched_policy_woken(struct sched_entity *se, uint64_t at)
{
	se->stats.wakeups++;
	se->ready_since = at;
}

/*
 * The pick's next event when the choice is budgeted or some runnable
 * entity is throttled: the choice's slice end (an equal waits) or budget
 * end, and the refill of a throttled entity that would then win.
 */
uint64_t sched_policy_pick_event_budgets(struct sched_pick pk,
					 struct sched_entity *const *throttled, unsigned n,
					 uint64_t now)
{
	struct sched_entity *best = pk.best;
	uint64_t event = best && pk.equal ? now + best->slice_left : SCHED_NEVER;

	if (best && best->budget)
		event = min_u64(event, now + sched_policy_budget_left(best, now));
	for (unsigned i = 0; i < n; i++) {
		struct sched_entity *e = throttled[i];

		/* Throttled: it matters once refilled if it would then win. */
		if (e->budget && !sched_policy_budget_left(e, now) &&
		    (!best || e->prio > best->prio))
			event = min_u64(event, refill_ready_at(e));
	}
	return event;
}

/* One sched_policy_consider per entity; the throttled ones are looked at again only if any. */
struct sched_entity *sched_policy_pick(struct sched_queue *q, struct sched_entity *const *ready,
				       unsigned n, uint64_t now, uint64_t *next_event)
{
	struct sched_pick pk = { .best = NULL, .equal = false };
	unsigned throttled = 0;

	for (unsigned i = 0; i < n; i++)
		if (!sched_policy_consider(q, &pk, ready[i], now))
			throttled++;
	*next_event = sched_policy_pick_event(pk, ready, throttled ? n : 0, now);
	return pk.best;
}
