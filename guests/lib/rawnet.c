/*
 * Raw Ethernet frames over virtio-net (rawnet.h). Queues: 0 receiveq1,
 * 1 transmitq1 (virtio 1.2, section 5.1.2); the MAC is the first six
 * bytes of the configuration (5.1.4).
 */
#include "numbat.h"
#include "rawnet.h"

#define RAWNET_F_MAC   5

static void rawnet_post_rx(struct rawnet *n, struct rawnet_buf *b)
{
	struct virtio_buf v = { b, sizeof(*b) };

	virtio_post(&n->rxq, &v, 0, 1, b);
}

/* Frees the transmit buffers the device is done with. */
static void rawnet_reap_tx(struct rawnet *n)
{
	struct rawnet_buf *b;

	while ((b = virtio_reap(&n->txq, NULL)))
		n->tx_busy[b - n->tx] = false;
}

int rawnet_init(struct rawnet *n, uintptr_t base, unsigned intid)
{
	memset(n, 0, offsetof(struct rawnet, rx));
	if (virtio_probe(&n->dev, base, intid, VIRTIO_ID_NET) ||
	    virtio_negotiate(&n->dev, VIRTIO_FEATURE(RAWNET_F_MAC) |
			     VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX)) ||
	    virtio_queue_setup(&n->dev, &n->rxq, 0, RAWNET_QUEUE_NUM, n->ring[0]) ||
	    virtio_queue_setup(&n->dev, &n->txq, 1, RAWNET_QUEUE_NUM, n->ring[1]))
		return RAWNET_ENODEV;
	for (unsigned i = 0; i < 6; i++)
		n->mac[i] = virtio_config_read8(&n->dev, i);
	for (unsigned i = 0; i < RAWNET_BUFS; i++)
		rawnet_post_rx(n, &n->rx[i]);
	virtio_driver_ok(&n->dev);
	virtio_kick(&n->rxq);
	return 0;
}

int rawnet_send(struct rawnet *n, const void *frame, uint32_t len)
{
	struct virtio_buf v;
	struct rawnet_buf *b = NULL;

	if (len == 0 || len > RAWNET_FRAME_MAX)
		return RAWNET_EINVAL;
	rawnet_reap_tx(n);
	for (unsigned i = 0; i < RAWNET_BUFS && !b; i++)
		if (!n->tx_busy[i])
			b = &n->tx[i];
	if (!b)
		return RAWNET_EBUSY;
	memset(b->hdr, 0, RAWNET_HDR_LEN);       /* no offload, num_buffers 0 */
	memcpy(b->frame, frame, len);
	v = (struct virtio_buf){ b, RAWNET_HDR_LEN + len };
	if (virtio_post(&n->txq, &v, 1, 0, b))
		return RAWNET_EBUSY;
	n->tx_busy[b - n->tx] = true;
	n->tx_frames++;
	virtio_kick(&n->txq);
	return 0;
}

int rawnet_recv(struct rawnet *n, void *buf, uint32_t max, uint64_t timeout_ms)
{
	uint64_t end = counter_read() + counter_ms(timeout_ms);
	struct rawnet_buf *b;
	uint32_t written;

	for (;;) {
		virtio_interrupt_ack(&n->dev);
		b = virtio_reap(&n->rxq, &written);
		if (b || !timeout_ms || counter_read() >= end)
			break;
		virtio_wait((end - counter_read()) / counter_ms(1) + 1);
	}
	rawnet_reap_tx(n);
	if (!b)
		return 0;
	if (written < RAWNET_HDR_LEN) {
		n->rx_short++;
		written = RAWNET_HDR_LEN;
	}
	written -= RAWNET_HDR_LEN;
	if (written > max)
		written = max;
	memcpy(buf, b->frame, written);
	rawnet_post_rx(n, b);
	virtio_kick(&n->rxq);
	n->rx_frames++;
	return (int)written;
}
