/*
 * Host tests of the device-side split virtqueue (src/core/virtq.c,
 * virtio 1.2 section 2.7): chains as a correct driver makes them, every
 * rule a hostile driver can break (descriptors outside memory, the wrong
 * rights, overflowing lengths, loops, next past the table, readable after
 * writable, indirect tables without negotiation, nested or chained,
 * queue sizes that are not powers of two, an available index that jumps),
 * the used ring, both ways of interrupt and notification suppression, and
 * the copies between chains.
 *
 * virtq.c is compiled into this file over a fake VM memory
 * (fake_guest_mem.h) and a fake driver (fake_driver.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "fake_spinlock.h"

#include "core/virtq.c"

#include "fake_driver.h"

#define RING     (FAKE_RAM_IPA)
#define BUF      (FAKE_RAM_IPA + 0x10000)

static struct vm tvm;
static struct virtq q;
static struct fq f;
static struct virtq_chain c;

static void setup(uint16_t num)
{
	memset(&tvm, 0, sizeof(tvm));
	fq_init(&f, &q, 0, RING, num);
}

START_TEST(pop_simple_chain)
{
	setup(8);
	fq_desc(&f, 3, BUF, 100, DESC_F_NEXT, 5);
	fq_desc(&f, 5, BUF + 0x100, 50, DESC_F_NEXT, 1);
	fq_desc(&f, 1, BUF + 0x1000, 200, DESC_F_WRITE, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_EMPTY);
	ck_assert(!virtq_has_avail(&tvm, &q));
	fq_add(&f, 3);
	ck_assert(virtq_has_avail(&tvm, &q));
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.head, 3);
	ck_assert_uint_eq(c.nout, 2);
	ck_assert_uint_eq(c.nin, 1);
	ck_assert_uint_eq(c.out_len, 150);
	ck_assert_uint_eq(c.in_len, 200);
	ck_assert_ptr_eq(c.seg[0].p, fake_at(0, BUF));
	ck_assert_ptr_eq(c.seg[2].p, fake_at(0, BUF + 0x1000));
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_EMPTY);
}
END_TEST

START_TEST(unpop_gives_the_chain_back)
{
	setup(4);
	fq_desc(&f, 0, BUF, 10, 0, 0);
	fq_desc(&f, 1, BUF, 20, 0, 0);
	fq_add(&f, 0);
	fq_add(&f, 1);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.head, 1);
	virtq_unpop(&q);
	ck_assert(virtq_has_avail(&tvm, &q));
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.head, 1);
	ck_assert_uint_eq(c.out_len, 20);
}
END_TEST

START_TEST(ring_index_wraps)
{
	setup(2);
	fq_desc(&f, 0, BUF, 1, 0, 0);
	f.avail_idx = 0xfffe;
	q.last_avail = q.used_idx = 0xfffe;
	for (unsigned i = 0; i < 5; i++) {
		fq_add(&f, 0);
		ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
		ck_assert(virtq_push(&tvm, &q, 0, 1));
	}
	ck_assert_uint_eq(fq_used_idx(&f), 3);
}
END_TEST

START_TEST(zero_length_buffers_are_skipped)
{
	setup(4);
	fq_desc(&f, 0, 0xdead0000, 0, DESC_F_NEXT, 1);   /* never mapped */
	fq_desc(&f, 1, BUF, 8, 0, 0);
	fq_add(&f, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.nout, 1);
	ck_assert_uint_eq(c.out_len, 8);
}
END_TEST

/* One rule broken: the walker says VIRTQ_BROKEN and takes nothing. */
static void expect_broken(void)
{
	uint16_t before = q.last_avail;

	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_BROKEN);
	ck_assert_uint_eq(q.last_avail, before);
}

START_TEST(buffer_outside_memory)
{
	setup(4);
	fq_desc(&f, 0, FAKE_RAM_IPA + FAKE_RAM_SIZE, 16, 0, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(buffer_straddles_the_end_of_memory)
{
	setup(4);
	fq_desc(&f, 0, FAKE_RAM_IPA + FAKE_RAM_SIZE - 8, 16, 0, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(address_plus_length_wraps)
{
	setup(4);
	fq_desc(&f, 0, UINT64_MAX - 8, 0x100, 0, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(total_length_overflows)
{
	setup(4);
	fq_desc(&f, 0, FAKE_HUGE_IPA, 0xffffffffu, DESC_F_NEXT, 1);
	fq_desc(&f, 1, FAKE_HUGE_IPA, 0x10, 0, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(writable_buffer_in_read_only_memory)
{
	setup(4);
	fq_desc(&f, 0, FAKE_RO_IPA, 16, 0, 1);          /* readable: fine */
	fq_add(&f, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	fq_desc(&f, 1, FAKE_RO_IPA, 16, DESC_F_WRITE, 0);
	fq_add(&f, 1);
	expect_broken();
}
END_TEST

START_TEST(readable_after_writable)
{
	setup(4);
	fq_desc(&f, 0, BUF, 16, DESC_F_WRITE | DESC_F_NEXT, 1);
	fq_desc(&f, 1, BUF, 16, 0, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(next_past_the_table)
{
	setup(4);
	fq_desc(&f, 0, BUF, 16, DESC_F_NEXT, 4);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(head_past_the_table)
{
	setup(4);
	fq_add(&f, 7);
	expect_broken();
}
END_TEST

START_TEST(chain_loops)
{
	setup(8);
	fq_desc(&f, 0, BUF, 16, DESC_F_NEXT, 1);
	fq_desc(&f, 1, BUF, 16, DESC_F_NEXT, 0);
	fq_add(&f, 0);
	expect_broken();
}
END_TEST

START_TEST(chain_loops_on_itself_with_empty_buffers)
{
	setup(256);
	fq_desc(&f, 9, BUF, 0, DESC_F_NEXT, 9);
	fq_add(&f, 9);
	expect_broken();
}
END_TEST

START_TEST(chain_longer_than_segs_max)
{
	setup(128);
	for (unsigned i = 0; i < VIRTQ_SEGS_MAX + 1; i++)
		fq_desc(&f, i, BUF, 4, i == VIRTQ_SEGS_MAX ? 0 : DESC_F_NEXT, (uint16_t)(i + 1));
	fq_add(&f, 0);
	expect_broken();
	/* exactly VIRTQ_SEGS_MAX is fine */
	fq_desc(&f, VIRTQ_SEGS_MAX - 1, BUF, 4, 0, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.nout, VIRTQ_SEGS_MAX);
}
END_TEST

START_TEST(avail_index_jumps_past_the_ring)
{
	setup(4);
	fq_desc(&f, 0, BUF, 16, 0, 0);
	*fq_avail16(&f, 1) = 5;
	expect_broken();
	*fq_avail16(&f, 1) = 4;    /* a full ring is fine */
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
}
END_TEST

START_TEST(indirect_needs_negotiation)
{
	uint64_t table = BUF + 0x2000;

	setup(4);
	fq_desc_at(&f, table, 0, BUF, 10, DESC_F_NEXT, 1);
	fq_desc_at(&f, table, 1, BUF + 0x100, 30, DESC_F_WRITE, 0);
	fq_desc(&f, 2, table, 32, DESC_F_INDIRECT, 0);
	fq_add(&f, 2);
	expect_broken();
	q.indirect = true;
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.head, 2);
	ck_assert_uint_eq(c.out_len, 10);
	ck_assert_uint_eq(c.in_len, 30);
}
END_TEST

START_TEST(indirect_rules)
{
	uint64_t table = BUF + 0x2000, inner = BUF + 0x3000;

	setup(4);
	q.indirect = true;
	fq_desc_at(&f, inner, 0, BUF, 10, 0, 0);
	/* nested: an indirect descriptor inside a table */
	fq_desc_at(&f, table, 0, inner, 16, DESC_F_INDIRECT, 0);
	fq_desc(&f, 0, table, 16, DESC_F_INDIRECT, 0);
	fq_add(&f, 0);
	expect_broken();
	/* NEXT together with INDIRECT */
	fq_desc(&f, 0, inner, 16, DESC_F_INDIRECT | DESC_F_NEXT, 1);
	expect_broken();
	/* a length that is not a multiple of 16, or zero */
	fq_desc(&f, 0, inner, 24, DESC_F_INDIRECT, 0);
	expect_broken();
	fq_desc(&f, 0, inner, 0, DESC_F_INDIRECT, 0);
	expect_broken();
	/* a table outside memory */
	fq_desc(&f, 0, FAKE_RAM_IPA + FAKE_RAM_SIZE - 16, 32, DESC_F_INDIRECT, 0);
	expect_broken();
	/* a loop inside the table */
	fq_desc_at(&f, table, 0, BUF, 10, DESC_F_NEXT, 1);
	fq_desc_at(&f, table, 1, BUF, 10, DESC_F_NEXT, 0);
	fq_desc(&f, 0, table, 32, DESC_F_INDIRECT, 0);
	expect_broken();
	/* next past the table's own size */
	fq_desc_at(&f, table, 1, BUF, 10, DESC_F_NEXT, 2);
	expect_broken();
	/* fixed: fine */
	fq_desc_at(&f, table, 1, BUF, 10, 0, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
	ck_assert_uint_eq(c.out_len, 20);
}
END_TEST

START_TEST(queue_size_must_be_a_power_of_two)
{
	setup(4);
	ck_assert(virtq_valid(&tvm, &q));
	q.num = 3;
	ck_assert(!virtq_valid(&tvm, &q));
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_BROKEN);
	q.num = 0;
	ck_assert(!virtq_valid(&tvm, &q));
	q.num = 512;     /* more than QueueNumMax */
	ck_assert(!virtq_valid(&tvm, &q));
	q.num = 256;
	ck_assert(virtq_valid(&tvm, &q));
}
END_TEST

START_TEST(rings_must_be_aligned_and_inside_memory)
{
	setup(4);
	q.desc += 8;
	ck_assert(!virtq_valid(&tvm, &q));
	q.desc -= 8;
	q.used += 2;
	ck_assert(!virtq_valid(&tvm, &q));
	q.used -= 2;
	q.avail = FAKE_RAM_IPA + FAKE_RAM_SIZE - 4;
	ck_assert(!virtq_valid(&tvm, &q));
	q.avail = FAKE_RO_IPA;
	ck_assert(virtq_valid(&tvm, &q));     /* the device only reads it */
	q.used = FAKE_RO_IPA;
	ck_assert(!virtq_valid(&tvm, &q));    /* the device writes it */
	ck_assert(!virtq_push(&tvm, &q, 0, 0));
}
END_TEST

/*
 * virtq.c remembers where it mapped the rings: a queue whose registers
 * change (after QueueReady was cleared, or a reset) must be mapped and
 * checked again, never served from the old mapping.
 */
START_TEST(rings_moved_are_checked_again)
{
	setup(4);
	fq_desc(&f, 0, BUF, 16, 0, 0);
	fq_add(&f, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);   /* mapped */
	q.used = FAKE_RO_IPA;                     /* read-only: no used ring */
	ck_assert(!virtq_push(&tvm, &q, 0, 16));
	ck_assert_uint_eq(fq_used_idx(&f), 0);
	q.used = f.used;
	q.avail = FAKE_RAM_IPA + FAKE_RAM_SIZE - 4;   /* past the memory */
	ck_assert(!virtq_has_avail(&tvm, &q));
	ck_assert(virtq_push(&tvm, &q, 0, 16) == false);
	q.avail = f.avail;
	q.num = 2;                                 /* a smaller ring: mapped again */
	ck_assert(virtq_push(&tvm, &q, 0, 16));
	ck_assert_uint_eq(fq_used_idx(&f), 1);
}
END_TEST

START_TEST(not_ready_queue_is_not_touched)
{
	setup(4);
	fq_desc(&f, 0, BUF, 16, 0, 0);
	fq_add(&f, 0);
	q.ready = false;
	ck_assert(!virtq_has_avail(&tvm, &q));
	ck_assert(!virtq_push(&tvm, &q, 0, 0));
	ck_assert_uint_eq(fq_used_idx(&f), 0);
}
END_TEST

START_TEST(push_writes_entry_then_index)
{
	setup(4);
	ck_assert(virtq_push(&tvm, &q, 2, 77));
	ck_assert(virtq_push(&tvm, &q, 1, 5));
	ck_assert_uint_eq(fq_used_idx(&f), 2);
	ck_assert_uint_eq(fq_used_elem(&f, 0)[0], 2);
	ck_assert_uint_eq(fq_used_elem(&f, 0)[1], 77);
	ck_assert_uint_eq(fq_used_elem(&f, 1)[0], 1);
	ck_assert_uint_eq(fq_used_elem(&f, 1)[1], 5);
}
END_TEST

START_TEST(signal_without_event_index)
{
	setup(4);
	ck_assert(!virtq_should_signal(&tvm, &q));   /* nothing used */
	virtq_push(&tvm, &q, 0, 0);
	*fq_avail16(&f, 0) = 1;                       /* NO_INTERRUPT */
	ck_assert(!virtq_should_signal(&tvm, &q));
	*fq_avail16(&f, 0) = 0;
	ck_assert(virtq_should_signal(&tvm, &q));
	ck_assert(!virtq_should_signal(&tvm, &q));   /* already signalled */
}
END_TEST

START_TEST(signal_with_event_index)
{
	setup(8);
	q.event_idx = true;
	*fq_used_event(&f) = 2;          /* interrupt when entry 2 is used */
	virtq_push(&tvm, &q, 0, 0);
	virtq_push(&tvm, &q, 0, 0);
	ck_assert(!virtq_should_signal(&tvm, &q));   /* used idx 2: event 2 not passed */
	virtq_push(&tvm, &q, 0, 0);
	ck_assert(virtq_should_signal(&tvm, &q));    /* 2 in [2, 3) */
	virtq_push(&tvm, &q, 0, 0);
	ck_assert(!virtq_should_signal(&tvm, &q));   /* event behind */
	*fq_used_event(&f) = 4;
	virtq_push(&tvm, &q, 0, 0);
	ck_assert(virtq_should_signal(&tvm, &q));
	/* NO_INTERRUPT is ignored with the event index */
	*fq_avail16(&f, 0) = 1;
	*fq_used_event(&f) = 5;
	virtq_push(&tvm, &q, 0, 0);
	ck_assert(virtq_should_signal(&tvm, &q));
}
END_TEST

START_TEST(want_notify_both_ways)
{
	setup(4);
	virtq_want_notify(&tvm, &q, false);
	ck_assert_uint_eq(*fq_used16(&f, 0), 1);      /* NO_NOTIFY */
	virtq_want_notify(&tvm, &q, true);
	ck_assert_uint_eq(*fq_used16(&f, 0), 0);
	q.event_idx = true;
	fq_desc(&f, 0, BUF, 1, 0, 0);
	fq_add(&f, 0);
	fq_add(&f, 0);
	virtq_pop(&tvm, &q, &c);
	virtq_want_notify(&tvm, &q, true);
	ck_assert_uint_eq(*fq_avail_event(&f), 1);    /* notify past entry 1 */
	virtq_want_notify(&tvm, &q, false);
	ck_assert_uint_eq(*fq_avail_event(&f), 0);
}
END_TEST

/* A chain: readable 3 + 5 + 2 bytes, writable 4 + 4 + 8. */
static void two_part_chain(void)
{
	static const char text[] = "ABCDEFGHIJ";

	setup(8);
	memcpy(fake_at(0, BUF), text, 3);
	memcpy(fake_at(0, BUF + 0x100), text + 3, 5);
	memcpy(fake_at(0, BUF + 0x200), text + 8, 2);
	memset(fake_at(0, BUF + 0x1000), '.', 0x300);
	fq_desc(&f, 0, BUF, 3, DESC_F_NEXT, 1);
	fq_desc(&f, 1, BUF + 0x100, 5, DESC_F_NEXT, 2);
	fq_desc(&f, 2, BUF + 0x200, 2, DESC_F_NEXT, 3);
	fq_desc(&f, 3, BUF + 0x1000, 4, DESC_F_WRITE | DESC_F_NEXT, 4);
	fq_desc(&f, 4, BUF + 0x1100, 4, DESC_F_WRITE | DESC_F_NEXT, 5);
	fq_desc(&f, 5, BUF + 0x1200, 8, DESC_F_WRITE, 0);
	fq_add(&f, 0);
	ck_assert_int_eq(virtq_pop(&tvm, &q, &c), VIRTQ_CHAIN);
}

START_TEST(read_write_across_segments)
{
	char buf[16] = { 0 };

	two_part_chain();
	ck_assert_uint_eq(virtq_read(&c, 2, buf, 16), 8);
	ck_assert(memcmp(buf, "CDEFGHIJ", 8) == 0);
	ck_assert_uint_eq(virtq_read(&c, 10, buf, 1), 0);
	ck_assert_uint_eq(virtq_write(&c, 3, "wxyz12345678", 12), 12);
	ck_assert(memcmp(fake_at(0, BUF + 0x1000), "...w", 4) == 0);
	ck_assert(memcmp(fake_at(0, BUF + 0x1100), "xyz1", 4) == 0);
	ck_assert(memcmp(fake_at(0, BUF + 0x1200), "2345678.", 8) == 0);
	ck_assert_uint_eq(virtq_write(&c, 16, "x", 1), 0);
	ck_assert_uint_eq(virtq_write(&c, 15, "xy", 2), 1);
}
END_TEST

START_TEST(copy_between_chains)
{
	struct virtq_chain src;

	two_part_chain();
	src = c;
	ck_assert_uint_eq(virtq_copy(&c, 1, &src, 1, 100), 9);
	ck_assert(memcmp(fake_at(0, BUF + 0x1000), ".BCD", 4) == 0);
	ck_assert(memcmp(fake_at(0, BUF + 0x1100), "EFGH", 4) == 0);
	ck_assert(memcmp(fake_at(0, BUF + 0x1200), "IJ......", 8) == 0);
	ck_assert_uint_eq(virtq_copy(&c, 14, &src, 0, 100), 2);   /* room ends */
	ck_assert_uint_eq(virtq_copy(&c, 0, &src, 10, 1), 0);     /* source ends */
	ck_assert_uint_eq(virtq_copy(&c, 0, &src, 0, 0), 0);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("virtq");

	HOST_TEST(s, pop_simple_chain);
	HOST_TEST(s, unpop_gives_the_chain_back);
	HOST_TEST(s, ring_index_wraps);
	HOST_TEST(s, zero_length_buffers_are_skipped);
	HOST_TEST(s, buffer_outside_memory);
	HOST_TEST(s, buffer_straddles_the_end_of_memory);
	HOST_TEST(s, address_plus_length_wraps);
	HOST_TEST(s, total_length_overflows);
	HOST_TEST(s, writable_buffer_in_read_only_memory);
	HOST_TEST(s, readable_after_writable);
	HOST_TEST(s, next_past_the_table);
	HOST_TEST(s, head_past_the_table);
	HOST_TEST(s, chain_loops);
	HOST_TEST(s, chain_loops_on_itself_with_empty_buffers);
	HOST_TEST(s, chain_longer_than_segs_max);
	HOST_TEST(s, avail_index_jumps_past_the_ring);
	HOST_TEST(s, indirect_needs_negotiation);
	HOST_TEST(s, indirect_rules);
	HOST_TEST(s, queue_size_must_be_a_power_of_two);
	HOST_TEST(s, rings_must_be_aligned_and_inside_memory);
	HOST_TEST(s, rings_moved_are_checked_again);
	HOST_TEST(s, not_ready_queue_is_not_touched);
	HOST_TEST(s, push_writes_entry_then_index);
	HOST_TEST(s, signal_without_event_index);
	HOST_TEST(s, signal_with_event_index);
	HOST_TEST(s, want_notify_both_ways);
	HOST_TEST(s, read_write_across_segments);
	HOST_TEST(s, copy_between_chains);
}
