/*
 * Host tests of diskd's RapiLog buffer (guests/diskd/log.c) over a fake
 * disk that records the writes submitted and completes them when told:
 * adjacent entries go out as one disk write, bounded by merge_max; an
 * entry appended after its neighbour's write was issued starts a new one;
 * a run that overlaps a write in flight waits for it (the order
 * guarantee); the request bound counts disk writes, not entries; space is
 * freed only from the oldest, once its write is done.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "check_main.h"

#include "../../guests/diskd/log.c"

uint64_t fake_counter;

#define MAXW 64
static struct vblk_req *submitted[MAXW];
static unsigned nsub;

bool vblk_submit(struct vblk *d, struct vblk_req *r)
{
	(void)d;
	if (nsub == MAXW)
		return false;
	r->done = false;
	submitted[nsub++] = r;
	return true;
}

static struct dlog lg;
static struct vblk disk;
static uint8_t data[64 << 10];

static void setup(uint32_t requests, uint32_t merge_max)
{
	void *p = mmap((void *)LOG_BASE, LOG_SPACE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	ck_assert_ptr_eq(p, (void *)LOG_BASE);
	nsub = 0;
	log_init(&lg, 8 << 20, requests, merge_max);
}

static void append(uint64_t sector, uint32_t kib, uint8_t fill)
{
	memset(data, fill, kib << 10);
	ck_assert(log_append(&lg, sector, data, kib << 10));
}

static void check_write(unsigned i, uint64_t sector, uint32_t kib)
{
	ck_assert_uint_gt(nsub, i);
	ck_assert_uint_eq(submitted[i]->type, VBLK_T_OUT);
	ck_assert_uint_eq(submitted[i]->sector, sector);
	ck_assert_uint_eq(submitted[i]->len, kib << 10);
}

START_TEST(adjacent_entries_are_one_write)
{
	setup(0, 0);
	append(0, 4, 1);
	append(8, 4, 2);
	append(16, 8, 3);
	append(100, 4, 4);              /* not adjacent: a second write */
	ck_assert(log_pump(&lg, &disk, true, 0));
	ck_assert_uint_eq(nsub, 2);
	check_write(0, 0, 16);
	check_write(1, 100, 4);
	ck_assert_uint_eq(((uint8_t *)submitted[0]->buf)[4096], 2);
	ck_assert_uint_eq(((uint8_t *)submitted[0]->buf)[8192], 3);
	submitted[1]->done = true;      /* the younger first: nothing retires */
	log_pump(&lg, &disk, true, 0);
	ck_assert(!log_empty(&lg));
	ck_assert_uint_eq(lg.used, 20 << 10);
	submitted[0]->done = true;
	log_pump(&lg, &disk, true, 0);
	ck_assert(log_empty(&lg));
	ck_assert_uint_eq(lg.used, 0);
	ck_assert_uint_eq(lg.written_bytes, 20 << 10);
	ck_assert_uint_eq(lg.disk_writes, 2);
}
END_TEST

START_TEST(merge_max_splits_a_run)
{
	setup(0, 8 << 10);
	append(0, 4, 1);
	append(8, 4, 1);
	append(16, 4, 1);
	log_pump(&lg, &disk, true, 0);
	ck_assert_uint_eq(nsub, 2);
	check_write(0, 0, 8);
	check_write(1, 16, 4);
}
END_TEST

START_TEST(issued_write_is_not_extended)
{
	setup(0, 0);
	append(0, 4, 1);
	log_pump(&lg, &disk, true, 0);
	append(8, 4, 2);                /* continues it, but it is on its way */
	log_pump(&lg, &disk, true, 0);
	ck_assert_uint_eq(nsub, 2);
	check_write(0, 0, 4);
	check_write(1, 8, 4);
}
END_TEST

START_TEST(overlapping_run_waits_for_older_write)
{
	setup(0, 0);
	append(8, 4, 1);
	log_pump(&lg, &disk, true, 0);
	append(0, 4, 2);
	append(8, 4, 3);                /* joins [0, 8): overlaps the write in flight */
	log_pump(&lg, &disk, true, 0);
	ck_assert_uint_eq(nsub, 1);
	submitted[0]->done = true;
	log_pump(&lg, &disk, true, 0);
	ck_assert_uint_eq(nsub, 2);
	check_write(1, 0, 8);
	ck_assert_uint_eq(((uint8_t *)submitted[1]->buf)[4096], 3);
}
END_TEST

START_TEST(request_bound_counts_disk_writes)
{
	setup(2, 0);
	append(0, 4, 1);
	append(8, 4, 1);
	append(16, 4, 1);               /* still one disk write */
	append(100, 4, 1);
	ck_assert(!log_append(&lg, 200, data, 4096));   /* a third */
	append(108, 4, 1);              /* joins the second */
	log_pump(&lg, &disk, true, 0);
	ck_assert_uint_eq(nsub, 2);
	check_write(1, 100, 8);
	ck_assert(!log_append(&lg, 200, data, 4096));   /* not retired yet */
	submitted[0]->done = true;
	log_pump(&lg, &disk, true, 0);
	ck_assert(log_append(&lg, 200, data, 4096));
}
END_TEST

START_TEST(retire_waits_for_reads)
{
	setup(0, 0);
	append(0, 4, 1);
	log_pump(&lg, &disk, true, 0);
	submitted[0]->done = true;
	log_pump(&lg, &disk, false, 0);
	ck_assert(!log_empty(&lg));
	log_pump(&lg, &disk, true, 0);
	ck_assert(log_empty(&lg));
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("diskd_log");

	HOST_TEST(s, adjacent_entries_are_one_write);
	HOST_TEST(s, merge_max_splits_a_run);
	HOST_TEST(s, issued_write_is_not_extended);
	HOST_TEST(s, overlapping_run_waits_for_older_write);
	HOST_TEST(s, request_bound_counts_disk_writes);
	HOST_TEST(s, retire_waits_for_reads);
}
