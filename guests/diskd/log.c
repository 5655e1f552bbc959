/*
 * diskd's RapiLog buffer: writes held in arrival order in a ring of
 * bytes, written to the disk in the same order behind the
 * acknowledgements, at most LOG_INFLIGHT disk writes at a time, never two
 * that overlap at once, and retired (their space freed) strictly from
 * the oldest. Consecutive entries that continue each other on the disk
 * (a sequential write, a journal) are written as one disk write of up to
 * merge_max bytes while the writer is behind. The bounds are the
 * description's (what the disk writes within the power-fail drain
 * budget, in bytes and, for a disk limited by operations, in disk
 * writes: runs), so a full log is drained before the supply fails.
 */
#include "diskd.h"

#include "numbat.h"

void diskd_copy(void *dst, const void *src, uint32_t n)
{
	if (!(((uintptr_t)dst | (uintptr_t)src | n) & 7)) {
		volatile uint64_t *d = dst;
		const uint64_t *s = src;

		for (uint32_t i = 0; i < n / 8; i++)
			d[i] = s[i];
		return;
	}
	memcpy(dst, src, n);
}

void log_init(struct dlog *l, uint64_t bound, uint32_t requests, uint32_t merge_max)
{
	memset(l, 0, sizeof(*l));
	l->bound = bound < LOG_SPACE ? bound : LOG_SPACE;
	l->max_entries = requests && requests < LOG_ENTRIES ? requests : LOG_ENTRIES;
	l->merge_max = merge_max && merge_max < LOG_MERGE_MAX ? merge_max : LOG_MERGE_MAX;
}

/*
 * Whether a write of `len` bytes at `sector`, placed at ring offset `off`,
 * can join the run of the newest entry: that run is not issued yet, the
 * write continues it on the disk and in the ring, and the run stays
 * within merge_max. Adjacent ranges do not overlap, so one disk write for
 * the run keeps every ordering the separate writes had.
 */
static bool joins_last(const struct dlog *l, uint64_t sector, uint32_t off, uint32_t len)
{
	const struct log_entry *p = &l->e[(l->tail - 1) % LOG_ENTRIES];

	return l->head + l->issued != l->tail && p->sector + p->len / VBLK_SECTOR == sector &&
	       p->off + p->len == off && l->last_run_bytes + len <= l->merge_max;
}

bool log_append(struct dlog *l, uint64_t sector, const void *data, uint32_t len)
{
	uint32_t off = l->wpos, waste = 0;
	struct log_entry *e;
	bool joins;

	if (off + len > LOG_SPACE) {          /* does not fit before the end: wrap */
		waste = LOG_SPACE - off;
		off = 0;
	}
	joins = joins_last(l, sector, off, len);
	if (l->tail - l->head >= LOG_ENTRIES || (!joins && l->runs >= l->max_entries) ||
	    l->used + waste + len > l->bound)
		return false;
	e = &l->e[l->tail % LOG_ENTRIES];
	*e = (struct log_entry){ .sector = sector, .len = len, .off = off, .waste = waste,
				 .joins = joins };
	e->at = counter_read();
	diskd_copy((uint8_t *)LOG_BASE + off, data, len);
	l->copy_ticks += counter_read() - e->at;
	l->wpos = off + len;
	l->used += waste + len;
	l->tail++;
	l->runs += !joins;
	l->last_run_bytes = joins ? l->last_run_bytes + len : len;
	if (l->used > l->peak)
		l->peak = l->used;
	return true;
}

/*
 * Whether [sector, end) overlaps a write still in flight: the device may
 * complete requests in any order (virtio 1.2, 2.7.14), so an older write
 * to the same sectors finishing last would undo the newer one. Such a
 * run waits until the older write is done.
 */
static bool overlaps_inflight(const struct dlog *l, uint64_t sector, uint64_t end)
{
	for (uint32_t i = l->head; i != l->head + l->issued; i++) {
		const struct log_entry *o = &l->e[i % LOG_ENTRIES];

		if (!o->joins && !o->req.done && o->req.sector < end &&
		    sector < o->req.sector + o->req.len / VBLK_SECTOR)
			return true;
	}
	return false;
}

/* Retires the oldest runs while their writes are done: their data is on the disk. */
static bool retire(struct dlog *l)
{
	bool moved = false;

	while (l->issued && l->e[l->head % LOG_ENTRIES].req.done) {
		do {
			struct log_entry *e = &l->e[l->head % LOG_ENTRIES];

			l->used -= e->len + e->waste;
			l->written_bytes += e->len;
			l->head++;
			l->issued--;
		} while (l->issued && l->e[l->head % LOG_ENTRIES].joins);
		l->runs--;
		l->writes--;
		moved = true;
	}
	return moved;
}

/* Issues the next run (its first entry at head + issued) as one disk write. */
static bool issue_run(struct dlog *l, struct vblk *disk, uint64_t now, uint64_t min_age)
{
	uint32_t first = l->head + l->issued, n = 1, len;
	struct log_entry *e = &l->e[first % LOG_ENTRIES];

	len = e->len;
	while (first + n != l->tail && l->e[(first + n) % LOG_ENTRIES].joins)
		len += l->e[(first + n++) % LOG_ENTRIES].len;
	if ((now - e->at < min_age && l->used < l->bound / 2) ||
	    overlaps_inflight(l, e->sector, e->sector + len / VBLK_SECTOR))
		return false;
	e->req = (struct vblk_req){ .type = VBLK_T_OUT, .sector = e->sector,
				    .buf = (uint8_t *)LOG_BASE + e->off, .len = len };
	if (!vblk_submit(disk, &e->req))
		return false;
	l->issued += n;
	l->writes++;
	l->disk_writes++;
	return true;
}

bool log_pump(struct dlog *l, struct vblk *disk, bool may_retire, uint64_t min_age)
{
	uint64_t now = counter_read();
	bool moved = may_retire && retire(l);

	while (l->writes < LOG_INFLIGHT && l->head + l->issued != l->tail &&
	       issue_run(l, disk, now, min_age))
		moved = true;
	return moved;
}

void log_overlay(const struct dlog *l, uint64_t sector, uint8_t *buf, uint32_t len)
{
	uint64_t end = sector + len / VBLK_SECTOR;

	for (uint32_t i = l->head; i != l->tail; i++) {
		const struct log_entry *e = &l->e[i % LOG_ENTRIES];
		uint64_t es = e->sector, ee = e->sector + e->len / VBLK_SECTOR;
		uint64_t from = es > sector ? es : sector, to = ee < end ? ee : end;

		if (from < to)
			diskd_copy(buf + (from - sector) * VBLK_SECTOR,
				   (const uint8_t *)LOG_BASE + e->off + (from - es) * VBLK_SECTOR,
				   (uint32_t)(to - from) * VBLK_SECTOR);
	}
}
