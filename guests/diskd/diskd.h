/*
 * diskd: the disk-server partition (docs/RAPILOG.md). It owns the real
 * disk (a passed-through virtio-blk slot, driven by guests/lib/virtio_blk)
 * and serves the block requests a Linux VM makes of its virtio-blk disk,
 * which arrive through its block-server endpoint (include/numbat/blksrv.h)
 * on guests/lib/virtio. Modes (the description's): write-through, RapiLog
 * (writes acknowledged once in the log, written in order behind), unsafe
 * (RapiLog without the drain at power-fail: the control that must lose).
 *
 * Its addresses are fixed by its system description (identity-mapped at
 * 0x60000000): the disk at IPA 0x0a000000 (SPI 16), the endpoint at
 * 0x0a001000 (SPI 17), the power-fail warning SPI 20.
 */
#ifndef DISKD_H
#define DISKD_H

#include <stdbool.h>
#include <stdint.h>

#include <numbat/blksrv.h>

#include "virtio_blk.h"

#define DISKD_DISK        0x0a000000ul
#define DISKD_DISK_INTID  48u
#define DISKD_EP          0x0a001000ul
#define DISKD_EP_INTID    49u
#define DISKD_PF_INTID    52u

/* The RapiLog buffer (log.c): a ring of extents in the partition's memory. */
#define LOG_BASE          0x62000000ul
#define LOG_SPACE         (32ul << 20)
#define LOG_ENTRIES       1024u
#define LOG_INFLIGHT      8u           /* disk writes the log keeps going */
#define LOG_MERGE_MAX     (1u << 20)   /* bytes one merged disk write carries */

/*
 * A run is one disk write: an entry that does not join, then the entries
 * that join it (each continues the previous one on the disk and in the
 * ring, appended before the run was issued). Only a run's first entry
 * uses its req.
 */
struct log_entry {
	uint64_t sector;
	uint32_t len;
	uint32_t off;                  /* in the ring */
	uint32_t waste;                /* ring bytes skipped before it (a wrap) */
	bool joins;                    /* continues the previous entry's run */
	struct vblk_req req;           /* its run's disk write (first entry) */
	uint64_t at;                   /* counter value when it was appended */
};

struct dlog {
	uint64_t bound;                /* bytes it may hold (the config's) */
	uint32_t max_entries;          /* requests it may hold (the config's) */
	uint64_t used;                 /* bytes held, wasted tail included */
	uint32_t wpos, rpos;           /* ring byte positions */
	uint32_t head, tail;           /* entries: [head, tail) held, free running */
	uint32_t issued;               /* entries [head, head + issued) issued */
	uint32_t runs;                 /* runs held (disk writes needed) */
	uint32_t writes;               /* runs issued, not yet retired */
	uint32_t last_run_bytes;       /* bytes of the run entry tail - 1 ends */
	uint32_t merge_max;            /* bytes a run may carry */
	struct log_entry e[LOG_ENTRIES];
	uint64_t written_bytes, peak;
	uint64_t disk_writes;          /* runs written (counters for the report) */
	uint64_t copy_ticks;           /* spent copying into the ring */
};

/*
 * `requests`: disk writes (runs) it may hold, 0: bounded by LOG_ENTRIES
 * only; `merge_max`: bytes one disk write may carry (the device's limit).
 */
void log_init(struct dlog *l, uint64_t bound, uint32_t requests, uint32_t merge_max);
/* Appends a write of `len` bytes at `sector`; false if there is no room. */
bool log_append(struct dlog *l, uint64_t sector, const void *data, uint32_t len);
/*
 * Issues and retires disk writes, in order, a run at a time; returns
 * whether anything moved. Only entries appended at least `min_age` counter ticks ago are
 * issued (0 in RapiLog: at once; the unsafe control writes back lazily,
 * as a volatile disk cache does).
 */
bool log_pump(struct dlog *l, struct vblk *disk, bool may_retire, uint64_t min_age);
/* Copies what the log holds for [sector, sector + len/512) over buf. */
void log_overlay(const struct dlog *l, uint64_t sector, uint8_t *buf, uint32_t len);
static inline bool log_empty(const struct dlog *l)
{
	return l->head == l->tail;
}

/* Copies n bytes, 8 at a time when both are aligned (memory is uncached). */
void diskd_copy(void *dst, const void *src, uint32_t n);

#endif
