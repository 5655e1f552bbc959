/*
 * diskd's RapiLog buffer: writes held in arrival order in a ring of
 * bytes, written to the disk in the same order behind the
 * acknowledgements, at most LOG_INFLIGHT at a time, never two that
 * overlap at once, and retired (their space freed) strictly from the
 * oldest. The bounds are the description's (what the disk writes within
 * the power-fail drain budget, in bytes and, for a disk limited by
 * operations, in requests: each entry is one disk write), so a full log
 * is drained before the supply fails.
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

void log_init(struct dlog *l, uint64_t bound, uint32_t requests)
{
	memset(l, 0, sizeof(*l));
	l->bound = bound < LOG_SPACE ? bound : LOG_SPACE;
	l->max_entries = requests && requests < LOG_ENTRIES ? requests : LOG_ENTRIES;
}

bool log_append(struct dlog *l, uint64_t sector, const void *data, uint32_t len)
{
	uint32_t off = l->wpos, waste = 0;
	struct log_entry *e;

	if (off + len > LOG_SPACE) {          /* does not fit before the end: wrap */
		waste = LOG_SPACE - off;
		off = 0;
	}
	if (l->tail - l->head >= l->max_entries || l->used + waste + len > l->bound)
		return false;
	e = &l->e[l->tail % LOG_ENTRIES];
	*e = (struct log_entry){ .sector = sector, .len = len, .off = off, .at = counter_read() };
	e->req.cookie = (void *)(uintptr_t)waste;  /* freed with the entry */
	diskd_copy((uint8_t *)LOG_BASE + off, data, len);
	l->wpos = off + len;
	l->used += waste + len;
	l->tail++;
	if (l->used > l->peak)
		l->peak = l->used;
	return true;
}

/*
 * Whether entry `e` overlaps a write still in flight: the device may
 * complete requests in any order (virtio 1.2, 2.7.14), so an older write
 * to the same sectors finishing last would undo the newer one. Such an
 * entry waits until the older write is done.
 */
static bool overlaps_inflight(const struct dlog *l, const struct log_entry *e)
{
	uint64_t end = e->sector + e->len / VBLK_SECTOR;

	for (uint32_t i = l->head; i != l->head + l->issued; i++) {
		const struct log_entry *o = &l->e[i % LOG_ENTRIES];

		if (!o->req.done && o->sector < end && e->sector < o->sector + o->len / VBLK_SECTOR)
			return true;
	}
	return false;
}

bool log_pump(struct dlog *l, struct vblk *disk, bool may_retire, uint64_t min_age)
{
	uint64_t now = counter_read();
	bool moved = false;

	/* Retire the oldest while they are done: their data is on the disk. */
	while (may_retire && l->issued && l->e[l->head % LOG_ENTRIES].req.done) {
		struct log_entry *e = &l->e[l->head % LOG_ENTRIES];

		l->used -= e->len + (uint32_t)(uintptr_t)e->req.cookie;
		l->written_bytes += e->len;
		l->head++;
		l->issued--;
		moved = true;
	}
	while (l->issued < LOG_INFLIGHT && l->head + l->issued != l->tail) {
		struct log_entry *e = &l->e[(l->head + l->issued) % LOG_ENTRIES];
		void *waste = e->req.cookie;

		if ((now - e->at < min_age && l->used < l->bound / 2) || overlaps_inflight(l, e))
			break;
		e->req = (struct vblk_req){ .type = VBLK_T_OUT, .sector = e->sector,
					    .buf = (uint8_t *)LOG_BASE + e->off, .len = e->len,
					    .cookie = waste };
		if (!vblk_submit(disk, &e->req))
			break;
		l->issued++;
		moved = true;
	}
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
