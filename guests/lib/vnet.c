/*
 * Raw Ethernet frames over virtio-net (vnet.h). Queues: 0 receiveq1,
 * 1 transmitq1 (virtio 1.2, section 5.1.2); the MAC is the first six
 * bytes of the configuration (5.1.4).
 */
#include "numbat.h"
#include "vnet.h"

#define VNET_F_MAC   5

static void vnet_post_rx(struct vnet *n, struct vnet_buf *b)
{
	struct virtio_buf v = { b, sizeof(*b) };

	virtio_post(&n->rxq, &v, 0, 1, b);
}

/* Frees the transmit buffers the device is done with. */
static void vnet_reap_tx(struct vnet *n)
{
	struct vnet_buf *b;

	while ((b = virtio_reap(&n->txq, NULL)))
		n->tx_busy[b - n->tx] = false;
}

int vnet_init(struct vnet *n, uintptr_t base, unsigned intid)
{
	memset(n, 0, offsetof(struct vnet, rx));
	if (virtio_probe(&n->dev, base, intid, VIRTIO_ID_NET) ||
	    virtio_negotiate(&n->dev, VIRTIO_FEATURE(VNET_F_MAC) |
			     VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX)) ||
	    virtio_queue_setup(&n->dev, &n->rxq, 0, VNET_QUEUE_NUM, n->ring[0]) ||
	    virtio_queue_setup(&n->dev, &n->txq, 1, VNET_QUEUE_NUM, n->ring[1]))
		return VNET_ENODEV;
	for (unsigned i = 0; i < 6; i++)
		n->mac[i] = virtio_config_read8(&n->dev, i);
	for (unsigned i = 0; i < VNET_BUFS; i++)
		vnet_post_rx(n, &n->rx[i]);
	virtio_driver_ok(&n->dev);
	virtio_kick(&n->rxq);
	return 0;
}

int vnet_send(struct vnet *n, const void *frame, uint32_t len)
{
	struct virtio_buf v;
	struct vnet_buf *b = NULL;

	if (len == 0 || len > VNET_FRAME_MAX)
		return VNET_EINVAL;
	vnet_reap_tx(n);
	for (unsigned i = 0; i < VNET_BUFS && !b; i++)
		if (!n->tx_busy[i])
			b = &n->tx[i];
	if (!b)
		return VNET_EBUSY;
	memset(b->hdr, 0, VNET_HDR_LEN);       /* no offload, num_buffers 0 */
	memcpy(b->frame, frame, len);
	v = (struct virtio_buf){ b, VNET_HDR_LEN + len };
	if (virtio_post(&n->txq, &v, 1, 0, b))
		return VNET_EBUSY;
	n->tx_busy[b - n->tx] = true;
	n->tx_frames++;
	virtio_kick(&n->txq);
	return 0;
}

int vnet_recv(struct vnet *n, void *buf, uint32_t max, uint64_t timeout_ms)
{
	uint64_t end = counter_read() + counter_ms(timeout_ms);
	struct vnet_buf *b;
	uint32_t written;

	for (;;) {
		virtio_interrupt_ack(&n->dev);
		b = virtio_reap(&n->rxq, &written);
		if (b || !timeout_ms || counter_read() >= end)
			break;
		virtio_wait((end - counter_read()) / counter_ms(1) + 1);
	}
	vnet_reap_tx(n);
	if (!b)
		return 0;
	if (written < VNET_HDR_LEN) {
		n->rx_short++;
		written = VNET_HDR_LEN;
	}
	written -= VNET_HDR_LEN;
	if (written > max)
		written = max;
	memcpy(buf, b->frame, written);
	vnet_post_rx(n, b);
	virtio_kick(&n->rxq);
	n->rx_frames++;
	return (int)written;
}
