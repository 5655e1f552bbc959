/*
 * virtio-net (virtio 1.2 section 5.1) as one end of a network link: two
 * devices in two VMs joined by a LINK_NET link in the description. A
 * frame one driver transmits is copied once, straight from its transmit
 * chain into receive buffers the other driver posted; numbat holds no
 * buffer. The virtio-net header (5.1.6) goes across with the frame, so
 * checksum and segmentation offload pass from one Linux to the other as
 * they do over loopback: a 64 KiB TCP segment crosses as one copy.
 *
 * Queues: 0 receiveq1, 1 transmitq1; no control queue, one pair.
 *
 * Offered: VERSION_1, MAC, STATUS (link always up), CSUM, GUEST_CSUM,
 * HOST_TSO4/6, GUEST_TSO4/6, HOST_ECN, GUEST_ECN, MRG_RXBUF, EVENT_IDX,
 * INDIRECT_DESC. A frame needs on the receiving side what its header uses:
 * TCP segmentation (GUEST_TSO4/6, and GUEST_ECN for the ECN bit); a frame
 * the receiver cannot take is dropped and counted. A partial checksum
 * (NEEDS_CSUM) for a receiver without GUEST_CSUM is finished while
 * copying (5.1.6.2: what the device would do for a real wire).
 *
 * Flow: a transmit notification (or the receiver's receive notification,
 * which resumes a stalled transfer) moves frames while both devices are
 * DRIVER_OK. A receiver with no buffers leaves the sender's chains
 * available (virtq_unpop) and asks to be notified when it posts some. A
 * receiver that is not DRIVER_OK (stopped, resetting, not yet up) has the
 * sender's frames consumed and dropped. One notification moves at most
 * NET_BUDGET_CHAINS frames or NET_BUDGET_BYTES bytes; if more remain the
 * notifying store is replayed (mmio_replay). Nothing waits in numbat.
 *
 * Locking: a transfer holds both devices' locks (virtio_lock_pair).
 */
#include "devices/virtio.h"

#include "lib/string.h"

/* Feature bits (5.1.3). */
#define NET_F_CSUM        0
#define NET_F_GUEST_CSUM  1
#define NET_F_MAC         5
#define NET_F_GUEST_TSO4  7
#define NET_F_GUEST_TSO6  8
#define NET_F_GUEST_ECN   9
#define NET_F_HOST_TSO4   11
#define NET_F_HOST_TSO6   12
#define NET_F_HOST_ECN    13
#define NET_F_MRG_RXBUF   15
#define NET_F_STATUS      16

#define NET_S_LINK_UP     1   /* config status (5.1.4) */

/* The header (5.1.6); with VERSION_1 it is 12 bytes both ways. */
#define NET_HDR_LEN       12
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_GSO_NONE      0
#define NET_GSO_TCPV4     1
#define NET_GSO_TCPV6     4
#define NET_GSO_ECN       0x80
#define NET_HDR_NUM_BUFFERS 10

#define NET_RXQ           0
#define NET_TXQ           1

#define NET_BUDGET_CHAINS 64
#define NET_BUDGET_BYTES  (256u << 10)
#define NET_MRG_MAX       64   /* receive buffers one frame may span */

struct net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};

/* Counters: written under the device's lock. */
struct net_stats {
	uint64_t tx_frames, tx_bytes;    /* delivered to the peer */
	uint64_t tx_dropped;             /* peer down, peer missing, no room */
	uint64_t tx_unfit;               /* the peer did not negotiate what it needs */
	uint64_t tx_malformed;           /* shorter than the header */
	uint64_t rx_frames;
};

struct net {
	struct net_stats stats;
};

_Static_assert(sizeof(struct net) <= VIRTIO_PRIV_SIZE, "net state fits in virtio_dev");

static struct net *net_of(struct virtio_dev *vd)
{
	return (struct net *)vd->priv;
}

static uint64_t net_features(struct virtio_dev *vd __attribute__((unused)))
{
	return (1ull << NET_F_CSUM) | (1ull << NET_F_GUEST_CSUM) | (1ull << NET_F_MAC) |
	       (1ull << NET_F_GUEST_TSO4) | (1ull << NET_F_GUEST_TSO6) |
	       (1ull << NET_F_GUEST_ECN) | (1ull << NET_F_HOST_TSO4) |
	       (1ull << NET_F_HOST_TSO6) | (1ull << NET_F_HOST_ECN) |
	       (1ull << NET_F_MRG_RXBUF) | (1ull << NET_F_STATUS) |
	       (1ull << VIRTIO_F_EVENT_IDX) | (1ull << VIRTIO_F_INDIRECT_DESC);
}

/* Config (5.1.4): mac[6] at 0, status at 6. */
static bool net_config_read(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t *val)
{
	uint8_t cfg[8];

	memcpy(cfg, vd->vdev->cfg->mac, 6);
	cfg[6] = NET_S_LINK_UP;
	cfg[7] = 0;
	if (off >= sizeof(cfg) || size > sizeof(cfg) - off)
		return false;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint32_t)cfg[off + i] << (8 * i);
	return true;
}

static void net_reset(struct virtio_dev *vd)
{
	(void)vd;   /* the counters live across resets */
}

/* Little-endian 16-bit field of a header read as bytes. */
static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/*
 * Whether the receiver `dst` negotiated what a frame with header `h`
 * needs; *finish_csum is set when numbat must complete the checksum.
 */
static bool frame_fits(const struct virtio_dev *dst, const struct net_hdr *h, bool *finish_csum)
{
	uint8_t gso = h->gso_type & ~NET_GSO_ECN;

	*finish_csum = false;
	if ((h->gso_type & NET_GSO_ECN) && !virtio_has_feature(dst, NET_F_GUEST_ECN))
		return false;
	if (gso == NET_GSO_TCPV4 && !virtio_has_feature(dst, NET_F_GUEST_TSO4))
		return false;
	if (gso == NET_GSO_TCPV6 && !virtio_has_feature(dst, NET_F_GUEST_TSO6))
		return false;
	if (gso != NET_GSO_NONE && gso != NET_GSO_TCPV4 && gso != NET_GSO_TCPV6)
		return false;   /* UDP fragmentation is not offered */
	if ((h->flags & NET_HDR_F_NEEDS_CSUM) && !virtio_has_feature(dst, NET_F_GUEST_CSUM)) {
		if (gso != NET_GSO_NONE)
			return false;
		*finish_csum = true;
	}
	return true;
}

/*
 * The Internet checksum (RFC 1071) the driver left to the device: over
 * the frame from csum_start to its end (the field holds the pseudo-header
 * sum). Returns false if csum_start/offset lie outside the frame.
 */
static bool frame_csum(const struct virtq_chain *tx, const struct net_hdr *h,
		       uint32_t frame_len, uint8_t out[2])
{
	uint32_t start = h->csum_start, sum = 0;
	uint8_t buf[64];

	if (start >= frame_len || h->csum_offset > frame_len - start - 2 ||
	    frame_len - start < 2)
		return false;
	for (uint32_t pos = start; pos < frame_len;) {
		uint32_t n = virtq_read(tx, NET_HDR_LEN + pos, buf,
					frame_len - pos < sizeof(buf) ? frame_len - pos : sizeof(buf));

		for (uint32_t i = 0; i < n; i++)
			sum += ((pos + i - start) & 1) ? buf[i] : (uint32_t)buf[i] << 8;
		pos += n;
		if (n == 0)
			return false;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (sum == 0)
		sum = 0xffff;   /* RFC 768: a zero result is sent as all ones */
	out[0] = (uint8_t)(sum >> 8);
	out[1] = (uint8_t)sum;
	return true;
}

/* Where the copy takes the frame from: the chain, with a 2-byte override. */
struct net_src {
	const struct virtq_chain *tx;
	uint32_t patch_at;               /* frame offset of the checksum, or ~0 */
	uint8_t patch[2];
};

/* Copies frame bytes [soff, soff + len) into `rx` at `doff`. */
static uint32_t src_copy(struct virtq_chain *rx, uint32_t doff, const struct net_src *s,
			 uint32_t soff, uint32_t len)
{
	uint32_t done = virtq_copy(rx, doff, s->tx, NET_HDR_LEN + soff, len);

	if (s->patch_at == UINT32_MAX)
		return done;
	for (unsigned i = 0; i < 2; i++) {
		uint32_t at = s->patch_at + i;

		if (at >= soff && at - soff < done)
			virtq_write(rx, doff + (at - soff), &s->patch[i], 1);
	}
	return done;
}

enum net_deliver { NET_DELIVERED, NET_DROPPED, NET_NO_ROOM, NET_DST_BROKEN };

/* Receive chains one frame went into, to be returned in order. */
struct net_rx {
	uint16_t head[NET_MRG_MAX];
	uint32_t len[NET_MRG_MAX];
	unsigned n;
};

/*
 * Copies a frame (header `h`, `frame_len` bytes from `s`) into as many
 * receive chains of `dst` as it takes (one without MRG_RXBUF), recording
 * them in `out`. On NET_NO_ROOM the receive queue is as it was.
 */
static enum net_deliver rx_fill(struct virtio_dev *dst, const uint8_t hdr[NET_HDR_LEN],
				const struct net_src *s, uint32_t frame_len, struct net_rx *out)
{
	struct virtq *q = &dst->vq[NET_RXQ];
	bool mrg = virtio_has_feature(dst, NET_F_MRG_RXBUF);
	uint16_t start = q->last_avail;
	struct virtq_chain ch[2];      /* the first chain (it has the header), the current */
	uint32_t done = 0;

	out->n = 0;
	while (out->n == 0 || done < frame_len) {
		struct virtq_chain *c = &ch[out->n ? 1 : 0];
		enum virtq_result r = virtq_pop(virtio_vm(dst), q, c);
		uint32_t off = 0, n;

		if (r == VIRTQ_BROKEN)
			return NET_DST_BROKEN;
		if (r == VIRTQ_EMPTY || out->n == NET_MRG_MAX) {
			q->last_avail = start;   /* put every chain taken back */
			return r == VIRTQ_EMPTY ? NET_NO_ROOM : NET_DROPPED;
		}
		if (out->n == 0) {
			if (c->in_len < NET_HDR_LEN || (!mrg && c->in_len - NET_HDR_LEN < frame_len)) {
				virtq_unpop(q);
				return NET_DROPPED;   /* the driver's buffers are too small */
			}
			virtq_write(c, 0, hdr, NET_HDR_LEN);
			off = NET_HDR_LEN;
		}
		n = src_copy(c, off, s, done, frame_len - done);
		done += n;
		out->head[out->n] = c->head;
		out->len[out->n++] = off + n;
	}
	if (mrg) {
		uint8_t nb[2] = { (uint8_t)out->n, (uint8_t)(out->n >> 8) };

		virtq_write(&ch[0], NET_HDR_NUM_BUFFERS, nb, 2);
	}
	return NET_DELIVERED;
}

/*
 * Delivers transmit chain `tx` of `src` to `dst`: checks the header
 * against what dst negotiated, then copies. Both locks held.
 */
static enum net_deliver net_deliver(struct virtio_dev *src, struct virtio_dev *dst,
				    const struct virtq_chain *tx)
{
	uint8_t raw[NET_HDR_LEN];
	struct net_src s = { .tx = tx, .patch_at = UINT32_MAX };
	struct net_rx rx;
	struct net_hdr h;
	enum net_deliver r;
	uint32_t frame_len;
	bool finish;

	if (virtq_read(tx, 0, raw, NET_HDR_LEN) < NET_HDR_LEN) {
		net_of(src)->stats.tx_malformed++;
		return NET_DROPPED;
	}
	frame_len = tx->out_len - NET_HDR_LEN;
	h = (struct net_hdr){ raw[0], raw[1], le16(raw + 2), le16(raw + 4), le16(raw + 6),
			      le16(raw + 8), 0 };
	if (!frame_fits(dst, &h, &finish)) {
		net_of(src)->stats.tx_unfit++;
		return NET_DROPPED;
	}
	if (finish) {
		if (!frame_csum(tx, &h, frame_len, s.patch)) {
			net_of(src)->stats.tx_malformed++;
			return NET_DROPPED;
		}
		s.patch_at = (uint32_t)h.csum_start + h.csum_offset;
		memset(raw, 0, 10);      /* flags and offsets: a complete frame */
	}
	raw[NET_HDR_NUM_BUFFERS] = 1;
	raw[NET_HDR_NUM_BUFFERS + 1] = 0;
	r = rx_fill(dst, raw, &s, frame_len, &rx);
	if (r != NET_DELIVERED)
		return r;
	for (unsigned i = 0; i < rx.n; i++)
		if (!virtq_push(virtio_vm(dst), &dst->vq[NET_RXQ], rx.head[i], rx.len[i]))
			return NET_DST_BROKEN;
	net_of(src)->stats.tx_frames++;
	net_of(src)->stats.tx_bytes += frame_len;
	net_of(dst)->stats.rx_frames++;
	return NET_DELIVERED;
}

/*
 * Moves frames from src's transmit queue to dst's receive queue (dst may
 * be NULL: no peer). Both locks held. Returns true if work remains after
 * the budget ran out.
 */
static bool net_transfer(struct virtio_dev *src, struct virtio_dev *dst)
{
	struct vm *svm = virtio_vm(src);
	struct virtq *txq = &src->vq[NET_TXQ];
	bool peer_up = dst && virtio_running(dst) && dst->vq[NET_RXQ].ready;
	uint32_t chains = 0, bytes = 0;
	bool more = false;

	if (!virtio_running(src) || !txq->ready)
		return false;
	for (;;) {
		struct virtq_chain tx;
		enum virtq_result r;
		enum net_deliver d = NET_DROPPED;

		if (chains == NET_BUDGET_CHAINS || bytes >= NET_BUDGET_BYTES) {
			more = virtq_has_avail(svm, txq);
			break;
		}
		r = virtq_pop(svm, txq, &tx);
		if (r == VIRTQ_BROKEN) {
			virtio_needs_reset(src);
			break;
		}
		if (r == VIRTQ_EMPTY) {
			virtq_want_notify(svm, txq, true);
			if (virtq_has_avail(svm, txq))
				continue;
			break;
		}
		if (peer_up)
			d = net_deliver(src, dst, &tx);
		if (d == NET_NO_ROOM) {
			virtq_unpop(txq);
			if (virtio_rx_wait(dst, NET_RXQ))
				continue;
			break;
		}
		if (d == NET_DST_BROKEN) {
			virtio_needs_reset(dst);
			peer_up = false;
		}
		if (d != NET_DELIVERED)
			net_of(src)->stats.tx_dropped++;
		if (!virtq_push(svm, txq, tx.head, 0)) {
			virtio_needs_reset(src);
			break;
		}
		chains++;
		bytes += tx.out_len;
	}
	virtio_used(src, NET_TXQ);
	if (dst && virtio_running(dst))
		virtio_used(dst, NET_RXQ);
	return more;
}

/*
 * A notification: transmit moves this device's frames to the peer,
 * receive (new buffers) resumes the peer's frames that waited for them.
 */
static bool net_notify(struct virtio_dev *vd, unsigned q)
{
	struct virtio_dev *peer = virtio_link_peer(vd, LINK_NET);
	struct virtio_dev *src = q == NET_TXQ ? vd : peer, *dst = q == NET_TXQ ? peer : vd;
	bool more;

	if (!src)
		return false;   /* receive buffers, but no one to send */
	if (!peer)
		spin_lock(&vd->lock);
	else
		virtio_lock_pair(vd, peer);
	more = net_transfer(src, dst);
	if (!peer) {
		spin_unlock(&vd->lock);
	} else {
		virtio_unlock_pair(vd, peer);
		virtio_signal_flush(peer);
	}
	return more;
}

const struct virtio_ops virtio_net_ops = {
	.device_id = VIRTIO_ID_NET,
	.queues = 2,
	.features = net_features,
	.config_read = net_config_read,
	.notify = net_notify,
	.reset = net_reset,
};
