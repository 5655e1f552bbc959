/*
 * Raw frames between two native partitions over a network link
 * (guests/lib/vnet.h, tests/qemu/vnet-native): VM 1 echoes every frame
 * back with the addresses swapped; VM 0 runs the tests: its MAC comes
 * from the device, frames of every size cross whole and in order, and a
 * frame too long for the link is refused by the library.
 */
#include "numbat.h"
#include "vnet.h"

#define VNET_BASE   0x0a000000ul
#define VNET_SPI    17
#define FRAMES      40

static struct vnet n;
static uint8_t frame[VNET_FRAME_MAX], back[VNET_FRAME_MAX];

static void up(void)
{
	static bool done;

	if (!done) {
		gic_init();
		ASSERT_EQ(vnet_init(&n, VNET_BASE, 32 + VNET_SPI), 0);
		done = true;
	}
}

/* Sends frame i of `len` bytes: to broadcast, from us, then a pattern. */
static void make_frame(unsigned i, uint32_t len)
{
	memset(frame, 0xff, 6);
	memcpy(frame + 6, n.mac, 6);
	frame[12] = 0x88;                 /* a local experimental EtherType */
	frame[13] = 0xb5;
	for (uint32_t k = 14; k < len; k++)
		frame[k] = (uint8_t)(i * 31 + k);
}

TEST(vnet, mac_from_config)
{
	up();
	EXPECT_EQ(n.mac[0] & 1, 0);                       /* a unicast address */
	EXPECT_NE(n.mac[0] | n.mac[1] | n.mac[2] | n.mac[3] | n.mac[4] | n.mac[5], 0);
}

TEST(vnet, frames_cross_whole_and_in_order)
{
	up();
	for (unsigned i = 0; i < FRAMES; i++) {
		uint32_t len = 60 + (i * 97) % (VNET_FRAME_MAX - 59);
		int got;

		make_frame(i, len);
		ASSERT_EQ(vnet_send(&n, frame, len), 0);
		got = vnet_recv(&n, back, sizeof(back), 2000);
		ASSERT_EQ(got, (int)len);
		EXPECT_EQ(memcmp(back, n.mac, 6), 0);             /* swapped back to us */
		EXPECT_EQ(memcmp(back + 12, frame + 12, len - 12), 0);
	}
}

TEST(vnet, oversized_refused)
{
	up();
	EXPECT_EQ(vnet_send(&n, frame, VNET_FRAME_MAX + 1), VNET_EINVAL);
	EXPECT_EQ(vnet_send(&n, frame, 0), VNET_EINVAL);
}

/* VM 1: echo frames back, addresses swapped, until 10 s pass idle. */
static int echo(void)
{
	unsigned echoed = 0;
	int len;

	gic_init();
	if (vnet_init(&n, VNET_BASE, 32 + VNET_SPI))
		return 1;
	printf("vnet echo: mac %02x:%02x:%02x:%02x:%02x:%02x\n", n.mac[0], n.mac[1],
	       n.mac[2], n.mac[3], n.mac[4], n.mac[5]);
	while ((len = vnet_recv(&n, frame, sizeof(frame), 10000)) > 0) {
		memcpy(back, frame + 6, 6);
		memcpy(back + 6, n.mac, 6);
		memcpy(back + 12, frame + 12, (uint32_t)len - 12);
		for (int t = 0; t < 1000 && vnet_send(&n, back, (uint32_t)len) == VNET_EBUSY; t++)
			delay_ms(1);              /* the link is busy: its frames drain */
		echoed++;
	}
	printf("vnet echo: %u frames echoed\n", echoed);
	return 0;
}

int main(void)
{
	return numbat_vm_id(NULL) == 1 ? echo() : test_run_all();
}
