/*
 * The device side of a virtio split virtqueue (virtio 1.2, section 2.7).
 * See core/virtq.h for the contract.
 *
 * The rings live in guest memory that the driver may rewrite at any time
 * from another CPU. Every value numbat takes from them is loaded once into
 * a local, checked, and only the local is used:
 * - the available index once per virtq_pop, followed by an acquire barrier
 *   before the ring entry and descriptors are read (2.7.13.2: the driver
 *   publishes the entries before the index);
 * - each descriptor once, as a 16-byte copy;
 * - used entries are written before the used index, with a release barrier
 *   between them (2.7.8.2), and the event fields are read after a full
 *   barrier (2.7.7.2, 2.7.10: "the device MUST ... read used_event after
 *   updating the used idx").
 *
 * Rules enforced on a chain (2.7.5.3, 2.7.13.3): head and every next below
 * the table's size; no more descriptors than the table holds (a loop);
 * no more than VIRTQ_SEGS_MAX buffers; no readable buffer after a writable
 * one; every buffer inside one of the VM's memory regions with read rights
 * (readable) or write rights (writable); total lengths within 32 bits;
 * an indirect table only when VIRTIO_F_INDIRECT_DESC was negotiated, never
 * inside another one, never with NEXT set, a non-zero multiple of 16
 * bytes and at most VIRTQ_NUM_MAX entries (2.7.5.3.1).
 */
#include "core/virtq.h"

#include "core/vm.h"
#include "lib/string.h"

#define VIRTQ_DESC_F_NEXT      1u  /* 2.7.5 */
#define VIRTQ_DESC_F_WRITE     2u
#define VIRTQ_DESC_F_INDIRECT  4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u  /* 2.7.6 */
#define VIRTQ_USED_F_NO_NOTIFY 1u      /* 2.7.8 */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/* The three rings of a queue, mapped. */
struct virtq_rings {
	const struct virtq_desc *desc;
	const uint16_t *avail;      /* flags, idx, ring[num], used_event */
	uint16_t *used;             /* flags, idx, then the elements */
};

#define AVAIL_IDX   1
#define AVAIL_RING  2
#define USED_IDX    1
#define USED_RING   4           /* bytes: elements start after flags, idx */

static inline struct virtq_used_elem *used_elem(const struct virtq_rings *r, uint16_t i)
{
	return (struct virtq_used_elem *)((uint8_t *)r->used + USED_RING) + i;
}

static inline uint16_t *avail_event(const struct virtq_rings *r, uint16_t num)
{
	return (uint16_t *)((uint8_t *)r->used + USED_RING + 8u * num);
}

static bool num_valid(uint16_t num)
{
	return num != 0 && num <= VIRTQ_NUM_MAX && (num & (num - 1)) == 0;
}

/*
 * Maps the three rings of `q` (alignment per 2.7: 16, 2 and 4 bytes);
 * false if the size is invalid or a ring lies outside the VM's memory.
 */
static bool rings_map(const struct vm *vm, const struct virtq *q, struct virtq_rings *r)
{
	uint64_t n = q->num;

	if (!num_valid(q->num) || (q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return false;
	r->desc = vm_guest_ptr(vm, ipa_init(q->desc), 16 * n, REGION_READ);
	r->avail = vm_guest_ptr(vm, ipa_init(q->avail), 6 + 2 * n, REGION_READ);
	r->used = vm_guest_ptr(vm, ipa_init(q->used), 6 + 8 * n, REGION_READ | REGION_WRITE);
	return r->desc && r->avail && r->used;
}

/*
 * rings_map, remembered: a VM's memory regions are fixed, so the mapping
 * depends only on the four registers, and the transport does not let the
 * driver change them while the queue is ready (4.2.2.2). Every virtqueue
 * operation maps the rings; this saves three region walks each (18% of
 * numbat's instructions in a TCP flood over a link).
 */
static bool virtq_map(const struct vm *vm, struct virtq *q, struct virtq_rings *r)
{
	struct virtq_map_cache *c = &q->map;

	if (c->used && c->desc_ipa == q->desc && c->avail_ipa == q->avail &&
	    c->used_ipa == q->used && c->num == q->num) {
		*r = (struct virtq_rings){ c->desc, c->avail, c->used };
		return true;
	}
	if (!rings_map(vm, q, r))
		return false;
	*c = (struct virtq_map_cache){ q->desc, q->avail, q->used, q->num,
				       r->desc, r->avail, r->used };
	return true;
}

bool virtq_valid(const struct vm *vm, const struct virtq *q)
{
	struct virtq_rings r;

	return rings_map(vm, q, &r);
}

static inline uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* One descriptor, read once (the driver may be rewriting it). */
static inline struct virtq_desc desc_read(const struct virtq_desc *table, uint16_t i)
{
	const volatile struct virtq_desc *d = &table[i];
	struct virtq_desc v = { d->addr, d->len, d->flags, d->next };

	return v;
}

/* Adds buffer `d` to `chain`; false if that breaks a rule (header). */
static bool chain_add(const struct vm *vm, struct virtq_chain *chain, const struct virtq_desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	uint32_t *total = writable ? &chain->in_len : &chain->out_len;
	unsigned n = chain->nout + chain->nin;
	uint8_t *p;

	if (!writable && chain->nin)
		return false;                   /* readable after writable */
	if (d->len == 0)
		return true;                    /* nothing to map */
	if (n == VIRTQ_SEGS_MAX || d->len > UINT32_MAX - *total)
		return false;
	p = vm_guest_ptr(vm, ipa_init(d->addr), d->len, writable ? REGION_WRITE : REGION_READ);
	if (!p)
		return false;
	chain->seg[n] = (struct virtq_seg){ p, d->len };
	*total += d->len;
	if (writable)
		chain->nin++;
	else
		chain->nout++;
	return true;
}

/* Walks the chain at `head` into `chain`; false if it breaks a rule. */
static bool chain_walk(const struct vm *vm, const struct virtq *q,
		       const struct virtq_rings *r, uint16_t head, struct virtq_chain *chain)
{
	const struct virtq_desc *table = r->desc;
	unsigned size = q->num, seen = 0;
	bool in_indirect = false;
	uint16_t i = head;

	/* Only the counts: seg[] (1 KiB) is written before it is read. */
	chain->head = head;
	chain->nout = chain->nin = 0;
	chain->out_len = chain->in_len = 0;
	for (;;) {
		struct virtq_desc d;

		if (i >= size || ++seen > size)
			return false;                   /* past the table, or a loop */
		d = desc_read(table, i);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			uint32_t entries = d.len / 16;

			if (!q->indirect || in_indirect || (d.flags & VIRTQ_DESC_F_NEXT) ||
			    d.len % 16 || entries == 0 || entries > VIRTQ_NUM_MAX || (d.addr & 15))
				return false;
			table = vm_guest_ptr(vm, ipa_init(d.addr), d.len, REGION_READ);
			if (!table)
				return false;
			in_indirect = true;
			size = entries;
			seen = 0;
			i = 0;
			continue;
		}
		if (!chain_add(vm, chain, &d))
			return false;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = d.next;
	}
}

enum virtq_result virtq_pop(struct vm *vm, struct virtq *q, struct virtq_chain *chain)
{
	struct virtq_rings r;
	uint16_t idx, head;

	if (!q->ready || !virtq_map(vm, q, &r))
		return VIRTQ_BROKEN;
	idx = load16(&r.avail[AVAIL_IDX]);
	if (idx == q->last_avail)
		return VIRTQ_EMPTY;
	/* More entries than the ring holds: the index is garbage (2.7.6). */
	if ((uint16_t)(idx - q->last_avail) > q->num)
		return VIRTQ_BROKEN;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* entries after the index */
	head = load16(&r.avail[AVAIL_RING + (q->last_avail & (q->num - 1))]);
	if (!chain_walk(vm, q, &r, head, chain))
		return VIRTQ_BROKEN;
	q->last_avail++;
	return VIRTQ_CHAIN;
}

enum virtq_result virtq_chain_at(struct vm *vm, struct virtq *q, uint16_t head,
				 struct virtq_chain *chain)
{
	struct virtq_rings r;

	if (!q->ready || head >= q->num || !virtq_map(vm, q, &r) ||
	    !chain_walk(vm, q, &r, head, chain))
		return VIRTQ_BROKEN;
	return VIRTQ_CHAIN;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

bool virtq_has_avail(struct vm *vm, struct virtq *q)
{
	struct virtq_rings r;

	if (!q->ready || !virtq_map(vm, q, &r))
		return false;
	return load16(&r.avail[AVAIL_IDX]) != q->last_avail;
}

bool virtq_push(struct vm *vm, struct virtq *q, uint16_t head, uint32_t written)
{
	struct virtq_rings r;
	struct virtq_used_elem *e;

	if (!q->ready || !virtq_map(vm, q, &r))
		return false;
	e = used_elem(&r, q->used_idx & (q->num - 1));
	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, written, __ATOMIC_RELAXED);
	q->used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);   /* the entry before the index */
	store16(&r.used[USED_IDX], q->used_idx);
	return true;
}

/* 2.7.10: whether `event` lies in (old, new], as Linux's vring_need_event. */
static inline bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool virtq_should_signal(struct vm *vm, struct virtq *q)
{
	struct virtq_rings r;
	bool yes;

	if (!q->ready || !virtq_map(vm, q, &r) || q->signalled == q->used_idx)
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* used idx before the flag */
	if (q->event_idx)
		yes = need_event(load16(&r.avail[AVAIL_RING + q->num]), q->used_idx, q->signalled);
	else
		yes = !(load16(&r.avail[0]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	/*
	 * With the event index, the window starts where the last check ended:
	 * an event the driver set inside an unsignalled window has passed.
	 */
	if (yes || q->event_idx)
		q->signalled = q->used_idx;
	return yes;
}

void virtq_want_notify(struct vm *vm, struct virtq *q, bool want)
{
	struct virtq_rings r;

	if (!q->ready || !virtq_map(vm, q, &r))
		return;
	if (q->event_idx) {
		/* Notify once the driver adds past what numbat has taken. */
		store16(avail_event(&r, q->num), want ? q->last_avail : (uint16_t)(q->last_avail - 1));
	} else {
		store16(&r.used[0], want ? 0 : VIRTQ_USED_F_NO_NOTIFY);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* then the caller re-reads idx */
}

/*
 * Copies n bytes between guest buffers of any alignment: arch_copy
 * (unaligned LDP/STP, 128 bytes in 18 instructions), as numbat's memcpy
 * falls back to bytes unless everything is 8-aligned, which a frame
 * after a 12-byte header never is. Host tests use memcpy.
 */
static void copy_bytes(uint8_t *d, const uint8_t *s, uint32_t n)
{
#if defined(__aarch64__) && !defined(NUMBAT_HOST_TEST)
	arch_copy(d, s, n);
#else
	memcpy(d, s, n);
#endif
}

/*
 * Finds byte `off` of the part [first, first + n) of `c`'s segments:
 * sets *seg and *in; false if the part is shorter.
 */
static bool seg_seek(const struct virtq_chain *c, unsigned first, unsigned n,
		     uint32_t off, unsigned *seg, uint32_t *in)
{
	for (unsigned i = first; i < first + n; i++) {
		if (off < c->seg[i].len) {
			*seg = i;
			*in = off;
			return true;
		}
		off -= c->seg[i].len;
	}
	return false;
}

uint32_t virtq_copy(struct virtq_chain *dst, uint32_t doff,
		    const struct virtq_chain *src, uint32_t soff, uint32_t len)
{
	unsigned si, di, send = src->nout, dend = dst->nout + dst->nin;
	uint32_t sin, din, done = 0;

	if (!seg_seek(src, 0, src->nout, soff, &si, &sin) ||
	    !seg_seek(dst, dst->nout, dst->nin, doff, &di, &din))
		return 0;
	while (done < len && si < send && di < dend) {
		uint32_t n = len - done;

		if (n > src->seg[si].len - sin)
			n = src->seg[si].len - sin;
		if (n > dst->seg[di].len - din)
			n = dst->seg[di].len - din;
		copy_bytes(dst->seg[di].p + din, src->seg[si].p + sin, n);
		done += n;
		sin += n;
		din += n;
		if (sin == src->seg[si].len) {
			si++;
			sin = 0;
		}
		if (din == dst->seg[di].len) {
			di++;
			din = 0;
		}
	}
	return done;
}

uint32_t virtq_read(const struct virtq_chain *src, uint32_t soff, void *buf, uint32_t len)
{
	uint8_t *b = buf;
	uint32_t in, done = 0;
	unsigned i;

	if (!seg_seek(src, 0, src->nout, soff, &i, &in))
		return 0;
	for (; done < len && i < src->nout; i++, in = 0) {
		uint32_t n = src->seg[i].len - in;

		if (n > len - done)
			n = len - done;
		copy_bytes(b + done, src->seg[i].p + in, n);
		done += n;
	}
	return done;
}

uint32_t virtq_write(struct virtq_chain *dst, uint32_t doff, const void *buf, uint32_t len)
{
	const uint8_t *b = buf;
	unsigned i, end = dst->nout + dst->nin;
	uint32_t in, done = 0;

	if (!seg_seek(dst, dst->nout, dst->nin, doff, &i, &in))
		return 0;
	for (; done < len && i < end; i++, in = 0) {
		uint32_t n = dst->seg[i].len - in;

		if (n > len - done)
			n = len - done;
		copy_bytes(dst->seg[i].p + in, b + done, n);
		done += n;
	}
	return done;
}
