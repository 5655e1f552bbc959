/*
 * virtio-vsock stream sockets for native partitions (vsock.h). The
 * protocol is virtio 1.2, section 5.10.6: a connection is the pair of
 * (cid, port) ends; REQUEST/RESPONSE open it, RW carries data within the
 * receiver's credit (buf_alloc - (tx_cnt - fwd_cnt)), CREDIT_UPDATE and
 * CREDIT_REQUEST move credit, SHUTDOWN and RST end it.
 */
#include "numbat.h"
#include "vsock.h"

#define VSOCK_EPHEMERAL_BASE 49152u

/* ---------------------------------------------------------------------
 * Sending one packet.
 */

/* A free tx buffer, after reaping what the device finished. -1: none. */
static int vsock_tx_slot(struct vsock *vs)
{
	struct vsock_pkt *p;

	while ((p = virtio_reap(&vs->q[VSOCK_VQ_TX], NULL)))
		if (p >= vs->tx && p < vs->tx + VSOCK_TX_BUFS)   /* not a raw post */
			vs->tx_busy[p - vs->tx] = false;
	for (int i = 0; i < VSOCK_TX_BUFS; i++)
		if (!vs->tx_busy[i])
			return i;
	return -1;
}

/*
 * Sends a packet of operation `op` from (our cid, lport) to (cid, pport)
 * with `len` bytes of `data`, advertising `c`'s credit if there is a
 * connection. Returns false if no tx buffer was free (the packet is lost).
 */
static bool vsock_xmit(struct vsock *vs, struct vsock_conn *c, uint64_t cid,
		       uint32_t pport, uint32_t lport, uint16_t op,
		       uint32_t flags, const void *data, uint32_t len)
{
	int s = vsock_tx_slot(vs);
	struct vsock_pkt *p;
	struct virtio_buf b;

	if (s < 0) {
		vs->stats.tx_dropped++;
		return false;
	}
	p = &vs->tx[s];
	p->hdr = (struct virtio_vsock_hdr){
		.src_cid = vs->cid, .dst_cid = cid,
		.src_port = lport, .dst_port = pport,
		.len = len, .type = VSOCK_TYPE_STREAM, .op = op, .flags = flags,
		.buf_alloc = c ? VSOCK_CONN_BUF : 0,
		.fwd_cnt = c ? c->fwd_cnt : 0,
	};
	if (len)
		memcpy(p->data, data, len);
	b = (struct virtio_buf){ p, (uint32_t)sizeof(p->hdr) + len };
	if (virtio_post(&vs->q[VSOCK_VQ_TX], &b, 1, 0, p) != 0) {
		vs->stats.tx_dropped++;
		return false;
	}
	vs->tx_busy[s] = true;
	if (c)
		c->fwd_advertised = c->fwd_cnt;
	if (op == VSOCK_OP_RST)
		vs->stats.resets_sent++;
	vs->stats.tx_packets++;
	vs->stats.tx_bytes += len;
	virtio_kick(&vs->q[VSOCK_VQ_TX]);
	return true;
}

static bool vsock_ctl(struct vsock *vs, struct vsock_conn *c, uint16_t op, uint32_t flags)
{
	return vsock_xmit(vs, c, c->peer_cid, c->peer_port, c->local_port, op,
			  flags, NULL, 0);
}

/* RST in answer to a packet that has no connection (never to an RST). */
static void vsock_refuse(struct vsock *vs, const struct virtio_vsock_hdr *h)
{
	if (h->op == VSOCK_OP_RST)
		return;
	if (vs->on_refused)
		vs->on_refused(vs, h);
	vsock_xmit(vs, NULL, h->src_cid, h->src_port, h->dst_port,
		   VSOCK_OP_RST, 0, NULL, 0);
}

/* ---------------------------------------------------------------------
 * Receiving.
 */

static struct vsock_conn *vsock_find(struct vsock *vs, const struct virtio_vsock_hdr *h)
{
	for (int i = 0; i < VSOCK_MAX_CONN; i++) {
		struct vsock_conn *c = &vs->conn[i];

		if (c->state != VSOCK_FREE && c->peer_cid == h->src_cid &&
		    c->peer_port == h->src_port && c->local_port == h->dst_port)
			return c;
	}
	return NULL;
}

static bool vsock_listening(const struct vsock *vs, uint32_t port)
{
	for (int i = 0; i < VSOCK_MAX_LISTEN; i++)
		if (vs->listen[i] && vs->listen[i] == port)
			return true;
	return false;
}

static struct vsock_conn *vsock_new_conn(struct vsock *vs, uint64_t cid,
					 uint32_t pport, uint32_t lport)
{
	for (int i = 0; i < VSOCK_MAX_CONN; i++) {
		struct vsock_conn *c = &vs->conn[i];

		if (c->state == VSOCK_FREE) {
			memset(c, 0, offsetof(struct vsock_conn, rx_buf));
			c->peer_cid = cid;
			c->peer_port = pport;
			c->local_port = lport;
			return c;
		}
	}
	return NULL;
}

/* A REQUEST with no connection: accept it on a listening port, else RST. */
static void vsock_rx_request(struct vsock *vs, const struct virtio_vsock_hdr *h)
{
	struct vsock_conn *c = NULL;

	if (vsock_listening(vs, h->dst_port))
		c = vsock_new_conn(vs, h->src_cid, h->src_port, h->dst_port);
	if (!c) {
		vsock_refuse(vs, h);
		return;
	}
	c->state = VSOCK_ESTABLISHED;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (!vsock_ctl(vs, c, VSOCK_OP_RESPONSE, 0))
		c->state = VSOCK_FREE;
}

/* Appends RW payload to c's buffer; false if it exceeds our credit. */
static bool vsock_rx_data(struct vsock_conn *c, const uint8_t *data, uint32_t len)
{
	if (len > VSOCK_CONN_BUF - c->rx_len)
		return false;
	for (uint32_t i = 0; i < len; i++)
		c->rx_buf[(c->rx_head + c->rx_len + i) % VSOCK_CONN_BUF] = data[i];
	c->rx_len += len;
	return true;
}

/* A packet for an existing connection `c`. */
static void vsock_rx_conn(struct vsock *vs, struct vsock_conn *c,
			  const struct vsock_pkt *p)
{
	const struct virtio_vsock_hdr *h = &p->hdr;

	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (c->state == VSOCK_CLOSED)
		return;
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		if (c->state == VSOCK_CONNECTING)
			c->state = VSOCK_ESTABLISHED;
		else
			vsock_reset(vs, (int)(c - vs->conn));
		break;
	case VSOCK_OP_RW:
		if (c->state != VSOCK_ESTABLISHED || !vsock_rx_data(c, p->data, h->len)) {
			vs->stats.rx_dropped++;
			vsock_ctl(vs, c, VSOCK_OP_RST, 0);
			c->state = VSOCK_CLOSED;
		}
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		vsock_ctl(vs, c, VSOCK_OP_CREDIT_UPDATE, 0);
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;
	case VSOCK_OP_SHUTDOWN:
		c->peer_shut |= (uint8_t)(h->flags & (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND));
		break;
	case VSOCK_OP_RST:
		vs->stats.resets_received++;
		c->state = VSOCK_CLOSED;
		break;
	default:               /* a REQUEST on an open connection, or junk */
		vsock_ctl(vs, c, VSOCK_OP_RST, 0);
		c->state = VSOCK_CLOSED;
		break;
	}
}

/* One received buffer of `written` bytes. */
static void vsock_rx_packet(struct vsock *vs, const struct vsock_pkt *p, uint32_t written)
{
	const struct virtio_vsock_hdr *h = &p->hdr;
	struct vsock_conn *c;

	if (written < sizeof(*h) || h->len > written - sizeof(*h) ||
	    h->dst_cid != vs->cid || h->op == VSOCK_OP_INVALID || h->op > VSOCK_OP_MAX) {
		vs->stats.rx_dropped++;
		return;
	}
	vs->stats.rx_packets++;
	vs->stats.rx_bytes += h->len;
	if (h->type != VSOCK_TYPE_STREAM) {
		vsock_refuse(vs, h);
		return;
	}
	c = vsock_find(vs, h);
	if (c)
		vsock_rx_conn(vs, c, p);
	else if (h->op == VSOCK_OP_REQUEST)
		vsock_rx_request(vs, h);
	else
		vsock_refuse(vs, h);
}

static void vsock_post_rx(struct vsock *vs, struct vsock_pkt *p)
{
	struct virtio_buf b = { p, sizeof(*p) };

	virtio_post(&vs->q[VSOCK_VQ_RX], &b, 0, 1, p);
}

/* A transport reset event: every connection is gone (section 5.10.6.7). */
static void vsock_transport_reset(struct vsock *vs)
{
	for (int i = 0; i < VSOCK_MAX_CONN; i++)
		if (vs->conn[i].state != VSOCK_FREE)
			vs->conn[i].state = VSOCK_CLOSED;
	vs->cid = virtio_config_read64(&vs->dev, VSOCK_CONFIG_GUEST_CID);
}

int vsock_poll(struct vsock *vs, uint64_t timeout_ms)
{
	struct virtio_queue *rxq = &vs->q[VSOCK_VQ_RX], *evq = &vs->q[VSOCK_VQ_EVENT];
	struct vsock_pkt *p;
	uint32_t *ev, written;
	int n = 0;

	if (timeout_ms && !virtio_interrupt_ack(&vs->dev)) {
		virtio_wait(timeout_ms);
		virtio_interrupt_ack(&vs->dev);
	}
	while ((p = virtio_reap(rxq, &written))) {
		vsock_rx_packet(vs, p, written);
		vsock_post_rx(vs, p);
		n++;
	}
	virtio_kick(rxq);
	while ((ev = virtio_reap(evq, &written))) {
		if (written >= 4 && *ev == VSOCK_EVENT_TRANSPORT_RESET)
			vsock_transport_reset(vs);
		virtio_post(evq, &(struct virtio_buf){ ev, 4 }, 0, 1, ev);
		n++;
	}
	virtio_kick(evq);
	vsock_tx_slot(vs);
	return n;
}

/* ---------------------------------------------------------------------
 * Set-up and the program's side.
 */

int vsock_init(struct vsock *vs, uintptr_t base, unsigned intid)
{
	memset(vs, 0, offsetof(struct vsock, rx));
	if (virtio_probe(&vs->dev, base, intid, VIRTIO_ID_VSOCK) ||
	    virtio_negotiate(&vs->dev, VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX)))
		return VSOCK_ENODEV;
	for (unsigned i = 0; i < VSOCK_VQ_COUNT; i++)
		if (virtio_queue_setup(&vs->dev, &vs->q[i], i, VSOCK_QUEUE_NUM, vs->ring[i]))
			return VSOCK_ENODEV;
	vs->cid = virtio_config_read64(&vs->dev, VSOCK_CONFIG_GUEST_CID);
	vs->next_port = VSOCK_EPHEMERAL_BASE;
	for (int i = 0; i < VSOCK_RX_BUFS; i++)
		vsock_post_rx(vs, &vs->rx[i]);
	for (int i = 0; i < 4; i++)
		virtio_post(&vs->q[VSOCK_VQ_EVENT], &(struct virtio_buf){ &vs->events[i], 4 },
			    0, 1, &vs->events[i]);
	virtio_driver_ok(&vs->dev);
	virtio_kick(&vs->q[VSOCK_VQ_RX]);
	virtio_kick(&vs->q[VSOCK_VQ_EVENT]);
	return 0;
}

int vsock_listen(struct vsock *vs, uint32_t port)
{
	for (int i = 0; i < VSOCK_MAX_LISTEN; i++) {
		if (!vs->listen[i]) {
			vs->listen[i] = port;
			return 0;
		}
	}
	return VSOCK_EBUSY;
}

int vsock_accept(struct vsock *vs)
{
	for (int i = 0; i < VSOCK_MAX_CONN; i++) {
		struct vsock_conn *c = &vs->conn[i];

		if (c->state == VSOCK_ESTABLISHED && !c->accepted) {
			c->accepted = true;
			return i;
		}
	}
	return -1;
}

int vsock_connect(struct vsock *vs, uint64_t cid, uint32_t port, uint64_t timeout_ms)
{
	struct vsock_conn *c = vsock_new_conn(vs, cid, port, vs->next_port);
	uint64_t end = counter_read() + counter_ms(timeout_ms);

	if (!c)
		return VSOCK_EBUSY;
	vs->next_port = vs->next_port == 0xffffffffu ? VSOCK_EPHEMERAL_BASE : vs->next_port + 1;
	c->state = VSOCK_CONNECTING;
	c->accepted = true;
	if (!vsock_ctl(vs, c, VSOCK_OP_REQUEST, 0)) {
		c->state = VSOCK_FREE;
		return VSOCK_EBUSY;
	}
	while (c->state == VSOCK_CONNECTING && counter_read() < end)
		vsock_poll(vs, 10);
	if (c->state == VSOCK_ESTABLISHED)
		return (int)(c - vs->conn);
	if (c->state == VSOCK_CONNECTING) {
		vsock_ctl(vs, c, VSOCK_OP_RST, 0);
		c->state = VSOCK_FREE;
		return VSOCK_ETIMEDOUT;
	}
	c->state = VSOCK_FREE;
	return VSOCK_ERESET;
}

static struct vsock_conn *vsock_conn(struct vsock *vs, int c)
{
	if (c < 0 || c >= VSOCK_MAX_CONN || vs->conn[c].state == VSOCK_FREE)
		return NULL;
	return &vs->conn[c];
}

int vsock_send(struct vsock *vs, int ci, const void *buf, uint32_t len)
{
	struct vsock_conn *c = vsock_conn(vs, ci);
	const uint8_t *b = buf;
	uint32_t sent = 0;

	if (!c || c->state == VSOCK_CONNECTING)
		return VSOCK_EINVAL;
	if (c->state == VSOCK_CLOSED || (c->peer_shut & VSOCK_SHUTDOWN_RCV))
		return VSOCK_ERESET;
	while (sent < len) {
		uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;
		uint32_t n = len - sent;

		/* The peer's credit (5.10.6.3); none if it shrank its buffer. */
		if (in_flight >= c->peer_buf_alloc || vsock_tx_slot(vs) < 0)
			break;
		if (n > c->peer_buf_alloc - in_flight)
			n = c->peer_buf_alloc - in_flight;
		if (n > VSOCK_PKT_PAYLOAD)
			n = VSOCK_PKT_PAYLOAD;
		if (!vsock_xmit(vs, c, c->peer_cid, c->peer_port, c->local_port,
				VSOCK_OP_RW, 0, b + sent, n))
			break;
		c->tx_cnt += n;
		sent += n;
	}
	return (int)sent;
}

int vsock_recv(struct vsock *vs, int ci, void *buf, uint32_t len)
{
	struct vsock_conn *c = vsock_conn(vs, ci);
	uint8_t *b = buf;
	uint32_t n;

	if (!c || c->state == VSOCK_CONNECTING)
		return VSOCK_EINVAL;
	if (c->rx_len == 0)
		return c->state == VSOCK_CLOSED ? VSOCK_ERESET :
		       (c->peer_shut & VSOCK_SHUTDOWN_SEND) ? VSOCK_EOF : 0;
	n = len < c->rx_len ? len : c->rx_len;
	for (uint32_t i = 0; i < n; i++)
		b[i] = c->rx_buf[(c->rx_head + i) % VSOCK_CONN_BUF];
	c->rx_head = (c->rx_head + n) % VSOCK_CONN_BUF;
	c->rx_len -= n;
	c->fwd_cnt += n;
	/* Tell the peer about the room once it is worth a packet. */
	if (c->state == VSOCK_ESTABLISHED &&
	    c->fwd_cnt - c->fwd_advertised >= VSOCK_CONN_BUF / 4)
		vsock_ctl(vs, c, VSOCK_OP_CREDIT_UPDATE, 0);
	return (int)n;
}

void vsock_close(struct vsock *vs, int ci)
{
	struct vsock_conn *c = vsock_conn(vs, ci);

	if (!c)
		return;
	if (c->state == VSOCK_ESTABLISHED) {
		/* The peer that already shut down both ways waits for our RST. */
		if (c->peer_shut == (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND))
			vsock_ctl(vs, c, VSOCK_OP_RST, 0);
		else
			vsock_ctl(vs, c, VSOCK_OP_SHUTDOWN,
				  VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
	}
	c->state = VSOCK_FREE;
}

void vsock_reset(struct vsock *vs, int ci)
{
	struct vsock_conn *c = vsock_conn(vs, ci);

	if (!c)
		return;
	if (c->state != VSOCK_CLOSED)
		vsock_ctl(vs, c, VSOCK_OP_RST, 0);
	c->state = VSOCK_FREE;
}

int vsock_state(const struct vsock *vs, int c)
{
	if (c < 0 || c >= VSOCK_MAX_CONN)
		return VSOCK_FREE;
	return vs->conn[c].state;
}
