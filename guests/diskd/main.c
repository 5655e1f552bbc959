/*
 * diskd's main loop: requests from the endpoint, the disk's completions,
 * the log's background writes, and the power-fail warning. See diskd.h.
 *
 * A request slot is one buffer posted to the endpoint's request queue: a
 * struct blksrv_req then up to BLKSRV_MAX_DATA bytes. It goes
 *   posted -> (reaped) -> disk I/O or waiting for log room -> answered
 *   (completion posted) -> (completion reaped) -> posted again.
 * A read's data is read into the slot's own buffer and answered from it.
 */
#include "diskd.h"

#include "numbat.h"
#include "virtio.h"

#define SLOTS       16u
#define UNSAFE_DELAY_MS 1000u  /* the control's write-back delay */
#define SLOT_BYTES  (sizeof(struct blksrv_req) + BLKSRV_MAX_DATA)

enum slot_state { SLOT_POSTED, SLOT_DISK, SLOT_WAIT_ROOM, SLOT_ANSWERED };

struct slot {
	uint8_t buf[SLOT_BYTES] __attribute__((aligned(16)));
	struct blksrv_done done;
	struct vblk_req dreq;           /* its disk read, write or flush */
	enum slot_state state;
	uint64_t waiting_since;         /* SLOT_WAIT_ROOM: counter when it began */
	bool reading;                   /* counted in reads_inflight */
};

static struct slot slots[SLOTS];
static struct vblk disk;
static struct virtio_dev ep;
static struct virtio_queue reqq, doneq;
static uint8_t reqq_ring[VIRTIO_RING_BYTES(SLOTS)] __attribute__((aligned(4096)));
static uint8_t doneq_ring[VIRTIO_RING_BYTES(2 * SLOTS)] __attribute__((aligned(4096)));
static struct dlog dlog;
static struct blksrv_config cfg;
static unsigned reads_inflight;
static volatile bool powerfail;
static struct { struct blksrv_done hdr; uint64_t sectors; } capacity_msg;
static uint64_t acked_writes, waited_for_room, room_wait_ticks, idle_ticks;

static const char *const mode_names[] = { "write-through", "rapilog", "unsafe" };

static struct blksrv_req *req_of(struct slot *s)
{
	return (struct blksrv_req *)s->buf;
}

static uint8_t *data_of(struct slot *s)
{
	return s->buf + sizeof(struct blksrv_req);
}

static void post_slot(struct slot *s)
{
	struct virtio_buf b = { s->buf, SLOT_BYTES };

	s->state = SLOT_POSTED;
	if (virtio_post(&reqq, &b, 0, 1, s) == 0)
		virtio_kick(&reqq);
}

/* Posts the answer of slot s: its status, and for a read its data. */
static void answer(struct slot *s, uint32_t status)
{
	struct blksrv_req *r = req_of(s);
	struct virtio_buf b[2] = { { &s->done, sizeof(s->done) }, { data_of(s), r->len } };
	bool data = r->type == BLKSRV_T_IN && status == BLKSRV_S_OK && r->len;

	s->done = (struct blksrv_done){ .tag = r->tag, .status = status,
					.len = data ? r->len : 0 };
	s->state = SLOT_ANSWERED;
	if (r->type == BLKSRV_T_OUT && status == BLKSRV_S_OK)
		acked_writes++;
	if (virtio_post(&doneq, b, data ? 2 : 1, 0, s) == 0)
		virtio_kick(&doneq);
}

static unsigned long ms_of(uint64_t ticks)
{
	return (unsigned long)(ticks * 1000 / counter_freq());
}

static bool in_range(const struct blksrv_req *r)
{
	uint64_t n = r->len / VBLK_SECTOR;

	return r->sector <= disk.capacity && n <= disk.capacity - r->sector;
}

static void to_disk(struct slot *s, uint32_t type)
{
	struct blksrv_req *r = req_of(s);

	s->dreq = (struct vblk_req){ .type = type, .sector = r->sector,
				     .buf = type == VBLK_T_FLUSH ? NULL : data_of(s),
				     .len = type == VBLK_T_FLUSH ? 0 : r->len, .cookie = s };
	s->state = SLOT_DISK;
	s->reading = type == VBLK_T_IN;
	reads_inflight += s->reading;
	while (!vblk_submit(&disk, &s->dreq))
		vblk_poll(&disk);
}

/* A write in RapiLog (or unsafe) mode: into the log, answered at once. */
static void to_log(struct slot *s)
{
	struct blksrv_req *r = req_of(s);

	if (log_append(&dlog, r->sector, data_of(s), r->len)) {
		if (s->state == SLOT_WAIT_ROOM)
			room_wait_ticks += counter_read() - s->waiting_since;
		answer(s, BLKSRV_S_OK);
	} else if (s->state != SLOT_WAIT_ROOM) {
		waited_for_room++;
		s->waiting_since = counter_read();
		s->state = SLOT_WAIT_ROOM;      /* acknowledged when room frees */
	}
}

static void handle(struct slot *s)
{
	struct blksrv_req *r = req_of(s);
	bool buffered = cfg.mode != BLKSRV_MODE_WRITE_THROUGH;

	if (r->type != BLKSRV_T_FLUSH && (!in_range(r) || r->len > BLKSRV_MAX_DATA)) {
		answer(s, BLKSRV_S_IOERR);
	} else if (r->type == BLKSRV_T_IN) {
		to_disk(s, VBLK_T_IN);
	} else if (r->type == BLKSRV_T_OUT) {
		if (buffered)
			to_log(s);
		else
			to_disk(s, VBLK_T_OUT);
	} else if (r->type == BLKSRV_T_FLUSH) {
		/* RapiLog: what is in the log survives crashes and power-fail. */
		if (buffered)
			answer(s, BLKSRV_S_OK);
		else
			to_disk(s, VBLK_T_FLUSH);
	} else {
		answer(s, BLKSRV_S_UNSUPP);
	}
}

/* Everything the endpoint and the disk returned; whether anything moved. */
static bool serve(void)
{
	bool moved = false;
	struct slot *s;

	virtio_interrupt_ack(&ep);
	while (!powerfail && (s = virtio_reap(&reqq, NULL))) {
		handle(s);
		moved = true;
	}
	while ((s = virtio_reap(&doneq, NULL))) {
		if (s != (struct slot *)&capacity_msg)
			post_slot(s);
		moved = true;
	}
	if (vblk_poll(&disk))
		moved = true;
	for (unsigned i = 0; i < SLOTS; i++) {
		s = &slots[i];
		if (s->state == SLOT_DISK && s->dreq.done) {
			reads_inflight -= s->reading;
			if (s->reading && s->dreq.status == VBLK_S_OK)
				log_overlay(&dlog, s->dreq.sector, data_of(s), s->dreq.len);
			s->reading = false;
			answer(s, s->dreq.status == VBLK_S_OK ? BLKSRV_S_OK : BLKSRV_S_IOERR);
			moved = true;
		} else if (s->state == SLOT_WAIT_ROOM) {
			to_log(s);
		}
	}
	/* A read in flight may have read the disk before a log write landed:
	 * nothing leaves the log until it has its overlay. */
	if (log_pump(&dlog, &disk, reads_inflight == 0,
		     cfg.mode == BLKSRV_MODE_UNSAFE && !powerfail ? counter_ms(UNSAFE_DELAY_MS) : 0))
		moved = true;
	return moved;
}

static int setup(void)
{
	int rc = vblk_init(&disk, DISKD_DISK);

	if (rc)
		return rc;
	gic_enable(DISKD_DISK_INTID, 0x80);
	if (virtio_probe(&ep, DISKD_EP, DISKD_EP_INTID, BLKSRV_DEVICE_ID) ||
	    virtio_negotiate(&ep, 0) ||
	    virtio_queue_setup(&ep, &reqq, BLKSRV_REQQ, SLOTS, reqq_ring) ||
	    virtio_queue_setup(&ep, &doneq, BLKSRV_DONEQ, 2 * SLOTS, doneq_ring))
		return -100;
	for (unsigned i = 0; i < sizeof(cfg) / 4; i++)
		((uint32_t *)&cfg)[i] = virtio_config_read32(&ep, 4 * i);
	virtio_driver_ok(&ep);
	log_init(&dlog, cfg.buffer_bytes, cfg.buffer_requests, disk.size_max);
	gic_enable(DISKD_PF_INTID, 0x80);
	return 0;
}

/* Tells Linux's disk its size. */
static void send_capacity(void)
{
	struct virtio_buf b = { &capacity_msg, sizeof(capacity_msg) };

	capacity_msg.hdr = (struct blksrv_done){ .tag = BLKSRV_TAG_CAPACITY };
	capacity_msg.sectors = disk.capacity;
	if (virtio_post(&doneq, &b, 1, 0, &capacity_msg) == 0)
		virtio_kick(&doneq);
}

/* The supply is failing: drain (unless unsafe), flush the disk, say done. */
static void drain_and_finish(uint64_t warned)
{
	struct vblk_req flush = { .type = VBLK_T_FLUSH };
	uint64_t held = dlog.used;

	printf("diskd: power-fail warning, %lu bytes to drain\n", (unsigned long)held);
	if (cfg.mode != BLKSRV_MODE_UNSAFE) {
		while (!log_empty(&dlog) || reads_inflight) {
			if (!serve())
				virtio_wait(10);
		}
		for (unsigned i = 0; i < SLOTS; i++)  /* write-through: what is under way */
			while (slots[i].state == SLOT_DISK && !slots[i].dreq.done)
				vblk_poll(&disk);
		vblk_sync(&disk, &flush);
	}
	printf("diskd: drained %lu bytes in %lu ms\n", (unsigned long)held,
	       (unsigned long)((counter_read() - warned) * 1000 / counter_freq()));
	hvc(NUMBAT_HC_POWERFAIL_DONE, 0, 0, 0);
}

int main(void)
{
	uint64_t next_report;
	int rc;

	gic_init();
	rc = setup();
	if (rc) {
		printf("diskd: cannot start (%d)\n", rc);
		return 1;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		post_slot(&slots[i]);
	send_capacity();
	printf("diskd: %s mode, disk %lu sectors, log bound %lu bytes, %u requests, "
	       "drain budget %u ms\n", mode_names[cfg.mode < 3 ? cfg.mode : 0],
	       (unsigned long)disk.capacity, (unsigned long)dlog.bound, dlog.max_entries,
	       cfg.drain_ms);
	next_report = counter_read() + counter_ms(5000);
	for (;;) {
		if (serve())
			continue;
		uint64_t t0 = counter_read();
		unsigned intid = virtio_wait(50);

		idle_ticks += counter_read() - t0;

		if (intid == DISKD_PF_INTID && !powerfail) {
			powerfail = true;
			gic_disable(DISKD_PF_INTID);    /* the level stays high */
			drain_and_finish(counter_read());
		}
		if (counter_read() > next_report) {
			/* Two lines: numbat's console breaks a VM's line at 160 bytes. */
			printf("diskd: %lu writes acked, %lu bytes from the log in %lu disk "
			       "writes, peak %lu\n", (unsigned long)acked_writes,
			       (unsigned long)dlog.written_bytes, (unsigned long)dlog.disk_writes,
			       (unsigned long)dlog.peak);
			printf("diskd: room waits %lu (%lu ms), copy %lu ms, idle %lu ms\n",
			       (unsigned long)waited_for_room, ms_of(room_wait_ticks),
			       ms_of(dlog.copy_ticks), ms_of(idle_ticks));
			next_report = counter_read() + counter_ms(5000);
		}
	}
}
