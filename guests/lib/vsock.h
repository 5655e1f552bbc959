/*
 * virtio-vsock stream sockets for native partitions, on guests/lib/virtio.
 * The partition is the driver of a virtio-vsock device (virtio 1.2,
 * section 5.10); numbat routes its packets to the CIDs the system
 * description links it to. This library keeps a few connections with
 * the protocol's credit-based flow control (section 5.10.6.3): it never
 * sends more than the peer's buf_alloc allows, advertises its own
 * buffer, and tells the peer when it has made room.
 *
 * Single-threaded and polled: call vsock_poll() in the program's loop; it
 * waits for the device's interrupt (or a timeout), takes received packets
 * into the connections' buffers and answers the protocol (RESPONSE to a
 * REQUEST on a listening port, RST to anything else, CREDIT_UPDATE on
 * request). The program then reads and writes with vsock_recv/vsock_send.
 *
 *   static struct vsock vs;
 *   vsock_init(&vs, 0x0a000000, 48);
 *   vsock_listen(&vs, 1234);
 *   for (;;) { vsock_poll(&vs, 100); c = vsock_accept(&vs); ... }
 */
#ifndef GUEST_VSOCK_H
#define GUEST_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <numbat/virtio_vsock.h>
#include "virtio.h"

#define VSOCK_MAX_CONN     8       /* connections at once */
#define VSOCK_MAX_LISTEN   4       /* listening ports */
#define VSOCK_CONN_BUF     16384   /* receive buffer per connection: buf_alloc */
#define VSOCK_PKT_PAYLOAD  4096    /* payload per packet buffer */
#define VSOCK_RX_BUFS      16      /* receive buffers posted */
#define VSOCK_TX_BUFS      16      /* packets in flight */
#define VSOCK_QUEUE_NUM    32

/* Errors (negative returns). */
#define VSOCK_EOF       (-1)   /* the peer will send no more (and all is read) */
#define VSOCK_ERESET    (-2)   /* the connection was reset or refused */
#define VSOCK_EINVAL    (-3)   /* no such connection, or a bad argument */
#define VSOCK_EBUSY     (-4)   /* no free connection or listening slot */
#define VSOCK_ETIMEDOUT (-5)
#define VSOCK_ENODEV    (-6)   /* no virtio-vsock device there */

enum vsock_state {
	VSOCK_FREE = 0,
	VSOCK_CONNECTING,      /* REQUEST sent, waiting for RESPONSE */
	VSOCK_ESTABLISHED,
	VSOCK_CLOSED,          /* reset by the peer: vsock_close frees it */
};

struct vsock_conn {
	uint8_t state;         /* enum vsock_state */
	bool accepted;         /* handed out by vsock_accept (or connected) */
	uint8_t peer_shut;     /* VSOCK_SHUTDOWN_* the peer announced */
	uint64_t peer_cid;
	uint32_t peer_port, local_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt;  /* the peer's credit */
	uint32_t tx_cnt;       /* bytes sent on this connection */
	uint32_t fwd_cnt;      /* bytes the program has read */
	uint32_t fwd_advertised;   /* fwd_cnt the peer last heard */
	uint32_t rx_head, rx_len;  /* unread bytes in rx_buf (a ring) */
	uint8_t rx_buf[VSOCK_CONN_BUF];
};

/* Counters for a `stats` command. */
struct vsock_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped;   /* not for us, malformed, or past the credit */
	uint64_t tx_dropped;   /* control packets with no free tx buffer */
	uint64_t resets_sent, resets_received;
};

struct vsock_pkt {
	struct virtio_vsock_hdr hdr;
	uint8_t data[VSOCK_PKT_PAYLOAD];
};

struct vsock;

/* Called for each packet that reached no connection and was answered RST. */
typedef void vsock_refused_fn(struct vsock *vs, const struct virtio_vsock_hdr *h);

struct vsock {
	struct virtio_dev dev;
	vsock_refused_fn *on_refused;       /* optional: set after vsock_init */
	struct virtio_queue q[VSOCK_VQ_COUNT];
	uint64_t cid;                       /* ours, from the device */
	uint32_t next_port;                 /* ephemeral ports for vsock_connect */
	uint32_t listen[VSOCK_MAX_LISTEN];  /* 0: unused */
	struct vsock_stats stats;
	struct vsock_conn conn[VSOCK_MAX_CONN];
	bool tx_busy[VSOCK_TX_BUFS];
	uint32_t events[4];
	struct vsock_pkt rx[VSOCK_RX_BUFS];
	struct vsock_pkt tx[VSOCK_TX_BUFS];
	uint8_t ring[VSOCK_VQ_COUNT][VIRTIO_RING_BYTES(VSOCK_QUEUE_NUM)]
		__attribute__((aligned(16)));
};

/*
 * Probes the virtio-vsock device at `base` (SPI `intid`), negotiates
 * VERSION_1 (and EVENT_IDX if offered), sets up its three queues, posts
 * the receive and event buffers and reads our CID. Returns 0 or
 * VSOCK_ENODEV.
 */
int vsock_init(struct vsock *vs, uintptr_t base, unsigned intid);

/* Accepts connections to `port` from now on. 0 or VSOCK_EBUSY. */
int vsock_listen(struct vsock *vs, uint32_t port);

/*
 * Waits up to `timeout_ms` (0: does not wait) for the device, then handles
 * everything it returned: received packets (answering the protocol) and
 * sent ones (their buffers are free again). Returns the packets handled.
 */
int vsock_poll(struct vsock *vs, uint64_t timeout_ms);

/* A new connection to one of our listening ports, or -1. */
int vsock_accept(struct vsock *vs);

/*
 * Connects to (cid, port): sends REQUEST and polls until the RESPONSE,
 * an RST (VSOCK_ERESET: refused or unreachable) or `timeout_ms`
 * (VSOCK_ETIMEDOUT). Returns the connection or the error.
 */
int vsock_connect(struct vsock *vs, uint64_t cid, uint32_t port, uint64_t timeout_ms);

/*
 * Sends up to `len` bytes: as much as the peer's credit and our free
 * packet buffers allow now. Returns the bytes sent (0: try after a poll),
 * VSOCK_ERESET or VSOCK_EINVAL.
 */
int vsock_send(struct vsock *vs, int c, const void *buf, uint32_t len);

/*
 * Reads up to `len` received bytes. Returns them (0: nothing yet),
 * VSOCK_EOF once the peer shut down its sending side and all is read,
 * VSOCK_ERESET, or VSOCK_EINVAL. Tells the peer when it made room.
 */
int vsock_recv(struct vsock *vs, int c, void *buf, uint32_t len);

/* Closes `c`: SHUTDOWN (or RST if the peer already finished) and frees it. */
void vsock_close(struct vsock *vs, int c);

/* Aborts `c`: RST to the peer, and frees it. */
void vsock_reset(struct vsock *vs, int c);

/* The connection's state (enum vsock_state), VSOCK_FREE if out of range. */
int vsock_state(const struct vsock *vs, int c);

#endif /* GUEST_VSOCK_H */
