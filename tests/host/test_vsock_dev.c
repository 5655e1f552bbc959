/*
 * Host tests of numbat's virtio-vsock device (src/devices/virtio_vsock.c)
 * on the real transport and virtqueue walker, two fake VMs joined by a
 * LINK_VSOCK link (CID 3 and 4): a packet crosses with its header, a
 * payload is split over small receive buffers, a forged source CID and
 * malformed headers are dropped with no effect on the peer, an undeclared
 * destination or a downed peer is answered with an RST into the sender's
 * own receive queue (never for an RST), a receiver without buffers leaves
 * the packet pending until its receive notification, and one notification
 * does a bounded amount of work.
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
#include "devices/virtio_blk.c"       /* the transport names every type */

#include "fake_virtio.h"

#define F(bit)    (1ull << (bit))
#define EVRING    (FAKE_RAM_IPA + 0x8000)
#define RXBUF(s)  (FV_BUF + 0x18000 + (s) * 0x800ull)

static struct fq rx[2], tx[2], ev[2];

/* Both ends up (CIDs 3 and 4) with EVENT_IDX, linked when `link`. */
static void vsock_up(bool link)
{
	fv_setup(DEVICE_VIRTIO_VSOCK, true);
	fv_links[0].type = link ? LINK_VSOCK : LINK_NET;
	for (unsigned v = 0; v < 2; v++) {
		fv_devcfg[v].cid = 3 + v;
		ck_assert(fv_negotiate(v, F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_EVENT_IDX)));
		fv_queue(v, VSOCK_VQ_RX, &rx[v], FV_RXRING, 16);
		fv_queue(v, VSOCK_VQ_TX, &tx[v], FV_TXRING, 16);
		fv_queue(v, VSOCK_VQ_EVENT, &ev[v], EVRING, 16);
		fv_driver_ok(v);
		ck_assert(virtio_running(fv_vd(v)));
	}
}

static struct virtio_vsock_hdr hdr(uint64_t src, uint64_t dst, uint16_t op, uint32_t len)
{
	return (struct virtio_vsock_hdr){ .src_cid = src, .dst_cid = dst, .src_port = 5000,
					  .dst_port = 1234, .len = len,
					  .type = VSOCK_TYPE_STREAM, .op = op,
					  .buf_alloc = 65536, .fwd_cnt = 7 };
}

/* VM v's TX slot: header (hlen bytes of it, 44 normally), then data. */
static void send_n(unsigned v, unsigned slot, const struct virtio_vsock_hdr *h, uint32_t hlen,
		   const void *data, uint32_t len)
{
	uint64_t hp = FV_BUF + slot * 0x100, d = FV_BUF + 0x8000 + slot * 0x1000;

	memcpy(fake_at(v, hp), h, hlen);
	if (data)
		memcpy(fake_at(v, d), data, len);
	fq_desc(&tx[v], 2 * slot, hp, hlen, len ? DESC_F_NEXT : 0, (uint16_t)(2 * slot + 1));
	fq_desc(&tx[v], 2 * slot + 1, d, len, 0, 0);
	fq_add(&tx[v], (uint16_t)(2 * slot));
}

static void send(unsigned v, unsigned slot, struct virtio_vsock_hdr h, const void *data)
{
	send_n(v, slot, &h, 44, data, h.len);
}

static uint8_t *post(unsigned v, unsigned slot, uint32_t size)
{
	memset(fake_at(v, RXBUF(slot)), 0xee, size);
	fq_desc(&rx[v], slot, RXBUF(slot), size, DESC_F_WRITE, 0);
	fq_add(&rx[v], (uint16_t)slot);
	return fake_at(v, RXBUF(slot));
}

static void notify(unsigned v, unsigned q)
{
	fv_write(v, 0x050, q);
	ck_assert_int_eq(fv_locks, 0);
}

static struct virtio_vsock_hdr got(const uint8_t *b)
{
	struct virtio_vsock_hdr h;

	memcpy(&h, b, sizeof(h));
	return h;
}

START_TEST(config_guest_cid)
{
	vsock_up(true);
	ck_assert_uint_eq(fv_read(0, 0x008), VIRTIO_ID_VSOCK);
	ck_assert_uint_eq(fv_read(0, 0x100), 3);
	ck_assert_uint_eq(fv_read(1, 0x100), 4);
	ck_assert_uint_eq(fv_read(1, 0x104), 0);
	ck_assert_uint_eq(fv_read(1, 0x108), 0);                 /* past guest_cid */
}
END_TEST

START_TEST(packet_crosses_with_its_header)
{
	struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_RW, 5), g;
	uint8_t *b;

	vsock_up(true);
	b = post(1, 0, 44 + 4096);
	notify(1, VSOCK_VQ_RX);
	send(0, 0, h, "hello");
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 1);
	ck_assert_uint_eq(fq_used_elem(&rx[1], 0)[1], 44 + 5);
	g = got(b);
	ck_assert(memcmp(&g, &h, 44) == 0);
	ck_assert(memcmp(b + 44, "hello", 5) == 0);
	ck_assert_uint_eq(b[49], 0xee);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fv_pulses[1], 1);
	ck_assert_uint_eq(vsock_stats_of(fv_vd(0))->tx_packets, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 0);
}
END_TEST

START_TEST(payload_split_over_small_buffers)
{
	static uint8_t data[3000];
	struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_RW, sizeof(data));
	uint8_t *b[3];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	vsock_up(true);
	for (unsigned s = 0; s < 3; s++)
		b[s] = post(1, s, 44 + 1024);
	send(0, 0, h, data);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 3);
	ck_assert_uint_eq(got(b[0]).len, 1024);
	ck_assert_uint_eq(got(b[1]).len, 1024);
	ck_assert_uint_eq(got(b[2]).len, 952);
	ck_assert_uint_eq(got(b[2]).op, VSOCK_OP_RW);
	ck_assert_uint_eq(fq_used_elem(&rx[1], 2)[1], 44 + 952);
	ck_assert(memcmp(b[0] + 44, data, 1024) == 0);
	ck_assert(memcmp(b[1] + 44, data + 1024, 1024) == 0);
	ck_assert(memcmp(b[2] + 44, data + 2048, 952) == 0);
}
END_TEST

START_TEST(forged_source_dropped)
{
	vsock_up(true);
	post(1, 0, 4140);
	post(0, 0, 4140);
	send(0, 0, hdr(4, 4, VSOCK_OP_REQUEST, 0), NULL);           /* the peer's CID */
	send(0, 1, hdr(3 | (1ull << 32), 4, VSOCK_OP_REQUEST, 0), NULL);
	send(0, 2, hdr(2, 4, VSOCK_OP_REQUEST, 0), NULL);           /* the host's */
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 3);                  /* consumed */
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);                  /* nothing arrived */
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 0);                  /* no RST either */
	ck_assert_uint_eq(vsock_stats_of(fv_vd(0))->forged, 3);
	ck_assert_uint_eq(fv_pulses[1], 0);
	ck_assert(virtio_running(fv_vd(0)));
}
END_TEST

START_TEST(malformed_dropped)
{
	struct virtio_vsock_hdr h;

	vsock_up(true);
	post(1, 0, 4140);
	post(0, 0, 4140);
	h = hdr(3, 4, VSOCK_OP_RW, 100);
	send_n(0, 0, &h, 44, "short", 5);                           /* len past the chain */
	h = hdr(3, 4, VSOCK_OP_REQUEST, 0);
	send_n(0, 1, &h, 40, NULL, 0);                              /* a short header */
	h = hdr(3, 4, VSOCK_OP_RW, 0x10001);
	send_n(0, 2, &h, 44, NULL, 0);
	fq_desc(&tx[0], 5, FV_BUF + 0x8000, 0x10001, 0, 0);         /* oversized payload */
	fq_desc(&tx[0], 4, FV_BUF + 0x200, 44, DESC_F_NEXT, 5);
	h = hdr(3, 4, VSOCK_OP_RST, 4);                             /* payload on a control op */
	send_n(0, 3, &h, 44, "junk", 4);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 4);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 0);
	ck_assert_uint_eq(vsock_stats_of(fv_vd(0))->malformed, 4);
	ck_assert(virtio_running(fv_vd(0)));
	ck_assert(virtio_running(fv_vd(1)));
}
END_TEST

START_TEST(undeclared_destination_gets_rst)
{
	struct virtio_vsock_hdr r;
	uint8_t *b;

	vsock_up(true);
	post(1, 0, 4140);
	b = post(0, 0, 4140);
	send(0, 0, hdr(3, 9, VSOCK_OP_REQUEST, 0), NULL);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 1);
	ck_assert_uint_eq(fq_used_elem(&rx[0], 0)[1], 44);
	r = got(b);
	ck_assert_uint_eq(r.op, VSOCK_OP_RST);
	ck_assert_uint_eq(r.src_cid, 9);
	ck_assert_uint_eq(r.dst_cid, 3);
	ck_assert_uint_eq(r.src_port, 1234);
	ck_assert_uint_eq(r.dst_port, 5000);
	ck_assert_uint_eq(fv_pulses[0], 1);
	ck_assert_uint_eq(vsock_stats_of(fv_vd(0))->refused, 1);
	/* An RST to nowhere is not answered. */
	send(0, 1, hdr(3, 9, VSOCK_OP_RST, 0), NULL);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 2);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 1);
}
END_TEST

START_TEST(no_link_no_route)
{
	vsock_up(false);                        /* the two are joined by a net link only */
	post(1, 0, 4140);
	post(0, 0, 4140);
	send(0, 0, hdr(3, 4, VSOCK_OP_REQUEST, 0), NULL);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 1);
	ck_assert_uint_eq(got(fake_at(0, RXBUF(0))).op, VSOCK_OP_RST);
}
END_TEST

START_TEST(no_buffers_pending_until_rx_notify)
{
	uint8_t *b;

	vsock_up(true);
	send(0, 0, hdr(3, 4, VSOCK_OP_RW, 5), "first");
	send(0, 1, hdr(3, 4, VSOCK_OP_RW, 6), "second");
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);                  /* still the sender's */
	ck_assert_uint_eq(fv_vd(0)->vq[VSOCK_VQ_TX].last_avail, 0);
	b = post(1, 0, 4140);
	notify(1, VSOCK_VQ_RX);                                     /* the receiver resumes it */
	ck_assert(memcmp(b + 44, "first", 5) == 0);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	b = post(1, 1, 4140);
	notify(1, VSOCK_VQ_RX);
	ck_assert(memcmp(b + 44, "second", 6) == 0);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 2);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 0);                  /* no RST */
}
END_TEST

START_TEST(peer_down_gets_rst)
{
	vsock_up(true);
	post(0, 0, 4140);
	post(0, 1, 4140);
	fv_write(1, 0x070, 0);                                      /* the peer resets */
	send(0, 0, hdr(3, 4, VSOCK_OP_RW, 4), "lost");
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 1);
	ck_assert_uint_eq(got(fake_at(0, RXBUF(0))).op, VSOCK_OP_RST);
	ck_assert_uint_eq(vsock_stats_of(fv_vd(0))->peer_down, 1);
	/* A chain that waited for buffers when the peer's VM restarts. */
	vsock_up(true);
	post(0, 0, 4140);
	send(0, 0, hdr(3, 4, VSOCK_OP_RW, 5), "waits");
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);
	fv_dev(1)->ops->reset(fv_dev(1));
	send(0, 1, hdr(3, 4, VSOCK_OP_RW, 4), "next");
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);                  /* the first one: RST */
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 1);                  /* and no room for more */
	post(0, 1, 4140);
	notify(0, VSOCK_VQ_RX);                                     /* own RSTs resume */
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 2);
	ck_assert_uint_eq(fq_used_idx(&rx[0]), 2);
}
END_TEST

START_TEST(one_notification_moves_a_bounded_amount)
{
	fv_setup(DEVICE_VIRTIO_VSOCK, true);
	fv_links[0].type = LINK_VSOCK;
	for (unsigned v = 0; v < 2; v++) {               /* 128-entry queues */
		fv_devcfg[v].cid = 3 + v;
		ck_assert(fv_negotiate(v, F(VIRTIO_F_VERSION_1)));
		fv_queue(v, VSOCK_VQ_RX, &rx[v], FV_RXRING, 128);
		fv_queue(v, VSOCK_VQ_TX, &tx[v], FV_TXRING, 128);
		fv_driver_ok(v);
	}
	for (unsigned i = 0; i < 100; i++) {
		struct virtio_vsock_hdr h = hdr(3, 4, VSOCK_OP_CREDIT_UPDATE, 0);

		memcpy(fake_at(0, FV_BUF + i * 0x40ull), &h, 44);
		fq_desc(&rx[1], i, FV_BUF + 0x18000 + i * 0x100ull, 0x100, DESC_F_WRITE, 0);
		fq_add(&rx[1], (uint16_t)i);
		fq_desc(&tx[0], i, FV_BUF + i * 0x40ull, 44, 0, 0);
		fq_add(&tx[0], (uint16_t)i);
	}
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_lt(fq_used_idx(&tx[0]), 100);
	ck_assert_uint_ge(fq_used_idx(&tx[0]), VSOCK_BUDGET / 2);
	ck_assert_uint_eq(fv_replays, 1);
	notify(0, VSOCK_VQ_TX);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 100);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 100);
}
END_TEST

START_TEST(broken_receiver_only_hurts_itself)
{
	vsock_up(true);
	post(0, 0, 4140);
	fq_desc(&rx[1], 0, 0x7000000000ull, 4140, DESC_F_WRITE, 0);   /* outside its RAM */
	fq_add(&rx[1], 0);
	send(0, 0, hdr(3, 4, VSOCK_OP_REQUEST, 0), NULL);
	notify(0, VSOCK_VQ_TX);
	ck_assert(fv_read(1, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(virtio_running(fv_vd(0)));
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(got(fake_at(0, RXBUF(0))).op, VSOCK_OP_RST);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("virtio_vsock");

	HOST_TEST(s, config_guest_cid);
	HOST_TEST(s, packet_crosses_with_its_header);
	HOST_TEST(s, payload_split_over_small_buffers);
	HOST_TEST(s, forged_source_dropped);
	HOST_TEST(s, malformed_dropped);
	HOST_TEST(s, undeclared_destination_gets_rst);
	HOST_TEST(s, no_link_no_route);
	HOST_TEST(s, no_buffers_pending_until_rx_notify);
	HOST_TEST(s, peer_down_gets_rst);
	HOST_TEST(s, one_notification_moves_a_bounded_amount);
	HOST_TEST(s, broken_receiver_only_hurts_itself);
}
