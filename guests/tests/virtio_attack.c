/*
 * A hostile driver of a virtio-net device (tests/qemu/virtio-attack): every
 * rule of the split virtqueue and of the virtio-mmio transport broken in
 * turn, each expected to end in DEVICE_NEEDS_RESET (with the
 * configuration-change interrupt status) or in nothing happening, never
 * in a fault, a hang or a frame reaching the peer (virtio_peer.c). Then a
 * link flow: frames to a peer that posted only two buffers (the third
 * waits), the attacker's own device reset while that frame waits, and a
 * frame sent after the peer reset its device (consumed and dropped).
 * A victim VM shares this pCPU and must keep running throughout.
 */
#include "numbat.h"
#include "vnet.h"

#define OUTSIDE  0x80000000ul        /* not this VM's memory */

/* Brings the device up cleanly with queues of VNET_NUM. */
static void up(void)
{
	ASSERT_TRUE(vnet_up(0, VNET_NUM, true));
	EXPECT_EQ(vnet_rd(R_STATUS) & S_NEEDS_RESET, 0);
}

/* After a broken chain was notified: the device needs a reset, and says so. */
static void expect_needs_reset(void)
{
	EXPECT_NE(vnet_rd(R_STATUS) & S_NEEDS_RESET, 0);
	EXPECT_NE(vnet_rd(R_INT_STATUS) & 2, 0);
	EXPECT_EQ(vq_used_idx(&vnet_q[VNET_TXQ]), 0);
	vnet_wr(R_INT_ACK, 3);
	/* Nothing more happens until the reset, however often it is notified. */
	vnet_send(1, "after-broken");
	EXPECT_EQ(vq_used_idx(&vnet_q[VNET_TXQ]), 0);
	vnet_wr(R_STATUS, 0);
	EXPECT_EQ(vnet_rd(R_STATUS), 0);
}

/* Puts a one-descriptor chain at `head` and notifies the transmit queue. */
static void send_raw(uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	vq_desc(VNET_TXQ, 0, addr, len, flags, next);
	vq_add(VNET_TXQ, 0);
	vq_notify(VNET_TXQ);
}

TEST(virtio, identification)
{
	EXPECT_EQ(vnet_rd(R_MAGIC), 0x74726976);
	EXPECT_EQ(vnet_rd(R_VERSION), 2);
	EXPECT_EQ(vnet_rd(R_DEVICE_ID), 1);
}

TEST(virtio, wild_register_accesses_do_not_fault)
{
	struct exc_info x = CATCH_EXCEPTION({
		writeb(VNET_BASE + R_STATUS, 0xff);
		writew(VNET_BASE + 0x101, 0xffff);
		(void)readq(VNET_BASE + R_MAGIC);
		(void)readb(VNET_BASE + 0x3);
		writel(VNET_BASE + 0xffc, 0xffffffff);
		writel(VNET_BASE + R_STATUS, S_NEEDS_RESET | 0x30);
		(void)readl(VNET_BASE + 0xffc);
	});

	EXPECT_FALSE(x.taken);
	EXPECT_EQ(vnet_rd(R_STATUS) & (S_NEEDS_RESET | S_DRIVER_OK), 0);
	vnet_wr(R_STATUS, 0);
}

TEST(virtio, features_ok_refused_without_version_1)
{
	vnet_wr(R_STATUS, 0);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER);
	vnet_wr(R_DRV_FEAT_SEL, 1);
	vnet_wr(R_DRV_FEAT, 0);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	EXPECT_EQ(vnet_rd(R_STATUS) & S_FEATURES_OK, 0);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	EXPECT_EQ(vnet_rd(R_STATUS) & S_DRIVER_OK, 0);
	vnet_wr(R_STATUS, 0);
}

TEST(virtio, queue_size_not_a_power_of_two)
{
	vnet_wr(R_STATUS, 0);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER);
	vnet_wr(R_DRV_FEAT_SEL, 1);
	vnet_wr(R_DRV_FEAT, 1);
	vnet_wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	EXPECT_NE(vnet_rd(R_STATUS) & S_FEATURES_OK, 0);
	EXPECT_EQ(vnet_queue(VNET_RXQ, 3), 0);
	EXPECT_NE(vnet_rd(R_STATUS) & S_NEEDS_RESET, 0);
	vnet_wr(R_STATUS, 0);
}

TEST(virtio, rings_outside_memory)
{
	ASSERT_TRUE(vnet_up(0, VNET_NUM, false));
	vnet_wr(R_QUEUE_SEL, VNET_TXQ);
	vnet_wr(R_QUEUE_READY, 0);
	vnet_wr(R_DEVICE_LO, (uint32_t)OUTSIDE);
	vnet_wr(R_QUEUE_READY, 1);
	EXPECT_EQ(vnet_rd(R_QUEUE_READY), 0);
	EXPECT_NE(vnet_rd(R_STATUS) & S_NEEDS_RESET, 0);
	vnet_wr(R_STATUS, 0);
}

TEST(virtio, notify_before_driver_ok_is_ignored)
{
	ASSERT_TRUE(vnet_up(0, VNET_NUM, false));
	vnet_send(0, "early");
	delay_ms(20);
	EXPECT_EQ(vq_used_idx(&vnet_q[VNET_TXQ]), 0);
	EXPECT_EQ(vnet_rd(R_STATUS) & S_NEEDS_RESET, 0);
	vnet_wr(R_STATUS, 0);
}

TEST(virtio, descriptor_outside_memory)
{
	up();
	send_raw(OUTSIDE, 64, 0, 0);
	expect_needs_reset();
}

TEST(virtio, length_past_the_end_of_memory)
{
	up();
	send_raw(VNET_BUFS, 0xfffffff0u, 0, 0);
	expect_needs_reset();
}

TEST(virtio, address_wraps_around)
{
	up();
	send_raw(~0ull - 16, 64, 0, 0);
	expect_needs_reset();
}

TEST(virtio, chain_loops)
{
	up();
	vq_desc(VNET_TXQ, 1, VNET_BUFS, 64, D_NEXT, 0);
	send_raw(VNET_BUFS, 64, D_NEXT, 1);
	expect_needs_reset();
}

TEST(virtio, next_past_the_queue)
{
	up();
	send_raw(VNET_BUFS, 64, D_NEXT, VNET_NUM + 3);
	expect_needs_reset();
}

TEST(virtio, indirect_without_negotiation)
{
	up();
	vq_desc(VNET_TXQ, 5, VNET_BUFS, 64, 0, 0);   /* a table of one */
	send_raw((uintptr_t)&vnet_q[VNET_TXQ].desc[5], 16, D_INDIRECT, 0);
	expect_needs_reset();
}

TEST(virtio, readable_after_writable)
{
	up();
	vq_desc(VNET_TXQ, 1, VNET_BUFS, 64, 0, 0);
	send_raw(VNET_BUFS + 0x100, 64, D_WRITE | D_NEXT, 1);
	expect_needs_reset();
}

TEST(virtio, available_index_past_the_ring)
{
	up();
	vq_desc(VNET_TXQ, 0, VNET_BUFS, 64, 0, 0);
	vnet_q[VNET_TXQ].avail[1] = VNET_NUM + 5;
	dsb_sy();
	vq_notify(VNET_TXQ);
	expect_needs_reset();
}

/* Waits for the frame in receive buffer `slot` and checks its text. */
static void expect_frame(unsigned n, const char *text)
{
	struct vq *rx = &vnet_q[VNET_RXQ];
	unsigned slot;

	ASSERT_TRUE(vq_wait_used(VNET_RXQ, (uint16_t)n, 60000));
	slot = rx->used[1 + 2 * (n - 1)];
	EXPECT_EQ(rx->used[2 + 2 * (n - 1)], VNET_HDR + strlen(text));
	EXPECT_EQ(memcmp(vnet_buf(8 + slot) + VNET_HDR, text, strlen(text)), 0);
}

TEST(link, frames_wait_then_reset_then_dropped)
{
	struct vq *tx = &vnet_q[VNET_TXQ];
	unsigned tries = 0;

	up();
	vnet_post(0);
	vnet_post(1);
	vq_notify(VNET_RXQ);
	printf("attacker: link up, waiting for the cue\n");
	wait_key('g');
	vnet_send(0, "frame-1");
	vnet_send(1, "frame-2");
	vnet_send(2, "frame-3");                /* the peer has no third buffer */
	expect_frame(1, "peer-down");
	EXPECT_EQ(vq_used_idx(tx), 2);          /* frame-3 still waits */
	/* A reset in the middle of the transfer, then a fresh start. */
	vnet_wr(R_STATUS, 0);
	up();
	vnet_send(0, "frame-4");                /* the peer's device is down */
	while (!vq_wait_used(VNET_TXQ, 1, 100) && tries++ < 300)
		vq_notify(VNET_TXQ);
	EXPECT_EQ(vq_used_idx(tx), 1);
	EXPECT_EQ(tx->used[2], 0);              /* consumed: nothing written */
	printf("attacker: frame-4 dropped after %u notifications\n", tries + 1);
}
