/*
 * Host tests of the virtio-mmio transport (src/devices/virtio_mmio.c,
 * virtio 1.2 section 4.2.2) and of virtio-net links
 * (src/devices/virtio_net.c), over the real virtqueue walker: the
 * identification registers, widths and undefined offsets, feature
 * negotiation and the status machine, queue setup and its checks
 * (DEVICE_NEEDS_RESET), notifications before DRIVER_OK; then frames
 * crossing a link: one copy with the header, backpressure and resume on
 * the receiver's notification, a receiver that is down, mergeable
 * buffers, offloads the receiver did not negotiate, a checksum finished
 * in the copy, the per-notification budget, and a broken driver on
 * either side.
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
#include "devices/vsock_route.c"     /* the transport names every type */
#include "devices/virtio_vsock.c"
#include "devices/virtio_blk.c"       /* the transport names every type */

#include "fake_virtio.h"

#define F(bit) (1ull << (bit))
#define NET_ALL (F(VIRTIO_F_VERSION_1) | F(NET_F_MAC) | F(NET_F_CSUM) | F(NET_F_GUEST_CSUM) | \
		 F(NET_F_GUEST_TSO4) | F(NET_F_HOST_TSO4) | F(NET_F_MRG_RXBUF) | \
		 F(VIRTIO_F_EVENT_IDX) | F(VIRTIO_F_INDIRECT_DESC))

static struct fq rx[2], tx[2];

/* ---- Transport ---------------------------------------------------- */

START_TEST(identification)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	ck_assert_uint_eq(fv_read(0, 0x000), 0x74726976);
	ck_assert_uint_eq(fv_read(0, 0x004), 2);
	ck_assert_uint_eq(fv_read(0, 0x008), VIRTIO_ID_NET);
	ck_assert_uint_eq(fv_read(0, 0x00c), VIRTIO_MMIO_VENDOR);
	ck_assert_uint_eq(fv_read(0, 0x034), VIRTQ_NUM_MAX);     /* queue 0 */
	fv_write(0, 0x030, 2);
	ck_assert_uint_eq(fv_read(0, 0x034), 0);                 /* no queue 2 */
	ck_assert_uint_eq(fv_read(0, 0x0b0), 0xffffffff);        /* no shm region */
}
END_TEST

START_TEST(odd_widths_and_offsets_read_zero_write_nothing)
{
	struct vdev *d;
	struct vdev_read r;

	fv_setup(DEVICE_VIRTIO_NET, true);
	d = fv_dev(0);
	r = d->ops->read(d, 0x000, 2);
	ck_assert(r.ok && r.value == 0);
	r = d->ops->read(d, 0x002, 4);
	ck_assert(r.ok && r.value == 0);
	r = d->ops->read(d, 0x000, 8);
	ck_assert(r.ok && r.value == 0);
	ck_assert_uint_eq(fv_read(0, 0x018), 0);                 /* undefined */
	ck_assert_uint_eq(fv_read(0, 0x050), 0);                 /* write-only */
	ck_assert(d->ops->write(d, 0x070, 1, 1));                /* byte status */
	ck_assert(d->ops->write(d, 0x070, 8, 1));
	ck_assert_uint_eq(fv_read(0, 0x070), 0);
	fv_write(0, 0x000, 0);                                    /* read-only */
	ck_assert_uint_eq(fv_read(0, 0x000), 0x74726976);
	fv_write(0, 0xffc, 1);
	ck_assert(d->ops->write(d, 0x100, 1, 0xff));            /* config: read-only */
	ck_assert_uint_eq(fv_read(0, 0x100), 0x00005452);
	ck_assert_int_eq(fv_locks, 0);
}
END_TEST

START_TEST(config_space)
{
	struct vdev *d;

	fv_setup(DEVICE_VIRTIO_NET, true);
	d = fv_dev(1);
	ck_assert_uint_eq(d->ops->read(d, 0x100, 1).value, 0x52);
	ck_assert_uint_eq(d->ops->read(d, 0x105, 1).value, 1);    /* MAC byte 5 */
	ck_assert_uint_eq(d->ops->read(d, 0x104, 2).value, 0x0100);
	ck_assert_uint_eq(d->ops->read(d, 0x106, 2).value, NET_S_LINK_UP);
	ck_assert_uint_eq(d->ops->read(d, 0x105, 2).value, 0);    /* misaligned */
	ck_assert_uint_eq(d->ops->read(d, 0x100, 8).value, 0);
	ck_assert_uint_eq(d->ops->read(d, 0x200, 4).value, 0);    /* past it */
	ck_assert_uint_eq(fv_read(1, 0x0fc), 0);                  /* generation */
}
END_TEST

START_TEST(features_offered_and_selected)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	fv_write(0, 0x014, 0);
	ck_assert_uint_eq(fv_read(0, 0x010), (uint32_t)net_features(fv_vd(0)));
	ck_assert(fv_read(0, 0x010) & (1u << NET_F_MRG_RXBUF));
	fv_write(0, 0x014, 1);
	ck_assert(fv_read(0, 0x010) & 1);                         /* VERSION_1 */
	fv_write(0, 0x014, 2);
	ck_assert_uint_eq(fv_read(0, 0x010), 0);
}
END_TEST

START_TEST(features_ok_needs_version_1_and_offered_bits)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	ck_assert(!fv_negotiate(0, F(NET_F_MAC)));                /* legacy */
	fv_write(0, 0x070, 0);
	ck_assert(!fv_negotiate(0, F(VIRTIO_F_VERSION_1) | F(22))); /* not offered */
	fv_write(0, 0x070, 0);
	ck_assert(fv_negotiate(0, F(VIRTIO_F_VERSION_1) | F(NET_F_MAC)));
	/* fixed once accepted */
	fv_write(0, 0x024, 0);
	fv_write(0, 0x020, 0);
	ck_assert_uint_eq(fv_vd(0)->driver_features, F(VIRTIO_F_VERSION_1) | F(NET_F_MAC));
}
END_TEST

START_TEST(status_bits_only_added_zero_resets)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	fv_write(0, 0x070, VIRTIO_STATUS_DRIVER_OK);              /* no FEATURES_OK */
	ck_assert_uint_eq(fv_read(0, 0x070), 0);
	ck_assert(fv_negotiate(0, NET_ALL));
	fv_queue(0, 0, &rx[0], FV_RXRING, 16);
	ck_assert_uint_eq(fv_read(0, 0x044), 1);
	fv_write(0, 0x070, VIRTIO_STATUS_ACKNOWLEDGE);            /* tries to clear */
	ck_assert(fv_read(0, 0x070) & VIRTIO_STATUS_FEATURES_OK);
	fv_write(0, 0x070, fv_read(0, 0x070) | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(!(fv_read(0, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	fv_write(0, 0x070, 0);
	ck_assert_uint_eq(fv_read(0, 0x070), 0);
	ck_assert_uint_eq(fv_read(0, 0x044), 0);                  /* queue no longer ready */
	ck_assert_uint_eq(fv_vd(0)->driver_features, 0);
}
END_TEST

START_TEST(queue_setup_checks)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	/* before FEATURES_OK: not taken */
	fv_queue(0, 0, &rx[0], FV_RXRING, 16);
	ck_assert_uint_eq(fv_read(0, 0x044), 0);
	ck_assert(fv_negotiate(0, NET_ALL));
	fv_queue(0, 0, &rx[0], FV_RXRING, 16);
	ck_assert_uint_eq(fv_read(0, 0x044), 1);
	ck_assert(fv_vd(0)->vq[0].event_idx && fv_vd(0)->vq[0].indirect);
	/* registers of a ready queue do not change */
	fv_write(0, 0x038, 4);
	ck_assert_uint_eq(fv_vd(0)->vq[0].num, 16);
	ck_assert_uint_eq(fv_pulses[0], 0);
	/* a size that is not a power of two: DEVICE_NEEDS_RESET */
	fv_queue(0, 1, &tx[0], FV_TXRING, 12);
	ck_assert_uint_eq(fv_read(0, 0x044), 0);
	ck_assert(fv_read(0, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(fv_read(0, 0x060) & VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(fv_pulses[0], 1);
	fv_write(0, 0x064, VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(fv_read(0, 0x060), 0);
	/* rings outside memory: the same */
	fv_write(0, 0x070, 0);
	ck_assert(fv_negotiate(0, NET_ALL));
	fv_queue(0, 1, &tx[0], FV_TXRING, 16);
	fv_write(0, 0x044, 0);
	fv_write(0, 0x090, 0x10);                                 /* avail at IPA 0x10 */
	fv_write(0, 0x094, 0);
	fv_write(0, 0x044, 1);
	ck_assert(fv_read(0, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert_uint_eq(fv_read(1, 0x070), 0);                  /* the peer: untouched */
}
END_TEST

/* Both ends up with `f0`/`f1` negotiated, 16 entries per queue (or num). */
static void link_up(uint64_t f0, uint64_t f1, uint16_t num)
{
	uint64_t feat[2] = { f0, f1 };

	fv_setup(DEVICE_VIRTIO_NET, true);
	for (unsigned v = 0; v < 2; v++) {
		ck_assert(fv_negotiate(v, feat[v]));
		fv_queue(v, 0, &rx[v], FV_RXRING, num);
		fv_queue(v, 1, &tx[v], FV_TXRING, num);
		fv_driver_ok(v);
		ck_assert(virtio_running(fv_vd(v)));
	}
}

/* Puts a frame in VM v's TX slot `slot`: header (12 bytes) then data. */
static void send(unsigned v, unsigned slot, const uint8_t hdr[12], const void *data, uint32_t len)
{
	uint64_t h = FV_BUF + slot * 0x100, d = FV_BUF + 0x8000 + slot * 0x1000;

	memcpy(fake_at(v, h), hdr, 12);
	memcpy(fake_at(v, d), data, len);
	fq_desc(&tx[v], 2 * slot, h, 12, DESC_F_NEXT, (uint16_t)(2 * slot + 1));
	fq_desc(&tx[v], 2 * slot + 1, d, len, 0, 0);
	fq_add(&tx[v], (uint16_t)(2 * slot));
}

/* Posts a receive buffer of `size` bytes in VM v's RX slot `slot`. */
static uint8_t *post(unsigned v, unsigned slot, uint32_t size)
{
	uint64_t b = FV_BUF + 0x18000 + slot * 0x800ull;

	memset(fake_at(v, b), 0xee, size);
	fq_desc(&rx[v], slot, b, size, DESC_F_WRITE, 0);
	fq_add(&rx[v], (uint16_t)slot);
	return fake_at(v, b);
}

static void notify(unsigned v, unsigned q)
{
	fv_write(v, 0x050, q);
	ck_assert_int_eq(fv_locks, 0);
}

static const uint8_t plain_hdr[12] = { 0 };

START_TEST(frame_crosses_with_its_header)
{
	uint8_t hdr[12] = { NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 0, 0, 34, 0, 16, 0, 0, 0 };
	uint8_t *b;

	link_up(NET_ALL, NET_ALL, 16);
	b = post(1, 0, 1526);
	notify(1, 0);
	send(0, 0, hdr, "hello, linux1", 13);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 1);
	ck_assert_uint_eq(fq_used_elem(&rx[1], 0)[1], 12 + 13);
	ck_assert(memcmp(b, hdr, 10) == 0);                      /* header through */
	ck_assert_uint_eq(b[10], 1);                              /* num_buffers */
	ck_assert(memcmp(b + 12, "hello, linux1", 13) == 0);
	ck_assert_uint_eq(b[25], 0xee);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fq_used_elem(&tx[0], 0)[0], 0);
	ck_assert_uint_eq(fq_used_elem(&tx[0], 0)[1], 0);
	ck_assert_uint_eq(fv_pulses[0], 1);
	ck_assert_uint_eq(fv_pulses[1], 1);
	ck_assert(fv_read(1, 0x060) & VIRTIO_INT_USED);
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_frames, 1);
	ck_assert_uint_eq(fv_replays, 0);
}
END_TEST

START_TEST(no_buffers_leaves_frames_pending_until_rx_notify)
{
	uint8_t *b;

	link_up(NET_ALL, NET_ALL, 16);
	send(0, 0, plain_hdr, "first", 5);
	send(0, 1, plain_hdr, "second", 6);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);                /* still the sender's */
	ck_assert_uint_eq(fv_vd(0)->vq[1].last_avail, 0);
	ck_assert_uint_eq(*fq_avail_event(&rx[1]), 0);            /* notify on the next buffer */
	b = post(1, 0, 1526);
	notify(1, 0);
	ck_assert(memcmp(b + 12, "first", 5) == 0);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(*fq_avail_event(&rx[1]), 1);
	b = post(1, 1, 1526);
	notify(1, 0);
	ck_assert(memcmp(b + 12, "second", 6) == 0);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 2);
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 0);
}
END_TEST

START_TEST(receiver_down_drops_the_senders_frames)
{
	link_up(NET_ALL, NET_ALL, 16);
	fv_write(1, 0x070, 0);                                    /* peer resets */
	send(0, 0, plain_hdr, "lost", 4);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);                /* consumed */
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 1);
	ck_assert(virtio_running(fv_vd(0)));
}
END_TEST

START_TEST(receiver_reset_while_frames_wait)
{
	link_up(NET_ALL, NET_ALL, 16);
	send(0, 0, plain_hdr, "waits", 5);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);
	fv_dev(1)->ops->reset(fv_dev(1));                         /* its VM restarts */
	send(0, 1, plain_hdr, "next", 4);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 2);
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 2);
	ck_assert_uint_eq(fv_read(1, 0x070), 0);
}
END_TEST

START_TEST(no_peer_drops)
{
	fv_setup(DEVICE_VIRTIO_NET, false);
	ck_assert(fv_negotiate(0, NET_ALL));
	fv_queue(0, 0, &rx[0], FV_RXRING, 16);
	fv_queue(0, 1, &tx[0], FV_TXRING, 16);
	fv_driver_ok(0);
	send(0, 0, plain_hdr, "void", 4);
	notify(0, 1);
	notify(0, 0);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 1);
}
END_TEST

START_TEST(notify_before_driver_ok_is_ignored)
{
	fv_setup(DEVICE_VIRTIO_NET, true);
	ck_assert(fv_negotiate(0, NET_ALL));
	fv_queue(0, 0, &rx[0], FV_RXRING, 16);
	fv_queue(0, 1, &tx[0], FV_TXRING, 16);
	send(0, 0, plain_hdr, "early", 5);
	notify(0, 1);
	notify(0, 7);                                              /* no such queue */
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);
	ck_assert_uint_eq(fv_pulses[0], 0);
}
END_TEST

START_TEST(mergeable_buffers)
{
	static uint8_t data[3000];
	uint8_t *b0, *b1;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	link_up(NET_ALL, NET_ALL, 16);
	b0 = post(1, 0, 1536);
	b1 = post(1, 1, 1536);
	send(0, 0, plain_hdr, data, sizeof(data));
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 2);
	ck_assert_uint_eq(b0[10], 2);                             /* num_buffers */
	ck_assert(memcmp(b0 + 12, data, 1524) == 0);
	ck_assert(memcmp(b1, data + 1524, 3000 - 1524) == 0);
	ck_assert_uint_eq(fq_used_elem(&rx[1], 0)[1], 1536);
	ck_assert_uint_eq(fq_used_elem(&rx[1], 1)[1], 3000 - 1524);
}
END_TEST

START_TEST(mergeable_not_enough_buffers_waits)
{
	static uint8_t data[3000];

	link_up(NET_ALL, NET_ALL, 16);
	post(1, 0, 1536);
	send(0, 0, plain_hdr, data, sizeof(data));
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);                /* nothing half-done */
	ck_assert_uint_eq(fv_vd(1)->vq[0].last_avail, 0);
	ck_assert_uint_eq(*fq_avail_event(&rx[1]), 1);            /* beyond what is there */
	post(1, 1, 1536);
	notify(1, 0);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 2);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
}
END_TEST

START_TEST(small_buffer_without_mergeable_drops)
{
	static uint8_t data[3000];

	link_up(NET_ALL, NET_ALL & ~F(NET_F_MRG_RXBUF), 16);
	post(1, 0, 1536);
	send(0, 0, plain_hdr, data, sizeof(data));
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);                /* buffer kept */
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 1);
	send(0, 1, plain_hdr, data, 100);
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 1);
}
END_TEST

START_TEST(offload_the_receiver_lacks_is_dropped)
{
	uint8_t gso[12] = { NET_HDR_F_NEEDS_CSUM, NET_GSO_TCPV4, 54, 0, 0x5a, 0x05, 34, 0, 16, 0 };
	static uint8_t data[3000];

	link_up(NET_ALL, NET_ALL & ~F(NET_F_GUEST_TSO4), 16);
	post(1, 0, 1536);
	post(1, 1, 1536);
	send(0, 0, gso, data, sizeof(data));
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_unfit, 1);
}
END_TEST

START_TEST(checksum_finished_for_a_receiver_without_guest_csum)
{
	/* csum_start 4, csum_offset 2: the sum covers bytes 4.. of the frame */
	uint8_t hdr[12] = { NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 0, 0, 4, 0, 2, 0 };
	uint8_t frame[11] = { 9, 9, 9, 9, 0x12, 0x34, 0x00, 0x00, 0xab, 0xcd, 0xef };
	uint8_t *b;

	link_up(NET_ALL, NET_ALL & ~F(NET_F_GUEST_CSUM) & ~F(NET_F_GUEST_TSO4), 16);
	b = post(1, 0, 1536);
	send(0, 0, hdr, frame, sizeof(frame));
	notify(0, 1);
	/* 0x1234 + 0x0000 + 0xabcd + 0xef00 = 0x1ad01 -> 0xad02, ~ = 0x52fd */
	ck_assert_uint_eq(b[12 + 6], 0x52);
	ck_assert_uint_eq(b[12 + 7], 0xfd);
	ck_assert_uint_eq(b[0], 0);                               /* flags cleared */
	ck_assert(memcmp(b + 12, frame, 6) == 0);
	ck_assert(memcmp(b + 12 + 8, frame + 8, 3) == 0);
}
END_TEST

START_TEST(one_notification_moves_a_bounded_amount)
{
	link_up(NET_ALL, NET_ALL, 128);
	for (unsigned i = 0; i < 100; i++) {
		fq_desc(&rx[1], i, FV_BUF + 0x18000 + i * 0x200ull, 0x200, DESC_F_WRITE, 0);
		fq_add(&rx[1], (uint16_t)i);
		fq_desc(&tx[0], i, FV_BUF + i * 0x40ull, 0x40, 0, 0);
		fq_add(&tx[0], (uint16_t)i);
	}
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), NET_BUDGET_CHAINS);
	ck_assert_uint_eq(fv_replays, 1);
	notify(0, 1);                                              /* the replay */
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 100);
	ck_assert_uint_eq(fv_replays, 1);
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 100);
}
END_TEST

START_TEST(broken_sender_only_hurts_itself)
{
	link_up(NET_ALL, NET_ALL, 16);
	post(1, 0, 1536);
	fq_desc(&tx[0], 0, FAKE_RAM_IPA + FAKE_RAM_SIZE, 64, 0, 0);   /* outside */
	fq_add(&tx[0], 0);
	notify(0, 1);
	ck_assert(fv_read(0, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert(fv_read(0, 0x060) & VIRTIO_INT_CONFIG);
	ck_assert(virtio_running(fv_vd(1)));
	ck_assert_uint_eq(fq_used_idx(&rx[1]), 0);
	/* nothing more happens until it resets */
	notify(0, 1);
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 0);
}
END_TEST

START_TEST(broken_receiver_only_hurts_itself)
{
	link_up(NET_ALL, NET_ALL, 16);
	fq_desc(&rx[1], 0, FV_BUF, 64, DESC_F_WRITE | DESC_F_NEXT, 0);   /* a loop */
	fq_add(&rx[1], 0);
	send(0, 0, plain_hdr, "x", 1);
	notify(0, 1);
	ck_assert(fv_read(1, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	ck_assert_uint_eq(fv_pulses[1], 1);
	ck_assert(virtio_running(fv_vd(0)));
	ck_assert_uint_eq(fq_used_idx(&tx[0]), 1);                /* dropped, returned */
	ck_assert_uint_eq(net_of(fv_vd(0))->stats.tx_dropped, 1);
}
END_TEST

START_TEST(indirect_frames)
{
	uint64_t table = FV_BUF + 0x4000;
	uint8_t *b;

	link_up(NET_ALL, NET_ALL, 16);
	b = post(1, 0, 1536);
	memcpy(fake_at(0, FV_BUF), plain_hdr, 12);
	memcpy(fake_at(0, FV_BUF + 0x100), "indirect", 8);
	fq_desc_at(&tx[0], table, 0, FV_BUF, 12, DESC_F_NEXT, 1);
	fq_desc_at(&tx[0], table, 1, FV_BUF + 0x100, 8, 0, 0);
	fq_desc(&tx[0], 3, table, 32, DESC_F_INDIRECT, 0);
	fq_add(&tx[0], 3);
	notify(0, 1);
	ck_assert(memcmp(b + 12, "indirect", 8) == 0);
	ck_assert_uint_eq(fq_used_elem(&tx[0], 0)[0], 3);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("virtio_mmio");
	Suite *n = host_suite("virtio_net");

	HOST_TEST(s, identification);
	HOST_TEST(s, odd_widths_and_offsets_read_zero_write_nothing);
	HOST_TEST(s, config_space);
	HOST_TEST(s, features_offered_and_selected);
	HOST_TEST(s, features_ok_needs_version_1_and_offered_bits);
	HOST_TEST(s, status_bits_only_added_zero_resets);
	HOST_TEST(s, queue_setup_checks);
	HOST_TEST(s, notify_before_driver_ok_is_ignored);
	HOST_TEST(n, frame_crosses_with_its_header);
	HOST_TEST(n, no_buffers_leaves_frames_pending_until_rx_notify);
	HOST_TEST(n, receiver_down_drops_the_senders_frames);
	HOST_TEST(n, receiver_reset_while_frames_wait);
	HOST_TEST(n, no_peer_drops);
	HOST_TEST(n, mergeable_buffers);
	HOST_TEST(n, mergeable_not_enough_buffers_waits);
	HOST_TEST(n, small_buffer_without_mergeable_drops);
	HOST_TEST(n, offload_the_receiver_lacks_is_dropped);
	HOST_TEST(n, checksum_finished_for_a_receiver_without_guest_csum);
	HOST_TEST(n, one_notification_moves_a_bounded_amount);
	HOST_TEST(n, broken_sender_only_hurts_itself);
	HOST_TEST(n, broken_receiver_only_hurts_itself);
	HOST_TEST(n, indirect_frames);
}
