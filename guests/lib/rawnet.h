/*
 * Raw Ethernet frames over virtio-net for native partitions, on
 * guests/lib/virtio: the partition's end of a network link (virtio 1.2,
 * section 5.1). It negotiates VERSION_1 and MAC (and EVENT_IDX) only:
 * no offloads, so every frame it receives is complete (numbat finishes a
 * checksum a Linux peer left to the device) and at most RAWNET_FRAME_MAX
 * bytes. Each buffer starts with the 12-byte virtio-net header, which
 * this library fills (zero: no offload) and strips.
 *
 *   static struct rawnet n;
 *   rawnet_init(&n, 0x0a001000, 49);
 *   rawnet_send(&n, frame, len);
 *   len = rawnet_recv(&n, buf, sizeof(buf), 100);
 */
#ifndef GUEST_RAWNET_H
#define GUEST_RAWNET_H

#include <stdint.h>

#include "virtio.h"

#define RAWNET_HDR_LEN    12      /* struct virtio_net_hdr with VERSION_1 */
#define RAWNET_FRAME_MAX  1514    /* Ethernet without FCS, MTU 1500 */
#define RAWNET_BUFS       16      /* receive buffers posted, frames in flight */
#define RAWNET_QUEUE_NUM  16

#define RAWNET_ENODEV  (-1)
#define RAWNET_EINVAL  (-2)       /* empty or longer than RAWNET_FRAME_MAX */
#define RAWNET_EBUSY   (-3)       /* every transmit buffer is in flight */

struct rawnet_buf {
	uint8_t hdr[RAWNET_HDR_LEN];
	uint8_t frame[RAWNET_FRAME_MAX];
};

struct rawnet {
	struct virtio_dev dev;
	struct virtio_queue rxq, txq;
	uint8_t mac[6];                 /* from the device's configuration */
	uint64_t rx_frames, tx_frames, rx_short;
	bool tx_busy[RAWNET_BUFS];
	struct rawnet_buf rx[RAWNET_BUFS], tx[RAWNET_BUFS];
	uint8_t ring[2][VIRTIO_RING_BYTES(RAWNET_QUEUE_NUM)] __attribute__((aligned(16)));
};

/* Probes the virtio-net device at base (SPI intid), posts receive buffers. */
int rawnet_init(struct rawnet *n, uintptr_t base, unsigned intid);

/* Queues one frame (copied, so `frame` may be reused at once). 0 or error. */
int rawnet_send(struct rawnet *n, const void *frame, uint32_t len);

/*
 * Takes the next received frame into buf (cut at `max`), waiting up to
 * timeout_ms for one (0: no wait). Returns its length, or 0 if none came.
 */
int rawnet_recv(struct rawnet *n, void *buf, uint32_t max, uint64_t timeout_ms);

#endif /* GUEST_RAWNET_H */
