/*
 * Host tests of list-register allocation (src/core/vgic_lr.c): free list
 * registers filled in priority order (ties by INTID), more candidates
 * than list registers, eviction of the least urgent pending-only entry,
 * active and active+pending entries kept, equal priority never evicting,
 * and unsorted input.
 */
#include <string.h>

#include "check_main.h"
#include "core/vgic_lr.h"

static struct vgic_lr lrs[VGIC_MAX_LR];
static struct vgic_plan plan;

static struct vgic_lr lr_free(void)
{
	return (struct vgic_lr){ .intid = VGIC_LR_FREE };
}

static struct vgic_lr lr_make(uint16_t intid, uint8_t prio, uint8_t source, bool pending,
			      bool active)
{
	return (struct vgic_lr){ .intid = intid, .priority = prio, .source = source,
				 .pending = pending, .active = active };
}

/* Every list register free; `plan` scribbled so stale fields show. */
static void setup(void)
{
	for (unsigned i = 0; i < VGIC_MAX_LR; i++)
		lrs[i] = lr_free();
	memset(&plan, 0xa5, sizeof(plan));
}

/* The list register (below nr) holding intid, or -1. */
static int lr_of(unsigned nr, uint16_t intid)
{
	int found = -1;

	for (unsigned i = 0; i < nr; i++) {
		if (lrs[i].intid != intid)
			continue;
		ck_assert_msg(found < 0, "INTID %u in two list registers", intid);
		found = (int)i;
	}
	return found;
}

/* intid sits in a list register as a freshly placed pending entry. */
static void assert_placed(unsigned nr, uint16_t intid, uint8_t prio, uint8_t source)
{
	int i = lr_of(nr, intid);

	ck_assert_msg(i >= 0, "INTID %u not placed", intid);
	ck_assert_uint_eq(lrs[i].priority, prio);
	ck_assert_uint_eq(lrs[i].source, source);
	ck_assert(lrs[i].pending);
	ck_assert(!lrs[i].active);
	ck_assert(!lrs[i].hw);
}

static void assert_lr_eq(const struct vgic_lr *a, const struct vgic_lr *b)
{
	ck_assert_uint_eq(a->intid, b->intid);
	ck_assert_uint_eq(a->priority, b->priority);
	ck_assert_uint_eq(a->source, b->source);
	ck_assert_int_eq(a->pending, b->pending);
	ck_assert_int_eq(a->active, b->active);
}

START_TEST(free_lrs_filled_in_priority_order)
{
	struct vgic_candidate c[] = {
		{ 40, 0x80, 0 }, { 35, 0x20, 0 }, { 33, 0x80, 0 },
	};

	setup();
	vgic_lr_plan(lrs, 4, c, 3, &plan);
	ck_assert_uint_eq(plan.placed, 3);
	ck_assert(!plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	/* Sorted: most urgent first, ties by INTID. */
	ck_assert_uint_eq(c[0].intid, 35);
	ck_assert_uint_eq(c[1].intid, 33);
	ck_assert_uint_eq(c[2].intid, 40);
	assert_placed(4, 35, 0x20, 0);
	assert_placed(4, 33, 0x80, 0);
	assert_placed(4, 40, 0x80, 0);
	ck_assert_int_ge(lr_of(4, VGIC_LR_FREE), 0);
}
END_TEST

START_TEST(ties_broken_by_intid)
{
	struct vgic_candidate c[] = {
		{ 9, 0x50, 1 }, { 3, 0x50, 2 }, { 7, 0x50, 3 }, { 5, 0x50, 4 },
	};

	setup();
	vgic_lr_plan(lrs, 2, c, 4, &plan);
	ck_assert_uint_eq(plan.placed, 2);
	ck_assert(plan.underflow);
	assert_placed(2, 3, 0x50, 2);
	assert_placed(2, 5, 0x50, 4);
	ck_assert_uint_eq(c[0].intid, 3);
	ck_assert_uint_eq(c[1].intid, 5);
	ck_assert_uint_eq(c[2].intid, 7);
	ck_assert_uint_eq(c[3].intid, 9);
	ck_assert_uint_eq(c[2].source, 3);  /* sources travel with their INTID */
	ck_assert_uint_eq(c[3].source, 1);
}
END_TEST

START_TEST(more_candidates_than_lrs)
{
	/* Unsorted, with the most urgent ones at the end. */
	struct vgic_candidate c[] = {
		{ 50, 0xc0, 0 }, { 51, 0xb0, 0 }, { 52, 0xa0, 0 }, { 53, 0x40, 0 },
		{ 54, 0x30, 0 }, { 55, 0x20, 0 }, { 56, 0x10, 0 },
	};

	setup();
	vgic_lr_plan(lrs, 4, c, 7, &plan);
	ck_assert_uint_eq(plan.placed, 4);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	assert_placed(4, 56, 0x10, 0);
	assert_placed(4, 55, 0x20, 0);
	assert_placed(4, 54, 0x30, 0);
	assert_placed(4, 53, 0x40, 0);
	/* The rest are left, in order, after the placed ones. */
	for (uint16_t i = 50; i <= 52; i++)
		ck_assert_int_lt(lr_of(4, i), 0);
	ck_assert_uint_eq(c[4].intid, 52);
	ck_assert_uint_eq(c[5].intid, 51);
	ck_assert_uint_eq(c[6].intid, 50);
	/* Nothing beyond nr_lr touched. */
	for (unsigned i = 4; i < VGIC_MAX_LR; i++)
		ck_assert_uint_eq(lrs[i].intid, VGIC_LR_FREE);
}
END_TEST

START_TEST(free_lr_preferred_to_eviction)
{
	struct vgic_candidate c[] = { { 60, 0x10, 0 } };

	setup();
	lrs[0] = lr_make(40, 0xa0, 0, true, false);
	lrs[2] = lr_make(41, 0xa0, 0, true, false);
	vgic_lr_plan(lrs, 3, c, 1, &plan);
	ck_assert_uint_eq(plan.placed, 1);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	ck_assert(!plan.underflow);
	ck_assert_int_eq(lr_of(3, 60), 1);
	ck_assert_int_eq(lr_of(3, 40), 0);
	ck_assert_int_eq(lr_of(3, 41), 2);
}
END_TEST

START_TEST(evicts_least_urgent_pending)
{
	struct vgic_candidate c[] = { { 70, 0x20, 0 }, { 71, 0x10, 5 } };

	setup();
	lrs[0] = lr_make(3, 0x40, 1, true, false);
	lrs[1] = lr_make(4, 0xa0, 6, true, false);
	lrs[2] = lr_make(5, 0x60, 2, true, false);
	lrs[3] = lr_make(6, 0x80, 7, true, false);
	vgic_lr_plan(lrs, 4, c, 2, &plan);
	ck_assert_uint_eq(plan.placed, 2);
	/* The evicted entries wait in memory: underflow must bring them back. */
	ck_assert(plan.underflow);
	/* 71 (most urgent) takes 4's place, then 70 takes 6's. */
	ck_assert_uint_eq(plan.nr_evicted, 2);
	ck_assert_uint_eq(plan.evicted[0], 4);
	ck_assert_uint_eq(plan.evicted_source[0], 6);
	ck_assert_uint_eq(plan.evicted[1], 6);
	ck_assert_uint_eq(plan.evicted_source[1], 7);
	ck_assert_int_eq(lr_of(4, 71), 1);
	ck_assert_int_eq(lr_of(4, 70), 3);
	assert_placed(4, 71, 0x10, 5);
	assert_placed(4, 70, 0x20, 0);
	ck_assert_int_eq(lr_of(4, 3), 0);
	ck_assert_int_eq(lr_of(4, 5), 2);
}
END_TEST

START_TEST(evicts_only_less_urgent)
{
	struct vgic_candidate c[] = { { 80, 0x70, 0 }, { 81, 0x85, 0 } };

	setup();
	lrs[0] = lr_make(40, 0x40, 0, true, false);
	lrs[1] = lr_make(41, 0x60, 0, true, false);
	lrs[2] = lr_make(42, 0x80, 0, true, false);
	lrs[3] = lr_make(43, 0x90, 0, true, false);
	vgic_lr_plan(lrs, 4, c, 2, &plan);
	ck_assert_uint_eq(plan.placed, 1);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 1);
	ck_assert_uint_eq(plan.evicted[0], 43);
	ck_assert_int_eq(lr_of(4, 80), 3);
	ck_assert_int_lt(lr_of(4, 81), 0);
	ck_assert_int_eq(lr_of(4, 42), 2);  /* 0x80 is more urgent than 0x85 */
}
END_TEST

START_TEST(active_entries_never_evicted)
{
	struct vgic_candidate c[] = { { 90, 0x00, 0 }, { 91, 0x00, 0 } };
	struct vgic_lr before[4];

	setup();
	lrs[0] = lr_make(40, 0xf0, 0, false, true);   /* active */
	lrs[1] = lr_make(41, 0xf0, 0, true, true);    /* active + pending */
	lrs[2] = lr_make(42, 0xe0, 0, true, false);   /* pending only */
	lrs[3] = lr_make(43, 0xf8, 0, true, true);    /* active + pending */
	memcpy(before, lrs, sizeof(before));
	vgic_lr_plan(lrs, 4, c, 2, &plan);
	ck_assert_uint_eq(plan.placed, 1);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 1);
	ck_assert_uint_eq(plan.evicted[0], 42);
	ck_assert_int_eq(lr_of(4, 90), 2);
	assert_lr_eq(&lrs[0], &before[0]);
	assert_lr_eq(&lrs[1], &before[1]);
	assert_lr_eq(&lrs[3], &before[3]);
}
END_TEST

START_TEST(all_active_nothing_placed)
{
	struct vgic_candidate c[] = { { 33, 0x00, 0 }, { 34, 0x10, 0 }, { 35, 0x20, 0 } };
	struct vgic_lr before[4];

	setup();
	for (unsigned i = 0; i < 4; i++)
		lrs[i] = lr_make((uint16_t)(40 + i), 0xff, 0, i & 1, true);
	memcpy(before, lrs, sizeof(before));
	vgic_lr_plan(lrs, 4, c, 3, &plan);
	ck_assert_uint_eq(plan.placed, 0);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_lr_eq(&lrs[i], &before[i]);
}
END_TEST

START_TEST(equal_priority_never_evicts)
{
	/* A lower INTID wins ties when sorting, but never displaces an entry. */
	struct vgic_candidate c[] = { { 32, 0x80, 0 } };
	struct vgic_lr before[4];

	setup();
	for (unsigned i = 0; i < 4; i++)
		lrs[i] = lr_make((uint16_t)(40 + i), 0x80, 0, true, false);
	memcpy(before, lrs, sizeof(before));
	vgic_lr_plan(lrs, 4, c, 1, &plan);
	ck_assert_uint_eq(plan.placed, 0);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_lr_eq(&lrs[i], &before[i]);
}
END_TEST

START_TEST(no_candidates_changes_nothing)
{
	struct vgic_lr before[4];

	setup();
	lrs[1] = lr_make(40, 0x80, 0, true, false);
	lrs[3] = lr_make(41, 0x80, 0, false, true);
	memcpy(before, lrs, sizeof(before));
	vgic_lr_plan(lrs, 4, NULL, 0, &plan);
	ck_assert_uint_eq(plan.placed, 0);
	ck_assert(!plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_lr_eq(&lrs[i], &before[i]);
}
END_TEST

START_TEST(unsorted_input_many)
{
	/* 16 list registers, 40 candidates in a scrambled order. */
	struct vgic_candidate c[40];

	setup();
	for (unsigned i = 0; i < 40; i++) {
		unsigned k = (i * 17) % 40;   /* a permutation of 0..39 */

		c[i] = (struct vgic_candidate){ (uint16_t)(32 + k), (uint8_t)(0xf0 - 4 * (k / 2)), 0 };
	}
	vgic_lr_plan(lrs, VGIC_MAX_LR, c, 40, &plan);
	ck_assert_uint_eq(plan.placed, VGIC_MAX_LR);
	ck_assert(plan.underflow);
	for (unsigned i = 1; i < 40; i++)
		ck_assert(c[i - 1].priority < c[i].priority ||
			  (c[i - 1].priority == c[i].priority && c[i - 1].intid < c[i].intid));
	/* The 16 most urgent: k = 39 down to 24 (priority falls with k). */
	for (unsigned k = 24; k < 40; k++)
		ck_assert_int_ge(lr_of(VGIC_MAX_LR, (uint16_t)(32 + k)), 0);
}
END_TEST

START_TEST(evicted_again_by_next_plan)
{
	/* A second plan over the result of the first still orders correctly. */
	struct vgic_candidate c1[] = { { 40, 0x80, 0 }, { 41, 0x90, 0 } };
	struct vgic_candidate c2[] = { { 42, 0x10, 0 }, { 43, 0x85, 0 } };

	setup();
	vgic_lr_plan(lrs, 2, c1, 2, &plan);
	ck_assert_uint_eq(plan.placed, 2);
	lrs[0].active = true;
	lrs[0].pending = false;   /* the guest acknowledged 40 */
	vgic_lr_plan(lrs, 2, c2, 2, &plan);
	ck_assert_uint_eq(plan.placed, 1);
	ck_assert(plan.underflow);
	ck_assert_uint_eq(plan.nr_evicted, 1);
	ck_assert_uint_eq(plan.evicted[0], 41);
	ck_assert_int_eq(lr_of(2, 40), 0);
	ck_assert_int_eq(lr_of(2, 42), 1);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("vgic_lr");

	HOST_TEST(s, free_lrs_filled_in_priority_order);
	HOST_TEST(s, ties_broken_by_intid);
	HOST_TEST(s, more_candidates_than_lrs);
	HOST_TEST(s, free_lr_preferred_to_eviction);
	HOST_TEST(s, evicts_least_urgent_pending);
	HOST_TEST(s, evicts_only_less_urgent);
	HOST_TEST(s, active_entries_never_evicted);
	HOST_TEST(s, all_active_nothing_placed);
	HOST_TEST(s, equal_priority_never_evicts);
	HOST_TEST(s, no_candidates_changes_nothing);
	HOST_TEST(s, unsorted_input_many);
	HOST_TEST(s, evicted_again_by_next_plan);
}
