/*
 * A native vsock client against guests/vsockd (CID VSOCKD_CID) through
 * numbat's virtio-vsock device (tests/qemu/vsock-native): a stream echoed
 * whole across many packets and the credit window, a command, connects to
 * CIDs no link reaches (refused at once with an RST, no hang), and
 * hostile packets posted raw on the transmit queue: a forged source CID,
 * a len past the chain, an oversized payload, a short header, a payload
 * on a control packet. Each of those names its own port of vsockd, which
 * logs "refused ... to port N" for any packet that reaches it; the
 * scenario rejects those lines, and expects the line of an honest packet
 * sent the same way (port 7778). Last, vsockd is rebooted mid-stream: the
 * open connection ends in an RST and a new one works once it is back.
 */
#include "numbat.h"
#include "vsock.h"

#define VSOCK_BASE   0x0a000000ul
#define VSOCK_SPI    16
#define VSOCKD_CID   5
#define OWN_CID      3
#define OTHER_CID    4            /* exists in the scenario, not linked to us */
#define ECHO         1234
#define CMD          1235

static struct vsock vs;
static bool up;

static void setup(void)
{
	if (up)
		return;
	gic_init();
	ASSERT_EQ(vsock_init(&vs, VSOCK_BASE, 32 + VSOCK_SPI), 0);
	up = true;
	/* vsockd starts beside us: until its device is up, numbat resets. */
	for (int i = 0; i < 100; i++) {
		int c = vsock_connect(&vs, VSOCKD_CID, ECHO, 1000);

		if (c >= 0) {
			vsock_close(&vs, c);
			return;
		}
		delay_ms(100);
	}
	ASSERT_TRUE(false);               /* vsockd never answered */
}

/* Reads exactly len bytes from c within `ms`; returns the bytes read. */
static uint32_t recv_all(int c, uint8_t *buf, uint32_t len, uint64_t ms)
{
	uint64_t end = counter_read() + counter_ms(ms);
	uint32_t got = 0;

	while (got < len && counter_read() < end) {
		int n = vsock_recv(&vs, c, buf + got, len - got);

		if (n < 0)
			break;
		got += (uint32_t)n;
		if (got < len)
			vsock_poll(&vs, 10);
	}
	return got;
}

/* Sends all of buf, reading echoed bytes into `back` meanwhile. */
static uint32_t echo_round(int c, const uint8_t *buf, uint8_t *back, uint32_t len)
{
	uint32_t sent = 0, got = 0;
	uint64_t end = counter_read() + counter_ms(5000);

	while (got < len && counter_read() < end) {
		int n;

		if (sent < len) {
			n = vsock_send(&vs, c, buf + sent, len - sent);
			if (n < 0)
				break;
			sent += (uint32_t)n;
		}
		n = vsock_recv(&vs, c, back + got, len - got);
		if (n < 0)
			break;
		got += (uint32_t)n;
		vsock_poll(&vs, got < len ? 5 : 0);
	}
	return got;
}

static uint8_t big[48 * 1024], back[48 * 1024];

TEST(vsock, cid_from_config)
{
	setup();
	EXPECT_EQ(vs.cid, OWN_CID);
}

/* 48 KiB: twelve packets at least, three times vsockd's credit window. */
TEST(vsock, echo_stream)
{
	uint64_t seed = 0x1234;
	int c;

	setup();
	for (uint32_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)rand64(&seed);
	c = vsock_connect(&vs, VSOCKD_CID, ECHO, 2000);
	ASSERT_GE(c, 0);
	EXPECT_EQ(echo_round(c, big, back, sizeof(big)), sizeof(big));
	EXPECT_EQ(memcmp(big, back, sizeof(big)), 0);
	vsock_close(&vs, c);
}

TEST(vsock, command_whoami)
{
	static const char want[] = "you are cid 3 port";
	char line[96] = { 0 };
	int c;

	setup();
	c = vsock_connect(&vs, VSOCKD_CID, CMD, 2000);
	ASSERT_GE(c, 0);
	EXPECT_EQ(vsock_send(&vs, c, "whoami\n", 7), 7);
	recv_all(c, (uint8_t *)line, sizeof(want) - 1, 2000);
	EXPECT_EQ(memcmp(line, want, sizeof(want) - 1), 0);
	vsock_close(&vs, c);
}

/* No link reaches these CIDs: numbat answers RST at once, no hang. */
TEST(vsock, undeclared_cid_refused)
{
	setup();
	EXPECT_EQ(vsock_connect(&vs, OTHER_CID, ECHO, 3000), VSOCK_ERESET);
	EXPECT_EQ(vsock_connect(&vs, 77, ECHO, 3000), VSOCK_ERESET);
	EXPECT_EQ(vsock_connect(&vs, VSOCK_CID_HOST, ECHO, 3000), VSOCK_ERESET);
	EXPECT_EQ(vsock_connect(&vs, OWN_CID, ECHO, 3000), VSOCK_ERESET);
	/* A listening port that is not there: vsockd's own RST. */
	EXPECT_EQ(vsock_connect(&vs, VSOCKD_CID, 4321, 3000), VSOCK_ERESET);
}

/* ---- packets posted raw on the transmit queue ---- */

static uint8_t raw[44 + 0x10000 + 64] __attribute__((aligned(16)));

/* Posts [raw, raw + chain_len) as one chain and waits until it is used. */
static void raw_send(const struct virtio_vsock_hdr *h, uint32_t chain_len)
{
	struct virtio_buf b = { raw, chain_len };
	uint64_t end = counter_read() + counter_ms(1000);

	memcpy(raw, h, sizeof(*h));
	ASSERT_EQ(virtio_post(&vs.q[VSOCK_VQ_TX], &b, 1, 0, raw), 0);
	virtio_kick(&vs.q[VSOCK_VQ_TX]);
	while (virtio_queue_free(&vs.q[VSOCK_VQ_TX]) < VSOCK_QUEUE_NUM &&
	       counter_read() < end)
		vsock_poll(&vs, 5);
	EXPECT_EQ(virtio_queue_free(&vs.q[VSOCK_VQ_TX]), VSOCK_QUEUE_NUM);
}

static struct virtio_vsock_hdr req(uint32_t port, uint16_t op, uint32_t len)
{
	return (struct virtio_vsock_hdr){ .src_cid = OWN_CID, .dst_cid = VSOCKD_CID,
					  .src_port = 40000 + port, .dst_port = port,
					  .len = len, .type = VSOCK_TYPE_STREAM, .op = op,
					  .buf_alloc = 4096 };
}

/*
 * Packets that came back to us after a raw send (vsockd's RSTs). An
 * earlier test's teardown (vsockd closing its connection) may still be on
 * its way: first wait until nothing has arrived for 50 ms (at most 1 s),
 * so only answers to this send are counted.
 */
static uint64_t replies_after(const struct virtio_vsock_hdr *h, uint32_t chain_len)
{
	uint64_t before, end = counter_read() + counter_ms(1000);

	for (int quiet = 0; quiet < 5 && counter_read() < end;) {
		before = vs.stats.rx_packets;
		vsock_poll(&vs, 10);
		quiet = vs.stats.rx_packets == before ? quiet + 1 : 0;
	}
	before = vs.stats.rx_packets;

	raw_send(h, chain_len);
	for (int i = 0; i < 20; i++)
		vsock_poll(&vs, 10);
	return vs.stats.rx_packets - before;
}

/* The control: an honest REQUEST sent the same raw way reaches vsockd,
 * which answers RST (nothing listens on 7778). */
TEST(vsock, raw_honest_reaches)
{
	struct virtio_vsock_hdr h = req(7778, VSOCK_OP_REQUEST, 0);

	setup();
	EXPECT_EQ(replies_after(&h, sizeof(h)), 1);
}

TEST(vsock, raw_forged_source_dropped)
{
	struct virtio_vsock_hdr h = req(7777, VSOCK_OP_REQUEST, 0);

	setup();
	h.src_cid = OTHER_CID;
	raw_send(&h, sizeof(h));
	h.src_cid = VSOCKD_CID;           /* vsockd's own CID, back to itself */
	raw_send(&h, sizeof(h));
	h.src_cid = OWN_CID | (1ull << 32);   /* the high half counts */
	raw_send(&h, sizeof(h));
}

/* Malformed packets carry our own CID: any answer would come back here. */
TEST(vsock, raw_malformed_dropped)
{
	struct virtio_vsock_hdr h;

	setup();
	h = req(7779, VSOCK_OP_RW, 100);        /* len past the chain */
	EXPECT_EQ(replies_after(&h, sizeof(h) + 10), 0);
	h = req(7780, VSOCK_OP_RW, 0x10001);    /* more than 64 KiB */
	EXPECT_EQ(replies_after(&h, sizeof(h) + 0x10001), 0);
	h = req(7781, VSOCK_OP_REQUEST, 0);     /* a short header */
	EXPECT_EQ(replies_after(&h, sizeof(h) - 4), 0);
	h = req(7782, VSOCK_OP_REQUEST, 8);     /* payload on a control op */
	EXPECT_EQ(replies_after(&h, sizeof(h) + 8), 0);
	h = req(7783, VSOCK_OP_RW, 0xffffffffu);  /* len that would wrap */
	EXPECT_EQ(replies_after(&h, sizeof(h) + 16), 0);
	/* The device took it all and still works. */
	EXPECT_EQ(virtio_status(&vs.dev) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

TEST(vsock, still_works_after_attacks)
{
	int c;

	setup();
	c = vsock_connect(&vs, VSOCKD_CID, ECHO, 2000);
	ASSERT_GE(c, 0);
	EXPECT_EQ(echo_round(c, (const uint8_t *)"ping", back, 4), 4);
	EXPECT_EQ(memcmp(back, "ping", 4), 0);
	vsock_close(&vs, c);
}

/*
 * vsockd restarts while a connection is open: that connection ends in an
 * RST (numbat's, while vsockd's device is down, or vsockd's own for a
 * connection it no longer knows); a new one works once it is back.
 */
TEST(vsock, peer_reset_mid_stream)
{
	uint64_t end;
	int e, c, r = 0;

	setup();
	e = vsock_connect(&vs, VSOCKD_CID, ECHO, 2000);
	ASSERT_GE(e, 0);
	EXPECT_EQ(echo_round(e, (const uint8_t *)"before", back, 6), 6);
	c = vsock_connect(&vs, VSOCKD_CID, CMD, 2000);
	ASSERT_GE(c, 0);
	EXPECT_EQ(vsock_send(&vs, c, "reboot\n", 7), 7);
	end = counter_read() + counter_ms(5000);
	while (counter_read() < end) {
		r = vsock_send(&vs, e, "x", 1);
		if (r < 0)
			break;
		vsock_poll(&vs, 20);
		(void)vsock_recv(&vs, e, back, sizeof(back));
	}
	EXPECT_EQ(r, VSOCK_ERESET);
	vsock_close(&vs, e);
	vsock_close(&vs, c);
	c = -1;
	end = counter_read() + counter_ms(5000);
	while (c < 0 && counter_read() < end)
		if ((c = vsock_connect(&vs, VSOCKD_CID, ECHO, 500)) < 0)
			delay_ms(50);
	ASSERT_GE(c, 0);
	EXPECT_EQ(echo_round(c, (const uint8_t *)"after", back, 5), 5);
	EXPECT_EQ(memcmp(back, "after", 5), 0);
	vsock_close(&vs, c);
}
