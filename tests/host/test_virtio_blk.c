/*
 * Host tests of block links (src/devices/virtio_blk.c, protocol in
 * include/numbat/blksrv.h) over the real transport and virtqueue walker:
 * VM 0 is Linux's end (virtio-blk), VM 1 the disk server's. A write's data
 * reaches the server's buffer once, a read's the Linux buffer; numbat
 * keeps Linux's request pending until the server answers; backpressure;
 * an answer for a request of Linux's previous life matches nothing; what
 * numbat answers itself (GET_ID, unsupported, malformed, server down); a
 * broken chain on either side puts only that side in NEEDS_RESET; the
 * size the server reports reaches Linux's configuration.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"

static int fv_locks;
#define FAKE_LOCK_HOOK(l, delta) ((void)(l), fv_locks += (delta))
#include "fake_spinlock.h"

#include "core/virtq.c"
#include "devices/virtio_mmio.c"
#include "devices/virtio_net.c"
#include "devices/vsock_route.c"
#include "devices/virtio_vsock.c"
#include "devices/virtio_blk.c"

#include "fake_virtio.h"

#define F(bit) (1ull << (bit))
#define LX 0
#define SRV 1
#define LX_HDR(s)    (FV_BUF + (s) * 0x100ull)
#define LX_STATUS(s) (FV_BUF + 0x4000 + (s))
#define LX_DATA(s)   (FV_BUF + 0x8000 + (s) * 0x1000ull)
#define SRV_REQ(s)   (FV_BUF + 0x18000 + (s) * 0x1100ull)
#define SRV_DONE(s)  (FV_BUF + 0x28000 + (s) * 0x100ull)
#define SRV_DATA(s)  (FV_BUF + 0x2a000 + (s) * 0x1000ull)

static struct fq lq, reqq, doneq;

/* Linux's disk and the server's end, linked, both DRIVER_OK. */
static void blk_up(void)
{
	fv_setup(DEVICE_VIRTIO_BLK, true);
	fv_devcfg[SRV].type = DEVICE_BLK_SERVER;
	virtio_of(fv_dev(SRV))->ops = NULL;          /* bind it to the server type */
	fv_dev(SRV)->ops->reset(fv_dev(SRV));
	fv_links[0].type = LINK_BLOCK;
	ck_assert(fv_negotiate(LX, F(VIRTIO_F_VERSION_1) | F(BLK_F_FLUSH)));
	fv_queue(LX, 0, &lq, FV_RXRING, 16);
	fv_driver_ok(LX);
	ck_assert(fv_negotiate(SRV, F(VIRTIO_F_VERSION_1)));
	fv_queue(SRV, BLKSRV_REQQ, &reqq, FV_RXRING, 16);
	fv_queue(SRV, BLKSRV_DONEQ, &doneq, FV_TXRING, 16);
	fv_driver_ok(SRV);
	ck_assert(virtio_running(fv_vd(LX)) && virtio_running(fv_vd(SRV)));
}

static void notify(unsigned v, unsigned q)
{
	fv_write(v, 0x050, q);
	ck_assert_int_eq(fv_locks, 0);
}

/* Linux request in slot s (head 3 s): header, data (len, IN: writable), status. */
static void lx_request(unsigned s, uint32_t type, uint64_t sector, uint32_t len)
{
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint16_t h = (uint16_t)(3 * s);

	memcpy(fake_at(LX, LX_HDR(s)), hdr, 16);
	*(uint8_t *)fake_at(LX, LX_STATUS(s)) = 0xee;
	if (len) {
		fq_desc(&lq, h, LX_HDR(s), 16, DESC_F_NEXT, (uint16_t)(h + 1));
		fq_desc(&lq, h + 1u, LX_DATA(s), len,
			DESC_F_NEXT | (type == BLKSRV_T_IN ? DESC_F_WRITE : 0), (uint16_t)(h + 2));
		fq_desc(&lq, h + 2u, LX_STATUS(s), 1, DESC_F_WRITE, 0);
	} else {
		fq_desc(&lq, h, LX_HDR(s), 16, DESC_F_NEXT, (uint16_t)(h + 1));
		fq_desc(&lq, h + 1u, LX_STATUS(s), 1, DESC_F_WRITE, 0);
	}
	fq_add(&lq, h);
}

/* The server posts request buffer s of `size` bytes. */
static void srv_post(unsigned s, uint32_t size)
{
	memset(fake_at(SRV, SRV_REQ(s)), 0xee, size);
	fq_desc(&reqq, s, SRV_REQ(s), size, DESC_F_WRITE, 0);
	fq_add(&reqq, (uint16_t)s);
	notify(SRV, BLKSRV_REQQ);
}

/* The server answers (slot s): done header, then `len` bytes of data if any. */
static void srv_answer(unsigned s, uint32_t tag, uint32_t status, const void *data, uint32_t len)
{
	struct blksrv_done d = { .tag = tag, .status = status, .len = len };
	uint16_t h = (uint16_t)(2 * s);

	memcpy(fake_at(SRV, SRV_DONE(s)), &d, sizeof(d));
	fq_desc(&doneq, h, SRV_DONE(s), sizeof(d), len ? DESC_F_NEXT : 0, (uint16_t)(h + 1));
	if (len) {
		memcpy(fake_at(SRV, SRV_DATA(s)), data, len);
		fq_desc(&doneq, h + 1u, SRV_DATA(s), len, 0, 0);
	}
	fq_add(&doneq, h);
	notify(SRV, BLKSRV_DONEQ);
}

static struct blksrv_req srv_req(unsigned s)
{
	struct blksrv_req r;

	memcpy(&r, fake_at(SRV, SRV_REQ(s)), sizeof(r));
	return r;
}

START_TEST(write_crosses_once_and_waits_for_the_server)
{
	struct blksrv_req r;

	blk_up();
	srv_post(0, sizeof(r) + 4096);
	memset(fake_at(LX, LX_DATA(0)), 0x5a, 1024);
	lx_request(0, BLKSRV_T_OUT, 7, 1024);
	notify(LX, 0);
	ck_assert_uint_eq(fq_used_idx(&reqq), 1);
	ck_assert_uint_eq(fq_used_elem(&reqq, 0)[1], sizeof(r) + 1024);
	r = srv_req(0);
	ck_assert_uint_eq(r.type, BLKSRV_T_OUT);
	ck_assert_uint_eq(r.sector, 7);
	ck_assert_uint_eq(r.len, 1024);
	ck_assert_uint_eq(((uint8_t *)fake_at(SRV, SRV_REQ(0)))[sizeof(r) + 1023], 0x5a);
	ck_assert_uint_eq(((uint8_t *)fake_at(SRV, SRV_REQ(0)))[sizeof(r) + 1024], 0xee);
	ck_assert_uint_eq(fq_used_idx(&lq), 0);                /* pending in numbat */
	srv_answer(0, r.tag, BLKSRV_S_OK, NULL, 0);
	ck_assert_uint_eq(fq_used_idx(&lq), 1);
	ck_assert_uint_eq(fq_used_elem(&lq, 0)[0], 0);
	ck_assert_uint_eq(fq_used_elem(&lq, 0)[1], 1);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(0)), BLKSRV_S_OK);
	ck_assert_uint_eq(fq_used_idx(&doneq), 1);
	ck_assert(fv_pulses[LX] >= 1 && fv_pulses[SRV] >= 1);
}
END_TEST

START_TEST(read_data_lands_in_linux_buffers)
{
	uint8_t data[2048];
	struct blksrv_req r;

	blk_up();
	srv_post(0, sizeof(r) + 4096);
	lx_request(1, BLKSRV_T_IN, 100, 2048);
	notify(LX, 0);
	r = srv_req(0);
	ck_assert_uint_eq(r.type, BLKSRV_T_IN);
	ck_assert_uint_eq(r.len, 2048);
	ck_assert_uint_eq(fq_used_elem(&reqq, 0)[1], sizeof(r));  /* no data for a read */
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	srv_answer(0, r.tag, BLKSRV_S_OK, data, sizeof(data));
	ck_assert_uint_eq(fq_used_elem(&lq, 0)[0], 3);
	ck_assert_uint_eq(fq_used_elem(&lq, 0)[1], 2049);
	ck_assert(memcmp(fake_at(LX, LX_DATA(1)), data, sizeof(data)) == 0);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(1)), BLKSRV_S_OK);
}
END_TEST

START_TEST(no_server_buffer_leaves_the_request_in_the_ring)
{
	blk_up();
	lx_request(0, BLKSRV_T_OUT, 0, 512);
	notify(LX, 0);
	ck_assert_uint_eq(fq_used_idx(&lq), 0);
	ck_assert_uint_eq(fq_used_idx(&reqq), 0);
	ck_assert_uint_eq(fv_vd(LX)->vq[0].last_avail, 0);      /* not taken */
	srv_post(0, 4096 + 64);                                 /* the server's notify */
	ck_assert_uint_eq(fq_used_idx(&reqq), 1);
	ck_assert_uint_eq(srv_req(0).len, 512);
}
END_TEST

START_TEST(answer_for_a_previous_life_matches_nothing)
{
	struct blksrv_req r;

	blk_up();
	srv_post(0, 4096 + 64);
	lx_request(0, BLKSRV_T_OUT, 0, 512);
	notify(LX, 0);
	r = srv_req(0);
	fv_write(LX, 0x070, 0);                                 /* Linux resets ... */
	ck_assert(fv_negotiate(LX, F(VIRTIO_F_VERSION_1)));
	fv_queue(LX, 0, &lq, FV_RXRING, 16);
	fv_driver_ok(LX);
	srv_post(1, 4096 + 64);
	lx_request(0, BLKSRV_T_IN, 9, 512);                     /* ... same head again */
	notify(LX, 0);
	ck_assert_uint_eq(srv_req(1).tag & 0xffff, r.tag & 0xffff);
	ck_assert_uint_ne(srv_req(1).tag, r.tag);
	srv_answer(0, r.tag, BLKSRV_S_OK, NULL, 0);             /* the old write's answer */
	ck_assert_uint_eq(fq_used_idx(&lq), 0);                 /* matches nothing */
	ck_assert_uint_eq(srv_of(fv_vd(SRV))->stale, 1);
	ck_assert_uint_eq(fq_used_idx(&doneq), 1);              /* the server's chain back */
	srv_answer(1, srv_req(1).tag, BLKSRV_S_OK, "x", 1);
	ck_assert_uint_eq(fq_used_idx(&lq), 1);
}
END_TEST

START_TEST(numbat_answers_id_unsupported_and_malformed)
{
	blk_up();
	lx_request(0, BLK_T_GET_ID, 0, 20);
	fq_desc(&lq, 1, LX_DATA(0), 20, DESC_F_NEXT | DESC_F_WRITE, 2);   /* writable */
	lx_request(1, 99, 0, 0);
	lx_request(2, BLKSRV_T_OUT, 0, 100);                   /* not whole sectors */
	notify(LX, 0);
	ck_assert_uint_eq(fq_used_idx(&lq), 3);
	ck_assert(memcmp(fake_at(LX, LX_DATA(0)), "numbat-rapilog", 14) == 0);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(0)), BLKSRV_S_OK);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(1)), BLKSRV_S_UNSUPP);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(2)), BLKSRV_S_IOERR);
	ck_assert_uint_eq(fq_used_idx(&reqq), 0);               /* nothing reached the server */
}
END_TEST

START_TEST(server_down_is_an_io_error)
{
	blk_up();
	fv_write(SRV, 0x070, 0);
	lx_request(0, BLKSRV_T_OUT, 0, 512);
	notify(LX, 0);
	ck_assert_uint_eq(fq_used_idx(&lq), 1);
	ck_assert_uint_eq(*(uint8_t *)fake_at(LX, LX_STATUS(0)), BLKSRV_S_IOERR);
}
END_TEST

START_TEST(broken_linux_chain_hurts_linux_only)
{
	blk_up();
	srv_post(0, 4096 + 64);
	fq_desc(&lq, 0, LX_HDR(0), 8, 0, 0);                    /* no header, no status */
	fq_add(&lq, 0);
	notify(LX, 0);
	ck_assert(fv_read(LX, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(!(fv_read(SRV, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	ck_assert_uint_eq(fq_used_idx(&reqq), 0);
}
END_TEST

START_TEST(short_server_buffer_hurts_the_server_only)
{
	blk_up();
	srv_post(0, 100);
	lx_request(0, BLKSRV_T_OUT, 0, 512);
	notify(LX, 0);
	ck_assert(fv_read(SRV, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(!(fv_read(LX, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	ck_assert_uint_eq(fq_used_idx(&lq), 0);
	ck_assert_uint_eq(fv_vd(LX)->vq[0].last_avail, 0);      /* still Linux's to retry */
}
END_TEST

START_TEST(server_sets_the_size)
{
	uint64_t sectors = 131072;

	blk_up();
	ck_assert_uint_eq(fv_read(LX, 0x100), 0);
	srv_answer(0, BLKSRV_TAG_CAPACITY, 0, &sectors, 8);
	ck_assert_uint_eq(fv_read(LX, 0x100), 131072);
	ck_assert(fv_read(LX, 0x060) & VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(fv_read(LX, 0x108), BLK_SIZE_MAX);   /* size_max */
	ck_assert_uint_eq(fv_read(LX, 0x10c), BLK_SEG_MAX);    /* seg_max */
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("virtio_blk");

	HOST_TEST(s, write_crosses_once_and_waits_for_the_server);
	HOST_TEST(s, read_data_lands_in_linux_buffers);
	HOST_TEST(s, no_server_buffer_leaves_the_request_in_the_ring);
	HOST_TEST(s, answer_for_a_previous_life_matches_nothing);
	HOST_TEST(s, numbat_answers_id_unsupported_and_malformed);
	HOST_TEST(s, server_down_is_an_io_error);
	HOST_TEST(s, broken_linux_chain_hurts_linux_only);
	HOST_TEST(s, short_server_buffer_hurts_the_server_only);
	HOST_TEST(s, server_sets_the_size);
}
