/*
 * Raw Ethernet frames over virtio-net for native partitions, on
 * guests/lib/virtio: the partition's end of a network link (virtio 1.2,
 * section 5.1). It negotiates VERSION_1 and MAC (and EVENT_IDX) only:
 * no offloads, so every frame it receives is complete (numbat finishes a
 * checksum a Linux peer left to the device) and at most VNET_FRAME_MAX
 * bytes. Each buffer starts with the 12-byte virtio-net header, which
 * this library fills (zero: no offload) and strips.
 *
 *   static struct vnet n;
 *   vnet_init(&n, 0x0a001000, 49);
 *   vnet_send(&n, frame, len);
 *   len = vnet_recv(&n, buf, sizeof(buf), 100);
 */
#ifndef GUEST_VNET_H
#define GUEST_VNET_H

#include <stdint.h>

#include "virtio.h"

#define VNET_HDR_LEN    12      /* struct virtio_net_hdr with VERSION_1 */
#define VNET_FRAME_MAX  1514    /* Ethernet without FCS, MTU 1500 */
#define VNET_BUFS       16      /* receive buffers posted, frames in flight */
#define VNET_QUEUE_NUM  16

#define VNET_ENODEV  (-1)
#define VNET_EINVAL  (-2)       /* empty or longer than VNET_FRAME_MAX */
#define VNET_EBUSY   (-3)       /* every transmit buffer is in flight */

struct vnet_buf {
	uint8_t hdr[VNET_HDR_LEN];
	uint8_t frame[VNET_FRAME_MAX];
};

struct vnet {
	struct virtio_dev dev;
	struct virtio_queue rxq, txq;
	uint8_t mac[6];                 /* from the device's configuration */
	uint64_t rx_frames, tx_frames, rx_short;
	bool tx_busy[VNET_BUFS];
	struct vnet_buf rx[VNET_BUFS], tx[VNET_BUFS];
	uint8_t ring[2][VIRTIO_RING_BYTES(VNET_QUEUE_NUM)] __attribute__((aligned(16)));
};

/* Probes the virtio-net device at base (SPI intid), posts receive buffers. */
int vnet_init(struct vnet *n, uintptr_t base, unsigned intid);

/* Queues one frame (copied, so `frame` may be reused at once). 0 or error. */
int vnet_send(struct vnet *n, const void *frame, uint32_t len);

/*
 * Takes the next received frame into buf (cut at `max`), waiting up to
 * timeout_ms for one (0: no wait). Returns its length, or 0 if none came.
 */
int vnet_recv(struct vnet *n, void *buf, uint32_t max, uint64_t timeout_ms);

#endif /* GUEST_VNET_H */
