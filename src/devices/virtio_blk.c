/*
 * A block link: virtio-blk (virtio 1.2, 5.2) in a Linux VM ("virtio,block")
 * served by a disk server VM through its endpoint ("numbat,block-server",
 * protocol in include/numbat/blksrv.h). numbat is the device of both:
 *
 * - A Linux request (a chain: 16-byte header, data, status byte) is
 *   validated and handed to the server in one of the request buffers the
 *   server posted: a struct blksrv_req, then for a write the data, copied
 *   once. The Linux chain stays popped; numbat keeps only its index, in
 *   `pending`, tagged with the device's generation (bumped at each reset)
 *   so an answer to a request of the VM's previous life matches nothing.
 * - The server's completion (a struct blksrv_done, then for a read the
 *   data) is matched to the pending index, the Linux chain is mapped
 *   again (virtq_chain_at), the data copied once into it, the status
 *   written, and both chains returned.
 *
 * What numbat answers itself: GET_ID, and unsupported types (UNSUPP); a
 * request whose data is not a whole number of sectors, or more than
 * BLKSRV_MAX_DATA, is IOERR. A chain without a header or a status byte
 * breaks the rules: DEVICE_NEEDS_RESET. A server that posts no buffers
 * leaves Linux's requests available (backpressure); a server that is not
 * running has them answered IOERR.
 *
 * Offered to Linux: FLUSH (a flush goes to the server, whose mode decides
 * when it completes), SEG_MAX and SIZE_MAX (so no request exceeds one
 * server buffer), BLK_SIZE 512. One notification moves at most
 * BLK_BUDGET requests; more is replayed (mmio_replay).
 *
 * Locking: a transfer holds both devices' locks (virtio_lock_pair).
 */
#include "devices/virtio.h"

#include <numbat/blksrv.h>

#include "core/vm.h"
#include "lib/string.h"

#define BLK_F_SIZE_MAX  1
#define BLK_F_SEG_MAX   2
#define BLK_F_BLK_SIZE  6
#define BLK_F_FLUSH     9

#define BLK_T_GET_ID    8
#define BLK_ID_BYTES    20
#define BLK_HDR         16
#define BLK_SECTOR      512u
#define BLK_SIZE_MAX    4096u                        /* bytes per segment */
#define BLK_SEG_MAX     (BLKSRV_MAX_DATA / BLK_SIZE_MAX)
#define BLK_BUDGET      32

/* Linux's end. */
struct blk {
	uint64_t capacity;                   /* sectors, from the server */
	uint16_t gen;                        /* bumped at each reset */
	uint32_t pending[VIRTQ_NUM_MAX / 32]; /* heads handed to the server */
	uint64_t requests, errors;
};

_Static_assert(sizeof(struct blk) <= VIRTIO_PRIV_SIZE, "blk state fits");

static struct blk *blk_of(struct virtio_dev *vd)
{
	return (struct blk *)vd->priv;
}

static uint64_t blk_features(struct virtio_dev *vd)
{
	(void)vd;
	return (1ull << BLK_F_SIZE_MAX) | (1ull << BLK_F_SEG_MAX) |
	       (1ull << BLK_F_BLK_SIZE) | (1ull << BLK_F_FLUSH);
}

/* virtio_blk_config (5.2.4): capacity, size_max, seg_max, ..., blk_size at 20. */
static bool blk_config_read(struct virtio_dev *vd, uint32_t off, unsigned size, uint32_t *val)
{
	uint8_t cfg[24] = { 0 };
	uint32_t size_max = BLK_SIZE_MAX, seg_max = BLK_SEG_MAX, blk_size = BLK_SECTOR;

	memcpy(cfg, &blk_of(vd)->capacity, 8);
	memcpy(cfg + 8, &size_max, 4);
	memcpy(cfg + 12, &seg_max, 4);
	memcpy(cfg + 20, &blk_size, 4);
	if (off + size > sizeof(cfg))
		return false;
	*val = 0;
	memcpy(val, cfg + off, size);
	return true;
}

static void blk_reset(struct virtio_dev *vd)
{
	struct blk *b = blk_of(vd);

	b->gen++;
	memset(b->pending, 0, sizeof(b->pending));
}

static bool is_pending(const struct blk *b, uint16_t head)
{
	return (b->pending[head / 32] >> (head % 32)) & 1;
}

static void set_pending(struct blk *b, uint16_t head, bool on)
{
	if (on)
		b->pending[head / 32] |= 1u << (head % 32);
	else
		b->pending[head / 32] &= ~(1u << (head % 32));
}

/* Completes Linux chain `c` with `status` after `data` bytes written. Locks held. */
static void blk_complete(struct virtio_dev *lx, struct virtq_chain *c, uint32_t data,
			 uint8_t status)
{
	virtq_write(c, c->in_len - 1, &status, 1);
	if (status != BLKSRV_S_OK)
		blk_of(lx)->errors++;
	if (!virtq_push(virtio_vm(lx), &lx->vq[0], c->head, data + 1))
		virtio_needs_reset(lx);
	else
		virtio_used(lx, 0);
}

/* The data length of a validated request; false if it is not whole sectors. */
static bool blk_data_len(const struct virtq_chain *c, uint32_t type, uint32_t *len)
{
	*len = type == BLKSRV_T_OUT ? c->out_len - BLK_HDR :
	       type == BLKSRV_T_IN ? c->in_len - 1 : 0;
	return *len % BLK_SECTOR == 0 && *len <= BLKSRV_MAX_DATA;
}

/* The server's end. */
struct blksrv {
	uint16_t gen;                        /* bumped at each reset */
	uint64_t handed, answered, stale;
};

_Static_assert(sizeof(struct blksrv) <= VIRTIO_PRIV_SIZE, "server state fits");

static struct blksrv *srv_of(struct virtio_dev *vd)
{
	return (struct blksrv *)vd->priv;
}

static bool blk_served(uint32_t type)
{
	return type == BLKSRV_T_IN || type == BLKSRV_T_OUT || type == BLKSRV_T_FLUSH;
}

/*
 * Answers Linux request `c` at once: GET_ID, a type numbat does not
 * serve (UNSUPP), or a served one it cannot hand over (IOERR).
 */
static void blk_answer_here(struct virtio_dev *lx, struct virtq_chain *c, uint32_t type)
{
	static const char id[BLK_ID_BYTES] = "numbat-rapilog";

	if (type == BLK_T_GET_ID && c->in_len - 1 >= BLK_ID_BYTES) {
		virtq_write(c, 0, id, BLK_ID_BYTES);
		blk_complete(lx, c, BLK_ID_BYTES, BLKSRV_S_OK);
	} else {
		blk_complete(lx, c, 0, blk_served(type) ? BLKSRV_S_IOERR : BLKSRV_S_UNSUPP);
	}
}

/*
 * Hands Linux request `c` (type `type`, data `len` bytes) to the server:
 * false if the server has no buffer (nothing changed). Both locks held.
 */
static bool blk_hand_over(struct virtio_dev *lx, struct virtio_dev *srv, struct virtq_chain *c,
			  const struct blksrv_req *req)
{
	struct virtq_chain s;
	enum virtq_result r = virtq_pop(virtio_vm(srv), &srv->vq[BLKSRV_REQQ], &s);
	uint32_t data = req->type == BLKSRV_T_OUT ? req->len : 0;

	if (r == VIRTQ_EMPTY) {
		virtq_want_notify(virtio_vm(srv), &srv->vq[BLKSRV_REQQ], true);
		return false;
	}
	if (r == VIRTQ_BROKEN || s.nout || s.in_len < sizeof(*req) + data) {
		virtio_needs_reset(srv);             /* the server broke the protocol */
		return false;
	}
	virtq_write(&s, 0, req, sizeof(*req));
	if (data)
		virtq_copy(&s, sizeof(*req), c, BLK_HDR, data);
	if (!virtq_push(virtio_vm(srv), &srv->vq[BLKSRV_REQQ], s.head,
			(uint32_t)sizeof(*req) + data)) {
		virtio_needs_reset(srv);
		return false;
	}
	virtio_used(srv, BLKSRV_REQQ);
	set_pending(blk_of(lx), c->head, true);
	srv_of(srv)->handed++;
	return true;
}

/*
 * Moves Linux's requests to the server while both have chains; true if
 * the budget ran out with more to do. Both locks held; srv may be NULL.
 */
static bool blk_move_requests(struct virtio_dev *lx, struct virtio_dev *srv)
{
	struct virtq_chain c;
	struct blk *b = blk_of(lx);
	bool srv_up = srv && virtio_running(srv) && srv->vq[BLKSRV_REQQ].ready;

	if (!virtio_running(lx) || !lx->vq[0].ready)
		return false;
	for (unsigned n = 0; n < BLK_BUDGET; n++) {
		uint32_t hdr[4];        /* type, reserved, sector (5.2.6), little-endian */
		struct blksrv_req req;
		enum virtq_result r = virtq_pop(virtio_vm(lx), &lx->vq[0], &c);

		if (r == VIRTQ_EMPTY)
			return false;
		if (r == VIRTQ_BROKEN || c.out_len < BLK_HDR || c.in_len < 1) {
			virtio_needs_reset(lx);
			return false;
		}
		virtq_read(&c, 0, hdr, BLK_HDR);
		b->requests++;
		req = (struct blksrv_req){ .tag = (uint32_t)b->gen << 16 | c.head, .type = hdr[0],
					   .sector = hdr[2] | (uint64_t)hdr[3] << 32 };
		if (!blk_served(req.type) || !blk_data_len(&c, req.type, &req.len) || !srv_up) {
			blk_answer_here(lx, &c, req.type);
			continue;
		}
		if (!blk_hand_over(lx, srv, &c, &req)) {
			virtq_unpop(&lx->vq[0]);     /* waits for the server's buffers */
			return false;
		}
	}
	return true;
}

/* The server set the disk's size: Linux is told by a configuration change. */
static void blk_set_capacity(struct virtio_dev *lx, const struct virtq_chain *s)
{
	uint64_t sectors;

	if (virtq_read(s, sizeof(struct blksrv_done), &sectors, 8) != 8 || !lx)
		return;
	blk_of(lx)->capacity = sectors;
	lx->config_generation++;
	if (virtio_running(lx)) {
		lx->interrupt_status |= VIRTIO_INT_CONFIG;
		__atomic_store_n(&lx->irq_pending, true, __ATOMIC_RELAXED);
	}
}

/* Answers the pending Linux request `done` names, if it still is one. Locks held. */
static bool blk_finish(struct virtio_dev *lx, const struct blksrv_done *done,
		       const struct virtq_chain *s)
{
	struct blk *b = blk_of(lx);
	uint16_t head = (uint16_t)done->tag;
	uint32_t type;
	struct virtq_chain c;
	uint32_t data = 0;

	if (!virtio_running(lx) || (done->tag >> 16) != b->gen || head >= lx->vq[0].num ||
	    !is_pending(b, head))
		return false;
	set_pending(b, head, false);
	if (virtq_chain_at(virtio_vm(lx), &lx->vq[0], head, &c) != VIRTQ_CHAIN ||
	    c.in_len < 1 || c.out_len < BLK_HDR) {
		virtio_needs_reset(lx);      /* Linux rewrote a chain it had given */
		return true;
	}
	virtq_read(&c, 0, &type, sizeof(type));
	if (type == BLKSRV_T_IN && done->status == BLKSRV_S_OK)
		data = virtq_copy(&c, 0, s, sizeof(*done),
				  done->len < c.in_len - 1 ? done->len : c.in_len - 1);
	blk_complete(lx, &c, data, done->status <= BLKSRV_S_UNSUPP ? (uint8_t)done->status :
		     BLKSRV_S_IOERR);
	return true;
}

/*
 * Takes the server's completions; true if the budget ran out with more
 * to do. Both locks held; lx may be NULL (no Linux end).
 */
static bool blk_move_completions(struct virtio_dev *lx, struct virtio_dev *srv)
{
	struct virtq_chain s;

	for (unsigned n = 0; n < BLK_BUDGET; n++) {
		struct blksrv_done done;
		enum virtq_result r = virtq_pop(virtio_vm(srv), &srv->vq[BLKSRV_DONEQ], &s);

		if (r == VIRTQ_EMPTY)
			return false;
		if (r == VIRTQ_BROKEN ||
		    virtq_read(&s, 0, &done, sizeof(done)) != sizeof(done)) {
			virtio_needs_reset(srv);
			return false;
		}
		if (done.tag == BLKSRV_TAG_CAPACITY)
			blk_set_capacity(lx, &s);
		else if (lx && blk_finish(lx, &done, &s))
			srv_of(srv)->answered++;
		else
			srv_of(srv)->stale++;        /* for a Linux that has reset since */
		if (!virtq_push(virtio_vm(srv), &srv->vq[BLKSRV_DONEQ], s.head, 0)) {
			virtio_needs_reset(srv);
			return false;
		}
		virtio_used(srv, BLKSRV_DONEQ);
	}
	return true;
}

/* Takes both ends' locks (`peer` may be NULL), in the global order. */
static void blk_lock(struct virtio_dev *a, struct virtio_dev *b)
{
	if (b)
		virtio_lock_pair(a, b);
	else
		spin_lock(&a->lock);
}

static void blk_unlock(struct virtio_dev *a, struct virtio_dev *b)
{
	if (b)
		virtio_unlock_pair(a, b);
	else
		spin_unlock(&a->lock);
	virtio_signal_flush(a);
	if (b)
		virtio_signal_flush(b);
}

/* Linux notified its request queue. */
static bool blk_notify(struct virtio_dev *lx, unsigned q)
{
	struct virtio_dev *srv = virtio_link_peer(lx, LINK_BLOCK);
	bool more;

	(void)q;
	blk_lock(lx, srv);
	more = blk_move_requests(lx, srv);
	blk_unlock(lx, srv);
	return more;
}

/* The server posted request buffers (queue 0) or completions (queue 1). */
static bool blksrv_notify(struct virtio_dev *srv, unsigned q)
{
	struct virtio_dev *lx = virtio_link_peer(srv, LINK_BLOCK);
	bool more;

	blk_lock(srv, lx);
	if (q == BLKSRV_DONEQ)
		more = blk_move_completions(lx, srv);
	else
		more = lx && blk_move_requests(lx, srv);
	blk_unlock(srv, lx);
	return more;
}

static uint64_t blksrv_features(struct virtio_dev *vd)
{
	(void)vd;
	return 0;
}

static bool blksrv_config_read(struct virtio_dev *vd, uint32_t off, unsigned size,
			       uint32_t *val)
{
	const struct device_config *cfg = vd->vdev->cfg;
	const struct powerfail_config *pf = &numbat_system.powerfail;
	struct blksrv_config c = {
		.mode = cfg->blk_mode, .buffer_bytes = cfg->blk_buffer,
		.buffer_requests = cfg->blk_requests,
		.drain_ms = pf->present && pf->vm == vd->vdev->vm->id ? pf->drain_ms : 0,
	};

	if (off + size > sizeof(c))
		return false;
	*val = 0;
	memcpy(val, (const uint8_t *)&c + off, size);
	return true;
}

static void blksrv_reset(struct virtio_dev *vd)
{
	srv_of(vd)->gen++;
}

const struct virtio_ops virtio_blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.queues = 1,
	.features = blk_features,
	.config_read = blk_config_read,
	.notify = blk_notify,
	.reset = blk_reset,
};

const struct virtio_ops virtio_blksrv_ops = {
	.device_id = BLKSRV_DEVICE_ID,
	.queues = 2,
	.features = blksrv_features,
	.config_read = blksrv_config_read,
	.notify = blksrv_notify,
	.reset = blksrv_reset,
};
