/*
 * The peer of virtio_attack.c (tests/qemu/virtio-attack): a native VM at
 * the other end of the attacker's network link. It brings its virtio-net
 * device up with two receive buffers and never posts more, prints the
 * frames that arrive, answers "peer-down" once it has two, then resets
 * its device while the attacker still has a frame waiting for it, and
 * carries on (heartbeats) to show that nothing the attacker did reached it.
 */
#include "numbat.h"
#include "vnet.h"

/* Prints the frame in receive buffer `slot`, `len` bytes with the header. */
static void print_frame(unsigned slot, uint32_t len)
{
	char text[64];
	uint32_t n = len > VNET_HDR ? len - VNET_HDR : 0;

	if (n > sizeof(text) - 1)
		n = sizeof(text) - 1;
	memcpy(text, vnet_buf(8 + slot) + VNET_HDR, n);
	text[n] = 0;
	printf("peer: got %s (%u bytes)\n", text, len);
}

int main(void)
{
	struct vq *rx = &vnet_q[VNET_RXQ];

	if (!vnet_up(0, VNET_NUM, true)) {
		printf("peer: bring-up failed, status 0x%x\n", vnet_rd(R_STATUS));
		return 1;
	}
	vnet_post(0);
	vnet_post(1);
	vq_notify(VNET_RXQ);
	printf("peer: up\n");
	while (!vq_wait_used(VNET_RXQ, 2, 1000))
		;
	for (unsigned i = 0; i < 2; i++)
		print_frame(rx->used[1 + 2 * i], rx->used[2 + 2 * i]);
	vnet_send(0, "peer-down");
	if (!vq_wait_used(VNET_TXQ, 1, 30000))
		printf("peer: peer-down not taken\n");
	vnet_wr(R_STATUS, 0);
	printf("peer: device reset, status 0x%x\n", vnet_rd(R_STATUS));
	for (unsigned i = 0;; i++) {
		if (vq_used_idx(rx) != 2)
			printf("peer: receive ring changed after reset\n");
		printf("peer: alive %u\n", i);
		delay_ms(500);
	}
}
