/*
 * libFuzzer harness: the device-side virtqueue walker (src/core/virtq.c)
 * against a hostile driver. Two queues in two fake VMs' memories
 * (tests/host/fake_guest_mem.h); the input chooses each queue's size
 * (any, not only powers of two) and negotiated features, fills the
 * descriptor tables (addresses mostly inside memory, lengths and flags
 * anything), then drives a sequence of: making heads available, popping,
 * pushing, unpopping, the suppression calls, copies between the two
 * queues' chains, and the driver rewriting ring bytes and indices.
 * Invariants: every segment a popped chain holds lies inside its VM's
 * memory with the rights its direction needs (ASan checks every copy as
 * well), the part lengths add up and fit VIRTQ_SEGS_MAX, readable come
 * before writable, copies never exceed what both parts hold, and the
 * queue's own indices only move as the API says.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "../host/fake_spinlock.h"

#include "core/virtq.c"

#define FAKE_NO_HUGE
#include "../host/fake_driver.h"

#define RING  FAKE_RAM_IPA
#define BUF   (FAKE_RAM_IPA + 0x4000)

static struct vm vmx[2];
static struct virtq qs[2];
static struct fq fqs[2];
static struct virtq_chain ch[2];
static bool have[2], may_unpop[2];

static bool inside(unsigned v, const uint8_t *p, uint32_t len, bool writable)
{
	const uint8_t *ram = fake_ram[v], *ro = fake_ro[v];

	if (p >= ram && p + len <= ram + FAKE_RAM_SIZE)
		return true;
	return !writable && p >= ro && p + len <= ro + FAKE_RO_SIZE;
}

static void check_chain(unsigned v, const struct virtq_chain *c)
{
	uint32_t out = 0, in = 0;

	FUZZ_ASSERT(c->nout + c->nin <= VIRTQ_SEGS_MAX);
	FUZZ_ASSERT(c->head < qs[v].num);
	for (unsigned i = 0; i < c->nout + c->nin; i++) {
		FUZZ_ASSERT(c->seg[i].len > 0);
		FUZZ_ASSERT(inside(v, c->seg[i].p, c->seg[i].len, i >= c->nout));
		if (i < c->nout)
			out += c->seg[i].len;
		else
			in += c->seg[i].len;
	}
	FUZZ_ASSERT(out == c->out_len && in == c->in_len);
}

/* Descriptor i of VM v from the input: mostly a buffer inside RAM. */
static void make_desc(struct fuzz_in *in, unsigned v, uint64_t table, unsigned i)
{
	unsigned sel = (unsigned)fuzz_take(in, 1);
	uint64_t addr = BUF + fuzz_take(in, 2) * 8;
	uint32_t len = (uint32_t)fuzz_take(in, 2);
	uint16_t flags = (uint16_t)(sel & 7), next = (uint16_t)fuzz_take(in, 1);

	if (sel & 0x80)
		addr = fuzz_take(in, 8);
	else if (sel & 0x40)
		addr = FAKE_RO_IPA + (addr & 0xfff);
	if (sel & 0x20)
		len = (uint32_t)fuzz_take(in, 4);
	if (sel & 0x10)   /* an indirect table: point into the table area */
		addr = RING + 0x3000 + (fuzz_take(in, 1) & 0x3f) * 16;
	fq_desc_at(&fqs[v], table, i, addr, len, flags, next);
}

static void setup(struct fuzz_in *in, unsigned v)
{
	unsigned cfg = (unsigned)fuzz_take(in, 1);
	uint16_t num = (cfg & 0x10) ? (uint16_t)fuzz_take(in, 2) : (uint16_t)(1u << (cfg & 7));
	unsigned ndesc = num < 32 ? num : 32;

	vmx[v].id = v;
	fq_init(&fqs[v], &qs[v], v, RING, num);
	qs[v].indirect = cfg & 0x20;
	qs[v].event_idx = cfg & 0x40;
	for (unsigned i = 0; i < ndesc; i++)
		make_desc(in, v, RING, i);
	for (unsigned i = 0; i < 8; i++)   /* an area for indirect tables */
		make_desc(in, v, RING + 0x3000, i);
	have[v] = may_unpop[v] = false;
}

static void step(struct fuzz_in *in, unsigned op)
{
	unsigned v = (op >> 4) & 1;
	struct virtq *q = &qs[v];

	switch (op & 15) {
	case 0: case 1:
		if (fqs[v].num)
			fq_add(&fqs[v], (uint16_t)fuzz_take(in, 1));
		break;
	case 2: case 3: {
		uint16_t before = q->last_avail;
		enum virtq_result r = virtq_pop(&vmx[v], q, &ch[v]);

		FUZZ_ASSERT(q->last_avail == (uint16_t)(before + (r == VIRTQ_CHAIN)));
		may_unpop[v] = r == VIRTQ_CHAIN;
		if (r == VIRTQ_CHAIN) {
			check_chain(v, &ch[v]);
			have[v] = true;
		}
		break;
	}
	case 4:
		if (may_unpop[v]) {
			virtq_unpop(q);
			may_unpop[v] = false;
		}
		break;
	case 5:
		(void)virtq_push(&vmx[v], q, (uint16_t)fuzz_take(in, 1), (uint32_t)fuzz_take(in, 4));
		break;
	case 6:
		(void)virtq_should_signal(&vmx[v], q);
		break;
	case 7:
		virtq_want_notify(&vmx[v], q, op & 0x20);
		break;
	case 8:
		(void)virtq_has_avail(&vmx[v], q);
		break;
	case 9: case 10:
		if (have[0] && have[1]) {
			uint32_t doff = (uint32_t)fuzz_take(in, 2), soff = (uint32_t)fuzz_take(in, 2);
			uint32_t len = (uint32_t)fuzz_take(in, 3);
			uint32_t n = virtq_copy(&ch[v], doff, &ch[!v], soff, len);

			FUZZ_ASSERT(n <= len);
			FUZZ_ASSERT(n == 0 || (doff + (uint64_t)n <= ch[v].in_len &&
					       soff + (uint64_t)n <= ch[!v].out_len));
		}
		break;
	case 11:
		if (have[v]) {
			uint8_t buf[256];
			uint32_t off = (uint32_t)fuzz_take(in, 2);

			FUZZ_ASSERT(virtq_read(&ch[v], off, buf, sizeof(buf)) <= sizeof(buf));
			(void)virtq_write(&ch[v], off, buf, sizeof(buf));
		}
		break;
	case 12:   /* the driver rewrites a ring byte under the device */
		((uint8_t *)fake_at(v, RING))[fuzz_take(in, 2) % 0x3200] = (uint8_t)fuzz_take(in, 1);
		break;
	case 13:
		*fq_avail16(&fqs[v], 1) = (uint16_t)fuzz_take(in, 2);
		break;
	default:
		make_desc(in, v, RING, (unsigned)fuzz_take(in, 1) % 32);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	setup(&in, 0);
	setup(&in, 1);
	while (in.n)
		step(&in, (unsigned)fuzz_take(&in, 1));
	return 0;
}
