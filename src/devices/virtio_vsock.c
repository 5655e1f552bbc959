/*
 * virtio-vsock (virtio 1.2 section 5.10) as a router between VMs: each VM
 * with one has a CID from the description, and numbat moves each packet
 * its driver transmits straight into a receive buffer of the device whose
 * CID the packet names, if a LINK_VSOCK link from this device reaches it.
 * One copy, no buffer of numbat's own.
 *
 * Queues: 0 rx, 1 tx, 2 event (numbat sends no events). Config: guest_cid.
 * Offered: VERSION_1, EVENT_IDX, INDIRECT_DESC (not SEQPACKET: streams only).
 *
 * Each transmitted packet (devices/vsock_route.c decides):
 *   - a header that is short, whose len runs past the chain, or whose
 *     payload is larger than 64 KiB: dropped, counted (malformed);
 *   - a src_cid that is not this device's: dropped, counted (forged);
 *   - a dst_cid no declared link reaches, or a peer that is not DRIVER_OK
 *     (stopped, reset, never started): an RST back into the sender's own
 *     receive queue, so a connect fails at once (unless it was an RST);
 *   - otherwise the header and payload go into the peer's receive queue,
 *     split over several receive buffers with one header each (len
 *     adjusted, as vhost-vsock does) if one is too small.
 * A receive queue with no room leaves the sender's chain available
 * (virtq_unpop) and asks its driver for a notification; a receive
 * notification resumes the transmit queues of this device and of every
 * device linked to it. One notification handles at most VSOCK_BUDGET
 * chains; if more may remain the transport replays the notifying store.
 *
 * Locking: a chain is first peeked under the sender's lock alone (to read
 * its destination), then taken again with both locks (virtio_lock_pair,
 * H1's global order by address) and routed again, since the driver may
 * have changed it meanwhile. Interrupts are raised with no lock held.
 */
#include <stddef.h>

#include <numbat/virtio_vsock.h>

#include "core/vm.h"

#include "devices/virtio.h"
#include "devices/vsock_route.h"

#define VSOCK_BUDGET     64   /* chains (and re-peeks) per notification */
#define VSOCK_SPLIT_MAX  16   /* receive buffers one packet may span */

#define HDR_LEN          ((uint32_t)sizeof(struct virtio_vsock_hdr))

/* Counters: written under the device's lock; they live across resets. */
struct vsock_dev_stats {
	uint64_t tx_packets, tx_bytes;   /* delivered to a peer */
	uint64_t rx_packets;             /* delivered to this device */
	uint64_t malformed, forged;      /* dropped */
	uint64_t refused;                /* RST: no declared link to the CID */
	uint64_t peer_down;              /* RST: the peer is not DRIVER_OK */
	uint64_t unfit;                  /* dropped: more than VSOCK_SPLIT_MAX buffers */
};

_Static_assert(sizeof(struct vsock_dev_stats) <= VIRTIO_PRIV_SIZE, "stats fit in priv");

static struct vsock_dev_stats *vsock_stats_of(struct virtio_dev *vd)
{
	return (struct vsock_dev_stats *)vd->priv;
}

static uint64_t vsock_features(struct virtio_dev *vd)
{
	(void)vd;
	return (1ull << VIRTIO_F_EVENT_IDX) | (1ull << VIRTIO_F_INDIRECT_DESC);
}

/* Config (5.10.4): le64 guest_cid at 0. */
static bool vsock_config_read(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t *val)
{
	uint64_t cid = vd->vdev->cfg->cid;

	if (off >= 8 || size > 8 - off)
		return false;
	*val = (uint32_t)(cid >> (8 * off));
	if (size < 4)
		*val &= (1u << (8 * size)) - 1;
	return true;
}

static void vsock_reset(struct virtio_dev *vd)
{
	(void)vd;   /* the counters live across resets */
}

enum vsock_fill { FILL_DONE, FILL_NO_ROOM, FILL_UNFIT, FILL_BROKEN };

/*
 * Copies a packet (header `h`, then h->len payload bytes of `tx` after its
 * header; an empty chain for a header-only packet) into dst's receive queue, over
 * as many chains as it takes, each with its own header. On FILL_NO_ROOM
 * and FILL_UNFIT the queue is as it was. dst's lock held.
 */
static enum vsock_fill vsock_rx_fill(struct virtio_dev *dst, const struct virtio_vsock_hdr *h,
			       const struct virtq_chain *tx)
{
	struct virtq *q = &dst->vq[VSOCK_VQ_RX];
	uint16_t start = q->last_avail, head[VSOCK_SPLIT_MAX];
	uint32_t len[VSOCK_SPLIT_MAX], done = 0;
	unsigned n = 0;

	do {
		struct virtq_chain c;
		struct virtio_vsock_hdr piece = *h;
		enum virtq_result r = n < VSOCK_SPLIT_MAX ?
			virtq_pop(virtio_vm(dst), q, &c) : VIRTQ_EMPTY;

		if (r == VIRTQ_BROKEN)
			return FILL_BROKEN;
		if (r == VIRTQ_EMPTY || c.in_len < HDR_LEN || (h->len && c.in_len == HDR_LEN)) {
			bool small = r == VIRTQ_CHAIN;

			q->last_avail = start;   /* every chain taken goes back */
			if (small)               /* a buffer too small for any packet */
				return FILL_BROKEN;
			return n == VSOCK_SPLIT_MAX ? FILL_UNFIT : FILL_NO_ROOM;
		}
		piece.len = h->len - done;
		if (piece.len > c.in_len - HDR_LEN)
			piece.len = c.in_len - HDR_LEN;
		virtq_write(&c, 0, &piece, HDR_LEN);
		if (piece.len)
			virtq_copy(&c, HDR_LEN, tx, HDR_LEN + done, piece.len);
		done += piece.len;
		head[n] = c.head;
		len[n++] = HDR_LEN + piece.len;
	} while (done < h->len);
	for (unsigned i = 0; i < n; i++)
		if (!virtq_push(virtio_vm(dst), q, head[i], len[i]))
			return FILL_BROKEN;
	virtio_used(dst, VSOCK_VQ_RX);
	return FILL_DONE;
}

/* Whether dst can take packets now. */
static bool vsock_rx_up(const struct virtio_dev *dst)
{
	return dst && virtio_running(dst) && dst->vq[VSOCK_VQ_RX].ready;
}

enum vsock_step {
	STEP_IDLE,       /* nothing more to do for this sender now */
	STEP_DONE,       /* one chain handled */
	STEP_RETRY,      /* buffers came in meanwhile: go again */
	STEP_RELOCK,     /* the chain goes to *want: take that lock too */
};

/* The RST answering `h` into the sender's own receive queue. */
static enum vsock_step vsock_rst_back(struct virtio_dev *s, const struct virtio_vsock_hdr *h)
{
	struct virtio_vsock_hdr rst;

	if (h->op == VSOCK_OP_RST || !vsock_rx_up(s))
		return STEP_DONE;        /* nothing answers an RST */
	static const struct virtq_chain no_payload;

	vsock_route_rst(h, &rst);
	switch (vsock_rx_fill(s, &rst, &no_payload)) {
	case FILL_NO_ROOM:
		return virtio_rx_wait(s, VSOCK_VQ_RX) ? STEP_RETRY : STEP_IDLE;
	case FILL_BROKEN:
		virtio_needs_reset(s);
		return STEP_IDLE;
	default:
		return STEP_DONE;
	}
}

/*
 * Routes the packet `tx` (header h) of s to `d`, whose lock is held with
 * s's. Returns STEP_IDLE/STEP_RETRY if the chain must wait (unpopped by
 * the caller), STEP_DONE once it is consumed.
 */
static enum vsock_step vsock_deliver(struct virtio_dev *s, struct virtio_dev *d,
			       const struct virtio_vsock_hdr *h, const struct virtq_chain *tx)
{
	if (!vsock_rx_up(d)) {
		vsock_stats_of(s)->peer_down++;
		return vsock_rst_back(s, h);
	}
	switch (vsock_rx_fill(d, h, tx)) {
	case FILL_NO_ROOM:
		return virtio_rx_wait(d, VSOCK_VQ_RX) ? STEP_RETRY : STEP_IDLE;
	case FILL_UNFIT:
		vsock_stats_of(s)->unfit++;
		return STEP_DONE;
	case FILL_BROKEN:
		virtio_needs_reset(d);
		vsock_stats_of(s)->peer_down++;
		return vsock_rst_back(s, h);
	case FILL_DONE:
		break;
	}
	vsock_stats_of(s)->tx_packets++;
	vsock_stats_of(s)->tx_bytes += h->len;
	vsock_stats_of(d)->rx_packets++;
	return STEP_DONE;
}

/* This device's (VM index, device index), for vsock_route_find. */
static void vsock_self(const struct virtio_dev *vd, uint32_t *vm, uint32_t *dev)
{
	*vm = vd->vdev->vm->id;
	*dev = (uint32_t)(vd->vdev - vd->vdev->vm->devs);
}

/* A device's configuration, if its VM was created and has it. */
static const struct device_config *vsock_dev_cfg(uint32_t vm, uint32_t dev)
{
	if (vm >= vm_count || dev >= vms[vm].ndevs)
		return NULL;
	return vms[vm].devs[dev].cfg;
}

/*
 * Routes the packet with header h of s: the peer device, NULL if none is
 * reachable (no declared link, or its VM was not created).
 */
static struct virtio_dev *vsock_route(struct virtio_dev *s, const struct virtio_vsock_hdr *h)
{
	struct vsock_peer p;
	uint32_t vm, dev;

	vsock_self(s, &vm, &dev);
	if (!vsock_route_find(numbat_system.links, numbat_system.link_count, vsock_dev_cfg,
			      vm, dev, h->dst_cid, &p))
		return NULL;
	return virtio_link_end(&numbat_system.links[p.link], p.end);
}

/*
 * One step on s's transmit queue with s's lock held, and `held`'s too if
 * not NULL. A chain bound for a device other than `held` is put back and
 * STEP_RELOCK returned with *want set.
 */
static enum vsock_step vsock_tx_step(struct virtio_dev *s, const struct virtio_dev *held,
			       struct virtio_dev **want)
{
	struct vm *svm = virtio_vm(s);
	struct virtq *txq = &s->vq[VSOCK_VQ_TX];
	struct virtio_vsock_hdr h;
	struct virtq_chain tx;
	struct virtio_dev *d;
	enum virtq_result r;
	enum vsock_step st;

	if (!virtio_running(s) || !txq->ready)
		return STEP_IDLE;
	r = virtq_pop(svm, txq, &tx);
	if (r == VIRTQ_BROKEN) {
		virtio_needs_reset(s);
		return STEP_IDLE;
	}
	if (r == VIRTQ_EMPTY) {
		virtq_want_notify(svm, txq, true);
		return virtq_has_avail(svm, txq) ? STEP_RETRY : STEP_IDLE;
	}
	if (virtq_read(&tx, 0, &h, HDR_LEN) < HDR_LEN)
		h = (struct virtio_vsock_hdr){ 0 };
	switch (vsock_route_check(&h, tx.out_len, s->vdev->cfg->cid)) {
	case VSOCK_MALFORMED:
		vsock_stats_of(s)->malformed++;
		st = STEP_DONE;
		break;
	case VSOCK_FORGED:
		vsock_stats_of(s)->forged++;
		st = STEP_DONE;
		break;
	default:
		d = vsock_route(s, &h);
		if (d && d != held) {
			virtq_unpop(txq);
			*want = d;
			return STEP_RELOCK;
		}
		if (!d)
			vsock_stats_of(s)->refused++;
		st = d ? vsock_deliver(s, d, &h, &tx) : vsock_rst_back(s, &h);
		break;
	}
	if (st != STEP_DONE) {
		virtq_unpop(txq);
		return st;
	}
	if (!virtq_push(svm, txq, tx.head, 0)) {
		virtio_needs_reset(s);
		return STEP_IDLE;
	}
	virtio_used(s, VSOCK_VQ_TX);
	return STEP_DONE;
}

/*
 * Moves s's transmitted packets while *budget lasts (each step costs one).
 * Takes and drops the locks itself. Returns true if the budget ran out.
 */
static bool vsock_tx(struct virtio_dev *s, unsigned *budget)
{
	struct virtio_dev *held = NULL;

	while (*budget) {
		struct virtio_dev *want = NULL;
		enum vsock_step st;

		(*budget)--;
		if (held)
			virtio_lock_pair(s, held);
		else
			spin_lock(&s->lock);
		st = vsock_tx_step(s, held, &want);
		if (held)
			virtio_unlock_pair(s, held);
		else
			spin_unlock(&s->lock);
		virtio_signal_flush(s);
		if (held)
			virtio_signal_flush(held);
		if (st == STEP_IDLE)
			return false;
		if (st == STEP_RELOCK)
			held = want;
	}
	return true;
}

/*
 * A notification: transmit moves this device's packets; receive (new
 * buffers) resumes the packets that waited for them, this device's own
 * RSTs and its linked peers' packets.
 */
static bool vsock_notify(struct virtio_dev *vd, unsigned q)
{
	unsigned budget = VSOCK_BUDGET;
	uint32_t vm, dev;
	bool more;

	if (q == VSOCK_VQ_TX)
		return vsock_tx(vd, &budget);
	if (q != VSOCK_VQ_RX)
		return false;            /* event buffers: numbat sends no events */
	more = vsock_tx(vd, &budget);
	vsock_self(vd, &vm, &dev);
	for (uint32_t i = 0; i < numbat_system.link_count && budget; i++) {
		const struct link_config *l = &numbat_system.links[i];

		for (unsigned end = 0; end < 2; end++) {
			struct virtio_dev *p;

			if (l->type != LINK_VSOCK || l->vm[end] != vm || l->dev[end] != dev)
				continue;
			p = virtio_link_end(l, !end);
			if (p && p != vd)
				more |= vsock_tx(p, &budget);
		}
	}
	return more || !budget;
}

const struct virtio_ops virtio_vsock_ops = {
	.device_id = VIRTIO_ID_VSOCK,
	.queues = VSOCK_VQ_COUNT,
	.features = vsock_features,
	.config_read = vsock_config_read,
	.notify = vsock_notify,
	.reset = vsock_reset,
};
